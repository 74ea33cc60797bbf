package tensor

import (
	"runtime"
	"testing"
)

// chunked sets the chunk limit for the test and turns carving on, with
// recycling on from the default size (so that chunks are watched buffers) and
// the GC floor off, as recycling does, since these tests count collections.
func chunked(t *testing.T, limit int) {
	prev, prevRL, prevMin, prevFloor := SetChunkLimit(limit), SetRecycleLimit(DefaultRecycleLimit), SetRecycleMinSize(DefaultRecycleMinSize), SetGCFloor(0)
	collectUntil(t, "no chunks kept by earlier tests", func() bool { return !chunkFull() })
	settle(t) // the next chunk is a fresh watched buffer, not one an earlier test put back or left listed
	pool.mu.Lock()
	prevOn := pool.chunk.on
	pool.chunk.on = true // as after a cycle of mostly small results
	pool.chunk.cur = nil // the next small result starts a chunk
	// The next collections decide anew from what the test allocates.
	pool.chunk.small, pool.chunk.carved, pool.chunk.chunkAllocs, pool.chunk.allocs = 0, 0, 0, allocsNow()
	pool.mu.Unlock()
	t.Cleanup(func() {
		SetChunkLimit(prev)
		SetRecycleLimit(prevRL)
		SetRecycleMinSize(prevMin)
		SetGCFloor(prevFloor)
		pool.mu.Lock()
		pool.chunk.on = prevOn
		pool.mu.Unlock()
	})
}

// curChunk returns the address of the chunk the pool carves, 0 if none.
func curChunk() uintptr {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	return uintptr(pool.chunk.cur)
}

// chunkFull reports whether the pool has stopped carving because kept chunks
// are over the limit.
func chunkFull() bool {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	return pool.chunk.full
}

// TestSmallResultsShareChunk checks that small results are carved one after
// the other out of a chunk, which is a watched buffer of the pool (recycled
// when all its results are dropped), and that they do not overlap: results of
// many sizes, across several chunks, each filled with its own number, all
// read back whole.
func TestSmallResultsShareChunk(t *testing.T) {
	chunked(t, DefaultChunkLimit)
	a := uninit(Float32, []int{4096})
	b := uninit(Float32, []int{4096})
	if d := addr(b) - addr(a); d != 16<<10 && curChunk() != addr(b) { // b may start a new chunk
		t.Fatalf("two 16 KiB results in a row are %d bytes apart, not carved one after the other", d)
	}
	c := curChunk()
	if c == 0 || addr(b) < c || addr(b) >= c+chunkBytes {
		t.Fatalf("the last small result (%#x) is not in the pool's chunk (%#x)", addr(b), c)
	}
	pool.mu.Lock()
	_, watched := pool.watched[c]
	pool.mu.Unlock()
	if !watched {
		t.Error("the chunk is not a watched buffer: it would not be recycled")
	}

	var ts []*Tensor
	sizes := []int{1024, 4096, 3000, 32768, 1500, 16384, 8192}
	for i := range 3 * chunkBytes / (16 << 10) {
		x := uninit(Float64, []int{sizes[i%len(sizes)]})
		if i%2 == 0 {
			x = uninit(Float32, []int{sizes[i%len(sizes)]})
		}
		fillNumber(x, i)
		ts = append(ts, x)
	}
	for i, x := range ts {
		for j, v := range x.f32 {
			if v != float32(i) {
				t.Fatalf("result %d (float32 %v) element %d is %v: another result overwrote it", i, x.Shape(), j, v)
			}
		}
		for j, v := range x.f64 {
			if v != float64(i) {
				t.Fatalf("result %d (float64 %v) element %d is %v: another result overwrote it", i, x.Shape(), j, v)
			}
		}
	}
}

// fillNumber sets every element of x to i.
func fillNumber(x *Tensor, i int) {
	switch x.DType() {
	case Float32:
		for j := range x.f32 {
			x.f32[j] = float32(i)
		}
	case Float64:
		for j := range x.f64 {
			x.f64[j] = float64(i)
		}
	}
}

// TestChunkLimit keeps one small result from each of several chunks, more than
// the limit allows, and checks that the pool then stops carving small results
// until the kept ones are dropped, and that SetChunkLimit(0) stops it at once.
func TestChunkLimit(t *testing.T) {
	chunked(t, 2*chunkBytes)
	var keep []*Tensor
	for range 4 {
		keep = append(keep, uninit(Float32, []int{4096}))
		for range chunkBytes / (16 << 10) { // fill the rest of the chunk with dropped results
			uninit(Float32, []int{4096})
		}
	}
	collectUntil(t, "4 chunks kept, the limit 2: carving stops", chunkFull)
	if c := curChunk(); c != 0 {
		t.Fatalf("over the limit, the pool still holds a chunk (%#x)", c)
	}
	x := uninit(Float32, []int{4096})
	if c := curChunk(); c != 0 {
		t.Fatalf("over the limit, a small result (%#x) was carved out of a new chunk (%#x)", addr(x), c)
	}
	runtime.KeepAlive(keep)
	keep = nil
	collectUntil(t, "kept results dropped: carving resumes", func() bool { return !chunkFull() })
	if uninit(Float32, []int{4096}); curChunk() == 0 {
		t.Fatal("under the limit again, a small result was not carved")
	}

	SetChunkLimit(0)
	if c := curChunk(); c != 0 {
		t.Fatalf("SetChunkLimit(0) left the pool holding a chunk (%#x)", c)
	}
	if uninit(Float32, []int{4096}); curChunk() != 0 {
		t.Fatal("with the limit 0, a small result was carved")
	}
}

// chunkOn reports whether the pool carves small results.
func chunkOn() bool {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	return pool.chunk.on
}

// TestChunkGate checks that carving turns on after a collection cycle whose
// allocations were mostly fresh small results, and off after one whose were
// mostly large buffers.
func TestChunkGate(t *testing.T) {
	chunked(t, DefaultChunkLimit)
	var sink []*Tensor
	large := func() { // 64 MiB in buffers of 4 MiB: no small result
		for range 16 {
			sink = append(sink[:0], uninit(Float32, []int{1 << 20}))
		}
	}
	large()
	collectUntil(t, "a cycle of large buffers turns carving off", func() bool { return !chunkOn() })
	for range 4096 { // 64 MiB of 16 KiB results
		sink = append(sink[:0], uninit(Float32, []int{4096}))
	}
	collectUntil(t, "a cycle of small results turns carving on", chunkOn)
	runtime.GC() // a cycle that allocated nearly nothing leaves it on
	runtime.GC()
	if !chunkOn() {
		t.Fatal("collections that allocated nothing turned carving off")
	}
	large()
	collectUntil(t, "a cycle of large buffers turns carving off", func() bool { return !chunkOn() })
	runtime.KeepAlive(sink)
}
