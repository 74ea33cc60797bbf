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

// job is one chunk of a For call.
type job struct {
	f      func(lo, hi int)
	lo, hi int
	state  atomic.Int32 // 0 unclaimed, 1 claimed by a worker, 2 done by the worker, 3 taken back by the caller
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
			j.f(j.lo, j.hi)
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

// For calls f over [0, n) split into at most Threads() contiguous chunks of at least
// grain items each, and returns when all have run. It runs f inline when one chunk
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
	ws := pool(chunks - 1)
	jobs := make([]job, chunks-1)
	for c := range jobs {
		j := &jobs[c]
		j.f, j.lo, j.hi = f, (c+1)*n/chunks, (c+2)*n/chunks
		w := ws[c]
		if !w.slot.CompareAndSwap(nil, j) {
			continue // busy worker: the caller will run this chunk
		}
		if w.parked.Load() {
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
	}
	f(0, n/chunks)
	for c := range jobs {
		j := &jobs[c]
		if j.state.CompareAndSwap(0, 3) {
			j.f(j.lo, j.hi) // not claimed yet: do it here rather than wait
			ws[c].slot.CompareAndSwap(j, nil)
		}
	}
	for c := range jobs {
		for spins := 0; jobs[c].state.Load() != 2 && jobs[c].state.Load() != 3; spins++ {
			if spins%64 == 63 {
				runtime.Gosched()
			}
		}
	}
}
