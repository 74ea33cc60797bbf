package tensor

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
)

// mustPanic runs f and returns the *Error it panicked with, failing the test if it
// did not panic with one.
func mustPanic(t *testing.T, f func()) *Error {
	t.Helper()
	err := Maybe(f)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want a *tensor.Error panic, got %v", err)
	}
	return e
}

// Seed 000: z = W*x + b at x=30, W=40, b=50 (values from the seed tutorial).
func TestSeedLinearNeuron(t *testing.T) {
	x := Scalar(30)
	W := Scalar(40).SetRequiresGrad(true)
	b := Scalar(50).SetRequiresGrad(true)
	z := W.Mul(x).Add(b)
	if z.Item() != 1250 || !W.IsLeaf() || !x.IsLeaf() || z.IsLeaf() {
		t.Fatalf("z=%v leaf W=%v x=%v z=%v", z.Item(), W.IsLeaf(), x.IsLeaf(), z.IsLeaf())
	}
	if got := z.GradFn().Name(); got != "AddBackward0" {
		t.Fatalf("z.GradFn = %s", got)
	}
	next := z.GradFn().NextFunctions()
	if next[0].Name() != "MulBackward0" || next[1].Name() != "AccumulateGrad" || next[1].Variable() != b {
		t.Fatalf("next functions %v %v", next[0], next[1])
	}
	if mn := next[0].NextFunctions(); mn[0].Variable() != W || mn[1] != nil {
		t.Fatalf("MulBackward0 next = %v", mn)
	}
	z.Backward()
	if W.Grad().Item() != 30 || b.Grad().Item() != 1 {
		t.Fatalf("W.grad=%v b.grad=%v, want 30 and 1", W.Grad().Item(), b.Grad().Item())
	}
	if x.Grad() != nil {
		t.Fatal("x does not require grad but got a gradient")
	}
}

func TestGradAccumulatesUntilCleared(t *testing.T) {
	x := Scalar(3).SetRequiresGrad(true)
	for i := 1; i <= 3; i++ {
		x.Pow(2).MulScalar(2).AddScalar(3).Backward() // dz/dx = 4x = 12
		if got := x.Grad().Item(); got != float64(12*i) {
			t.Fatalf("after %d backward passes grad = %v, want %d", i, got, 12*i)
		}
	}
	x.SetGrad(nil)
	x.Pow(2).Backward()
	if got := x.Grad().Item(); got != 6 {
		t.Fatalf("after clearing, grad = %v, want 6", got)
	}
}

func TestSharedGradientStorageIsNotAliased(t *testing.T) {
	a := Ones(3).SetRequiresGrad(true)
	b := Ones(3).SetRequiresGrad(true)
	a.Add(b).Sum().Backward()
	a.Add(b).Sum().Backward() // accumulates in place into a.grad; b.grad must not change with it
	a.MulScalar(5).Sum().Backward()
	if got := b.Grad().Values(); got[0] != 2 {
		t.Fatalf("b.grad = %v, want 2s", got)
	}
	if got := a.Grad().Values(); got[0] != 7 {
		t.Fatalf("a.grad = %v, want 7s", got)
	}
}

func TestBackwardTwiceNeedsRetainGraph(t *testing.T) {
	W := Scalar(40).SetRequiresGrad(true)
	z := W.Mul(Scalar(30)).Add(Scalar(50))
	z.Backward()
	e := mustPanic(t, func() { z.Backward() })
	want := "tensor: Backward: trying to backward through the graph a second time (MulBackward0 has freed its saved values); pass RetainGraph: true the first time if you need to backward twice"
	if e.Error() != want {
		t.Fatalf("message\n got %q\nwant %q", e.Error(), want)
	}

	W.SetGrad(nil)
	z = W.Mul(Scalar(30)).Add(Scalar(50))
	z.Backward(BackwardOptions{RetainGraph: true})
	z.Backward()
	if W.Grad().Item() != 60 {
		t.Fatalf("grad after two passes = %v, want 60", W.Grad().Item())
	}
	// Ops that save nothing (Add) can be walked again, as in PyTorch.
	a := Scalar(1).SetRequiresGrad(true)
	s := a.Add(a)
	s.Backward()
	s.Backward()
	if a.Grad().Item() != 4 {
		t.Fatalf("a.grad = %v, want 4", a.Grad().Item())
	}
}

