package tensor

import (
	"math"
	"slices"
)

// Elementwise math beyond the core arithmetic of ops.go. Each op computes through
// float64 (mapF or pointwise) and records a derivative written with tensor ops.

// uses says which values of an elementwise op its derivative reads: the node
// saves them, so that backward fails, as PyTorch's, if one was modified in place.
type uses uint8

const (
	usesNone uses = 0
	usesIn   uses = 1 << iota // the input
	usesOut                   // the output
)

// unaryOp applies f elementwise and records name with the gradient grad(g, out),
// which reads the values reads names.
func (t *Tensor) unaryOp(reads uses, op, name string, f func(float64) float64, grad func(g, out *Tensor) *Tensor) *Tensor {
	nonNil(op, t)
	out := mapF(op, t, f)                           // mapF walks a strided t
	if n := record(name, out, false, t); n != nil { // n.save marks it saving
		if reads&usesIn != 0 {
			n.save(t)
		}
		if reads&usesOut != 0 {
			n.save(out)
		}
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = grad(g, out) }
	}
	return out
}

// Expm1 returns e^t - 1, accurate near 0 (Expm1Backward0).
func (t *Tensor) Expm1() *Tensor {
	return t.unaryOp(usesOut, "Expm1", "Expm1Backward0", math.Expm1, func(g, out *Tensor) *Tensor {
		return g.Mul(out.AddScalar(1)) // dt: grad (out + 1)
	})
}

// Log1p returns log(1 + t), accurate near 0 (Log1PBackward0, as PyTorch spells it).
func (t *Tensor) Log1p() *Tensor {
	return t.unaryOp(usesIn, "Log1p", "Log1PBackward0", math.Log1p, func(g, _ *Tensor) *Tensor {
		return g.Div(t.AddScalar(1)) // dt: grad / (1 + t)
	})
}

// Log2 returns the base-2 logarithm (Log2Backward0).
func (t *Tensor) Log2() *Tensor {
	return t.unaryOp(usesIn, "Log2", "Log2Backward0", math.Log2, func(g, _ *Tensor) *Tensor {
		return g.Div(t.MulScalar(math.Ln2)) // dt: grad / (t ln 2)
	})
}

// Log10 returns the base-10 logarithm (Log10Backward0).
func (t *Tensor) Log10() *Tensor {
	return t.unaryOp(usesIn, "Log10", "Log10Backward0", math.Log10, func(g, _ *Tensor) *Tensor {
		return g.Div(t.MulScalar(math.Ln10)) // dt: grad / (t ln 10)
	})
}

// Rsqrt returns 1 / sqrt(t) (RsqrtBackward0).
func (t *Tensor) Rsqrt() *Tensor {
	return t.unaryOp(usesOut, "Rsqrt", "RsqrtBackward0", func(v float64) float64 { return 1 / math.Sqrt(v) }, func(g, out *Tensor) *Tensor {
		return g.Mul(out.Pow(3)).MulScalar(-0.5) // dt: -grad out³ / 2
	})
}

// Square returns t², as PyTorch computes it: t.Pow(2) (PowBackward0).
func (t *Tensor) Square() *Tensor { return t.Pow(2) }

// Tan returns the tangent (TanBackward0).
func (t *Tensor) Tan() *Tensor {
	return t.unaryOp(usesOut, "Tan", "TanBackward0", math.Tan, func(g, out *Tensor) *Tensor {
		return g.Mul(out.Mul(out).AddScalar(1)) // dt: grad (1 + tan²)
	})
}

// Asin returns the arcsine (AsinBackward0); NaN outside [-1, 1].
func (t *Tensor) Asin() *Tensor {
	return t.unaryOp(usesIn, "Asin", "AsinBackward0", math.Asin, func(g, _ *Tensor) *Tensor {
		return g.Div(t.Mul(t).RSubScalar(1).Sqrt()) // dt: grad / sqrt(1 - t²)
	})
}

// Acos returns the arccosine (AcosBackward0); NaN outside [-1, 1].
func (t *Tensor) Acos() *Tensor {
	return t.unaryOp(usesIn, "Acos", "AcosBackward0", math.Acos, func(g, _ *Tensor) *Tensor {
		return g.Neg().Div(t.Mul(t).RSubScalar(1).Sqrt()) // dt: -grad / sqrt(1 - t²)
	})
}

