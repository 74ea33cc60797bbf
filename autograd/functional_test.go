package autograd_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/gograd/gograd/autograd"
	"github.com/gograd/gograd/tensor"
)

// The functions of testdata/gen_functional.py, which records PyTorch 1.13's
// torch.autograd.functional results for them in functional.json. plain and
// plainScalar do not map a leading batch dimension row by row (full sums, a dot
// product, a softmax over dim 0): Vectorize must not need it.
var functions = map[string]autograd.Func{
	"two_in_two_out": func(in ...*tensor.Tensor) []*tensor.Tensor {
		a, b := in[0], in[1]
		return []*tensor.Tensor{
			a.Mul(b.Unsqueeze(-2)).Sum(-1).Tanh(),
			a.Pow(2).Sum(-1).Add(b.Sigmoid().Sum(-1).Unsqueeze(-1)),
		}
	},
	"one_unused": func(in ...*tensor.Tensor) []*tensor.Tensor { return []*tensor.Tensor{in[0].Exp()} },
	"cube":       func(in ...*tensor.Tensor) []*tensor.Tensor { return []*tensor.Tensor{in[0].Pow(3).Mul(in[0].Sin())} },
	"scalar2": func(in ...*tensor.Tensor) []*tensor.Tensor {
		return []*tensor.Tensor{in[0].Pow(3).Sum(-1).Mul(in[1].Tanh().Sum(-1))}
	},
	"plain": func(in ...*tensor.Tensor) []*tensor.Tensor {
		a, b := in[0], in[1]
		return []*tensor.Tensor{b.MatMul(a).Softmax(0).Mul(tensor.Dot(a, a)).Add(b.Sum())}
	},
	"plain_scalar": func(in ...*tensor.Tensor) []*tensor.Tensor {
		a, b := in[0], in[1]
		return []*tensor.Tensor{tensor.Dot(a, a).Mul(b.Sum()).Add(b.MatMul(a).Tanh().Sum())}
	},
}

type functionalCase struct {
	Inputs       [][]float64   `json:"inputs"`
	InputShapes  [][]int       `json:"input_shapes"`
	OutputShapes [][]int       `json:"output_shapes"`
	Jacobian     [][][]float64 `json:"jacobian"`
	JacobianVec  [][][]float64 `json:"jacobian_vec"`
	Hessian      [][][]float64 `json:"hessian"`
	HessianVec   [][][]float64 `json:"hessian_vec"`
	VOut         [][]float64   `json:"v_out"`
	VIn          [][]float64   `json:"v_in"`
	VJP          [][]float64   `json:"vjp"`
	JVP          [][]float64   `json:"jvp"`
	VHP          [][]float64   `json:"vhp"`
	HVP          [][]float64   `json:"hvp"`
}

func loadFunctional(t *testing.T) (map[string]functionalCase, map[string]float64) {
	raw, err := os.ReadFile("testdata/functional.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases map[string]json.RawMessage `json:"cases"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	cases := make(map[string]functionalCase)
	var cubed map[string]float64
	for name, c := range g.Cases {
		if name == "x_cubed" {
			err = json.Unmarshal(c, &cubed)
		} else {
			var fc functionalCase
			err = json.Unmarshal(c, &fc)
			cases[name] = fc
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return cases, cubed
}

func tensors(vals [][]float64, shapes [][]int) []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(vals))
	for i, v := range vals {
		out[i] = tensor.New(v).Reshape(shapes[i]...)
	}
	return out
}

// tol: float64 results of the same formulas in another order of summation.
const tol = 1e-12

func near(got *tensor.Tensor, want []float64) error {
	g := got.Values()
	if len(g) != len(want) {
		return fmt.Errorf("%d values, want %d", len(g), len(want))
	}
	for i := range g {
		if math.Abs(g[i]-want[i]) > tol*(1+math.Abs(want[i])) {
			return fmt.Errorf("element %d: got %v, want %v", i, g[i], want[i])
		}
	}
	return nil
}

func checkAll(t *testing.T, what string, got []*tensor.Tensor, want [][]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d tensors, want %d", what, len(got), len(want))
	}
	for i := range got {
		if err := near(got[i], want[i]); err != nil {
			t.Errorf("%s[%d]: %v", what, i, err)
		}
		if got[i].RequiresGrad() {
			t.Errorf("%s[%d] requires grad without CreateGraph", what, i)
		}
	}
}

