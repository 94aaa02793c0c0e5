/*
 * example.c - plans a request with libdevaddr.so and prints how many devices the plan has; then asks whether one
 * more virtio NIC could be hot-plugged into the guest once it runs with that plan.
 *
 *   gcc -std=c11 -Wall -Wextra -Werror -I bindings/c bindings/c/example.c -L bindings/lib -ldevaddr \
 *       -Wl,-rpath,"$PWD/bindings/lib" -o example
 *   ./example fixtures/examples/q35-basic.json     ->  q35-basic.json: 26 devices (devaddr 0.1.0)
 *                                                      hotplug of a virtio NIC: feasible
 *
 * Exit status: 0 with a plan, 1 when the library returned an error object (printed on stderr), 2 on usage or
 * I/O errors. The count and the verdict are read from the JSON without a JSON library, to keep the example short;
 * a real program would parse the JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devaddr.h"

/* Reads a whole file into a NUL-terminated buffer (free it), or returns NULL. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t size = 0, capacity = 4096;
    char *text = malloc(capacity);
    while (text != NULL) {
        size += fread(text + size, 1, capacity - size - 1, f);
        if (ferror(f) || feof(f))
            break;
        char *bigger = realloc(text, capacity *= 2);
        if (bigger == NULL)
            free(text);
        text = bigger;
    }
    int failed = ferror(f);
    fclose(f);
    if (text == NULL || failed) {
        free(text);
        return NULL;
    }
    text[size] = '\0';
    return text;
}

/* The number after "devices": in the plan's "summary" object, or -1. */
static long summary_devices(const char *plan)
{
    const char *summary = strstr(plan, "\"summary\"");
    const char *devices = summary == NULL ? NULL : strstr(summary, "\"devices\":");
    return devices == NULL ? -1 : strtol(devices + strlen("\"devices\":"), NULL, 10);
}

/* True when a result is an error object {"error": {...}} (plans and reports start with another member). */
static int is_error(const char *result)
{
    return strncmp(result, "{\n  \"error\"", 11) == 0;
}

/* Whether one more virtio NIC can be hot-plugged into the running guest laid out as plan: 1, 0, or -1 on error. */
static int nic_hotplug_feasible(const char *plan)
{
    static const char head[] = "{\"layout\": ";
    static const char tail[] = ", \"devices\": [{\"id\": \"hotplug-nic\", \"kind\": \"interface\", \"model\": \"virtio\"}]}";
    char *request = malloc(strlen(head) + strlen(plan) + strlen(tail) + 1);
    if (request == NULL)
        return -1;
    strcat(strcat(strcpy(request, head), plan), tail);
    char *report = devaddr_hotplug_check(request); /* the report of `devaddr hotplug-check --format json` */
    free(request);
    if (report == NULL)
        return -1;
    int feasible = is_error(report) ? -1 : strncmp(report, "{\n  \"feasible\": true", 20) == 0;
    if (feasible < 0)
        fprintf(stderr, "example: %s", report);
    devaddr_free(report);
    return feasible;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "fixtures/examples/q35-basic.json";
    char *request = read_file(path);
    if (request == NULL) {
        fprintf(stderr, "example: cannot read %s\n", path);
        return 2;
    }

    char *result = devaddr_plan(request);
    free(request);
    if (result == NULL) {
        fprintf(stderr, "example: out of memory\n");
        return 2;
    }

    int status = 0;
    /* A plan starts with {"machine": ...; an error object is {"error": {...}}. */
    if (is_error(result)) {
        fprintf(stderr, "example: %s", result);
        status = 1;
    } else {
        const char *name = strrchr(path, '/');
        printf("%s: %ld devices (devaddr %s)\n", name == NULL ? path : name + 1, summary_devices(result),
               devaddr_version());
        int feasible = nic_hotplug_feasible(result);
        if (feasible < 0)
            status = 1;
        else
            printf("hotplug of a virtio NIC: %s\n", feasible ? "feasible" : "not feasible");
    }
    devaddr_free(result);
    return status;
}
