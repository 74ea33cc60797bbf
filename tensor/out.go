package tensor

import (
	"slices"

	"github.com/gograd/gograd/internal/vec"
)

// The out= variants write an op's result into a tensor the caller owns, as
// PyTorch's out= arguments, so that a loop that reuses its tensors allocates
// nothing per step. They are never recorded: like PyTorch, they panic when grad
// mode is on and an argument requires grad. dst must have the result's shape (it
// is not resized), must not alias its own elements (an expanded view),
// and, for MatMulOut, SumOut and MeanOut, must not share storage with an input.
// Each bumps dst's version, as any in-place write. They return dst.
//
// Where dst or an input is an int64 or bool tensor, or the dtypes differ, the
// result is computed out of place with PyTorch's dtype (int64 for Add of
// integers, float32 for Exp of them, float64 for float32 plus float64) and
// written into dst when dst's dtype can hold its kind, as PyTorch's out= does: an
// int64 result goes into a float or int64 dst, a float one only into a float dst,
// a float64 one into a float32 dst rounded (this path allocates).

// checkOut panics unless dst can receive a result of shape (dst's own, checked by
// the caller) from the inputs of op. It returns whether dst or an input is an
// int64 or bool tensor or of another dtype than dst: the caller then computes the
// result out of place and writes it with outCopy.
func checkOut(op string, dst *Tensor, inputs ...*Tensor) (outOfPlace bool) {
	nonNil(op, dst)
	nonNil(op, inputs...)
	outOfPlace = !dst.dtype.IsFloat() // or, below, an input of another dtype
	for i := -1; i < len(inputs); i++ {
		t := dst
		if i >= 0 {
			t = inputs[i]
		}
		if t.requiresGrad && IsGradEnabled() {
			fail(op, "functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad (shape %v); call it inside NoGrad", t.shape)
		}
		outOfPlace = outOfPlace || t.dtype != dst.dtype
	}
	if dst.overlaps() {
		fail(op, "unsupported operation: more than one element of the written-to tensor refers to a single memory location (shape %v, strides %v)", dst.shape, dst.strides())
	}
	return outOfPlace
}

// outCopy writes r, op's result computed out of place for integer operands,
// into dst (of r's element count), and returns dst. It panics when dst's dtype
// cannot hold r's kind (a float result in an int64 dst, an int64 one in a bool
// dst), as PyTorch.
func outCopy(op string, dst, r *Tensor) *Tensor {
	if category(r.dtype) > category(dst.dtype) {
		failKind(ErrDType, op, "result dtype %v can't be cast to the out dtype %v (shape %v)", r.dtype, dst.dtype, dst.shape)
	}
	copyValues(dst, r.makeView(dst.shape, nil, 0))
	dst.bumpVersion()
	return dst
}

// noSharedOut panics if dst shares storage with an input of an op that reads
// inputs after writing parts of dst.
func noSharedOut(op string, dst *Tensor, inputs ...*Tensor) {
	for _, t := range inputs {
		if sharesStorage(dst, t) {
			fail(op, "unsupported operation: some elements of the input tensor (shape %v) and the written-to tensor (shape %v) refer to a single memory location", t.shape, dst.shape)
		}
	}
}

func wantOutShape(op string, dst *Tensor, shape []int) {
	if !slices.Equal(dst.shape, shape) {
		failKind(ErrShape, op, "out has shape %v, the result has shape %v", dst.shape, shape)
	}
}

func binaryOut(op string, k binOp, dst, a, b *Tensor) *Tensor {
	outOfPlace := checkOut(op, dst, a, b)
	if !pairBroadcastsTo(a.shape, b.shape, dst.shape) {
		wantOutShape(op, dst, broadcastShapes(op, a.shape, b.shape)) // panics, naming the shapes
	}
	if outOfPlace {
		f := [...]func(a, b *Tensor) *Tensor{opAdd: (*Tensor).Add, opSub: (*Tensor).Sub, opMul: (*Tensor).Mul, opDiv: (*Tensor).Div}[k]
		return outCopy(op, dst, f(a, b))
	}
	if (sharesStorage(dst, a) && !sameLayout(dst, a)) || (sharesStorage(dst, b) && !sameLayout(dst, b)) {
		r := binary(op, k, a, b) // an input aliases other elements of dst: read it all first
		copyValues(dst, r)
		pool.put(r)
	} else {
		binaryInto(k, dst, a, b)
	}
	dst.bumpVersion()
	return dst
}