// Atan returns the arctangent (AtanBackward0).
func (t *Tensor) Atan() *Tensor {
	return t.unaryOp(usesIn, "Atan", "AtanBackward0", math.Atan, func(g, _ *Tensor) *Tensor {
		return g.Div(t.Mul(t).AddScalar(1)) // dt: grad / (1 + t²)
	})
}

// Sinh returns the hyperbolic sine (SinhBackward0).
func (t *Tensor) Sinh() *Tensor {
	return t.unaryOp(usesIn, "Sinh", "SinhBackward0", math.Sinh, func(g, _ *Tensor) *Tensor {
		return g.Mul(t.Cosh()) // dt: grad cosh(t)
	})
}

// Cosh returns the hyperbolic cosine (CoshBackward0).
func (t *Tensor) Cosh() *Tensor {
	return t.unaryOp(usesIn, "Cosh", "CoshBackward0", math.Cosh, func(g, _ *Tensor) *Tensor {
		return g.Mul(t.Sinh()) // dt: grad sinh(t)
	})
}

// Asinh returns the inverse hyperbolic sine (AsinhBackward0).
func (t *Tensor) Asinh() *Tensor {
	return t.unaryOp(usesIn, "Asinh", "AsinhBackward0", math.Asinh, func(g, _ *Tensor) *Tensor {
		return g.Div(t.Mul(t).AddScalar(1).Sqrt()) // dt: grad / sqrt(t² + 1)
	})
}

// Erf returns the error function (ErfBackward0).
func (t *Tensor) Erf() *Tensor {
	return t.unaryOp(usesIn, "Erf", "ErfBackward0", math.Erf, func(g, _ *Tensor) *Tensor {
		return g.Mul(t.Mul(t).Neg().Exp()).MulScalar(2 / math.SqrtPi) // dt: grad 2/√π e^(-t²)
	})
}

// Erfc returns the complementary error function 1 - erf(t) (ErfcBackward0).
func (t *Tensor) Erfc() *Tensor {
	return t.unaryOp(usesIn, "Erfc", "ErfcBackward0", math.Erfc, func(g, _ *Tensor) *Tensor {
		return g.Mul(t.Mul(t).Neg().Exp()).MulScalar(-2 / math.SqrtPi) // dt: -grad 2/√π e^(-t²)
	})
}

// Erfinv returns the inverse error function (ErfinvBackward0); ±Inf at ±1, NaN
// outside [-1, 1].
func (t *Tensor) Erfinv() *Tensor {
	return t.unaryOp(usesOut, "Erfinv", "ErfinvBackward0", math.Erfinv, func(g, out *Tensor) *Tensor {
		return g.Mul(out.Mul(out).Exp()).MulScalar(math.SqrtPi / 2) // dt: grad √π/2 e^(out²)
	})
}

// zeroGrad is the gradient of piecewise-constant ops.
func zeroGrad(g, _ *Tensor) *Tensor { return ZerosLike(g) }

// Floor rounds down; its gradient is zero (FloorBackward0).
func (t *Tensor) Floor() *Tensor {
	return t.unaryOp(usesNone, "Floor", "FloorBackward0", math.Floor, zeroGrad)
}

// Ceil rounds up; its gradient is zero (CeilBackward0).
func (t *Tensor) Ceil() *Tensor {
	return t.unaryOp(usesNone, "Ceil", "CeilBackward0", math.Ceil, zeroGrad)
}

// Round rounds to the nearest integer, halves to even as PyTorch does; its
// gradient is zero (RoundBackward0).
func (t *Tensor) Round() *Tensor {
	return t.unaryOp(usesNone, "Round", "RoundBackward0", math.RoundToEven, zeroGrad)
}

// Trunc rounds toward zero; its gradient is zero (TruncBackward0).
func (t *Tensor) Trunc() *Tensor {
	return t.unaryOp(usesNone, "Trunc", "TruncBackward0", math.Trunc, zeroGrad)
}

// Frac returns the fractional part t - trunc(t), with t's sign (FracBackward0).
func (t *Tensor) Frac() *Tensor {
	return t.unaryOp(usesNone, "Frac", "FracBackward0", func(v float64) float64 { return v - math.Trunc(v) }, func(g, _ *Tensor) *Tensor {
		return g // dt: grad
	})
}