func TestBackwardFreesSavedValues(t *testing.T) {
	x := Randn(4).SetRequiresGrad(true)
	y := x.Exp()
	z := y.Sum()
	z.Backward()
	if n := y.GradFn(); !n.freed || n.def != nil || len(n.saved) != 0 {
		t.Fatal("ExpBackward0 kept its derivative (and saved tensors) after backward")
	}
}

func TestBackwardErrors(t *testing.T) {
	x := Ones(2, 3).SetRequiresGrad(true)
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"non-scalar", func() { x.MulScalar(2).Backward() },
			"tensor: Backward: grad can be implicitly created only for one-element outputs, got shape [2 3]; pass a gradient"},
		{"no grad", func() { Ones(2).Sum().Backward() },
			"tensor: Backward: element 0 of tensors does not require grad and does not have a grad_fn"},
		{"gradient shape", func() { x.MulScalar(2).Backward(BackwardOptions{Gradient: Ones(3, 2)}) },
			"tensor: Backward: gradient shape [3 2] does not match output shape [2 3]"},
		{"broadcast", func() { Ones(2, 3).Mul(Ones(3, 2)) },
			"tensor: Mul: shapes [2 3] and [3 2] do not broadcast"},
		{"matmul", func() { MatMul(Ones(2, 3), Ones(2, 3)) },
			"tensor: MatMul: shapes [2 3] and [2 3] cannot be multiplied (3 != 2)"},
		{"dim", func() { Ones(2, 3).Sum(2) },
			"tensor: Sum: dim 2 out of range for shape [2 3]"},
		{"non-leaf requires_grad", func() { x.MulScalar(2).SetRequiresGrad(false) },
			"tensor: SetRequiresGrad: you can only change requires_grad of leaf tensors; use Detach to get a leaf from <MulBackward0>"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := mustPanic(t, c.f).Error(); got != c.want {
				t.Fatalf("\n got %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestMaybeLetsOtherPanicsThrough(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "boom") {
			t.Fatalf("recovered %v, want the original panic", r)
		}
	}()
	_ = Maybe(func() { panic("boom") })
}

func TestBackwardWithExplicitGradient(t *testing.T) {
	x := New([]float32{1, 2, 3}).SetRequiresGrad(true)
	y := x.Mul(x)
	y.Backward(BackwardOptions{Gradient: New([]float32{1, 0.5, 0})})
	want := []float64{2, 2, 0} // 2x * v
	for i, g := range x.Grad().Values() {
		if g != want[i] {
			t.Fatalf("grad = %v, want %v", x.Grad().Values(), want)
		}
	}
}

func TestRetainGrad(t *testing.T) {
	x := Scalar(2).SetRequiresGrad(true)
	y := x.Mul(x) // non-leaf
	y.RetainGrad()
	z := y.MulScalar(3)
	z.Backward()
	if y.Grad() == nil || y.Grad().Item() != 3 {
		t.Fatalf("y.grad = %v, want 3", y.Grad())
	}
	if x.Grad().Item() != 12 {
		t.Fatalf("x.grad = %v, want 12", x.Grad().Item())
	}
	w := x.Mul(x) // not retained
	w.Sum().Backward()
	if w.Grad() != nil {
		t.Fatal("non-leaf without RetainGrad got a grad")
	}
}

func TestDetach(t *testing.T) {
	x := Scalar(2).SetRequiresGrad(true)
	d := x.Mul(x).Detach()
	if d.RequiresGrad() || !d.IsLeaf() || d.Item() != 4 {
		t.Fatalf("detached: requires=%v leaf=%v value=%v", d.RequiresGrad(), d.IsLeaf(), d.Item())
	}
	y := x.Mul(d) // gradient flows only through x
	y.Backward()
	if x.Grad().Item() != 4 {
		t.Fatalf("x.grad = %v, want 4", x.Grad().Item())
	}
}

