package tensor

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/gograd/gograd/internal/parallel"
)

// Tensor is an n-dimensional array of float32, float64, int64 or bool values that
// can record the operations applied to it.
//
// As in PyTorch, a tensor is a view of a storage: sizes (Shape), Strides and an
// offset into a block of memory that several tensors may share. Ops that return
// views (View, Transpose, Narrow, Expand, ...) share their input's storage, so
// writes through one show in the other; other ops return tensors with storage of
// their own, contiguous in row-major order.
//
// A tensor whose RequiresGrad is true is tracked: every op applied to it builds a
// node of the computation graph, reachable through the result's GradFn, and Backward
// applies the chain rule from a result back to the leaves.
//
// Tensors are values in the sense of PyTorch: ops return new tensors; the few
// methods that change a tensor in place say so. A tensor may be read by several
// goroutines at once; one that is being written must not be shared.
type Tensor struct {
	shape []int

	// The storage's elements from this tensor's first one on, in the slice of its
	// dtype: exactly the Numel elements when the tensor is contiguous, else as far
	// as its strides reach. Code that reads them as a row-major array calls dense
	// first.
	f32 []float32
	f64 []float64
	i64 []int64

	// lay is the layout of a tensor that shares another's storage; nil for one
	// that owns its storage (own), which is contiguous from its first element.
	lay *viewInfo

	dtype        DType
	requiresGrad bool
	retainsGrad  bool

	// published is the backward pass (epoch, truncated) in which this tensor was
	// handed to a node or routed to a consumer; the engine steals only gradients
	// that no one else has seen. Views inherit it from the tensor they share.
	published uint32

	own    atomic.Pointer[storage] // identity and version of the storage this tensor made; nil until shared or written in place
	gradFn *Node                   // the node that made this tensor; nil for leaves
	ag     *gradState              // gradient, hooks and AccumulateGrad node; nil until needed

	inline [1]float64 // storage of one-element tensors, saving an allocation per scalar op
}

// viewInfo is the layout of a tensor sharing another's storage, kept out of line
// so that tensors that own their storage, most of them, stay small.
type viewInfo struct {
	strides []int    // element strides; nil when the layout is contiguous row-major
	offset  int      // position of the first element in the storage
	stor    *storage // the storage's identity
	base    *Tensor  // for a view made by a view op: the tensor owning the storage
	version uint32   // the storage's version when the view's history was recorded
}

// gradState is what a tensor holds once it requires grad as a leaf, retains its
// grad, or has a gradient set. Its mutex lets graphs in several goroutines share a
// leaf.
type gradState struct {
	mu    sync.Mutex
	acc   *Node // a leaf's AccumulateGrad node, made on first use
	grad  *Tensor
	hooks hookList[func(*Tensor) *Tensor] // RegisterHook's
	post  hookList[func(*Tensor)]         // RegisterPostAccumulateGradHook's

	// owned says that grad was made by the engine and never handed out (by Grad,
	// or to a hook), so that clearing it may recycle its storage.
	owned bool

	// fw is the tensor's forward-mode tangent, or how to compute it; nil when
	// it has none (forwardad.go).
	fw *fwState
}

// state returns t's gradState, making it if needed. Only calls made while t is not
// shared with other goroutines (setting it up) may make it.
func (t *Tensor) state() *gradState {
	if t.ag == nil {
		t.ag = &gradState{}
	}
	return t.ag
}

// empty returns a tensor of the given dtype and shape whose elements are zero.
func empty(dt DType, shape []int) *Tensor { return alloc(dt, shape, true) }

// uninit returns a tensor of the given dtype and shape whose float elements are
// undefined (NaN when pooled buffers are poisoned), for a kernel that writes every
// element before reading any: it saves clearing storage that is overwritten at
// once (see the storage pool).
func uninit(dt DType, shape []int) *Tensor { return alloc(dt, shape, false) }

