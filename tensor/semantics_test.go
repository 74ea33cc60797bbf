package tensor_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestArangeLikePyTorch: the ranges torch.arange rejects are errors (messages
// from PyTorch 1.13, RuntimeError), not empty tensors.
func TestArangeLikePyTorch(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	for _, c := range []struct {
		start, end, step float64
		want             string
	}{
		{0, 1e30, 1, "invalid size, possible overflow?"},
		{0, 1 << 40, 1e-10, "invalid size, possible overflow?"},
		{-1e308, 1e308, 1, "invalid size, possible overflow?"},
		{0, nan, 1, "unsupported range: 0 -> NaN"},
		{0, inf, 1, "unsupported range: 0 -> +Inf"},
		{-inf, 0, 1, "unsupported range: -Inf -> 0"},
		{5, 0, 1, "upper bound and larger bound inconsistent with step sign"},
		{0, 5, -1, "upper bound and larger bound inconsistent with step sign"},
		{0, 1, nan, "step must be nonzero"},
		{0, 1, 0, "step must be nonzero"},
	} {
		err := tensor.Maybe(func() { tensor.Arange(c.start, c.end, c.step) })
		if !errors.Is(err, tensor.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Arange(%v, %v, %v): got %v, want %q", c.start, c.end, c.step, err, c.want)
		}
	}
	// Values from torch.arange with dtype float32.
	for _, c := range []struct {
		start, end, step float64
		want             []float64
	}{
		{0, 0, 1, []float64{}},
		{0, 3, inf, []float64{}},
		{0, 10, 3, []float64{0, 3, 6, 9}},
		{1, 0, -0.25, []float64{1, 0.75, 0.5, 0.25}},
	} {
		if got := tensor.Arange(c.start, c.end, c.step).Values(); !slices.Equal(got, c.want) {
			t.Errorf("Arange(%v, %v, %v) = %v, want %v", c.start, c.end, c.step, got, c.want)
		}
	}
}

// TestClampMinAfterMax: torch.clamp(x, 1, 0) applies min after max, giving 0 (the
// max) everywhere, with zero gradient; values and gradients from PyTorch 1.13.
func TestClampMinAfterMax(t *testing.T) {
	x := tensor.New([]float32{0.5, 2, -1, float32(math.NaN())}).SetRequiresGrad(true)
	y := x.Clamp(1, 0)
	got := y.Values()
	if !slices.Equal(got[:3], []float64{0, 0, 0}) || !math.IsNaN(got[3]) {
		t.Errorf("Clamp(1, 0) = %v, want [0 0 0 NaN]", got)
	}
	y.Sum().Backward()
	if g := x.Grad().Values(); !slices.Equal(g, []float64{0, 0, 0, 0}) {
		t.Errorf("gradient %v, want zeros", g)
	}
}
