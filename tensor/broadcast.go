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
	sh := []int{}
	st := make([][]int, len(strides))
	for i, d := range shape {
		if d == 1 {
			continue
		}
		if k := len(sh) - 1; k >= 0 {
			ok := true
			for o := range strides {
				if st[o][k] != strides[o][i]*d {
					ok = false
					break
				}
			}
			if ok {
				sh[k] *= d
				for o := range strides {
					st[o][k] = strides[o][i]
				}
				continue
			}
		}
		sh = append(sh, d)
		for o := range strides {
			st[o] = append(st[o], strides[o][i])
		}
	}
	if len(sh) == 0 {
		sh = append(sh, 1)
		for o := range strides {
			st[o] = append(st[o], 0)
		}
	}
	return sh, st
}

// forEachRow calls f(outOff, offs...) for each row of the last dim of shape, with
// the element offsets of the row's start in the output (contiguous) and in each
// operand (by its strides).
func forEachRow(shape []int, strides [][]int, f func(outOff int, offs []int)) {
	nd := len(shape)
	inner := shape[nd-1]
	rows := numel(shape) / max(inner, 1)
	if inner == 0 {
		return
	}
	idx := make([]int, nd)
	offs := make([]int, len(strides))
	for r := range rows {
		f(r*inner, offs)
		for d := nd - 2; d >= 0; d-- {
			idx[d]++
			for o := range strides {
				offs[o] += strides[o][d]
			}
			if idx[d] < shape[d] {
				break
			}
			for o := range strides {
				offs[o] -= strides[o][d] * shape[d]
			}
			idx[d] = 0
		}
	}
}

// iterDims is the most dims, after coalescing, that a rowIter walks. Its state
// lives in fixed arrays, on the caller's stack, so that walking a broadcast or
// a view allocates nothing; layouts with more dims left (rare) go through
// coalesce and forEachRow.
const iterDims = 8

// rowIter is forEachRow as a loop, for up to three operands: it walks the
// rows (runs along the last dim) of a coalesced shape, with the element
// offset of each row's start in every operand in off.
type rowIter struct {
	nd, nops    int
	rows, inner int
	shape       [iterDims]int
	st          [3][iterDims]int
	idx         [iterDims]int
	off         [3]int
}

// init sets it to the first row of shape walked with the operands' strides,
// coalesced as coalesce does. It reports false, leaving it unusable, when
// more than iterDims dims remain or there are more than three operands.
func (it *rowIter) init(shape []int, strides ...[]int) bool {
	if len(strides) > len(it.st) {
		return false
	}
	*it = rowIter{nops: len(strides)}
	nd := 0
	for i, d := range shape {
		if d == 1 {
			continue
		}
		if k := nd - 1; k >= 0 {
			merge := true
			for o, s := range strides {
				if it.st[o][k] != s[i]*d {
					merge = false
					break
				}
			}
			if merge {
				it.shape[k] *= d
				for o, s := range strides {
					it.st[o][k] = s[i]
				}
				continue
			}
		}
		if nd == iterDims {
			return false
		}
		it.shape[nd] = d
		for o, s := range strides {
			it.st[o][nd] = s[i]
		}
		nd++
	}
	if nd == 0 {
		it.shape[0], nd = 1, 1
	}
	it.nd, it.inner, it.rows = nd, it.shape[nd-1], 1
	for _, d := range it.shape[:nd-1] {
		it.rows *= d
	}
	if it.inner == 0 {
		it.rows = 0
	}
	return true
}

// stride returns operand o's stride along the rows.
func (it *rowIter) stride(o int) int { return it.st[o][it.nd-1] }

// next moves off to the start of the next row.
func (it *rowIter) next() {
	for d := it.nd - 2; d >= 0; d-- {
		it.idx[d]++
		for o := range it.nops {
			it.off[o] += it.st[o][d]
		}
		if it.idx[d] < it.shape[d] {
			return
		}
		for o := range it.nops {
			it.off[o] -= it.st[o][d] * it.shape[d]
		}
		it.idx[d] = 0
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
