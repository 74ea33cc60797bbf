//go:build !amd64 || purego

package blas

// Without assembly every call takes the pure-Go micro-kernel.
var (
	kernel32 = goKernel32
	kernel64 = goKernel64

	kernels32 = []*kernel[float32]{goKernel32}
	kernels64 = []*kernel[float64]{goKernel64}

	narrow32 *kernel[float32]
	narrow64 *kernel[float64]
)
