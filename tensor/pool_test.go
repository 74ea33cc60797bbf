package tensor

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
	"unsafe"
)

// TestPoolUnderGCPressure trains a small model while forcing collections between
// ops, with released gradient buffers poisoned: any storage the engine recycles
// while still in use turns the result into NaN or changes it.
func TestPoolUnderGCPressure(t *testing.T) {
	prev := poisonReleased.Load()
	poisonReleased.Store(true)
	defer func() { poisonReleased.Store(prev) }()
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

// pooled reports whether the pool lists float32 storage starting at p, held or
// watched.
func pooled(p unsafe.Pointer) bool { return pooledAt(uintptr(p)) }

// pooledAt reports whether the pool lists float32 storage starting at address
// a, held or watched.
func pooledAt(a uintptr) bool {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	for _, class := range append(pool.f32.cur[:], pool.f32.old[:]...) {
		for _, e := range class {
			if listedAt(e) == a {
				return true
			}
		}
	}
	return false
}

// listedAt returns the address of a listed buffer, 0 for a watched one the
// collector has found unused since it was listed.
func listedAt[T float32 | float64](e pooledBuf[T]) uintptr {
	if e.b != nil {
		return uintptr(unsafe.Pointer(unsafe.SliceData(e.b)))
	}
	return uintptr(unsafe.Pointer(e.w.Value()))
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
			prev := poisonReleased.Load()
			poisonReleased.Store(true)
			defer func() { poisonReleased.Store(prev) }()
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

// heldBytes returns the bytes the pool holds in its lists (not the watched
// buffers listed), checking the count against the lists.
func heldBytes(t *testing.T) int {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	n := 0
	for c := range maxPoolShift + 1 {
		for _, l := range [2][]pooledBuf[float32]{pool.f32.cur[c], pool.f32.old[c]} {
			for _, e := range l {
				if e.b != nil {
					n += 4 << c
				}
			}
		}
		for _, l := range [2][]pooledBuf[float64]{pool.f64.cur[c], pool.f64.old[c]} {
			for _, e := range l {
				if e.b != nil {
					n += 8 << c
				}
			}
		}
	}
	if n != pool.held {
		t.Fatalf("pool counts %d bytes held, its lists hold %d", pool.held, n)
	}
	return n
}

// TestPoolBounded fills the pool with buffers of many sizes and checks that what
// it keeps stays within its limit, that lowering the limit drops buffers at once,
// and that idle buffers are given back after garbage collections.
func TestPoolBounded(t *testing.T) {
	const limit = 3 << 20
	prev := SetPoolLimit(limit)
	defer SetPoolLimit(prev)
	defer SetRecycleLimit(SetRecycleLimit(0))        // all put back and held, none watched
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // no aging while the pool fills
	var ts []*Tensor
	for round := range 4 {
		for n := 1 << minPoolShift; n <= 1<<20; n = n*3/2 + 1 {
			ts = append(ts, Zeros(n), Float64.Zeros(n+round))
		}
	}
	for _, x := range ts {
		pool.put(x)
		if h := heldBytes(t); h > limit {
			t.Fatalf("pool holds %d bytes, over its limit %d", h, limit)
		}
	}
	if h := heldBytes(t); h < limit/2 {
		t.Fatalf("pool holds only %d bytes after being offered many buffers; the test does not fill it", h)
	}
	SetPoolLimit(1 << 20)
	if h := heldBytes(t); h > 1<<20 {
		t.Errorf("pool holds %d bytes after SetPoolLimit(1 MiB)", h)
	}
	debug.SetGCPercent(100)
	// Idle: two collections (the second ages what the first made old) give it all back.
	for i := 0; heldBytes(t) > 0; i++ {
		if i == 100 {
			t.Fatalf("pool still holds %d bytes after %d collections", heldBytes(t), i)
		}
		runtime.GC()
		time.Sleep(time.Millisecond) // let the finalizer that ages the pool run
	}
}

// TestPoolLimitZeroDisables checks that SetPoolLimit(0) keeps nothing.
func TestPoolLimitZeroDisables(t *testing.T) {
	prev := SetPoolLimit(0)
	defer SetPoolLimit(prev)
	pool.put(Zeros(4096))
	if h := heldBytes(t); h != 0 {
		t.Errorf("pool holds %d bytes with limit 0", h)
	}
}

// TestUninitResultsWritten runs the ops that take uninitialised storage on
// tensors large enough (over rawMinBytes) for it to come from the runtime
// unzeroed, with such storage poisoned (NaN): a kernel that left an element
// unwritten would show it. Each result is checked against a plain loop.
func TestUninitResultsWritten(t *testing.T) {
	prev := poisonReleased.Load()
	poisonReleased.Store(true)
	defer func() { poisonReleased.Store(prev) }()
	if got := uninit(Float32, []int{rawMinBytes}).f32; !math.IsNaN(float64(got[0])) || !math.IsNaN(float64(got[len(got)-1])) {
		t.Fatal("poisoned uninitialised storage is not NaN; this test could not fail")
	}
	const r, c = 96, 300 // 28800 elements: over rawMinBytes in float32 and float64
	for _, dt := range []DType{Float32, Float64} {
		g := NewGenerator(5)
		a := g.Normal(dt.Zeros(r, c), 0, 1)
		b := g.Normal(dt.Zeros(r, c), 0, 1)
		row := g.Normal(dt.Zeros(c), 0, 1)
		at := g.Normal(dt.Zeros(c, r), 0, 1).T() // a transposed view of r×c
		av, bv, rv, tv := a.Values(), b.Values(), row.Values(), at.Values()
		check := func(name string, got *Tensor, want func(i, j int) float64) {
			t.Helper()
			vals, n := got.Values(), got.shape[1]
			for i := range r {
				for j := range n {
					w, v := want(i, j), vals[i*n+j]
					if math.IsNaN(v) || math.Abs(v-w) > 1e-4*(1+math.Abs(w)) {
						t.Fatalf("%v %s[%d,%d] = %v, want %v", dt, name, i, j, v, w)
					}
				}
			}
		}
		check("Add", a.Add(b), func(i, j int) float64 { return av[i*c+j] + bv[i*c+j] })
		check("Mul broadcast", a.Mul(row), func(i, j int) float64 { return av[i*c+j] * rv[j] })
		check("Sub strided", at.Sub(a), func(i, j int) float64 { return tv[i*c+j] - av[i*c+j] })
		check("Exp", a.Exp(), func(i, j int) float64 { return math.Exp(av[i*c+j]) })
		check("Neg strided", at.Neg(), func(i, j int) float64 { return -tv[i*c+j] })
		check("Contiguous", at.Contiguous(), func(i, j int) float64 { return tv[i*c+j] })
		check("Clone", a.Clone(), func(i, j int) float64 { return av[i*c+j] })
		other := Float64
		if dt == Float64 {
			other = Float32
		}
		check("To", a.To(other), func(i, j int) float64 { return av[i*c+j] })
		w := g.Normal(dt.Zeros(c, c), 0, 1)
		wv := w.Values()
		check("MatMul", MatMul(a, w), func(i, j int) float64 {
			s := 0.0
			for k := range c {
				s += av[i*c+k] * wv[k*c+j]
			}
			return s
		})
		check("MatMul k=0", MatMul(dt.Zeros(r, 0), dt.Zeros(0, c)), func(i, j int) float64 { return 0 })
	}
}
