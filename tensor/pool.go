package tensor

import (
	"math"
	"math/bits"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
	"weak"

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
// Recycled (by default only results of DefaultRecycleMinSize or more; see why
// below): a buffer of at least the recycle size that the pool allocated is
// watched by a finalizer set on the buffer itself, not on a tensor, so that it
// runs only once nothing points into the buffer any more: no tensor, no view
// and no slice a caller took with Float32s or Float64s. The finalizer lists the buffer by a weak pointer and
// sets itself again (watchEntry): the buffer then serves the next result of its
// size, and while it waits the collector neither counts it in its heap goal nor
// frees it. A program that makes results and drops them (`for ... { y :=
// a.Add(b) }`) then writes them into pages it already holds instead of pages
// the runtime's scavenger may have given back to the operating system, which
// fault again when touched (see README, Performance, for what that cost).
// Since a dead buffer comes back only after a collection, a buffer of
// fullChargeBytes or more that came back so (not put back) charges the
// collector with an allocation of its size that nothing touches (charge):
// collections come as often as without
// recycling, and the buffers in circulation settle at the results made between
// two of them, plus two, so that the process touches about the memory it
// touched without recycling. Smaller buffers charge less (chargeBytes): there
// collections were most of an op's cost (a 64×64 MatMul), and their class bound
// (classLimit) keeps the memory that buys fewer of them small. The memory
// watched is bounded by the recycle limit. A buffer out for two collections is
// long-lived (a weight, a data set) and stops counting against the limit, so
// that what a program keeps does not use up the room its short-lived results
// need; it is still recycled when it dies, if there is room. Watched buffers
// listed when no buffer of their class has been made or taken for two
// collections are given back. A dead watched buffer is kept one collection
// longer than it would be otherwise.
//
// An earlier version (2026-12-01) listed recycled buffers strongly: buffers
// listed when a collection began counted as live, which raised the heap goal
// for one cycle; when it fell back, the scavenger gave the difference back to
// the operating system and the next fresh allocations faulted it in again; and
// the process grew by the whole limit, whose page faults cost more than the
// collections saved in a short benchmark on a VM.
//
// Why this version is on by default only for results of 8 MiB or more: on the
// 2-core AVX-512 VM (2026-12-02, 02:18-02:20 UTC, load 1.4), alternating runs of
// the transformer training step with recycling of every size from 16 KiB on
// (DefaultRecycleLimit) and off gave medians of 21.2 / 19.9 ms on 1 thread and
// 16.7 / 16.0 ms on 2 (4 runs each), and the CNN step was 5-20 % slower on 1
// thread (3 runs, 12:15 UTC), while the steps' own activations and gradients
// already come back through the put-back path. It pays for programs that drop
// large results (README, Performance); GOGRAD_DEBUG_POOL=poison turns it on for
// every size, so that the suite run in that mode checks that recycling never
// reuses memory in use. Fresh smaller results, from 4 KiB to 1 MiB, are carved
// out of chunks that are recycled buffers of that size (chunk.go), so that
// they too are written into memory the process holds.
//
// Size classes are powers of two from 2^minPoolShift elements. The pool's limit
// (SetPoolLimit; DefaultPoolLimit at start) bounds the bytes of the buffers held
// in the class lists, which keep at most classBytes a class (at least
// minPerClass); watched buffers are bounded by the recycle limit and their
// class's share of it. Memory is given back when idle: a buffer not taken again within two garbage collections is
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

	// recycleMinBytes is the smallest buffer the pool can watch for recycling
	// (SetRecycleMinSize). Watching costs a finalizer run, a finalizer set and
	// a weak pointer made each time a buffer dies, about 2 µs beside a 64×64
	// float32 MatMul (16 KiB) at 2 threads, which allocating otherwise cost
	// 6-16 µs, mostly in collections, before the GC floor (gcfloor.go): a heap
	// that small was collected every 4 MiB of allocation (2026-12-02, Intel
	// AVX-512 VM: 6.1-7.3 µs per op recycled, 9.6-30 µs not, against 3.6-5.2 µs
	// into a preallocated result). With the floor, recycling from 16 KiB made
	// it slower (Zen 5 VM, 1 thread: 86-90 GFLOP/s against 111-116).
	recycleMinBytes = 16 << 10

	// DefaultPoolLimit is the bound, in bytes, on the float buffers the storage
	// pool keeps for reuse, until SetPoolLimit changes it.
	DefaultPoolLimit = 256 << 20

	// DefaultRecycleLimit is the bound, in bytes, on the memory kept for
	// recycling large results, until SetRecycleLimit changes it.
	DefaultRecycleLimit = 128 << 20

	// DefaultRecycleMinSize is the size in bytes from which results are
	// recycled, until SetRecycleMinSize changes it. Recycling all results of
	// 16 KiB or more made the CNN training step 5-20 % slower on 1 thread
	// (2026-12-02, AVX-512 VM, 3 alternating runs), whose activations and
	// gradients are under 8 MiB and mostly come back through the put-back
	// path; results of 8 MiB and more are written with streaming stores
	// (internal/vec), and recycling them raised a 2-thread allocating add of
	// 4M float32s from 35-36 to 43-44 GB/s and a multiply from 33-35 to 43-49
	// (2 alternating runs; fewer page faults: the heap no longer grows and
	// shrinks across collections).
	DefaultRecycleMinSize = 8 << 20

	// fullChargeBytes is the smallest recycled buffer charged in full (see
	// chargeBytes).
	fullChargeBytes = 1 << 20

	// maxYields bounds how many times poolGet lets other goroutines run, so
	// that finalizers list dead watched buffers, before it allocates.
	maxYields = 16
)

