package tensor_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gograd/gograd/autograd"
	"github.com/gograd/gograd/tensor"
)

// forwardCases are the functions of testdata/gen_forward_ad.py.
var forwardCases = map[string]func(x ...*Tensor) *Tensor{
	"elementwise": func(x ...*Tensor) *Tensor {
		a, b := x[0], x[1]
		return a.Mul(b).Exp().Sub(a.Tanh().Div(b.Pow(2).AddScalar(1))).Sigmoid().Add(a.Relu().Mul(b.Sin()))
	},
	"broadcast":  func(x ...*Tensor) *Tensor { return x[0].Add(x[1]).Cos().Mul(x[1].Sqrt()) },
	"reductions": func(x ...*Tensor) *Tensor { a := x[0]; return a.Sum(1).Mul(a.Mean()).Add(a.SumKeepDim(0).Sum()) },
	"shapes": func(x ...*Tensor) *Tensor {
		a := x[0]
		return a.Reshape(4, 3).T().Narrow(1, 1, 2).Unsqueeze(0).Expand(2, 3, 2).Mul(a.Transpose(0, 1).Narrow(0, 0, 3).Narrow(1, 0, 2))
	},
	"matmul":  func(x ...*Tensor) *Tensor { return tensor.MatMul(x[0], x[1]).Tanh().MatMul(x[1].T()) },
	"softmax": func(x ...*Tensor) *Tensor { return x[0].Softmax(1).Mul(x[0].LogSoftmax(0)) },
}

// forwardJVP returns f's output and its tangent at xs in direction ts, by forward
// mode.
func forwardJVP(f func(x ...*Tensor) *Tensor, xs, ts []*Tensor) (primal, tangent *Tensor) {
	tensor.DualLevel(func() {
		duals := make([]*Tensor, len(xs))
		for i := range xs {
			if ts[i] == nil {
				duals[i] = xs[i]
				continue
			}
			duals[i] = tensor.MakeDual(xs[i], ts[i])
		}
		primal, tangent = tensor.UnpackDual(f(duals...))
	})
	return primal, tangent
}

// TestForwardADGolden compares primals and tangents with PyTorch's forward_ad,
// and the tangents with reverse mode's JVP (autograd.JVP, the double backward
// trick over the whole graph).
func TestForwardADGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/forward_ad.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases map[string]struct {
			Inputs, Tangents [][]float64
			Shapes           [][]int
			Primal, Tangent  []float64
			OutShape         []int `json:"out_shape"`
		}
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	for name, f := range forwardCases {
		c, ok := g.Cases[name]
		if !ok {
			t.Fatalf("no golden case %s", name)
		}
		xs, ts := make([]*Tensor, len(c.Inputs)), make([]*Tensor, len(c.Inputs))
		for i := range xs {
			xs[i] = tensor.New(c.Inputs[i]).Reshape(c.Shapes[i]...)
			ts[i] = tensor.New(c.Tangents[i]).Reshape(c.Shapes[i]...)
		}
		p, tan := forwardJVP(f, xs, ts)
		if tan == nil {
			t.Fatalf("%s: no tangent", name)
		}
		if d := tolFloat64.mismatch(p.Values(), c.Primal); d != "" {
			t.Errorf("%s: primal %s", name, d)
		}
		if d := tolFloat64.mismatch(tan.Values(), c.Tangent); d != "" {
			t.Errorf("%s: tangent vs PyTorch: %s", name, d)
		}
		_, rev := autograd.JVP(func(x ...*Tensor) []*Tensor { return []*Tensor{f(x...)} }, xs, ts)
		if d := tolFloat64.mismatch(tan.Values(), rev[0].Values()); d != "" {
			t.Errorf("%s: forward vs reverse-mode JVP: %s", name, d)
		}
	}
}

