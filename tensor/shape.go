package tensor

import (
	"slices"
	"strings"
)

// View ops return tensors that share their input's storage (O(1): only a new
// header with sizes, strides and an offset), as PyTorch's do: writes through a
// view show in its base and the other way round. Each records the grad_fn name
// torch 1.13 reports. Ops that select part of their input (Narrow, Select, Slice,
// Diagonal, Unfold, AsStrided) have as gradient a zero tensor of the input's shape
// with the view's gradient written into the part the view selects (viewGrad).

// inferShape resolves one -1 in shape for n elements, panicking if it cannot.
func inferShape(op string, from []int, shape []int) []int {
	n := numel(from)
	out := slices.Clone(shape)
	neg := -1
	known := 1
	for i, d := range out {
		switch {
		case d == -1 && neg < 0:
			neg = i
		case d < 0:
			failKind(ErrShape, op, "invalid shape %v", shape)
		default:
			known *= d
		}
	}
	if neg >= 0 {
		if known == 0 || n%known != 0 {
			failKind(ErrShape, op, "shape %v is invalid for input of shape %v", shape, from)
		}
		out[neg] = n / known
	} else if known != n {
		failKind(ErrShape, op, "shape %v is invalid for input of shape %v", shape, from)
	}
	validShape(op, out)
	return out
}

// viewStrides returns the strides with which t's storage can be viewed in shape
// (same element count), or ok false when t's layout does not allow it without a
// copy (PyTorch's computeStride). A nil result means contiguous.
func (t *Tensor) viewStrides(shape []int) (strides []int, ok bool) {
	if t.strides() == nil {
		return nil, true
	}
	old, ost := t.shape, t.strides()
	st := make([]int, len(shape))
	viewD := len(shape) - 1
	chunk := ost[len(ost)-1]
	tensorN, viewN := 1, 1
	for d := len(old) - 1; d >= 0; d-- {
		tensorN *= old[d]
		if d == 0 || old[d-1] != 1 && ost[d-1] != tensorN*chunk {
			for viewD >= 0 && (viewN < tensorN || shape[viewD] == 1) {
				st[viewD] = viewN * chunk
				viewN *= shape[viewD]
				viewD--
			}
			if viewN != tensorN {
				return nil, false
			}
			if d > 0 {
				chunk = ost[d-1]
				tensorN, viewN = 1, 1
			}
		}
	}
	if viewD != -1 {
		return nil, false
	}
	return st, true
}

// recordView records out, a view of t, under name with the gradient bw(g) for t.
// bw captures the view's geometry (shapes, dims, indices), never a tensor.
func (t *Tensor) recordView(name string, out *Tensor, bw func(g *Tensor) *Tensor) *Tensor {
	recordGeometry(name, out, t, bw)
	return out
}

// viewDef is the op table entry of the view ops and of their gradients' own
// nodes, under each op's name: the node keeps, as aux, a function of the
// gradient that captures only the view's geometry, and saves nothing.
var viewDef = &opDef{}

func init() { viewDef.grad = func(b bwd) { b.gi[0] = b.aux().(func(*Tensor) *Tensor)(b.g) } }

// recordGeometry records out as name, made from in, with viewDef and bw.
func recordGeometry(name string, out, in *Tensor, bw func(g *Tensor) *Tensor) {
	viewDef.recordAs(name, out, 0, bw, nil, in)
}

// view returns t viewed in shape (same element count), recorded as name, whose
// gradient is reshaped back. It panics if t's strides do not allow the view.
func (t *Tensor) view(op, name string, shape []int) *Tensor {
	st, ok := t.viewStrides(shape)
	if !ok {
		fail(op, "view size %v is not compatible with input tensor's size %v and stride %v "+
			"(at least one dimension spans across two contiguous subspaces); use Reshape instead", shape, t.shape, t.strides())
	}
	in := t.shape
	return t.recordView(name, t.makeView(shape, st, 0), func(g *Tensor) *Tensor { return g.Reshape(in...) }) // dt: grad reshaped back
}

// Reshape returns a tensor with t's elements in the given shape: a view sharing
// t's storage when its strides allow (ReshapeAliasBackward0), else a contiguous
// copy (UnsafeViewBackward0), as PyTorch's reshape. One dim may be -1 and is
// inferred. It panics if the element counts differ.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	s := inferShape("Reshape", t.shape, shape)
	if slices.Equal(s, t.shape) && !t.requiresGrad {
		return t
	}
	if _, ok := t.viewStrides(s); ok {
		return t.view("Reshape", "ReshapeAliasBackward0", s)
	}
	return t.Contiguous().view("Reshape", "UnsafeViewBackward0", s)
}

