package tensor

import (
	"math"
	"slices"

	"github.com/gograd/gograd/internal/vec"
)

// binOp names the four broadcasting arithmetic kernels.
type binOp uint8

const (
	opAdd binOp = iota
	opSub
	opMul
	opDiv
)

// binVV computes dst = a op b elementwise.
func binVV[T vec.Float](op binOp, dst, a, b []T) {
	switch op {
	case opAdd:
		vec.Add(dst, a, b)
	case opSub:
		vec.Sub(dst, a, b)
	case opMul:
		vec.Mul(dst, a, b)
	case opDiv:
		vec.Div(dst, a, b)
	}
}

// binVS computes dst = a op s.
func binVS[T vec.Float](op binOp, dst, a []T, s T) {
	switch op {
	case opAdd:
		vec.AddScalar(dst, a, s)
	case opSub:
		vec.AddScalar(dst, a, -s)
	case opMul:
		vec.MulScalar(dst, a, s)
	case opDiv:
		for i := range dst {
			dst[i] = a[i] / s
		}
	}
}

// binSV computes dst = s op b.
func binSV[T vec.Float](op binOp, dst []T, s T, b []T) {
	switch op {
	case opAdd:
		vec.AddScalar(dst, b, s)
	case opSub:
		vec.SubScalarFrom(dst, b, s)
	case opMul:
		vec.MulScalar(dst, b, s)
	case opDiv:
		vec.DivScalarBy(dst, b, s)
	}
}

// binScalarOp returns x op y for one pair of elements.
func binScalarOp[T vec.Float](op binOp, x, y T) T {
	switch op {
	case opAdd:
		return x + y
	case opSub:
		return x - y
	case opMul:
		return x * y
	}
	return x / y
}

// binRows computes dst = a op b over the rows of it (operands dst, a, b).
func binRows[T vec.Float](op binOp, dst, a, b []T, it *rowIter) {
	id, ia, ib := it.stride(0), it.stride(1), it.stride(2)
	for range it.rows {
		binRow(op, dst, a, b, it.off[0], it.off[1], it.off[2], it.inner, id, ia, ib)
		it.next()
	}
}

// binRow computes one row of inner elements of dst = a op b, starting at o, x
// and y with strides id, ia and ib. Rows that are contiguous in dst and
// contiguous or constant in a and b run the vector kernels.
func binRow[T vec.Float](op binOp, dst, a, b []T, o, x, y, inner, id, ia, ib int) {
	if id != 1 || ia > 1 || ib > 1 {
		for i := range inner {
			dst[o+i*id] = binScalarOp(op, a[x+i*ia], b[y+i*ib])
		}
		return
	}
	d := dst[o : o+inner]
	switch {
	case ia == 1 && ib == 1:
		binVV(op, d, a[x:x+inner], b[y:y+inner])
	case ia == 1:
		binVS(op, d, a[x:x+inner], b[y])
	case ib == 1:
		binSV(op, d, a[x], b[y:y+inner])
	default:
		v := binScalarOp(op, a[x], b[y])
		for i := range d {
			d[i] = v
		}
	}
}

// binary computes a op b with broadcasting into a new tensor.
func binary(name string, op binOp, a, b *Tensor) *Tensor {
	nonNil(name, a, b)
	if a.dtype != b.dtype {
		failKind(ErrDType, name, "dtypes %v and %v: both must be the same type (shapes %v and %v)", a.dtype, b.dtype, a.shape, b.shape)
	}
	if !a.dtype.IsFloat() {
		if a.dtype == Bool && op == opSub {
			fail(name, "subtraction of two bool tensors is not supported (shapes %v and %v); use LogicalXor", a.shape, b.shape)
		}
		return binaryInt(name, op, a, b)
	}
	if a.lay == nil && b.lay == nil && slices.Equal(a.shape, b.shape) {
		// The common case, dense operands of one shape, without binaryInto's
		// layout checks (BenchmarkOpOverhead's scalar chain spends them per op).
		out := uninit(a.dtype, a.shape)
		if a.dtype == Float32 {
			binVV(op, out.f32, a.f32, b.f32)
		} else {
			binVV(op, out.f64, a.f64, b.f64)
		}
		return out
	}
	out := uninit(a.dtype, broadcastShapes(name, a.shape, b.shape))
	binaryInto(op, out, a, b) // writes every element
	return out
}