// NanToNum returns t with NaN replaced by nan, +Inf by posinf and -Inf by neginf,
// as torch.nan_to_num; posinf = +Inf and neginf = -Inf stand for the dtype's
// largest and smallest finite values (PyTorch's defaults). The gradient passes
// where t was finite (NanToNumBackward0).
func (t *Tensor) NanToNum(nan, posinf, neginf float64) *Tensor {
	t.wantFloat("NanToNum")
	big := math.MaxFloat64
	if t.dtype == Float32 {
		big = math.MaxFloat32
	}
	if math.IsInf(posinf, 1) {
		posinf = big
	}
	if math.IsInf(neginf, -1) {
		neginf = -big
	}
	return t.unaryOp(usesIn, "NanToNum", "NanToNumBackward0", func(v float64) float64 {
		switch {
		case v != v:
			return nan
		case math.IsInf(v, 1):
			return posinf
		case math.IsInf(v, -1):
			return neginf
		}
		return v
	}, func(g, _ *Tensor) *Tensor {
		return Where(t.Detach().IsFinite(), g, g.dtype.Scalar(0)) // dt: grad where t is finite
	})
}

// pointwise promotes xs to a common float dtype, broadcasts them and applies f to
// each position's values, returning the result and the promoted inputs (recorded
// conversions, so gradients return in each input's dtype).
func pointwise(op string, xs []*Tensor, f func(v []float64) float64) (*Tensor, []*Tensor) {
	nonNil(op, xs...)
	dt := ResultType(xs...)
	if !dt.IsFloat() {
		dt = Float32
	}
	shape := []int{}
	ps := make([]*Tensor, len(xs))
	for i, x := range xs {
		ps[i] = x.To(dt)
		if i == 0 {
			shape = x.shape
		} else {
			shape = broadcastShapes(op, shape, x.shape)
		}
	}
	out := uninit(dt, slices.Clone(shape))
	if dt == Float32 {
		pointwiseInto(out.f32, shape, ps, func(p *Tensor) []float32 { return p.f32 }, f)
	} else {
		pointwiseInto(out.f64, shape, ps, func(p *Tensor) []float64 { return p.f64 }, f)
	}
	return out, ps
}

// recordN records out as name with inputs ins, whose gradients grads computes
// (one per input; it may skip inputs that need none).
// save, when not nil, declares on the node the values grads reads (see Node.save).
func recordN(name string, out *Tensor, ins []*Tensor, save func(n *Node), grads func(g *Tensor, needs func(int) bool, gi []*Tensor)) *Tensor {
	if n := record(name, out, false, ins...); n != nil { // save, through n.save, marks it saving
		if save != nil {
			save(n)
		}
		n.backward = func(g *Tensor, gi []*Tensor) { grads(g, n.needs, gi) }
	}
	return out
}

// binaryOp is pointwise for two inputs, recorded with grads, which reads the values
// reads names (both inputs for usesIn); forOther saves them only for the second
// input's gradient, the first's being the upstream gradient itself.
func binaryOp(reads uses, forOther bool, op, name string, a, b *Tensor, f func(x, y float64) float64, grads func(g, a, b, out *Tensor, needs func(int) bool, gi []*Tensor)) *Tensor {
	out, ps := pointwise(op, []*Tensor{a, b}, func(v []float64) float64 { return f(v[0], v[1]) })
	save := func(n *Node) {
		if forOther && !n.needs(1) {
			return
		}
		if reads&usesIn != 0 {
			n.save(ps[0], ps[1])
		}
		if reads&usesOut != 0 {
			n.save(out)
		}
	}
	return recordN(name, out, ps, save, func(g *Tensor, needs func(int) bool, gi []*Tensor) { grads(g, ps[0], ps[1], out, needs, gi) })
}

// Atan2 returns the angle of the point (o, t), atan2(t, o), broadcasting
// (Atan2Backward0).
func (t *Tensor) Atan2(o *Tensor) *Tensor {
	return binaryOp(usesIn, false, "Atan2", "Atan2Backward0", t, o, math.Atan2, func(g, a, b, _ *Tensor, needs func(int) bool, gi []*Tensor) {
		r := a.Mul(a).Add(b.Mul(b))
		if needs(0) {
			gi[0] = g.Mul(b).Div(r) // dt: grad o / (t² + o²)
		}
		if needs(1) {
			gi[1] = g.Neg().Mul(a).Div(r) // do: -grad t / (t² + o²)
		}
	})
}

// Hypot returns sqrt(t² + o²), broadcasting (HypotBackward0).
func (t *Tensor) Hypot(o *Tensor) *Tensor {
	return binaryOp(usesIn|usesOut, false, "Hypot", "HypotBackward0", t, o, math.Hypot, func(g, a, b, out *Tensor, needs func(int) bool, gi []*Tensor) {
		if needs(0) {
			gi[0] = g.Mul(a).Div(out) // dt: grad t / out
		}
		if needs(1) {
			gi[1] = g.Mul(b).Div(out) // do: grad o / out
		}
	})
}

