package tensor

import (
	"math"

	"github.com/gograd/gograd/internal/vec"
)

// Each op computes its result, then records its backward node next to it, with the
// derivative of each input as a one-line comment. Backward formulas are written with
// tensor ops, so that they can themselves be differentiated (CreateGraph). Gradients
// of broadcast inputs are reduced to the input's shape by the engine (sumTo).

// Add returns t + o, broadcasting. Mixed dtypes promote as ResultType says, for
// this op and Sub, Mul and Div; Div of integers is a float32 true division.
func (t *Tensor) Add(o *Tensor) *Tensor {
	t, o = promote(t, o)
	out := binary("Add", opAdd, t, o)
	if n := record("AddBackward0", out, false, t, o); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) {
			gi[0] = g // dt: grad
			gi[1] = g // do: grad
		}
	}
	return out
}

// Sub returns t - o, broadcasting.
func (t *Tensor) Sub(o *Tensor) *Tensor {
	t, o = promote(t, o)
	out := binary("Sub", opSub, t, o)
	if n := record("SubBackward0", out, false, t, o); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) {
			gi[0] = g // dt: grad
			if n.needs(1) {
				gi[1] = g.Neg() // do: -grad
			}
		}
	}
	return out
}

// Mul returns t * o elementwise, broadcasting.
func (t *Tensor) Mul(o *Tensor) *Tensor {
	t, o = promote(t, o)
	out := binary("Mul", opMul, t, o)
	if n := record("MulBackward0", out, true, t, o); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) {
			if n.needs(0) {
				gi[0] = g.Mul(o) // dt: grad * o
			}
			if n.needs(1) {
				gi[1] = g.Mul(t) // do: grad * t
			}
		}
	}
	return out
}

// Div returns t / o elementwise, broadcasting.
func (t *Tensor) Div(o *Tensor) *Tensor {
	t, o = promoteFloat(t, o)
	out := binary("Div", opDiv, t, o)
	if n := record("DivBackward0", out, true, t, o); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) {
			if n.needs(0) {
				gi[0] = g.Div(o) // dt: grad / o
			}
			if n.needs(1) {
				gi[1] = g.Neg().Mul(t).Div(o.Mul(o)) // do: -grad * t / o²
			}
		}
	}
	return out
}

// scalarLike returns a 0-d tensor of t's dtype holding s.
func scalarLike(t *Tensor, s float64) *Tensor { return t.dtype.Full(s) }

// AddScalar returns t + s.
func (t *Tensor) AddScalar(s float64) *Tensor {
	if !t.dtype.IsFloat() {
		return t.Add(scalarOperand(t, s))
	}
	out := binary("AddScalar", opAdd, t, scalarLike(t, s))
	if n := record("AddBackward0", out, false, t); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g } // dt: grad
	}
	return out
}

// SubScalar returns t - s.
func (t *Tensor) SubScalar(s float64) *Tensor {
	if !t.dtype.IsFloat() {
		return t.Sub(scalarOperand(t, s))
	}
	out := binary("SubScalar", opSub, t, scalarLike(t, s))
	if n := record("SubBackward0", out, false, t); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g } // dt: grad
	}
	return out
}

// RSubScalar returns s - t (PyTorch's rsub, what `2 - t` computes).
func (t *Tensor) RSubScalar(s float64) *Tensor {
	if !t.dtype.IsFloat() {
		return scalarOperand(t, s).Sub(t)
	}
	out := binary("RSubScalar", opSub, scalarLike(t, s), t)
	if n := record("RsubBackward1", out, false, t); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g.Neg() } // dt: -grad
	}
	return out
}

// MulScalar returns t * s.
func (t *Tensor) MulScalar(s float64) *Tensor {
	if !t.dtype.IsFloat() {
		return t.Mul(scalarOperand(t, s))
	}
	out := binary("MulScalar", opMul, t, scalarLike(t, s))
	if n := record("MulBackward0", out, false, t); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g.MulScalar(s) } // dt: grad * s
	}
	return out
}

// DivScalar returns t / s.
func (t *Tensor) DivScalar(s float64) *Tensor {
	if !t.dtype.IsFloat() {
		return t.Div(scalarOperand(t, s))
	}
	out := binary("DivScalar", opDiv, t, scalarLike(t, s))
	if n := record("DivBackward0", out, false, t); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g.DivScalar(s) } // dt: grad / s
	}
	return out
}

