package tensor

import (
	"math"

	"github.com/gograd/gograd/internal/vec"
)

// Each op computes its result with its kernel and records it through its op table
// entry (opDef) right beside it: grad_fn name, saved values and derivative, with
// the derivative of each input as a one-line comment. Derivatives are written with
// tensor ops, so that they can themselves be differentiated (CreateGraph).
// Gradients of broadcast inputs are reduced to the input's shape by the engine
// (sumTo).

var addDef = &opDef{name: "AddBackward0"}

func init() {
	addDef.grad = func(b bwd) {
		b.gi[0] = b.g // dt: grad
		b.gi[1] = b.g // do: grad
	}
}

// Add returns t + o, broadcasting. Mixed dtypes promote as ResultType says, for
// this op and Sub, Mul and Div; Div of integers is a float32 true division.
func (t *Tensor) Add(o *Tensor) *Tensor {
	t, o = promote("Add", t, o)
	return addDef.record(binary("Add", opAdd, t, o), 0, t, o)
}

var subDef = &opDef{name: "SubBackward0"}

func init() {
	subDef.grad = func(b bwd) {
		b.gi[0] = b.g // dt: grad
		if b.needs(1) {
			b.gi[1] = b.g.Neg() // do: -grad
		}
	}
}

// Sub returns t - o, broadcasting.
func (t *Tensor) Sub(o *Tensor) *Tensor {
	if nonNil("Sub", t, o); t.dtype == Bool || o.dtype == Bool {
		failKind(ErrDType, "Sub", "subtraction with a bool tensor is not supported (dtypes %v and %v, shapes %v and %v); use LogicalXor or LogicalNot", t.dtype, o.dtype, t.shape, o.shape)
	}
	t, o = promote("Sub", t, o)
	return subDef.record(binary("Sub", opSub, t, o), 0, t, o)
}

var mulDef = &opDef{name: "MulBackward0", save: []saveRule{{1, 0}, {0, 1}}}

func init() {
	mulDef.grad = func(b bwd) {
		if b.needs(0) {
			b.gi[0] = b.mulIn(b.g, 1) // dt: grad * o
		}
		if b.needs(1) {
			b.gi[1] = b.mulIn(b.g, 0) // do: grad * t
		}
	}
}

// Mul returns t * o elementwise, broadcasting.
func (t *Tensor) Mul(o *Tensor) *Tensor {
	t, o = promote("Mul", t, o)
	return mulDef.record(binary("Mul", opMul, t, o), 0, t, o)
}

var divDef = &opDef{name: "DivBackward0", save: []saveRule{{1, always}, {0, 1}}}

func init() {
	divDef.grad = func(b bwd) {
		o := b.in(1)
		if b.needs(0) {
			b.gi[0] = b.g.Div(o) // dt: grad / o
		}
		if b.needs(1) {
			b.gi[1] = b.g.Neg().Mul(b.in(0)).Div(o.Mul(o)) // do: -grad * t / o²
		}
	}
}

// Div returns t / o elementwise, broadcasting.
func (t *Tensor) Div(o *Tensor) *Tensor {
	t, o = promoteFloat("Div", t, o)
	return divDef.record(binary("Div", opDiv, t, o), 0, t, o)
}

// scalarLike returns a 0-d tensor of t's dtype holding s.
func scalarLike(t *Tensor, s float64) *Tensor { return t.dtype.Full(s) }

var (
	addScalarDef  = &opDef{name: "AddBackward0"}
	subScalarDef  = &opDef{name: "SubBackward0"}
	rsubScalarDef = &opDef{name: "RsubBackward1"}
	mulScalarDef  = &opDef{name: "MulBackward0"}
	divScalarDef  = &opDef{name: "DivBackward0"}
)

func init() {
	addScalarDef.grad = passGrad
	subScalarDef.grad = passGrad
	rsubScalarDef.grad = func(b bwd) { b.gi[0] = b.g.Neg() }             // dt: -grad
	mulScalarDef.grad = func(b bwd) { b.gi[0] = b.g.MulScalar(b.arg()) } // dt: grad * s
	divScalarDef.grad = func(b bwd) { b.gi[0] = b.g.DivScalar(b.arg()) } // dt: grad / s
}

// passGrad is the derivative of ops whose gradient is the upstream one.
func passGrad(b bwd) { b.gi[0] = b.g } // dt: grad

