package tensor

import "slices"

// broadcastShapes returns the shape that a and b broadcast to under PyTorch's
// rules (align from the right; each pair of sizes must be equal or contain a 1),
// panicking with an error naming op otherwise.
func broadcastShapes(op string, a, b []int) []int {
	if slices.Equal(a, b) {
		return a
	}
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := range n {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			failKind(ErrShape, op, "shapes %v and %v do not broadcast", a, b)
		}
	}
	validShape(op, out)
	return out
}

// coalesce merges adjacent dims that every operand walks contiguously (or not at
// all), so that the inner loop of a broadcast runs over as long a row as possible.
func coalesce(shape []int, strides ...[]int) ([]int, [][]int) {
	n := max(len(shape), 1)
	sh, st := make([]int, n), make([][]int, len(strides))
	for o := range st {
		st[o] = make([]int, n)
	}
	nd := coalesceInto(sh, st, shape, strides)
	for o := range st {
		st[o] = st[o][:nd]
	}
	return sh[:nd], st
}

// coalesceInto is coalesce writing the merged shape into sh and each operand's
// strides into st[o] (as long as sh): it returns how many dims remain, or -1
// when more than len(sh) would.
func coalesceInto(sh []int, st [][]int, shape []int, strides [][]int) int {
	nd := 0
	for i, d := range shape {
		if d == 1 {
			continue
		}
		if k := nd - 1; k >= 0 {
			merge := true
			for o, s := range strides {
				if st[o][k] != s[i]*d {
					merge = false
					break
				}
			}
			if merge {
				sh[k] *= d
				for o, s := range strides {
					st[o][k] = s[i]
				}
				continue
			}
		}
		if nd == len(sh) {
			return -1
		}
		sh[nd] = d
		for o, s := range strides {
			st[o][nd] = s[i]
		}
		nd++
	}
	if nd == 0 { // every dim of size 1: one element
		sh[0] = 1
		for o := range strides {
			st[o][0] = 0
		}
		nd = 1
	}
	return nd
}

// iterDims is the most dims, after coalescing, that a rowIter walks with its
// state in fixed arrays, on the caller's stack, so that walking a broadcast or a
// view allocates nothing. A layout with more dims left (rare) is walked from
// slices that coalesce allocates.
const iterDims = 8

// maxIterOps is the most operands a rowIter walks together.
const maxIterOps = 4

// rowIter walks the rows (runs along the last dim) of a shape, coalesced as
// coalesce does, in row-major order, with the element offset of the row's
// start in each operand, by that operand's strides, in off:
//
//	var it rowIter
//	it.init(shape, dstStrides, srcStrides)
//	for r := range it.rows {
//		// row r: it.inner elements, from it.off[0] and it.off[1] with
//		// strides it.stride(0) and it.stride(1)
//		it.next()
//	}
type rowIter struct {
	nd, nops    int
	rows, inner int
	off         [maxIterOps]int
	k, lim      int             // the row's index along dim nd-2, and that dim's size
	step        [maxIterOps]int // the operands' strides along dim nd-2
	shape       [iterDims]int
	st          [maxIterOps][iterDims]int
	idx         [iterDims]int

	// big holds the coalesced layout when more than iterDims dims remain.
	big *bigLayout
}

// bigLayout is a rowIter's layout of more than iterDims dims.
type bigLayout struct {
	shape, idx []int
	st         [][]int
}

// init sets it to the first row of shape walked with the operands' strides
// (at most maxIterOps of them).
func (it *rowIter) init(shape []int, strides ...[]int) {
	if len(strides) > maxIterOps {
		panic("tensor: internal error: rowIter walks at most 4 operands")
	}
	*it = rowIter{nops: len(strides)}
	var st [maxIterOps][]int
	for o := range strides {
		st[o] = it.st[o][:]
	}
	cs := it.shape[:]
	if nd := coalesceInto(cs, st[:len(strides)], shape, strides); nd > 0 {
		cs = cs[:nd]
	} else { // more than iterDims dims remain
		bs, bst := coalesce(shape, strides...) // not through cs, which points into it
		it.big = &bigLayout{shape: bs, idx: make([]int, len(bs)), st: bst}
		cs = bs
	}
	nd := len(cs)
	it.nd, it.inner, it.rows = nd, cs[nd-1], 1
	for _, d := range cs[:nd-1] {
		it.rows *= d
	}
	if it.inner == 0 {
		it.rows = 0
	}
	if nd >= 2 && it.big == nil { // next's short path; a big layout always carries
		it.lim = it.shape[nd-2]
		for o := range it.nops {
			it.step[o] = it.st[o][nd-2]
		}
	}
}

