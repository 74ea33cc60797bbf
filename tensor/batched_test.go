package tensor_test

import (
	"math"
	"slices"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestGradBatchedOpTable checks Grad with IsGradsBatched, one pass carrying a
// batch of 3 gradients, against one pass per batch row, for every op-table row
// (float64, golden inputs, seeded random gradients): for the op's first
// derivative and, for rows with a meaningful one, through the graph of its
// recorded gradient (the double-backward nodes a vectorised Hessian walks).
// Batched derivatives sum in another order than row by row, so values agree
// within 1e-12 relative (1e-6 for a float32 result).
func TestGradBatchedOpTable(t *testing.T) {
	gen := tensor.NewGenerator(13)
	const b = 3
	for _, row := range opTable {
		t.Run(row.name, func(t *testing.T) {
			c := goldenFor(t, row.name)
			xs := c.inputs(tensor.Float64)
			var ins []*Tensor
			for _, x := range xs {
				if x.RequiresGrad() {
					ins = append(ins, x)
				}
			}
			var out *Tensor
			if err := tensor.Maybe(func() { out = row.f(xs...) }); err != nil || len(ins) == 0 || !out.RequiresGrad() {
				return // creation ops, constants, integer results, in-place ops on leaves
			}
			compareBatched(t, "first derivative", gen, out, ins, b)
			if !row.gradgrad {
				return
			}
			u := gen.Normal(tensor.Float64.Zeros(out.Shape()...), 0, 1)
			gs := tensor.Grad([]*Tensor{out}, ins, tensor.GradOptions{GradOutputs: []*Tensor{u}, CreateGraph: true, AllowUnused: true})
			for _, g := range gs {
				if g != nil && g.RequiresGrad() {
					compareBatched(t, "second derivative", gen, g, ins, b)
				}
			}
		})
	}
}

// compareBatched checks the batched Grad of out with respect to ins for b
// random gradients against b passes.
func compareBatched(t *testing.T, what string, gen *tensor.Generator, out *Tensor, ins []*Tensor, b int) {
	t.Helper()
	g := gen.Normal(tensor.Float64.Zeros(append([]int{b}, out.Shape()...)...), 0, 1).To(out.DType())
	tol := 1e-12
	if out.DType() == tensor.Float32 {
		tol = 1e-6 // a float32 result (of float64 inputs)
	}
	var got []*Tensor
	if err := tensor.Maybe(func() {
		got = tensor.Grad([]*Tensor{out}, ins, tensor.GradOptions{GradOutputs: []*Tensor{g}, IsGradsBatched: true, RetainGraph: true, AllowUnused: true})
	}); err != nil {
		t.Fatalf("%s: batched: %v", what, err)
	}
	for r := range b {
		want := tensor.Grad([]*Tensor{out}, ins, tensor.GradOptions{GradOutputs: []*Tensor{g.Select(0, r)}, RetainGraph: true, AllowUnused: true})
		for i := range ins {
			if (want[i] == nil) != (got[i] == nil) {
				t.Fatalf("%s: input %d: batched gradient %v, row %d's %v", what, i, got[i], r, want[i])
			}
			if want[i] == nil {
				continue
			}
			if !slices.Equal(got[i].Shape(), append([]int{b}, ins[i].Shape()...)) {
				t.Fatalf("%s: input %d: batched gradient of shape %v, want %v", what, i, got[i].Shape(), append([]int{b}, ins[i].Shape()...))
			}
			gv, wv := got[i].Select(0, r).Values(), want[i].Values()
			for k := range wv {
				if math.Abs(gv[k]-wv[k]) > tol*max(1, math.Abs(wv[k])) && !(math.IsNaN(gv[k]) && math.IsNaN(wv[k])) {
					t.Fatalf("%s: input %d, row %d, [%d]: batched %v, one pass %v", what, i, r, k, gv[k], wv[k])
				}
			}
		}
	}
}

// splitExp is a MultiFunction: (x, w) -> (x·w, exp(x)).
type splitExp struct{}

func (splitExp) Name() string { return "SplitExpBackward" }
func (splitExp) Forward(ctx *tensor.Context, in ...*Tensor) []*Tensor {
	ctx.SaveForBackward(in[0], in[1])
	return []*Tensor{in[0].Mul(in[1]), in[0].Exp()}
}
func (splitExp) Backward(ctx *tensor.Context, g ...*Tensor) []*Tensor {
	s := ctx.Saved()
	x, w := s[0], s[1]
	return []*Tensor{g[0].Mul(w).Add(g[1].Mul(x.Exp())), g[0].Mul(x)}
}

// TestGradBatchedCustom checks the batched pass through a MultiFunction's node
// (one result used, or both), which runs row by row inside it, against one
// pass per row.
func TestGradBatchedCustom(t *testing.T) {
	gen := tensor.NewGenerator(17)
	x := gen.Normal(tensor.Float64.Zeros(2, 3), 0, 1).SetRequiresGrad(true)
	w := gen.Normal(tensor.Float64.Zeros(3), 0, 1).SetRequiresGrad(true)
	outs := tensor.ApplyMulti(splitExp{}, x, w)
	compareBatched(t, "one result", gen, outs[1].Tanh(), []*Tensor{x, w}, 4)
	compareBatched(t, "both results", gen, outs[0].Mul(outs[1]).Sum(1), []*Tensor{x, w}, 4)
}
