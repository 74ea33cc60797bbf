package tensor

import (
	"math"
	"slices"

	"github.com/gograd/gograd/internal/vec"
)

// Elementwise math beyond the core arithmetic of ops.go. Each op computes through
// float64 (mapF or pointwise) and records its op table entry, declared beside it
// with a derivative written with tensor ops.

// The save rules of one-input elementwise ops: the input, or the result.
var (
	savesIn  = []saveRule{{0, always}}
	savesOut = []saveRule{{output, always}}
)

// unaryOp applies f elementwise and records d, whose derivative may read the
// number arg (an op's one parameter) or, for several, params (b.params).
func (t *Tensor) unaryOp(d *opDef, op string, f func(float64) float64, arg float64, params ...float64) *Tensor {
	nonNil(op, t)
	return t.recordUnary(d, mapF(op, t, f), arg, params) // mapF walks a strided t
}

// unaryOpP is unaryOp for an op with number parameters that has a typed kernel
// (paramK's case k with parameters p); f computes the same in float64.
func (t *Tensor) unaryOpP(d *opDef, op string, k paramOp, p [3]float64, f func(float64) float64, arg float64, params ...float64) *Tensor {
	nonNil(op, t)
	return t.recordUnary(d, mapP(op, t, k, p, f), arg, params)
}

// recordUnary records out, the result of d on t, with arg and params.
func (t *Tensor) recordUnary(d *opDef, out *Tensor, arg float64, params []float64) *Tensor {
	if len(params) == 0 {
		return d.record(out, arg, t)
	}
	if tracked(t) {
		d.recordWith(out, arg, params, nil, t)
	}
	return out
}

// params returns the numbers an op recorded with unaryOp's params.
func (b bwd) params() []float64 { return b.aux().([]float64) }

// unaryGrad sets d's derivative: gi[0] = grad(b).
func unaryGrad(d *opDef, grad func(b bwd) *Tensor) { d.grad = func(b bwd) { b.gi[0] = grad(b) } }

var (
	expm1Def  = &opDef{name: "Expm1Backward0", save: savesOut}
	log1pDef  = &opDef{name: "Log1PBackward0", save: savesIn} // as PyTorch spells it
	log2Def   = &opDef{name: "Log2Backward0", save: savesIn}
	log10Def  = &opDef{name: "Log10Backward0", save: savesIn}
	rsqrtDef  = &opDef{name: "RsqrtBackward0", save: savesOut}
	tanDef    = &opDef{name: "TanBackward0", save: savesOut}
	asinDef   = &opDef{name: "AsinBackward0", save: savesIn}
	acosDef   = &opDef{name: "AcosBackward0", save: savesIn}
	atanDef   = &opDef{name: "AtanBackward0", save: savesIn}
	sinhDef   = &opDef{name: "SinhBackward0", save: savesIn}
	coshDef   = &opDef{name: "CoshBackward0", save: savesIn}
	asinhDef  = &opDef{name: "AsinhBackward0", save: savesIn}
	erfDef    = &opDef{name: "ErfBackward0", save: savesIn}
	erfcDef   = &opDef{name: "ErfcBackward0", save: savesIn}
	erfinvDef = &opDef{name: "ErfinvBackward0", save: savesOut}
)

