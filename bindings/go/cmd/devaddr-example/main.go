// Command devaddr-example plans a request file with libdevaddr.so and prints how many devices the plan has; then
// it asks whether one more virtio NIC could be hot-plugged into the guest once it runs with that plan.
//
//	cd bindings/go && go run ./cmd/devaddr-example ../../fixtures/examples/q35-basic.json
//	q35-basic.json: 26 devices (devaddr 0.1.0)
//	hotplug of a virtio NIC: feasible
//
// Exit status: 0 with a plan, 1 when the library returned an error (printed on stderr), 2 on usage or I/O errors.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	devaddr "github.com/devaddr/devaddr/bindings/go"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: devaddr-example REQUEST.json")
		os.Exit(2)
	}
	request, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	text, err := devaddr.PlanJSON(request)
	var planErr *devaddr.Error
	if errors.As(err, &planErr) {
		fmt.Fprintln(os.Stderr, planErr)
		os.Exit(1)
	} else if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var plan struct {
		Devices []json.RawMessage `json:"devices"`
	}
	if err := json.Unmarshal(text, &plan); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("%s: %d devices (devaddr %s)\n", filepath.Base(os.Args[1]), len(plan.Devices), devaddr.Version())

	report, err := devaddr.HotplugCheck(map[string]any{
		"layout":  json.RawMessage(text),
		"devices": []map[string]string{{"id": "hotplug-nic", "kind": "interface", "model": "virtio"}},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	verdict := "not feasible"
	if report["feasible"] == true {
		verdict = "feasible"
	}
	fmt.Printf("hotplug of a virtio NIC: %s\n", verdict)
}
