package tensor

import "slices"

// wantIndex panics unless index is an int64 tensor, naming op.
func (index *Tensor) wantIndex(op string) {
	if index.dtype != Int64 {
		failKind(ErrDType, op, "index must be an int64 tensor, got dtype %v (shape %v)", index.dtype, index.shape)
	}
}

// checkIndexValue panics unless 0 <= v < size, naming op, the dim and the shape.
func checkIndexValue(op string, v int64, size, d int, shape []int) int {
	if v < 0 || v >= int64(size) {
		failKind(ErrIndex, op, "index %d is out of bounds for dim %d with size %d (shape %v)", v, d, size, shape)
	}
	return int(v)
}

// IndexSelect returns the entries of t at the given indices along dim
// (torch.index_select): index is a 1-d (or 0-d) int64 tensor. Its gradient adds
// back into the selected places (IndexSelectBackward0). It panics on a float
// index or one out of range.
func (t *Tensor) IndexSelect(dim int, index *Tensor) *Tensor {
	index.wantIndex("IndexSelect")
	if len(index.shape) > 1 {
		fail("IndexSelect", "index must be 0-d or 1-d, got shape %v", index.shape)
	}
	d := t.normDimOrScalar("IndexSelect", dim)
	x := t
	if len(t.shape) == 0 {
		x = t.Reshape(1)
	}
	maps := identityMaps(x.shape)
	maps[d] = t.indexMap("IndexSelect", index, x.shape, d)
	shape := mapShape(maps)
	if len(t.shape) == 0 {
		shape = nil
	}
	out := x.remap("IndexSelectBackward0", shape, maps, 0)
	if out.gradFn != nil && out.gradFn.name == "IndexSelectBackward0" {
		out.gradFn.save(index) // as PyTorch's node, whose backward reads the index
	}
	return out
}

// indexMap returns index's values checked against dim d of shape.
func (t *Tensor) indexMap(op string, index *Tensor, shape []int, d int) []int {
	idx := index.dense().i64
	m := make([]int, len(idx))
	for i, v := range idx {
		m[i] = checkIndexValue(op, v, shape[d], d, shape)
	}
	return m
}

