package tensor

import (
	"math"
	"runtime"
	"testing"
	"unsafe"
)

// TestPoolUnderGCPressure trains a small model while forcing collections between
// ops, with released gradient buffers poisoned: any storage the engine recycles
// while still in use turns the result into NaN or changes it.
func TestPoolUnderGCPressure(t *testing.T) {
	prev := poisonReleased
	poisonReleased = true
	defer func() { poisonReleased = prev }()
	run := func(gc bool) []float64 {
		g := NewGenerator(3)
		w1 := g.Normal(Zeros(32, 64), 0, 0.1).SetRequiresGrad(true)
		w2 := g.Normal(Zeros(64, 16), 0, 0.1).SetRequiresGrad(true)
		x := g.Normal(Zeros(40, 32), 0, 1)
		var losses []float64
		for range 20 {
			h := MatMul(x, w1).Relu()
			if gc {
				runtime.GC()
			}
			y := MatMul(h, w2).Tanh().Sum(1).Pow(2).Mean()
			if gc {
				runtime.GC()
			}
			y.Backward()
			if gc {
				runtime.GC()
			}
			NoGrad(func() {
				w1.Copy_(w1.Sub(w1.Grad().MulScalar(0.1)))
				w2.Copy_(w2.Sub(w2.Grad().MulScalar(0.1)))
			})
			w1.SetGrad(nil)
			w2.SetGrad(nil)
			losses = append(losses, y.Item())
		}
		return losses
	}
	want, got := run(false), run(true)
	for i := range want {
		if math.IsNaN(got[i]) || got[i] != want[i] {
			t.Fatalf("step %d: loss %v with collections, %v without", i, got[i], want[i])
		}
	}
}

// pooled reports whether the pool holds float32 storage starting at p.
func pooled(p unsafe.Pointer) bool {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	for _, class := range pool.f32 {
		for _, b := range class {
			if unsafe.Pointer(unsafe.SliceData(b)) == p {
				return true
			}
		}
	}
	return false
}

// twoGrads is x+y as a Function that remembers the storage of the gradients its
// Backward returns.
type twoGrads struct{ made []unsafe.Pointer }

func (f *twoGrads) Name() string { return "TwoGradsBackward" }

func (f *twoGrads) Forward(_ *Context, in ...*Tensor) *Tensor { return in[0].Add(in[1]) }

func (f *twoGrads) Backward(_ *Context, g *Tensor) []*Tensor {
	a, b := g.MulScalar(1), g.MulScalar(2)
	f.made = append(f.made, a.storageBase(), b.storageBase())
	return []*Tensor{a, b}
}

// TestClearedGradReused checks that a gradient the engine added into another one
// goes back to the pool, and so does the gradient it kept when SetGrad(nil) clears
// it, as long as no one was handed it.
func TestClearedGradReused(t *testing.T) {
	x := Full(1, 1024).SetRequiresGrad(true)
	f := &twoGrads{}
	Apply(f, x, x).Sum().Backward()
	if grad := x.ag.grad.storageBase(); grad != f.made[0] { // read without handing it out
		t.Fatalf("x's gradient %p is not the first one Backward made (%p)", grad, f.made[0])
	}
	if !pooled(f.made[1]) {
		t.Errorf("the gradient added into x's (%p) is not in the pool", f.made[1])
	}
	x.SetGrad(nil)
	if !pooled(f.made[0]) {
		t.Errorf("the cleared gradient's storage %p is not in the pool", f.made[0])
	}
	if got := x.Grad(); got != nil {
		t.Errorf("Grad after SetGrad(nil) = %v, want nil", got)
	}
}

// TestHandedOutGradKept checks that clearing a gradient that was handed out, by
// Grad or to a hook, leaves its storage alone: the holder still reads its values
// after later passes.
func TestHandedOutGradKept(t *testing.T) {
	for _, how := range []string{"Grad", "hook"} {
		t.Run(how, func(t *testing.T) {
			prev := poisonReleased
			poisonReleased = true
			defer func() { poisonReleased = prev }()
			x := Full(1, 1024).SetRequiresGrad(true)
			var kept *Tensor
			if how == "hook" {
				x.RegisterHook(func(g *Tensor) *Tensor {
					if kept == nil {
						kept = g
					}
					return nil
				})
			}
			x.Mul(x).Sum().Backward()
			if how == "Grad" {
				kept = x.Grad()
			}
			vals := kept.Float32s()
			x.SetGrad(nil)
			for range 3 {
				x.MulScalar(3).Sum().Backward()
				x.SetGrad(nil)
			}
			if n := len(kept.Float32s()); n != 1024 {
				t.Fatalf("kept gradient has %d elements after it was cleared, want 1024", n)
			}
			for i, v := range vals {
				if v != 2 {
					t.Fatalf("kept gradient element %d = %v after it was cleared, want 2", i, v)
				}
			}
		})
	}
}

// storageBase returns the address of t's float data, to follow a buffer through
// the pool.
func (t *Tensor) storageBase() unsafe.Pointer {
	switch {
	case t.f32 != nil:
		return unsafe.Pointer(unsafe.SliceData(t.f32))
	case t.f64 != nil:
		return unsafe.Pointer(unsafe.SliceData(t.f64))
	}
	return nil
}
