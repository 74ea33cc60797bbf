package vec

import (
	"unsafe"

	"github.com/gograd/gograd/internal/parallel"
)

const (
	// parMin is the length from which the exported functions split work across
	// parallel.Threads() goroutines; below it the call stays on the caller's
	// goroutine. At 256K float32 elements one thread's share is still ~0.5 MB.
	parMin = 1 << 18
	// parBlock is the unit of that split (a multiple of every vector width), so
	// chunk boundaries fall on cache lines when the slices are aligned.
	parBlock = 1 << 12
	// sumBlock is how many elements one call of a sum kernel adds in its own
	// precision; block sums are then added in float64.
	sumBlock = 1 << 12
	// sumPart is the length of the fixed, thread-count-independent pieces whose
	// partial sums Sum adds in order, so its result does not depend on timing or
	// on the number of threads.
	sumPart = 1 << 16
	// kernelChunk is the most elements one call of an assembly kernel covers
	// (64 KiB of float32, a few microseconds). The runtime cannot preempt a
	// goroutine inside assembly, so a collection that needs to stop it signals it
	// again every few microseconds until the call returns; during a 4M-element
	// add that signal storm made the kernel 3-4x slower. Between chunks the
	// kernel is called through a Go function whose prologue is a preemption
	// point, so the collector waits at most one chunk.
	kernelChunk = 1 << 14
	// streamMin is the size in bytes of a dst from which the elementwise
	// kernels use streaming stores (where the implementation has them). A dst
	// that large is rarely still in cache when it is written: a fresh result
	// comes from memory the collector recycled long ago, and the caching store
	// must first read each line. Measured on a 4M-element add (16 MiB) into
	// buffers cycled as the Go heap cycles fresh results, streaming stores ran
	// at 31-34 GB/s against 14-15. With a consumer reading the result back,
	// they won by 1.3-1.4x at 4 and 16 MiB where dst was not in cache, broke
	// even at 8 MiB where it was, and lost 10 % (1 MiB) to 3x (256 KiB) there.
	streamMin = 8 << 20
)

// is32 reports whether T is a float32 type; the compiler folds it per shape.
func is32[T Float]() bool {
	var z T
	return unsafe.Sizeof(z) == 4
}

func as32[T Float](s []T) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

