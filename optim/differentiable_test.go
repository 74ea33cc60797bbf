package optim

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// differentiableGolden is testdata/differentiable.json, written by
// gen_differentiable.py.
type differentiableGolden struct {
	Steps   int
	W, X, Y [][]float64
	Cases   []struct {
		Name, DType string
		Params      [][]float64
		Loss        float64
		WGrad       []float64 `json:"w_grad"`
	}
}

// differentiableCases builds gen_differentiable.py's optimizers, by name, for
// the parameter p.
var differentiableCases = map[string]func(p *tensor.Tensor) Optimizer{
	"sgd": func(p *tensor.Tensor) Optimizer {
		return NewSGD([]*tensor.Tensor{p}, SGDOptions{LR: 0.1, Differentiable: true})
	},
	"sgd_momentum_wd": func(p *tensor.Tensor) Optimizer {
		return NewSGD([]*tensor.Tensor{p}, SGDOptions{LR: 0.1, Momentum: 0.9, Dampening: 0.1, WeightDecay: 0.01,
			Differentiable: true})
	},
	"sgd_nesterov_maximize": func(p *tensor.Tensor) Optimizer {
		return NewSGD([]*tensor.Tensor{p}, SGDOptions{LR: 0.05, Momentum: 0.8, Nesterov: true, Maximize: true,
			Differentiable: true})
	},
	"adam": func(p *tensor.Tensor) Optimizer {
		return NewAdam([]*tensor.Tensor{p}, AdamOptions{LR: 0.01, Differentiable: true})
	},
	"adam_amsgrad_wd": func(p *tensor.Tensor) Optimizer {
		return NewAdam([]*tensor.Tensor{p}, AdamOptions{LR: 0.02, Betas: [2]float64{0.8, 0.95}, Eps: 1e-6,
			WeightDecay: 0.1, AMSGrad: true, Differentiable: true})
	},
	"adam_maximize": func(p *tensor.Tensor) Optimizer {
		return NewAdam([]*tensor.Tensor{p}, AdamOptions{LR: 0.05, Maximize: true, Differentiable: true})
	},
	"rmsprop": func(p *tensor.Tensor) Optimizer {
		return NewRMSprop([]*tensor.Tensor{p}, RMSpropOptions{LR: 0.01, Differentiable: true})
	},
	"rmsprop_centered_momentum_wd": func(p *tensor.Tensor) Optimizer {
		return NewRMSprop([]*tensor.Tensor{p}, RMSpropOptions{LR: 0.01, Alpha: 0.9, Momentum: 0.5, Centered: true,
			WeightDecay: 0.05, Differentiable: true})
	},
	"rmsprop_maximize": func(p *tensor.Tensor) Optimizer {
		return NewRMSprop([]*tensor.Tensor{p}, RMSpropOptions{LR: 0.02, Maximize: true, Eps: 1e-4, Differentiable: true})
	},
	"maml_sgd_momentum": func(p *tensor.Tensor) Optimizer {
		return NewSGD([]*tensor.Tensor{p}, SGDOptions{LR: 0.1, Momentum: 0.9, Differentiable: true})
	},
	"maml_adam": func(p *tensor.Tensor) Optimizer {
		return NewAdam([]*tensor.Tensor{p}, AdamOptions{LR: 0.05, Differentiable: true})
	},
	"maml_rmsprop": func(p *tensor.Tensor) Optimizer {
		return NewRMSprop([]*tensor.Tensor{p}, RMSpropOptions{LR: 0.01, Momentum: 0.3, Differentiable: true})
	},
}

