// Package parallel runs loops across goroutines and holds gograd's thread-count
// setting (the counterpart of torch.set_num_threads).
//
// For hands chunks of a loop to long-lived worker goroutines that poll for work
// for a short while after each chunk before they park, as OpenMP's threads do:
// waking a parked goroutine on an idle core costs 100-300 µs on some virtual
// machines, more than a whole kernel call, while a polling worker starts within
// a microsecond. A chunk no worker has claimed by the time the caller finishes its
// own is run by the caller, so For never waits on a busy or descheduled worker to
// start, and nested or concurrent For calls cannot deadlock.
//
// A call allocates nothing of its own: its bookkeeping is reused from call to
// call. Run with a Body that the caller reuses (see Cache) allocates nothing
// at all, which is what lets a training loop written with gograd's out=
// functions run without allocating; a func literal passed to For that
// captures variables is allocated by the caller, as any escaping closure is.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gograd/gograd/internal/gctick"
)

// threads is the count SetThreads set; 0 while the default holds: procs, the
// number of goroutines the runtime can run at once, min(GOMAXPROCS,
// NumCPU), which honours a container's CPU limit (the runtime sets GOMAXPROCS
// from it) and go test's -cpu flag. Reading GOMAXPROCS takes the scheduler's
// lock, too costly for every kernel call, so procs is read at start and after
// each garbage collection: a change of GOMAXPROCS is seen from the next one on
// (go test collects before each benchmark, and so after its -cpu setting).
var threads, procs atomic.Int32

func init() {
	readProcs()
	gctick.Add(readProcs)
}

func readProcs() { procs.Store(int32(min(runtime.GOMAXPROCS(0), runtime.NumCPU()))) }

// SetThreads sets how many goroutines kernels may use; n < 1 restores the
// default, which follows GOMAXPROCS (and so a container's CPU limit).
func SetThreads(n int) { threads.Store(int32(max(n, 0))) }

// Threads returns the current thread count: as set by SetThreads, or by
// default the number of goroutines the runtime runs at once (GOMAXPROCS, at
// most the number of CPUs).
func Threads() int {
	if n := threads.Load(); n > 0 {
		return int(n)
	}
	return int(procs.Load())
}

// pollFor is how long an idle worker polls for the next chunk before parking.
const pollFor = time.Millisecond

// piecesPerThread is how many pieces For cuts a loop into per thread (when the
// grain allows): whoever is free claims the next piece, so a worker that the
// OS deschedules (a loaded machine) holds up only the piece it is running,
// not a whole half of the loop.
const piecesPerThread = 4

// Body is a loop body that Run calls over disjoint ranges [lo, hi), from
// several goroutines at once.
type Body interface{ Run(lo, hi int) }

// Func is a function as a Body.
type Func func(lo, hi int)

// Run calls f(lo, hi).
func (f Func) Run(lo, hi int) { f(lo, hi) }

// task is one Run call: its pieces, claimed in order by the caller and the
// workers that took the task from their slot. It is reused once released by
// the caller and by each worker it was handed to (refs).
type task struct {
	b          Body
	n, pieces  int
	next, done atomic.Int64
	refs       atomic.Int32
}

// do claims and runs pieces until none is left.
func (t *task) do() {
	for {
		p := int(t.next.Add(1) - 1)
		if p >= t.pieces {
			return
		}
		t.b.Run(p*t.n/t.pieces, (p+1)*t.n/t.pieces)
		t.done.Add(1)
	}
}

// maxFreeTasks bounds the tasks kept for reuse: as many as there are Run
// calls in flight at once, up to this.
const maxFreeTasks = 64

var freeTasks struct {
	mu   sync.Mutex
	list []*task
}

// newTask returns a task for body b over n items in the given pieces, reused
// if one is free, with one reference: the caller's.
func newTask(b Body, n, pieces int) *task {
	var t *task
	freeTasks.mu.Lock()
	if k := len(freeTasks.list); k > 0 {
		t = freeTasks.list[k-1]
		freeTasks.list[k-1] = nil
		freeTasks.list = freeTasks.list[:k-1]
	}
	freeTasks.mu.Unlock()
	if t == nil {
		t = new(task)
	}
	t.b, t.n, t.pieces = b, n, pieces
	t.next.Store(0)
	t.done.Store(0)
	t.refs.Store(1)
	return t
}

// release drops one reference to t; the last one frees it for reuse.
func (t *task) release() {
	if t.refs.Add(-1) != 0 {
		return
	}
	t.b = nil
	freeTasks.mu.Lock()
	if len(freeTasks.list) < maxFreeTasks {
		freeTasks.list = append(freeTasks.list, t)
	}
	freeTasks.mu.Unlock()
}

// A worker runs the tasks handed to it in its slot. Whoever takes a task out
// of a slot (the worker, which then runs it, or the caller taking it back
// unclaimed) owns that hand-off's reference to it.
type worker struct {
	slot   atomic.Pointer[task]
	parked atomic.Bool
	wake   chan struct{}
}

var workers struct {
	mu   sync.Mutex
	list atomic.Pointer[[]*worker]
}

