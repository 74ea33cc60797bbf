package tensor

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
)

// sinCos is the MultiFunction of testdata/gen_multi_function.py: (x, w) ->
// (sin(x)·w, cos(x) + w, argmax of x, non-differentiable), recording the
// gradients its Backward receives.
type sinCos struct {
	materialize bool
	seen        [][]*Tensor
}

func (*sinCos) Name() string { return "SinCosBackward" }

func (f *sinCos) Forward(ctx *Context, in ...*Tensor) []*Tensor {
	ctx.SetMaterializeGrads(f.materialize)
	x, w := in[0], in[1]
	ctx.SaveForBackward(x, w)
	idx := x.Argmax(0).Reshape(1).To(Float64)
	ctx.MarkNonDifferentiable(idx)
	return []*Tensor{x.Sin().Mul(w), x.Cos().Add(w), idx}
}

func (f *sinCos) Backward(ctx *Context, g ...*Tensor) []*Tensor {
	s := ctx.Saved()
	x, w := s[0], s[1]
	if !IsGradEnabled() || len(f.seen) == 0 {
		f.seen = append(f.seen, slices.Clone(g))
	}
	gx, gw := ZerosLike(x), ZerosLike(w)
	if g[0] != nil {
		gx = gx.Add(g[0].Mul(x.Cos()).Mul(w))
		gw = gw.Add(g[0].Mul(x.Sin()))
	}
	if g[1] != nil {
		gx = gx.Sub(g[1].Mul(x.Sin()))
		gw = gw.Add(g[1])
	}
	return []*Tensor{gx, gw}
}

type multiFunctionGolden struct {
	X, W  []float64
	Cases map[string]struct {
		Seen            [][][]float64 `json:"seen"` // a null entry: None
		XGrad           []float64     `json:"x_grad"`
		WGrad           []float64     `json:"w_grad"`
		XGrad2          []float64     `json:"x_grad2"`
		WGrad2          []float64     `json:"w_grad2"`
		GradFn          string        `json:"grad_fn"`
		SameNode        bool          `json:"same_node"`
		IdxRequiresGrad bool          `json:"idx_requires_grad"`
		Next            []string      `json:"next"`
	}
}

// TestApplyMulti checks a MultiFunction against PyTorch 1.13 running the same
// Function (testdata/gen_multi_function.py), with SetMaterializeGrads on and
// off and losses that use one result or both: the gradients Backward receives
// (zeros or nil for an unused result and for the non-differentiable one), the
// inputs' gradients, one node named SinCosBackward for all results, whose
// NextFunctions are the inputs' AccumulateGrad nodes, and a second derivative
// through it (Grad with CreateGraph, then Backward).
func TestApplyMulti(t *testing.T) {
	raw, err := os.ReadFile("testdata/multi_function.json")
	if err != nil {
		t.Fatal(err)
	}
	var gold multiFunctionGolden
	if err := json.Unmarshal(raw, &gold); err != nil {
		t.Fatal(err)
	}
	losses := map[string]func(a, b *Tensor) *Tensor{
		"a":  func(a, b *Tensor) *Tensor { return a.MulScalar(3).Sum() },
		"b":  func(a, b *Tensor) *Tensor { return b.Mul(b).Sum() },
		"ab": func(a, b *Tensor) *Tensor { return a.Mul(b).Sum() },
	}
	if len(gold.Cases) != 2*len(losses) {
		t.Fatalf("%d golden cases, want %d", len(gold.Cases), 2*len(losses))
	}
	for name, want := range gold.Cases {
		mat := strings.HasPrefix(name, "materialize_")
		loss := losses[name[strings.Index(name, "_")+1:]]
		t.Run(name, func(t *testing.T) {
			f := &sinCos{materialize: mat}
			x, w := New(gold.X).SetRequiresGrad(true), New(gold.W).SetRequiresGrad(true)
			outs := ApplyMulti(f, x, w)
			a, b, idx := outs[0], outs[1], outs[2]
			if a.GradFn().Name() != want.GradFn || (a.GradFn() == b.GradFn()) != want.SameNode || idx.RequiresGrad() != want.IdxRequiresGrad {
				t.Errorf("GradFn %s, same node %v, idx requires grad %v; PyTorch %s, %v, %v",
					a.GradFn().Name(), a.GradFn() == b.GradFn(), idx.RequiresGrad(), want.GradFn, want.SameNode, want.IdxRequiresGrad)
			}
			var next []string
			for _, n := range a.GradFn().NextFunctions() {
				next = append(next, "torch::autograd::"+n.Name())
			}
			if !slices.Equal(next, want.Next) {
				t.Errorf("NextFunctions %v, PyTorch %v", next, want.Next)
			}
			loss(a, b).Backward()
			if len(f.seen) != 1 {
				t.Fatalf("Backward ran %d times, want once", len(f.seen))
			}
			for r, g := range f.seen[0] {
				w := want.Seen[0][r]
				if (g == nil) != (w == nil) {
					t.Fatalf("Backward got gradient %d = %v, PyTorch %v", r, g, w)
				}
				if g != nil {
					closeTo(t, "gradient of result", g.Values(), w)
				}
			}
			closeTo(t, "x.Grad", x.Grad().Values(), want.XGrad)
			closeTo(t, "w.Grad", w.Grad().Values(), want.WGrad)

			f = &sinCos{materialize: mat}
			x, w = New(gold.X).SetRequiresGrad(true), New(gold.W).SetRequiresGrad(true)
			outs = ApplyMulti(f, x, w)
			gx := Grad([]*Tensor{loss(outs[0], outs[1])}, []*Tensor{x}, GradOptions{CreateGraph: true})[0]
			gx.Sum().Backward()
			closeTo(t, "second derivative x.Grad", x.Grad().Values(), want.XGrad2)
			closeTo(t, "second derivative w.Grad", w.Grad().Values(), want.WGrad2)
		})
	}
}

