package tensor

import (
	"slices"
	"strings"
	"testing"
)

// double_ doubles its input in place (MarkDirty); PyTorch's counterpart is in
// the comments of TestMarkDirty.
type double_ struct{}

func (double_) Name() string { return "Double_Backward" }
func (double_) Forward(ctx *Context, in ...*Tensor) *Tensor {
	in[0].MulScalar_(2)
	ctx.MarkDirty(in[0])
	return in[0]
}
func (double_) Backward(ctx *Context, g *Tensor) []*Tensor { return []*Tensor{g.MulScalar(2)} }

// TestMarkDirty against PyTorch 1.13 running the same Function (class Double_
// with x.mul_(2); ctx.mark_dirty(x)): the result is the input itself, its version
// went up by 2 (mul_ and mark_dirty), its grad_fn is the Function's node after
// MulBackward0, and for x = [1, 2], a = 3x, y = Double_(a), sum(y²) gives
// x.grad = [72, 144]. On a leaf that requires grad it is refused
// (testdata/custom_function_facts.py prints these facts).
func TestMarkDirty(t *testing.T) {
	x := New([]float64{1, 2}).SetRequiresGrad(true)
	a := x.MulScalar(3)
	v0 := a.version()
	y := Apply(double_{}, a)
	if y != a || a.version()-v0 != 2 || a.GradFn().Name() != "Double_Backward" ||
		a.GradFn().NextFunctions()[0].Name() != "MulBackward0" {
		t.Fatalf("result is input %v, version +%d, grad_fn %v after %v", y == a, a.version()-v0, a.GradFn(), a.GradFn().NextFunctions())
	}
	y.Mul(y).Sum().Backward()
	if !slices.Equal(x.Grad().Float64s(), []float64{72, 144}) {
		t.Fatalf("x.grad %v, PyTorch [72 144]", x.Grad())
	}
	e := mustPanic(t, func() { Apply(double_{}, x) })
	if !strings.Contains(e.Msg, "a leaf Variable that requires grad has been used in an in-place operation") {
		t.Fatalf("message %q", e.Msg)
	}
}

type greaterThanOne struct{}

func (greaterThanOne) Name() string { return "GreaterThanOneBackward" }
func (greaterThanOne) Forward(ctx *Context, in ...*Tensor) *Tensor {
	out := ZerosLike(in[0])
	for i, v := range in[0].Float64s() {
		if v > 1 {
			out.Float64s()[i] = 1
		}
	}
	ctx.MarkNonDifferentiable(out)
	return out
}
func (greaterThanOne) Backward(*Context, *Tensor) []*Tensor { return []*Tensor{nil} }

// TestMarkNonDifferentiable: as in PyTorch, the marked result does not require
// grad and has no grad_fn.
func TestMarkNonDifferentiable(t *testing.T) {
	x := New([]float64{1, 2}).SetRequiresGrad(true)
	r := Apply(greaterThanOne{}, x)
	if r.RequiresGrad() || r.GradFn() != nil || !slices.Equal(r.Float64s(), []float64{0, 1}) {
		t.Fatalf("result %v requires grad %v, grad_fn %v", r, r.RequiresGrad(), r.GradFn())
	}
}

type cube struct{}

func (cube) Name() string { return "CubeBackward" }
func (cube) Forward(ctx *Context, in ...*Tensor) *Tensor {
	ctx.SaveForBackward(in[0])
	return in[0].Mul(in[0]).Mul(in[0])
}
func (cube) Backward(ctx *Context, g *Tensor) []*Tensor {
	x := ctx.Saved()[0]
	return []*Tensor{g.Mul(x).Mul(x).MulScalar(3)}
}
func (cube) OnceDifferentiable() {}

// TestOnceDifferentiable against PyTorch 1.13 with @once_differentiable on the
// same Cube: the grad of sum(cube(x)²) with create_graph is 6x⁵ ([6, 192] at
// [1, 2], as PyTorch gives) and has grad_fn
// torch::autograd::Error; differentiating it again panics with PyTorch's message.
func TestOnceDifferentiable(t *testing.T) {
	x := New([]float64{1, 2}).SetRequiresGrad(true)
	c := Apply(cube{}, x)
	if c.GradFn().Name() != "CubeBackward" {
		t.Fatalf("grad_fn %v", c.GradFn())
	}
	g := Grad([]*Tensor{c.Mul(c).Sum()}, []*Tensor{x}, GradOptions{CreateGraph: true})[0]
	if !slices.Equal(g.Float64s(), []float64{6, 192}) || g.GradFn() == nil || g.GradFn().Name() != "torch::autograd::Error" {
		t.Fatalf("gradient %v with grad_fn %v", g, g.GradFn())
	}
	e := mustPanic(t, func() { g.Sum().Backward() })
	if !strings.Contains(e.Msg, "trying to differentiate twice a function that was marked with @once_differentiable") {
		t.Fatalf("message %q", e.Msg)
	}
	// Without CreateGraph it is an ordinary Function.
	if g := Grad([]*Tensor{Apply(cube{}, x).Sum()}, []*Tensor{x})[0]; !slices.Equal(g.Float64s(), []float64{3, 12}) {
		t.Fatalf("gradient %v, want 3x² = [3 12]", g)
	}
}