func init() {
	unaryGrad(expm1Def, func(b bwd) *Tensor { return b.g.Mul(b.out().AddScalar(1)) })                             // dt: grad (out + 1)
	unaryGrad(log1pDef, func(b bwd) *Tensor { return b.g.Div(b.in(0).AddScalar(1)) })                             // dt: grad / (1 + t)
	unaryGrad(log2Def, func(b bwd) *Tensor { return b.g.Div(b.in(0).MulScalar(math.Ln2)) })                       // dt: grad / (t ln 2)
	unaryGrad(log10Def, func(b bwd) *Tensor { return b.g.Div(b.in(0).MulScalar(math.Ln10)) })                     // dt: grad / (t ln 10)
	unaryGrad(rsqrtDef, func(b bwd) *Tensor { return b.g.Mul(b.out().Pow(3)).MulScalar(-0.5) })                   // dt: -grad out³ / 2
	unaryGrad(tanDef, func(b bwd) *Tensor { o := b.out(); return b.g.Mul(o.Mul(o).AddScalar(1)) })                // dt: grad (1 + tan²)
	unaryGrad(asinDef, func(b bwd) *Tensor { t := b.in(0); return b.g.Div(t.Mul(t).RSubScalar(1).Sqrt()) })       // dt: grad / sqrt(1 - t²)
	unaryGrad(acosDef, func(b bwd) *Tensor { t := b.in(0); return b.g.Neg().Div(t.Mul(t).RSubScalar(1).Sqrt()) }) // dt: -grad / sqrt(1 - t²)
	unaryGrad(atanDef, func(b bwd) *Tensor { t := b.in(0); return b.g.Div(t.Mul(t).AddScalar(1)) })               // dt: grad / (1 + t²)
	unaryGrad(sinhDef, func(b bwd) *Tensor { return b.g.Mul(b.in(0).Cosh()) })                                    // dt: grad cosh(t)
	unaryGrad(coshDef, func(b bwd) *Tensor { return b.g.Mul(b.in(0).Sinh()) })                                    // dt: grad sinh(t)
	unaryGrad(asinhDef, func(b bwd) *Tensor { t := b.in(0); return b.g.Div(t.Mul(t).AddScalar(1).Sqrt()) })       // dt: grad / sqrt(t² + 1)
	unaryGrad(erfDef, func(b bwd) *Tensor {                                                                       // dt: grad 2/√π e^(-t²)
		t := b.in(0)
		return b.g.Mul(t.Mul(t).Neg().Exp()).MulScalar(2 / math.SqrtPi)
	})
	unaryGrad(erfcDef, func(b bwd) *Tensor { // dt: -grad 2/√π e^(-t²)
		t := b.in(0)
		return b.g.Mul(t.Mul(t).Neg().Exp()).MulScalar(-2 / math.SqrtPi)
	})
	unaryGrad(erfinvDef, func(b bwd) *Tensor { // dt: grad √π/2 e^(out²)
		o := b.out()
		return b.g.Mul(o.Mul(o).Exp()).MulScalar(math.SqrtPi / 2)
	})
}

// Expm1 returns e^t - 1, accurate near 0 (Expm1Backward0).
func (t *Tensor) Expm1() *Tensor { return t.unaryOp(expm1Def, "Expm1", math.Expm1, 0) }

// Log1p returns log(1 + t), accurate near 0 (Log1PBackward0, as PyTorch spells it).
func (t *Tensor) Log1p() *Tensor { return t.unaryOp(log1pDef, "Log1p", math.Log1p, 0) }

// Log2 returns the base-2 logarithm (Log2Backward0).
func (t *Tensor) Log2() *Tensor { return t.unaryOp(log2Def, "Log2", math.Log2, 0) }

// Log10 returns the base-10 logarithm (Log10Backward0).
func (t *Tensor) Log10() *Tensor { return t.unaryOp(log10Def, "Log10", math.Log10, 0) }

// Rsqrt returns 1 / sqrt(t) (RsqrtBackward0).
func (t *Tensor) Rsqrt() *Tensor {
	return t.unaryOp(rsqrtDef, "Rsqrt", func(v float64) float64 { return 1 / math.Sqrt(v) }, 0)
}

// Square returns t², as PyTorch computes it: t.Pow(2) (PowBackward0).
func (t *Tensor) Square() *Tensor { return t.Pow(2) }

// Tan returns the tangent (TanBackward0).
func (t *Tensor) Tan() *Tensor { return t.unaryOp(tanDef, "Tan", math.Tan, 0) }

// Asin returns the arcsine (AsinBackward0); NaN outside [-1, 1].
func (t *Tensor) Asin() *Tensor { return t.unaryOp(asinDef, "Asin", math.Asin, 0) }

// Acos returns the arccosine (AcosBackward0); NaN outside [-1, 1].
func (t *Tensor) Acos() *Tensor { return t.unaryOp(acosDef, "Acos", math.Acos, 0) }

