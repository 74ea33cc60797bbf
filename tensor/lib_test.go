package tensor_test

import (
	"math"
	"slices"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// Softplus with a threshold above 1e4 computes log(1 + e^x) at x = 1e4 itself;
// PyTorch 1.13's gradient there is NaN (e^1e4 overflows in σ's formula), gograd's
// is σ(1e4) = 1 and σ(-1e4) = 0 (to float64 precision: e^-1e4 underflows).
func TestSoftplusLargeGradient(t *testing.T) {
	for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
		x := tensor.New([]float64{1e4, -1e4}).To(dt).SetRequiresGrad(true)
		y := x.Softplus(1, 1e5)
		y.Sum().Backward()
		want := []float64{1, 0}
		for i, g := range x.Grad().Values() {
			if g != want[i] {
				t.Errorf("%v: grad[%d] = %v, want %v", dt, i, g, want[i])
			}
		}
		if v := y.Values(); v[0] != 1e4 || v[1] != 0 {
			t.Errorf("%v: Softplus = %v, want [1e4 0]", dt, v)
		}
	}
}

// Inputs of ±1e4 give finite values and gradients (issue 7's numerics evidence);
// the golden rows pin the values, this pins finiteness in one place.
func TestLargeInputsFinite(t *testing.T) {
	ops := map[string]func(x *tensor.Tensor) *tensor.Tensor{
		"LogSumExp":  func(x *tensor.Tensor) *tensor.Tensor { return x.LogSumExp(false, 0) },
		"LogSoftmax": func(x *tensor.Tensor) *tensor.Tensor { return x.LogSoftmax(0) },
		"Softplus":   func(x *tensor.Tensor) *tensor.Tensor { return x.Softplus(1, 20) },
		"LogSigmoid": func(x *tensor.Tensor) *tensor.Tensor { return x.LogSigmoid() },
	}
	for name, f := range ops {
		for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
			x := tensor.New([]float64{1e4, -1e4, 1e4 - 1}).To(dt).SetRequiresGrad(true)
			y := f(x)
			y.Sum().Backward()
			for _, v := range append(y.Values(), x.Grad().Values()...) {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("%s %v: value or gradient %v at ±1e4", name, dt, v)
				}
			}
		}
	}
}

// Strings of bool results print as PyTorch's (format_golden.json has more).
func TestBoolString(t *testing.T) {
	got := tensor.New([]float32{1, -2, 3}).GtScalar(0).String()
	if want := "tensor([ True, False,  True])"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// Int64 and bool tensors go through the ops that move data: permutations,
// broadcasts, gathers, sorting masks.
func TestNonFloatMovement(t *testing.T) {
	b := tensor.NewBool([]bool{true, false, false, true, true, false}, 2, 3)
	if got := b.Transpose(0, 1).Bools(); !slices.Equal(got, []bool{true, true, false, true, false, false}) {
		t.Errorf("bool Transpose: %v", got)
	}
	if got := b.All(0).Bools(); !slices.Equal(got, []bool{true, false, false}) {
		t.Errorf("bool All(0): %v", got)
	}
	i := tensor.New([]int64{1, 2, 3})
	g := tensor.Meshgrid("ij", i, tensor.New([]int64{7, 8}))
	if got := g[0].Int64s(); !slices.Equal(got, []int64{1, 1, 2, 2, 3, 3}) {
		t.Errorf("int64 Meshgrid: %v", got)
	}
	x := tensor.New([]int64{10, 20, 30, 40}, 2, 2)
	if got := x.TakeAlongDim(tensor.New([]int64{1, 0}, 1, 2), 1).Int64s(); !slices.Equal(got, []int64{20, 10, 40, 30}) {
		t.Errorf("int64 TakeAlongDim: %v", got)
	}
	if got := tensor.Cat([]*tensor.Tensor{b, b}, 0).Shape(); !slices.Equal(got, []int{4, 3}) {
		t.Errorf("bool Cat shape %v", got)
	}
	if got := x.Flip(1).Int64s(); !slices.Equal(got, []int64{20, 10, 40, 30}) {
		t.Errorf("int64 Flip: %v", got)
	}
}