// classCap returns how many put-back buffers of class c with elements of size
// bytes the pool keeps.
func classCap(c, size int) int { return max(minPerClass, classBytes/(size<<c)) }

// pooledBuf is a buffer in a class list: b holds one the pool does not watch
// (put back, or made over the recycle limit), w a watched one, which the list
// does not keep alive (see watchEntry).
type pooledBuf[T float32 | float64] struct {
	b []T
	w weak.Pointer[T]
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
	held  int // bytes of the buffers listed by b
	limit int

	recycleLimit int // bound on watchedBytes; 0: nothing new is watched
	recycleMin   int // smallest buffer watched (SetRecycleMinSize)

	// watched holds, by address, each buffer with the recycle finalizer set, and
	// watchedBytes the bytes of those not long-lived.
	watched      map[uintptr]watchEntry
	watchedBytes int
	classWatched [2][maxPoolShift + 1]int // watchedBytes by dtype and class

	// waiting counts the watched buffers listed by dtype (float32, float64) and
	// class: in a list, or found unused by a collection and waiting for their
	// finalizer to list them again.
	waiting [2][maxPoolShift + 1]int

	// idle counts, by dtype and class, the collections since a watched buffer
	// of the class was last taken or made (used: since the last one).
	idle [2][maxPoolShift + 1]uint8
	used [2][maxPoolShift + 1]bool

	// out counts the watched buffers out by dtype and class, and back holds
	// the number of garbage collections ended (as age last saw it) when one
	// last came back.
	out  [2][maxPoolShift + 1]int
	back [2][maxPoolShift + 1]uint64

	cycles uint64 // garbage collections ended when age last ran

	chunk chunks // chunks small results are carved out of (chunk.go)
}

// watchEntry is the state of a watched buffer: a large buffer the pool made,
// with the recycle finalizer set on it, that stays allocated across collections
// until the pool drops it. Out, it is held by a tensor (or a view or slice of
// one); when nothing points into it any more, its finalizer lists it by a weak
// pointer, keeps itself set, and the buffer waits for the next result of its
// size. Listed, the buffer is not reachable, so the collector neither counts it
// in its heap goal nor frees it: at the next collection the weak pointer goes
// nil and the finalizer, run again, lists the buffer anew. It is dropped (the
// finalizer not set again, so that the following collection frees it) when a
// collection finds it listed and no watched buffer of its class has been taken,
// made or dropped for two collections, or when the pool watches more than its
// limit.
type watchEntry struct {
	v     int  // bytes, with the low bit set for float64
	out   bool // handed out (not listed)
	ticks int  // collections since it was handed out
	long  bool // out for two collections or more: not counted in watchedBytes

	// dropped says that a listed buffer came back through its finalizer (its
	// result was dropped), not put back: taking it charges the collector.
	dropped bool
}

