// Package devaddr calls libdevaddr.so, the DevAddr device-address planner, through cgo.
//
//	import devaddr "github.com/devaddr/devaddr/bindings/go"
//
// Requests and plans are the JSON documents of the devaddr command-line tool. The package needs the C library at
// build and run time: the release's libdevaddr-VERSION-linux-x86_64.tar.gz (its lib/ holds libdevaddr.so and the
// OR-Tools libraries it loads), with CGO_LDFLAGS="-L/path/to/lib -Wl,-rpath,/path/to/lib" (or LD_LIBRARY_PATH at run
// time). Inside the repository, bindings/build.sh builds it into bindings/lib, which this package links against and
// records as the run path without any setting.
//
// Every function is safe for concurrent use; calls from several goroutines run in parallel.
package devaddr

/*
#cgo LDFLAGS: -L${SRCDIR}/../lib -Wl,-rpath,${SRCDIR}/../lib -ldevaddr
#include <stdlib.h>
#include <string.h>

// The C API of bindings/c/devaddr.h, declared here so that the module needs no file outside its directory (a Go
// module is fetched alone). The native tests compile these declarations together with the header.
const char *devaddr_version(void);
char *devaddr_plan(const char *request_json);
char *devaddr_validate(const char *plan_json);
char *devaddr_hotplug_check(const char *request_json);
void devaddr_free(char *text);
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"unsafe"
)

// Error is a failure the library reported as an error object {"error": {code, message, deviceId, rule}}.
type Error struct {
	// Code is stable and machine-readable: invalid-input, unknown-model, address-conflict, no-space,
	// infeasible, solver-limit, unsupported, unusable-layout or internal-error (see bindings/c/devaddr.h).
	Code string `json:"code"`
	// Message is for humans.
	Message string `json:"message"`
	// DeviceID names the device the error is about, if any.
	DeviceID string `json:"deviceId,omitempty"`
	// Rule names the rule that was broken, if any.
	Rule string `json:"rule,omitempty"`
}

func (e *Error) Error() string {
	s := "devaddr: [" + e.Code
	if e.Rule != "" {
		s += "/" + e.Rule
	}
	s += "]"
	if e.DeviceID != "" {
		s += fmt.Sprintf(" device %q", e.DeviceID)
	}
	return s + ": " + e.Message
}

// Version returns the library version, e.g. "0.1.0".
func Version() string {
	return C.GoString(C.devaddr_version())
}

// PlanJSON plans a request (JSON text, or YAML as `devaddr plan -` reads it) and returns the plan's JSON text,
// byte for byte what `devaddr plan` prints. A failure is returned as *Error.
func PlanJSON(request []byte) ([]byte, error) {
	return call(request, func(p *C.char) *C.char { return C.devaddr_plan(p) })
}

// ValidateJSON checks a plan (JSON text) and returns the JSON array of violations ("[]" when valid), byte for
// byte what `devaddr validate --json` prints. A plan that cannot be read is returned as *Error.
func ValidateJSON(plan []byte) ([]byte, error) {
	return call(plan, func(p *C.char) *C.char { return C.devaddr_validate(p) })
}

// HotplugCheckJSON checks whether devices can be hot-plugged, in order, into a running guest. The request is the
// JSON object of devaddr_hotplug_check (bindings/c/devaddr.h): {"layout": plan object or domain XML text,
// "devices": list of devices or device XML text, "reserve"?, "firmware"?, "acpi"?, "memorySlots"?}. It returns the
// report, byte for byte what `devaddr hotplug-check --format json` prints; a request that cannot be read or
// checked is returned as *Error (an infeasible device is part of the report, not an error).
func HotplugCheckJSON(request []byte) ([]byte, error) {
	return call(request, func(p *C.char) *C.char { return C.devaddr_hotplug_check(p) })
}

// HotplugCheck checks a hotplug request document (any value that encoding/json marshals to one, e.g.
// map[string]any{"layout": plan, "devices": devices}) into a generic report.
func HotplugCheck(request any) (map[string]any, error) {
	return callDocument(request, HotplugCheckJSON)
}

// Plan plans a request document (any value that encoding/json marshals to a request) into a generic plan.
func Plan(request any) (map[string]any, error) {
	return callDocument(request, PlanJSON)
}

// callDocument marshals a request document, passes its JSON text to one of the *JSON functions and unmarshals
// the JSON object it returns into a generic map.
func callDocument(request any, function func([]byte) ([]byte, error)) (map[string]any, error) {
	text, err := json.Marshal(request)
	if err != nil {
		return nil, err
	}
	out, err := function(text)
	if err != nil {
		return nil, err
	}
	var document map[string]any
	return document, json.Unmarshal(out, &document)
}

func call(input []byte, function func(*C.char) *C.char) ([]byte, error) {
	text := C.CString(string(input)) // NUL-terminated copy; a NUL inside input ends the text there
	defer C.free(unsafe.Pointer(text))
	result := function(text)
	if result == nil {
		return nil, fmt.Errorf("devaddr: out of memory")
	}
	defer C.devaddr_free(result)
	out := C.GoBytes(unsafe.Pointer(result), C.int(C.strlen(result)))
	var envelope struct {
		Error *Error `json:"error"`
	}
	// Plans, violation lists and hotplug reports never have a top-level "error" member; only error objects do.
	if len(out) > 0 && out[0] == '{' && json.Unmarshal(out, &envelope) == nil && envelope.Error != nil {
		return nil, envelope.Error
	}
	return out, nil
}