// Atan returns the arctangent (AtanBackward0).
func (t *Tensor) Atan() *Tensor { return t.unaryOp(atanDef, "Atan", math.Atan, 0) }

// Sinh returns the hyperbolic sine (SinhBackward0).
func (t *Tensor) Sinh() *Tensor { return t.unaryOp(sinhDef, "Sinh", math.Sinh, 0) }

// Cosh returns the hyperbolic cosine (CoshBackward0).
func (t *Tensor) Cosh() *Tensor { return t.unaryOp(coshDef, "Cosh", math.Cosh, 0) }

// Asinh returns the inverse hyperbolic sine (AsinhBackward0).
func (t *Tensor) Asinh() *Tensor { return t.unaryOp(asinhDef, "Asinh", math.Asinh, 0) }

// Erf returns the error function (ErfBackward0).
func (t *Tensor) Erf() *Tensor { return t.unaryOp(erfDef, "Erf", math.Erf, 0) }

// Erfc returns the complementary error function 1 - erf(t) (ErfcBackward0).
func (t *Tensor) Erfc() *Tensor { return t.unaryOp(erfcDef, "Erfc", math.Erfc, 0) }

// Erfinv returns the inverse error function (ErfinvBackward0); ±Inf at ±1, NaN
// outside [-1, 1].
func (t *Tensor) Erfinv() *Tensor { return t.unaryOp(erfinvDef, "Erfinv", math.Erfinv, 0) }

// The piecewise-constant ops' entries save nothing: their gradient is zero.
// Frac's, and the scalar Fmod's and Remainder's, pass the gradient through.
var (
	floorDef      = &opDef{name: "FloorBackward0"}
	ceilDef       = &opDef{name: "CeilBackward0"}
	roundDef      = &opDef{name: "RoundBackward0"}
	truncDef      = &opDef{name: "TruncBackward0"}
	fracDef       = &opDef{name: "FracBackward0"}
	fmodSDef      = &opDef{name: "FmodBackward0"}
	remainderSDef = &opDef{name: "RemainderBackward0"}
)

func init() {
	for _, d := range []*opDef{floorDef, ceilDef, roundDef, truncDef} {
		unaryGrad(d, func(b bwd) *Tensor { return ZerosLike(b.g) }) // dt: 0
	}
	for _, d := range []*opDef{fracDef, fmodSDef, remainderSDef} {
		d.grad = passGrad // dt: grad
	}
}

// Floor rounds down; its gradient is zero (FloorBackward0). Floor, Ceil, Round
// and Trunc return a copy of an int64 t, and panic on a bool one, as PyTorch.
func (t *Tensor) Floor() *Tensor { return t.rounding(floorDef, "Floor", math.Floor) }

// Ceil rounds up; its gradient is zero (CeilBackward0).
func (t *Tensor) Ceil() *Tensor { return t.rounding(ceilDef, "Ceil", math.Ceil) }

// Round rounds to the nearest integer, halves to even as PyTorch does; its
// gradient is zero (RoundBackward0).
func (t *Tensor) Round() *Tensor { return t.rounding(roundDef, "Round", math.RoundToEven) }

// Trunc rounds toward zero; its gradient is zero (TruncBackward0).
func (t *Tensor) Trunc() *Tensor { return t.rounding(truncDef, "Trunc", math.Trunc) }

// rounding is Floor, Ceil, Round or Trunc (d, op, f): the identity on integers.
func (t *Tensor) rounding(d *opDef, op string, f func(float64) float64) *Tensor {
	if nonNil(op, t); !t.dtype.IsFloat() {
		t.wantNotBool(op)
		return intMap(t, Int64, func(v int64) int64 { return v })
	}
	return t.unaryOp(d, op, f, 0)
}

// Frac returns the fractional part t - trunc(t), with t's sign (FracBackward0).
func (t *Tensor) Frac() *Tensor {
	return t.unaryOp(fracDef, "Frac", func(v float64) float64 { return v - math.Trunc(v) }, 0)
}

var nanToNumDef = &opDef{name: "NanToNumBackward0", save: savesIn}

