package tensor_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// inplaceGolden is testdata/inplace_golden.json, written by gen_inplace_golden.py
// from PyTorch 1.13.
type inplaceGolden struct {
	Errors  map[string]string `json:"errors"`
	Results struct {
		InputOfExpModified struct {
			Grad    []float64 `json:"grad"`
			Version int       `json:"version"`
		} `json:"input_of_exp_modified"`
		Versions struct {
			Base, View int
			Values     []float64
		} `json:"versions"`
		CopyNoGrad struct {
			Values  []float64 `json:"values"`
			Version int       `json:"version"`
			IsLeaf  bool      `json:"is_leaf"`
		} `json:"copy_no_grad"`
		Rebase struct {
			BaseGradFn string    `json:"base_grad_fn"`
			ViewGradFn string    `json:"view_grad_fn"`
			Grad       []float64 `json:"grad"`
			Values     []float64 `json:"values"`
		} `json:"rebase"`
		StaleView struct {
			Grad   []float64 `json:"grad"`
			GradFn string    `json:"grad_fn"`
			Values []float64 `json:"values"`
		} `json:"stale_view"`
	} `json:"results"`
}

func loadInplaceGolden(t *testing.T) *inplaceGolden {
	t.Helper()
	b, err := os.ReadFile("testdata/inplace_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g inplaceGolden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

func x3(dt tensor.DType) *Tensor {
	return tensor.New([]float64{1, 2, 3}).To(dt).SetRequiresGrad(true)
}

// TestInPlaceErrors pins PyTorch's refusals: a saved value modified before
// backward (naming the tensor, the node that made it, and both versions), in-place
// on a leaf that requires grad or a view of one, and on an expanded view.
func TestInPlaceErrors(t *testing.T) {
	g := loadInplaceGolden(t)
	cases := map[string]func(){
		"saved_output": func() {
			b := x3(tensor.Float32).MulScalar(1).Exp()
			b.AddScalar_(1)
			b.Sum().Backward()
		},
		"saved_output_f64": func() {
			b := x3(tensor.Float64).MulScalar(1).Exp()
			b.AddScalar_(1)
			b.Sum().Backward()
		},
		"saved_constant": func() {
			w := tensor.Ones(2, 2)
			y := tensor.New([]float32{1, 2}).SetRequiresGrad(true).Mul(w)
			w.AddScalar_(1)
			y.Sum().Backward()
		},
		"saved_input_through_view": func() {
			a := x3(tensor.Float32).MulScalar(1)
			b := a.Sin()
			a.Slice(0, 1, 3, 1).MulScalar_(2)
			b.Sum().Backward()
		},
		"result_of_inplace": func() {
			y := x3(tensor.Float32).MulScalar(1).Exp_()
			y.AddScalar_(1)
			y.Sum().Backward()
		},
		"leaf":           func() { x3(tensor.Float32).AddScalar_(1) },
		"view_of_leaf":   func() { x3(tensor.Float32).Slice(0, 0, 2, 1).MulScalar_(2) },
		"expanded":       func() { tensor.Zeros(3).Expand(2, 3).AddScalar_(1) },
		"copy_into_leaf": func() { x3(tensor.Float32).Copy_(tensor.Zeros(3)) },
	}
	if len(cases) != len(g.Errors) {
		t.Errorf("%d cases, %d golden messages", len(cases), len(g.Errors))
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			want := g.Errors[name]
			err := tensor.Maybe(f)
			if err == nil {
				t.Fatalf("no error; PyTorch says %q", want)
			}
			if want == "" || !strings.Contains(err.Error(), want) {
				t.Errorf("error %q\ndoes not contain PyTorch's %q", err, want)
			}
		})
	}
}