func TestFunctionalGolden(t *testing.T) {
	cases, _ := loadFunctional(t)
	for name, f := range functions {
		c, ok := cases[name]
		if !ok {
			t.Fatalf("no golden case %s", name)
		}
		t.Run(name, func(t *testing.T) {
			in := tensors(c.Inputs, c.InputShapes)
			for _, vec := range []bool{false, true} {
				want := c.Jacobian
				if vec {
					want = c.JacobianVec
				}
				jac := autograd.Jacobian(f, in, autograd.Options{Vectorize: vec})
				for i := range jac {
					for j := range jac[i] {
						wantShape := append(append([]int{}, c.OutputShapes[i]...), c.InputShapes[j]...)
						if !equalInts(jac[i][j].Shape(), wantShape) {
							t.Errorf("vectorize %v: jacobian[%d][%d] has shape %v, want %v", vec, i, j, jac[i][j].Shape(), wantShape)
						}
					}
					checkAll(t, fmt.Sprintf("vectorize %v: jacobian[%d]", vec, i), jac[i], want[i])
				}
			}
			_, vjp := autograd.VJP(f, in, tensors(c.VOut, c.OutputShapes))
			checkAll(t, "vjp", vjp, c.VJP)
			_, jvp := autograd.JVP(f, in, tensors(c.VIn, c.InputShapes))
			checkAll(t, "jvp", jvp, c.JVP)
			if c.Hessian == nil {
				return
			}
			for _, vec := range []bool{false, true} {
				want := c.Hessian
				if vec {
					want = c.HessianVec
				}
				h := autograd.Hessian(f, in, autograd.Options{Vectorize: vec})
				for i := range h {
					checkAll(t, fmt.Sprintf("vectorize %v: hessian[%d]", vec, i), h[i], want[i])
				}
			}
			_, vhp := autograd.VHP(f, in, tensors(c.VIn, c.InputShapes))
			checkAll(t, "vhp", vhp, c.VHP)
			_, hvp := autograd.HVP(f, in, tensors(c.VIn, c.InputShapes))
			checkAll(t, "hvp", hvp, c.HVP)
		})
	}
}

func equalInts(a, b []int) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

// TestThirdDerivative checks d/dx, d²/dx², d³/dx³ of x³ at 2 (12, 12, 6, by hand
// and from PyTorch in functional.json) through Grad with CreateGraph, through
// Hessian, and through the Jacobian of a Hessian made with CreateGraph.
func TestThirdDerivative(t *testing.T) {
	_, want := loadFunctional(t)
	x := tensor.Float64.Scalar(2).SetRequiresGrad(true)
	d1 := tensor.Grad([]*tensor.Tensor{x.Pow(3)}, []*tensor.Tensor{x}, tensor.GradOptions{CreateGraph: true})[0]
	d2 := tensor.Grad([]*tensor.Tensor{d1}, []*tensor.Tensor{x}, tensor.GradOptions{CreateGraph: true})[0]
	d3 := tensor.Grad([]*tensor.Tensor{d2}, []*tensor.Tensor{x})[0]
	for _, c := range []struct {
		name string
		got  float64
		want float64
	}{{"d1", d1.Item(), 12}, {"d2", d2.Item(), 12}, {"d3", d3.Item(), 6}} {
		if c.got != c.want || c.want != want[c.name] {
			t.Errorf("%s = %v, want %v (PyTorch %v)", c.name, c.got, c.want, want[c.name])
		}
	}
	cubeFn := autograd.Single(func(x *tensor.Tensor) *tensor.Tensor { return x.Pow(3) })
	for _, vec := range []bool{false, true} {
		h := autograd.Hessian(cubeFn, []*tensor.Tensor{x.Detach()}, autograd.Options{Vectorize: vec})[0][0]
		if h.Item() != 12 || want["hessian"] != 12 {
			t.Errorf("vectorize %v: Hessian = %v, want 12 (PyTorch %v)", vec, h.Item(), want["hessian"])
		}
	}
	hessianFn := autograd.Single(func(x *tensor.Tensor) *tensor.Tensor {
		return autograd.Hessian(cubeFn, []*tensor.Tensor{x}, autograd.Options{CreateGraph: true})[0][0]
	})
	if got := autograd.Jacobian(hessianFn, []*tensor.Tensor{x.Detach()})[0][0].Item(); got != 6 {
		t.Errorf("Jacobian of the Hessian = %v, want 6", got)
	}
}

