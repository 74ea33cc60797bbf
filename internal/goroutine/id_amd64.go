//go:build !purego

package goroutine

// getg returns the runtime's g pointer of the calling goroutine.
func getg() uintptr

func id() uintptr { return getg() }
