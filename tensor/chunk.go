package tensor

import (
	"runtime/metrics"
	"unsafe"
	"weak"
)

// Small results share chunks. A fresh buffer of chunkMinBytes to chunkMaxBytes
// (a 64×64 float32 MatMul's 16 KiB result, say) is carved out of a chunk of
// chunkBytes, instead of being a heap object of its own: taking one moves an
// offset under the pool's lock. In the Go runtime a 16 KiB object is alone in
// its span, and a loop that drops such results has the runtime find a span
// for each and sweep it after each collection: on the 2-core AMD EPYC VM
// (2026-12-02) allocating 16 KiB cost 0.68 µs on 1 thread and 2.9 µs on 2,
// collections included, against 0.11 and 0.35-0.44 µs carved out of chunks
// of 1-4 MiB, beside 2.8 µs for a 64×64 product into a preallocated result.
//
// A chunk is itself a buffer of the pool, of the recycled size
// (DefaultRecycleMinSize): when every result carved out of it has been
// dropped, it comes back through the recycling finalizer as large results do
// (pool.go) and is carved again, so its pages stay the process's. Chunks of 1
// MiB that the collector freed instead had the runtime's scavenger give their
// pages back to the operating system, which faulted them in again: in a 2 s
// loop of 64×64 products on 1 thread it released 209 MB (54,775 page faults)
// against 118 MB (33,497) without chunks, and 14 MB with recycled chunks.
// With them, that loop ran at 134 GFLOP/s on 2 threads and 149 on 1 against
// 107 and 108 without (medians of 3 alternating 2 s runs of
// BenchmarkMatMul/n=64/alloc).
//
// Carving is on while fresh small results make most of what the program
// allocates: a collection cycle in which they took three quarters or more of
// the bytes allocated turns it on, one in which they took less than half turns
// it off, and a cycle that allocated less than chunkDecideBytes leaves it as it
// is. A loop of 64×64 products is all such results (97 %). Training steps,
// whose activations and gradients mostly come back through the put-back path,
// are not: about 30 % for the LeNet step, 30-50 % for the transformer and 7 %
// for the LSTM. For them carving stays off, since a chunk's first use faults
// in its 8 MiB of fresh pages where the heap would have reused pages it holds:
// carving in the LeNet step (1 thread) made its steps 100 to 300 slow (2.3-2.8
// ms against 1.4, 8,000 more page faults) before the chunks came round again.
//
// A chunk stays allocated as long as one of its results is reachable (a
// tensor, a view, a slice from Float32s), like any heap object into which a
// pointer points. So a result kept while the others of its chunk died keeps
// the whole chunk: up to chunkBytes for a buffer of chunkMinBytes. The pool
// bounds that memory (SetChunkLimit): a chunk still in use two collections
// after it began to be carved counts as kept (the pool lists the chunks it
// carves by weak pointers), and while the chunks kept take more than the
// limit, small results are heap objects of their own again, until the kept
// chunks fall under half the limit. (In a version with 1 MiB chunks that the
// collector freed, a cleanup per chunk, runtime.AddCleanup, in place of the
// weak pointers made a loop of 64×64 products a third slower on one thread,
// with about twice the page faults; measured, not explained.)
const (
	chunkBytes    = DefaultRecycleMinSize // so that chunks are recycled
	chunkMinBytes = rawMinBytes
	chunkMaxBytes = chunkBytes / 8 // so that a chunk's unused tail wastes at most an eighth of it

	// chunkDecideBytes is the least a program must allocate between two
	// collections for the pool to decide anew whether to carve.
	chunkDecideBytes = 2 * chunkBytes

	// DefaultChunkLimit is the bound, in bytes, on the chunks of small results
	// kept for two collections or more, until SetChunkLimit changes it.
	DefaultChunkLimit = 64 << 20
)

// chunks is the pool's chunk state; storagePool.mu guards it.
type chunks struct {
	cur   unsafe.Pointer // the chunk being carved, nil if none
	off   int            // bytes of cur handed out
	limit int            // SetChunkLimit
	full  bool           // kept chunks over the limit: small results are not carved

	// on says that small results are carved (see age). Since the last
	// collection that decided: small counts the bytes of the fresh results of
	// a carvable size asked for, carved those of them carved out of chunks,
	// and chunkAllocs the bytes the runtime allocated for taking chunks (a
	// fresh chunk, or the charge of a recycled one); allocs holds the
	// runtime's total of allocated bytes when the window began.
	on          bool
	small       int
	carved      int
	chunkAllocs uint64
	allocs      uint64

	// made lists the chunks made and not yet found freed, with the pool's
	// collection count when each was made, by weak pointers, so that the list
	// does not keep them.
	made []madeChunk
}

