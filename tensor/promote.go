package tensor

import "math"

// boolBit is the bool value of v as PyTorch converts it (nonzero, NaN included, is
// true), as stored in a Bool tensor.
func boolBit(v float64) int64 {
	if v != 0 {
		return 1
	}
	return 0
}

// NewBool returns a bool tensor holding a copy of data with the given shape; with
// no shape it is 1-d. It panics if the shape's element count differs from
// len(data).
func NewBool(data []bool, shape ...int) *Tensor {
	v := make([]int64, len(data))
	for i, b := range data {
		if b {
			v[i] = 1
		}
	}
	t := wrap("NewBool", v, shape)
	t.dtype = Bool
	return t
}

// Bools returns a copy of the elements of a bool tensor. It panics unless the
// dtype is Bool.
func (t *Tensor) Bools() []bool {
	t.wantDType("Bools", Bool)
	t = t.dense()
	out := make([]bool, len(t.i64))
	for i, v := range t.i64 {
		out[i] = v != 0
	}
	return out
}

// promotionRank orders the dtypes as PyTorch's promotion lattice does for these
// four: bool < int64 < float32 < float64.
func promotionRank(d DType) int {
	switch d {
	case Bool:
		return 0
	case Int64:
		return 1
	case Float32:
		return 2
	}
	return 3
}

// category is bool (0), integer (1) or float (2).
func category(d DType) int { return min(promotionRank(d), 2) }

// PromoteTypes returns the smallest dtype both a and b convert to without losing
// their kind, as torch.promote_types: bool < int64 < float32 < float64.
func PromoteTypes(a, b DType) DType {
	if promotionRank(a) >= promotionRank(b) {
		return a
	}
	return b
}

// ResultType returns the dtype of an arithmetic op on ts under PyTorch's rules:
// tensors with dims decide among themselves; 0-d tensors count only when their
// kind (bool, integer, float) is higher than every dimensioned tensor's, so that
// float32 data plus a float64 0-d tensor stays float32, while int64 data plus a
// float64 0-d tensor is float64. It panics if ts is empty.
func ResultType(ts ...*Tensor) DType {
	if len(ts) == 0 {
		fail("ResultType", "needs at least one tensor")
	}
	dim, zero := -1, -1
	for _, t := range ts {
		r := promotionRank(t.dtype)
		if len(t.shape) > 0 {
			dim = max(dim, r)
		} else {
			zero = max(zero, r)
		}
	}
	switch {
	case dim < 0:
		return rankDType(zero)
	case zero >= 0 && min(zero, 2) > min(dim, 2):
		return rankDType(zero)
	}
	return rankDType(dim)
}

func rankDType(r int) DType { return [...]DType{Bool, Int64, Float32, Float64}[r] }

// promote returns a and b converted to their ResultType (recorded when both are
// float, so gradients return in each input's dtype).
func promote(op string, a, b *Tensor) (*Tensor, *Tensor) {
	if a != nil && b != nil && a.dtype == b.dtype {
		return a, b
	}
	nonNil(op, a, b)
	d := ResultType(a, b)
	return a.To(d), b.To(d)
}

// promoteFloat is promote, then int64 and bool results converted to float32 (the
// default dtype), for ops whose result is always a float (true division).
func promoteFloat(op string, a, b *Tensor) (*Tensor, *Tensor) {
	a, b = promote(op, a, b)
	if !a.dtype.IsFloat() {
		return a.To(Float32), b.To(Float32)
	}
	return a, b
}

// scalarOperand returns s as a 0-d tensor to combine with t as PyTorch combines a
// tensor with a Python number: in t's dtype if t is a float tensor or s is
// integral, else in float32 (an int64 tensor times 2.5 is float32).
func scalarOperand(t *Tensor, s float64) *Tensor {
	if t.dtype.IsFloat() {
		return t.dtype.Full(s)
	}
	if s == math.Trunc(s) && !math.IsInf(s, 0) {
		return Int64.Full(s) // bool + 1 is int64 too
	}
	return Float32.Full(s)
}

// binaryInt computes a op b for int64 or bool tensors of the same dtype,
// broadcasting; a bool result is the logical value of the integer one (PyTorch's
// bool + bool is or, bool * bool is and).
func binaryInt(name string, op binOp, a, b *Tensor) *Tensor {
	shape := broadcastShapes(name, a.shape, b.shape)
	out := empty(a.dtype, shape)
	broadcastRows(shape, []*Tensor{a, b}, func(d int, o []int, n int, s []int) {
		for i := range n {
			binaryIntAt(name, op, out, d+i, a.i64[o[0]+i*s[0]], b.i64[o[1]+i*s[1]])
		}
	})
	return out
}

// binaryIntAt sets out's element p to u op v (binaryInt's kernel).
func binaryIntAt(name string, op binOp, out *Tensor, p int, u, v int64) {
	var r int64
	switch op {
	case opAdd:
		r = u + v
	case opSub:
		r = u - v
	case opMul:
		r = u * v
	case opDiv:
		if v == 0 {
			fail(name, "integer division by zero")
		}
		r = u / v
	}
	if out.dtype == Bool {
		r = boolBit(float64(r))
	}
	out.i64[p] = r
}

// broadcastable reports whether shapes a and b broadcast together.
func broadcastable(a, b []int) bool {
	for i := 1; i <= min(len(a), len(b)); i++ {
		x, y := a[len(a)-i], b[len(b)-i]
		if x != y && x != 1 && y != 1 {
			return false
		}
	}
	return true
}
