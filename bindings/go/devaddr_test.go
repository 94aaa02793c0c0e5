package devaddr

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func examples(t *testing.T) [][]byte {
	t.Helper()
	paths, err := filepath.Glob("../../fixtures/examples/*.json")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	var requests [][]byte
	for _, p := range paths {
		text, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		requests = append(requests, text)
	}
	return requests
}

func TestVersion(t *testing.T) {
	if Version() == "" {
		t.Fatal("empty version")
	}
}

func TestPlanExamplesSummaryCountsEveryDevice(t *testing.T) {
	for _, request := range examples(t) {
		plan, err := PlanJSON(request)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Devices []json.RawMessage `json:"devices"`
			Summary struct {
				Devices int `json:"devices"`
			} `json:"summary"`
		}
		if err := json.Unmarshal(plan, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Summary.Devices != len(doc.Devices) || len(doc.Devices) == 0 {
			t.Fatalf("summary says %d devices, plan has %d", doc.Summary.Devices, len(doc.Devices))
		}
		violations, err := ValidateJSON(plan)
		if err != nil || !bytes.Equal(violations, []byte("[]\n")) {
			t.Fatalf("validate: %s %v", violations, err)
		}
	}
}

func TestPlanBadJSONReturnsError(t *testing.T) {
	_, err := PlanJSON([]byte(`{"machine": `))
	var planErr *Error
	if !errors.As(err, &planErr) || planErr.Code != "invalid-input" || planErr.Message == "" {
		t.Fatalf("want an invalid-input *Error, got %v", err)
	}
}

func TestPlanFromTwoGoroutinesMatchesOneGoroutine(t *testing.T) {
	requests := examples(t)
	want := make([][]byte, len(requests))
	for i, r := range requests {
		var err error
		if want[i], err = PlanJSON(r); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < 20; round++ {
				for i, r := range requests {
					got, err := PlanJSON(r)
					if err != nil {
						errs <- err
						return
					}
					if !bytes.Equal(got, want[i]) {
						errs <- errors.New("a concurrent plan differs from the sequential one")
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestHotplugCheckPlannedGuestOneMoreNIC(t *testing.T) {
	for _, request := range examples(t) {
		plan, err := PlanJSON(request)
		if err != nil {
			t.Fatal(err)
		}
		req := []byte(`{"layout": ` + string(plan) + `, "devices": [{"id": "hotplug-nic", "kind": "interface", "model": "virtio"}]}`)
		text, err := HotplugCheckJSON(req)
		if err != nil {
			t.Fatal(err)
		}
		var report struct {
			Devices []struct {
				DeviceID string `json:"deviceId"`
			} `json:"devices"`
			LayoutAfter struct {
				Devices []json.RawMessage `json:"devices"`
			} `json:"layoutAfter"`
		}
		if err := json.Unmarshal(text, &report); err != nil {
			t.Fatal(err)
		}
		if len(report.Devices) != 1 || report.Devices[0].DeviceID != "hotplug-nic" || len(report.LayoutAfter.Devices) == 0 {
			t.Fatalf("unexpected report: %s", text)
		}
		again, err := HotplugCheck(map[string]any{"layout": json.RawMessage(plan),
			"devices": []map[string]any{{"id": "hotplug-nic", "kind": "interface", "model": "virtio"}}})
		if err != nil || again["summary"] == nil {
			t.Fatalf("HotplugCheck: %v %v", again, err)
		}
	}
}

func TestHotplugCheckBadJSONReturnsError(t *testing.T) {
	_, err := HotplugCheckJSON([]byte(`{"layout": `))
	var checkErr *Error
	if !errors.As(err, &checkErr) || checkErr.Code != "invalid-input" || checkErr.Message == "" {
		t.Fatalf("want an invalid-input *Error, got %v", err)
	}
	_, err = HotplugCheckJSON([]byte(`{"layout": "<domain><devices>", "devices": []}`))
	if !errors.As(err, &checkErr) || checkErr.Rule != "domain-xml" {
		t.Fatalf("want a domain-xml *Error, got %v", err)
	}
}