// View returns t viewed in another shape, sharing its storage (ViewBackward0); one
// dim may be -1. It panics if the element counts differ or if t's strides do not
// allow the view without a copy (use Reshape then).
func (t *Tensor) View(shape ...int) *Tensor {
	return t.view("View", "ViewBackward0", inferShape("View", t.shape, shape))
}

// Flatten returns t with dims start to end (inclusive; negative count from the end)
// merged into one, as torch.flatten: with no arguments all dims, with one the dims
// from start on. It is t itself when there is nothing to merge, and a view when
// t's strides allow. It panics on a dim out of range or start after end.
func (t *Tensor) Flatten(dims ...int) *Tensor {
	if len(dims) > 2 {
		fail("Flatten", "takes at most start and end dims, got %v", dims)
	}
	if len(t.shape) == 0 {
		return t.Reshape(1)
	}
	start, end := 0, len(t.shape)-1
	if len(dims) > 0 {
		start = t.normDim("Flatten", dims[0])
	}
	if len(dims) > 1 {
		end = t.normDim("Flatten", dims[1])
	}
	if start > end {
		fail("Flatten", "start dim %d comes after end dim %d for shape %v", dims[0], dims[1], t.shape)
	}
	if start == end {
		return t
	}
	shape := append(slices.Clone(t.shape[:start]), numel(t.shape[start:end+1]))
	return t.Reshape(append(shape, t.shape[end+1:]...)...)
}

// Unflatten returns t with dim split into sizes (one may be -1), a view sharing
// t's storage, as torch.unflatten. It panics if the sizes do not multiply to the
// dim's size.
func (t *Tensor) Unflatten(dim int, sizes ...int) *Tensor {
	d := t.normDim("Unflatten", dim)
	s := inferShape("Unflatten", t.shape[d:d+1], sizes)
	shape := append(append(slices.Clone(t.shape[:d]), s...), t.shape[d+1:]...)
	return t.view("Unflatten", "ViewBackward0", shape)
}

// Unsqueeze returns t with a dim of size 1 inserted at dim (which may be Dim()), a
// view sharing t's storage.
func (t *Tensor) Unsqueeze(dim int) *Tensor {
	d := dim
	if d < 0 {
		d += len(t.shape) + 1
	}
	if d < 0 || d > len(t.shape) {
		failKind(ErrDim, "Unsqueeze", "dim %d out of range for shape %v", dim, t.shape)
	}
	st := t.layout()
	s := 1
	if d < len(t.shape) {
		s = st[d] * t.shape[d]
	}
	shape := slices.Insert(slices.Clone(t.shape), d, 1)
	strides := slices.Insert(slices.Clone(st), d, s)
	return t.recordView("UnsqueezeBackward0", t.makeView(shape, strides, 0), func(g *Tensor) *Tensor { return g.Squeeze(d) }) // dt: grad.squeeze(dim), as PyTorch
}

// Squeeze returns t without the given dims that have size 1 (others are kept, as
// in PyTorch); with no dims, without every dim of size 1. The result is a view
// sharing t's storage.
func (t *Tensor) Squeeze(dims ...int) *Tensor {
	name := "SqueezeBackward0"
	var ds []int
	if len(dims) > 0 {
		name = "SqueezeBackward1"
		ds = t.dimSet("Squeeze", dims)
	}
	st := t.layout()
	var shape, strides []int
	for i, d := range t.shape {
		if d == 1 && (len(dims) == 0 || slices.Contains(ds, i)) {
			continue
		}
		shape, strides = append(shape, d), append(strides, st[i])
	}
	in := t.shape
	return t.recordView(name, t.makeView(shape, strides, 0), func(g *Tensor) *Tensor { return g.Reshape(in...) }) // dt: grad reshaped back
}

