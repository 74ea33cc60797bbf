// Package hooktest replays the hook-order golden files that PyTorch scripts
// write (tensor/testdata/gen_hooks_golden.py, nn/testdata/gen_module_hooks_golden.py):
// a list of hook calls, each with the tensors the hook saw, and some final
// gradients.
package hooktest

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// Event is one hook call: its name and the values of the tensors it saw, each
// flattened (nil for a missing gradient).
type Event struct {
	Name   string
	Values [][]float64
}

// Golden is a decoded golden file: the hook calls in order, and named flat
// values (final gradients).
type Golden struct {
	Events []Event
	Values map[string][]float64
}

// Read decodes the golden file at path, failing t if it cannot.
func Read(t *testing.T, path string) Golden {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	var g Golden
	var events []struct {
		Event  string
		Values [][]float64
	}
	if err := json.Unmarshal(raw["events"], &events); err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		g.Events = append(g.Events, Event{e.Event, e.Values})
	}
	g.Values = map[string][]float64{}
	for k, v := range raw {
		var vals []float64
		if k != "events" && json.Unmarshal(v, &vals) == nil {
			g.Values[k] = vals
		}
	}
	return g
}

// Near reports whether got and want agree to 1e-12 relative: Go's math and
// libm may differ in the last bit.
func Near(got, want []float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-12*(1+math.Abs(want[i])) {
			return false
		}
	}
	return true
}

// Compare fails t unless got, the hook calls a Go test saw (names and flattened
// values), matches the golden calls in order.
func Compare(t *testing.T, got []Event, want []Event) {
	t.Helper()
	if len(got) != len(want) {
		var names []string
		for _, e := range got {
			names = append(names, e.Name)
		}
		t.Fatalf("hooks called: %q; PyTorch calls %d", names, len(want))
	}
	for i, e := range got {
		w := want[i]
		if e.Name != w.Name || len(e.Values) != len(w.Values) {
			t.Fatalf("call %d: %s with %d tensors; PyTorch: %s with %d", i, e.Name, len(e.Values), w.Name, len(w.Values))
		}
		for j, v := range e.Values {
			if !Near(v, w.Values[j]) {
				t.Errorf("%s: tensor %d is %v, PyTorch %v", e.Name, j, v, w.Values[j])
			}
		}
	}
}
