package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestForCoversRangeOnce(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 8} {
		SetThreads(threads)
		for _, n := range []int{0, 1, 5, 100, 1001} {
			for _, grain := range []int{0, 1, 7, 1000} {
				hits := make([]atomic.Int32, n)
				For(n, grain, func(lo, hi int) {
					for i := lo; i < hi; i++ {
						hits[i].Add(1)
					}
				})
				for i := range hits {
					if hits[i].Load() != 1 {
						t.Fatalf("threads=%d n=%d grain=%d: index %d ran %d times", threads, n, grain, i, hits[i].Load())
					}
				}
			}
		}
	}
	SetThreads(2)
}

// BenchmarkForOverhead measures the cost of one parallel.For split in two with
// almost no work: the price of waking a second goroutine.
func BenchmarkForOverhead(b *testing.B) {
	SetThreads(2)
	var sink atomic.Int64
	for b.Loop() {
		For(2, 1, func(lo, hi int) { sink.Add(int64(hi - lo)) })
	}
}

// BenchmarkForAfterIdle is BenchmarkForOverhead with the second core left idle
// for a while before each call, as between the kernels of a training step.
func BenchmarkForAfterIdle(b *testing.B) {
	SetThreads(2)
	var sink atomic.Int64
	for b.Loop() {
		b.StopTimer()
		spinUntil := time.Now().Add(300 * time.Microsecond)
		for time.Now().Before(spinUntil) {
		}
		b.StartTimer()
		For(2, 1, func(lo, hi int) { sink.Add(int64(hi - lo)) })
	}
}

// Nested and concurrent calls must complete and cover every index once, also
// when the workers cannot run (one P): the caller takes unclaimed chunks back.
func TestForNestedAndConcurrent(t *testing.T) {
	SetThreads(4)
	defer SetThreads(2)
	for _, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				const n = 64
				var hits [n * n]atomic.Int32
				For(n, 1, func(lo, hi int) {
					for i := lo; i < hi; i++ {
						For(n, 1, func(lo2, hi2 int) {
							for k := lo2; k < hi2; k++ {
								hits[i*n+k].Add(1)
							}
						})
					}
				})
				for i := range hits {
					if hits[i].Load() != 1 {
						t.Errorf("procs=%d goroutine %d: index %d ran %d times", procs, g, i, hits[i].Load())
						return
					}
				}
			}()
		}
		wg.Wait()
		runtime.GOMAXPROCS(prev)
	}
}