func init() {
	unaryGrad(nanToNumDef, func(b bwd) *Tensor { // dt: grad where t is finite
		return Where(b.in(0).detached().IsFinite(), b.g, b.g.dtype.Scalar(0))
	})
}

// NanToNum returns t with NaN replaced by nan, +Inf by posinf and -Inf by neginf,
// as torch.nan_to_num; posinf = +Inf and neginf = -Inf stand for the dtype's
// largest and smallest finite values (PyTorch's defaults). The gradient passes
// where t was finite (NanToNumBackward0).
func (t *Tensor) NanToNum(nan, posinf, neginf float64) *Tensor {
	if nonNil("NanToNum", t); !t.dtype.IsFloat() { // integers have no NaN nor Inf
		return intMap(t, t.dtype, func(v int64) int64 { return v })
	}
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
	return t.unaryOpP(nanToNumDef, "NanToNum", pNanToNum, [3]float64{nan, posinf, neginf}, func(v float64) float64 {
		switch {
		case v != v:
			return nan
		case math.IsInf(v, 1):
			return posinf
		case math.IsInf(v, -1):
			return neginf
		}
		return v
	}, 0)
}

// pointwise promotes xs (two or three tensors) to a common float dtype,
// broadcasts them and applies the pointwise op code, with parameter p, to each
// position's values, returning the result and the promoted inputs (recorded
// conversions, so gradients return in each input's dtype).
func pointwise(op string, code pwOp, p float64, xs []*Tensor) (*Tensor, []*Tensor) {
	nonNil(op, xs...)
	dt := ResultType(xs...)
	if !dt.IsFloat() {
		if !pwFloatFuncs[code] {
			var dts []DType
			for _, x := range xs {
				dts = append(dts, x.dtype)
			}
			failKind(ErrDType, op, "op is not implemented for dtypes %v (shape %v)", dts, xs[0].shape)
		}
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
		pointwiseInto(code, p, out.f32, shape, ps, func(p *Tensor) []float32 { return p.f32 })
	} else {
		pointwiseInto(code, p, out.f64, shape, ps, func(p *Tensor) []float64 { return p.f64 })
	}
	return out, ps
}

// pwOp names a pointwise op of two or three inputs (pwRow's cases).
type pwOp uint8

const (
	pwAtan2 pwOp = iota
	pwHypot
	pwLogaddexp
	pwXlogy
	pwFmod
	pwRemainder
	pwLerp       // t + w (end - t)
	pwLerpScalar // t + p (end - t)
	pwAddcmul    // t + p t1 t2
	pwAddcdiv    // t + p t1 / t2
)

// pwFloatFuncs are the pointwise ops that PyTorch computes in float32 when
// every input is int64 or bool; it refuses the others (Hypot, Logaddexp, Lerp,
// Addcdiv) on integers. Fmod and Remainder of integers never reach pointwise,
// and Addcmul of integers is integer (see Addcmul).
var pwFloatFuncs = map[pwOp]bool{pwAtan2: true, pwXlogy: true}

// pointwiseInto computes dst = op(x₀, x₁[, x₂]) with parameter p for the
// contiguous dst of the given shape and inputs xs of dst's dtype that broadcast
// to it, walking each input by its strides (0 along broadcast dims): nothing is
// materialised, and no function is called through a value per element.
func pointwiseInto[T vec.Float](op pwOp, p float64, dst []T, shape []int, xs []*Tensor, data func(*Tensor) []T) {
	var src [3][]T
	for i, x := range xs {
		src[i] = data(x)
	}
	broadcastRows(shape, xs, func(d int, o []int, n int, s []int) {
		var off, st [3]int
		copy(off[:], o)
		copy(st[:], s)
		pwRow(op, p, dst[d:d+n], &src, off, st)
	})
}