// pool returns at least n workers, starting them on first use.
func pool(n int) []*worker {
	if l := workers.list.Load(); l != nil && len(*l) >= n {
		return *l
	}
	workers.mu.Lock()
	defer workers.mu.Unlock()
	var cur []*worker
	if l := workers.list.Load(); l != nil {
		cur = *l
	}
	for len(cur) < n {
		w := &worker{wake: make(chan struct{}, 1)}
		go w.run()
		cur = append(cur[:len(cur):len(cur)], w)
	}
	workers.list.Store(&cur)
	return cur
}

func (w *worker) run() {
	for {
		t := w.poll()
		t.do()
		t.release()
	}
}

// claim takes the task in w's slot, if there is one and the caller has not
// taken it back first.
func (w *worker) claim() *task {
	if t := w.slot.Load(); t != nil && w.slot.CompareAndSwap(t, nil) {
		return t
	}
	return nil
}

// poll waits for a task in w's slot and claims it: polling for pollFor, then
// parked.
func (w *worker) poll() *task {
	deadline := time.Now().Add(pollFor)
	for spins := 0; ; spins++ {
		if t := w.claim(); t != nil {
			return t
		}
		if spins%64 == 63 {
			if time.Now().After(deadline) {
				break
			}
			runtime.Gosched() // let other goroutines of this P run
		}
	}
	for {
		w.parked.Store(true)
		if t := w.claim(); t != nil { // a task that arrived before parked was seen
			w.parked.Store(false)
			return t
		}
		<-w.wake
		w.parked.Store(false)
		if t := w.claim(); t != nil {
			return t
		}
	}
}

// For calls f over [0, n) split into contiguous pieces of at least grain items
// each, run by up to Threads() goroutines, and returns when all have run. The
// pieces (up to piecesPerThread per thread) depend only on n, grain and
// Threads(), not on which goroutine runs them. It runs f inline when one chunk
// suffices. f must be safe to call concurrently on disjoint ranges.
func For(n, grain int, f func(lo, hi int)) { Run(n, grain, Func(f)) }

// Run is For with a Body: b.Run is called over the pieces of [0, n). A caller
// that keeps its Body values for reuse (Cache) makes Run allocate nothing.
func Run(n, grain int, b Body) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	chunks := min(n/grain, Threads())
	if chunks <= 1 {
		b.Run(0, n)
		return
	}
	t := newTask(b, n, min(n/grain, piecesPerThread*chunks))
	ws := pool(chunks - 1)[:chunks-1]
	for _, w := range ws {
		t.refs.Add(1) // before the hand-off: the worker may run and release it at once
		if !w.slot.CompareAndSwap(nil, t) {
			t.refs.Add(-1) // busy worker: the others and the caller share its pieces
			continue
		}
		if w.parked.Load() {
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
	}
	t.do()
	for _, w := range ws {
		if w.slot.CompareAndSwap(t, nil) { // not claimed: nothing to wait for
			t.refs.Add(-1)
		}
	}
	// Wait only for pieces still running; a worker that claimed the task but has
	// not started finds nothing left to do.
	for spins := 0; t.done.Load() != int64(t.pieces); spins++ {
		if spins%64 == 63 {
			runtime.Gosched()
		}
	}
	t.release()
}

// maxCached bounds the values a Cache keeps.
const maxCached = 16

// Cache keeps values of T for reuse, up to a few (as many as are in use at
// once, up to 16), so that a caller can hand Run a Body without allocating one
// per call. It is safe for concurrent use; its zero value is empty.
type Cache[T any] struct {
	mu   sync.Mutex
	free []*T
}

// Get returns a cached *T, as Put left it, or a new zero one.
func (c *Cache[T]) Get() *T {
	c.mu.Lock()
	if k := len(c.free); k > 0 {
		x := c.free[k-1]
		c.free[k-1] = nil
		c.free = c.free[:k-1]
		c.mu.Unlock()
		return x
	}
	c.mu.Unlock()
	return new(T)
}

// Put keeps x for a later Get if there is room. It does not clear *x: the
// caller drops what x must not keep alive (and may leave buffers it wants to
// reuse). x must not be used after Put.
func (c *Cache[T]) Put(x *T) {
	c.mu.Lock()
	if len(c.free) < maxCached {
		c.free = append(c.free, x)
	}
	c.mu.Unlock()
}

// RunWith is Run with the Body b, a value: b is copied into a *T from c, which
// Run hands to the goroutines, then cleared and given back to c, so that the
// call allocates nothing once c holds one.
func RunWith[T any, P interface {
	*T
	Body
}](c *Cache[T], n, grain int, b T) {
	x := c.Get()
	*x = b
	Run(n, grain, P(x))
	var zero T
	*x = zero
	c.Put(x)
}

// Pick returns whichever of a and b is a *Cache[T]: a function generic over
// float32 and float64 keeps one package-level cache per element type, and
// picks its own with Pick[body[E]](&cache32, &cache64).
func Pick[T any](a, b any) *Cache[T] {
	if c, ok := a.(*Cache[T]); ok {
		return c
	}
	return b.(*Cache[T])
}