// TestInPlaceResults checks sequences PyTorch accepts: modifying the input of an
// op that saved only its result; version counters shared by views; Copy_ into a
// parameter inside NoGrad; and history rebased through a view (CopySlices).
func TestInPlaceResults(t *testing.T) {
	g := loadInplaceGolden(t).Results

	x := x3(tensor.Float32)
	a := x.MulScalar(1)
	b := a.Exp()
	a.MulScalar_(2)
	b.Sum().Backward()
	if got := x.Grad().Values(); !closeAll(got, g.InputOfExpModified.Grad, 1e-6) || a.Version() != g.InputOfExpModified.Version {
		t.Errorf("input of Exp modified: grad %v version %d, want %v %d", got, a.Version(), g.InputOfExpModified.Grad, g.InputOfExpModified.Version)
	}

	base := tensor.Zeros(2, 3)
	v := base.Select(0, 1)
	v.AddScalar_(1)
	base.MulScalar_(2)
	if base.Version() != g.Versions.Base || v.Version() != g.Versions.View || !slices.Equal(base.Values(), g.Versions.Values) {
		t.Errorf("versions base %d view %d values %v, want %d %d %v", base.Version(), v.Version(), base.Values(), g.Versions.Base, g.Versions.View, g.Versions.Values)
	}

	x = x3(tensor.Float32)
	tensor.NoGrad(func() { x.Copy_(tensor.New([]float32{4, 5, 6})) })
	if !slices.Equal(x.Values(), g.CopyNoGrad.Values) || x.Version() != g.CopyNoGrad.Version || x.IsLeaf() != g.CopyNoGrad.IsLeaf {
		t.Errorf("Copy_ in NoGrad: %v version %d leaf %v, want %v %d %v", x.Values(), x.Version(), x.IsLeaf(), g.CopyNoGrad.Values, g.CopyNoGrad.Version, g.CopyNoGrad.IsLeaf)
	}

	x = x3(tensor.Float32)
	y := x.MulScalar(1)
	v = y.Slice(0, 1, 3, 1)
	v.Mul_(tensor.New([]float32{2, 3}))
	y.Mul(tensor.New([]float32{1, 10, 100})).Sum().Backward()
	r := g.Rebase
	if y.GradFn().Name() != r.BaseGradFn || v.GradFn().Name() != r.ViewGradFn {
		t.Errorf("grad_fn base %v view %v, want %s %s", y.GradFn(), v.GradFn(), r.BaseGradFn, r.ViewGradFn)
	}
	if !slices.Equal(x.Grad().Values(), r.Grad) || !slices.Equal(y.Values(), r.Values) {
		t.Errorf("through a view: grad %v values %v, want %v %v", x.Grad().Values(), y.Values(), r.Grad, r.Values)
	}

	// A view older than a write through another view gets the base's new history.
	x = x3(tensor.Float32)
	y = x.MulScalar(1)
	old := y.Slice(0, 0, 2, 1)
	y.Select(0, 0).MulScalar_(3)
	prod := old.Mul(tensor.New([]float32{1, 10}))
	sv := g.StaleView
	if old.GradFn().Name() != sv.GradFn || !slices.Equal(old.Values(), sv.Values) {
		t.Errorf("stale view: grad_fn %v values %v, want %s %v", old.GradFn(), old.Values(), sv.GradFn, sv.Values)
	}
	prod.Sum().Backward()
	if !slices.Equal(x.Grad().Values(), sv.Grad) {
		t.Errorf("stale view: grad %v, want %v", x.Grad().Values(), sv.Grad)
	}
}

func closeAll(got, want []float64, tol float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if d := got[i] - want[i]; d > tol*(1+abs(want[i])) || -d > tol*(1+abs(want[i])) {
			return false
		}
	}
	return true
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// TestInPlaceAllocatesNothing checks that in-place ops outside the graph write
// into their tensor without allocating.
func TestInPlaceAllocatesNothing(t *testing.T) {
	x, y := tensor.Ones(256), tensor.Full(0.5, 256)
	allocs := testing.AllocsPerRun(50, func() {
		x.Add_(y).Mul_(y).MulScalar_(2).AddScalar_(-1).Exp_().Relu_().Sigmoid_().Tanh_().Neg_()
	})
	if allocs != 0 {
		t.Errorf("%v allocations per chain of in-place ops, want 0", allocs)
	}
}

// MaskedFill_ takes PyTorch's bool masks, and fills int64 tensors too (its own
// float mask used to leave an int64 tensor unchanged).
func TestMaskedFillInPlaceMasks(t *testing.T) {
	x := tensor.New([]int64{1, 2, 3})
	x.MaskedFill_(tensor.New([]int64{0, 1, 0}), 7)
	y := tensor.New([]float32{1, 2, 3, 4}, 2, 2)
	y.MaskedFill_(tensor.New([]float32{1, 0}).GtScalar(0), -1) // a bool mask, broadcast over rows
	if got := x.Values(); got[0] != 1 || got[1] != 7 || got[2] != 3 {
		t.Errorf("int64 MaskedFill_ gave %v, want [1 7 3]", got)
	}
	if got := y.Values(); got[0] != -1 || got[1] != 2 || got[2] != -1 || got[3] != 4 {
		t.Errorf("bool-mask MaskedFill_ gave %v, want [-1 2 -1 4]", got)
	}
}

// TestInPlaceMixedFloatRecorded checks a recorded in-place op of a float32
// tensor with a float64 operand against PyTorch 1.13: y = x*1; y.mul_(d) has
// grad_fn MulBackward0, x's gradient is float32 d and d's is float64 x, and the
// value is the float64 product rounded once.
func TestInPlaceMixedFloatRecorded(t *testing.T) {
	x := tensor.New([]float32{0.5, -1.5}).SetRequiresGrad(true)
	d := tensor.New([]float64{0.1, 1.0 / 3}).SetRequiresGrad(true)
	y := x.MulScalar(1)
	y.Mul_(d)
	if y.DType() != tensor.Float32 || y.GradFn().Name() != "MulBackward0" {
		t.Fatalf("y is %v with grad_fn %v, want float32 with MulBackward0", y.DType(), y.GradFn())
	}
	if want := []float64{float64(float32(0.5 * 0.1)), float64(float32(-1.5 / 3))}; !slices.Equal(y.Values(), want) {
		t.Errorf("y = %v, want %v", y.Values(), want)
	}
	y.Sum().Backward()
	if x.Grad().DType() != tensor.Float32 || !slices.Equal(x.Grad().Values(), []float64{float64(float32(0.1)), float64(float32(1.0 / 3))}) {
		t.Errorf("x.grad = %v", x.Grad())
	}
	if d.Grad().DType() != tensor.Float64 || !slices.Equal(d.Grad().Values(), []float64{0.5, -1.5}) {
		t.Errorf("d.grad = %v", d.Grad())
	}
}