// AddScalar returns t + s.
func (t *Tensor) AddScalar(s float64) *Tensor {
	if nonNil("AddScalar", t); !t.dtype.IsFloat() {
		return t.Add(scalarOperand(t, s))
	}
	return addScalarDef.record(binary("AddScalar", opAdd, t, scalarLike(t, s)), s, t)
}

// SubScalar returns t - s.
func (t *Tensor) SubScalar(s float64) *Tensor {
	if nonNil("SubScalar", t); !t.dtype.IsFloat() {
		return t.Sub(scalarOperand(t, s))
	}
	return subScalarDef.record(binary("SubScalar", opSub, t, scalarLike(t, s)), s, t)
}

// RSubScalar returns s - t (PyTorch's rsub, what `2 - t` computes).
func (t *Tensor) RSubScalar(s float64) *Tensor {
	if nonNil("RSubScalar", t); !t.dtype.IsFloat() {
		return scalarOperand(t, s).Sub(t)
	}
	return rsubScalarDef.record(binary("RSubScalar", opSub, scalarLike(t, s), t), s, t)
}

// MulScalar returns t * s.
func (t *Tensor) MulScalar(s float64) *Tensor {
	if nonNil("MulScalar", t); !t.dtype.IsFloat() {
		return t.Mul(scalarOperand(t, s))
	}
	return mulScalarDef.record(binary("MulScalar", opMul, t, scalarLike(t, s)), s, t)
}

// DivScalar returns t / s.
func (t *Tensor) DivScalar(s float64) *Tensor {
	if nonNil("DivScalar", t); !t.dtype.IsFloat() {
		return t.Div(scalarOperand(t, s))
	}
	return divScalarDef.record(binary("DivScalar", opDiv, t, scalarLike(t, s)), s, t)
}

var negDef = &opDef{name: "NegBackward0"}

func init() { negDef.grad = func(b bwd) { b.gi[0] = b.g.Neg() } }

// Neg returns -t. It panics on a bool tensor, as PyTorch.
func (t *Tensor) Neg() *Tensor {
	if nonNil("Neg", t); !t.dtype.IsFloat() {
		t.wantNotBool("Neg")
		return intMap(t, Int64, func(v int64) int64 { return -v })
	}
	return negDef.record(unary("Neg", t,
		func(d, a []float32) { vec.MulScalar(d, a, -1) },
		func(d, a []float64) { vec.MulScalar(d, a, -1) }), 0, t)
}

var reciprocalDef = &opDef{name: "ReciprocalBackward0", save: []saveRule{{output, always}}}

func init() {
	reciprocalDef.grad = func(b bwd) {
		b.gi[0] = b.g.Neg().Mul(b.out()).Mul(b.out()) // dt: -grad / t²
	}
}

// Reciprocal returns 1 / t.
func (t *Tensor) Reciprocal() *Tensor {
	return reciprocalDef.record(unary("Reciprocal", t,
		func(d, a []float32) { vec.DivScalarBy(d, a, 1) },
		func(d, a []float64) { vec.DivScalarBy(d, a, 1) }), 0, t)
}

var powDef = &opDef{name: "PowBackward0", save: []saveRule{{0, always}}}

func init() {
	powDef.grad = func(b bwd) {
		t, e := b.in(0), b.arg()
		switch e {
		case 0:
			b.gi[0] = ZerosLike(t) // dt: 0
		case 1:
			b.gi[0] = b.g // dt: grad
		case 2:
			b.gi[0] = b.g.Mul(t).MulScalar(2) // dt: 2 * grad * t
		default:
			b.gi[0] = b.g.Mul(t.Pow(e - 1)).MulScalar(e) // dt: e * grad * t^(e-1)
		}
	}
}

// Pow returns t raised to the scalar power e. For an int64 or bool t and an
// integral e the result is int64, as in PyTorch, and a negative e panics
// (integers to negative integer powers are not allowed); a fractional e gives
// float32.
func (t *Tensor) Pow(e float64) *Tensor {
	if nonNil("Pow", t); !t.dtype.IsFloat() && integral(e) {
		if e < 0 {
			failKind(ErrDType, "Pow", "integers to negative integer powers are not allowed (dtype %v, shape %v, exponent %v)", t.dtype, t.shape, e)
		}
		n := intBound(e)
		return intMap(t, Int64, func(v int64) int64 { return intPow(v, n) })
	}
	var out *Tensor
	switch e {
	case 2:
		out = unary("Pow", t, func(d, a []float32) { vec.Mul(d, a, a) }, func(d, a []float64) { vec.Mul(d, a, a) })
	case 1:
		out = unary("Pow", t, func(d, a []float32) { copy(d, a) }, func(d, a []float64) { copy(d, a) })
	default:
		out = mapF("Pow", t, func(v float64) float64 { return math.Pow(v, e) })
	}
	return powDef.record(out, e, t)
}