// TestForwardADOpTable checks the forward derivative of every op-table row
// (float64, at the golden inputs, seeded random tangents for the float inputs)
// against central differences along the tangent, gradcheck's eps 1e-6, atol 1e-5
// and rtol 1e-3.
func TestForwardADOpTable(t *testing.T) {
	gen := tensor.NewGenerator(11)
	for _, row := range opTable {
		if row.kink || row.gradcheck != nil || row.nocheck != "" {
			// On a kink, needing looser options than gradcheck's defaults, or
			// excluded from gradcheck (mixed dtypes) for the reason the row gives.
			continue
		}
		t.Run(row.name, func(t *testing.T) {
			c := goldenFor(t, row.name)
			xs := c.inputs(tensor.Float64)
			ts := make([]*Tensor, len(xs))
			for i, x := range xs {
				if x.RequiresGrad() { // constants (int64 indices, "const" inputs) get no tangent
					ts[i] = gen.Normal(tensor.Float64.Zeros(x.Shape()...), 0, 1)
				}
			}
			if !slices.ContainsFunc(ts, func(t *Tensor) bool { return t != nil }) {
				return // no input that takes a tangent (creation ops, constants)
			}
			var p, tan *Tensor
			err := tensor.Maybe(func() { p, tan = forwardJVP(row.f, xs, ts) })
			if strings.HasSuffix(row.op, "_") { // in-place ops: a clear error, not a wrong tangent
				if !errors.Is(err, tensor.ErrNoForwardGrad) {
					t.Fatalf("in-place op on a dual: got %v, want ErrNoForwardGrad", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.DType() != tensor.Float64 {
				return // an integer or bool result has no tangent
			}
			if tan == nil {
				t.Fatal("no tangent")
			}
			const eps = 1e-6
			shifted := func(s float64) []float64 {
				ys := make([]*Tensor, len(xs))
				for i, x := range xs {
					ys[i] = x
					if ts[i] != nil {
						ys[i] = x.Add(ts[i].MulScalar(s))
					}
				}
				var out []float64
				tensor.NoGrad(func() { out = row.f(ys...).Values() })
				return out
			}
			hi, lo := shifted(eps), shifted(-eps)
			got := tan.Values()
			for i := range got {
				num := (hi[i] - lo[i]) / (2 * eps)
				if math.Abs(got[i]-num) > 1e-5+1e-3*math.Abs(num) {
					t.Fatalf("element %d: forward-mode tangent %v, central difference %v", i, got[i], num)
				}
			}
		})
	}
}

// rawSquare is a custom Function whose derivative is computed from raw values,
// not recorded ops: it has no forward-mode derivative.
type rawSquare struct{}

func (rawSquare) Name() string { return "RawSquareBackward" }
func (rawSquare) Forward(ctx *tensor.Context, x ...*Tensor) *Tensor {
	ctx.SaveForBackward(x[0])
	return x[0].Mul(x[0])
}
func (rawSquare) Backward(ctx *tensor.Context, g *Tensor) []*Tensor {
	x, gv := ctx.Saved()[0].Values(), g.Values()
	for i := range x {
		x[i] *= 2 * gv[i]
	}
	return []*Tensor{tensor.New(x).Reshape(g.Shape()...).To(g.DType())}
}

func TestForwardADErrors(t *testing.T) {
	x := tensor.Float64.Ones(3)
	err := tensor.Maybe(func() {
		forwardJVP(func(x ...*Tensor) *Tensor { return tensor.Apply(rawSquare{}, x[0]) }, []*Tensor{x}, []*Tensor{tensor.Float64.Ones(3)})
	})
	if !errors.Is(err, tensor.ErrNoForwardGrad) || err.Error() != "tensor: RawSquareBackward: trying to use forward AD with RawSquareBackward, "+
		"whose derivative is not built of recorded ops, so it has no forward-mode derivative (input 0, shape [3])" {
		t.Errorf("got %v, want ErrNoForwardGrad naming RawSquareBackward", err)
	}
	if err := tensor.Maybe(func() { tensor.MakeDual(x, x) }); err == nil {
		t.Error("MakeDual outside DualLevel did not panic")
	}
	tensor.DualLevel(func() {
		if err := tensor.Maybe(func() { tensor.MakeDual(x, tensor.Float64.Ones(2)) }); !errors.Is(err, tensor.ErrShape) {
			t.Errorf("MakeDual with a tangent of another shape: %v", err)
		}
	})
	// Tangents end with their level; reverse mode through a dual still works.
	var d *Tensor
	w := tensor.Float64.Full(2, 3).SetRequiresGrad(true)
	tensor.DualLevel(func() {
		d = tensor.MakeDual(w, tensor.Float64.Ones(3)).Pow(2)
		if _, tan := tensor.UnpackDual(d); tan == nil || tan.Values()[0] != 4 {
			t.Errorf("tangent of w² at 2 along 1 = %v, want 4", tan)
		}
	})
	if _, tan := tensor.UnpackDual(d); tan != nil {
		t.Error("a tangent outlived its dual level")
	}
	d.Sum().Backward()
	if w.Grad().Values()[0] != 4 {
		t.Errorf("reverse mode through a dual: grad %v, want 4", w.Grad())
	}
}

func ExampleMakeDual() {
	tensor.DualLevel(func() {
		x := tensor.MakeDual(tensor.Scalar(2), tensor.Scalar(1)) // x = 2, dx = 1
		y := x.Pow(3)                                            // dy = 3x² dx
		primal, tangent := tensor.UnpackDual(y)
		fmt.Println(primal.Item(), tangent.Item())
	})
	// Output: 8 12
}

// BenchmarkOpOverhead measures one recorded scalar op (with grad) and one
// unrecorded one, the cost forward mode's check in record adds to when no dual
// level is open.
func BenchmarkOpOverhead(b *testing.B) {
	for _, grad := range []bool{false, true} {
		b.Run(fmt.Sprintf("grad=%v", grad), func(b *testing.B) {
			x := tensor.Scalar(2).SetRequiresGrad(grad)
			y := tensor.Scalar(3)
			b.ReportAllocs()
			for b.Loop() {
				x.Mul(y)
			}
		})
	}
}

// TestForwardADStaysInItsGoroutine checks that ops run by a goroutine outside
// DualLevel do not carry the tangents of duals another goroutine made.
func TestForwardADStaysInItsGoroutine(t *testing.T) {
	tensor.DualLevel(func() {
		d := tensor.MakeDual(tensor.Float64.Full(2, 3), tensor.Float64.Ones(3))
		done := make(chan *Tensor)
		go func() { done <- d.Mul(d) }()
		if _, tan := tensor.UnpackDual(<-done); tan != nil {
			t.Errorf("an op in a goroutine outside DualLevel gave its result the tangent %v", tan)
		}
		if _, tan := tensor.UnpackDual(d.Mul(d)); tan == nil {
			t.Error("the level's own goroutine lost the tangent")
		}
	})
}
