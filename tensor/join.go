package tensor

import (
	"fmt"
	"slices"
)

// Joining, splitting and rearranging ops. All but Cat and Tril/Triu are remaps
// (remap.go): each output element is one input element, and gradients flow back
// through the adjoint.

// sliceDim returns elements start, start+step, ... (length of them) of t along
// dim d as a copy, recorded as name.
func (t *Tensor) sliceDim(name string, d, start, length, step int) *Tensor {
	maps := identityMaps(t.shape)
	maps[d] = make([]int, length)
	for i := range maps[d] {
		maps[d][i] = start + i*step
	}
	return t.remap(name, mapShape(maps), maps, 0)
}

// copyInto copies n elements of src from srcOff to dst at dstOff (same dtype).
func copyInto(dst, src *Tensor, dstOff, srcOff, n int) {
	switch dst.dtype {
	case Float32:
		copy(dst.f32[dstOff:dstOff+n], src.f32[srcOff:srcOff+n])
	case Float64:
		copy(dst.f64[dstOff:dstOff+n], src.f64[srcOff:srcOff+n])
	default:
		copy(dst.i64[dstOff:dstOff+n], src.i64[srcOff:srcOff+n])
	}
}

// Cat returns the tensors joined along dim (torch.cat). They must have the same
// number of dims and equal sizes except along dim; 1-d tensors of size 0 are
// skipped, as PyTorch does. Mixed dtypes promote as ResultType says. It panics on
// an empty list, a dim out of range or mismatched shapes.
func Cat(ts []*Tensor, dim int) *Tensor { return cat("Cat", "CatBackward0", ts, dim) }

func cat(op, name string, ts []*Tensor, dim int) *Tensor {
	if len(ts) == 0 {
		fail(op, "expects a non-empty list of tensors")
	}
	var parts []*Tensor
	var idx []int // index of each part in ts
	for i, t := range ts {
		if len(t.shape) == 1 && t.shape[0] == 0 {
			continue
		}
		parts = append(parts, t)
		idx = append(idx, i)
	}
	if len(parts) == 0 {
		return ts[0].detached().Clone()
	}
	dt := ResultType(parts...)
	ref := parts[0]
	if len(ref.shape) == 0 {
		fail(op, "zero-dimensional tensor (at position %d) cannot be concatenated", idx[0])
	}
	d := ref.normDim(op, dim)
	shape := slices.Clone(ref.shape)
	shape[d] = 0
	for k, t := range parts {
		if len(t.shape) != len(ref.shape) {
			failKind(ErrShape, op, "tensors must have the same number of dims: shapes %v and %v (tensor %d)", ref.shape, t.shape, idx[k])
		}
		for j := range t.shape {
			if j != d && t.shape[j] != ref.shape[j] {
				failKind(ErrShape, op, "shapes %v and %v differ outside dim %d (tensor %d)", ref.shape, t.shape, d, idx[k])
			}
		}
		parts[k] = t.To(dt)
		shape[d] += t.shape[d]
	}
	out := empty(dt, shape)
	outer, inner := numel(shape[:d]), numel(shape[d+1:])
	off := 0
	for _, p := range parts {
		pd := p.dense()
		block := p.shape[d] * inner
		for o := range outer {
			copyInto(out, pd, (o*shape[d]+off)*inner, o*block, block)
		}
		off += p.shape[d]
	}
	// Every input is recorded, the skipped empty ones too (their gradient is empty).
	ins := slices.Clone(ts)
	for k, i := range idx {
		ins[i] = parts[k]
	}
	if tracked(ins...) {
		c := &catted{dim: d, sizes: make([]int, len(ins)), dtypes: make([]DType, len(ins))}
		for i, in := range ins {
			c.sizes[i], c.dtypes[i] = -1, in.dtype
		}
		for k, p := range parts {
			c.sizes[idx[k]] = p.shape[d]
		}
		catDef.recordAs(name, out, 0, c, nil, ins...)
	}
	return out
}