// expandShape checks that t broadcasts to shape (-1 keeps a dim) and returns the
// shape with -1 resolved and the strides of the expanded view.
func (t *Tensor) expandShape(op string, shape []int) ([]int, []int) {
	shape = slices.Clone(shape)
	lead := len(shape) - len(t.shape)
	if lead < 0 {
		failKind(ErrShape, op, "cannot expand shape %v to %v", t.shape, shape)
	}
	st := make([]int, len(shape))
	ts := t.layout()
	for i, d := range shape {
		j := i - lead
		switch {
		case j < 0 && d >= 0:
		case j < 0:
			failKind(ErrShape, op, "cannot expand shape %v to %v: -1 is not allowed in a leading, new dim", t.shape, shape)
		case d == -1 || d == t.shape[j]:
			shape[i], st[i] = t.shape[j], ts[j]
		case t.shape[j] == 1 && d >= 0:
		default:
			failKind(ErrShape, op, "cannot expand shape %v to %v", t.shape, shape)
		}
	}
	return shape, st
}

// Expand returns t broadcast to shape (-1 keeps a dim) as a view sharing t's
// storage, whose broadcast dims have stride 0: no element is copied. Its gradient
// sums over the broadcast dims. Write to it only after Contiguous or Clone: its
// elements alias. It panics if t does not broadcast to shape.
func (t *Tensor) Expand(shape ...int) *Tensor {
	nonNil("Expand", t)
	shape, st := t.expandShape("Expand", shape)
	validShape("Expand", shape)
	if slices.Equal(shape, t.shape) && !t.requiresGrad {
		return t
	}
	in := t.shape
	return t.recordView("ExpandBackward0", t.makeView(shape, st, 0), func(g *Tensor) *Tensor { return g.sumTo(in) }) // dt: grad summed over broadcast dims
}

// BroadcastTo is Expand under torch.broadcast_to's name.
func (t *Tensor) BroadcastTo(shape ...int) *Tensor { return t.Expand(shape...) }

// expandView returns t expanded to shape, unrecorded (for kernels that index a
// broadcast operand).
func (t *Tensor) expandView(shape []int) *Tensor {
	s, st := t.expandShape("Expand", shape)
	return t.makeView(s, st, 0)
}

// Permute returns t with its dims reordered, a view sharing t's storage: dim i of
// the result is dim dims[i] of t. It panics unless dims is a permutation of t's dims.
func (t *Tensor) Permute(dims ...int) *Tensor {
	if len(dims) != len(t.shape) {
		failKind(ErrDim, "Permute", "dims %v do not match shape %v", dims, t.shape)
	}
	t.dimSet("Permute", dims) // panics on a dim out of range or repeated
	p := make([]int, len(dims))
	for i, d := range dims {
		p[i] = t.normDim("Permute", d)
	}
	inv := make([]int, len(p))
	for i, d := range p {
		inv[d] = i
	}
	return t.recordView("PermuteBackward0", t.permuted(p), func(g *Tensor) *Tensor { return g.Permute(inv...) }) // dt: grad permuted back
}

// permuted returns the unrecorded view of t with dims reordered by p.
func (t *Tensor) permuted(p []int) *Tensor {
	ts := t.layout()
	shape, st := make([]int, len(p)), make([]int, len(p))
	for i, d := range p {
		shape[i], st[i] = t.shape[d], ts[d]
	}
	return t.makeView(shape, st, 0)
}

// Movedim returns t with dim src moved to position dst and the other dims in
// their order, a view (PermuteBackward0), as torch.movedim.
func (t *Tensor) Movedim(src, dst int) *Tensor {
	s, d := t.normDim("Movedim", src), t.normDim("Movedim", dst)
	var p []int
	for i := range t.shape {
		if i != s {
			p = append(p, i)
		}
	}
	p = slices.Insert(p, d, s)
	return t.Permute(p...)
}

// swapped returns the order of n dims with a and b swapped.
func swapped(n, a, b int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	p[a], p[b] = b, a
	return p
}

// Transpose returns t with dims d0 and d1 swapped, a view sharing t's storage.
func (t *Tensor) Transpose(d0, d1 int) *Tensor {
	a, b := t.normDim("Transpose", d0), t.normDim("Transpose", d1)
	out := t.recordView("TransposeBackward0", t.permuted(swapped(len(t.shape), a, b)),
		func(g *Tensor) *Tensor { return g.Transpose(a, b) }) // dt: grad transposed back
	if n := out.gradFn; n != nil {
		n.arg = float64(a<<16 | b) // the dims, for the batched derivative (batched.go)
	}
	return out
}

