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

// countBody is a reusable Body that counts the items it ran.
type countBody struct {
	hits []atomic.Int32
}

func (b *countBody) Run(lo, hi int) {
	for i := lo; i < hi; i++ {
		b.hits[i].Add(1)
	}
}

// TestRunAllocatesNothing checks that a split call with a reused Body
// allocates nothing once a task has been made, and covers the range once.
func TestRunAllocatesNothing(t *testing.T) {
	SetThreads(2)
	b := &countBody{hits: make([]atomic.Int32, 64)}
	Run(64, 1, b) // first use starts the workers
	if allocs := testing.AllocsPerRun(100, func() { Run(64, 1, b) }); allocs != 0 {
		t.Errorf("%v allocations per Run, want 0", allocs)
	}
	for i := range b.hits {
		if got := b.hits[i].Load(); got != 102 {
			t.Fatalf("index %d ran %d times, want 102", i, got)
		}
	}
}

// TestRunReusesBodies runs many short calls from several goroutines, each
// taking its Body from a Cache and handing it back as soon as Run returns,
// as vec's kernels do: a late worker must never run a piece of a call that
// has returned (the race detector and the counts would see it).
func TestRunReusesBodies(t *testing.T) {
	SetThreads(3)
	defer SetThreads(2)
	var cache Cache[countBody]
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				n := 1 + (i*7+g)%40
				b := cache.Get()
				if cap(b.hits) < n {
					b.hits = make([]atomic.Int32, n)
				}
				b.hits = b.hits[:n]
				for k := range b.hits {
					b.hits[k].Store(0)
				}
				Run(n, 1, b)
				for k := range b.hits {
					if got := b.hits[k].Load(); got != 1 {
						t.Errorf("goroutine %d call %d: index %d ran %d times", g, i, k, got)
						return
					}
				}
				cache.Put(b)
			}
		}()
	}
	wg.Wait()
}

// TestCacheBound checks that a Cache keeps at most maxCached values.
func TestCacheBound(t *testing.T) {
	var c Cache[int]
	xs := make([]*int, 3*maxCached)
	for i := range xs {
		xs[i] = c.Get()
		*xs[i] = i + 1
	}
	for _, x := range xs {
		c.Put(x)
	}
	if len(c.free) != maxCached {
		t.Errorf("cache keeps %d values, want %d", len(c.free), maxCached)
	}
	if x := c.Get(); *x != maxCached {
		t.Errorf("Get returned %d, want the last value kept (%d)", *x, maxCached)
	}
}

// TestPick checks that Pick returns the cache of the type asked for.
func TestPick(t *testing.T) {
	var c32 Cache[float32]
	var c64 Cache[float64]
	if Pick[float32](&c32, &c64) != &c32 || Pick[float64](&c32, &c64) != &c64 {
		t.Error("Pick returned the other cache")
	}
}

// TestRunWith checks that RunWith runs a copy of its Body over the range once,
// allocates nothing once its cache holds a copy, and leaves that copy cleared.
func TestRunWith(t *testing.T) {
	SetThreads(2)
	var cache Cache[countBody]
	hits := make([]atomic.Int32, 64)
	f := func() { RunWith(&cache, len(hits), 1, countBody{hits: hits}) }
	f()
	if allocs := testing.AllocsPerRun(50, f); allocs != 0 {
		t.Errorf("%v allocations per RunWith, want 0", allocs)
	}
	for i := range hits {
		if got := hits[i].Load(); got != 52 {
			t.Fatalf("index %d ran %d times, want 52", i, got)
		}
	}
	if b := cache.Get(); b.hits != nil {
		t.Error("the cached copy still holds the counters")
	}
}

// TestThreadsFollowGOMAXPROCS checks the default thread count: GOMAXPROCS (at
// most the CPUs), followed after a collection when it changes, until
// SetThreads sets a count, and again after SetThreads(0).
func TestThreadsFollowGOMAXPROCS(t *testing.T) {
	defer SetThreads(2) // as the other tests leave it
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	follows := func(want int) {
		t.Helper()
		for i := 0; Threads() != want; i++ {
			if i == 200 {
				t.Fatalf("Threads() = %d with GOMAXPROCS %d, want %d", Threads(), runtime.GOMAXPROCS(0), want)
			}
			runtime.GC() // the count is read again after each collection
			time.Sleep(time.Millisecond)
		}
	}
	SetThreads(0)
	runtime.GOMAXPROCS(1)
	follows(1)
	runtime.GOMAXPROCS(runtime.NumCPU() + 3)
	follows(runtime.NumCPU()) // more Ps than CPUs would only oversubscribe them
	SetThreads(5)
	runtime.GOMAXPROCS(1)
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	if n := Threads(); n != 5 {
		t.Fatalf("after SetThreads(5): Threads() = %d", n)
	}
	SetThreads(-1)
	follows(1)
}