var pool = storagePool{
	limit:        DefaultPoolLimit,
	recycleLimit: DefaultRecycleLimit,
	recycleMin:   DefaultRecycleMinSize,
	chunk:        chunks{limit: DefaultChunkLimit},
	watched:      map[uintptr]watchEntry{},
}

// SetPoolLimit bounds the bytes of float buffers gograd's storage pool keeps
// listed for reuse besides the recycled ones (see SetRecycleLimit) and returns
// the previous bound; 0 turns that pooling off. These are buffers it knows to
// be dead: gradients and activations a backward pass or nn.Sequential is done
// with. Buffers over a new, lower bound are dropped at once. The pool also gives
// its memory back on its own when idle (two garbage collections without reuse).
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

// SetRecycleLimit bounds the memory gograd keeps for recycling the storage of
// dropped results and returns the previous bound; 0 turns recycling off. The
// bound at start is DefaultRecycleLimit.
//
// The storage of a result of at least the recycle size (SetRecycleMinSize)
// that the pool allocates is watched while the bytes watched (results made
// within the last two garbage collections, and storage waiting for reuse) stay
// within bytes, and within an eighth of bytes (or eight buffers, if that is
// more) for each size. When
// nothing points into it any more (no tensor, view, or slice from Float32s or
// Float64s), it serves the next result of its size instead of fresh memory, so
// that a loop that makes and drops results does not touch pages the runtime
// has given back to the operating system, and for results under 1 MiB has the
// collector run less often. Storage of a size no result has taken for two
// collections is given back.
func SetRecycleLimit(bytes int) int {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	prev := pool.recycleLimit
	pool.recycleLimit = max(bytes, 0)
	return prev
}

// SetRecycleMinSize sets the size in bytes from which results are recycled
// (see SetRecycleLimit) and returns the previous one; sizes under 16 KiB mean
// 16 KiB. It is DefaultRecycleMinSize at start.
func SetRecycleMinSize(bytes int) int {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	prev := pool.recycleMin
	pool.recycleMin = max(bytes, recycleMinBytes)
	return prev
}

// dropClass empties a class list of buffers of the given bytes each and returns
// the bytes of the strongly held ones dropped (watched ones are counted apart).
func dropClass[T float32 | float64](l *[]pooledBuf[T], bytes int) int {
	n := 0
	for _, e := range *l {
		if e.b != nil {
			n += bytes
		}
	}
	clear(*l)
	*l = (*l)[:0]
	return n
}

// age runs after each garbage collection: buffers listed before the previous one
// and not taken since are dropped; the current ones become old. Watched buffers
// out for two collections become long-lived and stop counting against the
// recycle limit.
func (p *storagePool) age() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cycles = p.gcCycles()
	p.chunk.age(p.cycles)
	for c := range maxPoolShift + 1 {
		p.held -= ageClass(&p.f32, c, 4<<c) + ageClass(&p.f64, c, 8<<c)
	}
	for k := range p.idle {
		for c := range p.idle[k] {
			if p.used[k][c] {
				p.idle[k][c], p.used[k][c] = 0, false
			} else if p.idle[k][c] < 2 {
				p.idle[k][c]++
			}
		}
	}
	for a, e := range p.watched {
		if e.out && !e.long {
			if e.ticks++; e.ticks >= 2 {
				e.long = true
				p.count(e.v, -1)
			}
			p.watched[a] = e
		}
	}
}

func ageClass[T float32 | float64](l *classLists[T], c, bytes int) int {
	n := dropClass(&l.old[c], bytes)
	l.old[c], l.cur[c] = l.cur[c], l.old[c]
	return n
}

func init() { gctick.Add(pool.age) } // age the pool after each garbage collection

