// Package goroutine identifies the calling goroutine, so that per-goroutine settings
// (gograd's grad mode) need no global state shared between goroutines.
package goroutine

// ID returns a value that identifies the calling goroutine among those running.
// It may be reused after the goroutine exits.
func ID() uintptr { return id() }
