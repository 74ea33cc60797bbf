package tensor

import (
	"slices"
	"sync/atomic"

	"github.com/gograd/gograd/internal/vec"
)

// storage is the identity of a block of memory shared by a tensor and its views,
// and its version counter, which every in-place write bumps. A tensor made by an op
// owns one (its own field), made the first time it is shared or written in place;
// views and detached tensors point at their base's. Whether two tensors share
// memory is a question of storage identity, never of base pointers. It is an
// object of its own, not part of the tensor that made it, so that a detached
// tensor sharing the storage does not keep that tensor, and its graph, alive.
type storage struct {
	version uint32 // accessed atomically: backward reads it in other goroutines

	// one holds the element of a one-element tensor that Detach moved out of the
	// tensor's header (Tensor.inline), for the same reason.
	one [1]float64
}

// storage returns t's storage identity, making it for a tensor that owns its
// storage and has not needed one yet.
func (t *Tensor) storage() *storage {
	if t.lay != nil {
		return t.lay.stor
	}
	if s := t.own.Load(); s != nil {
		return s
	}
	t.own.CompareAndSwap(nil, new(storage))
	return t.own.Load()
}

// storageIfMade returns t's storage identity, nil for a tensor that owns its
// storage and has never shared it (so no other tensor has its identity).
func (t *Tensor) storageIfMade() *storage {
	if t.lay != nil {
		return t.lay.stor
	}
	return t.own.Load()
}

// strides returns t's element strides, nil when it is contiguous.
func (t *Tensor) strides() []int {
	if t.lay == nil {
		return nil
	}
	return t.lay.strides
}

// offset returns the position of t's first element in its storage.
func (t *Tensor) offset() int {
	if t.lay == nil {
		return 0
	}
	return t.lay.offset
}

// viewBase returns the tensor owning the storage of a view made by a view op,
// nil for others.
func (t *Tensor) viewBase() *Tensor {
	if t.lay == nil {
		return nil
	}
	return t.lay.base
}

// alias returns a tensor header sharing t's storage and layout, recording nothing.
// The header and its layout are one allocation (backward makes one per saved
// value it unpacks).
func (t *Tensor) alias() *Tensor {
	h := &struct {
		t   Tensor
		lay viewInfo
	}{
		t:   Tensor{shape: t.shape, dtype: t.dtype, f32: t.f32, f64: t.f64, i64: t.i64, published: t.published},
		lay: viewInfo{strides: t.strides(), offset: t.offset(), stor: t.storage(), base: t.viewBase(), version: t.version()},
	}
	a := &h.t
	a.lay = &h.lay
	if t.lay != nil {
		a.lay.version = t.lay.version
	}
	return a
}

// sharesStorage reports whether a and b are views of the same storage.
func sharesStorage(a, b *Tensor) bool {
	sa, sb := a.storageIfMade(), b.storageIfMade()
	if sa == nil || sb == nil {
		return a == b
	}
	return sa == sb
}

// Version returns the version counter of t's storage (PyTorch's _version): the
// number of in-place writes to t or any view sharing its storage.
func (t *Tensor) Version() int { return int(t.version()) }

func (t *Tensor) version() uint32 {
	s := t.storageIfMade()
	if s == nil {
		return 0 // never shared nor written in place
	}
	return atomic.LoadUint32(&s.version)
}

// bumpVersion records an in-place write to t's storage.
func (t *Tensor) bumpVersion() { atomic.AddUint32(&t.storage().version, 1) }

// Strides returns the element strides of t (PyTorch's stride()): how many
// elements apart in storage consecutive indices along each dim are.
func (t *Tensor) Strides() []int {
	if t.strides() != nil {
		return slices.Clone(t.strides())
	}
	return contiguousStrides(t.shape)
}

// StorageOffset returns the position of t's first element in its storage
// (PyTorch's storage_offset()).
func (t *Tensor) StorageOffset() int { return t.offset() }

