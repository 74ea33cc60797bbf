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

// binBroadcast computes dst = a op b where a and b are walked with the given
// (coalesced) strides over shape.
func binBroadcast[T vec.Float](op binOp, dst, a, b []T, shape []int, sa, sb []int) {
	inner := shape[len(shape)-1]
	ia, ib := sa[len(sa)-1], sb[len(sb)-1]
	forEachRow(shape, [][]int{sa, sb}, func(o int, offs []int) {
		d := dst[o : o+inner]
		switch {
		case ia != 0 && ib != 0:
			binVV(op, d, a[offs[0]:offs[0]+inner], b[offs[1]:offs[1]+inner])
		case ia != 0:
			binVS(op, d, a[offs[0]:offs[0]+inner], b[offs[1]])
		case ib != 0:
			binSV(op, d, a[offs[0]], b[offs[1]:offs[1]+inner])
		default:
			var one [1]T
			binVV(op, one[:], a[offs[0]:offs[0]+1], b[offs[1]:offs[1]+1])
			for i := range d {
				d[i] = one[0]
			}
		}
	})
}

// binary computes a op b with broadcasting into a new tensor.
func binary(name string, op binOp, a, b *Tensor) *Tensor {
	if a.dtype != b.dtype {
		fail(name, "dtypes %v and %v: both must be the same type (shapes %v and %v)", a.dtype, b.dtype, a.shape, b.shape)
	}
	if !a.dtype.IsFloat() {
		if a.dtype == Bool && op == opSub {
			fail(name, "subtraction of two bool tensors is not supported (shapes %v and %v); use LogicalXor", a.shape, b.shape)
		}
		return binaryInt(name, op, a, b)
	}
	a, b = a.dense(), b.dense()
	shape := broadcastShapes(name, a.shape, b.shape)
	out := empty(a.dtype, shape)
	if slices.Equal(a.shape, b.shape) {
		if a.dtype == Float32 {
			binVV(op, out.f32, a.f32, b.f32)
		} else {
			binVV(op, out.f64, a.f64, b.f64)
		}
		return out
	}
	if numel(shape) == 0 {
		return out
	}
	cs, st := coalesce(shape, broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape))
	if a.dtype == Float32 {
		binBroadcast(op, out.f32, a.f32, b.f32, cs, st[0], st[1])
	} else {
		binBroadcast(op, out.f64, a.f64, b.f64, cs, st[0], st[1])
	}
	return out
}

// unary applies a kernel elementwise into a new tensor.
func unary(name string, x *Tensor, k32 func(dst, a []float32), k64 func(dst, a []float64)) *Tensor {
	x.wantFloat(name)
	out := empty(x.dtype, x.shape)
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
