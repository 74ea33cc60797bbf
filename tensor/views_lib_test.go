package tensor_test

import (
	"math"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestLibraryViewInputs runs the op library on non-contiguous views (a transpose,
// and a narrowed transpose with an offset) and on contiguous copies of the same
// values: results and the gradients reaching the base must agree to rounding
// (viewsAgree). Kernels walk a view's strides instead of copying it, and sums
// run in the view's memory order, as PyTorch's do, so the order of their terms,
// and with it the last bit, may differ from the copy's.
func TestLibraryViewInputs(t *testing.T) {
	idx := tensor.New([]int64{2, 0, 1})
	ops := map[string]func(x *tensor.Tensor) *tensor.Tensor{
		"Gelu":        func(x *tensor.Tensor) *tensor.Tensor { return x.Gelu("none") },
		"Softplus":    func(x *tensor.Tensor) *tensor.Tensor { return x.Softplus(1, 20) },
		"Erf":         (*tensor.Tensor).Erf,
		"Atan2":       func(x *tensor.Tensor) *tensor.Tensor { return x.Atan2(x.AddScalar(3)) },
		"Where":       func(x *tensor.Tensor) *tensor.Tensor { return tensor.Where(x.GtScalar(0), x, x.MulScalar(2)) },
		"MaskedFill":  func(x *tensor.Tensor) *tensor.Tensor { return x.MaskedFill(x.LtScalar(0), 0) },
		"Cat":         func(x *tensor.Tensor) *tensor.Tensor { return tensor.Cat([]*tensor.Tensor{x, x}, 1) },
		"Flip":        func(x *tensor.Tensor) *tensor.Tensor { return x.Flip(0, 1) },
		"Pad":         func(x *tensor.Tensor) *tensor.Tensor { return x.Pad([]int{1, 2}, tensor.PadReflect, 0) },
		"IndexSelect": func(x *tensor.Tensor) *tensor.Tensor { return x.IndexSelect(1, idx) },
		"Gather":      func(x *tensor.Tensor) *tensor.Tensor { return x.Gather(1, tensor.New([]int64{0, 2, 1, 1, 0, 3}, 3, 2)) },
		"Amax":        func(x *tensor.Tensor) *tensor.Tensor { return x.Amax(1) },
		"MaxDim":      func(x *tensor.Tensor) *tensor.Tensor { v, _ := x.MaxDim(0, false); return v },
		"Sort":        func(x *tensor.Tensor) *tensor.Tensor { v, _ := x.Sort(1, true); return v },
		"Var":         func(x *tensor.Tensor) *tensor.Tensor { return x.Var(1, false, 1) },
		"LogSumExp":   func(x *tensor.Tensor) *tensor.Tensor { return x.LogSumExp(false, 0) },
		"Cumprod":     func(x *tensor.Tensor) *tensor.Tensor { return x.Cumprod(1) },
		"VectorNorm":  func(x *tensor.Tensor) *tensor.Tensor { return x.VectorNorm(3, false, 1) },
		"Einsum":      func(x *tensor.Tensor) *tensor.Tensor { return tensor.Einsum("ij,kj->ik", x, x) },
		"Tril":        func(x *tensor.Tensor) *tensor.Tensor { return x.Tril(0) },
		"Inv": func(x *tensor.Tensor) *tensor.Tensor {
			return tensor.Inv(x.Narrow(1, 0, 3).Add(tensor.Float64.Eye(3).MulScalar(4)))
		},
	}
	for name, f := range ops {
		// base [4 3]; the view is its transpose, [3 4], narrowed to [3 3] from
		// column 1 for Inv, otherwise used whole.
		run := func(view bool) ([]float64, []float64) {
			base := tensor.New([]float64{0.3, -1.2, 0.7, 1.5, -0.4, 0.9, -2.1, 0.25, 1.1, -0.8, 0.6, -1.7}, 4, 3).SetRequiresGrad(true)
			x := base.Transpose(0, 1)
			if name == "Inv" {
				x = x.Narrow(1, 1, 3)
			}
			if !view {
				x = x.Contiguous()
			} else if x.IsContiguous() {
				t.Fatalf("%s: the view is contiguous; the test would not exercise strides", name)
			}
			y := f(x)
			y.Sum().Backward()
			return y.Values(), base.Grad().Values()
		}
		yv, gv := run(true)
		yc, gc := run(false)
		for i := range yc {
			if !viewsAgree(yv[i], yc[i]) {
				t.Errorf("%s: value %d on a view %v, on a copy %v", name, i, yv[i], yc[i])
				break
			}
		}
		for i := range gc {
			if !viewsAgree(gv[i], gc[i]) {
				t.Errorf("%s: gradient %d through a view %v, through a copy %v", name, i, gv[i], gc[i])
				break
			}
		}
	}
}

// viewsAgree reports whether a result through a view and through a contiguous
// copy agree: equal, both NaN, or within 4 float64 ulps (the sums behind the
// tested ops have at most a dozen terms).
func viewsAgree(v, c float64) bool {
	if v == c || math.IsNaN(v) && math.IsNaN(c) {
		return true
	}
	return math.Abs(v-c) <= 4*0x1p-52*max(math.Abs(v), math.Abs(c))
}
