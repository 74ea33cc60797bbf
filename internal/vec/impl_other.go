//go:build !amd64 || purego

package vec

// impls lists the implementations this build can run, slowest first.
var impls = []*kernels{&goKernels}