// T returns the transpose of a matrix (t itself for fewer than 2 dims), a view
// sharing t's storage. It panics for more than 2 dims.
func (t *Tensor) T() *Tensor {
	switch len(t.shape) {
	case 0, 1:
		if !t.requiresGrad {
			return t
		}
		return t.view("T", "TBackward0", t.shape)
	case 2:
		return t.recordView("TBackward0", t.permuted([]int{1, 0}), func(g *Tensor) *Tensor { return g.T() }) // dt: grad transposed
	}
	failKind(ErrShape, "T", "expects a tensor with <= 2 dims, got shape %v", t.shape)
	return nil
}

// viewGrad returns the gradient for the input (of shape in) of a view op that
// selects part of it: zeros, with g added into the part that sel, the same view op
// applied to a tensor of shape in, selects (added, so that overlapping windows of
// an Unfold each contribute). It is differentiable in g: its own gradient applies
// sel. name is the view op's node name.
func viewGrad(g *Tensor, in []int, name string, sel func(*Tensor) *Tensor) *Tensor {
	out := empty(g.dtype, in)
	addValues(sel(out.detached()), g)
	recordGeometry(strings.TrimSuffix(name, "0")+"Backward0", out, g, sel) // dg: the view of grad
	return out
}

// selectView records out, a view of t selecting part of it, under name; sel makes
// the same view of any tensor of t's shape.
func (t *Tensor) selectView(name string, sel func(*Tensor) *Tensor) *Tensor {
	in := t.shape
	return t.recordView(name, sel(t.detached().withBase(t)), func(g *Tensor) *Tensor { return viewGrad(g, in, name, sel) })
}

// withBase returns d, a detached alias of t, remembering t's base so that views
// made of d count as views of t's base.
func (d *Tensor) withBase(t *Tensor) *Tensor {
	d.lay.base = t.viewBase()
	if d.lay.base == nil {
		d.lay.base = t
	}
	return d
}

// Narrow returns the length elements of t along dim from start (negative counts
// from the end), a view sharing t's storage (SliceBackward0, as torch.narrow). It
// panics if the range does not fit.
func (t *Tensor) Narrow(dim, start, length int) *Tensor {
	d := t.normDim("Narrow", dim)
	size := t.shape[d]
	s := start
	if s < 0 {
		s += size
	}
	if s < 0 || s > size {
		failKind(ErrIndex, "Narrow", "start %d out of range for dim %d of shape %v", start, d, t.shape)
	}
	if length < 0 || s+length > size {
		failKind(ErrIndex, "Narrow", "start (%d) + length (%d) exceeds dimension size (%d) of shape %v", s, length, size, t.shape)
	}
	return t.selectView("SliceBackward0", func(x *Tensor) *Tensor { return x.slice(d, s, length, 1) })
}

// slice returns the unrecorded view of n elements of dim d from start by step.
func (t *Tensor) slice(d, start, n, step int) *Tensor {
	st := slices.Clone(t.layout())
	shape := slices.Clone(t.shape)
	delta := start * st[d]
	shape[d] = n
	st[d] *= step
	return t.makeView(shape, st, delta)
}

// Slice returns t[start:stop:step] along dim, a view sharing t's storage
// (SliceBackward0), with Python's rules: negative start and stop count from the
// end, and out-of-range ones are clamped. It panics if step is not positive.
func (t *Tensor) Slice(dim, start, stop, step int) *Tensor {
	d := t.normDim("Slice", dim)
	if step <= 0 {
		fail("Slice", "step must be greater than zero, got %d", step)
	}
	size := t.shape[d]
	clampIdx := func(i int) int {
		if i < 0 {
			i += size
		}
		return min(max(i, 0), size)
	}
	lo, hi := clampIdx(start), clampIdx(stop)
	n := 0
	if hi > lo {
		n = (hi - lo + step - 1) / step
	}
	return t.selectView("SliceBackward0", func(x *Tensor) *Tensor { return x.slice(d, lo, n, step) })
}

// Select returns t[..., index, ...] with dim removed, a view sharing t's storage
// (SelectBackward0). A negative index counts from the end. It panics if index is
// out of range.
func (t *Tensor) Select(dim, index int) *Tensor {
	d := t.normDim("Select", dim)
	i := index
	if i < 0 {
		i += t.shape[d]
	}
	if i < 0 || i >= t.shape[d] {
		failKind(ErrIndex, "Select", "index %d is out of bounds for dimension %d with size %d (shape %v)", index, d, t.shape[d], t.shape)
	}
	return t.selectView("SelectBackward0", func(x *Tensor) *Tensor {
		st := x.layout()
		return x.makeView(slices.Delete(slices.Clone(x.shape), d, d+1), slices.Delete(slices.Clone(st), d, d+1), i*st[d])
	})
}

