package tensor

import (
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

// binStrided computes dst = a op b where dst, a and b are walked with the given
// (coalesced) strides over shape: the one strided iterator behind broadcasting,
// views and out= results. Rows that are contiguous in dst and contiguous or
// constant in a and b run the vector kernels.
func binStrided[T vec.Float](op binOp, dst, a, b []T, shape []int, sd, sa, sb []int) {
	last := len(shape) - 1
	inner := shape[last]
	id, ia, ib := sd[last], sa[last], sb[last]
	forEachRow(shape, [][]int{sd, sa, sb}, func(_ int, offs []int) {
		o, x, y := offs[0], offs[1], offs[2]
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
	})
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
	cs, st := coalesce(dst.shape, dst.layout(), expandedStrides(a, dst.shape), expandedStrides(b, dst.shape))
	if a.dtype == Float32 {
		binStrided(op, dst.f32, a.f32, b.f32, cs, st[0], st[1], st[2])
	} else {
		binStrided(op, dst.f64, a.f64, b.f64, cs, st[0], st[1], st[2])
	}
}

// expandedStrides returns t's strides as seen from the broadcast shape out: 0
// along the dims it is broadcast over.
func expandedStrides(t *Tensor, out []int) []int {
	ts := t.layout()
	st := make([]int, len(out))
	for i := range out {
		if j := len(t.shape) - len(out) + i; j >= 0 && t.shape[j] != 1 {
			st[i] = ts[j]
		}
	}
	return st
}

// unary applies a kernel elementwise into a new tensor.
func unary(name string, x *Tensor, k32 func(dst, a []float32), k64 func(dst, a []float64)) *Tensor {
	nonNil(name, x)
	x.wantFloat(name)
	x = x.dense()
	out := uninit(x.dtype, x.shape) // the kernels write every element
	if x.dtype == Float32 {
		k32(out.f32, x.f32)
	} else {
		k64(out.f64, x.f64)
	}
	return out
}

// mapF applies f elementwise (through float64) into a new tensor; for ops that are
// rarely hot.
func mapF(name string, x *Tensor, f func(float64) float64) *Tensor {
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

func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return v // 0, -0 and NaN map to themselves
}
