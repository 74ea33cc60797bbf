//go:build !purego

package nn

// pureGo reports whether the tests run with -tags purego (the pure-Go kernels).
const pureGo = false