// binaryInto computes dst = a op b, with a and b broadcast to dst's shape, in any
// layouts (dst must not overlap itself), unrecorded.
func binaryInto(op binOp, dst, a, b *Tensor) {
	if dst.strides() == nil && a.strides() == nil && b.strides() == nil && slices.Equal(a.shape, b.shape) && slices.Equal(dst.shape, a.shape) {
		if a.dtype == Float32 {
			binVV(op, dst.f32, a.f32, b.f32)
		} else {
			binVV(op, dst.f64, a.f64, b.f64)
		}
		return
	}
	if numel(dst.shape) == 0 {
		return
	}
	n := len(dst.shape)
	var ld, ea, eb [iterDims]int
	var it rowIter
	it.init(dst.shape, dst.layoutInto(scratch(&ld, n)), expandInto(scratch(&ea, n), a, dst.shape), expandInto(scratch(&eb, n), b, dst.shape))
	if a.dtype == Float32 {
		binRows(op, dst.f32, a.f32, b.f32, &it)
	} else {
		binRows(op, dst.f64, a.f64, b.f64, &it)
	}
}

// expandedStrides returns t's strides as seen from the broadcast shape out: 0
// along the dims it is broadcast over.
func expandedStrides(t *Tensor, out []int) []int { return expandInto(make([]int, len(out)), t, out) }

// expandInto is expandedStrides written into st (of len(out)). It computes a
// contiguous t's strides as it goes rather than through layoutInto: a scratch
// buffer per operand made small broadcasts 8 % slower.
func expandInto(st []int, t *Tensor, out []int) []int {
	ts := t.strides()
	s := 1 // t's contiguous stride along dim j, when ts is nil
	for i := len(out) - 1; i >= 0; i-- {
		st[i] = 0
		if j := len(t.shape) - len(out) + i; j >= 0 {
			if t.shape[j] != 1 {
				st[i] = s
				if ts != nil {
					st[i] = ts[j]
				}
			}
			s *= max(t.shape[j], 1)
		}
	}
	return st
}

// unary applies a kernel elementwise into a new (contiguous) tensor, reading a
// strided x through the strided iterator rather than a dense copy.
func unary(name string, x *Tensor, k32 func(dst, a []float32), k64 func(dst, a []float64)) *Tensor {
	nonNil(name, x)
	if !x.dtype.IsFloat() { // PyTorch's floating functions compute integers in float32
		if !floatFuncs[name] {
			x.wantFloat(name)
		}
		x = x.To(Float32)
	}
	out := uninit(x.dtype, x.shape) // the kernels write every element
	switch {
	case numel(x.shape) == 0:
	case x.strides() != nil && x.dtype == Float32:
		unaryStrided(out.f32, x.f32, x.shape, x.strides(), k32)
	case x.strides() != nil:
		unaryStrided(out.f64, x.f64, x.shape, x.strides(), k64)
	case x.dtype == Float32:
		k32(out.f32, x.f32)
	default:
		k64(out.f64, x.f64)
	}
	return out
}

// mapF applies f elementwise (through float64) into a new tensor. An op named in
// typedUnary runs that table's typed kernels instead, which compute the same
// values without a call through f per element.
func mapF(name string, x *Tensor, f func(float64) float64) *Tensor {
	if k, ok := typedUnary[name]; ok && useTypedUnary {
		return unary(name, x, k.k32, k.k64)
	}
	return unary(name, x,
		func(dst, a []float32) {
			for i, v := range a {
				dst[i] = float32(f(float64(v)))
			}
		},
		func(dst, a []float64) {
			for i, v := range a {
				dst[i] = f(v)
			}
		})
}

// unaryKernels are an elementwise op's float32 and float64 kernels.
type unaryKernels struct {
	k32 func(dst, a []float32)
	k64 func(dst, a []float64)
}

// typedUnary holds, by the name its op passes to mapF, typed kernels for the
// one-argument ops without parameters: the cheap ones (cheapUnary), where a call
// per element through a func value cost more than the math, and the rarer
// transcendental ones (mathUnary), which save that call too. Each computes
// exactly the float64 expression the op hands mapF, converted back to the
// element type (TestTypedUnaryMatchesMapF checks every entry bit for bit), with
// the function called directly in the loop.
var typedUnary = map[string]unaryKernels{}

// cheapUnary names the ops of typedUnary, in the order of mathK's cases.
var cheapUnary = []string{"Sqrt", "Rsqrt", "Abs", "Sign", "Floor", "Ceil", "Round", "Trunc", "Frac"}

// mathUnary names the transcendental ops of typedUnary, in the order of
// transK's cases.
var mathUnary = []string{"Expm1", "Log1p", "Log2", "Log10", "Tan", "Asin", "Acos", "Atan",
	"Sinh", "Cosh", "Asinh", "Erf", "Erfc", "Erfinv", "Sin", "Cos"}

