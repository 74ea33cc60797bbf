package tensor

import (
	"math"
	"math/bits"
	"os"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"github.com/gograd/gograd/internal/gctick"
)

// The storage pool keeps float buffers known to be dead for the next tensors of the
// same size class, so that a training step reuses memory instead of asking the
// garbage collector, and the operating system, for fresh pages each time. Buffers
// come back in two ways.
//
// Put back: where nothing else can hold them, by the engine, for gradients a
// backward pass consumed or added into another (run, accumulate); by SetGrad, for
// a gradient the engine made and never handed out; and through internal/access,
// for the tensors nn.Sequential passes between its own layers.
//
// Recycled (off unless SetRecycleLimit turns it on): a large buffer (at least
// recycleMinBytes) that the pool allocated is watched by a finalizer set on the
// buffer itself, not on a tensor, so that it runs only once nothing points into
// the buffer any more: no tensor, no view and no slice a caller took with
// Float32s or Float64s. The finalizer returns the buffer to its class list. A
// program that makes large results and drops them (`for ... { y := a.Add(b) }`)
// then asks the runtime for fresh memory less often, so collections come fewer
// times per op. The collector does not count a buffer waiting for its finalizer
// in its heap goal, so recycling, unlike a cache that keeps its buffers
// reachable, does not raise the goal by what it keeps; but the process holds
// that memory besides what the goal allows, up to the recycle limit. A dead
// watched buffer is kept one collection longer than it would be otherwise
// (until its finalizer has run). A buffer still watched after two collections
// is long-lived (a weight, a data set) and stops counting against the recycle
// limit, so that what a program keeps does not use up the room its short-lived
// results need; it is still recycled when it dies.
//
// Why it is off by default: on the 2-core VM where it was measured (2026-12-01,
// shared, load 10-19), a loop of allocating adds on 4M float32 with a 256 MiB
// recycle limit ran 4-5x fewer collections per op (0.05 against 0.25) in the
// same process CPU time once the heap had grown, but growing the process by the
// limit cost ~65k page faults, and the allocating benchmarks on 2 threads ran
// 1.5-5x slower in wall time than without recycling (see README, Performance).
// GOGRAD_DEBUG_POOL=poison turns it on with DefaultPoolLimit, so that the suite
// that CI runs in that mode checks that recycling never reuses memory in use.
//
// Size classes are powers of two from 2^minPoolShift elements. The pool's limit
// (SetPoolLimit; DefaultPoolLimit at start) bounds the bytes in the class lists.
// Buffers put back keep at most classBytes a class (at least minPerClass);
// recycled ones are bounded by the limit alone, since a workload that drops its
// large results reuses as many as die between two collections. Memory is given
// back when idle: a buffer not taken again within two garbage collections is
// dropped, as sync.Pool's victim cache does, so a program that stops computing
// returns the pool's memory to the collector.
//
// Most results are written whole by their kernel (arithmetic, math functions,
// matrix products, copies); those ops ask for uninitialised storage (uninit), and
// the pool hands out such buffers without clearing them. A fresh buffer of at
// least rawMinBytes is then taken from the runtime unzeroed as well (rawBytes):
// zeroing 16 MiB that the kernel overwrites at once was a third of the time of an
// allocating add of 4M float32s (pprof of BenchmarkElementwise/add_alloc:
// memclrNoHeapPointers 0.16 s beside the kernel's 0.31 s).
const (
	minPoolShift = 8 // 256 elements
	maxPoolShift = 27
	classBytes   = 16 << 20
	minPerClass  = 4

	// rawMinBytes is the smallest fresh buffer taken unzeroed; below it clearing
	// costs little beside the allocation itself. At 16 KiB (a 64×64 float32
	// MatMul's result) it was a fifth of the op's time (pprof of
	// BenchmarkMatMul/n=64/alloc: memclrNoHeapPointers 50 of 260 ms).
	rawMinBytes = 4 << 10

	// recycleMinBytes is the smallest buffer the pool watches for recycling.
	// Setting and running a finalizer costs about 0.3 µs, which is small beside
	// an op on 64 KiB (16K float32s) and negligible on the megabytes where the
	// collector's cycles and page faults cost most.
	recycleMinBytes = 64 << 10

	// DefaultPoolLimit is the bound, in bytes, on the float buffers the storage
	// pool keeps for reuse, until SetPoolLimit changes it.
	DefaultPoolLimit = 256 << 20
)

