/*
 * devaddr.h - C API of libdevaddr.so, the DevAddr device-address planner for QEMU/KVM guests.
 *
 * The library is the planner itself, compiled ahead of time (.NET NativeAOT) into a plain shared object: no .NET
 * runtime is needed on the machine. Build it with bindings/build.sh; it lands in bindings/lib/ together with the
 * OR-Tools libraries the "optimize" policy uses, which libdevaddr.so loads from its own directory.
 *
 * Documents
 *   Every function takes and returns UTF-8, NUL-terminated JSON text with the schema of the command-line tool:
 *   a request is what `devaddr plan REQUEST` reads, a plan is what it prints. The text returned for a plan is
 *   byte for byte what `devaddr plan` prints (indented with 2 spaces, "\n" line ends, a final "\n").
 *   A request may also be YAML, as `devaddr plan -` reads it: text that starts with '{' or '[' is JSON, other
 *   text is YAML. A hotplug report is byte for byte what `devaddr hotplug-check --format json` prints.
 *
 * Errors
 *   No function aborts or crashes on bad input. A failure is returned as an error object:
 *
 *     {"error": {"code": "...", "message": "...", "deviceId": "...", "rule": "..."}}
 *
 *   ("deviceId" and "rule" only where known). A result is an error exactly when its top-level JSON value is an
 *   object with the member "error"; plans have no such member. Codes:
 *     invalid-input     the text is not valid JSON/YAML, not UTF-8, NULL, too long (16 Mi characters at most),
 *                       or breaks the schema (missing fields, duplicate ids, bad values)
 *     unknown-model     a machine type or device/controller model that the catalog lacks
 *     address-conflict  a given address is invalid or clashes with another
 *     no-space          a device cannot be placed and no controller can be added for it
 *     infeasible        the "optimize" policy's hard requirements cannot all hold (the message names them)
 *     solver-limit      the "optimize" policy's solver stopped at its limit without a plan
 *     unsupported       the configuration is not supported by the machine type
 *     unusable-layout   libvirt would define the guest, but its layout breaks an invariant QEMU or the guest
 *                       firmware needs ("rule" names it, e.g. pci-function-zero)
 *     internal-error    a bug in the library; the message names the failure (please report it)
 *   Newer versions may add codes; treat an unknown code as a failure.
 *
 * Memory
 *   Strings returned by devaddr_plan, devaddr_validate and devaddr_hotplug_check belong to the caller, who frees each exactly once with
 *   devaddr_free (not free(): the library may use another allocator). They are NULL only when memory ran out.
 *   The string returned by devaddr_version is static: never free it.
 *
 * Threads
 *   Every function may be called from any thread, concurrently: the planner keeps no mutable state, and the
 *   library's one-time set-up (on the first call) is synchronized. Calls do not block one another. Each call does
 *   its work on a thread of its own with a 64 MiB stack and waits for it, so the caller's stack size does not matter.
 *   YAML that nests deeper than 64 levels or whose aliases expand past a million nodes is refused (invalid-input).
 *
 * Stability
 *   The five functions below are the stable ABI (ELF symbol version V1.0). Functions are only ever added.
 *   devaddr_hotplug_check came after the first four: a program that must also run with an older library looks
 *   it up with dlsym(handle, "devaddr_hotplug_check") before calling it.
 */
#ifndef DEVADDR_H
#define DEVADDR_H

#ifdef __cplusplus
extern "C" {
#endif

/* The library version, e.g. "0.1.0". Static storage: do not free. */
const char *devaddr_version(void);

/*
 * Plans every device address of a request.
 *   request_json  a request (JSON, or YAML as above).
 *   returns       the plan (the fully expanded device list with an address for every addressable device and a
 *                 "summary"), or an error object. Free it with devaddr_free.
 */
char *devaddr_plan(const char *request_json);

/*
 * Checks a plan against every addressing invariant.
 *   plan_json  a plan, as devaddr_plan returns it (or edited by hand).
 *   returns    a JSON array of violations, each {"code", "message", "deviceId"?, "rule"?}; "[]" when the plan is
 *              valid. That is the text `devaddr validate --json PLAN` prints. An error object when the plan
 *              cannot be read. Free it with devaddr_free.
 */
char *devaddr_validate(const char *plan_json);

/*
 * Checks whether devices can be hot-plugged, in order, into a running guest: `devaddr hotplug-check LAYOUT DEVICES`
 * (libvirt 9.0's live attach, then what QEMU and the guest's firmware windows allow; see README "Hotplug check").
 *   request_json  a JSON object (JSON only, not YAML) with the CLI's arguments and options:
 *                   "layout"       the running guest: a plan (an object, as devaddr_plan returns it), or text: the
 *                                  domain XML (`virsh dumpxml`; reserves in <qemu:override> and -global/-set
 *                                  arguments, <features><acpi/> and <maxMemory slots> are read from it) or a plan
 *                                  in JSON/YAML. Required.
 *                   "devices"      the devices to add, in attach order: a list of devices as in a request
 *                                  ("tunables": {"bars": [...]} gives a device's BARs), or text: libvirt device XML
 *                                  (one element, or several inside <devices>; a user alias ua-NAME becomes the id
 *                                  NAME) or a JSON/YAML device list. Required.
 *                   "reserve"      --reserve: a list of window reserves "INDEX:name=size[,...]" (names io, mem,
 *                                  pref32, pref64), e.g. ["4:pref64=16G"]; each replaces the layout's reserve of
 *                                  that controller index.
 *                   "firmware"     --firmware: "generic" (default) or "seabios".
 *                   "acpi"         --acpi: true or false (default: from the domain XML, assumed on for a plan).
 *                   "memorySlots"  --memory-slots: an integer (default: from the domain XML, unknown for a plan).
 *                 e.g. {"layout": "<domain ...>...</domain>", "devices": "<interface type='network'>...",
 *                       "firmware": "seabios"}
 *   returns       the report: {"feasible", "summary", "machine", "devices" (a verdict per device: address, PCI path,
 *                 every reason when infeasible), "suggestions", "assumptions", "layoutAfter" (the layout with the
 *                 feasible devices added)}, byte for byte what `devaddr hotplug-check --format json` prints for
 *                 the same layout, devices and options. A device that cannot be hot-plugged is part of the report
 *                 ("feasible": false), not an error. An error object when the request cannot be read (invalid-input:
 *                 malformed JSON, an unknown member, unreadable XML (rule "domain-xml" or "device-xml"), a reserve
 *                 that does not parse, an unknown firmware profile, a device id already in use) or checked.
 *                 Free it with devaddr_free.
 */
char *devaddr_hotplug_check(const char *request_json);

/* Frees a string returned by devaddr_plan, devaddr_validate or devaddr_hotplug_check. NULL is ignored. */
void devaddr_free(char *text);

#ifdef __cplusplus
}
#endif

#endif /* DEVADDR_H */