// IsContiguous reports whether t's elements lie in its storage in row-major order
// with no gaps, as PyTorch's is_contiguous: true for every tensor an op makes, and
// for views such as a Narrow along dim 0; false for a transpose or an expansion.
func (t *Tensor) IsContiguous() bool { return t.strides() == nil }

// Contiguous returns t if it is contiguous, else a contiguous copy of it, as
// PyTorch's contiguous (the copy is recorded as CloneBackward0). Code that hands a
// tensor's raw elements (Float32s, Float64s, Int64s) to a kernel calls it first.
func (t *Tensor) Contiguous() *Tensor {
	if t.strides() == nil {
		return t
	}
	return cloneDef.record(t.dense(), 0, t)
}

// dense returns a tensor with t's values whose f32, f64 or i64 slice holds exactly
// its elements in row-major order: t itself when it is contiguous, else a copy,
// not recorded in the graph. Every kernel that reads a tensor's raw slices calls
// it first (or walks the strides itself).
func (t *Tensor) dense() *Tensor {
	if t.strides() == nil {
		return t
	}
	out := uninit(t.dtype, t.shape)
	copyValues(out, t)
	return out
}

// layout returns t's strides, computing the contiguous ones if t has none stored.
func (t *Tensor) layout() []int {
	if t.strides() != nil {
		return t.strides()
	}
	return contiguousStrides(t.shape)
}

// layoutInto is layout, with contiguous strides written into buf (of
// len(t.shape)) instead of a new slice.
func (t *Tensor) layoutInto(buf []int) []int {
	if t.strides() != nil {
		return t.strides()
	}
	return contiguousInto(buf, t.shape)
}

// contiguousInto writes the row-major strides of shape into st (of
// len(shape)) and returns st.
func contiguousInto(st, shape []int) []int {
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= max(shape[i], 1)
	}
	return st
}

// contiguousStrides returns the row-major strides of shape.
func contiguousStrides(shape []int) []int { return contiguousInto(make([]int, len(shape)), shape) }

// isContiguousLayout reports whether strides walk shape in row-major order with no
// gaps; the strides of size-1 dims do not matter, as in PyTorch.
func isContiguousLayout(shape, strides []int) bool {
	if numel(shape) == 0 {
		return true
	}
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] != 1 && strides[i] != s {
			return false
		}
		s *= shape[i]
	}
	return true
}

// extent returns how many storage elements from the first one a layout reaches.
func extent(shape, strides []int) int {
	if numel(shape) == 0 {
		return 0
	}
	e := 1
	for i, d := range shape {
		e += (d - 1) * strides[i]
	}
	return e
}

// overlaps reports whether two indices of t certainly name the same element (a
// dim of size > 1 with stride 0, as Expand makes): what in-place ops refuse, as
// PyTorch's has_internal_overlap.
func (t *Tensor) overlaps() bool {
	for i, s := range t.strides() {
		if s == 0 && t.shape[i] > 1 {
			return true
		}
	}
	return false
}

// makeView returns a tensor viewing t's storage with the given shape and strides,
// starting delta elements after t's first element (nil strides: contiguous). It
// records nothing.
func (t *Tensor) makeView(shape, strides []int, delta int) *Tensor {
	base := t.viewBase()
	if base == nil {
		base = t
	}
	out := &Tensor{shape: shape, dtype: t.dtype, published: t.published}
	lay := &viewInfo{stor: t.storage(), base: base, version: t.version()}
	n := numel(shape)
	if strides != nil && !isContiguousLayout(shape, strides) {
		lay.strides = strides
		n = extent(shape, strides)
	}
	if n == 0 {
		delta = 0
	}
	lay.offset = t.offset() + delta
	out.lay = lay
	switch t.dtype {
	case Float32:
		out.f32 = t.f32[delta : delta+n : delta+n]
	case Float64:
		out.f64 = t.f64[delta : delta+n : delta+n]
	case Int64, Bool:
		out.i64 = t.i64[delta : delta+n : delta+n]
	}
	return out
}