func init() {
	for op, name := range cheapUnary {
		typedUnary[name] = unaryKernels{mathK[float32](op), mathK[float64](op)}
	}
	for op, name := range mathUnary {
		typedUnary[name] = unaryKernels{transK[float32](op), transK[float64](op)}
	}
}

// transK returns the kernel of mathUnary[op], as mathK does for cheapUnary.
func transK[T vec.Float](op int) func(d, a []T) {
	return func(d, a []T) {
		d = d[:len(a)]
		for i, v := range a {
			x := float64(v)
			switch op {
			case 0:
				x = math.Expm1(x)
			case 1:
				x = math.Log1p(x)
			case 2:
				x = math.Log2(x)
			case 3:
				x = math.Log10(x)
			case 4:
				x = math.Tan(x)
			case 5:
				x = math.Asin(x)
			case 6:
				x = math.Acos(x)
			case 7:
				x = math.Atan(x)
			case 8:
				x = math.Sinh(x)
			case 9:
				x = math.Cosh(x)
			case 10:
				x = math.Asinh(x)
			case 11:
				x = math.Erf(x)
			case 12:
				x = math.Erfc(x)
			case 13:
				x = math.Erfinv(x)
			case 14:
				x = math.Sin(x)
			case 15:
				x = math.Cos(x)
			}
			d[i] = T(x)
		}
	}
}

// useTypedUnary lets a test compare typedUnary against the float64 functions.
var useTypedUnary = true

// mathK returns the kernel of cheapUnary[op]. The switch on op inside the loop is
// on a value fixed for the call, so it costs a predicted branch, not a call.
func mathK[T vec.Float](op int) func(d, a []T) {
	return func(d, a []T) {
		for i, v := range a {
			x := float64(v)
			switch op {
			case 0:
				x = math.Sqrt(x)
			case 1:
				x = 1 / math.Sqrt(x)
			case 2:
				x = math.Abs(x)
			case 3:
				x = sign(x)
			case 4:
				x = math.Floor(x)
			case 5:
				x = math.Ceil(x)
			case 6:
				x = math.RoundToEven(x)
			case 7:
				x = math.Trunc(x)
			case 8:
				x -= math.Trunc(x)
			}
			d[i] = T(x)
		}
	}
}

func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return v // 0, -0 and NaN map to themselves
}

// clampValue returns x clamped to [lo, hi] as PyTorch's clamp: lo if x < lo,
// then hi if the result > hi, else x itself, so NaN stays NaN, -0 stays -0 (0
// is not below it), and hi wins when lo > hi.
func clampValue(x, lo, hi float64) float64 {
	if x < lo {
		x = lo
	}
	if x > hi {
		x = hi
	}
	return x
}

// paramOp names a one-input op with number parameters that has a typed kernel
// (paramK's cases).
type paramOp uint8

const (
	pClamp     paramOp = iota // t clamped to [p0, p1]: clampValue
	pFmod                     // fmod(t, p0)
	pRemainder                // t % p0, Python's
	pNanToNum                 // NaN, +Inf, -Inf to p0, p1, p2
)

// mapP applies paramK's case k, with parameters p, elementwise into a new
// tensor (as mapF, reading a strided x in place). f computes the same in
// float64, and is what runs when a test turns useTypedUnary off
// (TestTypedUnaryMatchesMapF).
func mapP(name string, x *Tensor, k paramOp, p [3]float64, f func(float64) float64) *Tensor {
	if !useTypedUnary {
		return mapF(name, x, f)
	}
	return unary(name, x, paramK[float32](k, p), paramK[float64](k, p))
}

// paramK returns the kernel of case k with parameters p: the float64
// expression of its op, converted back to the element type, with no call
// through a func value per element.
func paramK[T vec.Float](k paramOp, p [3]float64) func(d, a []T) {
	return func(d, a []T) {
		d = d[:len(a)]
		for i, v := range a {
			x := float64(v)
			switch k {
			case pClamp:
				x = clampValue(x, p[0], p[1])
			case pFmod:
				x = math.Mod(x, p[0])
			case pRemainder:
				x = pyMod(x, p[0])
			case pNanToNum:
				switch {
				case x != x:
					x = p[0]
				case math.IsInf(x, 1):
					x = p[1]
				case math.IsInf(x, -1):
					x = p[2]
				}
			}
			d[i] = T(x)
		}
	}
}