// PowTensor returns t raised to the power e elementwise, broadcasting; mixed
// dtypes promote as ResultType says. Integers to integer powers are int64, as in
// PyTorch (a negative power gives 0 but for the bases 1 and -1); two bool
// tensors panic.
func (t *Tensor) PowTensor(e *Tensor) *Tensor {
	t, e = promote("PowTensor", t, e)
	shape := broadcastShapes("PowTensor", t.shape, e.shape)
	a, b := t.expandData(shape), e.expandData(shape)
	switch t.dtype {
	case Bool:
		failKind(ErrDType, "PowTensor", "op is not implemented for dtype bool (shapes %v and %v)", t.shape, e.shape)
	case Int64:
		out := empty(Int64, shape)
		broadcastRows(shape, []*Tensor{t, e}, func(d int, o []int, n int, s []int) {
			for i := range n {
				out.i64[d+i] = intPowSigned(t.i64[o[0]+i*s[0]], e.i64[o[1]+i*s[1]])
			}
		})
		return out
	}
	out := empty(t.dtype, shape)
	for i := range numel(shape) {
		out.setFlat(i, math.Pow(a.flat(i), b.flat(i)))
	}
	return powTensorDef.record(out, 0, t, e)
}

var powTensorDef = &opDef{name: "PowBackward1", save: []saveRule{{0, always}, {1, always}, {output, 1}}}

func init() {
	powTensorDef.grad = func(b bwd) {
		t, e := b.in(0), b.in(1)
		if b.needs(0) {
			b.gi[0] = b.g.Mul(e).Mul(t.PowTensor(e.SubScalar(1))) // dt: grad * e * t^(e-1)
		}
		if b.needs(1) {
			// de: grad * t^e * log(t), taken as 0 where t == 0 and e >= 0.
			b.gi[1] = b.g.Mul(b.out()).Mul(t.Log()).maskedZero(t, e)
		}
	}
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
	return whereMaskDef.recordWith(out, 0, nil, []*Tensor{mask}, t)
}

var whereMaskDef = &opDef{name: "MaskedFillBackward0", save: []saveRule{{extra(0), always}}}

func init() { whereMaskDef.grad = func(b bwd) { b.gi[0] = b.g.whereMask(b.extra(0)) } } // dt: grad where mask

// expandData returns t viewed at the broadcast shape (not recorded), for kernels
// that read it with flat.
func (t *Tensor) expandData(shape []int) *Tensor { return t.expandView(shape) }

var expDef = &opDef{name: "ExpBackward0", save: []saveRule{{output, always}}}

func init() { expDef.grad = func(b bwd) { b.gi[0] = b.g.Mul(b.out()) } } // dt: grad * exp(t)

// Exp returns e^t elementwise.
func (t *Tensor) Exp() *Tensor {
	return expDef.record(unary("Exp", t, vec.Exp[float32], vec.Exp[float64]), 0, t)
}

var logDef = &opDef{name: "LogBackward0", save: []saveRule{{0, always}}}

func init() { logDef.grad = func(b bwd) { b.gi[0] = b.g.Div(b.in(0)) } } // dt: grad / t

// Log returns the natural logarithm of t elementwise.
func (t *Tensor) Log() *Tensor {
	return logDef.record(unary("Log", t, vec.Log[float32], vec.Log[float64]), 0, t)
}

var sqrtDef = &opDef{name: "SqrtBackward0", save: []saveRule{{output, always}}}

func init() { sqrtDef.grad = func(b bwd) { b.gi[0] = b.g.Div(b.out().MulScalar(2)) } } // dt: grad / (2 sqrt(t))

// Sqrt returns the square root of t elementwise.
func (t *Tensor) Sqrt() *Tensor { return sqrtDef.record(mapF("Sqrt", t, math.Sqrt), 0, t) }

var absDef = &opDef{name: "AbsBackward0", save: []saveRule{{0, always}}}

func init() { absDef.grad = func(b bwd) { b.gi[0] = b.g.Mul(b.in(0).Sign()) } } // dt: grad * sign(t)

// Abs returns |t| elementwise. It panics on a bool tensor, as PyTorch.
func (t *Tensor) Abs() *Tensor {
	if nonNil("Abs", t); !t.dtype.IsFloat() {
		t.wantNotBool("Abs")
		return intMap(t, Int64, func(v int64) int64 { return max(v, -v) })
	}
	return absDef.record(mapF("Abs", t, math.Abs), 0, t)
}