func closeTo(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s has %d values, PyTorch %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-12*max(1, math.Abs(want[i])) {
			t.Fatalf("%s[%d] = %v, PyTorch %v", what, i, got[i], want[i])
		}
	}
}

// TestApplyMultiPerResult checks what each result of a MultiFunction has of
// its own: a tensor hook and RetainGrad see that result's gradient alone, Grad
// with respect to one result returns its gradient, and a pre-hook on the node
// sees every result's gradient (nil for the non-differentiable one); WriteGraph
// draws one node for all results.
func TestApplyMultiPerResult(t *testing.T) {
	x, w := New([]float64{0.5, 1.5, -1}).SetRequiresGrad(true), New([]float64{2, -0.5, 1.25}).SetRequiresGrad(true)
	f := &sinCos{materialize: false}
	outs := ApplyMulti(f, x, w)
	a, b := outs[0], outs[1]
	var hooked *Tensor
	h := b.RegisterHook(func(g *Tensor) *Tensor { hooked = g; return g.MulScalar(2) })
	a.RetainGrad()
	var pre []*Tensor
	a.GradFn().RegisterPrehook(func(g []*Tensor) []*Tensor { pre = g; return nil })
	a.MulScalar(3).Add(b).Sum().Backward(BackwardOptions{RetainGraph: true})
	if !slices.Equal(hooked.Values(), []float64{1, 1, 1}) {
		t.Errorf("b's hook saw %v, want ones", hooked)
	}
	if !slices.Equal(a.Grad().Values(), []float64{3, 3, 3}) {
		t.Errorf("a.Grad = %v, want threes", a.Grad())
	}
	if len(pre) != 3 || pre[2] != nil || !slices.Equal(pre[0].Values(), []float64{3, 3, 3}) || !slices.Equal(pre[1].Values(), []float64{2, 2, 2}) {
		t.Errorf("the node's pre-hook saw %v, want [3s, 2s (b's hook doubled), nil]", pre)
	}
	if got := f.seen[0][1].Values(); !slices.Equal(got, []float64{2, 2, 2}) {
		t.Errorf("Backward got %v for b, want the hook's twos", got)
	}
	var dot strings.Builder
	if err := WriteGraph(&dot, []*Tensor{a.Add(b)}, GraphOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(dot.String(), `label="SinCosBackward"`); n != 1 {
		t.Errorf("WriteGraph drew SinCosBackward %d times, want once:\n%s", n, dot.String())
	}
	h.Remove()
	gb := Grad([]*Tensor{a.Mul(b).Sum()}, []*Tensor{b})[0]
	if !slices.Equal(gb.Values(), a.Values()) {
		t.Errorf("Grad with respect to result b = %v, want a = %v", gb, a)
	}
}

// TestApplyMultiErrors checks ApplyMulti's refusals: no results, a nil
// result, and a dual input (a MultiFunction has no forward derivative).
func TestApplyMultiErrors(t *testing.T) {
	x := New([]float64{1, 2}).SetRequiresGrad(true)
	for _, c := range []struct {
		want string
		f    func()
	}{
		{"returned no results", func() { ApplyMulti(multiOf(func(*Tensor) []*Tensor { return nil }), x) }},
		{"nil result 1", func() { ApplyMulti(multiOf(func(x *Tensor) []*Tensor { return []*Tensor{x.Exp(), nil} }), x) }},
		{"no forward derivative", func() {
			DualLevel(func() {
				ApplyMulti(multiOf(func(x *Tensor) []*Tensor { return []*Tensor{x.Exp()} }), MakeDual(x.Detach(), OnesLike(x)))
			})
		}},
	} {
		if e := mustPanic(t, c.f); !strings.Contains(e.Error(), c.want) {
			t.Errorf("error %q does not say %q", e, c.want)
		}
	}
}

type multiOf func(x *Tensor) []*Tensor

func (multiOf) Name() string                                  { return "MultiOfBackward" }
func (f multiOf) Forward(_ *Context, in ...*Tensor) []*Tensor { return f(in[0]) }
func (multiOf) Backward(_ *Context, g ...*Tensor) []*Tensor   { return []*Tensor{g[0]} }