// classCap returns how many put-back buffers of class c with elements of size
// bytes the pool keeps.
func classCap(c, size int) int { return max(minPerClass, classBytes/(size<<c)) }

// pooledBuf is a buffer in a class list. ours says that the pool allocated it
// (makeBuf), so that it starts its heap object and may be watched.
type pooledBuf[T float32 | float64] struct {
	b    []T
	ours bool
}

// classLists holds a dtype's pooled buffers by size class: cur since the last
// garbage collection, old from the cycle before (dropped at the next one).
type classLists[T float32 | float64] struct {
	cur, old [maxPoolShift + 1][]pooledBuf[T]
}

type storagePool struct {
	mu    sync.Mutex
	f32   classLists[float32]
	f64   classLists[float64]
	held  int // bytes of all listed buffers
	limit int

	recycleLimit int // bound on watchedBytes; 0: nothing is watched

	// watched maps the address of each buffer with a finalizer set to its bytes,
	// with the low bit set for float64 (bytes are a multiple of 8). A watched
	// buffer is never in a list. watched[0] holds the buffers watched since the
	// last garbage collection, watched[1] those from the cycle before, and
	// longLived those that survived two collections: weights, data sets, anything
	// a program keeps. Only the first two count against recycleLimit (watchedBytes
	// is their sum), so that long-lived tensors do not use up the room that
	// short-lived results need to be recycled.
	watched      [2]map[uintptr]int
	longLived    map[uintptr]int
	watchedBytes int
}

var pool = storagePool{
	limit:        DefaultPoolLimit,
	recycleLimit: recycleDefault(),
	watched:      [2]map[uintptr]int{{}, {}},
	longLived:    map[uintptr]int{},
}

// SetPoolLimit bounds the bytes of float buffers gograd's storage pool keeps for
// reuse and returns the previous bound; 0 turns pooling off. The pool keeps
// buffers it knows to be dead: gradients and activations a backward pass or
// nn.Sequential is done with, and, when SetRecycleLimit has turned recycling on,
// dropped large results. Buffers over a new, lower bound are dropped at once. The
// pool also gives its memory back on its own when idle (two garbage collections
// without reuse).
func SetPoolLimit(bytes int) int {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	prev := pool.limit
	pool.limit = max(bytes, 0)
	for c := maxPoolShift; c >= 0 && pool.held > pool.limit; c-- {
		pool.held -= dropClass(&pool.f32.old[c], 4<<c) + dropClass(&pool.f32.cur[c], 4<<c)
		pool.held -= dropClass(&pool.f64.old[c], 8<<c) + dropClass(&pool.f64.cur[c], 8<<c)
	}
	return prev
}

// SetRecycleLimit turns on recycling of dropped large results and returns the
// previous setting: the storage of a result of 64 KiB or more that the pool
// allocated is watched, while the bytes watched for less than two garbage
// collections stay within bytes, and when nothing points into it any more (no
// tensor, view, or slice from Float32s or Float64s) it goes back to the pool for
// the next result of its size, within the pool's limit (SetPoolLimit). 0, the
// default, turns recycling off.
//
// Recycling trades memory for fewer garbage collections: a loop that makes and
// drops large results runs a collection every (live heap + bytes) / result size
// ops instead of every live heap / result size, and the process holds up to
// bytes more memory. Whether that pays depends on the machine: see README's
// Performance section for what was measured.
func SetRecycleLimit(bytes int) int {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	prev := pool.recycleLimit
	pool.recycleLimit = max(bytes, 0)
	return prev
}

// recycleDefault is the recycle limit at start: off, but DefaultPoolLimit when
// pooled buffers are poisoned, so that the test suite checks recycling.
func recycleDefault() int {
	if poisonReleased {
		return DefaultPoolLimit
	}
	return 0
}

// dropClass empties a class list of buffers of the given bytes each and returns
// the bytes dropped.
func dropClass[T float32 | float64](l *[]pooledBuf[T], bytes int) int {
	n := len(*l) * bytes
	clear(*l)
	*l = (*l)[:0]
	return n
}

