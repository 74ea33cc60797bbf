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
