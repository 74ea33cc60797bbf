//go:build !amd64 || purego

package vec

// geluImpls lists the GELU kernels: the plain loops only.
var geluImpls = []*geluKernels{&geluGo}
