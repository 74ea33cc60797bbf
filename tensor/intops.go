package tensor

import "math"

// Integer and bool inputs, as PyTorch treats them. Ops whose result PyTorch keeps
// integral (Neg, Abs, Sign, Pow with an integral exponent, Clamp with integral
// bounds, Relu, Floor and its kin, Prod, the matrix products) run the integer
// kernels here, chosen once per call so that the float kernels are untouched;
// floating functions (Exp, Sqrt, Sin, Pow with a fractional exponent, ...)
// compute on the input converted to float32, the default dtype; the others panic
// with an ErrDType *Error naming the op, the dtype and the shape. Results that
// are not float never require grad: their inputs cannot (only float tensors
// track gradients), and float inputs never yield them through a recorded op.

// floatFuncs names the ops of unary (and of mapF and mapP, which call it) that
// PyTorch computes in floating point for int64 and bool inputs too, returning
// float32.
var floatFuncs = map[string]bool{
	"Exp": true, "Log": true, "Sqrt": true, "Rsqrt": true, "Sin": true, "Cos": true, "Tan": true,
	"Tanh": true, "Sigmoid": true, "Expm1": true, "Log1p": true, "Log2": true, "Log10": true,
	"Asin": true, "Acos": true, "Atan": true, "Sinh": true, "Cosh": true, "Asinh": true,
	"Erf": true, "Erfc": true, "Erfinv": true, "Reciprocal": true,
	"Pow": true, // with a fractional exponent; Pow takes integral ones itself
}

// floatInput returns t, converted to float32 when it is an int64 or bool tensor,
// for an op that PyTorch computes in floating point for any input.
func (t *Tensor) floatInput(op string) *Tensor {
	nonNil(op, t)
	if !t.dtype.IsFloat() {
		return t.To(Float32)
	}
	return t
}

// wantNotBool panics with an ErrDType *Error unless t is not a bool tensor, for
// the ops PyTorch does not implement for bool.
func (t *Tensor) wantNotBool(op string) {
	if t.dtype == Bool {
		failKind(ErrDType, op, "op is not implemented for dtype bool (shape %v)", t.shape)
	}
}

// intMap returns f of each element of the int64 or bool tensor t, as a new
// tensor of dtype dt (int64, or bool for an op that keeps bools).
func intMap(t *Tensor, dt DType, f func(int64) int64) *Tensor {
	x := t.dense()
	out := empty(dt, t.shape)
	for i, v := range x.i64 {
		out.i64[i] = f(v)
	}
	return out
}

// integral reports whether v is a whole number or infinite: a bound or exponent
// that keeps an integer op integral, as a Python int would.
func integral(v float64) bool { return v == math.Trunc(v) }

// intBound returns the integral (or infinite) bound v as an int64, infinities as
// the extreme int64 values (no bound).
func intBound(v float64) int64 {
	switch {
	case v >= math.MaxInt64:
		return math.MaxInt64
	case v <= math.MinInt64:
		return math.MinInt64
	}
	return int64(v)
}

// intPow returns v^e for e >= 0 by repeated squaring, wrapping on overflow as
// PyTorch's integer pow.
func intPow(v, e int64) int64 {
	r := int64(1)
	for ; e > 0; e >>= 1 {
		if e&1 != 0 {
			r *= v
		}
		v *= v
	}
	return r
}

// intPowSigned is intPow for any exponent, as PyTorch's integer pow by a tensor
// exponent: a negative exponent gives 1 for base 1, ±1 for base -1 and 0 for
// any other base.
func intPowSigned(v, e int64) int64 {
	if e >= 0 {
		return intPow(v, e)
	}
	switch v {
	case 1:
		return 1
	case -1:
		if e&1 != 0 {
			return -1
		}
		return 1
	}
	return 0
}

// intClamp returns t clamped to [lo, hi] (min(max(t, lo), hi), so hi where lo >
// hi), as an int64 tensor, for integral or infinite bounds.
func intClamp(t *Tensor, lo, hi float64) *Tensor {
	l, h := intBound(lo), intBound(hi)
	return intMap(t, Int64, func(v int64) int64 { return min(max(v, l), h) })
}

// intInPlace runs the out-of-place op f on the int64 or bool tensor t and
// writes its result into t, as PyTorch's in-place ops on integers; it panics
// when the result's kind is higher than t's (a float result into an integer
// tensor, an integer one into a bool tensor), which PyTorch cannot cast.
func (t *Tensor) intInPlace(op string, f func(self *Tensor) *Tensor) *Tensor {
	return t.inPlace(op, false, nil, func(self *Tensor) *Tensor {
		r := f(self)
		if category(r.dtype) > category(t.dtype) {
			failKind(ErrDType, op, "result dtype %v can't be cast to the tensor's dtype %v (shape %v)", r.dtype, t.dtype, t.shape)
		}
		return r
	}, nil)
}

// intMm computes out = op(a)·op(b) for int64 matrices, as blas.Gemm does for
// floats (op transposes when ta or tb is set; lda and ldb are the leading dims
// of a and b as stored, ldc out's): PyTorch multiplies int64 matrices exactly,
// wrapping on overflow.
func intMm(ta, tb bool, m, n, k int, a []int64, lda int, b []int64, ldb int, c []int64, ldc int) {
	for i := range m {
		for j := range n {
			var s int64
			ai, as := i*lda, 1 // op(a)[i][p] is a[ai+p*as]
			if ta {
				ai, as = i, lda
			}
			bj, bs := j, ldb // op(b)[p][j] is b[bj+p*bs]
			if tb {
				bj, bs = j*ldb, 1
			}
			for p := range k {
				s += a[ai+p*as] * b[bj+p*bs]
			}
			c[i*ldc+j] = s
		}
	}
}
