package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestTrainSteps trains a smaller GPT for 40 steps on Opticks and checks that
// the held-out loss falls from its start (≈ log2 of the vocabulary, 6.4
// bits/char, for an untrained model) below the text's unigram entropy, then that
// sampling continues the prompt.
func TestTrainSteps(t *testing.T) {
	text, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "src", "testdata", "Isaac.Newton-Opticks.txt"))
	if err != nil {
		t.Fatal(err)
	}
	c := Config{Context: 32, Dim: 32, Heads: 2, Layers: 1, Batch: 16, Steps: 40, LR: 1e-2, Clip: 1, EvalEvery: 20, EvalBatches: 4}
	var out bytes.Buffer
	g := tensor.NewGenerator(1)
	m, v, res := train(&out, text, c, g)
	t.Log("\n" + out.String())
	if !(res.heldOut < res.firstLoss-1) {
		t.Errorf("held-out loss went from %.3f to %.3f bits/char, want a fall of at least 1", res.firstLoss, res.heldOut)
	}
	s := sample(m, v, "Light", 20, 1, g)
	if len(s) != 25 || s[:5] != "Light" {
		t.Errorf("sample %q does not continue the prompt by 20 characters", s)
	}
}
