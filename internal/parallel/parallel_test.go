package parallel

import (
	"runtime"
	"slices"
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

// TestForPieces checks that For cuts a loop into the same pieces every time,
// whichever goroutines run them (callers such as the convolution's weight
// gradient keep one partial sum per piece, summed in order), and that a loop
// is cut finer than one piece per thread when the grain allows.
func TestForPieces(t *testing.T) {
	SetThreads(2)
	for _, c := range []struct{ n, grain, want int }{{64, 1, 8}, {64, 16, 4}, {10, 3, 3}, {3, 2, 1}} {
		var first []int
		for range 20 {
			var mu sync.Mutex
			var los []int
			For(c.n, c.grain, func(lo, hi int) {
				mu.Lock()
				los = append(los, lo)
				mu.Unlock()
			})
			slices.Sort(los)
			if len(los) != c.want {
				t.Fatalf("n=%d grain=%d: %d pieces, want %d", c.n, c.grain, len(los), c.want)
			}
			if first == nil {
				first = los
			} else if !slices.Equal(first, los) {
				t.Fatalf("n=%d grain=%d: pieces start at %v, then at %v", c.n, c.grain, first, los)
			}
		}
	}
}
