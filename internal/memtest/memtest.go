// Package memtest measures memory use for gograd's tests.
package memtest

import "runtime"

// BytesPerRun returns the average number of heap bytes allocated by one call of
// f over runs calls, after one warm-up call (the counterpart, in bytes, of
// testing.AllocsPerRun). Allocations by other goroutines in the meantime count
// too, so callers compare it with a bound well above what f should allocate.
func BytesPerRun(runs int, f func()) uint64 {
	f()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
}
