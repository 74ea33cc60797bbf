package main

import (
	"bytes"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

var update = flag.Bool("update", false, "rewrite testdata/graph.dot")

// TestGraph renders the graph of the example's loss, L = (y - sigmoid(W·x + b))²,
// to DOT and compares it with testdata/graph.dot, checked by eye against
// torchviz's make_dot picture of the same PyTorch code; with Graphviz installed it
// also renders the graph to SVG, as -graph seed000.svg does.
func TestGraph(t *testing.T) {
	var dot bytes.Buffer
	drawn := 0
	svg := filepath.Join(t.TempDir(), "seed000.svg")
	_, lookErr := exec.LookPath("dot")
	var svgErr error
	run(io.Discard, func(names map[*tensor.Tensor]string, roots ...*tensor.Tensor) {
		drawn++
		if err := tensor.WriteGraph(&dot, roots, tensor.GraphOptions{Names: names}); err != nil {
			t.Fatal(err)
		}
		if lookErr == nil {
			svgErr = tensor.SaveGraph(svg, roots, tensor.GraphOptions{Names: names})
		}
	})
	if drawn != 1 {
		t.Fatalf("the example drew %d graphs, want 1", drawn)
	}
	const golden = "testdata/graph.dot"
	if *update {
		if err := os.WriteFile(golden, dot.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if dot.String() != string(want) {
		t.Errorf("graph differs from %s\n--- got\n%s--- want\n%s", golden, dot.String(), want)
	}

	if lookErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must install Graphviz (dot) to render the graph")
		}
		t.Skip("Graphviz's dot is not installed; the DOT golden was checked")
	}
	if svgErr != nil {
		t.Fatal(svgErr)
	}
	b, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"<svg", "SigmoidBackward0", "AccumulateGrad", "W", "saved result"} {
		if !strings.Contains(string(b), s) {
			t.Errorf("%s lacks %q", svg, s)
		}
	}
}