// Diagonal returns the diagonal of t over dims dim1 and dim2 with the given
// offset (above the main diagonal if positive), as a last dim, a view sharing t's
// storage (DiagonalBackward0), as torch.diagonal. It panics if the dims are out of
// range or equal.
func (t *Tensor) Diagonal(offset, dim1, dim2 int) *Tensor {
	a, b := t.normDim("Diagonal", dim1), t.normDim("Diagonal", dim2)
	if a == b {
		fail("Diagonal", "diagonal dimensions cannot be identical %d, %d", dim1, dim2)
	}
	return t.selectView("DiagonalBackward0", func(x *Tensor) *Tensor {
		st := x.layout()
		var n, delta int
		if offset >= 0 {
			n, delta = min(x.shape[a], x.shape[b]-offset), offset*st[b]
		} else {
			n, delta = min(x.shape[a]+offset, x.shape[b]), -offset*st[a]
		}
		n = max(n, 0)
		var shape, strides []int
		for i, d := range x.shape {
			if i != a && i != b {
				shape, strides = append(shape, d), append(strides, st[i])
			}
		}
		return x.makeView(append(shape, n), append(strides, st[a]+st[b]), delta)
	})
}

// Unfold returns every window of size elements along dim, step apart, as a new
// last dim, a view sharing t's storage (UnfoldBackward0), as Tensor.unfold. Windows
// overlap when step < size. It panics if size exceeds the dim or step is not positive.
func (t *Tensor) Unfold(dim, size, step int) *Tensor {
	d := t.normDimOrScalar("Unfold", dim)
	ds := 1
	if len(t.shape) > 0 {
		ds = t.shape[d]
	}
	if size < 0 || size > ds {
		fail("Unfold", "maximum size for tensor at dimension %d is %d but size is %d", d, ds, size)
	}
	if step <= 0 {
		fail("Unfold", "step is %d but must be > 0", step)
	}
	return t.selectView("UnfoldBackward0", func(x *Tensor) *Tensor {
		if len(x.shape) == 0 {
			return x.makeView([]int{size}, []int{1}, 0)
		}
		st := x.layout()
		shape, strides := slices.Clone(x.shape), slices.Clone(st)
		shape[d] = (ds-size)/step + 1
		strides[d] = st[d] * step
		return x.makeView(append(shape, size), append(strides, st[d]), 0)
	})
}

// AsStrided returns a view of t's storage with the given shape, strides and
// storage offset, as torch.as_strided (AsStridedBackward0): the escape hatch under
// every other view. It panics if the view reaches outside the storage, or, when t
// requires grad, outside t's own elements or t is not contiguous.
func (t *Tensor) AsStrided(shape, strides []int, offset int) *Tensor {
	shape, strides = checkShape("AsStrided", shape), slices.Clone(strides)
	if len(strides) != len(shape) {
		fail("AsStrided", "shape %v and strides %v differ in length", shape, strides)
	}
	for _, s := range strides {
		if s < 0 {
			fail("AsStrided", "negative strides %v are not supported", strides)
		}
	}
	root := t
	if t.viewBase() != nil {
		root = t.viewBase()
	}
	if offset < root.offset() || offset-root.offset()+extent(shape, strides) > root.storageLen() {
		fail("AsStrided", "shape %v, strides %v and offset %d reach outside the storage of %d elements", shape, strides, offset, root.storageLen())
	}
	if !t.requiresGrad {
		out := root.makeView(shape, strides, offset-root.offset())
		out.published = t.published
		return out
	}
	if t.strides() != nil || offset < t.offset() || offset-t.offset()+extent(shape, strides) > t.Numel() {
		fail("AsStrided", "with gradients, the view (shape %v, strides %v, offset %d) must lie in a contiguous input's own elements (shape %v, offset %d)",
			shape, strides, offset, t.shape, t.offset())
	}
	delta := offset - t.offset()
	return t.selectView("AsStridedBackward0", func(x *Tensor) *Tensor { return x.makeView(shape, strides, delta) })
}

// storageLen returns how many elements t's slice holds.
func (t *Tensor) storageLen() int { return len(t.f32) + len(t.f64) + len(t.i64) }
