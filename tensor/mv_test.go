package tensor

import (
	"slices"
	"testing"
)

// TestMatMulMatrixVectorGraph checks that a matrix times a vector records one
// node, as PyTorch 1.13 does. Its facts, from
//
//	w = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
//	x = torch.randn(3, dtype=torch.float64, requires_grad=True)
//	y = torch.matmul(w, x)
//	gw, gx = torch.autograd.grad(y.sum(), (w, x), create_graph=True)
//
// are: y.grad_fn is MvBackward0, whose next_functions are the two
// AccumulateGrad nodes (None for x when x does not require grad); gw.grad_fn is
// MulBackward0 and gx.grad_fn MvBackward0. The values are checked by the op
// table's MatMul/2d·1d and Mv rows.
func TestMatMulMatrixVectorGraph(t *testing.T) {
	w := New([]float64{1, 2, 3, 4, 5, 6}, 2, 3).SetRequiresGrad(true)
	x := New([]float64{0.5, -1, 2}).SetRequiresGrad(true)
	names := func(n *Node) []string {
		var s []string
		for _, nx := range n.NextFunctions() {
			if nx == nil {
				s = append(s, "None")
			} else {
				s = append(s, nx.Name())
			}
		}
		return s
	}
	y := w.MatMul(x)
	if y.GradFn().Name() != "MvBackward0" || !slices.Equal(names(y.GradFn()), []string{"AccumulateGrad", "AccumulateGrad"}) {
		t.Errorf("w·x: %v after %v, want MvBackward0 after the two AccumulateGrad nodes", y.GradFn(), names(y.GradFn()))
	}
	if y := w.MatMul(x.Detach()); !slices.Equal(names(y.GradFn()), []string{"AccumulateGrad", "None"}) {
		t.Errorf("w·x with x constant: MvBackward0 after %v, want [AccumulateGrad None]", names(y.GradFn()))
	}
	g := Grad([]*Tensor{y.Sum()}, []*Tensor{w, x}, GradOptions{CreateGraph: true})
	if g[0].GradFn().Name() != "MulBackward0" || g[1].GradFn().Name() != "MvBackward0" {
		t.Errorf("gradients' GradFn %v and %v, want MulBackward0 and MvBackward0", g[0].GradFn(), g[1].GradFn())
	}
	if !slices.Equal(g[0].Values(), []float64{0.5, -1, 2, 0.5, -1, 2}) || !slices.Equal(g[1].Values(), []float64{5, 7, 9}) {
		t.Errorf("gradients %v and %v, want x in each row and the column sums of w", g[0], g[1])
	}
}

// TestMatMulMatrixStridedVector checks w·v for vectors that are strided views
// (a column, an expanded scalar) against the sum of products.
func TestMatMulMatrixStridedVector(t *testing.T) {
	w := New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	for _, v := range []*Tensor{
		New([]float64{1, 9, -2, 9, 4, 9}).Reshape(3, 2).Select(1, 0),
		New([]float64{0, 0, 1, 2, 3}).Narrow(0, 2, 3),
		Float64.Scalar(2).Expand(3),
	} {
		want := w.Mul(v).Sum(1).Values()
		if got := w.MatMul(v).Values(); !slices.Equal(got, want) {
			t.Errorf("w·%v = %v, want %v", v, got, want)
		}
	}
}