// pwRow sets r[i] to op of the inputs' elements src[j][off[j]+i·st[j]],
// computed in float64 as the ops define them.
func pwRow[T vec.Float](op pwOp, p float64, r []T, src *[3][]T, off, st [3]int) {
	x, y, z := src[0], src[1], src[2]
	for i := range r {
		a, b, c := float64(x[off[0]+i*st[0]]), float64(y[off[1]+i*st[1]]), 0.0
		if z != nil {
			c = float64(z[off[2]+i*st[2]])
		}
		var v float64
		switch op {
		case pwAtan2:
			v = math.Atan2(a, b)
		case pwHypot:
			v = math.Hypot(a, b)
		case pwLogaddexp:
			if math.IsInf(a, 0) && a == b {
				v = a
			} else {
				v = max(a, b) + math.Log1p(math.Exp(-math.Abs(a-b)))
			}
		case pwXlogy: // 0 where t is 0 unless o is NaN
			if a == 0 && b == b {
				v = 0
			} else {
				v = a * math.Log(b)
			}
		case pwFmod:
			v = math.Mod(a, b)
		case pwRemainder:
			v = pyMod(a, b)
		case pwLerp:
			v = a + c*(b-a)
		case pwLerpScalar:
			v = a + p*(b-a)
		case pwAddcmul:
			v = a + p*b*c
		case pwAddcdiv:
			v = a + p*b/c
		}
		r[i] = T(v)
	}
}

// The save rules of two-input elementwise ops: both inputs, or both for the
// second input's gradient only (the first's being the upstream gradient).
var (
	savesBoth     = []saveRule{{0, always}, {1, always}}
	savesForOther = []saveRule{{0, 1}, {1, 1}}
)

// binaryOp is pointwise for two inputs, recorded as d on the promoted inputs.
func binaryOp(d *opDef, op string, code pwOp, a, b *Tensor) *Tensor {
	out, ps := pointwise(op, code, 0, []*Tensor{a, b})
	return d.record(out, 0, ps...)
}

var (
	atan2Def     = &opDef{name: "Atan2Backward0", save: savesBoth}
	hypotDef     = &opDef{name: "HypotBackward0", save: append(slices.Clip(savesBoth), saveRule{output, always})}
	logaddexpDef = &opDef{name: "LogaddexpBackward0", save: savesBoth}
	xlogyDef     = &opDef{name: "XlogyBackward0", save: savesBoth}
	fmodDef      = &opDef{name: "FmodBackward1", save: savesForOther}
	remainderDef = &opDef{name: "RemainderBackward1", save: savesForOther}
)

func init() {
	atan2Def.grad = func(b bwd) {
		x, y := b.in(0), b.in(1)
		r := x.Mul(x).Add(y.Mul(y))
		if b.needs(0) {
			b.gi[0] = b.g.Mul(y).Div(r) // dt: grad o / (t² + o²)
		}
		if b.needs(1) {
			b.gi[1] = b.g.Neg().Mul(x).Div(r) // do: -grad t / (t² + o²)
		}
	}
	hypotDef.grad = func(b bwd) {
		if b.needs(0) {
			b.gi[0] = b.g.Mul(b.in(0)).Div(b.out()) // dt: grad t / out
		}
		if b.needs(1) {
			b.gi[1] = b.g.Mul(b.in(1)).Div(b.out()) // do: grad o / out
		}
	}
	logaddexpDef.grad = func(b bwd) {
		x, y := b.in(0), b.in(1)
		if b.needs(0) {
			b.gi[0] = b.g.Mul(x.Sub(y).Sigmoid()) // dt: grad σ(t - o)
		}
		if b.needs(1) {
			b.gi[1] = b.g.Mul(y.Sub(x).Sigmoid()) // do: grad σ(o - t)
		}
	}
	xlogyDef.grad = func(b bwd) {
		x, y := b.in(0), b.in(1)
		if b.needs(0) { // dt: xlogy(grad, o), 0 where t == 0 and o <= 0 (PyTorch 1.13's formula)
			b.gi[0] = b.g.Xlogy(y).MaskedFill(x.detached().EqScalar(0).LogicalAnd(y.detached().LeScalar(0)), 0)
		}
		if b.needs(1) {
			b.gi[1] = b.g.Mul(x).Div(y) // do: grad t / o
		}
	}
	fmodDef.grad = func(b bwd) {
		b.gi[0] = b.g // dt: grad
		if b.needs(1) {
			b.gi[1] = b.g.Neg().Mul(b.in(0).Div(b.in(1)).Trunc()) // do: -grad trunc(t / o)
		}
	}
	remainderDef.grad = func(b bwd) {
		b.gi[0] = b.g // dt: grad
		if b.needs(1) {
			b.gi[1] = b.g.Neg().Mul(b.in(0).Div(b.in(1)).Floor()) // do: -grad floor(t / o)
		}
	}
}

