package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gograd/gograd/data"
	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/optim"
	"github.com/gograd/gograd/safetensors"
	"github.com/gograd/gograd/tensor"
)

// TestTrainSteps trains 30 steps of 32 images on the first 960 training images
// of Fashion-MNIST and checks that the loss falls, then that the saved weights
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
	small, err := data.NewTensorDataset(
		tensor.FromSlice(train.Inputs.Contiguous().Float32s()[:n*784], n, 1, 28, 28),
		tensor.FromSlice(train.Targets.Contiguous().Int64s()[:n], n))
	if err != nil {
		t.Fatal(err)
	}
	model := newModel(tensor.NewGenerator(0))
	opt := optim.NewAdam(model.Parameters(), optim.AdamOptions{LR: 1e-3})
	loader := data.NewLoader(small, data.LoaderOptions{BatchSize: 32, Shuffle: true, Generator: tensor.NewGenerator(1)})
	var losses []float64
	for b := range loader.All() {
		x, y := b[0], b[1]
		loss := functional.CrossEntropy(model.Forward(x), y)
		losses = append(losses, loss.Item())
		loss.Backward()
		opt.Step()
		opt.ZeroGrad()
	}
	first, last := mean(losses[:5]), mean(losses[len(losses)-5:])
	t.Logf("mean loss of the first 5 steps %.3f, of the last 5 %.3f", first, last)
	// Chance is ln 10 = 2.30; 30 steps of Adam bring a CNN well below it.
	if !(last < 0.7*first) {
		t.Errorf("loss fell from %.3f to %.3f, want below 70 %% of the start", first, last)
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
	if a, b := accuracy(model, small), accuracy(fresh, small); a != b {
		t.Errorf("accuracy %.4f after reloading, %.4f before", b, a)
	}
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