type madeChunk struct {
	w     weak.Pointer[byte]
	cycle uint64
}

// SetChunkLimit bounds the memory that chunks shared by small results take
// while one of their results outlives the others, and returns the previous
// bound; 0 stops carving small results out of chunks. A fresh result of 4 KiB
// to 1 MiB is carved out of a chunk of 8 MiB, which stays allocated while any
// of its results is reachable: when chunks carved since two garbage
// collections ago or more are still in use and take more than the bound, new
// small results are allocated one by one until a collection finds them under
// half of it. The bound at start is DefaultChunkLimit.
func SetChunkLimit(bytes int) int {
	p := &pool
	p.mu.Lock()
	defer p.mu.Unlock()
	prev := p.chunk.limit
	p.chunk.limit = max(bytes, 0)
	if p.chunk.limit == 0 {
		p.chunk.cur = nil
	}
	return prev
}

// carve returns bytes from the current chunk, or from a new one, or nil when
// chunks are off or over their limit; p.mu is held, and released while a new
// chunk is taken from the pool.
func (p *storagePool) carve(bytes int) unsafe.Pointer {
	k := &p.chunk
	k.small += bytes
	for k.on && k.limit > 0 && !k.full {
		if k.cur != nil && k.off+bytes <= chunkBytes {
			b := unsafe.Add(k.cur, k.off)
			k.off += bytes
			k.carved += bytes
			return b
		}
		// The chunk's allocation (or charge) is excluded from the decision
		// window in advance, since a collection it starts may decide before
		// this goroutine takes the lock again; then corrected to what the
		// runtime allocated.
		window := k.allocs
		k.chunkAllocs += chunkBytes
		p.mu.Unlock()
		before := allocsNow()
		c := poolGet(p, &p.f32, chunkBytes/4, 4, false)
		after := allocsNow()
		p.mu.Lock()
		if k.allocs == window {
			k.chunkAllocs -= chunkBytes - min(after-before, chunkBytes)
		} else if start := max(before, k.allocs); after > start { // a collection decided meanwhile
			k.chunkAllocs += min(after-start, chunkBytes)
		}
		if k.cur != nil && k.off+bytes <= chunkBytes {
			continue // another goroutine took a chunk meanwhile; c goes back when dropped
		}
		if !k.on || k.limit == 0 || k.full { // a collection or SetChunkLimit decided so meanwhile
			return nil
		}
		k.cur, k.off = unsafe.Pointer(unsafe.SliceData(c)), 0
		k.made = append(k.made, madeChunk{weak.Make((*byte)(k.cur)), p.cycles})
	}
	return nil
}

// age runs after each collection (from storagePool.age, which has just set
// p.cycles, with p.mu held): it forgets the chunks made two collections ago or
// more that have died since (their weak pointers are nil), and counts those
// still in use as kept; younger chunks cannot count as kept yet and are not
// looked at. It also decides whether small results are carved (see the
// comment at the top of this file).
func (k *chunks) age(cycles uint64) {
	allocs := allocsNow()
	if total := k.window(allocs); total >= chunkDecideBytes {
		switch small := uint64(k.small); {
		case small*4 >= total*3:
			k.on = true
		case small*2 < total:
			k.on, k.cur = false, nil
		}
		k.small, k.carved, k.chunkAllocs, k.allocs = 0, 0, 0, allocs
	}
	kept, live := 0, k.made[:0]
	for _, c := range k.made {
		if c.cycle+2 <= cycles {
			if c.w.Value() == nil {
				continue
			}
			kept += chunkBytes
		}
		live = append(live, c)
	}
	clear(k.made[len(live):])
	k.made = live
	switch {
	case kept > k.limit:
		k.full, k.cur = true, nil
	case kept <= k.limit/2:
		k.full = false
	}
}

// window returns what the program allocated since the window began, given the
// runtime's total now: the bytes the runtime allocated, with the results
// carved out of chunks counted in place of the chunks themselves. A chunk is
// allocated (or its charge is) before its results are carved, often by the
// allocation that starts the collection that decides: counted as such, a
// window that took a chunk and few of its results made carving look like half
// of what was allocated, and turned it off in a loop of small products
// (TestChunkLimit and TestChunkGate failed so under CPU load).
func (k *chunks) window(allocs uint64) uint64 {
	total := allocs - k.allocs
	total -= min(total, k.chunkAllocs)
	return total + uint64(k.carved)
}

// allocsNow returns the runtime's total of heap bytes allocated. It is read
// once a collection and once a chunk, so its sample is its own.
func allocsNow() uint64 {
	s := [1]metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s[:])
	return s[0].Value.Uint64()
}