// catted is what Cat's node keeps: the dim, each input's size along it (-1 for
// an empty input left out) and dtype.
type catted struct {
	dim    int
	sizes  []int
	dtypes []DType
}

// catDef is the entry of Cat and Stack (named by the op): input i's gradient is
// its slice of grad.
var catDef = &opDef{name: "CatBackward0"}

func init() {
	catDef.grad = func(b bwd) {
		c := b.aux().(*catted)
		off := 0
		for i, size := range c.sizes {
			switch {
			case size < 0 && b.needs(i):
				b.gi[i] = c.dtypes[i].Zeros(0) // skipped: an empty gradient
			case size >= 0:
				if b.needs(i) {
					b.gi[i] = b.g.sliceDim("SliceBackward0", c.dim, off, size, 1) // dp: its slice of grad
				}
				off += size
			}
		}
	}
}

// Stack returns the tensors, which must have equal shapes, joined along a new dim
// (torch.stack); dim may be Dim() of the inputs. Mixed dtypes promote.
func Stack(ts []*Tensor, dim int) *Tensor {
	if len(ts) == 0 {
		fail("Stack", "expects a non-empty list of tensors")
	}
	d := dim
	if d < 0 {
		d += len(ts[0].shape) + 1
	}
	if d < 0 || d > len(ts[0].shape) {
		fail("Stack", "dim %d out of range for shape %v", dim, ts[0].shape)
	}
	us := make([]*Tensor, len(ts))
	for i, t := range ts {
		if !slices.Equal(t.shape, ts[0].shape) {
			failKind(ErrShape, "Stack", "stack expects each tensor to be equal size, but got %v at entry 0 and %v at entry %d", ts[0].shape, t.shape, i)
		}
		us[i] = t.Unsqueeze(d)
	}
	return cat("Stack", "StackBackward0", us, d)
}

// Split returns t split along dim into pieces of size (the last may be smaller),
// as torch.split with an int. It panics if size is not positive.
func (t *Tensor) Split(size, dim int) []*Tensor {
	d := t.normDim("Split", dim)
	if size <= 0 {
		fail("Split", "split size must be positive, got %d", size)
	}
	n := t.shape[d]
	var sizes []int
	for off := 0; off < n; off += size {
		sizes = append(sizes, min(size, n-off))
	}
	if n == 0 {
		sizes = []int{0}
	}
	return t.pieces("SplitBackward0", d, sizes)
}

// SplitSizes returns t split along dim into pieces of the given sizes, which
// must add up to the dim's size (torch.split with a list).
func (t *Tensor) SplitSizes(sizes []int, dim int) []*Tensor {
	d := t.normDim("SplitSizes", dim)
	sum := 0
	for _, s := range sizes {
		if s < 0 {
			fail("SplitSizes", "split sizes %v must be non-negative", sizes)
		}
		sum += s
	}
	if sum != t.shape[d] {
		fail("SplitSizes", "split sizes %v add up to %d, not the size %d of dim %d of shape %v", sizes, sum, t.shape[d], d, t.shape)
	}
	return t.pieces("SplitWithSizesBackward0", d, sizes)
}

// Chunk returns t split along dim into n pieces of equal size (the last may be
// smaller, and there may be fewer than n), as torch.chunk. It panics if n < 1.
func (t *Tensor) Chunk(n, dim int) []*Tensor {
	d := t.normDim("Chunk", dim)
	if n < 1 {
		fail("Chunk", "number of chunks must be positive, got %d", n)
	}
	size := (t.shape[d] + n - 1) / n
	if size == 0 {
		return t.pieces("SplitBackward0", d, slices.Repeat([]int{0}, n))
	}
	return t.Split(size, dim)
}

func (t *Tensor) pieces(name string, d int, sizes []int) []*Tensor {
	out := make([]*Tensor, len(sizes))
	off := 0
	for i, s := range sizes {
		out[i] = t.sliceDim(name, d, off, s, 1)
		off += s
	}
	return out
}