// Logaddexp returns log(e^t + e^o) computed stably, broadcasting
// (LogaddexpBackward0).
func (t *Tensor) Logaddexp(o *Tensor) *Tensor {
	return binaryOp(usesIn, false, "Logaddexp", "LogaddexpBackward0", t, o, func(x, y float64) float64 {
		if math.IsInf(x, 0) && x == y {
			return x
		}
		return max(x, y) + math.Log1p(math.Exp(-math.Abs(x-y)))
	}, func(g, a, b, _ *Tensor, needs func(int) bool, gi []*Tensor) {
		if needs(0) {
			gi[0] = g.Mul(a.Sub(b).Sigmoid()) // dt: grad σ(t - o)
		}
		if needs(1) {
			gi[1] = g.Mul(b.Sub(a).Sigmoid()) // do: grad σ(o - t)
		}
	})
}

// Xlogy returns t·log(o), taken as 0 where t is 0 unless o is NaN, broadcasting
// (XlogyBackward0).
func (t *Tensor) Xlogy(o *Tensor) *Tensor {
	return binaryOp(usesIn, false, "Xlogy", "XlogyBackward0", t, o, func(x, y float64) float64 {
		if x == 0 && y == y {
			return 0
		}
		return x * math.Log(y)
	}, func(g, a, b, _ *Tensor, needs func(int) bool, gi []*Tensor) {
		if needs(0) { // dt: xlogy(grad, o), 0 where t == 0 and o <= 0 (PyTorch 1.13's formula)
			gi[0] = g.Xlogy(b).MaskedFill(a.Detach().EqScalar(0).LogicalAnd(b.Detach().LeScalar(0)), 0)
		}
		if needs(1) {
			gi[1] = g.Mul(a).Div(b) // do: grad t / o
		}
	})
}

// Fmod returns the remainder of t / o with the sign of t (C's fmod), broadcasting
// (FmodBackward1). For two int64 tensors it is integer and not differentiable.
func (t *Tensor) Fmod(o *Tensor) *Tensor {
	if r := intRemainder("Fmod", t, o, false); r != nil {
		return r
	}
	return binaryOp(usesIn, true, "Fmod", "FmodBackward1", t, o, math.Mod, func(g, a, b, _ *Tensor, needs func(int) bool, gi []*Tensor) {
		gi[0] = g // dt: grad
		if needs(1) {
			gi[1] = g.Neg().Mul(a.Div(b).Trunc()) // do: -grad trunc(t / o)
		}
	})
}

// Remainder returns the remainder of t / o with the sign of o (Python's %),
// broadcasting (RemainderBackward1). For two int64 tensors it is integer.
func (t *Tensor) Remainder(o *Tensor) *Tensor {
	if r := intRemainder("Remainder", t, o, true); r != nil {
		return r
	}
	return binaryOp(usesIn, true, "Remainder", "RemainderBackward1", t, o, pyMod, func(g, a, b, _ *Tensor, needs func(int) bool, gi []*Tensor) {
		gi[0] = g // dt: grad
		if needs(1) {
			gi[1] = g.Neg().Mul(a.Div(b).Floor()) // do: -grad floor(t / o)
		}
	})
}

func pyMod(x, y float64) float64 {
	r := math.Mod(x, y)
	if r != 0 && (r < 0) != (y < 0) {
		r += y
	}
	return r
}

// intRemainder computes Fmod or (python) Remainder of two integer tensors, or
// returns nil when either is a float tensor.
func intRemainder(op string, a, b *Tensor, python bool) *Tensor {
	if a.dtype.IsFloat() || b.dtype.IsFloat() {
		return nil
	}
	a, b = a.To(Int64), b.To(Int64)
	shape := broadcastShapes(op, a.shape, b.shape)
	x, y := broadcastData(a, shape), broadcastData(b, shape)
	out := empty(Int64, shape)
	for i, u := range x.i64 {
		v := y.i64[i]
		if v == 0 {
			fail(op, "integer division by zero (shapes %v and %v)", a.shape, b.shape)
		}
		r := u % v
		if python && r != 0 && (r < 0) != (v < 0) {
			r += v
		}
		out.i64[i] = r
	}
	return out
}

