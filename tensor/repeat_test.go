package tensor_test

import (
	"slices"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestRepeatGradientGradFn checks Repeat's gradient, taken while creating a
// graph with an upstream gradient up that requires grad, against PyTorch 1.13:
// for x.repeat(reps) and up = arange(numel).reshape(out), torch.autograd.grad
// ((y * up).sum(), x, create_graph=True) gives these values and grad_fn names
// (its repeat_backward sums over the copies, SumBackward1; with every repeat 1
// the gradient is the product's own, MulBackward0).
func TestRepeatGradientGradFn(t *testing.T) {
	for _, c := range []struct {
		shape, reps []int
		name        string
		want        []float64
	}{
		{[]int{3}, []int{2}, "SumBackward1", []float64{3, 5, 7}},
		{[]int{2, 3}, []int{1, 2}, "SumBackward1", []float64{3, 5, 7, 15, 17, 19}},
		{[]int{2, 3}, []int{2, 1, 1}, "SumBackward1", []float64{6, 8, 10, 12, 14, 16}},
		{[]int{2, 3}, []int{1, 1}, "MulBackward0", []float64{0, 1, 2, 3, 4, 5}},
		{[]int{3}, []int{2, 2}, "SumBackward1", []float64{18, 22, 26}},
	} {
		x := tensor.Float64.Randn(c.shape...).SetRequiresGrad(true)
		y := x.Repeat(c.reps...)
		up := tensor.Float64.Arange(0, float64(y.Numel()), 1).Reshape(y.Shape()...).SetRequiresGrad(true)
		g := tensor.Grad([]*tensor.Tensor{y.Mul(up).Sum()}, []*tensor.Tensor{x}, tensor.GradOptions{CreateGraph: true})[0]
		if fn := g.GradFn(); fn == nil || fn.Name() != c.name {
			t.Errorf("%v.Repeat(%v): gradient's grad_fn %v, want %s", c.shape, c.reps, fn, c.name)
		}
		if got := g.Values(); !slices.Equal(got, c.want) {
			t.Errorf("%v.Repeat(%v): gradient %v, want %v", c.shape, c.reps, got, c.want)
		}
	}
}