// Unbind returns the slices of t along dim, each without that dim (torch.unbind).
func (t *Tensor) Unbind(dim int) []*Tensor {
	d := t.normDim("Unbind", dim)
	shape := slices.Delete(slices.Clone(t.shape), d, d+1)
	out := make([]*Tensor, t.shape[d])
	for i := range out {
		maps := identityMaps(t.shape)
		maps[d] = []int{i}
		out[i] = t.remap("UnbindBackward0", slices.Clone(shape), maps, 0)
	}
	return out
}

// Flip returns t with the order of elements reversed along each of dims
// (torch.flip).
func (t *Tensor) Flip(dims ...int) *Tensor {
	maps := identityMaps(t.shape)
	if len(dims) > 0 { // with none, nothing is flipped, as torch.flip(t, [])
		for _, d := range t.dimSet("Flip", dims) {
			slices.Reverse(maps[d])
		}
	}
	return t.remap("FlipBackward0", slices.Clone(t.shape), maps, 0)
}

// Roll returns t with elements shifted along dims, wrapping around (torch.roll):
// element i moves to i+shift. With no dims, t is rolled as if flattened, by
// shifts[0]. It panics unless shifts and dims have the same length (one shift
// with no dims).
func (t *Tensor) Roll(shifts []int, dims ...int) *Tensor {
	x := t
	if len(dims) == 0 {
		if len(shifts) != 1 {
			fail("Roll", "with no dims, needs exactly one shift, got %v", shifts)
		}
		x, dims = t.Flatten(), []int{0}
	} else if len(shifts) != len(dims) {
		fail("Roll", "shifts %v and dims %v must have the same length", shifts, dims)
	}
	maps := identityMaps(x.shape)
	for i, dim := range dims {
		d := x.normDim("Roll", dim)
		n := len(maps[d])
		if n == 0 {
			continue
		}
		for j := range maps[d] {
			maps[d][j] = ((maps[d][j]-shifts[i])%n + n) % n
		}
	}
	return x.remap("RollBackward0", slices.Clone(t.shape), maps, 0)
}

// Repeat returns t repeated reps[i] times along each dim (torch.Tensor.repeat);
// reps may have more entries than t has dims, which adds leading dims. It panics
// if reps has fewer entries than t has dims or a negative entry.
func (t *Tensor) Repeat(reps ...int) *Tensor {
	if len(reps) < len(t.shape) {
		fail("Repeat", "number of repeats %v can not be smaller than the number of dims of shape %v", reps, t.shape)
	}
	x := t
	if len(reps) > len(t.shape) {
		x = t.Reshape(withRank(t.shape, len(reps))...)
	}
	maps := make([][]int, len(reps))
	for d, r := range reps {
		if r < 0 {
			fail("Repeat", "repeats %v must be non-negative", reps)
		}
		n := x.shape[d]
		maps[d] = make([]int, n*r)
		for i := range maps[d] {
			maps[d][i] = i % n
		}
	}
	shape := mapShape(maps)
	out := remapData(x, shape, maps, 0)
	if tracked(t) {
		in := t.shape
		bw := func(g *Tensor) *Tensor { return repeatBackward(g, reps, in) }
		if slices.Contains(reps, 0) { // no copies: the gradient is zeros, as the empty remap's adjoint gives
			xs := x.shape
			bw = func(g *Tensor) *Tensor { return g.remapAdd("RepeatBackward0", xs, maps).Reshape(in...) }
		}
		recordGeometry("RepeatBackward0", out, t, bw)
	}
	return out
}

// repeatBackward returns the gradient of Repeat(reps) of a tensor of shape in
// given g, its result's: g summed over the copies (dt: grad summed over the
// copies). It is written as PyTorch's repeat_backward (leading dims summed away,
// each repeated dim split as (rep, size) and summed over rep) so that the
// gradient's grad_fn, SumBackward1, is PyTorch's. No entry of reps is 0.
func repeatBackward(g *Tensor, reps, in []int) *Tensor {
	lead := len(reps) - len(in)
	for range lead {
		g = g.Sum(0)
	}
	var size, dims []int
	for d, n := range in {
		if r := reps[lead+d]; r == 1 {
			size = append(size, n)
		} else {
			size = append(size, r, n)
			dims = append(dims, len(size)-2)
		}
	}
	if !slices.Equal(size, g.shape) { // PyTorch's reshape to g's own shape is g
		g = g.Reshape(size...)
	}
	if len(dims) > 0 {
		g = g.Sum(dims...)
	}
	return g
}