// initLayouts is init for dst and src of one shape, with their strides.
func (it *rowIter) initLayouts(dst, src *Tensor) {
	var db, sb [iterDims]int
	it.init(dst.shape, dst.layoutInto(scratch(&db, len(dst.shape))), src.layoutInto(scratch(&sb, len(src.shape))))
}

// scratch returns n ints for strides: buf's when they fit, else new ones.
func scratch(buf *[iterDims]int, n int) []int {
	if n <= iterDims {
		return buf[:n]
	}
	return make([]int, n)
}

// stride returns operand o's stride along the rows.
func (it *rowIter) stride(o int) int {
	if it.big != nil {
		return it.big.st[o][it.nd-1]
	}
	return it.st[o][it.nd-1]
}

// next moves off to the start of the next row. Its common case, a step
// along the dim before the rows, adds the precomputed steps without carry's
// loop (sums over a dim ran 5-10 % slower without it).
func (it *rowIter) next() {
	if it.k++; it.k < it.lim {
		it.off[0] += it.step[0]
		it.off[1] += it.step[1]
		it.off[2] += it.step[2]
		it.off[3] += it.step[3]
		return
	}
	it.carry()
}

// carry is next when the dim before the rows wraps around (or the layout is
// big).
func (it *rowIter) carry() {
	if b := it.big; b != nil {
		step(&it.off, b.shape, b.idx, b.st)
		return
	}
	if it.nd < 2 {
		return
	}
	it.idx[it.nd-2] = it.k - 1 // the fast path's count, before this step
	st := [maxIterOps][]int{it.st[0][:], it.st[1][:], it.st[2][:], it.st[3][:]}
	step(&it.off, it.shape[:it.nd], it.idx[:it.nd], st[:it.nops])
	it.k = it.idx[it.nd-2]
}

// step advances the multi-index idx over shape's dims before the last by one
// row, in row-major order, and moves each operand's offset in off by its
// strides st.
func step(off *[maxIterOps]int, shape, idx []int, st [][]int) {
	for d := len(shape) - 2; d >= 0; d-- {
		idx[d]++
		for o, s := range st {
			off[o] += s[d]
		}
		if idx[d] < shape[d] {
			return
		}
		for o, s := range st {
			off[o] -= s[d] * shape[d]
		}
		idx[d] = 0
	}
}

// pairBroadcastsTo reports whether shapes a and b broadcast to out exactly,
// as broadcastShapes(a, b) would give it.
func pairBroadcastsTo(a, b, out []int) bool {
	if len(out) != max(len(a), len(b)) || !broadcastsTo(a, out) || !broadcastsTo(b, out) {
		return false
	}
	for i, d := range out { // each size comes from a or b
		ja, jb := len(a)-len(out)+i, len(b)-len(out)+i
		if d != 1 && (ja < 0 || a[ja] != d) && (jb < 0 || b[jb] != d) {
			return false
		}
	}
	return true
}

// sumTo sums t over the dims it was broadcast along, giving a tensor of shape
// (which t's shape must broadcast from). It is differentiable. This is the one place
// where gradients of broadcast inputs are reduced.
func (t *Tensor) sumTo(shape []int) *Tensor {
	if slices.Equal(t.shape, shape) {
		return t
	}
	lead := len(t.shape) - len(shape)
	var dims []int
	for i := range t.shape {
		if i < lead || shape[i-lead] == 1 && t.shape[i] != 1 {
			dims = append(dims, i)
		}
	}
	s := t
	if len(dims) > 0 {
		s = t.SumKeepDim(dims...)
	}
	return s.Reshape(shape...)
}

// broadcastsTo reports whether shape in broadcasts to shape out.
func broadcastsTo(in, out []int) bool {
	if len(in) > len(out) {
		return false
	}
	for i, d := range in {
		if o := out[len(out)-len(in)+i]; d != o && d != 1 {
			return false
		}
	}
	return true
}