// alloc is empty when zero is set, else uninit.
func alloc(dt DType, shape []int, zero bool) *Tensor {
	n := numel(shape)
	t := &Tensor{shape: shape, dtype: dt}
	if n == 1 {
		p := unsafe.Pointer(&t.inline)
		switch dt {
		case Float32:
			t.f32 = unsafe.Slice((*float32)(p), 1)
		case Float64:
			t.f64 = t.inline[:]
		case Int64, Bool:
			t.i64 = unsafe.Slice((*int64)(p), 1)
		}
		return t
	}
	switch dt {
	case Float32:
		t.f32 = pool.get32(n, zero)
	case Float64:
		t.f64 = pool.get64(n, zero)
	case Int64, Bool: // a Bool tensor keeps 0 or 1 in int64 storage
		t.i64 = make([]int64, n)
	}
	return t
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// MaxNumel is the most elements a tensor may have: 2^45 on 64-bit platforms (256
// TiB of float64), MaxInt/8 on 32-bit ones, so that a tensor's size in bytes, and
// every stride, fits in an int.
const MaxNumel = min(math.MaxInt/8, 1<<45)

// CheckShape returns nil if a tensor of the given shape can exist: no dim is
// negative and the product of its nonzero dims is at most MaxNumel (zero dims are
// left out so that the strides of an empty tensor fit too). Otherwise it returns
// an *Error of kind ErrShape, as PyTorch's "Storage size calculation overflowed".
// Every op that makes a shape checks it; loaders call it to reject a file's shape
// with an error instead of a panic.
func CheckShape(shape ...int) error {
	n := 1
	for _, d := range shape {
		switch {
		case d < 0:
			return NewError(ErrShape, "tensor", "CheckShape", "negative dimension in shape %v", shape)
		case d == 0:
			continue
		case n > MaxNumel/d:
			return NewError(ErrShape, "tensor", "CheckShape",
				"storage size calculation overflowed with sizes %v (a tensor holds at most %d elements)", shape, MaxNumel)
		}
		n *= d
	}
	return nil
}

// checkShape returns a copy of shape, panicking in op's name unless CheckShape
// accepts it.
func checkShape(op string, shape []int) []int {
	validShape(op, shape)
	return slices.Clone(shape)
}

// validShape panics in op's name unless CheckShape accepts shape.
func validShape(op string, shape []int) {
	if err := CheckShape(shape...); err != nil {
		e := err.(*Error)
		e.Op = op
		panic(e)
	}
}

// New returns a tensor holding a copy of data with the given shape; with no shape it
// is 1-d. Its dtype follows data's element type. New panics if the shape's element
// count differs from len(data).
func New[T Element](data []T, shape ...int) *Tensor { return wrap("New", slices.Clone(data), shape) }

// FromSlice returns a tensor that uses data itself as its storage, with the given
// shape (1-d if none): the counterpart of torch.from_numpy, for handing over
// large arrays, such as a dataset just read, without copying them. Writes to
// data show in the tensor and the other way round, so the caller should not use
// data afterwards except through the tensor. It panics if the shape's element
// count differs from len(data).
func FromSlice[T Element](data []T, shape ...int) *Tensor {
	return wrap("FromSlice", data[:len(data):len(data)], shape)
}

// wrap returns a tensor with storage data and the given shape (1-d if none),
// panicking in op's name if they do not fit.
func wrap[T Element](op string, data []T, shape []int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	shape = checkShape(op, shape)
	if numel(shape) != len(data) {
		failKind(ErrShape, op, "shape %v needs %d elements, got %d", shape, numel(shape), len(data))
	}
	t := &Tensor{shape: shape, dtype: dtypeOf[T]()}
	switch d := any(data).(type) {
	case []float32:
		t.f32 = d
	case []float64:
		t.f64 = d
	case []int64:
		t.i64 = d
	}
	return t
}

// Scalar returns a 0-d float32 tensor holding v.
func Scalar(v float64) *Tensor { return Float32.Scalar(v) }

// Scalar returns a 0-d tensor of dtype d holding v.
func (d DType) Scalar(v float64) *Tensor { return d.Full(v) }

// Zeros returns a float32 tensor of the given shape filled with 0.
func Zeros(shape ...int) *Tensor { return Float32.Zeros(shape...) }

// Ones returns a float32 tensor of the given shape filled with 1.
func Ones(shape ...int) *Tensor { return Float32.Ones(shape...) }

// Full returns a float32 tensor of the given shape filled with v.
func Full(v float64, shape ...int) *Tensor { return Float32.Full(v, shape...) }

// Arange returns the 1-d float32 tensor [start, start+step, ...) stopping before end.
// It panics as DType.Arange does.
func Arange(start, end, step float64) *Tensor { return Float32.Arange(start, end, step) }

// Eye returns the n×n float32 identity matrix.
func Eye(n int) *Tensor { return Float32.Eye(n) }

// Zeros returns a tensor of dtype d and the given shape filled with 0.
func (d DType) Zeros(shape ...int) *Tensor { return empty(d, checkShape("Zeros", shape)) }

// Ones returns a tensor of dtype d and the given shape filled with 1.
func (d DType) Ones(shape ...int) *Tensor { return d.Full(1, shape...) }

// Full returns a tensor of dtype d and the given shape filled with v.
func (d DType) Full(v float64, shape ...int) *Tensor {
	t := empty(d, checkShape("Full", shape))
	t.fill(v)
	return t
}

// Arange returns the 1-d tensor of dtype d holding start, start+step, ... up to but
// excluding end. As torch.arange, it panics (ErrInvalid) if step is 0 or NaN, if
// start or end is not finite, if end lies on the other side of start than step
// points to, or if the element count is more than MaxNumel.
func (d DType) Arange(start, end, step float64) *Tensor {
	if step == 0 || math.IsNaN(step) {
		fail("Arange", "step must be nonzero, got %v", step)
	}
	if math.IsNaN(start) || math.IsInf(start, 0) || math.IsNaN(end) || math.IsInf(end, 0) {
		fail("Arange", "unsupported range: %v -> %v", start, end)
	}
	if step > 0 && end < start || step < 0 && end > start {
		fail("Arange", "upper bound and larger bound inconsistent with step sign (start %v, end %v, step %v)", start, end, step)
	}
	size := math.Ceil((end - start) / step) // +Inf if end - start overflows
	if !(size <= MaxNumel) {
		fail("Arange", "invalid size, possible overflow? (%v elements from %v to %v by %v)", size, start, end, step)
	}
	n := int(size)
	t := empty(d, []int{n})
	for i := range n {
		t.setFlat(i, start+float64(i)*step)
	}
	return t
}

// Eye returns the n×n identity matrix of dtype d.
func (d DType) Eye(n int) *Tensor {
	t := empty(d, checkShape("Eye", []int{n, n}))
	for i := range n {
		t.setFlat(i*n+i, 1)
	}
	return t
}

// ZerosLike returns a tensor of x's shape and dtype filled with 0.
func ZerosLike(x *Tensor) *Tensor { return x.dtype.Zeros(x.shape...) }

// OnesLike returns a tensor of x's shape and dtype filled with 1.
func OnesLike(x *Tensor) *Tensor { return x.dtype.Ones(x.shape...) }

// FullLike returns a tensor of x's shape and dtype filled with v.
func FullLike(x *Tensor, v float64) *Tensor { return x.dtype.Full(v, x.shape...) }

// fill sets every element of t to v, whatever its layout (unrecorded, no version
// bump).
func (t *Tensor) fill(v float64) {
	if t.strides() != nil {
		t.forEachPos(func(p int) { t.setPos(p, v) })
		return
	}
	switch t.dtype {
	case Float32:
		f := float32(v)
		for i := range t.f32 {
			t.f32[i] = f
		}
	case Float64:
		for i := range t.f64 {
			t.f64[i] = v
		}
	case Int64:
		for i := range t.i64 {
			t.i64[i] = int64(v)
		}
	case Bool:
		b := boolBit(v)
		for i := range t.i64 {
			t.i64[i] = b
		}
	}
}

// setFlat sets the element at row-major index i.
func (t *Tensor) setFlat(i int, v float64) { t.setPos(t.pos(i), v) }

// flat returns the element at row-major index i.
func (t *Tensor) flat(i int) float64 { return t.atPos(t.pos(i)) }

// setPos sets the element at position p of t's slice.
func (t *Tensor) setPos(p int, v float64) {
	switch t.dtype {
	case Float32:
		t.f32[p] = float32(v)
	case Float64:
		t.f64[p] = v
	case Int64:
		t.i64[p] = int64(v)
	case Bool:
		t.i64[p] = boolBit(v)
	}
}

// atPos returns the element at position p of t's slice.
func (t *Tensor) atPos(p int) float64 {
	switch t.dtype {
	case Float32:
		return float64(t.f32[p])
	case Float64:
		return t.f64[p]
	}
	return float64(t.i64[p])
}

// Shape returns a copy of the tensor's shape; a 0-d tensor has an empty shape.
func (t *Tensor) Shape() []int {
	nonNil("Shape", t)
	return slices.Clone(t.shape)
}

// Size returns the length of dimension dim; negative dims count from the end.
// It panics if dim is out of range.
func (t *Tensor) Size(dim int) int { return t.shape[t.normDim("Size", dim)] }

// Dim returns the number of dimensions.
func (t *Tensor) Dim() int {
	nonNil("Dim", t)
	return len(t.shape)
}

// Numel returns the number of elements.
func (t *Tensor) Numel() int {
	nonNil("Numel", t)
	return numel(t.shape)
}

// DType returns the element type.
func (t *Tensor) DType() DType {
	nonNil("DType", t)
	return t.dtype
}

// Item returns the value of a one-element tensor as a float64. It panics if the
// tensor has more than one element.
func (t *Tensor) Item() float64 {
	if t.Numel() != 1 {
		failKind(ErrShape, "Item", "a tensor with %d elements (shape %v) cannot be converted to a scalar", t.Numel(), t.shape)
	}
	return t.flat(0)
}

// Float32s returns the tensor's elements in row-major order, sharing its storage:
// writes change the tensor (and every view of its storage) without counting as an
// in-place op. It panics unless the dtype is Float32, and, so that a write can
// never silently miss, if t is not contiguous (a transposed or expanded view,
// say): call Contiguous first, which copies only such views.
func (t *Tensor) Float32s() []float32 {
	t.wantRaw("Float32s", Float32)
	return t.f32[:len(t.f32):len(t.f32)]
}

// Float64s is Float32s for float64 tensors.
func (t *Tensor) Float64s() []float64 {
	t.wantRaw("Float64s", Float64)
	return t.f64[:len(t.f64):len(t.f64)]
}

// Int64s is Float32s for int64 tensors.
func (t *Tensor) Int64s() []int64 {
	t.wantRaw("Int64s", Int64)
	return t.i64[:len(t.i64):len(t.i64)]
}

// wantRaw panics unless t has dtype d and is contiguous.
func (t *Tensor) wantRaw(op string, d DType) {
	t.wantDType(op, d)
	if t.strides() != nil {
		fail(op, "tensor of shape %v with strides %v is not contiguous; call Contiguous first", t.shape, t.strides())
	}
}

// Values returns a copy of the tensor's elements in row-major order, converted to
// float64, whatever its dtype and layout.
func (t *Tensor) Values() []float64 {
	out := make([]float64, t.Numel())
	t.valuesInto(out)
	return out
}

func (t *Tensor) wantDType(op string, d DType) {
	nonNil(op, t)
	if t.dtype != d {
		failKind(ErrDType, op, "tensor has dtype %v, want %v", t.dtype, d)
	}
}

func (t *Tensor) wantFloat(op string) {
	nonNil(op, t)
	if !t.dtype.IsFloat() {
		failKind(ErrDType, op, "op needs a float tensor, got dtype %v (shape %v)", t.dtype, t.shape)
	}
}

// normDim maps a possibly negative dim to [0, Dim()), panicking if out of range.
func (t *Tensor) normDim(op string, dim int) int {
	nonNil(op, t)
	n := len(t.shape)
	d := dim
	if d < 0 {
		d += n
	}
	if d < 0 || d >= n {
		failKind(ErrDim, op, "dim %d out of range for shape %v", dim, t.shape)
	}
	return d
}

// Copy_ copies src's values into t in place (the counterpart of PyTorch's copy_),
// converting dtype if needed: src broadcasts to t's shape, or has as many
// elements, which are then copied in row-major order. It bumps t's version. As
// every in-place op, it is refused on a leaf that requires grad (or a view of one)
// outside NoGrad, so that loading weights and optimizer updates happen inside
// NoGrad; recorded, its gradient flows to src (CopyBackwards). It panics if the
// shapes do not fit, or t's elements alias (an expanded view).
func (t *Tensor) Copy_(src *Tensor) *Tensor {
	nonNil("Copy_", t, src)
	s := src
	if !slices.Equal(src.shape, t.shape) {
		switch {
		case broadcastsTo(src.shape, t.shape):
			s = src.expandView(t.shape)
		case src.Numel() == t.Numel():
			s = src.dense().makeView(t.shape, nil, 0)
		default:
			failKind(ErrShape, "Copy_", "shapes %v and %v have different element counts", t.shape, src.shape)
		}
	}
	return t.inPlace("Copy_", false, []*Tensor{src}, func(self *Tensor) *Tensor {
		out := empty(self.dtype, self.shape)
		copyValues(out, s)
		if tracked(self, src) {
			copyDef.recordWith(out, float64(src.dtype), src.shape, nil, self, src)
		}
		return out
	}, func() {
		if sharesStorage(t, s) && (s.offset() != t.offset() || !slices.Equal(s.layout(), t.layout())) {
			s = s.Clone() // src aliases other elements of t: read it all first
		}
		copyValues(t, s)
	})
}

// copyDef is Copy_'s entry: aux is src's shape, arg its dtype.
var copyDef = &opDef{name: "CopyBackwards"}

func init() {
	copyDef.grad = func(b bwd) {
		from, dt := b.aux().([]int), DType(b.arg())
		if b.needs(0) {
			b.gi[0] = ZerosLike(b.g) // dt: 0
		}
		if b.needs(1) && broadcastsTo(from, b.g.shape) {
			b.gi[1] = b.g.To(dt) // dsrc: grad, summed over broadcast dims
		} else if b.needs(1) {
			b.gi[1] = b.g.To(dt).Reshape(from...) // dsrc: grad in src's shape
		}
	}
}

// Clone returns a copy of t with its own storage. It is recorded in the graph
// (CloneBackward0) when t requires grad.
func (t *Tensor) Clone() *Tensor {
	out := uninit(t.dtype, t.shape)
	copyValues(out, t)
	return cloneDef.record(out, 0, t)
}

// cloneDef is Clone's and Contiguous's entry. dt: grad
var cloneDef = &opDef{name: "CloneBackward0", grad: passGrad}

// To returns t converted to dtype d; t itself when it already has that dtype.
// Converting between float types is recorded (ToCopyBackward0).
func (t *Tensor) To(d DType) *Tensor {
	if t.dtype == d {
		return t
	}
	out := uninit(d, t.shape)
	copyValues(out, t)
	if d.IsFloat() && t.dtype.IsFloat() {
		toCopyDef.record(out, float64(t.dtype), t)
	}
	return out
}

// toCopyDef is To's entry; arg is the input's dtype.
var toCopyDef = &opDef{name: "ToCopyBackward0"}

func init() { toCopyDef.grad = func(b bwd) { b.gi[0] = b.g.To(DType(b.arg())) } } // dx: grad in x's dtype

// SetNumThreads sets how many goroutines gograd's kernels (matrix multiply,
// large elementwise ops and reductions) may use, as torch.set_num_threads does.
// By default they use as many as the runtime runs at once: GOMAXPROCS (which
// follows a container's CPU limit), at most the number of CPUs, read again
// after each garbage collection so that a change of GOMAXPROCS is followed.
// n < 1 restores that default.
func SetNumThreads(n int) { parallel.SetThreads(n) }

// NumThreads returns the thread count: as set by SetNumThreads, or the default.
func NumThreads() int { return parallel.Threads() }