// pos returns the position in t's slice of the element at row-major index i.
func (t *Tensor) pos(i int) int {
	if t.strides() == nil {
		return i
	}
	p := 0
	for d := len(t.shape) - 1; d >= 0; d-- {
		sz := t.shape[d]
		p += (i % sz) * t.strides()[d]
		i /= sz
	}
	return p
}

// forEachPos calls f with the position in t's slice of each element, in
// row-major order.
func (t *Tensor) forEachPos(f func(p int)) {
	if numel(t.shape) == 0 {
		return
	}
	var lb [iterDims]int
	var it rowIter
	it.init(t.shape, t.layoutInto(scratch(&lb, len(t.shape))))
	inner, is := it.inner, it.stride(0)
	for range it.rows {
		for i := range inner {
			f(it.off[0] + i*is)
		}
		it.next()
	}
}

// copyValues copies src's elements into dst's (same shape, any layouts, any
// dtypes), unrecorded and without a version bump. dst must not overlap itself.
func copyValues(dst, src *Tensor) {
	if numel(dst.shape) == 0 {
		return
	}
	if dst.strides() == nil && src.strides() == nil && dst.dtype == src.dtype {
		copy(dst.f32, src.f32)
		copy(dst.f64, src.f64)
		copy(dst.i64, src.i64)
		return
	}
	var it rowIter
	it.initLayouts(dst, src)
	switch {
	case dst.dtype == src.dtype && dst.dtype == Float32:
		stridedCopy(dst.f32, src.f32, &it)
	case dst.dtype == src.dtype && dst.dtype == Float64:
		stridedCopy(dst.f64, src.f64, &it)
	case dst.dtype == src.dtype:
		stridedCopy(dst.i64, src.i64, &it)
	default:
		inner, id, is := it.inner, it.stride(0), it.stride(1)
		for range it.rows {
			for i := range inner {
				dst.setPos(it.off[0]+i*id, src.atPos(it.off[1]+i*is))
			}
			it.next()
		}
	}
}

// stridedCopy copies src into dst over the rows of it (operands dst, src).
func stridedCopy[T Element](dst, src []T, it *rowIter) {
	inner, id, is := it.inner, it.stride(0), it.stride(1)
	for range it.rows {
		d, s := it.off[0], it.off[1]
		if id == 1 && is == 1 {
			copy(dst[d:d+inner], src[s:s+inner])
		} else {
			for i := range inner {
				dst[d+i*id] = src[s+i*is]
			}
		}
		it.next()
	}
}

// addValues adds src's elements into dst's (same shape and float dtype, any
// layouts), unrecorded. dst may overlap itself (an Unfold's windows): elements are
// added one after another, so each overlapping position gets every contribution.
func addValues(dst, src *Tensor) {
	if numel(dst.shape) == 0 {
		return
	}
	if dst.strides() == nil && src.strides() == nil {
		if dst.dtype == Float32 {
			vec.Add(dst.f32, dst.f32, src.f32)
		} else {
			vec.Add(dst.f64, dst.f64, src.f64)
		}
		return
	}
	var it rowIter
	it.initLayouts(dst, src)
	if dst.dtype == Float32 {
		stridedAdd(dst.f32, src.f32, &it)
	} else {
		stridedAdd(dst.f64, src.f64, &it)
	}
}

// stridedAdd adds src into dst over the rows of it (operands dst, src).
func stridedAdd[T vec.Float](dst, src []T, it *rowIter) {
	inner, id, is := it.inner, it.stride(0), it.stride(1)
	for range it.rows {
		d, s := it.off[0], it.off[1]
		if id == 1 && is == 1 {
			vec.Add(dst[d:d+inner], dst[d:d+inner], src[s:s+inner])
		} else {
			for i := range inner {
				dst[d+i*id] += src[s+i*is]
			}
		}
		it.next()
	}
}