var signDef = &opDef{name: "SignBackward0"}

func init() { signDef.grad = func(b bwd) { b.gi[0] = ZerosLike(b.g) } } // dt: 0

// Sign returns -1, 0 or 1 by the sign of each element; its gradient is zero.
// An int64 or bool t keeps its dtype, as in PyTorch.
func (t *Tensor) Sign() *Tensor {
	if nonNil("Sign", t); !t.dtype.IsFloat() {
		return intMap(t, t.dtype, func(v int64) int64 { return int64(sign(float64(v))) })
	}
	return signDef.record(mapF("Sign", t, sign), 0, t)
}

var sinDef = &opDef{name: "SinBackward0", save: []saveRule{{0, always}}}

func init() { sinDef.grad = func(b bwd) { b.gi[0] = b.g.Mul(b.in(0).Cos()) } } // dt: grad * cos(t)

// Sin returns the sine of t elementwise.
func (t *Tensor) Sin() *Tensor { return sinDef.record(mapF("Sin", t, math.Sin), 0, t) }

var cosDef = &opDef{name: "CosBackward0", save: []saveRule{{0, always}}}

func init() { cosDef.grad = func(b bwd) { b.gi[0] = b.g.Mul(b.in(0).Sin()).Neg() } } // dt: -grad * sin(t)

// Cos returns the cosine of t elementwise.
func (t *Tensor) Cos() *Tensor { return cosDef.record(mapF("Cos", t, math.Cos), 0, t) }

var tanhDef = &opDef{name: "TanhBackward0", save: []saveRule{{output, always}}}

func init() {
	tanhDef.grad = func(b bwd) { // dt: grad * (1 - tanh²)
		g, out := b.g, b.out()
		if recording(g, out) {
			b.gi[0] = g.Mul(out.Mul(out).RSubScalar(1))
			return
		}
		b.gi[0] = g.fusedGrad(out, tanhGrad[float32], tanhGrad[float64])
	}
}

// Tanh returns the hyperbolic tangent of t elementwise.
func (t *Tensor) Tanh() *Tensor {
	return tanhDef.record(unary("Tanh", t, vec.Tanh[float32], vec.Tanh[float64]), 0, t)
}

var sigmoidDef = &opDef{name: "SigmoidBackward0", save: []saveRule{{output, always}}}

func init() {
	sigmoidDef.grad = func(b bwd) { // dt: grad * σ * (1 - σ)
		g, out := b.g, b.out()
		if recording(g, out) {
			b.gi[0] = g.Mul(out).Mul(out.RSubScalar(1))
			return
		}
		b.gi[0] = g.fusedGrad(out, sigmoidGrad[float32], sigmoidGrad[float64])
	}
}

// Sigmoid returns 1 / (1 + e^-t) elementwise.
func (t *Tensor) Sigmoid() *Tensor {
	return sigmoidDef.record(unary("Sigmoid", t, vec.Sigmoid[float32], vec.Sigmoid[float64]), 0, t)
}

var reluDef = &opDef{name: "ReluBackward0", save: []saveRule{{output, always}}}

func init() { reluDef.grad = func(b bwd) { b.gi[0] = b.g.maskPositive(b.out()) } } // dt: grad * (t > 0)

// Relu returns max(t, 0) elementwise; int64 for an int64 t. It panics on a
// bool tensor, as PyTorch.
func (t *Tensor) Relu() *Tensor {
	if nonNil("Relu", t); !t.dtype.IsFloat() {
		t.wantNotBool("Relu")
		return intMap(t, Int64, func(v int64) int64 { return max(v, 0) })
	}
	return reluDef.record(unary("Relu", t, vec.Relu[float32], vec.Relu[float64]), 0, t)
}

// fusedGrad returns the gradient of Tanh or Sigmoid from the gradient g of their
// result y in one pass of k32 or k64, with no temporaries and unrecorded; the
// kernels round as the ops of the recorded formula do.
func (g *Tensor) fusedGrad(y *Tensor, k32 func(dst, g, y []float32), k64 func(dst, g, y []float64)) *Tensor {
	out := empty(g.dtype, g.shape)
	g, y = g.dense(), y.dense()
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
	out := uninit(g.dtype, g.shape) // both kernels write every element
	dg, dr := g.dense(), ref.dense()
	if g.dtype == Float32 {
		maskPositive32(out.f32, dg.f32, dr.f32)
	} else {
		maskPositive64(out.f64, dg.f64, dr.f64)
	}
	if tracked(g) {
		thresholdBackwardDef.recordWith(out, 0, nil, []*Tensor{ref}, g)
	}
	return out
}