// TestDifferentiableGolden runs gen_differentiable.py's meta-learning problem
// (p = 1.5·w, three steps with p's gradient set to tanh(p)·x + 0.1·w, or for
// the MAML cases to tensor.Grad of the inner loss Σ (p-y)²·x with
// CreateGraph, then the outer loss Σ p·p·y backpropagated to w) with each
// optimizer's
// Differentiable option and compares p after every step, the loss and w's
// gradient with PyTorch 1.13's differentiable=True. Tolerances: when set,
// float64 agreed within 1e-14 relative and float32 within 1.6e-6 (an entry
// of w.grad of 0.0015 that comes from cancellation), PyTorch's kernels
// rounding differently from gograd's; the bounds are 1e-13 and 1e-5.
func TestDifferentiableGolden(t *testing.T) {
	b, err := os.ReadFile("testdata/differentiable.json")
	if err != nil {
		t.Fatal(err)
	}
	var g differentiableGolden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) != 2*len(differentiableCases) {
		t.Fatalf("%d cases in testdata/differentiable.json for %d optimizers", len(g.Cases), len(differentiableCases))
	}
	for _, c := range g.Cases {
		t.Run(c.Name+"/"+c.DType, func(t *testing.T) {
			dt, rtol := tensor.Float64, 1e-13
			if c.DType == "float32" {
				dt, rtol = tensor.Float32, 1e-5
			}
			mat := func(rows [][]float64) *tensor.Tensor { return tensor.New(slices.Concat(rows...), 2, 3).To(dt) }
			w := mat(g.W).SetRequiresGrad(true)
			x, y := mat(g.X), mat(g.Y)
			p := w.MulScalar(1.5)
			opt := differentiableCases[c.Name](p)
			for step := range g.Steps {
				if strings.HasPrefix(c.Name, "maml_") {
					inner := p.Sub(y).Pow(2).Mul(x).Sum()
					p.SetGrad(tensor.Grad([]*tensor.Tensor{inner}, []*tensor.Tensor{p}, tensor.GradOptions{CreateGraph: true})[0])
				} else {
					p.SetGrad(p.Tanh().Mul(x).Add(w.MulScalar(0.1)))
				}
				opt.Step()
				checkClose(t, "p after step", values(p), c.Params[step], rtol)
			}
			loss := p.Mul(p).Mul(y).Sum()
			checkClose(t, "loss", values(loss), []float64{c.Loss}, rtol)
			loss.Backward()
			if w.Grad() == nil {
				t.Fatal("no gradient reached w through the steps")
			}
			checkClose(t, "w.grad", values(w.Grad()), c.WGrad, rtol)
		})
	}
}

// values returns t's elements as float64s.
func values(t *tensor.Tensor) []float64 { return t.Detach().To(tensor.Float64).Contiguous().Float64s() }

func checkClose(t *testing.T, what string, got, want []float64, rtol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, torch %d", what, len(got), len(want))
	}
	for i := range got {
		if !(math.Abs(got[i]-want[i]) <= rtol*math.Max(math.Abs(want[i]), 1e-3)) {
			t.Fatalf("%s[%d] = %.17g, torch %.17g (got %v)", what, i, got[i], want[i], got)
		}
	}
}

// TestDifferentiableOff checks that without Differentiable a step records
// nothing (the parameter keeps no history) and a non-leaf parameter is
// refused, as in PyTorch, and that AdamW refuses the option it lacks in
// PyTorch 1.13.
func TestDifferentiableOff(t *testing.T) {
	w := tensor.New([]float64{1, 2}).SetRequiresGrad(true)
	p := w.MulScalar(2)
	for name, f := range map[string]func(){
		"SGD non-leaf":   func() { NewSGD([]*tensor.Tensor{p}, SGDOptions{LR: 0.1}) },
		"Adam non-leaf":  func() { NewAdam([]*tensor.Tensor{p}, AdamOptions{}) },
		"AdamW optional": func() { NewAdamW([]*tensor.Tensor{w}, AdamWOptions{Differentiable: true}) },
	} {
		func() {
			defer func() {
				var e *tensor.Error
				if err, ok := recover().(error); !ok || !errors.As(err, &e) {
					t.Errorf("%s: no *tensor.Error panic", name)
				}
			}()
			f()
		}()
	}
	leaf := tensor.New([]float64{1, 2})
	opt := NewSGD([]*tensor.Tensor{leaf}, SGDOptions{LR: 0.5})
	leaf.SetGrad(w.MulScalar(1))
	opt.Step()
	if leaf.RequiresGrad() || leaf.GradFn() != nil {
		t.Errorf("a step without Differentiable was recorded: grad_fn %v", leaf.GradFn())
	}
	if got := leaf.Float64s(); got[0] != 0.5 || got[1] != 1 {
		t.Errorf("step gave %v, want [0.5 1]", got)
	}
}
