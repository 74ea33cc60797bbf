package autograd_test

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/gograd/gograd/autograd"
	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/tensor"
)

// The model and loss of testdata/gen_persample.py: Linear(5, 4), Tanh,
// Linear(4, 3), LogSoftmax(1), and each example's NLL against a one-hot target.
func perSampleModel(params [][]float64) nn.Sequential {
	l1 := nn.NewLinear(5, 4, nn.WithDType(tensor.Float64))
	l2 := nn.NewLinear(4, 3, nn.WithDType(tensor.Float64))
	model := nn.Sequential{l1, nn.Tanh{}, nn.Sequential{l2, nn.LogSoftmax{Dim: 1}}}
	tensor.NoGrad(func() {
		for i, p := range model.Parameters() {
			p.Copy_(tensor.New(params[i]).Reshape(p.Shape()...))
		}
	})
	return model
}

func nll(y *tensor.Tensor) func(*tensor.Tensor) *tensor.Tensor {
	return func(out *tensor.Tensor) *tensor.Tensor { return out.Mul(y).Sum(1).Neg() }
}

// TestPerSampleGrads checks PerSampleGrads against functorch's vmap(grad) (in
// persample.json) and against a loop of single-example backward passes.
func TestPerSampleGrads(t *testing.T) {
	raw, err := os.ReadFile("testdata/persample.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Params     [][]float64 `json:"params"`
		X, Y       []float64
		Grads      [][]float64 `json:"grads"`
		GradShapes [][]int     `json:"grad_shapes"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	model := perSampleModel(g.Params)
	x, y := tensor.New(g.X).Reshape(6, 5), tensor.New(g.Y).Reshape(6, 3)
	got := autograd.PerSampleGrads(model, x, nll(y))
	checkAll(t, "per-sample grads vs functorch", got, g.Grads)
	for i := range got {
		if !equalInts(got[i].Shape(), g.GradShapes[i]) {
			t.Errorf("grad %d has shape %v, want %v", i, got[i].Shape(), g.GradShapes[i])
		}
	}
	for _, p := range model.Parameters() {
		if p.Grad() != nil {
			t.Fatal("PerSampleGrads set a parameter's Grad")
		}
	}
	// The loop it replaces: one backward pass per example.
	for b := range 6 {
		loss := nll(y.Narrow(0, b, 1))(model.Forward(x.Narrow(0, b, 1))).Sum()
		loss.Backward()
		for i, p := range model.Parameters() {
			if err := near(got[i].Select(0, b), p.Grad().Values()); err != nil {
				t.Errorf("example %d, parameter %d: %v", b, i, err)
			}
			p.SetGrad(nil)
		}
	}
}

func TestPerSampleGradsErrors(t *testing.T) {
	lin := nn.NewLinear(3, 2)
	x := tensor.Ones(4, 3)
	sum1 := func(o *tensor.Tensor) *tensor.Tensor { return o.Sum(1) }
	mustPanic(t, "autograd: PerSampleGrads: module Softmax(dim=0) is not known to treat the examples of a batch independently",
		func() { autograd.PerSampleGrads(nn.Sequential{lin, nn.Softmax{Dim: 0}}, x, sum1) })
	mustPanic(t, "appears twice", func() { autograd.PerSampleGrads(nn.Sequential{lin, nn.NewLinear(2, 3), lin}, x, sum1) })
	mustPanic(t, "loss returned shape []; want one value per example, (4)",
		func() {
			autograd.PerSampleGrads(nn.Sequential{lin}, x, func(o *tensor.Tensor) *tensor.Tensor { return o.Sum() })
		})
	mustPanic(t, "input has shape [3]", func() { autograd.PerSampleGrads(nn.Sequential{lin}, tensor.Ones(3), sum1) })
}

func ExamplePerSampleGrads() {
	// y = w·x (no bias), loss_b = y_b: example b's gradient is x_b.
	lin := nn.NewLinear(2, 1, nn.WithBias(false))
	x := tensor.New([]float32{1, 2, 3, 4}, 2, 2)
	g := autograd.PerSampleGrads(nn.Sequential{lin}, x, func(out *tensor.Tensor) *tensor.Tensor { return out.Sum(1) })
	fmt.Println(g[0].Shape(), g[0].Values())
	// Output: [2 1 2] [1 2 3 4]
}

// BenchmarkPerSampleGrads compares PerSampleGrads with the loop of
// single-example backward passes it replaces, for a 784-128-10 MLP and a batch
// of 64.
func BenchmarkPerSampleGrads(b *testing.B) {
	g := tensor.NewGenerator(1)
	model := nn.Sequential{nn.NewLinear(784, 128, nn.WithGenerator(g)), nn.ReLU{}, nn.NewLinear(128, 10, nn.WithGenerator(g)), nn.LogSoftmax{Dim: 1}}
	x := g.Normal(tensor.Zeros(64, 784), 0, 1)
	y := tensor.Zeros(64, 10)
	tensor.NoGrad(func() { y.Narrow(1, 3, 1).Fill_(1) })
	b.Run("batched", func(b *testing.B) {
		for b.Loop() {
			autograd.PerSampleGrads(model, x, nll(y))
		}
	})
	b.Run("loop", func(b *testing.B) {
		for b.Loop() {
			for i := range 64 {
				nll(y.Narrow(0, i, 1))(model.Forward(x.Narrow(0, i, 1))).Sum().Backward()
				for _, p := range model.Parameters() {
					p.Grad().Clone() // what a per-example gradient costs to keep
					p.SetGrad(nil)
				}
			}
		}
	})
}