// cyclesSample is gcCycles's metric, kept so that reading it allocates nothing.
var cyclesSample = []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}

// gcCycles returns the number of garbage collections that have ended; p.mu is
// held (it guards cyclesSample).
func (p *storagePool) gcCycles() uint64 {
	metrics.Read(cyclesSample)
	return cyclesSample[0].Value.Uint64()
}

// poisonReleased fills released buffers with NaN, so that a use after release
// shows up in any test; set by GOGRAD_DEBUG_POOL=poison (CI runs the suite so).
// It is atomic because finalizers read it while tests set it.
var poisonReleased atomic.Bool

// When pooled buffers are poisoned, results of every recyclable size are
// recycled from the start, so that the suite run in that mode checks recycling.
func init() {
	if os.Getenv("GOGRAD_DEBUG_POOL") == "poison" {
		poisonReleased.Store(true)
		pool.recycleMin = recycleMinBytes
	}
}

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
// first, the last listed first), or makes one with the class's capacity, watched
// if it is large and the recycle limit has room; see get32 for zero.
func poolGet[T float32 | float64](p *storagePool, l *classLists[T], n, size int, zero bool) []T {
	c := poolClass(n)
	if c < 0 {
		return makeBuf[T](n, n, size, zero)
	}
	bytes := size << c
	p.mu.Lock()
	for try := 0; ; try++ {
		if b, dropped := take(p, l, c, bytes, size); b != nil {
			p.mu.Unlock()
			if dropped {
				charge(chargeBytes(bytes))
			}
			b = b[:n]
			if zero {
				clear(b)
			} else if poisonReleased.Load() {
				fillNaN(b) // as fresh uninitialised storage, even if poisoning began after b was listed
			}
			return b
		}
		if bytes < p.recycleMin {
			break
		}
		k := size >> 3
		if p.waiting[k][c] == 0 && (p.out[k][c] == 0 || p.gcCycles() == p.back[k][c]) {
			break
		}
		if try == maxYields {
			p.back[k][c] = p.gcCycles() // none came back: wait no more until the next collection
			break
		}
		// Listed buffers of this class that a collection found unused wait for
		// their finalizers to list them again, or buffers out may have died
		// since the last collection: the runtime sweeps them and runs their
		// finalizers in a moment, if this goroutine lets it.
		p.mu.Unlock()
		runtime.Gosched()
		p.mu.Lock()
	}
	if bytes < p.recycleMin && bytes >= chunkMinBytes && bytes <= chunkMaxBytes {
		if a := p.carve(bytes); a != nil {
			p.mu.Unlock()
			b := unsafe.Slice((*T)(a), 1<<c)[:n]
			if zero {
				clear(b)
			} else if poisonReleased.Load() {
				fillNaN(b)
			}
			return b
		}
	}
	watch := bytes >= p.recycleMin && p.watchedBytes+bytes <= p.recycleLimit &&
		p.classWatched[size>>3][c]+bytes <= p.classLimit(bytes)
	if watch {
		p.count(bytes|size>>3, 1) // before the allocation, so that concurrent ones keep within the limit
	}
	p.mu.Unlock()
	b := makeBuf[T](n, 1<<c, size, zero)
	if watch {
		a := unsafe.SliceData(b)
		p.mu.Lock()
		p.watched[uintptr(unsafe.Pointer(a))] = watchEntry{v: bytes | size>>3, out: true} // the low bit set for float64
		p.used[size>>3][c] = true
		p.out[size>>3][c]++
		p.mu.Unlock()
		runtime.SetFinalizer(a, recycle[T])
	}
	return b
}

// count adds sign times the bytes of a watched buffer (v as in watchEntry) to
// what the pool counts against its limits; p.mu is held.
func (p *storagePool) count(v, sign int) {
	bytes := v &^ 1
	c := bits.TrailingZeros(uint(bytes)) - 2 - v&1 // log2 of the elements
	p.watchedBytes += sign * bytes
	p.classWatched[v&1][c] += sign * bytes
}

