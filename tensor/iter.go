package tensor

import "github.com/gograd/gograd/internal/vec"

// The strided iterator, PyTorch's TensorIterator idea in a few functions: the
// operands of an elementwise op or a reduction are described by one shape and a
// stride per operand and dim (0 along a dim an input is broadcast over, or an
// output is reduced over); coalesce merges the dims every operand walks
// contiguously, rowIter.initInnerFirst puts the dim an operand walks fastest
// last, and rowIter (broadcast.go) walks the rows of the last dim with each
// operand's start offset, its state on the caller's stack. Kernels then run
// their vector loops on rows that are contiguous (stride 1) and a strided loop
// on the others: no operand is copied to make it dense.

// initInnerFirst is init after reordering the dims of shape and of every
// operand's strides so that operand 0's strides do not increase from outer to
// inner (by absolute value; a stable sort, so equal strides keep their order):
// the inner loop then walks that operand's memory in order. Only for
// operations whose result does not depend on the order elements are visited in
// (elementwise ops; reductions, where it changes the order of a sum's terms).
// Layouts of at most iterDims dims are reordered on the stack.
func (it *rowIter) initInnerFirst(shape []int, strides ...[]int) {
	if len(strides) > maxIterOps {
		panic("tensor: internal error: rowIter walks at most 4 operands")
	}
	n := len(shape)
	var pb, sb [iterDims]int
	var stb [maxIterOps][iterDims]int
	var ss [maxIterOps][]int
	p, sh := scratch(&pb, n), scratch(&sb, n)
	for i := range p {
		p[i] = i
	}
	key := strides[0]
	for i := 1; i < n; i++ { // a stable insertion sort, larger strides first
		for j := i; j > 0 && max(key[p[j]], -key[p[j]]) > max(key[p[j-1]], -key[p[j-1]]); j-- {
			p[j], p[j-1] = p[j-1], p[j]
		}
	}
	for i, d := range p {
		sh[i] = shape[d]
	}
	for o, s := range strides {
		ss[o] = scratch(&stb[o], n)
		for i, d := range p {
			ss[o][i] = s[d]
		}
	}
	it.init(sh, ss[:len(strides)]...)
}

// gatherRow copies n elements of src, stride s from offset o, to dst.
func gatherRow[T any](dst, src []T, o, s, n int) {
	if s == 1 {
		copy(dst[:n], src[o:o+n])
		return
	}
	for i := range dst[:n] {
		dst[i] = src[o+i*s]
	}
}

// valuesInto writes t's elements in row-major order into dst (len ≥ Numel) as
// float64, walking t's strides: Values without a dense copy first.
func (t *Tensor) valuesInto(dst []float64) {
	if numel(t.shape) == 0 {
		return
	}
	var cb, lb [iterDims]int
	var it rowIter
	it.init(t.shape, contiguousInto(scratch(&cb, len(t.shape)), t.shape), t.layoutInto(scratch(&lb, len(t.shape))))
	inner, is := it.inner, it.stride(1)
	for range it.rows {
		d, p := dst[it.off[0]:it.off[0]+inner], it.off[1]
		switch t.dtype {
		case Float32:
			for i := range d {
				d[i] = float64(t.f32[p+i*is])
			}
		case Float64:
			gatherRow(d, t.f64, p, is, inner)
		default:
			for i := range d {
				d[i] = float64(t.i64[p+i*is])
			}
		}
		it.next()
	}
}

// unaryStrided computes dst = k(x) for a contiguous dst and an x of any layout
// (same shape), row by row: a row of x that is contiguous goes straight to the
// kernel, another is gathered into dst's row first and the kernel run in place
// (the vec kernels allow dst to be src).
func unaryStrided[T vec.Float](dst, x []T, shape, strides []int, k func(d, a []T)) {
	var cb [iterDims]int
	var it rowIter
	it.init(shape, contiguousInto(scratch(&cb, len(shape)), shape), strides)
	inner, is := it.inner, it.stride(1)
	for range it.rows {
		d := dst[it.off[0] : it.off[0]+inner]
		if is == 1 {
			k(d, x[it.off[1]:it.off[1]+inner])
		} else {
			gatherRow(d, x, it.off[1], is, inner)
			k(d, d)
		}
		it.next()
	}
}

// sumInto adds each element of src (of the given shape and strides) into dst at
// the position dstStrides give it, 0 along the dims being summed over: one pass
// over src in its memory order, whatever its layout and whichever dims are
// reduced. Contiguous rows use the vector sum or add.
func sumInto[T vec.Float](dst, src []T, shape, dstStrides, srcStrides []int) {
	var it rowIter
	it.initInnerFirst(shape, srcStrides, dstStrides)
	inner, ss, ds := it.inner, it.stride(0), it.stride(1)
	for range it.rows {
		s, d := it.off[0], it.off[1]
		switch {
		case ds == 0 && ss == 1:
			dst[d] += vec.Sum(src[s : s+inner])
		case ds == 0:
			var acc T
			for i := range inner {
				acc += src[s+i*ss]
			}
			dst[d] += acc
		case ds == 1 && ss == 1:
			vec.Add(dst[d:d+inner], dst[d:d+inner], src[s:s+inner])
		default:
			for i := range inner {
				dst[d+i*ds] += src[s+i*ss]
			}
		}
		it.next()
	}
}

// broadcastRows walks shape, the shape xs broadcast to, row by row in
// row-major order: f gets the row's start in a contiguous result of that shape,
// each operand's start in its element slice (by its strides, 0 along the dims it
// is broadcast over), the row's length and each operand's stride along the row.
// Nothing is materialised, whatever the operands' layouts.
func broadcastRows(shape []int, xs []*Tensor, f func(d int, offs []int, n int, s []int)) {
	if numel(shape) == 0 {
		return
	}
	st := make([][]int, 1, len(xs)+1)
	st[0] = contiguousStrides(shape)
	for _, x := range xs {
		st = append(st, expandedStrides(x, shape))
	}
	var it rowIter
	it.init(shape, st...)
	inner := make([]int, len(xs))
	for i := range xs {
		inner[i] = it.stride(i + 1)
	}
	offs := make([]int, len(xs))
	for r := range it.rows {
		copy(offs, it.off[1:])
		f(r*it.inner, offs, it.inner, inner)
		it.next()
	}
}