// Neg returns -t.
func (t *Tensor) Neg() *Tensor {
	out := unary("Neg", t,
		func(d, a []float32) { vec.MulScalar(d, a, -1) },
		func(d, a []float64) { vec.MulScalar(d, a, -1) })
	if n := record("NegBackward0", out, false, t); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g.Neg() } // dt: -grad
	}
	return out
}

// Reciprocal returns 1 / t.
func (t *Tensor) Reciprocal() *Tensor {
	out := unary("Reciprocal", t,
		func(d, a []float32) { vec.DivScalarBy(d, a, 1) },
		func(d, a []float64) { vec.DivScalarBy(d, a, 1) })
	if n := record("ReciprocalBackward0", out, true, t); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g.Neg().Mul(out).Mul(out) } // dt: -grad / t²
	}
	return out
}

// Pow returns t raised to the scalar power e.
func (t *Tensor) Pow(e float64) *Tensor {
	var out *Tensor
	switch e {
	case 2:
		out = unary("Pow", t, func(d, a []float32) { vec.Mul(d, a, a) }, func(d, a []float64) { vec.Mul(d, a, a) })
	case 1:
		out = unary("Pow", t, func(d, a []float32) { copy(d, a) }, func(d, a []float64) { copy(d, a) })
	default:
		out = mapF("Pow", t, func(v float64) float64 { return math.Pow(v, e) })
	}
	if n := record("PowBackward0", out, true, t); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) {
			switch e {
			case 0:
				gi[0] = ZerosLike(t) // dt: 0
			case 1:
				gi[0] = g // dt: grad
			case 2:
				gi[0] = g.Mul(t).MulScalar(2) // dt: 2 * grad * t
			default:
				gi[0] = g.Mul(t.Pow(e - 1)).MulScalar(e) // dt: e * grad * t^(e-1)
			}
		}
	}
	return out
}

// PowTensor returns t raised to the power e elementwise, broadcasting; mixed
// dtypes promote as ResultType says.
func (t *Tensor) PowTensor(e *Tensor) *Tensor {
	t, e = promote(t, e)
	shape := broadcastShapes("PowTensor", t.shape, e.shape)
	a, b := t.expandData(shape), e.expandData(shape)
	out := empty(t.dtype, shape)
	for i := range numel(shape) {
		out.setFlat(i, math.Pow(a.flat(i), b.flat(i)))
	}
	if n := record("PowBackward1", out, true, t, e); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) {
			if n.needs(0) {
				gi[0] = g.Mul(e).Mul(t.PowTensor(e.SubScalar(1))) // dt: grad * e * t^(e-1)
			}
			if n.needs(1) {
				// de: grad * t^e * log(t), taken as 0 where t == 0 and e >= 0.
				gi[1] = g.Mul(out).Mul(t.Log()).maskedZero(t, e)
			}
		}
	}
	return out
}

// maskedZero returns t with elements set to 0 where base == 0 and exp >= 0
// (broadcast), without recording the mask.
func (t *Tensor) maskedZero(base, exp *Tensor) *Tensor {
	shape := t.shape
	b, e := base.expandData(shape), exp.expandData(shape)
	mask := empty(t.dtype, shape)
	for i := range numel(shape) {
		if b.flat(i) == 0 && e.flat(i) >= 0 {
			continue
		}
		mask.setFlat(i, 1)
	}
	return t.whereMask(mask)
}

// whereMask returns t where mask is 1 and 0 where it is 0 (NaN or Inf in t at a
// masked position become 0 too). Differentiable in t.
func (t *Tensor) whereMask(mask *Tensor) *Tensor {
	out := empty(t.dtype, t.shape)
	for i := range t.Numel() {
		if mask.flat(i) != 0 {
			out.setFlat(i, t.flat(i))
		}
	}
	if n := record("MaskedFillBackward0", out, true, t); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g.whereMask(mask) } // dt: grad where mask
	}
	return out
}

// expandData returns t's values materialised at the broadcast shape (not recorded).
func (t *Tensor) expandData(shape []int) *Tensor { return broadcastData(t, shape) }

// Exp returns e^t elementwise.
func (t *Tensor) Exp() *Tensor {
	out := unary("Exp", t, vec.Exp[float32], vec.Exp[float64])
	if n := record("ExpBackward0", out, true, t); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g.Mul(out) } // dt: grad * exp(t)
	}
	return out
}

