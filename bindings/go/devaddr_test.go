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
