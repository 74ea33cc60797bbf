package tensor

import (
	"slices"
	"testing"

	"github.com/gograd/gograd/internal/hooktest"
)

// TestHooksGolden replays testdata/gen_hooks_golden.py: the order in which
// tensor hooks, Node pre- and post-hooks and AccumulateGrad's post-hook are
// called in one backward pass, and what each sees, against PyTorch 1.13.
func TestHooksGolden(t *testing.T) {
	golden := hooktest.Read(t, "testdata/hooks_golden.json")
	var events []hooktest.Event
	log := func(name string, ts ...*Tensor) {
		events = append(events, hooktest.Event{Name: name, Values: flat(ts)})
	}
	x := New([]float64{1, 2}).SetRequiresGrad(true)
	w := New([]float64{3, -1}).SetRequiresGrad(true)
	a := x.Exp()
	bb := a.Mul(w)
	c := bb.Add(x)
	y := c.Mul(c).Sum()

	x.RegisterHook(func(g *Tensor) *Tensor { log("x hook", g); return nil })
	w.RegisterHook(func(g *Tensor) *Tensor { log("w hook", g); return g.MulScalar(10) })
	w.RegisterHook(func(g *Tensor) *Tensor { log("removed hook", g); return nil }).Remove()
	bb.RegisterHook(func(g *Tensor) *Tensor { log("b hook", g); return g.MulScalar(2) })
	bb.GradFn().RegisterPrehook(func(gos []*Tensor) []*Tensor { log("b prehook", gos...); return nil })
	bb.GradFn().RegisterHook(func(gis, gos []*Tensor) []*Tensor { log("b posthook", append(gis, gos...)...); return nil })
	c.GradFn().RegisterHook(func(gis, gos []*Tensor) []*Tensor { log("c posthook", append(gis, gos...)...); return nil })
	accX := a.GradFn().NextFunctions()[0]
	if accX.Name() != "AccumulateGrad" {
		t.Fatalf("next function of ExpBackward0 is %v", accX)
	}
	accX.RegisterHook(func(gis, gos []*Tensor) []*Tensor {
		log("x accumulate posthook", append(append(gis, gos...), x.Grad())...)
		return nil
	})
	y.Backward()

	hooktest.Compare(t, events, golden.Events)
	if !hooktest.Near(x.Grad().Float64s(), golden.Values["x_grad"]) || !hooktest.Near(w.Grad().Float64s(), golden.Values["w_grad"]) {
		t.Errorf("x.grad %v w.grad %v; PyTorch %v %v", x.Grad(), w.Grad(), golden.Values["x_grad"], golden.Values["w_grad"])
	}
}

// flat returns the values of ts, nil for a nil tensor.
func flat(ts []*Tensor) [][]float64 {
	out := make([][]float64, len(ts))
	for i, t := range ts {
		if t != nil {
			out[i] = slices.Clone(t.Contiguous().Float64s())
		}
	}
	return out
}

// TestHookHandles: every kind of hook is unregistered by its handle's Remove,
// and post-accumulate-grad hooks see the leaf with its Grad already summed.
func TestHookHandles(t *testing.T) {
	x := New([]float64{1, 2}).SetRequiresGrad(true)
	calls := map[string]int{}
	var seen []float64
	hs := []*RemovableHandle{
		x.RegisterHook(func(g *Tensor) *Tensor { calls["tensor"]++; return nil }),
		x.RegisterPostAccumulateGradHook(func(p *Tensor) { calls["post-acc"]++; seen = p.Grad().Float64s() }),
	}
	y := x.MulScalar(3)
	hs = append(hs,
		y.RegisterHook(func(g *Tensor) *Tensor { calls["y"]++; return nil }),
		y.GradFn().RegisterPrehook(func([]*Tensor) []*Tensor { calls["pre"]++; return nil }),
		y.GradFn().RegisterHook(func(gi, _ []*Tensor) []*Tensor {
			calls["post"]++
			return []*Tensor{gi[0].MulScalar(2)} // replaces dy/dx
		}))
	y.Sum().Backward(BackwardOptions{RetainGraph: true})
	for _, k := range []string{"tensor", "post-acc", "y", "pre", "post"} {
		if calls[k] != 1 {
			t.Fatalf("hook %s called %d times, want 1", k, calls[k])
		}
	}
	if !slices.Equal(seen, []float64{6, 6}) {
		t.Fatalf("post-accumulate hook saw grad %v, want [6 6] (3, doubled by the post-hook)", seen)
	}
	for _, h := range hs {
		h.Remove()
		h.Remove() // harmless
	}
	y.Sum().Backward()
	for k, n := range calls {
		if n != 1 {
			t.Fatalf("hook %s called again after Remove", k)
		}
	}
	if !slices.Equal(x.Grad().Float64s(), []float64{9, 9}) {
		t.Fatalf("x.grad %v, want [9 9]", x.Grad())
	}
	mustPanic(t, func() { y.RegisterPostAccumulateGradHook(func(*Tensor) {}) })
}