// Log returns the natural logarithm of t elementwise.
func (t *Tensor) Log() *Tensor {
	out := unary("Log", t, vec.Log[float32], vec.Log[float64])
	if n := record("LogBackward0", out, true, t); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g.Div(t) } // dt: grad / t
	}
	return out
}

// Sqrt returns the square root of t elementwise.
func (t *Tensor) Sqrt() *Tensor {
	out := mapF("Sqrt", t, math.Sqrt)
	if n := record("SqrtBackward0", out, true, t); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g.Div(out.MulScalar(2)) } // dt: grad / (2 sqrt(t))
	}
	return out
}

// Abs returns |t| elementwise.
func (t *Tensor) Abs() *Tensor {
	out := mapF("Abs", t, math.Abs)
	if n := record("AbsBackward0", out, true, t); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g.Mul(t.Sign()) } // dt: grad * sign(t)
	}
	return out
}

// Sign returns -1, 0 or 1 by the sign of each element; its gradient is zero.
func (t *Tensor) Sign() *Tensor {
	out := mapF("Sign", t, sign)
	if n := record("SignBackward0", out, false, t); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = ZerosLike(g) } // dt: 0
	}
	return out
}

// Sin returns the sine of t elementwise.
func (t *Tensor) Sin() *Tensor {
	out := mapF("Sin", t, math.Sin)
	if n := record("SinBackward0", out, true, t); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g.Mul(t.Cos()) } // dt: grad * cos(t)
	}
	return out
}

// Cos returns the cosine of t elementwise.
func (t *Tensor) Cos() *Tensor {
	out := mapF("Cos", t, math.Cos)
	if n := record("CosBackward0", out, true, t); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g.Mul(t.Sin()).Neg() } // dt: -grad * sin(t)
	}
	return out
}

// Tanh returns the hyperbolic tangent of t elementwise.
func (t *Tensor) Tanh() *Tensor {
	out := unary("Tanh", t, vec.Tanh[float32], vec.Tanh[float64])
	if n := record("TanhBackward0", out, true, t); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) { // dt: grad * (1 - tanh²)
			if recording(g, out) {
				gi[0] = g.Mul(out.Mul(out).RSubScalar(1))
				return
			}
			gi[0] = g.fusedGrad(out, tanhGrad[float32], tanhGrad[float64])
		}
	}
	return out
}

// Sigmoid returns 1 / (1 + e^-t) elementwise.
func (t *Tensor) Sigmoid() *Tensor {
	out := unary("Sigmoid", t, vec.Sigmoid[float32], vec.Sigmoid[float64])
	if n := record("SigmoidBackward0", out, true, t); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) { // dt: grad * σ * (1 - σ)
			if recording(g, out) {
				gi[0] = g.Mul(out).Mul(out.RSubScalar(1))
				return
			}
			gi[0] = g.fusedGrad(out, sigmoidGrad[float32], sigmoidGrad[float64])
		}
	}
	return out
}

// Relu returns max(t, 0) elementwise.
func (t *Tensor) Relu() *Tensor {
	out := unary("Relu", t, vec.Relu[float32], vec.Relu[float64])
	if n := record("ReluBackward0", out, true, t); n != nil {
		ref := out.Detach()
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g.maskPositive(ref) } // dt: grad * (t > 0)
	}
	return out
}

// fusedGrad returns the gradient of Tanh or Sigmoid from the gradient g of their
// result y in one pass of k32 or k64, with no temporaries and unrecorded; the
// kernels round as the ops of the recorded formula do.
func (g *Tensor) fusedGrad(y *Tensor, k32 func(dst, g, y []float32), k64 func(dst, g, y []float64)) *Tensor {
	out := empty(g.dtype, g.shape)
	if g.dtype == Float32 {
		k32(out.f32, g.f32, y.f32)
	} else {
		k64(out.f64, g.f64, y.f64)
	}
	return out
}

// tanhGrad sets dst to g·(1 - y²), rounded as g.Mul(y.Mul(y).RSubScalar(1)).
func tanhGrad[T float32 | float64](dst, g, y []T) {
	g, y = g[:len(dst)], y[:len(dst)]
	for i, v := range y {
		sq := T(v * v) // T() keeps the compiler from fusing a multiply-add
		dst[i] = g[i] * (1 - sq)
	}
}