var thresholdBackwardDef = &opDef{name: "ThresholdBackwardBackward0", save: []saveRule{{extra(0), always}}}

func init() { thresholdBackwardDef.grad = func(b bwd) { b.gi[0] = b.g.maskPositive(b.extra(0)) } } // dg: grad * (ref > 0)

// maskPositive32 and maskPositive64 compute dst[i] = g[i] unless ref[i] <= 0
// (-0 included), where dst[i] = 0; a NaN ref passes the gradient, as in PyTorch's
// threshold_backward. They run without branches (ReLU's input signs are
// unpredictable), building an all-ones or all-zeros mask from ref's bits.
// (maskPositive32 is vec.MaskPositive32: AVX2 where there is some; ReLU's
// gradient was 11 % of BenchmarkCNNStep's profile as a plain loop.)
func maskPositive32(dst, g, ref []float32) { vec.MaskPositive32(dst, g, ref) }

func maskPositive64(dst, g, ref []float64) {
	ref = ref[:len(dst)]
	g = g[:len(dst)]
	for i, r := range ref {
		a := int64(math.Float64bits(r))
		pos := ^((a - 1) | a) >> 63                             // all ones when r > 0 (not -0, whose bits are negative)
		nan := (0x7FF0000000000000 - (a & math.MaxInt64)) >> 63 // all ones when |r|'s bits exceed +Inf's
		dst[i] = math.Float64frombits(math.Float64bits(g[i]) & uint64(pos|nan))
	}
}

// Maximum returns the elementwise maximum of a and b, broadcasting (mixed dtypes
// promote); NaN wins. At
// ties the gradient is split evenly between them, as in PyTorch.
func Maximum(a, b *Tensor) *Tensor { return extremum(maximumDef, "Maximum", a, b, 1) }

// Minimum returns the elementwise minimum of a and b, broadcasting; NaN wins.
func Minimum(a, b *Tensor) *Tensor { return extremum(minimumDef, "Minimum", a, b, -1) }

func extremum(d *opDef, op string, a, b *Tensor, sgn float64) *Tensor {
	a, b = promote(op, a, b)
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
	return d.recordWith(out, 0, nil, []*Tensor{wa}, a, b)
}

// The entries of Maximum and Minimum save the share of the gradient going to
// the first input.
var (
	maximumDef = &opDef{name: "MaximumBackward0", save: []saveRule{{extra(0), always}}}
	minimumDef = &opDef{name: "MinimumBackward0", save: maximumDef.save}
)

func init() {
	maximumDef.grad = func(b bwd) {
		wa := b.extra(0)
		if b.needs(0) {
			b.gi[0] = b.g.Mul(wa) // da: grad where a wins
		}
		if b.needs(1) {
			b.gi[1] = b.g.Mul(wa.RSubScalar(1)) // db: grad where b wins
		}
	}
	minimumDef.grad = maximumDef.grad
}

// Clamp returns t with each element limited to [lo, hi]: min(max(t, lo), hi), so
// that when lo > hi every element becomes hi, as in PyTorch. The gradient passes
// where the element was inside the range (nowhere when lo > hi); NaN stays NaN,
// and an element equal to a bound but for its sign (-0 against 0) stays as it is.
// An int64 or bool t gives int64 with integral (or infinite) bounds, float32
// with fractional ones, as in PyTorch.
func (t *Tensor) Clamp(lo, hi float64) *Tensor {
	if nonNil("Clamp", t); !t.dtype.IsFloat() {
		if integral(lo) && integral(hi) {
			return intClamp(t, lo, hi)
		}
		t = t.To(Float32)
	}
	return t.unaryOpP(clampDef, "Clamp", pClamp, [3]float64{lo, hi}, func(v float64) float64 { return clampValue(v, lo, hi) }, 0, lo, hi)
}

var clampDef = &opDef{name: "ClampBackward1", save: savesIn} // params: lo, hi

func init() {
	unaryGrad(clampDef, func(b bwd) *Tensor { // dt: grad where lo <= t <= hi
		p := b.params()
		lo, hi := p[0], p[1]
		inside := mapF("Clamp", b.in(0).detached(), func(v float64) float64 {
			if v >= lo && v <= hi {
				return 1
			}
			return 0
		})
		return b.g.Mul(inside)
	})
}
