package tensor_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestArgmax checks Argmax against what torch.argmax returns for the same inputs:
// the first of equal maxima, a NaN as the maximum, the dim removed.
func TestArgmax(t *testing.T) {
	nan := math.NaN()
	x := tensor.New([]float64{
		1, 3, 3, -1,
		7, 0, nan, 9,
		-2, -2, -5, -2,
	}, 3, 4)
	for _, c := range []struct {
		dim   int
		shape []int
		want  []int64
	}{
		{1, []int{3}, []int64{1, 2, 0}},
		{-1, []int{3}, []int64{1, 2, 0}},
		{0, []int{4}, []int64{1, 0, 1, 1}},
	} {
		got := x.Argmax(c.dim)
		if got.DType() != tensor.Int64 || !slices.Equal(got.Shape(), c.shape) || !slices.Equal(got.Int64s(), c.want) {
			t.Errorf("Argmax(%d) = %v %v, want %v %v", c.dim, got.Shape(), got.Int64s(), c.shape, c.want)
		}
	}
	y := tensor.New([]float32{0, 5, 1, 2, 8, 3}, 1, 2, 3).Argmax(1) // the middle dim
	if !slices.Equal(y.Shape(), []int{1, 3}) || !slices.Equal(y.Int64s(), []int64{1, 1, 1}) {
		t.Errorf("Argmax(1) of (1,2,3) = %v %v", y.Shape(), y.Int64s())
	}
	if v := tensor.New([]float32{2, 9, 4}).Argmax(0); v.Dim() != 0 || v.Int64s()[0] != 1 {
		t.Errorf("Argmax(0) of a vector = %v with shape %v, want 0-d 1", v.Int64s(), v.Shape())
	}
	for _, f := range []func(){
		func() { x.Argmax(2) },
		func() { tensor.NewBool([]bool{true, false}).Argmax(0) }, // PyTorch: not implemented for 'Bool'
		func() { tensor.Zeros(2, 0).Argmax(1) },
	} {
		if err := tensor.Maybe(f); err == nil || !strings.HasPrefix(err.Error(), "tensor: Argmax: ") {
			t.Errorf("error %v, want a tensor: Argmax: error", err)
		}
	}
}
