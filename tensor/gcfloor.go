package tensor

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"

	"github.com/gograd/gograd/internal/gctick"
)

// The GC floor keeps the garbage collector's heap goal from falling under about
// twice the floor while the program's own live heap is smaller than the floor.
// The Go runtime collects a small heap every 4 MiB of allocation, and each
// collection costs a fixed amount of wall time whatever the heap's size: on the
// 2-core AMD EPYC VM, about 0.5 ms with one P and 2-2.6 ms with two, where
// waking the other P, stopping the world (110 µs median, twice a cycle) and a
// mark phase shared with the mutator (0.8 ms median) dominate (runtime trace of
// BenchmarkMatMul/n=64/alloc, 2026-12-02). A loop of 64×64 float32 products,
// each dropping a 16 KiB result, then spent three quarters of its time in
// collections (41-47 GFLOP/s against 178 into a preallocated result) and lost
// to PyTorch, whose allocator hands the freed block straight back.
//
// The floor is an allocation of the floor minus the live heap that the runtime
// neither zeroes nor touches (untouched, pool.go): it takes address space, not
// memory, unless the runtime places it on pages the process already
// has, and it has no pointers, so marking it costs nothing. After each
// collection it is resized when it is off by more than a quarter of the floor,
// and dropped once the program's live heap passes the floor, so that programs
// with a large heap, whose collections are rarer anyway, are left as they are.
// What it costs is the memory a small program's garbage takes between two
// collections: its heap grows to about twice the floor instead of 4 MiB.
// It is off while a memory limit is set (debug.SetMemoryLimit, GOMEMLIMIT),
// which it would count against.
const (
	// DefaultGCFloor is the GC floor in bytes until SetGCFloor changes it.
	// Measured on the 2-core AMD EPYC VM (2026-12-02, 3 alternating runs, 2
	// threads): a 64×64 float32 MatMul dropping its result ran at 38-43
	// GFLOP/s without the floor and 104-110 with it, a 256×256 one at 119-129
	// and 251-284; with a floor of 16 MiB, at 62-73 and 238-264. The CNN
	// training step, whose live heap (6 MB) is under the floor, ran at 62-85
	// and 62-84 GFLOP/s on 1 thread and 70-92 and 72-93 on 2 (6 runs each);
	// the transformer and LSTM steps' live heaps (32-55 MB) are over it.
	DefaultGCFloor = 32 << 20
)

var floor = gcFloor{bytes: DefaultGCFloor, live: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}

type gcFloor struct {
	mu      sync.Mutex
	bytes   int              // the floor (SetGCFloor)
	ballast *strings.Builder // the allocation holding the heap up; nil when none
	size    int              // its bytes
	live    []metrics.Sample // the live heap the last collection marked
}

func init() { gctick.Add(floor.adjust) }

// SetGCFloor sets the GC floor in bytes and returns the previous one; 0 turns it
// off. While the program's live heap is under the floor, gograd holds an
// untouched allocation that makes up the difference, so that the garbage
// collector runs about once per floor's worth of allocation instead of once per
// 4 MiB: small results that a loop drops (a 64×64 MatMul's 16 KiB) then cost
// fewer collections. The allocation takes address space, not memory (its
// pages are not touched), but the heap then grows to about twice the floor
// between collections instead of 4 MiB. It is dropped while the live heap is
// over the floor or a memory limit is set (debug.SetMemoryLimit). The floor is
// DefaultGCFloor at start and takes effect from the next collection.
func SetGCFloor(bytes int) int {
	floor.mu.Lock()
	defer floor.mu.Unlock()
	prev := floor.bytes
	floor.bytes = max(bytes, 0)
	if floor.bytes == 0 {
		floor.ballast, floor.size = nil, 0
	}
	return prev
}

// adjust runs after each collection: it resizes the ballast to the floor minus
// the live heap the collection marked (the ballast aside), or drops it.
func (f *gcFloor) adjust() {
	f.mu.Lock()
	defer f.mu.Unlock()
	metrics.Read(f.live)
	own := max(int(f.live[0].Value.Uint64())-f.size, 0)
	want := 0
	if f.bytes > 0 && debug.SetMemoryLimit(-1) == math.MaxInt64 {
		want = max(f.bytes-own, 0)
	}
	switch {
	case want == f.size:
	case want < f.bytes/4:
		f.ballast, f.size = nil, 0
	case f.size == 0 || want > f.size+f.bytes/4 || want < f.size-f.bytes/4:
		f.ballast, f.size = untouched(want), want
	}
}