// forEachIndex calls f with each multi-index of shape in row-major order and its
// flat position. idx is reused between calls.
func forEachIndex(shape []int, f func(flat int, idx []int)) {
	n := numel(shape)
	idx := make([]int, len(shape))
	for k := range n {
		f(k, idx)
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
}

func rowStrides(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for d := len(shape) - 1; d >= 0; d-- {
		st[d] = s
		s *= shape[d]
	}
	return st
}

// alongDim walks index (same rank as t) and calls f(k, off, srcOff): k the flat
// position in index, off the offset in t of the element that index names along d,
// srcOff the offset of the same multi-index in a tensor of srcShape. It panics,
// naming op, when index is not int64, ranks differ, index is larger than t
// outside d (or than srcShape anywhere), or a value is out of range.
func alongDim(op string, t *Tensor, d int, index *Tensor, srcShape []int, f func(k, off, srcOff int)) {
	index.wantIndex(op)
	if len(index.shape) != len(t.shape) && !(len(t.shape) == 0 && len(index.shape) <= 1) {
		failKind(ErrShape, op, "index of shape %v must have as many dims as the input of shape %v", index.shape, t.shape)
	}
	shape := t.shape
	if len(shape) == 0 {
		shape = []int{1}
	}
	ishape := index.shape
	if len(ishape) == 0 {
		ishape = []int{1}
	}
	for i := range ishape {
		if i != d && ishape[i] > shape[i] {
			failKind(ErrShape, op, "index of shape %v is larger than the input of shape %v outside dim %d", index.shape, t.shape, d)
		}
		if srcShape != nil && ishape[i] > withRank(srcShape, len(ishape))[i] {
			failKind(ErrShape, op, "index of shape %v is larger than the source of shape %v", index.shape, srcShape)
		}
	}
	st := rowStrides(shape)
	var sst []int
	if srcShape != nil {
		sst = rowStrides(withRank(srcShape, len(ishape)))
	}
	idx := index.dense().i64
	forEachIndex(ishape, func(k int, p []int) {
		v := checkIndexValue(op, idx[k], shape[d], d, t.shape)
		off, so := 0, 0
		for i, pi := range p {
			if i == d {
				off += v * st[i]
			} else {
				off += pi * st[i]
			}
			if sst != nil {
				so += pi * sst[i]
			}
		}
		f(k, off, so)
	})
}

// Gather returns the values of t along dim at index (torch.gather):
// out[i][j][k] = t[index[i][j][k]][j][k] for dim 0, and so on. index is int64
// with t's number of dims and no larger than t outside dim. Its gradient adds back
// into the gathered places (GatherBackward0).
func (t *Tensor) Gather(dim int, index *Tensor) *Tensor {
	d := t.normDimOrScalar("Gather", dim)
	td := t.dense()
	out := empty(t.dtype, slices.Clone(index.shape))
	alongDim("Gather", td, d, index, nil, func(k, off, _ int) { copyInto(out, td, k, off, 1) })
	return gatherDef.recordWith(out, float64(d), nil, []*Tensor{index}, t)
}

// gatherDef is Gather's entry, saving what PyTorch 1.13's gather_backward(grad,
// self, dim, index) reads; arg is the dim.
var gatherDef = &opDef{name: "GatherBackward0", save: []saveRule{{0, always}, {extra(0), always}}}

func init() {
	gatherDef.grad = func(b bwd) { // dt: grad added at index
		b.gi[0] = ZerosLike(b.in(0)).ScatterAdd(int(b.arg()), b.extra(0), b.g)
	}
}

// ScatterAdd returns a copy of t to which src's values are added along dim at
// index (torch.scatter_add): out[index[i][j]][j] += src[i][j] for dim 0.
// Differentiable in t and src (ScatterAddBackward0).
func (t *Tensor) ScatterAdd(dim int, index, src *Tensor) *Tensor {
	return t.scatter(scatterAddDef, "ScatterAdd", dim, index, src, true)
}

// Scatter returns a copy of t with src's values written along dim at index
// (torch.scatter): out[index[i][j]][j] = src[i][j] for dim 0. Where index repeats
// a place, which value lands there is unspecified, as in PyTorch. Differentiable
// in t (zero where written) and src (ScatterBackward0).
func (t *Tensor) Scatter(dim int, index, src *Tensor) *Tensor {
	return t.scatter(scatterDef, "Scatter", dim, index, src, false)
}

func (t *Tensor) scatter(def *opDef, op string, dim int, index, src *Tensor, add bool) *Tensor {
	d := t.normDimOrScalar(op, dim)
	if src.dtype != t.dtype {
		failKind(ErrDType, op, "src dtype %v must match the input's %v", src.dtype, t.dtype)
	}
	out := t.dense().detached().Clone()
	sd := src.dense()
	alongDim(op, out, d, index, src.shape, func(_, off, so int) {
		if add {
			out.setFlat(off, out.flat(off)+sd.flat(so))
		} else {
			copyInto(out, sd, off, so, 1)
		}
	})
	if tracked(t, src) {
		def.recordWith(out, float64(d), src.shape, []*Tensor{index}, t, src)
	}
	return out
}

// The entries of Scatter and ScatterAdd: they save the index; arg is the dim,
// aux src's shape.
var (
	scatterDef    = &opDef{name: "ScatterBackward0", save: []saveRule{{extra(0), always}}}
	scatterAddDef = &opDef{name: "ScatterAddBackward0", save: scatterDef.save}
)

func init() {
	scatterGrad := func(b bwd, add bool) {
		d, index := int(b.arg()), b.extra(0)
		if b.needs(0) {
			if add {
				b.gi[0] = b.g // dt: grad
			} else {
				b.gi[0] = b.g.Scatter(d, index, ZerosLike(index).To(b.g.dtype)) // dt: grad, zero where written
			}
		}
		if b.needs(1) {
			gs, src := b.g.Gather(d, index), b.aux().([]int) // dsrc: grad gathered at index, in src's shape
			if !slices.Equal(gs.shape, src) {
				gs = gs.Pad(padTo(gs.shape, src), PadConstant, 0)
			}
			b.gi[1] = gs
		}
	}
	scatterDef.grad = func(b bwd) { scatterGrad(b, false) }
	scatterAddDef.grad = func(b bwd) { scatterGrad(b, true) }
}

// padTo returns the constant pads that grow shape to want at the end of each dim.
func padTo(shape, want []int) []int {
	var pads []int
	for i := len(shape) - 1; i >= 0; i-- {
		pads = append(pads, 0, want[i]-shape[i])
	}
	return pads
}

// IndexAdd returns a copy of t to which the slices of source along dim are added
// at the given indices (torch.index_add): out.select(dim, index[i]) +=
// source.select(dim, i). Differentiable in t and source (IndexAddBackward0).
func (t *Tensor) IndexAdd(dim int, index, source *Tensor) *Tensor {
	index.wantIndex("IndexAdd")
	if len(index.shape) > 1 {
		fail("IndexAdd", "index must be 0-d or 1-d, got shape %v", index.shape)
	}
	d := t.normDim("IndexAdd", dim)
	if source.dtype != t.dtype {
		fail("IndexAdd", "source dtype %v must match the input's %v", source.dtype, t.dtype)
	}
	want := slices.Clone(t.shape)
	want[d] = index.Numel()
	if !slices.Equal(source.shape, want) {
		failKind(ErrShape, "IndexAdd", "source of shape %v must have shape %v for input %v and %d indices along dim %d", source.shape, want, t.shape, index.Numel(), d)
	}
	maps := identityMaps(source.shape)
	maps[d] = t.indexMap("IndexAdd", index, t.shape, d)
	out := t.dense().detached().Add(source.detached().remapAdd("", t.shape, maps))
	if tracked(t, source) {
		indexAddDef.recordWith(out, 0, &remapped{shape: source.shape, maps: maps}, nil, t, source)
	}
	return out
}

// remapped is the geometry of an index op's node: a shape and the remap maps.
type remapped struct {
	shape []int
	maps  [][]int
}

// indexAddDef is IndexAdd's entry; aux is source's shape and the maps that
// read it from the result.
var indexAddDef = &opDef{name: "IndexAddBackward0"}

func init() {
	indexAddDef.grad = func(b bwd) {
		b.gi[0] = b.g // dt: grad
		if b.needs(1) {
			r := b.aux().(*remapped)
			b.gi[1] = b.g.remap("IndexSelectBackward0", slices.Clone(r.shape), r.maps, 0) // dsource: grad at index
		}
	}
}

// TakeAlongDim returns the values of t along dim at indices, broadcasting t and
// indices in the other dims (torch.take_along_dim); a gather (GatherBackward0).
func (t *Tensor) TakeAlongDim(indices *Tensor, dim int) *Tensor {
	indices.wantIndex("TakeAlongDim")
	d := t.normDim("TakeAlongDim", dim)
	if len(indices.shape) != len(t.shape) {
		fail("TakeAlongDim", "indices of shape %v must have as many dims as the input of shape %v", indices.shape, t.shape)
	}
	ts, is := slices.Clone(t.shape), slices.Clone(indices.shape)
	ts[d], is[d] = 1, 1
	b := broadcastShapes("TakeAlongDim", ts, is)
	tb, ib := slices.Clone(b), slices.Clone(b)
	tb[d], ib[d] = t.shape[d], indices.shape[d]
	x := t
	if !slices.Equal(tb, t.shape) {
		x = expandAny(t, tb)
	}
	return x.Gather(d, broadcastData(indices, ib))
}

// MaskedSelect returns the 1-d tensor of t's values where mask, broadcast with t,
// is true, in row-major order (torch.masked_select; MaskedSelectBackward0).
func (t *Tensor) MaskedSelect(mask *Tensor) *Tensor {
	mask.wantBool("MaskedSelect", "mask")
	shape := broadcastShapes("MaskedSelect", t.shape, mask.shape)
	var pos, src []int // flat positions in shape, and where t has them
	broadcastRows(shape, []*Tensor{mask, t}, func(d int, o []int, n int, s []int) {
		for i := range n {
			if mask.i64[o[0]+i*s[0]] != 0 {
				pos = append(pos, d+i)
				src = append(src, o[1]+i*s[1])
			}
		}
	})
	out := empty(t.dtype, []int{len(pos)})
	for k, p := range src {
		copyInto(out, t, k, p, 1)
	}
	if tracked(t) {
		maskedSelectDef.recordWith(out, 0, &masked{shape: shape, pos: pos}, nil, t)
	}
	return out
}

// masked is MaskedSelect's geometry: the broadcast shape and the flat
// positions selected.
type masked struct {
	shape, pos []int
}

// maskedSelectDef saves the input, as PyTorch 1.13's
// masked_select_backward(grad, self, mask) reads it.
var maskedSelectDef = &opDef{name: "MaskedSelectBackward0", save: savesIn}

func init() {
	maskedSelectDef.grad = func(b bwd) { // dt: grad put back where mask
		m := b.aux().(*masked)
		b.gi[0] = b.g.maskedScatter(m.shape, m.pos)
	}
}

// maskedScatter returns a tensor of shape, zero except at the flat positions pos,
// which receive g's values in order: MaskedSelect's adjoint (recorded).
func (g *Tensor) maskedScatter(shape []int, pos []int) *Tensor {
	gd := g.dense()
	out := empty(g.dtype, shape)
	for k, i := range pos {
		copyInto(out, gd, i, k, 1)
	}
	if tracked(g) {
		recordGeometry("MaskedScatterBackward0", out, g, func(gg *Tensor) *Tensor { return gg.Reshape(-1).IndexSelect(0, New(toInt64(pos))) }) // dg: grad at pos
	}
	return out
}

func toInt64(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

// Nonzero returns the indices of t's nonzero elements as an int64 tensor of
// shape [n, Dim()], in row-major order (torch.nonzero).
func (t *Tensor) Nonzero() *Tensor {
	td := t.dense()
	var idx []int64
	n := 0
	forEachIndex(t.shape, func(k int, p []int) {
		if td.flat(k) != 0 {
			for _, v := range p {
				idx = append(idx, int64(v))
			}
			n++
		}
	})
	if idx == nil {
		idx = []int64{}
	}
	return wrap("Nonzero", idx, []int{n, len(t.shape)})
}

// OneHot returns the int64 one-hot encoding of the int64 class indices t, with a
// new last dim of size numClasses, or of the largest index + 1 when numClasses is
// -1 (torch.nn.functional.one_hot). It panics on a float t or an index out of
// range.
func OneHot(t *Tensor, numClasses int) *Tensor {
	t.wantIndex("OneHot")
	td := t.dense()
	if numClasses == -1 {
		if len(td.i64) == 0 {
			fail("OneHot", "can not infer the number of classes from an empty tensor")
		}
		numClasses = int(slices.Max(td.i64)) + 1
	}
	out := empty(Int64, append(slices.Clone(t.shape), numClasses))
	for i, v := range td.i64 {
		if v < 0 || v >= int64(numClasses) {
			failKind(ErrIndex, "OneHot", "class index %d is out of range for %d classes", v, numClasses)
		}
		out.i64[i*numClasses+int(v)] = 1
	}
	return out
}

// advanced resolves int64 index tensors for t's leading dims, as PyTorch's
// advanced indexing does: they broadcast together to shape bshape, negative
// values count from the end, and each position p names the block of t at element
// offset offs[p] spanning the rest dims (rest elements). It panics, naming op, on
// float or out-of-range indices or more indices than dims.
func (t *Tensor) advanced(op string, indices []*Tensor) (bshape, offs, restShape []int) {
	if len(indices) == 0 || len(indices) > len(t.shape) {
		fail(op, "needs 1 to %d index tensors for shape %v, got %d", len(t.shape), t.shape, len(indices))
	}
	bshape = []int{}
	for i, ix := range indices {
		ix.wantIndex(op)
		if i == 0 {
			bshape = ix.shape
		} else {
			bshape = broadcastShapes(op, bshape, ix.shape)
		}
	}
	st := rowStrides(t.shape)
	offs = make([]int, numel(bshape))
	for d, ix := range indices {
		broadcastRows(bshape, []*Tensor{ix}, func(p int, o []int, n int, s []int) {
			for i := range n {
				x := ix.i64[o[0]+i*s[0]]
				w := x
				if w < 0 {
					w += int64(t.shape[d])
				}
				if w < 0 || w >= int64(t.shape[d]) {
					checkIndexValue(op, x, t.shape[d], d, t.shape) // fails, naming the index as given
				}
				offs[p+i] += int(w) * st[d]
			}
		})
	}
	return slices.Clone(bshape), offs, t.shape[len(indices):]
}

// Index returns t indexed by int64 tensors along its leading dims, as PyTorch's
// t[i0, i1, ...] with index tensors: the result has the indices' broadcast shape
// followed by the remaining dims of t (IndexBackward0).
func (t *Tensor) Index(indices ...*Tensor) *Tensor {
	bshape, offs, rest := t.advanced("Index", indices)
	rn := numel(rest)
	td := t.dense()
	out := empty(t.dtype, append(bshape, rest...))
	for p, off := range offs {
		copyInto(out, td, p*rn, off, rn)
	}
	if tracked(t) {
		indexDef.recordWith(out, 0, t.shape, indices, t)
	}
	return out
}

// The entries of Index and IndexPut save the index tensors; Index's aux is the
// input's shape, IndexPut's arg 1 for accumulate.
var (
	indexDef    = &opDef{name: "IndexBackward0", save: []saveRule{{allExtras, always}}}
	indexPutDef = &opDef{name: "IndexPutBackward0", save: indexDef.save}
)

func init() {
	indexDef.grad = func(b bwd) { // dt: grad added at the indices
		b.gi[0] = b.g.dtype.Zeros(b.aux().([]int)...).IndexPut(b.extras(), b.g, true)
	}
	indexPutDef.grad = func(b bwd) {
		indices := b.extras()
		if b.needs(0) {
			if b.arg() != 0 {
				b.gi[0] = b.g // dt: grad
			} else {
				b.gi[0] = b.g.IndexPut(indices, b.g.dtype.Scalar(0), false) // dt: grad, zero where written
			}
		}
		if b.needs(1) {
			b.gi[1] = b.g.Index(indices...) // dvalues: grad at the indices, summed over broadcast dims
		}
	}
}

// IndexPut returns a copy of t with values (broadcast to the indexed shape)
// written at the given int64 indices of its leading dims, or added there when
// accumulate is set, as torch.index_put (IndexPutBackward0). Without accumulate,
// which of repeated indices wins is unspecified, as in PyTorch.
func (t *Tensor) IndexPut(indices []*Tensor, values *Tensor, accumulate bool) *Tensor {
	return t.indexPut("IndexPut", indices, values, accumulate)
}

// IndexPut_ writes values (broadcast to the indexed shape) into t at the given
// int64 indices of its leading dims, or adds them there when accumulate is set,
// in place, and returns t: torch's index_put_, and t[i0, i1, ...] = values with
// index tensors (IndexPutBackward0). It panics as IndexPut does, and as other
// in-place ops on a leaf that requires grad.
func (t *Tensor) IndexPut_(indices []*Tensor, values *Tensor, accumulate bool) *Tensor {
	nonNil("IndexPut_", t, values)
	t.indexPutChecks("IndexPut_", indices, values)
	return t.inPlace("IndexPut_", false, []*Tensor{values}, func(self *Tensor) *Tensor {
		return self.indexPut("IndexPut_", indices, values, accumulate)
	}, nil)
}

// indexPutChecks panics, naming op, unless values fits t indexed by indices;
// it returns what advanced does.
func (t *Tensor) indexPutChecks(op string, indices []*Tensor, values *Tensor) (bshape, offs, rest []int) {
	bshape, offs, rest = t.advanced(op, indices)
	if values.dtype != t.dtype {
		fail(op, "values dtype %v must match the input's %v", values.dtype, t.dtype)
	}
	want := append(slices.Clone(bshape), rest...)
	if s := broadcastShapes(op, values.shape, want); !slices.Equal(s, want) {
		fail(op, "values of shape %v do not broadcast to the indexed shape %v", values.shape, want)
	}
	return bshape, offs, rest
}

func (t *Tensor) indexPut(op string, indices []*Tensor, values *Tensor, accumulate bool) *Tensor {
	bshape, offs, rest := t.indexPutChecks(op, indices, values)
	want := append(slices.Clone(bshape), rest...)
	rn := numel(rest)
	out := uninit(t.dtype, slices.Clone(t.shape))
	copyValues(out, t)
	broadcastRows(want, []*Tensor{values}, func(d int, o []int, n int, s []int) {
		for i := range n {
			q := d + i // the position in want: block q / rn, element q % rn
			dst, src := offs[q/rn]+q%rn, o[0]+i*s[0]
			if accumulate {
				out.setPos(dst, out.atPos(dst)+values.atPos(src))
			} else {
				copyInto(out, values, dst, src, 1)
			}
		}
	})
	return indexPutDef.recordWith(out, float64(b2i(accumulate)), nil, indices, t, values)
}