// Tile returns t repeated reps[i] times along each dim (torch.tile): Repeat, with
// reps padded with leading 1s when shorter than t's dims.
func (t *Tensor) Tile(reps ...int) *Tensor {
	if len(reps) < len(t.shape) {
		reps = withRank(reps, len(t.shape))
	}
	return t.Repeat(reps...)
}

// RepeatInterleave returns t with each element along dim repeated repeats times
// in place (torch.repeat_interleave(t, repeats, dim)).
func (t *Tensor) RepeatInterleave(repeats, dim int) *Tensor {
	d := t.normDim("RepeatInterleave", dim)
	if repeats < 0 {
		fail("RepeatInterleave", "repeats must be non-negative, got %d", repeats)
	}
	maps := identityMaps(t.shape)
	maps[d] = make([]int, t.shape[d]*repeats)
	for i := range maps[d] {
		maps[d][i] = i / repeats
	}
	return t.remap("IndexSelectBackward0", mapShape(maps), maps, 0)
}

// PadMode is how Pad fills the border.
type PadMode uint8

// The padding modes of torch.nn.functional.pad.
const (
	PadConstant  PadMode = iota // the given value
	PadReflect                  // the input mirrored at its edge, without repeating the edge
	PadReplicate                // the edge value
	PadCircular                 // the input wrapped around
)

// String returns the mode's PyTorch name.
func (m PadMode) String() string {
	return [...]string{"constant", "reflect", "replicate", "circular"}[m]
}

// Pad returns t padded as torch.nn.functional.pad: pads holds (before, after)
// pairs for the last dim, then the one before it, and so on; value fills in
// PadConstant mode, where negative pads crop. Reflect pads must be smaller than
// the dim, circular ones at most its size. It panics on an odd number of pads,
// more pairs than dims, or pads the mode does not allow, and on an int64 or
// bool t in reflect or replicate mode (PyTorch has no such kernels).
func (t *Tensor) Pad(pads []int, mode PadMode, value float64) *Tensor {
	if nonNil("Pad", t); !t.dtype.IsFloat() && (mode == PadReflect || mode == PadReplicate) {
		failKind(ErrDType, "Pad", "%v padding is not implemented for dtype %v (shape %v)", mode, t.dtype, t.shape)
	}
	if len(pads)%2 != 0 || len(pads)/2 > len(t.shape) {
		fail("Pad", "pads %v must be pairs, at most one per dim of shape %v", pads, t.shape)
	}
	maps := identityMaps(t.shape)
	for k := 0; k < len(pads)/2; k++ {
		d := len(t.shape) - 1 - k
		before, after := pads[2*k], pads[2*k+1]
		n := t.shape[d]
		size := n + before + after
		if size < 0 {
			fail("Pad", "pads (%d, %d) of dim %d make its size %d negative (shape %v)", before, after, d, size, t.shape)
		}
		switch mode {
		case PadReflect:
			if before >= n || after >= n || before < 0 || after < 0 {
				fail("Pad", "reflect pads (%d, %d) of dim %d must be non-negative and less than its size %d", before, after, d, n)
			}
		case PadCircular:
			if before > n || after > n || before < 0 || after < 0 {
				fail("Pad", "circular pads (%d, %d) of dim %d must be non-negative and at most its size %d", before, after, d, n)
			}
		case PadReplicate:
			if n == 0 && size > 0 || before < 0 || after < 0 {
				fail("Pad", "replicate pads (%d, %d) of dim %d need a non-empty dim and non-negative pads", before, after, d)
			}
		}
		m := make([]int, size)
		for i := range m {
			j := i - before
			switch mode {
			case PadConstant:
				if j < 0 || j >= n {
					j = -1
				}
			case PadReflect:
				if j < 0 {
					j = -j
				}
				if j >= n {
					j = 2*(n-1) - j
				}
			case PadReplicate:
				j = min(max(j, 0), n-1)
			case PadCircular:
				j = (j%n + n) % n
			}
			m[i] = j
		}
		maps[d] = m
	}
	name := "ConstantPadNdBackward0"
	switch mode {
	case PadReflect:
		name = fmt.Sprintf("ReflectionPad%dDBackward0", len(pads)/2)
	case PadReplicate:
		name = fmt.Sprintf("ReplicationPad%dDBackward0", len(pads)/2)
	case PadCircular:
		name = "CopySlices" // PyTorch 1.13 pads circularly by slice assignment
	}
	return t.remap(name, mapShape(maps), maps, value)
}

