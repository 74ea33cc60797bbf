// Package parallel runs loops across goroutines and holds gograd's thread-count
// setting (the counterpart of torch.set_num_threads).
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
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

// For calls f over [0, n) split into at most Threads() contiguous chunks of at least
// grain items each. It runs f inline when one chunk suffices.
func For(n, grain int, f func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	t := Threads()
	chunks := n / grain
	if chunks > t {
		chunks = t
	}
	if chunks <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	wg.Add(chunks - 1)
	for c := 1; c < chunks; c++ {
		lo, hi := c*n/chunks, (c+1)*n/chunks
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	f(0, n/chunks)
	wg.Wait()
}