// age runs after each garbage collection: buffers listed before the previous one
// and not taken since are dropped; the current ones become old. Buffers watched
// since before the previous collection are long-lived from now on.
func (p *storagePool) age() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range maxPoolShift + 1 {
		p.held -= ageClass(&p.f32, c, 4<<c) + ageClass(&p.f64, c, 8<<c)
	}
	for b, v := range p.watched[1] {
		p.longLived[b] = v
		p.watchedBytes -= v &^ 1
	}
	clear(p.watched[1])
	p.watched[0], p.watched[1] = p.watched[1], p.watched[0]
}

func ageClass[T float32 | float64](l *classLists[T], c, bytes int) int {
	n := dropClass(&l.old[c], bytes)
	l.old[c], l.cur[c] = l.cur[c], l.old[c]
	return n
}

func init() { gctick.Add(pool.age) } // age the pool after each garbage collection

// poisonReleased fills released buffers with NaN, so that a use after release
// shows up in any test; set by GOGRAD_DEBUG_POOL=poison (CI runs the suite so).
var poisonReleased = os.Getenv("GOGRAD_DEBUG_POOL") == "poison"

// poolClass returns the size class for n elements, or -1 if n is not pooled.
func poolClass(n int) int {
	if n < 1<<minPoolShift {
		return -1
	}
	c := bits.Len(uint(n - 1))
	if c > maxPoolShift {
		return -1
	}
	return c
}

// get32 returns a slice of n float32s, from the pool when it can: zeroed, or
// with undefined contents (NaN when pooled buffers are poisoned) when zero is
// false, for a caller that writes every element before reading any.
func (p *storagePool) get32(n int, zero bool) []float32 { return poolGet(p, &p.f32, n, 4, zero) }

// get64 is get32 for float64.
func (p *storagePool) get64(n int, zero bool) []float64 { return poolGet(p, &p.f64, n, 8, zero) }

// poolGet takes a buffer for n elements from the class lists (the current ones
// first), or makes one with the class's capacity; see get32 for zero. A large
// buffer the pool allocated is watched while it is out, if there is room.
func poolGet[T float32 | float64](p *storagePool, l *classLists[T], n, size int, zero bool) []T {
	c := poolClass(n)
	if c < 0 {
		return makeBuf[T](n, n, size, zero)
	}
	bytes := size << c
	p.mu.Lock()
	for _, list := range [2]*[]pooledBuf[T]{&l.cur[c], &l.old[c]} {
		if k := len(*list); k > 0 {
			e := (*list)[k-1]
			(*list)[k-1] = pooledBuf[T]{}
			*list = (*list)[:k-1]
			p.held -= bytes
			if e.ours {
				p.watch(unsafe.Pointer(unsafe.SliceData(e.b)), bytes, size)
			}
			p.mu.Unlock()
			b := e.b[:n]
			if zero {
				clear(b)
			}
			return b
		}
	}
	p.mu.Unlock()
	b := makeBuf[T](n, 1<<c, size, zero)
	if bytes >= recycleMinBytes {
		p.mu.Lock()
		p.watch(unsafe.Pointer(unsafe.SliceData(b)), bytes, size)
		p.mu.Unlock()
	}
	return b
}

// watch sets a finalizer on the buffer at b, of the given bytes and element size,
// if it is large enough and the recycle limit has room; p.mu is held. b must be the start
// of its heap object, as buffers from makeBuf are.
func (p *storagePool) watch(b unsafe.Pointer, bytes, size int) {
	if bytes < recycleMinBytes || p.watchedBytes+bytes > p.recycleLimit {
		return
	}
	p.watchedBytes += bytes
	p.watched[0][uintptr(b)] = bytes | size>>3 // the low bit set for float64
	runtime.SetFinalizer((*byte)(b), recycle)
}

// forget removes the buffer at address b from the watched maps and returns its
// map value, and whether it was watched; p.mu is held.
func (p *storagePool) forget(b uintptr) (int, bool) {
	for i, m := range [3]map[uintptr]int{p.watched[0], p.watched[1], p.longLived} {
		if v, ok := m[b]; ok {
			delete(m, b)
			if i < 2 {
				p.watchedBytes -= v &^ 1
			}
			return v, true
		}
	}
	return 0, false
}