// FmodScalar returns Fmod of t and s (FmodBackward0).
func (t *Tensor) FmodScalar(s float64) *Tensor {
	if !t.dtype.IsFloat() {
		return t.Fmod(scalarOperand(t, s))
	}
	return t.unaryOp(usesNone, "FmodScalar", "FmodBackward0", func(v float64) float64 { return math.Mod(v, s) }, func(g, _ *Tensor) *Tensor {
		return g // dt: grad
	})
}

// RemainderScalar returns Remainder of t and s, t % s in Python (RemainderBackward0).
func (t *Tensor) RemainderScalar(s float64) *Tensor {
	if !t.dtype.IsFloat() {
		return t.Remainder(scalarOperand(t, s))
	}
	return t.unaryOp(usesNone, "RemainderScalar", "RemainderBackward0", func(v float64) float64 { return pyMod(v, s) }, func(g, _ *Tensor) *Tensor {
		return g // dt: grad
	})
}

// Lerp returns t + weight·(end - t), broadcasting all three (torch.lerp with a
// tensor weight; LerpBackward1).
func (t *Tensor) Lerp(end, weight *Tensor) *Tensor {
	out, ps := pointwise("Lerp", []*Tensor{t, end, weight}, func(v []float64) float64 { return v[0] + v[2]*(v[1]-v[0]) })
	a, e, w := ps[0], ps[1], ps[2]
	return recordN("LerpBackward1", out, ps, func(n *Node) {
		if n.needs(0) || n.needs(1) {
			n.save(w)
		}
		n.saveFor(2, a)
		n.saveFor(2, e)
	}, func(g *Tensor, needs func(int) bool, gi []*Tensor) {
		if needs(0) {
			gi[0] = g.Mul(w.RSubScalar(1)) // dt: grad (1 - w)
		}
		if needs(1) {
			gi[1] = g.Mul(w) // dend: grad w
		}
		if needs(2) {
			gi[2] = g.Mul(e.Sub(a)) // dw: grad (end - t)
		}
	})
}

// LerpScalar returns t + weight·(end - t) for a number weight (LerpBackward0).
func (t *Tensor) LerpScalar(end *Tensor, weight float64) *Tensor {
	out, ps := pointwise("LerpScalar", []*Tensor{t, end}, func(v []float64) float64 { return v[0] + weight*(v[1]-v[0]) })
	return recordN("LerpBackward0", out, ps, nil, func(g *Tensor, needs func(int) bool, gi []*Tensor) {
		if needs(0) {
			gi[0] = g.MulScalar(1 - weight) // dt: grad (1 - w)
		}
		if needs(1) {
			gi[1] = g.MulScalar(weight) // dend: grad w
		}
	})
}

// Addcmul returns t + value·t1·t2, broadcasting (AddcmulBackward0).
func (t *Tensor) Addcmul(t1, t2 *Tensor, value float64) *Tensor {
	out, ps := pointwise("Addcmul", []*Tensor{t, t1, t2}, func(v []float64) float64 { return v[0] + value*v[1]*v[2] })
	return recordN("AddcmulBackward0", out, ps, func(n *Node) {
		n.saveFor(1, ps[2])
		n.saveFor(2, ps[1])
	}, func(g *Tensor, needs func(int) bool, gi []*Tensor) {
		gi[0] = g // dt: grad
		if needs(1) {
			gi[1] = g.Mul(ps[2]).MulScalar(value) // dt1: grad value t2
		}
		if needs(2) {
			gi[2] = g.Mul(ps[1]).MulScalar(value) // dt2: grad value t1
		}
	})
}

// Addcdiv returns t + value·t1/t2, broadcasting (AddcdivBackward0).
func (t *Tensor) Addcdiv(t1, t2 *Tensor, value float64) *Tensor {
	out, ps := pointwise("Addcdiv", []*Tensor{t, t1, t2}, func(v []float64) float64 { return v[0] + value*v[1]/v[2] })
	return recordN("AddcdivBackward0", out, ps, func(n *Node) {
		n.saveFor(1, ps[2])
		n.saveFor(2, ps[1])
		n.saveFor(2, ps[2])
	}, func(g *Tensor, needs func(int) bool, gi []*Tensor) {
		gi[0] = g // dt: grad
		if needs(1) {
			gi[1] = g.Div(ps[2]).MulScalar(value) // dt1: grad value / t2
		}
		if needs(2) {
			gi[2] = g.Mul(ps[1]).Div(ps[2].Mul(ps[2])).MulScalar(-value) // dt2: -grad value t1 / t2²
		}
	})
}