// Atan2 returns the angle of the point (o, t), atan2(t, o), broadcasting
// (Atan2Backward0).
func (t *Tensor) Atan2(o *Tensor) *Tensor { return binaryOp(atan2Def, "Atan2", pwAtan2, t, o) }

// Hypot returns sqrt(t² + o²), broadcasting (HypotBackward0).
func (t *Tensor) Hypot(o *Tensor) *Tensor { return binaryOp(hypotDef, "Hypot", pwHypot, t, o) }

// Logaddexp returns log(e^t + e^o) computed stably, broadcasting
// (LogaddexpBackward0).
func (t *Tensor) Logaddexp(o *Tensor) *Tensor {
	return binaryOp(logaddexpDef, "Logaddexp", pwLogaddexp, t, o)
}

// Xlogy returns t·log(o), taken as 0 where t is 0 unless o is NaN, broadcasting
// (XlogyBackward0).
func (t *Tensor) Xlogy(o *Tensor) *Tensor {
	return binaryOp(xlogyDef, "Xlogy", pwXlogy, t, o)
}

// Fmod returns the remainder of t / o with the sign of t (C's fmod), broadcasting
// (FmodBackward1). For two int64 tensors it is integer and not differentiable.
func (t *Tensor) Fmod(o *Tensor) *Tensor {
	if r := intRemainder("Fmod", t, o, false); r != nil {
		return r
	}
	return binaryOp(fmodDef, "Fmod", pwFmod, t, o)
}

// Remainder returns the remainder of t / o with the sign of o (Python's %),
// broadcasting (RemainderBackward1). For two int64 tensors it is integer.
func (t *Tensor) Remainder(o *Tensor) *Tensor {
	if r := intRemainder("Remainder", t, o, true); r != nil {
		return r
	}
	return binaryOp(remainderDef, "Remainder", pwRemainder, t, o)
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
	if a.dtype == Bool && b.dtype == Bool {
		failKind(ErrDType, op, "op is not implemented for dtype bool (shapes %v and %v)", a.shape, b.shape)
	}
	a0, b0 := a.dtype, b.dtype
	a, b = a.To(Int64), b.To(Int64)
	shape := broadcastShapes(op, a.shape, b.shape)
	out := empty(Int64, shape)
	broadcastRows(shape, []*Tensor{a, b}, func(d int, o []int, n int, s []int) {
		for i := range n {
			u, v := a.i64[o[0]+i*s[0]], b.i64[o[1]+i*s[1]]
			if v == 0 {
				fail(op, "integer division by zero (dtypes %v and %v, shapes %v and %v)", a0, b0, a.shape, b.shape)
			}
			r := u % v
			if python && r != 0 && (r < 0) != (v < 0) {
				r += v
			}
			out.i64[d+i] = r
		}
	})
	return out
}

// FmodScalar returns Fmod of t and s (FmodBackward0).
func (t *Tensor) FmodScalar(s float64) *Tensor {
	if !t.dtype.IsFloat() {
		return t.Fmod(scalarOperand(t, s))
	}
	return t.unaryOpP(fmodSDef, "FmodScalar", pFmod, [3]float64{s}, func(v float64) float64 { return math.Mod(v, s) }, 0)
}

// RemainderScalar returns Remainder of t and s, t % s in Python (RemainderBackward0).
func (t *Tensor) RemainderScalar(s float64) *Tensor {
	if !t.dtype.IsFloat() {
		return t.Remainder(scalarOperand(t, s))
	}
	return t.unaryOpP(remainderSDef, "RemainderScalar", pRemainder, [3]float64{s}, func(v float64) float64 { return pyMod(v, s) }, 0)
}

