//go:build !amd64 || purego

package blas

import "unsafe"

// copyRows copies rows rows of w bytes from src, rows lds bytes apart, to dst,
// rows w bytes apart.
func copyRows(dst, src unsafe.Pointer, lds, rows, w uintptr) {
	for r := uintptr(0); r < rows; r++ {
		copy(unsafe.Slice((*byte)(unsafe.Add(dst, r*w)), w), unsafe.Slice((*byte)(unsafe.Add(src, r*lds)), w))
	}
}

// Without assembly every call takes the pure-Go micro-kernel.
var (
	kernel32 = goKernel32
	kernel64 = goKernel64

	kernels32 = []*kernel[float32]{goKernel32}
	kernels64 = []*kernel[float64]{goKernel64}

	narrow32 *kernel[float32]
	narrow64 *kernel[float64]
)