// unwatch clears the finalizer of the buffer at b if it is watched and reports
// whether it was; p.mu is held.
func (p *storagePool) unwatch(b unsafe.Pointer) bool {
	_, ok := p.forget(uintptr(b))
	if ok {
		runtime.SetFinalizer((*byte)(b), nil)
	}
	return ok
}

// recycle is the finalizer of a watched buffer: it runs once nothing points into
// the buffer, which it lists for reuse.
func recycle(b *byte) {
	p := &pool
	p.mu.Lock()
	v, ok := p.forget(uintptr(unsafe.Pointer(b)))
	p.mu.Unlock()
	if !ok { // cannot happen: a watched buffer is in the map until its finalizer runs or is cleared
		return
	}
	if v&1 != 0 {
		poolPut(p, &p.f64, unsafe.Slice((*float64)(unsafe.Pointer(b)), v/8), 8, true)
	} else {
		poolPut(p, &p.f32, unsafe.Slice((*float32)(unsafe.Pointer(b)), v/4), 4, true)
	}
}

// makeBuf returns a fresh slice of n elements of the given size in bytes, with
// capacity c: zeroed, or when zero is false and it is large, straight from the
// runtime unzeroed (filled with NaN when buffers are poisoned, so that a kernel
// that leaves elements unwritten shows in the tests). The slice starts its heap
// object.
func makeBuf[T float32 | float64](n, c, size int, zero bool) []T {
	if zero || c*size < rawMinBytes {
		return make([]T, n, c)
	}
	b := unsafe.Slice((*T)(rawBytes(c*size)), c)[:n]
	if poisonReleased {
		nan := T(math.NaN())
		for i := range b {
			b[i] = nan
		}
	}
	return b
}

// rawBytes returns the address of n bytes of fresh, pointer-free heap memory that
// the runtime has not zeroed. It is a strings.Builder's buffer: Grow allocates it
// without clearing (the Go runtime skips zeroing for buffers that are written
// before they are read), which is the only public way to ask for such memory.
// Were a Go release to clear it, this would be slower, never wrong: callers write
// every element before reading one. The memory stays alive, like any heap object,
// as long as a pointer into it does. It is aligned as the runtime's size classes
// are (16 bytes at least, a page for allocations over 32 KiB), more than float64
// needs.
func rawBytes(n int) unsafe.Pointer {
	var b strings.Builder
	b.Grow(n)
	b.WriteByte(0)
	return unsafe.Pointer(unsafe.StringData(b.String()))
}

// poolPut lists b in its class, poisoned in debug mode, unless the pool has no
// room or b's capacity is not a class size. recycled says that b comes from its
// finalizer, which lifts the class's cap; a buffer put back that was watched stops
// being watched and is listed as the pool's own.
func poolPut[T float32 | float64](p *storagePool, l *classLists[T], b []T, size int, recycled bool) {
	c := poolClass(cap(b))
	if c < 0 || cap(b) != 1<<c {
		return
	}
	b = b[:cap(b)]
	if poisonReleased {
		nan := T(math.NaN())
		for i := range b {
			b[i] = nan
		}
	}
	bytes := size << c
	p.mu.Lock()
	ours := recycled || bytes >= recycleMinBytes && p.unwatch(unsafe.Pointer(unsafe.SliceData(b)))
	if (recycled || len(l.cur[c]) < classCap(c, size)) && p.held+bytes <= p.limit {
		l.cur[c] = append(l.cur[c], pooledBuf[T]{b, ours})
		p.held += bytes
	}
	p.mu.Unlock()
}

// put returns t's storage to the pool if it has a pooled capacity. The caller
// guarantees that nothing references the storage any more. Views never give their
// base's storage back.
func (p *storagePool) put(t *Tensor) {
	if t.lay != nil {
		return
	}
	switch t.dtype {
	case Float32:
		poolPut(p, &p.f32, t.f32, 4, false)
	case Float64:
		poolPut(p, &p.f64, t.f64, 8, false)
	}
	t.f32, t.f64 = nil, nil
}