// sameLayout reports whether a and b name the same elements of one storage in the
// same order.
func sameLayout(a, b *Tensor) bool {
	return a.offset() == b.offset() && slices.Equal(a.shape, b.shape) && slices.Equal(a.strides(), b.strides())
}

// AddOut writes a + b (broadcast) into dst and returns dst (torch.add(a, b, out=dst)).
func AddOut(dst, a, b *Tensor) *Tensor { return binaryOut("AddOut", opAdd, dst, a, b) }

// SubOut writes a - b (broadcast) into dst and returns dst.
func SubOut(dst, a, b *Tensor) *Tensor { return binaryOut("SubOut", opSub, dst, a, b) }

// MulOut writes a * b (broadcast) into dst and returns dst.
func MulOut(dst, a, b *Tensor) *Tensor { return binaryOut("MulOut", opMul, dst, a, b) }

// DivOut writes a / b (broadcast) into dst and returns dst.
func DivOut(dst, a, b *Tensor) *Tensor { return binaryOut("DivOut", opDiv, dst, a, b) }

// unaryOut writes k(x) into dst; f is the out-of-place op, for mixed or integer dtypes.
func unaryOut(op string, dst, x *Tensor, f func(*Tensor) *Tensor, k32 func(d, a []float32), k64 func(d, a []float64)) *Tensor {
	outOfPlace := checkOut(op, dst, x)
	wantOutShape(op, dst, x.shape)
	if outOfPlace {
		return outCopy(op, dst, f(x))
	}
	d, src := dst, x.dense()
	if dst.strides() != nil {
		d = empty(dst.dtype, dst.shape)
	}
	if d.dtype == Float32 {
		k32(d.f32, src.f32)
	} else {
		k64(d.f64, src.f64)
	}
	if d != dst {
		copyValues(dst, d)
	}
	dst.bumpVersion()
	return dst
}

// ExpOut writes e^x into dst and returns dst.
func ExpOut(dst, x *Tensor) *Tensor {
	return unaryOut("ExpOut", dst, x, (*Tensor).Exp, vec.Exp[float32], vec.Exp[float64])
}

// SigmoidOut writes 1/(1+e^-x) into dst and returns dst.
func SigmoidOut(dst, x *Tensor) *Tensor {
	return unaryOut("SigmoidOut", dst, x, (*Tensor).Sigmoid, vec.Sigmoid[float32], vec.Sigmoid[float64])
}

// TanhOut writes tanh(x) into dst and returns dst.
func TanhOut(dst, x *Tensor) *Tensor {
	return unaryOut("TanhOut", dst, x, (*Tensor).Tanh, vec.Tanh[float32], vec.Tanh[float64])
}

// ReluOut writes max(x, 0) into dst and returns dst.
func ReluOut(dst, x *Tensor) *Tensor {
	return unaryOut("ReluOut", dst, x, (*Tensor).Relu, vec.Relu[float32], vec.Relu[float64])
}

// MatMulOut writes the matrix product a·b into dst and returns dst, for matrices
// (torch.mm(a, b, out=dst)) or equal-size batches of them (torch.bmm). Transposed
// views of a and b are read through the kernel's transpose flags, without a copy.
// It panics if the inner dims differ or the operands are not both 2-d or both 3-d
// with the same batch size.
func MatMulOut(dst, a, b *Tensor) *Tensor {
	outOfPlace := checkOut("MatMulOut", dst, a, b)
	noSharedOut("MatMulOut", dst, a, b)
	r := len(a.shape) - 2
	if r < 0 || r > 1 || len(b.shape) != len(a.shape) || r == 1 && a.shape[0] != b.shape[0] {
		fail("MatMulOut", "wants two matrices or two batches of the same size, got shapes %v and %v", a.shape, b.shape)
	}
	am, ak, bk, bn := a.shape[r], a.shape[r+1], b.shape[r], b.shape[r+1]
	if ak != bk {
		fail("MatMulOut", "shapes %v and %v cannot be multiplied (%d != %d)", a.shape, b.shape, ak, bk)
	}
	nb := 1
	if r == 1 {
		nb = a.shape[0]
	}
	if len(dst.shape) != r+2 || dst.shape[r] != am || dst.shape[r+1] != bn || r == 1 && dst.shape[0] != nb {
		fail("MatMulOut", "out has shape %v, the product of %v and %v does not", dst.shape, a.shape, b.shape)
	}
	if outOfPlace {
		return outCopy("MatMulOut", dst, a.MatMul(b))
	}
	d := dst
	if dst.strides() != nil {
		d = empty(dst.dtype, dst.shape)
	}
	mmInto(d, a, b, false, false, am, bn, ak, nb)
	if d != dst {
		copyValues(dst, d)
	}
	dst.bumpVersion()
	return dst
}

