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

	narrow32 []*kernel[float32]
	narrow64 []*kernel[float64]
)

// packA6T packs transposed A into strips of 6 rows: for p < kc and s < strips,
// a[p*lda+s*6+r] goes to dst[s*6*kc+p*6+r].
func packA6T[T float32 | float64](dst, a []T, lda, kc, strips int) {
	for p := 0; p < kc; p++ {
		src := a[p*lda : p*lda+6*strips]
		for s := 0; s < strips; s++ {
			copy(dst[s*6*kc+p*6:s*6*kc+p*6+6], src[s*6:s*6+6])
		}
	}
}
