package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/gograd/gograd/data"
	"github.com/gograd/gograd/examples/internal/curve"
	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/safetensors"
	"github.com/gograd/gograd/tensor"
)

// TestTrainSteps trains 30 steps of 32 images on the first 960 training images
// of Fashion-MNIST (evaluating on them too) and checks that the loss falls and
// the loss curves are saved as a PNG that decodes, then that the saved weights
// reload into a fresh model that classifies alike. It needs the data (apt-get
// install dataset-fashion-mnist); GOGRAD_REQUIRE_DATA=1 makes its absence a
// failure instead of a skip.
func TestTrainSteps(t *testing.T) {
	if _, err := os.Stat(defaultDir); err != nil {
		if os.Getenv("GOGRAD_REQUIRE_DATA") == "1" {
			t.Fatalf("Fashion-MNIST is required but absent: %v", err)
		}
		t.Skipf("Fashion-MNIST is not installed (%v)", err)
	}
	train, err := load(defaultDir, "train")
	if err != nil {
		t.Fatal(err)
	}
	const n = 960
	small, err := data.NewTensorDataset(train.Inputs.Narrow(0, 0, n), train.Targets.Narrow(0, 0, n))
	if err != nil {
		t.Fatal(err)
	}
	model := newModel(tensor.NewGenerator(0))
	var out bytes.Buffer
	png := filepath.Join(t.TempDir(), "loss.png")
	res, err := fit(&out, model, small, small, fitOptions{epochs: 1, batch: 32, every: 5, curve: png}, tensor.NewGenerator(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	losses := res.losses
	first, last := mean(losses[:5]), mean(losses[len(losses)-5:])
	t.Logf("mean loss of the first 5 steps %.3f, of the last 5 %.3f", first, last)
	// Chance is ln 10 = 2.30; 30 steps of Adam bring a CNN well below it.
	if len(losses) != 30 || !(last < 0.7*first) {
		t.Errorf("%d steps, loss fell from %.3f to %.3f: want 30, and below 70 %% of the start", len(losses), first, last)
	}
	if err := curve.Check(png); err != nil {
		t.Error(err)
	}

	path := filepath.Join(t.TempDir(), "fashion.safetensors")
	if err := safetensors.Save(path, nn.StateDict(model), nil); err != nil {
		t.Fatal(err)
	}
	sd, _, err := safetensors.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	fresh := newModel(tensor.NewGenerator(5))
	if err := nn.LoadStateDict(fresh, sd); err != nil {
		t.Fatal(err)
	}
	if a, _ := evaluate(model, small); a != res.accuracy {
		t.Errorf("accuracy %.4f evaluated again, %.4f after fit", a, res.accuracy)
	}
	if b, _ := evaluate(fresh, small); b != res.accuracy {
		t.Errorf("accuracy %.4f after reloading, %.4f before", b, res.accuracy)
	}
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