func TestGradDoesNotTouchGradFields(t *testing.T) {
	x := Float64.Scalar(2).SetRequiresGrad(true)
	y := x.Pow(3)
	g := Grad([]*Tensor{y}, []*Tensor{x}, GradOptions{CreateGraph: true})[0]
	if g.Item() != 12 || x.Grad() != nil {
		t.Fatalf("dy/dx = %v (want 12), x.grad = %v (want nil)", g.Item(), x.Grad())
	}
	// Second and third derivatives of x³: 6x = 12 and 6.
	g2 := Grad([]*Tensor{g}, []*Tensor{x}, GradOptions{CreateGraph: true})[0]
	g3 := Grad([]*Tensor{g2}, []*Tensor{x})[0]
	if g2.Item() != 12 || g3.Item() != 6 {
		t.Fatalf("d2 = %v (want 12), d3 = %v (want 6)", g2.Item(), g3.Item())
	}
	// An unused input panics unless allowed.
	u := Float64.Scalar(1).SetRequiresGrad(true)
	e := mustPanic(t, func() { Grad([]*Tensor{x.Exp()}, []*Tensor{u}) })
	// PyTorch 1.13's message, from torch/csrc/autograd/python_engine.cpp.
	if !strings.Contains(e.Msg, "One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.") {
		t.Fatalf("message %q", e.Msg)
	}
	if r := Grad([]*Tensor{x.Exp()}, []*Tensor{u}, GradOptions{AllowUnused: true}); r[0] != nil {
		t.Fatalf("unused input got %v", r[0])
	}
}

func TestGradWithRespectToIntermediate(t *testing.T) {
	x := Float64.Scalar(3).SetRequiresGrad(true)
	h := x.Mul(x) // 9
	y := h.Mul(h).Add(x)
	gs := Grad([]*Tensor{y}, []*Tensor{h, x})
	if gs[0].Item() != 18 || gs[1].Item() != 4*27+1 {
		t.Fatalf("dy/dh = %v (want 18), dy/dx = %v (want 109)", gs[0].Item(), gs[1].Item())
	}
}

func TestHooks(t *testing.T) {
	x := Scalar(1).SetRequiresGrad(true)
	var seen float64
	x.RegisterHook(func(g *Tensor) *Tensor { seen = g.Item(); return g.MulScalar(10) })
	y := x.MulScalar(2)
	y.RegisterHook(func(g *Tensor) *Tensor { return g.AddScalar(1) })
	y.Backward() // dy = 1, hook makes 2; dx = 2*2 = 4, leaf hook sees 4 and stores 40
	if seen != 4 || x.Grad().Item() != 40 {
		t.Fatalf("leaf hook saw %v (want 4), grad %v (want 40)", seen, x.Grad().Item())
	}
}

func TestDeepChainIsIterative(t *testing.T) {
	x := Scalar(1).SetRequiresGrad(true)
	y := x
	for range 100_000 {
		y = y.MulScalar(1)
	}
	y.Backward()
	if x.Grad().Item() != 1 {
		t.Fatalf("grad through 100,000 ops = %v", x.Grad().Item())
	}
}

func TestBackwardIsDeterministic(t *testing.T) {
	run := func() []float64 {
		g := NewGenerator(7)
		w := g.Normal(Zeros(16, 16), 0, 1).SetRequiresGrad(true)
		x := g.Normal(Zeros(8, 16), 0, 1)
		h := MatMul(x, w)
		loss := h.Tanh().Add(h.Sigmoid()).Mul(h).Sum().Add(h.Mean().MulScalar(3))
		loss.Backward()
		return w.Grad().Values()
	}
	a, b := run(), run()
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			t.Fatalf("grad[%d] differs between runs: %v vs %v", i, a[i], b[i])
		}
	}
}

func TestNoGrad(t *testing.T) {
	x := Scalar(2).SetRequiresGrad(true)
	var y *Tensor
	NoGrad(func() {
		if IsGradEnabled() {
			t.Error("grad enabled inside NoGrad")
		}
		y = x.Mul(x)
		EnableGrad(func() {
			if z := x.Mul(x); !z.RequiresGrad() {
				t.Error("EnableGrad inside NoGrad did not record")
			}
		})
	})
	if y.RequiresGrad() || y.GradFn() != nil {
		t.Fatal("result computed under NoGrad requires grad")
	}
	if !IsGradEnabled() {
		t.Fatal("grad mode not restored")
	}
	func() {
		defer func() { _ = recover() }()
		NoGrad(func() { panic("x") })
	}()
	if !IsGradEnabled() {
		t.Fatal("grad mode not restored after a panic")
	}
}

