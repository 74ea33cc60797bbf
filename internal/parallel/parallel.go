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
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

var threads atomic.Int32

func init() { threads.Store(int32(runtime.NumCPU())) }

// SetThreads sets how many goroutines kernels may use; n < 1 means 1.
func SetThreads(n int) {
	if n < 1 {
		n = 1
	}
	threads.Store(int32(n))
}

// Threads returns the current thread count.
func Threads() int { return int(threads.Load()) }

// pollFor is how long an idle worker polls for the next chunk before parking.
const pollFor = time.Millisecond

// piecesPerThread is how many pieces For cuts a loop into per thread (when the
// grain allows): whoever is free claims the next piece, so a worker that the
// OS deschedules (a loaded machine) holds up only the piece it is running,
// not a whole half of the loop.
const piecesPerThread = 4

// task is one For call: its pieces, claimed in order by the caller and the
// workers that joined.
type task struct {
	f          func(lo, hi int)
	n, pieces  int
	next, done atomic.Int64
}

// run claims and runs pieces until none is left.
func (t *task) run() {
	for {
		p := int(t.next.Add(1) - 1)
		if p >= t.pieces {
			return
		}
		t.f(p*t.n/t.pieces, (p+1)*t.n/t.pieces)
		t.done.Add(1)
	}
}

// job hands a task to one worker.
type job struct {
	t     *task
	state atomic.Int32 // 0 unclaimed, 1 claimed by a worker, 2 done by the worker, 3 taken back by the caller
}

type worker struct {
	slot   atomic.Pointer[job]
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
		j := w.poll()
		if j.state.CompareAndSwap(0, 1) {
			j.t.run()
			j.state.Store(2)
		}
		w.slot.CompareAndSwap(j, nil)
	}
}

// poll waits for a job in w's slot: polling for pollFor, then parked.
func (w *worker) poll() *job {
	deadline := time.Now().Add(pollFor)
	for spins := 0; ; spins++ {
		if j := w.slot.Load(); j != nil {
			return j
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
		if j := w.slot.Load(); j != nil { // a job that arrived before parked was seen
			w.parked.Store(false)
			return j
		}
		<-w.wake
		w.parked.Store(false)
		if j := w.slot.Load(); j != nil {
			return j
		}
	}
}

// For calls f over [0, n) split into contiguous pieces of at least grain items
// each, run by up to Threads() goroutines, and returns when all have run. The
// pieces (up to piecesPerThread per thread) depend only on n, grain and
// Threads(), not on which goroutine runs them. It runs f inline when one chunk
// suffices. f must be safe to call concurrently on disjoint ranges.
func For(n, grain int, f func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	chunks := min(n/grain, Threads())
	if chunks <= 1 {
		f(0, n)
		return
	}
	t := &task{f: f, n: n, pieces: min(n/grain, piecesPerThread*chunks)}
	ws := pool(chunks - 1)
	jobs := make([]job, chunks-1)
	for c := range jobs {
		j := &jobs[c]
		j.t = t
		w := ws[c]
		if !w.slot.CompareAndSwap(nil, j) {
			continue // busy worker: the others and the caller share its pieces
		}
		if w.parked.Load() {
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
	}
	t.run()
	for c := range jobs {
		if j := &jobs[c]; j.state.CompareAndSwap(0, 3) {
			ws[c].slot.CompareAndSwap(j, nil) // not claimed: nothing to wait for
		}
	}
	// Wait only for pieces still running; a worker that claimed its job but has
	// not started finds nothing left to do.
	for spins := 0; t.done.Load() != int64(t.pieces); spins++ {
		if spins%64 == 63 {
			runtime.Gosched()
		}
	}
}