// classLimit is the bound on the watched bytes of one class of buffers of the
// given bytes: an eighth of the recycle limit, or eight buffers if that is more
// (within the recycle limit), so that small results, which die by the
// thousands between two collections, do not take all of it.
func (p *storagePool) classLimit(bytes int) int { return max(p.recycleLimit/8, 8*bytes) }

// overLimit reports whether the pool watches more than its limits allow, for
// the class c of the buffer v (as in watchEntry); p.mu is held.
func (p *storagePool) overLimit(v, c int) bool {
	return p.watchedBytes > p.recycleLimit || p.classWatched[v&1][c] > p.classLimit(v&^1)
}

// take pops a buffer of class c from the lists (the current ones first, the last
// listed first), skipping watched ones a collection has found unused since they
// were listed, and reports whether it is a watched buffer that came back
// through its finalizer; nil if there is none. p.mu is held.
func take[T float32 | float64](p *storagePool, l *classLists[T], c, bytes, size int) ([]T, bool) {
	for _, list := range [2]*[]pooledBuf[T]{&l.cur[c], &l.old[c]} {
		for k := len(*list); k > 0; k-- {
			e := (*list)[k-1]
			(*list)[k-1] = pooledBuf[T]{}
			*list = (*list)[:k-1]
			if e.b != nil {
				p.held -= bytes
				return e.b, false
			}
			if v := e.w.Value(); v != nil { // watched and still allocated: out again
				a := uintptr(unsafe.Pointer(v))
				w, ok := p.watched[a]
				if !ok { // cannot happen: a listed buffer is dropped only by its finalizer
					return unsafe.Slice(v, 1<<c), false
				}
				dropped := w.dropped
				w.out, w.ticks, w.dropped = true, 0, false
				p.watched[a] = w
				p.waiting[size>>3][c]--
				p.out[size>>3][c]++
				p.used[size>>3][c] = true
				return unsafe.Slice(v, 1<<c), dropped
			}
			// Found unused by a collection since it was listed: its finalizer
			// lists it again.
		}
	}
	return nil, false
}

// chargeBytes returns the bytes a recycled buffer of the given bytes charges
// the collector with (see charge): all of them from fullChargeBytes, less below
// (bytes²/fullChargeBytes), so that small results, which cost little memory,
// have the collector run less often, while large ones keep it running as often
// as it would without recycling and the process touches no more memory than
// it would then.
func chargeBytes(bytes int) int { return min(bytes, bytes*bytes/fullChargeBytes) }

// charge allocates n bytes that nothing touches or keeps, so that the collector
// paces its cycles as if a buffer of n bytes had been allocated: a recycled
// buffer comes back only after a collection.
func charge(n int) { untouched(n) }

// recycle is the finalizer of a watched buffer, which starts at b: it runs once
// nothing points into the buffer, after the collection that found so. A buffer
// that was out is listed for reuse (poisoned in debug mode), one listed and
// unused since the previous collection gains an idle collection, and either is
// listed again with its finalizer set again, unless it has been idle for two
// collections or the pool watches more than its limit: then it is forgotten, and
// the next collection frees it.
func recycle[T float32 | float64](b *T) {
	p := &pool
	a := uintptr(unsafe.Pointer(b))
	p.mu.Lock()
	e, ok := p.watched[a]
	if !ok { // cannot happen: a buffer has the finalizer only while in the map
		p.mu.Unlock()
		return
	}
	bytes := e.v &^ 1
	if e.long { // it died: counted again from now on, if there is room
		e.long = false
		p.count(e.v, 1)
	}
	wasOut := e.out
	e.out, e.ticks = false, 0
	if wasOut {
		e.dropped = true
	}
	c := bits.TrailingZeros(uint(bytes) / uint(unsafe.Sizeof(*b)))
	k := e.v & 1
	if wasOut {
		p.out[k][c]--
		p.back[k][c] = p.cycles
		p.idle[k][c] = 0 // it died since the last collection: the class is in use
	}
	if p.idle[k][c] >= 2 || p.overLimit(e.v, c) {
		delete(p.watched, a)
		p.count(e.v, -1)
		if !wasOut {
			p.waiting[k][c]--
		}
		p.mu.Unlock()
		return
	}
	if wasOut {
		p.waiting[k][c]++
	}
	p.watched[a] = e
	p.mu.Unlock()
	if wasOut && poisonReleased.Load() {
		fillNaN(unsafe.Slice(b, 1<<c))
	}
	runtime.SetFinalizer(b, recycle[T])
	w := weak.Make(b)
	l := classesOf[T](p)
	p.mu.Lock()
	l.cur[c] = append(l.cur[c], pooledBuf[T]{w: w})
	p.mu.Unlock()
}

