package tensor

import "slices"

// A remap is the one movement primitive behind broadcasting copies, Flip, Roll,
// Repeat, Tile, Pad, RepeatInterleave, IndexSelect and the slices that Cat, Split
// and Unbind take: every output element reads one input element whose index along
// each dim is a function of the output's index along that dim alone,
//
//	out[i0, ..., ik] = t[m0[i0], ..., mk[ik]]   (fill where any m[i] is -1)
//
// Its adjoint adds each output element back where it was read from; the two are
// each other's derivative, so every op built on them has gradients of any order.

// remapOffsets turns per-dim index maps into per-dim element offsets of t's
// row-major storage (-1 stays -1).
func remapOffsets(inShape []int, maps [][]int) [][]int {
	offs := make([][]int, len(maps))
	stride := 1
	for d := len(maps) - 1; d >= 0; d-- {
		o := make([]int, len(maps[d]))
		for i, m := range maps[d] {
			o[i] = -1
			if m >= 0 {
				o[i] = m * stride
			}
		}
		offs[d] = o
		stride *= inShape[d]
	}
	return offs
}

// forEachRemapRow calls f(outRow, base) for each row of the last dim of shape:
// outRow is the row's first output element, base the input offset of the row's
// leading indices, or -1 if one of them is filled.
func forEachRemapRow(shape []int, offs [][]int, f func(outRow, base int)) {
	nd := len(shape)
	if numel(shape) == 0 {
		return
	}
	if nd == 0 {
		f(0, 0)
		return
	}
	inner := shape[nd-1]
	rows := numel(shape[:nd-1])
	idx := make([]int, nd-1)
	for r := range rows {
		base := 0
		for d, i := range idx {
			o := offs[d][i]
			if o < 0 {
				base = -1
				break
			}
			base += o
		}
		f(r*inner, base)
		for d := nd - 2; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
}

func remapKernel[T Element](dst, src []T, shape []int, offs [][]int, fill T) {
	if len(shape) == 0 {
		if numel(shape) == 1 {
			dst[0] = src[0]
		}
		return
	}
	last := offs[len(offs)-1]
	forEachRemapRow(shape, offs, func(row, base int) {
		d := dst[row : row+len(last)]
		for i, o := range last {
			if base < 0 || o < 0 {
				d[i] = fill
			} else {
				d[i] = src[base+o]
			}
		}
	})
}

func remapAddKernel[T Element](dst, src []T, shape []int, offs [][]int) {
	if len(shape) == 0 {
		if numel(shape) == 1 {
			dst[0] += src[0]
		}
		return
	}
	last := offs[len(offs)-1]
	forEachRemapRow(shape, offs, func(row, base int) {
		if base < 0 {
			return
		}
		s := src[row : row+len(last)]
		for i, o := range last {
			if o >= 0 {
				dst[base+o] += s[i]
			}
		}
	})
}

// remapData returns the remap of t to shape by maps, not recorded. It takes any
// dtype; maps has one entry per dim of t, of the length of the same dim of shape.
func remapData(t *Tensor, shape []int, maps [][]int, fill float64) *Tensor {
	t = t.dense()
	out := empty(t.dtype, shape)
	offs := remapOffsets(t.shape, maps)
	switch t.dtype {
	case Float32:
		remapKernel(out.f32, t.f32, shape, offs, float32(fill))
	case Float64:
		remapKernel(out.f64, t.f64, shape, offs, fill)
	case Int64:
		remapKernel(out.i64, t.i64, shape, offs, int64(fill))
	case Bool:
		remapKernel(out.i64, t.i64, shape, offs, boolBit(fill))
	}
	return out
}

// remap returns the remap of t by maps (one per dim of t), recorded as name, with
// the given shape: the map lengths, or any shape of as many elements (Unbind
// drops a dim). Its gradient is the adjoint remap of the output's gradient.
func (t *Tensor) remap(name string, shape []int, maps [][]int, fill float64) *Tensor {
	nonNil(name, t)
	ms := mapShape(maps)
	out := remapData(t, ms, maps, fill)
	out.shape = shape
	if tracked(t) {
		in := t.shape
		recordGeometry(name, out, t, func(g *Tensor) *Tensor { return g.Reshape(ms...).remapAdd(name, in, maps) }) // dt: grad added back where read
	}
	return out
}

func mapShape(maps [][]int) []int {
	s := make([]int, len(maps))
	for d, m := range maps {
		s[d] = len(m)
	}
	return s
}

// remapAdd is the adjoint of remap: a tensor of shape (the input shape of remap)
// to which every element of g is added at the place remap read it from. Recorded;
// its gradient is the remap again.
func (g *Tensor) remapAdd(name string, shape []int, maps [][]int) *Tensor {
	gd := g.dense()
	out := empty(g.dtype, shape)
	offs := remapOffsets(shape, maps)
	switch g.dtype {
	case Float32:
		remapAddKernel(out.f32, gd.f32, g.shape, offs)
	case Float64:
		remapAddKernel(out.f64, gd.f64, g.shape, offs)
	default:
		remapAddKernel(out.i64, gd.i64, g.shape, offs)
	}
	if tracked(g) {
		gs := g.shape
		recordGeometry(name, out, g, func(gg *Tensor) *Tensor { return gg.remap(name, gs, maps, 0) }) // dg: grad read back
	}
	return out
}

// identityMap returns [0, 1, ..., n-1].
func identityMap(n int) []int {
	m := make([]int, n)
	for i := range m {
		m[i] = i
	}
	return m
}

// identityMaps returns the identity map of every dim of shape.
func identityMaps(shape []int) [][]int {
	maps := make([][]int, len(shape))
	for d, n := range shape {
		maps[d] = identityMap(n)
	}
	return maps
}

// broadcastMaps returns the maps that broadcast a tensor of shape in (already of
// the same rank as out) to out.
func broadcastMaps(in, out []int) [][]int {
	maps := make([][]int, len(out))
	for d, n := range out {
		if in[d] == 1 && n != 1 {
			maps[d] = make([]int, n)
		} else {
			maps[d] = identityMap(n)
		}
	}
	return maps
}

// withRank returns t's shape with leading 1s up to rank n.
func withRank(shape []int, n int) []int {
	out := make([]int, n-len(shape), n)
	for i := range out {
		out[i] = 1
	}
	return append(out, shape...)
}

// broadcastData returns t's values materialised at the broadcast shape, for any
// dtype, not recorded.
func broadcastData(t *Tensor, shape []int) *Tensor {
	if slices.Equal(t.shape, shape) {
		return t.dense()
	}
	r := t.withShape(withRank(t.shape, len(shape)))
	return remapData(r, shape, broadcastMaps(r.shape, shape), 0)
}

// withShape returns an unrecorded tensor sharing t's (dense) storage with another
// shape of the same element count: the one place new code builds such a header.
func (t *Tensor) withShape(shape []int) *Tensor {
	t = t.dense()
	return &Tensor{shape: shape, dtype: t.dtype, f32: t.f32, f64: t.f64, i64: t.i64}
}