// SumOut writes the sum of t over dims (all with none) into dst and returns dst;
// dst's shape is the result's with or without the reduced dims kept as size 1.
func SumOut(dst, t *Tensor, dims ...int) *Tensor { return reduceOut("SumOut", dst, t, dims, false) }

// MeanOut is SumOut for the mean.
func MeanOut(dst, t *Tensor, dims ...int) *Tensor { return reduceOut("MeanOut", dst, t, dims, true) }

func reduceOut(op string, dst, t *Tensor, dims []int, mean bool) *Tensor {
	outOfPlace := checkOut(op, dst, t)
	noSharedOut(op, dst, t)
	lo, hi, run := t.dimRun(op, dims)
	if !reducedShape(dst.shape, t.shape, lo, hi, run) {
		fail(op, "out has shape %v, not that of %v reduced over dims %v", dst.shape, t.shape, slices.Clone(dims))
	}
	if outOfPlace {
		dims := slices.Clone(dims) // f may keep them; the caller's, copied, do not escape
		f := (*Tensor).Sum
		if mean {
			f = (*Tensor).Mean // which refuses integers, as PyTorch's
		}
		return outCopy(op, dst, f(t, dims...))
	}
	count := numel(t.shape[lo:hi])
	if !run {
		ds := t.dimSet(op, dims)
		count = 1
		for _, d := range ds {
			count *= t.shape[d]
		}
		s := t.sumDims(ds)
		copyValues(dst, s.makeView(dst.shape, nil, 0))
	} else {
		d, src := dst, t.dense()
		if dst.strides() != nil {
			d = empty(dst.dtype, dst.shape)
		}
		outer, inner := numel(t.shape[:lo]), numel(t.shape[hi:])
		if d.dtype == Float32 {
			sumRows(d.f32, src.f32, outer, count, inner)
		} else {
			sumRows(d.f64, src.f64, outer, count, inner)
		}
		if d != dst {
			copyValues(dst, d)
		}
	}
	switch {
	case !mean:
	case dst.strides() == nil && dst.dtype == Float32:
		binVS(opDiv, dst.f32, dst.f32, float32(count))
	case dst.strides() == nil:
		binVS(opDiv, dst.f64, dst.f64, float64(count))
	default:
		binaryInto(opDiv, dst, dst, scalarLike(dst, float64(count)))
	}
	dst.bumpVersion()
	return dst
}

// dimRun normalises dims without allocating and returns the range [lo, hi) they
// cover and whether they are exactly that run (no dims: every dim). It panics on
// a dim out of range or repeated.
func (t *Tensor) dimRun(op string, dims []int) (lo, hi int, run bool) {
	if len(dims) == 0 {
		return 0, len(t.shape), true
	}
	lo, hi = len(t.shape), 0
	var seen uint64
	for _, d := range dims {
		n := t.normDim(op, d)
		if n < 64 && seen&(1<<n) != 0 {
			t.dimSet(op, dims) // panics naming the repeated dim
		}
		seen |= 1 << min(n, 63)
		lo, hi = min(lo, n), max(hi, n+1)
	}
	return lo, hi, hi-lo == len(dims)
}

// reducedShape reports whether out is in's shape with dims [lo, hi) (a run) or
// every dim removed or kept as size 1.
func reducedShape(out, in []int, lo, hi int, run bool) bool {
	if !run {
		return numel(out) == numel(in)/max(1, numel(in[lo:hi]))
	}
	kept := len(out) == len(in)
	if !kept && len(out) != len(in)-(hi-lo) {
		return false
	}
	for i, j := 0, 0; i < len(in); i++ {
		switch {
		case i >= lo && i < hi && kept:
			if out[j] != 1 {
				return false
			}
			j++
		case i >= lo && i < hi:
		default:
			if out[j] != in[i] {
				return false
			}
			j++
		}
	}
	return true
}