func as64[T Float](s []T) []float64 {
	return unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// parallelize reports whether n elements are worth splitting across threads.
func parallelize(n int) bool { return n >= parMin && parallel.Threads() > 1 }

// block is an elementwise kernel call over [0, n) split across threads
// (forBlocks): one of f3 (dst, a, b), f2 (dst, a), fs (dst, a, s) or fa (dst,
// s, a), whichever is set. As a parallel.Body it runs whole parBlocks; the
// copies handed to the threads are kept for reuse (blocks32, blocks64), so
// that a split call allocates nothing.
type block[E float32 | float64] struct {
	n       int
	d, a, b []E
	s       E
	f3      func(dst, a, b []E)
	f2      func(dst, a []E)
	fs      func(dst, a []E, s E)
	fa      func(dst []E, alpha E, a []E)
}

var (
	blocks32 parallel.Cache[block[float32]]
	blocks64 parallel.Cache[block[float64]]
)

// Run runs the kernel over blocks [lo, hi), in kernelChunk calls.
func (k *block[E]) Run(lo, hi int) {
	lo, hi = lo*parBlock, min(hi*parBlock, k.n)
	switch {
	case k.f3 != nil:
		inChunks(lo, hi, func(lo, hi int) { k.f3(k.d[lo:hi], k.a[lo:hi], k.b[lo:hi]) })
	case k.f2 != nil:
		inChunks(lo, hi, func(lo, hi int) { k.f2(k.d[lo:hi], k.a[lo:hi]) })
	case k.fs != nil:
		inChunks(lo, hi, func(lo, hi int) { k.fs(k.d[lo:hi], k.a[lo:hi], k.s) })
	default:
		inChunks(lo, hi, func(lo, hi int) { k.fa(k.d[lo:hi], k.s, k.a[lo:hi]) })
	}
}

// forBlocks runs k split across threads, in pieces that are whole parBlocks.
// Calls too short to split (parallelize) run their kernel through inChunks
// directly: building a block cost them 4-6 % (BenchmarkOpOverhead).
func forBlocks[E float32 | float64](k block[E]) {
	parallel.RunWith(parallel.Pick[block[E]](&blocks32, &blocks64), (k.n+parBlock-1)/parBlock, parMin/parBlock/2, k)
}

// inChunks calls f over [lo, hi) on at most kernelChunk elements at a time.
// f, a Go function that calls an assembly kernel, has the stack check the
// runtime uses to stop a goroutine, so each chunk starts at a preemption
// point; inChunks is not inlined, so that the compiler cannot inline f's body
// into the loop and drop that check.
//
//go:noinline
func inChunks(lo, hi int, f func(lo, hi int)) {
	for ; hi-lo > kernelChunk; lo += kernelChunk {
		f(lo, lo+kernelChunk)
	}
	f(lo, hi)
}

func binary[T Float](dst, a, b []T, f32 func(dst, a, b []float32), f64 func(dst, a, b []float64)) {
	n := len(dst)
	a, b = a[:n], b[:n]
	if is32[T]() {
		d, x, y := as32(dst), as32(a), as32(b)
		if parallelize(n) {
			forBlocks(block[float32]{n: n, d: d, a: x, b: y, f3: f32})
			return
		}
		inChunks(0, n, func(lo, hi int) { f32(d[lo:hi], x[lo:hi], y[lo:hi]) })
		return
	}
	d, x, y := as64(dst), as64(a), as64(b)
	if parallelize(n) {
		forBlocks(block[float64]{n: n, d: d, a: x, b: y, f3: f64})
		return
	}
	inChunks(0, n, func(lo, hi int) { f64(d[lo:hi], x[lo:hi], y[lo:hi]) })
}

func unary[T Float](dst, a []T, f32 func(dst, a []float32), f64 func(dst, a []float64)) {
	n := len(dst)
	a = a[:n]
	if is32[T]() {
		d, x := as32(dst), as32(a)
		if parallelize(n) {
			forBlocks(block[float32]{n: n, d: d, a: x, f2: f32})
			return
		}
		inChunks(0, n, func(lo, hi int) { f32(d[lo:hi], x[lo:hi]) })
		return
	}
	d, x := as64(dst), as64(a)
	if parallelize(n) {
		forBlocks(block[float64]{n: n, d: d, a: x, f2: f64})
		return
	}
	inChunks(0, n, func(lo, hi int) { f64(d[lo:hi], x[lo:hi]) })
}

func scalar[T Float](dst, a []T, s T, f32 func(dst, a []float32, s float32), f64 func(dst, a []float64, s float64)) {
	n := len(dst)
	a = a[:n]
	if is32[T]() {
		d, x, s := as32(dst), as32(a), float32(s)
		if parallelize(n) {
			forBlocks(block[float32]{n: n, d: d, a: x, s: s, fs: f32})
			return
		}
		inChunks(0, n, func(lo, hi int) { f32(d[lo:hi], x[lo:hi], s) })
		return
	}
	d, x, s64 := as64(dst), as64(a), float64(s)
	if parallelize(n) {
		forBlocks(block[float64]{n: n, d: d, a: x, s: s64, fs: f64})
		return
	}
	inChunks(0, n, func(lo, hi int) { f64(d[lo:hi], x[lo:hi], s64) })
}

// pick returns the implementation that writes dst: impl, or its streaming
// forms when dst is at least streamMin bytes.
func pick[T Float](dst []T) *kernels {
	var z T
	if s := impl.stream; s != nil && len(dst)*int(unsafe.Sizeof(z)) >= streamMin {
		return s
	}
	return impl
}

// Add computes dst[i] = a[i] + b[i].
func Add[T Float](dst, a, b []T) { k := pick(dst); binary(dst, a, b, k.add32, k.add64) }

// Sub computes dst[i] = a[i] - b[i].
func Sub[T Float](dst, a, b []T) { k := pick(dst); binary(dst, a, b, k.sub32, k.sub64) }

// Mul computes dst[i] = a[i] * b[i].
func Mul[T Float](dst, a, b []T) { k := pick(dst); binary(dst, a, b, k.mul32, k.mul64) }

// Div computes dst[i] = a[i] / b[i].
func Div[T Float](dst, a, b []T) { k := pick(dst); binary(dst, a, b, k.div32, k.div64) }

// AddScalar computes dst[i] = a[i] + s.
func AddScalar[T Float](dst, a []T, s T) {
	k := pick(dst)
	scalar(dst, a, s, k.addScalar32, k.addScalar64)
}

// MulScalar computes dst[i] = a[i] * s.
func MulScalar[T Float](dst, a []T, s T) {
	k := pick(dst)
	scalar(dst, a, s, k.mulScalar32, k.mulScalar64)
}

// SubScalarFrom computes dst[i] = s - a[i].
func SubScalarFrom[T Float](dst, a []T, s T) {
	k := pick(dst)
	scalar(dst, a, s, k.subScalarFrom32, k.subScalarFrom64)
}

// DivScalarBy computes dst[i] = s / a[i].
func DivScalarBy[T Float](dst, a []T, s T) {
	k := pick(dst)
	scalar(dst, a, s, k.divScalarBy32, k.divScalarBy64)
}

// Axpy computes dst[i] += alpha * a[i] (a product then a sum, not a fused
// multiply-add, so every implementation gives the plain loop's bits).
func Axpy[T Float](dst []T, alpha T, a []T) {
	n := len(dst)
	a = a[:n]
	if is32[T]() {
		d, x, al, f := as32(dst), as32(a), float32(alpha), impl.axpy32
		if parallelize(n) {
			forBlocks(block[float32]{n: n, d: d, a: x, s: al, fa: f})
			return
		}
		inChunks(0, n, func(lo, hi int) { f(d[lo:hi], al, x[lo:hi]) })
		return
	}
	d, x, al, f := as64(dst), as64(a), float64(alpha), impl.axpy64
	if parallelize(n) {
		forBlocks(block[float64]{n: n, d: d, a: x, s: al, fa: f})
		return
	}
	inChunks(0, n, func(lo, hi int) { f(d[lo:hi], al, x[lo:hi]) })
}

// Exp computes dst[i] = exp(a[i]).
//
// The assembly kernels are accurate to 2 ulp (float32) and 2 ulp (float64),
// subnormal results included. Special cases: exp(+Inf) = +Inf, exp(-Inf) = 0,
// exp(NaN) = NaN; results overflow to +Inf and underflow to 0.
func Exp[T Float](dst, a []T) { k := pick(dst); unary(dst, a, k.exp32, k.exp64) }

// Log computes dst[i] = log(a[i]).
func Log[T Float](dst, a []T) { k := pick(dst); unary(dst, a, k.log32, k.log64) }

// Sigmoid computes dst[i] = 1 / (1 + exp(-a[i])), evaluated as
// 1/(1+exp(-|x|)) for x >= 0 and exp(-|x|)/(1+exp(-|x|)) otherwise, so it neither
// overflows nor loses tiny results (Sigmoid(-100) = 3.7e-44). Relative error is
// below 1e-6 for float32 outside the subnormal range.
func Sigmoid[T Float](dst, a []T) { k := pick(dst); unary(dst, a, k.sigmoid32, k.sigmoid64) }

// Tanh computes dst[i] = tanh(a[i]). For float32, |x| < 0.625 uses an odd
// polynomial (no cancellation near 0) and larger |x| uses (1-e)/(1+e) with
// e = exp(-2|x|); relative error is below 1e-6. Tanh(±Inf) = ±1, Tanh(-0) = -0.
func Tanh[T Float](dst, a []T) { k := pick(dst); unary(dst, a, k.tanh32, k.tanh64) }

// Relu computes dst[i] = max(a[i], 0) (NaN stays NaN, -0 becomes 0).
func Relu[T Float](dst, a []T) { k := pick(dst); unary(dst, a, k.relu32, k.relu64) }

// Sum returns the sum of a's elements.
//
// Elements are added in blocks of sumBlock by vector kernels with several
// accumulators in T's precision; block sums are added in float64 within fixed
// pieces of sumPart elements, and the pieces' sums are added in order. The
// result is therefore more accurate than a running sum and identical for every
// thread count.
func Sum[T Float](a []T) T {
	n := len(a)
	if !parallelize(n) {
		s := 0.0
		for lo := 0; lo < n; lo += sumPart {
			s += sumPiece(a[lo:min(lo+sumPart, n)])
		}
		return T(s)
	}
	k := sums.Get()
	np := (n + sumPart - 1) / sumPart
	if cap(k.parts) < np {
		k.parts = make([]float64, np)
	}
	k.parts = k.parts[:np]
	if is32[T]() {
		k.a32 = as32(a)
	} else {
		k.a64 = as64(a)
	}
	parallel.Run(np, parMin/sumPart/2, k)
	s := 0.0
	for _, p := range k.parts {
		s += p
	}
	k.a32, k.a64 = nil, nil // the parts' buffer stays for the next call
	sums.Put(k)
	return T(s)
}

// sumBody is Sum's parallel.Body: the sums of the pieces of a32 or a64 in
// parts. Kept for reuse (sums), with its parts' buffer.
type sumBody struct {
	a32   []float32
	a64   []float64
	parts []float64
}

var sums parallel.Cache[sumBody]

// Run sums pieces [lo, hi).
func (k *sumBody) Run(lo, hi int) {
	for p := lo; p < hi; p++ {
		if k.a32 != nil {
			k.parts[p] = sumPiece(k.a32[p*sumPart : min((p+1)*sumPart, len(k.a32))])
		} else {
			k.parts[p] = sumPiece(k.a64[p*sumPart : min((p+1)*sumPart, len(k.a64))])
		}
	}
}

// sumPiece adds a (at most sumPart elements) block by block in float64.
func sumPiece[T Float](a []T) float64 {
	s := 0.0
	if is32[T]() {
		x, f := as32(a), impl.sum32
		for len(x) > 0 {
			k := min(len(x), sumBlock)
			s += float64(f(x[:k]))
			x = x[k:]
		}
		return s
	}
	x, f := as64(a), impl.sum64
	for len(x) > 0 {
		k := min(len(x), sumBlock)
		s += f(x[:k])
		x = x[k:]
	}
	return s
}
