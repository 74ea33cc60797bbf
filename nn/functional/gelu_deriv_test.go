package functional

import (
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestGeluSavedDerivative checks float32 exact GELU, whose node keeps gelu'(x)
// from the forward pass and hands it back to the tensor pool with the graph:
// the gradient equals the float64 one (computed from x in the backward pass),
// and through a recorded backward pass the gradient's dependence on the
// upstream gradient survives a second, non-retaining pass (which frees the
// first graph's buffers): for L = Σ gelu(x)·a·s, d/ds Σ dL/dx = Σ gelu'(x)·a.
func TestGeluSavedDerivative(t *testing.T) {
	g := tensor.NewGenerator(5)
	x64 := g.Normal(tensor.Float64.Zeros(3, 37), 0, 2)
	a64 := g.Normal(tensor.Float64.Zeros(3, 37), 0, 1)
	want := func() []float64 { // Σ gelu'(x)·a per element, in float64
		x := x64.Clone().SetRequiresGrad(true)
		Gelu(x, false).Mul(a64).Sum().Backward()
		return x.Grad().Values()
	}()
	for range 2 { // the second round reuses pooled buffers
		x := x64.To(tensor.Float32).SetRequiresGrad(true)
		s := tensor.Float32.Scalar(1.5).SetRequiresGrad(true)
		a := a64.To(tensor.Float32)
		l := Gelu(x, false).Mul(a).Mul(s).Sum()
		dx := tensor.Grad([]*tensor.Tensor{l}, []*tensor.Tensor{x}, tensor.GradOptions{CreateGraph: true})[0]
		got := dx.Contiguous().Values()
		for i := range got {
			got[i] /= 1.5
		}
		if err := closeTo(got, want, 1e-5, 1e-6); err != nil {
			t.Fatalf("dx: %v", err)
		}
		dx.Sum().Backward()
		var sum float64
		for _, v := range want {
			sum += v
		}
		if err := closeTo([]float64{s.Grad().Item()}, []float64{sum}, 1e-5, 1e-5); err != nil {
			t.Fatalf("d/ds Σ dx: %v", err)
		}
	}
}