// sigmoidGrad sets dst to g·y·(1 - y), rounded as g.Mul(y).Mul(y.RSubScalar(1)).
func sigmoidGrad[T float32 | float64](dst, g, y []T) {
	g, y = g[:len(dst)], y[:len(dst)]
	for i, v := range y {
		gy := T(g[i] * v)
		dst[i] = gy * (1 - v)
	}
}

// maskPositive returns g where ref > 0 and 0 elsewhere: ReLU's gradient in one
// pass (rather than a mask and a product). It is differentiable in g, so ReLU has
// second derivatives.
func (g *Tensor) maskPositive(ref *Tensor) *Tensor {
	out := empty(g.dtype, g.shape)
	if g.dtype == Float32 {
		maskPositive32(out.f32, g.f32, ref.f32)
	} else {
		maskPositive64(out.f64, g.f64, ref.f64)
	}
	if n := record("ThresholdBackwardBackward0", out, false, g); n != nil {
		n.backward = func(gg *Tensor, gi []*Tensor) { gi[0] = gg.maskPositive(ref) } // dg: grad * (ref > 0)
	}
	return out
}

// maskPositive32 and maskPositive64 compute dst[i] = g[i] if ref[i] > 0 else 0
// without branches (ReLU's input signs are unpredictable): a positive float's bits
// read as a signed integer are positive, and the sign of their negation makes an
// all-ones or all-zeros mask.
func maskPositive32(dst, g, ref []float32) {
	ref = ref[:len(dst)]
	g = g[:len(dst)]
	for i, r := range ref {
		m := uint32(-int32(math.Float32bits(r)) >> 31)
		dst[i] = math.Float32frombits(math.Float32bits(g[i]) & m)
	}
}

func maskPositive64(dst, g, ref []float64) {
	ref = ref[:len(dst)]
	g = g[:len(dst)]
	for i, r := range ref {
		m := uint64(-int64(math.Float64bits(r)) >> 63)
		dst[i] = math.Float64frombits(math.Float64bits(g[i]) & m)
	}
}

// Maximum returns the elementwise maximum of a and b, broadcasting (mixed dtypes
// promote); NaN wins. At
// ties the gradient is split evenly between them, as in PyTorch.
func Maximum(a, b *Tensor) *Tensor { return extremum("Maximum", "MaximumBackward0", a, b, 1) }

// Minimum returns the elementwise minimum of a and b, broadcasting; NaN wins.
func Minimum(a, b *Tensor) *Tensor { return extremum("Minimum", "MinimumBackward0", a, b, -1) }

func extremum(op, name string, a, b *Tensor, sgn float64) *Tensor {
	a, b = promote(a, b)
	shape := broadcastShapes(op, a.shape, b.shape)
	x, y := a.expandData(shape), b.expandData(shape)
	out := empty(a.dtype, shape)
	wa := empty(a.dtype, shape) // share of the gradient going to a: 1, 0 or ½
	for i := range numel(shape) {
		u, v := x.flat(i), y.flat(i)
		switch {
		case u != u || (u-v)*sgn > 0:
			out.setFlat(i, u)
			wa.setFlat(i, 1)
		case v != v || (v-u)*sgn > 0:
			out.setFlat(i, v)
		default:
			out.setFlat(i, u)
			wa.setFlat(i, 0.5)
		}
	}
	if n := record(name, out, true, a, b); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) {
			if n.needs(0) {
				gi[0] = g.Mul(wa) // da: grad where a wins
			}
			if n.needs(1) {
				gi[1] = g.Mul(wa.RSubScalar(1)) // db: grad where b wins
			}
		}
	}
	return out
}

// Clamp returns t with each element limited to [lo, hi]; the gradient passes where
// the element was inside the range.
func (t *Tensor) Clamp(lo, hi float64) *Tensor {
	out := mapF("Clamp", t, func(v float64) float64 { return math.Max(lo, math.Min(hi, v)) })
	if n := record("ClampBackward1", out, true, t); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) {
			inside := mapF("Clamp", t.Detach(), func(v float64) float64 {
				if v >= lo && v <= hi {
					return 1
				}
				return 0
			})
			gi[0] = g.Mul(inside) // dt: grad where lo <= t <= hi
		}
	}
	return out
}