// One goroutine trains while another evaluates under NoGrad; the evaluator's mode
// must not leak into the trainer. Run with -race.
func TestNoGradIsPerGoroutine(t *testing.T) {
	var wg sync.WaitGroup
	const steps = 300
	wg.Add(2)
	trainErr := make(chan string, 1)
	go func() { // training
		defer wg.Done()
		w := Ones(4, 4).SetRequiresGrad(true)
		x := Ones(2, 4)
		for i := range steps {
			loss := MatMul(x, w).Sigmoid().Sum()
			if !loss.RequiresGrad() || loss.GradFn() == nil {
				trainErr <- fmt.Sprintf("training step %d was not recorded", i)
				return
			}
			loss.Backward()
			NoGrad(func() { w.Copy_(w.Sub(w.Grad().MulScalar(0.01))) })
			w.SetGrad(nil)
		}
	}()
	go func() { // evaluation
		defer wg.Done()
		w := Ones(4, 4).SetRequiresGrad(true)
		x := Ones(2, 4)
		for range steps {
			NoGrad(func() {
				if out := MatMul(x, w).Sigmoid(); out.RequiresGrad() {
					panic("evaluation recorded a graph under NoGrad")
				}
			})
		}
	}()
	wg.Wait()
	select {
	case msg := <-trainErr:
		t.Fatal(msg)
	default:
	}
}

func TestMatMulEmptyInnerDim(t *testing.T) {
	a := Zeros(2, 0).SetRequiresGrad(true)
	b := Zeros(0, 3).SetRequiresGrad(true)
	c := MatMul(a, b)
	if got := c.Shape(); got[0] != 2 || got[1] != 3 || c.Sum().Item() != 0 {
		t.Fatalf("shape %v sum %v", got, c.Sum().Item())
	}
	c.Sum().Backward()
	if a.Grad().Numel() != 0 || b.Grad().Numel() != 0 {
		t.Fatalf("grads %v %v", a.Grad().Shape(), b.Grad().Shape())
	}
}

// The engine keeps fresh gradients as leaves' Grad instead of copying them; these
// are the ways a gradient can be shared, each of which must still give separate
// storage, checked by accumulating a second time.
func TestLeafGradsNeverAlias(t *testing.T) {
	a := Ones(2, 3).SetRequiresGrad(true)
	b := Ones(2, 3).SetRequiresGrad(true)
	v := Full(2, 6)
	for range 2 {
		// One gradient passed through Add to two views.
		a.Reshape(6).Add(b.Reshape(6)).Backward(BackwardOptions{Gradient: v})
	}
	a.MulScalar(10).Sum().Backward()
	if got := a.Grad().Values()[0]; got != 14 {
		t.Fatalf("a.grad = %v, want 14", got)
	}
	if got := b.Grad().Values()[0]; got != 4 {
		t.Fatalf("b.grad = %v, want 4 (shares storage with a.grad?)", got)
	}
	if got := v.Values()[0]; got != 2 {
		t.Fatalf("the caller's gradient changed to %v", got)
	}

	// A custom Function returning one new tensor for two inputs.
	c := Ones(3).SetRequiresGrad(true)
	d := Ones(3).SetRequiresGrad(true)
	Apply(sameGrad{}, c, d).Sum().Backward()
	c.MulScalar(5).Sum().Backward()
	if c.Grad().Values()[0] != 7 || d.Grad().Values()[0] != 2 {
		t.Fatalf("c.grad %v (want 7), d.grad %v (want 2)", c.Grad().Values(), d.Grad().Values())
	}
}

// sameGrad is c + d with a backward that returns one tensor for both inputs.
type sameGrad struct{}

func (sameGrad) Name() string { return "SameGradBackward" }
func (sameGrad) Forward(_ *Context, in ...*Tensor) *Tensor {
	return in[0].Add(in[1])
}
func (sameGrad) Backward(_ *Context, g *Tensor) []*Tensor {
	two := g.MulScalar(2)
	return []*Tensor{two, two}
}

// The sum and mean of a 0-d tensor are new results recorded in the graph; the
// input stays a leaf (they used to return the input itself and give it a grad_fn).
func TestReduceScalarIsANewTensor(t *testing.T) {
	for _, op := range []struct {
		name string
		f    func(*Tensor) *Tensor
	}{{"SumBackward0", func(x *Tensor) *Tensor { return x.Sum() }}, {"MeanBackward0", func(x *Tensor) *Tensor { return x.Mean() }}} {
		x := Scalar(3).SetRequiresGrad(true)
		y := op.f(x)
		if y == x || !x.IsLeaf() || y.GradFn() == nil || y.GradFn().Name() != op.name {
			t.Fatalf("%s: y == x %v, x leaf %v, y.GradFn %v", op.name, y == x, x.IsLeaf(), y.GradFn())
		}
		y.MulScalar(2).Backward()
		if g := x.Grad().Item(); g != 2 || y.Item() != 3 {
			t.Errorf("%s: value %v, gradient %v, want 3 and 2", op.name, y.Item(), g)
		}
	}
}