// Tril returns the lower triangle of the matrices in t's last two dims: elements
// on and below diagonal k (k > 0 above, k < 0 below the main diagonal), zero
// elsewhere (torch.tril). It panics if t has fewer than 2 dims.
func (t *Tensor) Tril(k int) *Tensor { return t.triangle("Tril", "TrilBackward0", k, true) }

// Triu returns the upper triangle of the matrices in t's last two dims: elements
// on and above diagonal k, zero elsewhere (torch.triu).
func (t *Tensor) Triu(k int) *Tensor { return t.triangle("Triu", "TriuBackward0", k, false) }

func (t *Tensor) triangle(op, name string, k int, lower bool) *Tensor {
	if len(t.shape) < 2 {
		fail(op, "input must have at least 2 dims, got shape %v", t.shape)
	}
	out := t.dense().detached().Clone()
	r, c := t.shape[len(t.shape)-2], t.shape[len(t.shape)-1]
	for b := range numel(t.shape[:len(t.shape)-2]) {
		for i := range r {
			for j := range c {
				keep := j-i <= k
				if !lower {
					keep = j-i >= k
				}
				if !keep {
					out.setFlat((b*r+i)*c+j, 0)
				}
			}
		}
	}
	recordGeometry(name, out, t, func(g *Tensor) *Tensor { return g.triangle(op, name, k, lower) }) // dt: the same triangle of grad
	return out
}

// Meshgrid returns coordinate grids of the 1-d (or 0-d) tensors ts, as
// torch.meshgrid: with indexing "ij" output i varies along dim i; with "xy" the
// first two dims are swapped (Cartesian indexing). It panics on other indexing
// or inputs with more than one dim.
func Meshgrid(indexing string, ts ...*Tensor) []*Tensor {
	if indexing != "ij" && indexing != "xy" {
		fail("Meshgrid", `indexing must be "ij" or "xy", got %q`, indexing)
	}
	shape := make([]int, len(ts))
	for i, t := range ts {
		if len(t.shape) > 1 {
			fail("Meshgrid", "expects 0-d or 1-d tensors, got shape %v at entry %d", t.shape, i)
		}
		shape[i] = t.Numel()
	}
	pos := func(i int) int { return i }
	if indexing == "xy" && len(ts) >= 2 {
		shape[0], shape[1] = shape[1], shape[0]
		pos = func(i int) int {
			switch i {
			case 0:
				return 1
			case 1:
				return 0
			}
			return i
		}
	}
	out := make([]*Tensor, len(ts))
	for i, t := range ts {
		v := slices.Repeat([]int{1}, len(ts))
		v[pos(i)] = t.Numel()
		out[i] = expandAny(t.Reshape(v...), shape)
	}
	return out
}

// expandAny is Expand for float tensors (recorded) and a broadcast copy for int64
// and bool ones, which Expand's kernel does not take.
func expandAny(t *Tensor, shape []int) *Tensor {
	if t.dtype.IsFloat() {
		return t.Expand(shape...)
	}
	return broadcastData(t, slices.Clone(shape))
}
