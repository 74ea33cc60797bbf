package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/gograd/gograd/examples/internal/curve"
	"github.com/gograd/gograd/tensor"
)

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// TestTrainSteps trains a smaller GPT for 40 steps on Opticks and checks that
// the held-out loss falls from its start (≈ log2 of the vocabulary, 6.4
// bits/char, for an untrained model) by at least 1 bit, that the training loss
// falls, that the loss curves are saved as a PNG that decodes, then that
// sampling continues the prompt.
func TestTrainSteps(t *testing.T) {
	text, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "src", "testdata", "Isaac.Newton-Opticks.txt"))
	if err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(t.TempDir(), "loss.png")
	c := Config{Context: 32, Dim: 32, Heads: 2, Layers: 1, Batch: 16, Steps: 40, LR: 1e-2, Clip: 1, EvalEvery: 20, EvalBatches: 4,
		Curve: png}
	var out bytes.Buffer
	g := tensor.NewGenerator(1)
	m, v, res, err := train(&out, text, c, g)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	if !(res.heldOut < res.firstLoss-1) {
		t.Errorf("held-out loss went from %.3f to %.3f bits/char, want a fall of at least 1", res.firstLoss, res.heldOut)
	}
	if l := res.train; len(l) != 40 || !(mean(l[35:]) < mean(l[:5])-1) {
		t.Errorf("training loss of the first 5 steps %.3f, of the last 5 %.3f bits/char: want 40 steps and a fall of at least 1",
			mean(l[:5]), mean(l[len(l)-5:]))
	}
	if err := curve.Check(png); err != nil {
		t.Error(err)
	}
	s := sample(m, v, "Light", 20, 1, g)
	if len(s) != 25 || s[:5] != "Light" {
		t.Errorf("sample %q does not continue the prompt by 20 characters", s)
	}
}
