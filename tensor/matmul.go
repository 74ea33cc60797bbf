package tensor

import (
	"slices"

	"github.com/gograd/gograd/internal/blas"
	"github.com/gograd/gograd/internal/parallel"
)

// MatMul returns the matrix product of a and b with torch.matmul's rules:
// 1-d·1-d is a dot product (0-d result), 2-d·1-d a matrix-vector product, 1-d·2-d a
// vector-matrix product, 2-d·2-d a matrix product, and with more dims a batched
// product whose batch dims broadcast (a 1-d operand is treated as a matrix with a
// dim of size 1 added, then removed from the result). It panics if the inner dims
// differ or the batch dims do not broadcast.
func MatMul(a, b *Tensor) *Tensor { return a.MatMul(b) }

// MatMul returns the matrix product t·o; see the package function MatMul.
func (t *Tensor) MatMul(o *Tensor) *Tensor {
	if t.dtype != o.dtype || !t.dtype.IsFloat() {
		fail("MatMul", "dtypes %v and %v: both must be the same float type", t.dtype, o.dtype)
	}
	da, db := len(t.shape), len(o.shape)
	if da == 0 || db == 0 {
		fail("MatMul", "both arguments need at least 1 dim, got shapes %v and %v", t.shape, o.shape)
	}
	k1 := t.shape[da-1]
	k2 := o.shape[max(db-2, 0)]
	if k1 != k2 {
		fail("MatMul", "shapes %v and %v cannot be multiplied (%d != %d)", t.shape, o.shape, k1, k2)
	}
	switch {
	case da == 1 && db == 1:
		return dot(t, o)
	case da == 2 && db == 1:
		return mm(t, o.Reshape(k2, 1), false, false).renamed("MvBackward0", []int{t.shape[0]})
	case da == 1 && db == 2:
		return mm(t.Reshape(1, k1), o, false, false).renamed("SqueezeBackward3", []int{o.shape[1]})
	case da == 2 && db == 2:
		return mm(t, o, false, false)
	}
	// Batched: treat 1-d operands as matrices, broadcast the batch dims, flatten them.
	a, b := t, o
	if da == 1 {
		a = a.Reshape(1, k1)
	}
	if db == 1 {
		b = b.Reshape(k2, 1)
	}
	m, n := a.shape[len(a.shape)-2], b.shape[len(b.shape)-1]
	if !broadcastable(a.shape[:len(a.shape)-2], b.shape[:len(b.shape)-2]) {
		fail("MatMul", "shapes %v and %v do not broadcast (batch dims %v and %v)", t.shape, o.shape, a.shape[:len(a.shape)-2], b.shape[:len(b.shape)-2])
	}
	batch := broadcastShapes("MatMul", a.shape[:len(a.shape)-2], b.shape[:len(b.shape)-2])
	nb := numel(batch)
	a = a.Expand(append(slices.Clone(batch), m, k1)...).Reshape(nb, m, k1)
	b = b.Expand(append(slices.Clone(batch), k2, n)...).Reshape(nb, k2, n)
	shape := slices.Clone(batch)
	if da > 1 {
		shape = append(shape, m)
	}
	if db > 1 {
		shape = append(shape, n)
	}
	name := "UnsafeViewBackward0"
	if da == 2 {
		name = "CloneBackward0" // what torch 1.13 reports for matrix·batch
	}
	return mm(a, b, false, false).renamed(name, shape)
}

// renamed returns t reshaped to shape, recorded as a view named name: the node
// PyTorch reports for the composite op that produced t.
func (t *Tensor) renamed(name string, shape []int) *Tensor { return t.view("MatMul", name, shape) }

// dot returns the 0-d dot product of two vectors.
func dot(a, b *Tensor) *Tensor {
	out := empty(a.dtype, nil)
	if a.dtype == Float32 {
		var s float32
		for i, v := range a.f32 {
			s += v * b.f32[i]
		}
		out.f32[0] = s
	} else {
		var s float64
		for i, v := range a.f64 {
			s += v * b.f64[i]
		}
		out.f64[0] = s
	}
	if n := record("DotBackward0", out, true, a, b); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) {
			if n.needs(0) {
				gi[0] = b.Mul(g) // da: grad * b
			}
			if n.needs(1) {
				gi[1] = a.Mul(g) // db: grad * a
			}
		}
	}
	return out
}

// mm returns op(a)·op(b) for matrices (2-d) or equal-size batches of them (3-d),
// where op transposes when ta or tb is set: the transposed forms let backward
// multiply by a transpose without copying it.
func mm(a, b *Tensor, ta, tb bool) *Tensor {
	batched := len(a.shape) == 3
	r := len(a.shape) - 2
	am, ak := a.shape[r], a.shape[r+1]
	if ta {
		am, ak = ak, am
	}
	bk, bn := b.shape[r], b.shape[r+1]
	if tb {
		bk, bn = bn, bk
	}
	if ak != bk {
		fail("MatMul", "shapes %v and %v cannot be multiplied (%d != %d)", a.shape, b.shape, ak, bk)
	}
	nb := 1
	shape := []int{am, bn}
	if batched {
		nb = a.shape[0]
		shape = []int{nb, am, bn}
	}
	out := empty(a.dtype, shape)
	lda, ldb := a.shape[r+1], b.shape[r+1]
	sa, sb, sc := am*ak, ak*bn, am*bn
	gemm := func(i int) {
		if a.dtype == Float32 {
			blas.Gemm(ta, tb, am, bn, ak, 1, a.f32[i*sa:], lda, b.f32[i*sb:], ldb, 0, out.f32[i*sc:], bn)
		} else {
			blas.Gemm(ta, tb, am, bn, ak, 1, a.f64[i*sa:], lda, b.f64[i*sb:], ldb, 0, out.f64[i*sc:], bn)
		}
	}
	switch {
	case am == 0 || bn == 0 || ak == 0:
		// Nothing to multiply: the result is empty or all zeros.
	case nb == 1 || sc >= 64*64:
		for i := range nb {
			gemm(i)
		}
	default:
		parallel.For(nb, max(1, 64*64/max(sc, 1)), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				gemm(i)
			}
		})
	}
	name := "MmBackward0"
	if batched {
		name = "BmmBackward0"
	}
	if n := record(name, out, true, a, b); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) {
			if n.needs(0) {
				if ta {
					gi[0] = mm(b, g, tb, true) // da: (grad·op(b)ᵀ)ᵀ = op(b)·gradᵀ
				} else {
					gi[0] = mm(g, b, false, !tb) // da: grad·op(b)ᵀ
				}
			}
			if n.needs(1) {
				if tb {
					gi[1] = mm(g, a, true, ta) // db: (op(a)ᵀ·grad)ᵀ = gradᵀ·op(a)
				} else {
					gi[1] = mm(a, g, !ta, false) // db: op(a)ᵀ·grad
				}
			}
		}
	}
	return out
}