func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	err := tensor.Maybe(f)
	var e *tensor.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want a *tensor.Error containing %q", err, want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
}

// TestStrict checks PyTorch's strict-mode errors and its zeros without strict.
func TestStrict(t *testing.T) {
	a, b := tensor.Float64.Ones(2), tensor.Float64.Ones(3)
	in := []*tensor.Tensor{a, b}
	f := functions["one_unused"]
	jac := autograd.Jacobian(f, in)
	if v := jac[0][1].Values(); len(v) != 6 || v[0] != 0 || v[5] != 0 {
		t.Errorf("Jacobian with respect to an unused input = %v, want zeros (2, 3)", jac[0][1])
	}
	mustPanic(t, "autograd: Jacobian: Output 0 of the user-provided function is independent of input 1. This is not allowed in strict mode.",
		func() { autograd.Jacobian(f, in, autograd.Options{Strict: true}) })
	mustPanic(t, "`strict=True` and `vectorized=True` are not supported together",
		func() { autograd.Jacobian(f, in, autograd.Options{Strict: true, Vectorize: true}) })
	mustPanic(t, "The output of the user-provided function is independent of input 1. This is not allowed in strict mode.",
		func() { autograd.VJP(f, in, []*tensor.Tensor{tensor.Float64.Ones(2)}, autograd.Options{Strict: true}) })
	constant := func(...*tensor.Tensor) []*tensor.Tensor { return []*tensor.Tensor{tensor.Float64.Ones(2)} }
	mustPanic(t, "Output 0 of the user-provided function does not require gradients.",
		func() { autograd.Jacobian(constant, in, autograd.Options{Strict: true}) })
	mustPanic(t, "The vector v can only be None if the output of the user-provided function is a single Tensor with a single element.",
		func() { autograd.VJP(f, in, nil) })
	mustPanic(t, "Mismatch in shape: entry 0 in v has a shape of [3]",
		func() { autograd.JVP(f, in, []*tensor.Tensor{b, b}) })
	mustPanic(t, "should return a single Tensor with a single element",
		func() { autograd.Hessian(f, in) })
	linear := func(in ...*tensor.Tensor) []*tensor.Tensor { return []*tensor.Tensor{in[0].Sum()} }
	mustPanic(t, "The hessian of the user-provided function with respect to input 0 is independent of the input.",
		func() { autograd.Hessian(linear, []*tensor.Tensor{a}, autograd.Options{Strict: true}) })
}

// TestCreateGraph checks that with CreateGraph the results can be differentiated
// again and that without it they are detached, as PyTorch's.
func TestCreateGraph(t *testing.T) {
	x := tensor.Float64.Full(2, 3).SetRequiresGrad(true)
	f := functions["cube"]
	_, vjp := autograd.VJP(f, []*tensor.Tensor{x}, []*tensor.Tensor{tensor.Float64.Ones(3)}, autograd.Options{CreateGraph: true})
	if !vjp[0].RequiresGrad() {
		t.Fatal("VJP with CreateGraph does not require grad")
	}
	// d/dx of d/dx (x³ sin x) summed: 6x sin x + 6x² cos x - x³ sin x at 2.
	g := tensor.Grad([]*tensor.Tensor{vjp[0].Sum()}, []*tensor.Tensor{x})[0]
	want := 12*math.Sin(2) + 24*math.Cos(2) - 8*math.Sin(2)
	for _, v := range g.Values() {
		if math.Abs(v-want) > 1e-12 {
			t.Errorf("second derivative through VJP = %v, want %v", v, want)
		}
	}
	for _, vec := range []bool{false, true} {
		jac := autograd.Jacobian(f, []*tensor.Tensor{x}, autograd.Options{CreateGraph: true, Vectorize: vec})[0][0]
		if !jac.RequiresGrad() {
			t.Fatalf("vectorize %v: Jacobian with CreateGraph does not require grad", vec)
		}
		g := tensor.Grad([]*tensor.Tensor{jac.Sum()}, []*tensor.Tensor{x})[0]
		for _, v := range g.Values() {
			if math.Abs(v-want) > 1e-12 {
				t.Errorf("vectorize %v: derivative of the Jacobian's diagonal = %v, want %v", vec, v, want)
			}
		}
	}
}
