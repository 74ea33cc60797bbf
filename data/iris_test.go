package data_test

import (
	"testing"

	"github.com/gograd/gograd/data"
	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/optim"
	"github.com/gograd/gograd/tensor"
)

// TestIrisTrains puts the pieces together as a training script would: the CSV
// reader, a random split, a shuffling loader with workers, gradient clipping,
// and a 4-16-3 MLP that must classify the held-out flowers.
func TestIrisTrains(t *testing.T) {
	ds, err := data.ReadCSVFile("testdata/iris.csv", data.CSVOptions{SkipLines: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Standardise the features (over all 150 flowers; enough for a test).
	x := ds.Inputs
	mean := x.MeanKeepDim(0)
	std := x.Sub(mean).Pow(2).MeanKeepDim(0).Sqrt()
	ds.Inputs = x.Sub(mean).Div(std)

	g := tensor.NewGenerator(0)
	parts := data.RandomSplitFractions(ds, []float64{0.8, 0.2}, g)
	train, test := parts[0], parts[1]
	model := nn.Sequential{
		nn.NewLinear(4, 16, nn.WithGenerator(g)), nn.ReLU{},
		nn.NewLinear(16, 3, nn.WithGenerator(g)),
	}
	opt := optim.NewAdam(model.Parameters(), optim.AdamOptions{LR: 0.02})
	loader := data.NewLoader(train, data.LoaderOptions{BatchSize: 16, Shuffle: true, Generator: g, Workers: 2})
	for range 30 {
		for b := range loader.All() {
			loss := functional.CrossEntropy(model.Forward(b[0]), b[1])
			loss.Backward()
			if _, err := nn.ClipGradNorm_(model.Parameters(), 5, 2, true); err != nil {
				t.Fatal(err)
			}
			opt.Step()
			opt.ZeroGrad()
		}
	}
	correct := 0
	for b := range data.NewLoader(test, data.LoaderOptions{BatchSize: 30}).All() {
		var pred *tensor.Tensor
		tensor.NoGrad(func() { pred = model.Forward(b[0]).Argmax(1) })
		for i, y := range b[1].Int64s() {
			if pred.Int64s()[i] == y {
				correct++
			}
		}
	}
	// Iris is nearly linearly separable: a small MLP gets 90-100 % held out.
	if acc := float64(correct) / float64(test.Len()); acc < 0.9 {
		t.Errorf("held-out accuracy %.3f, want at least 0.9", acc)
	} else {
		t.Logf("held-out accuracy %.3f on %d flowers", acc, test.Len())
	}
}
