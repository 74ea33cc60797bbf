package tensor

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// backwardModeGolden is testdata/backward_mode_golden.json, made by
// testdata/gen_backward_mode_golden.py with PyTorch 1.13.
type backwardModeGolden struct {
	Modes   map[string]map[string]modeSeen
	Capture struct {
		GradY               [][]float64 `json:"grad_y"`
		GradYHookCalls      int         `json:"grad_y_hook_calls"`
		GradX               [][]float64 `json:"grad_x"`
		GradYX              [][]float64 `json:"grad_y_x"`
		GradYCreate         [][]float64 `json:"grad_y_create"`
		BackwardInputsYGrad []float64   `json:"backward_inputs_y_grad"`
	}
}

// modeSeen is what user code saw: the grad mode, and whether an op on a
// tensor that requires grad recorded (after the pass: whether x's gradient
// requires grad).
type modeSeen struct {
	GradEnabled       bool `json:"grad_enabled"`
	Records           bool `json:"records"`
	XGradRequiresGrad bool `json:"x_grad_requires_grad"`
}

func loadBackwardModeGolden(t *testing.T) backwardModeGolden {
	t.Helper()
	b, err := os.ReadFile("testdata/backward_mode_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g backwardModeGolden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

// scale3 is the golden script's Scale: x·3, whose Backward reports what it saw.
type scale3 struct{ probe func(name string, g *Tensor) }

func (*scale3) Name() string { return "Scale3Backward" }
func (*scale3) Forward(_ *Context, in ...*Tensor) *Tensor {
	return in[0].MulScalar(3)
}
func (f *scale3) Backward(_ *Context, g *Tensor) []*Tensor {
	f.probe("function backward", g)
	return []*Tensor{g.MulScalar(3)}
}

// TestBackwardModeGolden checks, against PyTorch 1.13, the grad mode that user
// code running inside a backward pass sees (tensor hooks, a node's pre- and
// post-hooks, a leaf's hook, a custom Function's Backward), and whether what it
// computes from a tensor that requires grad is recorded: not in a plain pass,
// inside NoGrad or not; in a CreateGraph pass, inside NoGrad or not.
func TestBackwardModeGolden(t *testing.T) {
	g := loadBackwardModeGolden(t)
	w := FromSlice([]float64{2, -1}, 2).SetRequiresGrad(true)
	run := func(create, noGrad bool) map[string]modeSeen {
		seen := map[string]modeSeen{}
		probe := func(name string, g *Tensor) {
			seen[name] = modeSeen{GradEnabled: IsGradEnabled(), Records: g.Mul(w).RequiresGrad()}
		}
		x := FromSlice([]float64{1, 2}, 2).SetRequiresGrad(true)
		a := x.Exp()
		a.RegisterHook(func(g *Tensor) *Tensor { probe("tensor hook", g); return nil })
		a.GradFn().RegisterPrehook(func(gout []*Tensor) []*Tensor { probe("node prehook", gout[0]); return nil })
		a.GradFn().RegisterHook(func(_, gout []*Tensor) []*Tensor { probe("node posthook", gout[0]); return nil })
		x.RegisterHook(func(g *Tensor) *Tensor { probe("leaf hook", g); return nil })
		y := Apply(&scale3{probe}, a).Mul(a).Sum()
		if noGrad {
			NoGrad(func() { y.Backward(BackwardOptions{CreateGraph: create}) })
		} else {
			y.Backward(BackwardOptions{CreateGraph: create})
		}
		seen["after"] = modeSeen{GradEnabled: IsGradEnabled(), XGradRequiresGrad: x.Grad().RequiresGrad()}
		return seen
	}
	for name, c := range map[string][2]bool{
		"plain": {false, false}, "create_graph": {true, false},
		"no_grad_plain": {false, true}, "no_grad_create_graph": {true, true},
	} {
		got, want := run(c[0], c[1]), g.Modes[name]
		if len(want) != 6 {
			t.Fatalf("%s: golden has %d entries, want 6", name, len(want))
		}
		for who, w := range want {
			if got[who] != w {
				t.Errorf("%s: %s saw %+v; PyTorch %+v", name, who, got[who], w)
			}
		}
	}
}

// TestGradCaptureBeforeHook checks, against PyTorch 1.13, that Grad returns a
// non-leaf input's gradient as it reached the input, before the input's hooks
// (which do not run when nothing past the input is needed), while the hooks
// still change what flows on to earlier inputs; and that Backward's Inputs
// store the gradient after the hooks, as RetainGrad does.
func TestGradCaptureBeforeHook(t *testing.T) {
	g := loadBackwardModeGolden(t).Capture
	calls := 0
	x := FromSlice([]float32{1, 2}, 2).SetRequiresGrad(true)
	y := x.MulScalar(2)
	y.RegisterHook(func(g *Tensor) *Tensor { calls++; return g.MulScalar(10) })
	z := y.MulScalar(3).Sum()
	check := func(what string, got []*Tensor, want [][]float64) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d gradients, want %d", what, len(got), len(want))
		}
		for i := range got {
			if !slices.Equal(got[i].Values(), want[i]) {
				t.Errorf("%s: gradient %d is %v; PyTorch %v", what, i, got[i].Values(), want[i])
			}
		}
	}
	check("Grad(z, y)", Grad([]*Tensor{z}, []*Tensor{y}, GradOptions{RetainGraph: true}), g.GradY)
	if calls != g.GradYHookCalls {
		t.Errorf("Grad(z, y) ran y's hook %d times; PyTorch %d", calls, g.GradYHookCalls)
	}
	check("Grad(z, x)", Grad([]*Tensor{z}, []*Tensor{x}, GradOptions{RetainGraph: true}), g.GradX)
	check("Grad(z, y, x)", Grad([]*Tensor{z}, []*Tensor{y, x}, GradOptions{RetainGraph: true}), g.GradYX)
	check("Grad(z, y) creating a graph", Grad([]*Tensor{z}, []*Tensor{y}, GradOptions{CreateGraph: true}), g.GradYCreate)
	z.Backward(BackwardOptions{Inputs: []*Tensor{y}})
	check("Backward Inputs y", []*Tensor{y.Grad()}, [][]float64{g.BackwardInputsYGrad})
}
