package tensor_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestSavedValuesChecked modifies, in place between forward and backward, the
// input (".../in") or the output (".../out") of an op of the op library, and
// checks that backward fails exactly where PyTorch 1.13's does (because the
// op's derivative reads that value), with PyTorch's message; where PyTorch's
// derivative does not read it, backward must still succeed. The expected
// outcomes are testdata/saved_golden.json, written by gen_saved_golden.py, whose
// op list this table follows.
func TestSavedValuesChecked(t *testing.T) {
	raw, err := os.ReadFile("testdata/saved_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]bool
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	o := tensor.New([]float64{1, 2, 3, 1, 2, 3, 1, 2, 3}).Reshape(3, 3)
	idx := tensor.New([]int64{0, 1, 2}).Reshape(3, 1)
	first := func(v, _ *tensor.Tensor) *tensor.Tensor { return v }
	ops := map[string]func(x *tensor.Tensor) *tensor.Tensor{
		"Gelu":         func(x *tensor.Tensor) *tensor.Tensor { return x.Gelu("none") },
		"Silu":         (*tensor.Tensor).Silu,
		"Hardtanh":     func(x *tensor.Tensor) *tensor.Tensor { return x.Hardtanh(-1, 1) },
		"Elu":          func(x *tensor.Tensor) *tensor.Tensor { return x.Elu(1) },
		"Expm1":        (*tensor.Tensor).Expm1,
		"Log1p":        (*tensor.Tensor).Log1p,
		"Floor":        (*tensor.Tensor).Floor,
		"Frac":         (*tensor.Tensor).Frac,
		"Atan2":        func(x *tensor.Tensor) *tensor.Tensor { return x.Atan2(o) },
		"Hypot":        func(x *tensor.Tensor) *tensor.Tensor { return x.Hypot(o) },
		"Fmod":         func(x *tensor.Tensor) *tensor.Tensor { return x.Fmod(o) },
		"FmodOther":    func(x *tensor.Tensor) *tensor.Tensor { return o.Fmod(x) },
		"Lerp":         func(x *tensor.Tensor) *tensor.Tensor { return x.Lerp(o, o.MulScalar(0.3)) },
		"Addcmul":      func(x *tensor.Tensor) *tensor.Tensor { return o.Addcmul(x, o, 1) },
		"Addcdiv":      func(x *tensor.Tensor) *tensor.Tensor { return o.Addcdiv(o, x, 1) },
		"Cat":          func(x *tensor.Tensor) *tensor.Tensor { return tensor.Cat([]*tensor.Tensor{x, x}, 0) },
		"Stack":        func(x *tensor.Tensor) *tensor.Tensor { return tensor.Stack([]*tensor.Tensor{x, x}, 0) },
		"Gather":       func(x *tensor.Tensor) *tensor.Tensor { return x.Gather(1, idx) },
		"IndexSelect":  func(x *tensor.Tensor) *tensor.Tensor { return x.IndexSelect(0, tensor.New([]int64{0, 2})) },
		"MaskedSelect": func(x *tensor.Tensor) *tensor.Tensor { return x.MaskedSelect(x.Detach().GtScalar(0.5)) },
		"MaxDim":       func(x *tensor.Tensor) *tensor.Tensor { return first(x.MaxDim(1, false)) },
		"Sort":         func(x *tensor.Tensor) *tensor.Tensor { return first(x.Sort(1, false)) },
		"Cummax":       func(x *tensor.Tensor) *tensor.Tensor { return first(x.Cummax(1)) },
		"Var":          func(x *tensor.Tensor) *tensor.Tensor { return x.Var(1, false, 1) },
		"Std":          func(x *tensor.Tensor) *tensor.Tensor { return x.Std(1, false, 1) },
		"VarMean":      func(x *tensor.Tensor) *tensor.Tensor { return first(x.VarMean(1, false, 1)) },
		"LogSumExp":    func(x *tensor.Tensor) *tensor.Tensor { return x.LogSumExp(false, 1) },
		"Norm":         func(x *tensor.Tensor) *tensor.Tensor { return x.Norm(2, false, 1) },
		"ProdDim":      func(x *tensor.Tensor) *tensor.Tensor { return x.ProdDim(1, false) },
		"Amax":         func(x *tensor.Tensor) *tensor.Tensor { return x.Amax(1) },
		"Cumsum":       func(x *tensor.Tensor) *tensor.Tensor { return x.Cumsum(1) },
		"Cumprod":      func(x *tensor.Tensor) *tensor.Tensor { return x.Cumprod(1) },
		"Where":        func(x *tensor.Tensor) *tensor.Tensor { return tensor.Where(x.Detach().GtScalar(0.5), x, o) },
		"Clamp":        func(x *tensor.Tensor) *tensor.Tensor { return x.Clamp(0, 1) },
		"ClampTensor":  func(x *tensor.Tensor) *tensor.Tensor { return x.ClampTensor(o.MulScalar(0), o) },
		"MaskedFill":   func(x *tensor.Tensor) *tensor.Tensor { return x.MaskedFill(x.Detach().GtScalar(1), 0) },
		"Flip":         func(x *tensor.Tensor) *tensor.Tensor { return x.Flip(0) },
		"Roll":         func(x *tensor.Tensor) *tensor.Tensor { return x.Roll([]int{1}, 0) },
		"Tril":         func(x *tensor.Tensor) *tensor.Tensor { return x.Tril(0) },
		"Trace":        (*tensor.Tensor).Trace,
		"Softmax":      func(x *tensor.Tensor) *tensor.Tensor { return x.Softmax(1) },
		"LogSoftmax":   func(x *tensor.Tensor) *tensor.Tensor { return x.LogSoftmax(1) },
		"Inv":          tensor.Inv,
		"Det":          tensor.Det,
		"Slogdet":      func(x *tensor.Tensor) *tensor.Tensor { _, l := tensor.Slogdet(x); return l },
		"Solve":        func(x *tensor.Tensor) *tensor.Tensor { return tensor.Solve(x, o) },
		"Svdvals":      tensor.Svdvals,
		"Qr":           func(x *tensor.Tensor) *tensor.Tensor { _, r := tensor.Qr(x); return r },
		"Mean":         func(x *tensor.Tensor) *tensor.Tensor { return x.Mean() },
		"MeanDim":      func(x *tensor.Tensor) *tensor.Tensor { return x.Mean(1) },
		"MeanKeepDim":  func(x *tensor.Tensor) *tensor.Tensor { return x.MeanKeepDim(1) },
		"Sum":          func(x *tensor.Tensor) *tensor.Tensor { return x.Sum() },
		"SumDim":       func(x *tensor.Tensor) *tensor.Tensor { return x.Sum(1) },
	}
	for name, raises := range want {
		op, which, _ := strings.Cut(name, "/")
		f := ops[op]
		if f == nil {
			t.Errorf("%s: no Go op for the golden case", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			leaf := tensor.New([]float64{0.5, 1.2, -0.3, 0.7, -1.1, 2.0, 0.2, 0.4, 1.5}).Reshape(3, 3).SetRequiresGrad(true)
			x := leaf.MulScalar(1) // not a leaf, so it may be modified in place
			y := f(x)
			if which == "in" {
				x.AddScalar_(1)
			} else {
				y.AddScalar_(1)
			}
			err := tensor.Maybe(func() { y.Sum().Backward() })
			switch {
			case raises && err == nil:
				t.Fatalf("backward succeeded; PyTorch fails: the derivative reads the modified %s", which)
			case raises && (!errors.Is(err, tensor.ErrInvalid) || !strings.Contains(err.Error(), "modified by an inplace operation")):
				t.Fatalf("got %v, want the in-place modification error", err)
			case !raises && err != nil:
				t.Fatalf("backward failed (%v); PyTorch's succeeds: its derivative does not read the %s", err, which)
			}
		})
	}
}

// TestSavedIndexAndMaskChecked modifies in place the int64 index of Gather,
// Scatter, Index, IndexPut or IndexSelect, or the bool condition of Where or
// MaskedFill, which their nodes save: PyTorch 1.13's backward then fails
// (checked with it: a condition changed by logical_not_, an index by fill_(1) or
// add_(0), each raises the in-place error).
func TestSavedIndexAndMaskChecked(t *testing.T) {
	cases := map[string]func(x *tensor.Tensor){
		"Gather": func(x *tensor.Tensor) {
			idx := tensor.New([]int64{0, 2})
			y := x.Gather(0, idx)
			idx.Fill_(1)
			y.Sum().Backward()
		},
		"Where": func(x *tensor.Tensor) {
			c := tensor.NewBool([]bool{true, false, true}, 3)
			y := tensor.Where(c, x, tensor.Zeros(3).To(tensor.Float64))
			c.Fill_(0)
			y.Sum().Backward()
		},
		"MaskedFill": func(x *tensor.Tensor) {
			m := tensor.NewBool([]bool{true, false, true}, 3)
			y := x.MaskedFill(m, 0)
			m.Fill_(0)
			y.Sum().Backward()
		},
		"Scatter": func(x *tensor.Tensor) {
			idx := tensor.New([]int64{0, 2})
			y := x.Scatter(0, idx, tensor.Zeros(2).To(tensor.Float64))
			idx.Fill_(1)
			y.Sum().Backward()
		},
		"Index": func(x *tensor.Tensor) {
			idx := tensor.New([]int64{0, 2})
			y := x.Index(idx)
			idx.Fill_(1)
			y.Sum().Backward()
		},
		"IndexPut": func(x *tensor.Tensor) {
			idx := tensor.New([]int64{0, 2})
			y := x.IndexPut([]*tensor.Tensor{idx}, tensor.Zeros(2).To(tensor.Float64), false)
			idx.Fill_(1)
			y.Sum().Backward()
		},
		"IndexSelect": func(x *tensor.Tensor) {
			idx := tensor.New([]int64{0, 2})
			y := x.IndexSelect(0, idx)
			idx.Fill_(1)
			y.Sum().Backward()
		},
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			x := tensor.New([]float64{1, 2, 3}).SetRequiresGrad(true).MulScalar(1)
			err := tensor.Maybe(func() { f(x) })
			if !errors.Is(err, tensor.ErrInvalid) || !strings.Contains(fmt.Sprint(err), "modified by an inplace operation") {
				t.Fatalf("got %v, want the in-place modification error", err)
			}
		})
	}
}

// A node that saves nothing keeps nothing to free, so its graph takes a second
// backward without RetainGraph, as in PyTorch (x.floor().sum() backward twice).
func TestSavesNothingBackwardTwice(t *testing.T) {
	x := tensor.New([]float32{0.5, 1.5}).SetRequiresGrad(true)
	y := x.Floor().Sum()
	y.Backward()
	if err := tensor.Maybe(func() { y.Backward() }); err != nil {
		t.Fatalf("second backward through Floor: %v", err)
	}
	if g := x.Grad().Values(); g[0] != 0 || g[1] != 0 {
		t.Errorf("Floor's gradient %v, want zeros", g)
	}
}
