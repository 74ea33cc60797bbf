package functional

import (
	"fmt"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestCrossEntropyFusedMatchesComposite checks the fused node for (N, C) logits
// and class indices against NLLLoss(LogSoftmax(x)), the definition it replaces:
// loss, input gradient and, through a recorded backward pass, the gradient of
// Σ(dx·v) (second order), for every reduction, with and without an ignored
// row, in float32 and float64.
func TestCrossEntropyFusedMatchesComposite(t *testing.T) {
	g := tensor.NewGenerator(3)
	for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
		for _, red := range []Reduction{Mean, Sum, None} {
			for _, ignore := range []bool{false, true} {
				t.Run(fmt.Sprintf("%v/%v/ignore=%v", dt, red, ignore), func(t *testing.T) {
					x0 := g.Normal(tensor.Float64.Zeros(7, 11), 0, 3).To(dt)
					cls := []int64{0, 10, 3, 3, 7, 1, 5}
					opts := []LossOption{red}
					if ignore { // rows 2 and 3
						opts = append(opts, IgnoreIndex(3))
					}
					y := tensor.New(cls)
					v := g.Normal(tensor.Float64.Zeros(7, 11), 0, 1).To(dt)
					run := func(f func(x *tensor.Tensor) *tensor.Tensor) (loss, dx, ddx []float64) {
						x := x0.Clone().SetRequiresGrad(true)
						l := f(x)
						gl := tensor.OnesLike(l)
						d := tensor.Grad([]*tensor.Tensor{l}, []*tensor.Tensor{x}, tensor.GradOptions{GradOutputs: []*tensor.Tensor{gl}, CreateGraph: true})[0]
						dd := tensor.Grad([]*tensor.Tensor{d.Mul(v).Sum()}, []*tensor.Tensor{x}, tensor.GradOptions{})[0]
						return l.Contiguous().Values(), d.Contiguous().Values(), dd.Contiguous().Values()
					}
					fl, fd, fdd := run(func(x *tensor.Tensor) *tensor.Tensor { return CrossEntropy(x, y, opts...) })
					cl, cd, cdd := run(func(x *tensor.Tensor) *tensor.Tensor { return NLLLoss(x.LogSoftmax(1), y, opts...) })
					tol := 1e-12
					if dt == tensor.Float32 {
						tol = 1e-5
					}
					for _, c := range []struct {
						name      string
						got, want []float64
					}{{"loss", fl, cl}, {"dx", fd, cd}, {"d²x", fdd, cdd}} {
						if err := closeTo(c.got, c.want, tol, tol); err != nil {
							t.Errorf("%s: %v", c.name, err)
						}
					}
				})
			}
		}
	}
}

// TestCrossEntropyFusedFirstOrder checks the fused node's raw backward (no
// recorded pass) against the composite, with a non-unit upstream gradient, and
// its grad_fn name.
func TestCrossEntropyFusedFirstOrder(t *testing.T) {
	g := tensor.NewGenerator(4)
	x0 := g.Normal(tensor.Zeros(5, 9), 0, 2)
	y := tensor.New([]int64{8, 0, 4, -100, 2})
	for _, red := range []Reduction{Mean, Sum, None} {
		grads := make([][]float64, 2)
		for k, f := range []func(x *tensor.Tensor) *tensor.Tensor{
			func(x *tensor.Tensor) *tensor.Tensor { return CrossEntropy(x, y, red) },
			func(x *tensor.Tensor) *tensor.Tensor { return NLLLoss(x.LogSoftmax(1), y, red) },
		} {
			x := x0.Clone().SetRequiresGrad(true)
			l := f(x)
			if k == 0 && (l.GradFn().Name() != "NllLossBackward0" || l.GradFn().NextFunctions()[0].Name() != "AccumulateGrad") {
				t.Errorf("%v: grad_fn %s after %v, want the fused NllLossBackward0 after AccumulateGrad", red, l.GradFn().Name(), l.GradFn().NextFunctions())
			}
			l.Backward(tensor.BackwardOptions{Gradient: tensor.FullLike(l, 1.5)})
			grads[k] = x.Grad().Values()
		}
		if err := closeTo(grads[0], grads[1], 1e-5, 1e-6); err != nil {
			t.Errorf("%v: dx: %v", red, err)
		}
	}
	defer func() {
		if r := recover(); r == nil {
			t.Error("a class index out of range did not panic")
		}
	}()
	CrossEntropy(x0, tensor.New([]int64{9, 0, 0, 0, 0}))
}
