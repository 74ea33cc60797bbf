package gctick

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestAddRunsAfterEachCollection checks that a registered function runs after
// collections, again and again.
func TestAddRunsAfterEachCollection(t *testing.T) {
	var n atomic.Int32
	Add(func() { n.Add(1) })
	for i := 0; n.Load() < 3; i++ {
		if i == 1000 {
			t.Fatalf("ran %d times after %d collections, want 3", n.Load(), i)
		}
		runtime.GC()
		time.Sleep(time.Millisecond) // the finalizer goroutine runs it
	}
}