// classesOf returns the pool's class lists for T.
func classesOf[T float32 | float64](p *storagePool) *classLists[T] {
	if any(T(0)) == any(float32(0)) {
		return any(&p.f32).(*classLists[T])
	}
	return any(&p.f64).(*classLists[T])
}

// fillNaN sets every element of b to NaN.
func fillNaN[T float32 | float64](b []T) {
	nan := T(math.NaN())
	for i := range b {
		b[i] = nan
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
	if poisonReleased.Load() {
		fillNaN(b)
	}
	return b
}

// untouched returns a strings.Builder holding n bytes of fresh, pointer-free
// heap memory that the runtime has neither zeroed nor touched: Grow allocates
// it without clearing (the Go runtime skips zeroing for buffers that are
// written before they are read), which is the only public way to ask for such
// memory. Were a Go release to clear it, its users would be slower, never
// wrong: rawBytes's callers write every element before reading one, and
// charge and the GC floor never read it.
func untouched(n int) *strings.Builder {
	b := new(strings.Builder)
	b.Grow(n)
	return b
}

// rawBytes returns the address of n bytes of fresh, pointer-free heap memory that
// the runtime has not zeroed (see untouched). The memory stays alive, like any
// heap object, as long as a pointer into it does. It is aligned as the
// runtime's size classes are (16 bytes at least, a page for allocations over 32
// KiB), more than float64 needs.
func rawBytes(n int) unsafe.Pointer {
	b := untouched(n)
	b.WriteByte(0)
	return unsafe.Pointer(unsafe.StringData(b.String()))
}

// poolPut lists b in its class, poisoned in debug mode, unless b's capacity is
// not a class size. A watched buffer is listed by a weak pointer, as its
// finalizer lists it (see watchEntry); others are held, if the class and the
// pool have room.
func poolPut[T float32 | float64](p *storagePool, l *classLists[T], b []T, size int) {
	c := poolClass(cap(b))
	if c < 0 || cap(b) != 1<<c {
		return
	}
	b = b[:cap(b)]
	if poisonReleased.Load() {
		fillNaN(b)
	}
	bytes := size << c
	p.mu.Lock()
	defer p.mu.Unlock()
	if bytes >= recycleMinBytes {
		a := unsafe.SliceData(b)
		if e, ok := p.watched[uintptr(unsafe.Pointer(a))]; ok {
			if e.long {
				e.long = false
				p.count(e.v, 1)
			}
			if !p.overLimit(e.v, c) {
				e.out, e.ticks, e.dropped = false, 0, false
				p.watched[uintptr(unsafe.Pointer(a))] = e
				p.waiting[size>>3][c]++
				p.out[size>>3][c]--
				l.cur[c] = append(l.cur[c], pooledBuf[T]{w: weak.Make(a)})
				return
			}
			delete(p.watched, uintptr(unsafe.Pointer(a))) // over the limit: held as any other, if there is room
			p.count(e.v, -1)
			p.out[size>>3][c]--
			runtime.SetFinalizer(a, nil)
		}
	}
	if len(l.cur[c]) < classCap(c, size) && p.held+bytes <= p.limit {
		l.cur[c] = append(l.cur[c], pooledBuf[T]{b: b})
		p.held += bytes
	}
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
		poolPut(p, &p.f32, t.f32, 4)
	case Float64:
		poolPut(p, &p.f64, t.f64, 8)
	}
	t.f32, t.f64 = nil, nil
}