// The entries of Lerp, Addcmul and Addcdiv, recorded on the promoted inputs; arg
// is the number weight or value.
var (
	lerpDef    = &opDef{name: "LerpBackward1", save: []saveRule{{2, 0}, {2, 1}, {0, 2}, {1, 2}}}
	lerpSDef   = &opDef{name: "LerpBackward0"}
	addcmulDef = &opDef{name: "AddcmulBackward0", save: []saveRule{{2, 1}, {1, 2}}}
	addcdivDef = &opDef{name: "AddcdivBackward0", save: []saveRule{{2, 1}, {1, 2}, {2, 2}}}
)

func init() {
	lerpDef.grad = func(b bwd) {
		if b.needs(0) {
			b.gi[0] = b.g.Mul(b.in(2).RSubScalar(1)) // dt: grad (1 - w)
		}
		if b.needs(1) {
			b.gi[1] = b.g.Mul(b.in(2)) // dend: grad w
		}
		if b.needs(2) {
			b.gi[2] = b.g.Mul(b.in(1).Sub(b.in(0))) // dw: grad (end - t)
		}
	}
	lerpSDef.grad = func(b bwd) {
		w := b.arg()
		if b.needs(0) {
			b.gi[0] = b.g.MulScalar(1 - w) // dt: grad (1 - w)
		}
		if b.needs(1) {
			b.gi[1] = b.g.MulScalar(w) // dend: grad w
		}
	}
	addcmulDef.grad = func(b bwd) {
		b.gi[0] = b.g // dt: grad
		if b.needs(1) {
			b.gi[1] = b.g.Mul(b.in(2)).MulScalar(b.arg()) // dt1: grad value t2
		}
		if b.needs(2) {
			b.gi[2] = b.g.Mul(b.in(1)).MulScalar(b.arg()) // dt2: grad value t1
		}
	}
	addcdivDef.grad = func(b bwd) {
		b.gi[0] = b.g // dt: grad
		if b.needs(1) {
			b.gi[1] = b.g.Div(b.in(2)).MulScalar(b.arg()) // dt1: grad value / t2
		}
		if b.needs(2) {
			t2 := b.in(2)
			b.gi[2] = b.g.Mul(b.in(1)).Div(t2.Mul(t2)).MulScalar(-b.arg()) // dt2: -grad value t1 / t2²
		}
	}
}

// Lerp returns t + weight·(end - t), broadcasting all three (torch.lerp with a
// tensor weight; LerpBackward1).
func (t *Tensor) Lerp(end, weight *Tensor) *Tensor {
	out, ps := pointwise("Lerp", pwLerp, 0, []*Tensor{t, end, weight})
	return lerpDef.record(out, 0, ps...)
}

// LerpScalar returns t + weight·(end - t) for a number weight (LerpBackward0).
func (t *Tensor) LerpScalar(end *Tensor, weight float64) *Tensor {
	out, ps := pointwise("LerpScalar", pwLerpScalar, weight, []*Tensor{t, end})
	return lerpSDef.record(out, weight, ps...)
}

// Addcmul returns t + value·t1·t2, broadcasting (AddcmulBackward0).
func (t *Tensor) Addcmul(t1, t2 *Tensor, value float64) *Tensor {
	if nonNil("Addcmul", t, t1, t2); !ResultType(t, t1, t2).IsFloat() { // integers stay integral, as PyTorch's
		return t.Add(t1.Mul(t2).MulScalar(value))
	}
	out, ps := pointwise("Addcmul", pwAddcmul, value, []*Tensor{t, t1, t2})
	return addcmulDef.record(out, value, ps...)
}

// Addcdiv returns t + value·t1/t2, broadcasting (AddcdivBackward0).
func (t *Tensor) Addcdiv(t1, t2 *Tensor, value float64) *Tensor {
	out, ps := pointwise("Addcdiv", pwAddcdiv, value, []*Tensor{t, t1, t2})
	return addcdivDef.record(out, value, ps...)
}
