package tensor

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
	"unsafe"
)

// collectUntil runs garbage collections, giving finalizers up to 20 ms to run
// after each, until done reports true; it fails the test after 100.
func collectUntil(t *testing.T, what string, done func() bool) {
	t.Helper()
	for i := 0; !done(); i++ {
		if i == 100 {
			t.Fatalf("%s: not so after %d collections", what, i)
		}
		runtime.GC()
		for range 20 { // the finalizer goroutine recycles and ages
			if time.Sleep(time.Millisecond); done() {
				return
			}
		}
	}
}

// watchedBytes returns the bytes the pool watches and counts against its limit
// (not the long-lived buffers), checking the count against its map.
func watchedBytes(t *testing.T) int {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	n := 0
	for _, e := range pool.watched {
		if !e.long {
			n += e.v &^ 1
		}
	}
	if n != pool.watchedBytes {
		t.Fatalf("pool counts %d bytes watched, its map holds %d", pool.watchedBytes, n)
	}
	return n
}

// addr returns the address of t's storage as a number, which, unlike a pointer,
// does not keep the storage alive.
func addr(t *Tensor) uintptr { return uintptr(t.storageBase()) }

// settle collects at least twice and until the pool lists nothing, held or
// watched, and returns the bytes it still watches: buffers other tests' live
// tensors hold.
func settle(t *testing.T) int {
	t.Helper()
	for range 2 { // earlier tests' dead results, still counted as out, come back
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	collectUntil(t, "pool lists nothing", func() bool { return heldBytes(t) == 0 && listedWatched() == 0 })
	return watchedBytes(t)
}

// listedWatched returns the number of watched buffers not out: listed, or
// waiting for their finalizer to list them again.
func listedWatched() int {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	n := 0
	for _, e := range pool.watched {
		if !e.out {
			n++
		}
	}
	return n
}

// recycling turns recycling on for the test, with the default pool limit, for
// every recyclable size.
//
// It turns the GC floor off: its ballast, resized after collections in the
// finalizer goroutine, could delay a recycled buffer's finalizer by a
// collection, and these tests count collections.
func recycling(t *testing.T) {
	prev, prevMin, prevFloor := SetRecycleLimit(DefaultPoolLimit), SetRecycleMinSize(0), SetGCFloor(0)
	t.Cleanup(func() { SetRecycleLimit(prev); SetRecycleMinSize(prevMin); SetGCFloor(prevFloor) })
}

// largeN is a float32 element count of recycled size: 256 KiB.
const largeN = 1 << 16

// TestDroppedResultRecycled checks that the storage of a large result no one
// holds any more comes back to the pool after a collection and serves the next
// result of its size.
func TestDroppedResultRecycled(t *testing.T) {
	recycling(t)
	settle(t)
	a, b := Full(1, largeN), Full(2, largeN)
	p := addr(a.Add(b))
	collectUntil(t, "dropped result's storage pooled", func() bool { return pooledAt(p) })
	if got := addr(a.Add(b)); got != p {
		t.Errorf("next result's storage %#x, want the recycled %#x", got, p)
	}
}

// TestKeptSliceNotRecycled checks that storage stays out of the pool while a slice
// from Float32s, or a view, points into it after its tensor is dropped: later
// tensors of the same size, made between forced collections, never overwrite
// it. Recycled buffers are poisoned, so a wrongly recycled one would also show
// as NaN. The same loop shows that storage nothing holds is recycled, so that
// the test watches the path it guards.
func TestKeptSliceNotRecycled(t *testing.T) {
	recycling(t)
	settle(t)
	prev := poisonReleased.Load()
	poisonReleased.Store(true)
	defer func() { poisonReleased.Store(prev) }()
	g := NewGenerator(1)
	src := g.Normal(Zeros(largeN), 0, 1)
	want := slicesClone(src.Float32s())

	kept := src.MulScalar(1).Float32s()           // the tensor is dropped at once
	view := src.MulScalar(1).Narrow(0, 100, 1000) // its base is dropped
	wantView := slicesClone(want[100:1100])
	kp, vp := uintptr(unsafe.Pointer(&kept[0])), addr(view)
	dropped := map[uintptr]bool{}
	for range 8 {
		dropped[addr(src.MulScalar(1))] = true
	}

	recycled := false
	seen := map[uintptr]bool{}
	for range 20 {
		runtime.GC()
		time.Sleep(time.Millisecond)
		var made []uintptr
		for range 4 {
			y := Full(-7, largeN).AddScalar(1) // takes pooled storage of this size
			made = append(made, addr(y))
			if p := addr(y); p == kp || p == vp {
				t.Fatalf("a new tensor got storage %#x, which a kept slice or view points into", p)
			} else if dropped[p] || seen[p] {
				recycled = true // a dropped tensor's storage, or a new one's of an earlier round
			}
		}
		for _, p := range made {
			seen[p] = true
		}
	}
	for i, v := range kept {
		if v != want[i] {
			t.Fatalf("kept slice element %d = %v after its tensor was dropped, want %v", i, v, want[i])
		}
	}
	for i, v := range view.Float32s() {
		if v != wantView[i] {
			t.Fatalf("view element %d = %v after its base was dropped, want %v", i, v, wantView[i])
		}
	}
	if !recycled {
		t.Error("the storage of the dropped tensors was never reused; the test does not exercise recycling")
	}
}

func slicesClone(s []float32) []float32 { return append([]float32(nil), s...) }

// heapObjectBytes returns the bytes of live and not yet swept heap objects.
func heapObjectBytes() uint64 { return uint64(heapMetric("/memory/classes/heap/objects:bytes")) }

// TestRecycleBounded drops large results of many sizes, float32 and float64, and
// checks that the pool watches no more than its recycle limit, that the heap
// holds no more than the limit besides what it held before once the results
// died, and that idle collections give all of it back.
func TestRecycleBounded(t *testing.T) {
	const limit = 8 << 20
	prev := SetPoolLimit(limit)
	defer SetPoolLimit(prev)
	defer SetRecycleLimit(SetRecycleLimit(limit))
	defer SetRecycleMinSize(SetRecycleMinSize(0))
	defer SetGCFloor(SetGCFloor(0)) // its ballast would make up for heap the pool keeps
	w0 := settle(t)
	base := heapObjectBytes()

	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // collections only where the test asks
	for round := range 3 {
		var live []*Tensor
		for n := recycleMinBytes / 4; n <= 1<<20; n = n*3/2 + 1 {
			live = append(live, Empty(n+round).AddScalar(1), Float64.Empty(n/2+round).AddScalar(1))
			if w := watchedBytes(t); w > limit+w0 {
				t.Fatalf("round %d: pool watches %d bytes (%d before the test), over its limit %d", round, w, w0, limit)
			}
		}
		if w := watchedBytes(t); round == 0 && w-w0 < limit/2 {
			t.Fatalf("round %d: pool watches %d bytes (%d before the test); the test does not fill it", round, w, w0)
		}
		live = nil
		runtime.GC() // the results die; their finalizers list them
		time.Sleep(time.Millisecond)
		runtime.GC() // frees what the finalizers did not keep
		if w := watchedBytes(t); w > limit+w0 {
			t.Fatalf("round %d: pool watches %d bytes after the results died, over its limit %d", round, w, limit)
		}
		if h := heldBytes(t); h > limit {
			t.Fatalf("round %d: pool lists %d bytes after the results died, over its limit %d", round, h, limit)
		}
		if h := heapObjectBytes(); h > base+2*limit+1<<20 {
			t.Fatalf("round %d: heap holds %d bytes, %d more than before, over the pool's and the recycle limits %d (+1 MiB slack)", round, h, h-base, 2*limit)
		}
	}
	debug.SetGCPercent(100)
	collectUntil(t, "pool idle", func() bool { return heldBytes(t) == 0 && watchedBytes(t) <= w0 })
	runtime.GC()
	if h := heapObjectBytes(); h > base+1<<20 {
		t.Errorf("heap holds %d bytes after idle collections, %d more than before (1 MiB slack)", h, h-base)
	}
}

// TestPutBackListsWatched checks that a watched buffer the engine puts back
// stays watched and serves the next tensor of its size, also after a collection
// that finds it unused (its finalizer lists it again), and that
// SetRecycleLimit(0) stops new buffers from being watched.
func TestPutBackListsWatched(t *testing.T) {
	recycling(t)
	w0 := settle(t)
	x := Empty(largeN)
	x.Fill_(1)
	if w := watchedBytes(t); w != w0+4*largeN {
		t.Fatalf("pool watches %d more bytes after one tensor of %d bytes", w-w0, 4*largeN)
	}
	p := addr(x)
	pool.put(x)
	if w := watchedBytes(t); w != w0+4*largeN {
		t.Errorf("pool watches %d more bytes after the tensor was put back, want %d", w-w0, 4*largeN)
	}
	if !pooledAt(p) {
		t.Fatal("put-back storage is not listed")
	}
	if y := Empty(largeN); addr(y) != p {
		t.Errorf("the listed buffer %#x did not serve the next tensor (%#x)", p, addr(y))
	} else {
		pool.put(y)
	}
	runtime.GC() // finds the listed buffer unused: its finalizer lists it again
	collectUntil(t, "listed buffer listed again after a collection", func() bool { return pooledAt(p) })
	if y := Empty(largeN); addr(y) != p {
		t.Errorf("the buffer listed again %#x did not serve the next tensor (%#x)", p, addr(y))
	}
	SetRecycleLimit(0)
	w := watchedBytes(t)
	_ = Empty(largeN).AddScalar(1)
	if got := watchedBytes(t); got > w {
		t.Errorf("pool watches %d more bytes with recycling off", got-w)
	}
}

// TestIdleWatchedGivenBack checks that watched buffers listed and unused are
// dropped after idle collections, and freed by the collector.
func TestIdleWatchedGivenBack(t *testing.T) {
	recycling(t)
	w0 := settle(t)
	base := heapObjectBytes()
	a, b := Full(1, 1<<20), Full(2, 1<<20) // 4 MiB each
	for range 8 {
		_ = a.Add(b)
	}
	runtime.GC() // the results die; their finalizers list them
	for i := 0; listedWatched() == 0; i++ {
		if i == 100 {
			t.Fatal("no dropped result listed after a collection")
		}
		time.Sleep(time.Millisecond)
	}
	collectUntil(t, "idle watched buffers dropped", func() bool { return listedWatched() == 0 && watchedBytes(t) <= w0+8<<20 })
	runtime.GC()
	if h := heapObjectBytes(); h > base+8<<20+1<<20 {
		t.Errorf("heap holds %d bytes more than before the results, want at most the two operands (8 MiB) + 1 MiB", h-base)
	}
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
}

// TestLongLivedStopsCounting checks that a large tensor that outlives two
// collections stops counting against the pool's limit, so that a program's
// weights and data do not use up the room results need, and that its storage is
// still recycled when it is finally dropped.
func TestLongLivedStopsCounting(t *testing.T) {
	recycling(t)
	w0 := settle(t)
	x := Empty(largeN)
	x.Fill_(1)
	p := addr(x)
	if w := watchedBytes(t); w != w0+4*largeN {
		t.Fatalf("pool watches %d more bytes after one tensor of %d bytes", w-w0, 4*largeN)
	}
	collectUntil(t, "long-lived result no longer counted", func() bool { return watchedBytes(t) <= w0 })
	if x.Float32s()[largeN-1] != 1 {
		t.Fatal("long-lived result changed")
	}
	x = nil
	collectUntil(t, "long-lived result's storage pooled once dropped", func() bool { return pooledAt(p) })
}

// TestRecycleConcurrent has goroutines make, check and drop large results while
// collections run, with recycled buffers poisoned: a buffer recycled while a
// tensor still used it would show as a wrong or NaN element.
func TestRecycleConcurrent(t *testing.T) {
	recycling(t)
	prev := poisonReleased.Load()
	poisonReleased.Store(true)
	defer func() { poisonReleased.Store(prev) }()
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			default:
				runtime.GC()
				time.Sleep(200 * time.Microsecond)
			}
		}
	}()
	defer close(done)
	errs := make(chan string, 4)
	for w := range 4 {
		go func() {
			x := Full(float64(w+1), largeN)
			for i := range 200 {
				y := x.MulScalar(float64(i % 7))
				z := y.AddScalar(1) // y stays in use while z is made
				want := float32(w+1)*float32(i%7) + 1
				ys, zs := y.Float32s(), z.Float32s()
				for _, k := range []int{0, largeN / 2, largeN - 1} {
					if zs[k] != want || ys[k] != want-1 {
						errs <- fmt.Sprintf("worker %d step %d: element %d = %v, %v, want %v, %v", w, i, k, ys[k], zs[k], want-1, want)
						return
					}
				}
			}
			errs <- ""
		}()
	}
	for range 4 {
		if e := <-errs; e != "" {
			t.Fatal(e)
		}
	}
}

// TestRecycleMinSize checks that only results of the recycle size or more are
// watched, and that a size under 16 KiB means 16 KiB.
func TestRecycleMinSize(t *testing.T) {
	recycling(t)
	SetRecycleMinSize(1 << 20)
	w0 := settle(t)
	small := Empty(largeN) // 256 KiB
	if w := watchedBytes(t); w != w0 {
		t.Errorf("pool watches %d more bytes after a 256 KiB result with the recycle size at 1 MiB", w-w0)
	}
	big := Empty(1 << 18) // 1 MiB
	if w := watchedBytes(t); w != w0+1<<20 {
		t.Errorf("pool watches %d more bytes after a 1 MiB result, want %d", w-w0, 1<<20)
	}
	runtime.KeepAlive(small)
	runtime.KeepAlive(big)
	if prev := SetRecycleMinSize(0); prev != 1<<20 {
		t.Errorf("SetRecycleMinSize returned %d, want the size set before (%d)", prev, 1<<20)
	}
	if prev := SetRecycleMinSize(recycleMinBytes); prev != recycleMinBytes {
		t.Errorf("SetRecycleMinSize(0) set %d, want %d", prev, recycleMinBytes)
	}
}
