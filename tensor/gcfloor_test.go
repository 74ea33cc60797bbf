package tensor

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
)

// gcFloorBytes returns the bytes the GC floor holds.
func gcFloorBytes() int {
	floor.mu.Lock()
	defer floor.mu.Unlock()
	return floor.size
}

func heapMetric(name string) int {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

// TestGCFloor checks that the floor holds the heap goal at about twice the floor
// while the live heap is under it, follows the live heap, and is dropped when
// turned off, when the live heap passes it, and while a memory limit is set.
func TestGCFloor(t *testing.T) {
	const f = 64 << 20 // well over this test binary's own live heap
	defer SetGCFloor(SetGCFloor(f))
	gogc := heapMetric("/gc/gogc:percent")
	if gogc <= 0 {
		t.Skip("the collector is off (GOGC=off)")
	}
	near := func(got, want int) bool { return got >= want-f/4 && got <= want+f/4 } // the resizing hysteresis
	collectUntil(t, "the floor makes up the live heap to the floor", func() bool {
		own := heapMetric("/gc/heap/live:bytes") - gcFloorBytes()
		return gcFloorBytes() > 0 && near(gcFloorBytes(), f-own)
	})
	if goal, want := heapMetric("/gc/heap/goal:bytes"), f*(100+gogc)/100; goal < want*7/8 {
		t.Errorf("heap goal %d bytes with a %d-byte floor, want about %d", goal, f, want)
	}

	// A live heap of half the floor: the ballast shrinks to about the other half.
	keep := make([]byte, f/2)
	collectUntil(t, "the floor shrinks as the live heap grows", func() bool {
		return near(gcFloorBytes(), f/2-(heapMetric("/gc/heap/live:bytes")-gcFloorBytes()-len(keep))) && gcFloorBytes() < f*5/8
	})
	// A live heap over the floor: none.
	keep = make([]byte, f+f/4)
	collectUntil(t, "the floor is dropped with a live heap over it", func() bool { return gcFloorBytes() == 0 })
	runtime.KeepAlive(keep)
	keep = nil
	collectUntil(t, "the floor comes back when the live heap falls", func() bool { return gcFloorBytes() > f/2 })

	prev := debug.SetMemoryLimit(1 << 40)
	collectUntil(t, "the floor is dropped under a memory limit", func() bool { return gcFloorBytes() == 0 })
	debug.SetMemoryLimit(prev)
	if prev != math.MaxInt64 {
		return
	}
	collectUntil(t, "the floor comes back when the memory limit is lifted", func() bool { return gcFloorBytes() > 0 })

	SetGCFloor(0)
	if n := gcFloorBytes(); n != 0 {
		t.Fatalf("SetGCFloor(0) left %d bytes held", n)
	}
	goal := 0
	collectUntil(t, "the heap goal falls when the floor is off", func() bool {
		goal = heapMetric("/gc/heap/goal:bytes")
		return goal < f
	})
	if n := gcFloorBytes(); n != 0 {
		t.Fatalf("a collection with the floor off made it hold %d bytes", n)
	}
}
