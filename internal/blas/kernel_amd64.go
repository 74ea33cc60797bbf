//go:build !purego

package blas

import "golang.org/x/sys/cpu"

//go:generate sh -c "python3 gen_kernels.py > kernel_amd64.s"

// The assembly micro-kernels of kernel_amd64.s; each follows microKernel.

//go:noescape
func sgemmKernelAVX512(k int, a *float32, rs, ks int, b *float32, c *float32, ldc int, alpha, beta float32, flags int)

//go:noescape
func dgemmKernelAVX512(k int, a *float64, rs, ks int, b *float64, c *float64, ldc int, alpha, beta float64, flags int)

//go:noescape
func sgemmKernelAVX2(k int, a *float32, rs, ks int, b *float32, c *float32, ldc int, alpha, beta float32, flags int)

//go:noescape
func dgemmKernelAVX2(k int, a *float64, rs, ks int, b *float64, c *float64, ldc int, alpha, beta float64, flags int)

var (
	avx512Kernel32 = &kernel[float32]{name: "avx512", mr: 6, nr: 64, kc: 256, nc: 512, fn: sgemmKernelAVX512}
	avx512Kernel64 = &kernel[float64]{name: "avx512", mr: 6, nr: 32, kc: 256, nc: 256, fn: dgemmKernelAVX512}
	avx2Kernel32   = &kernel[float32]{name: "avx2", mr: 6, nr: 16, kc: 256, nc: 512, fn: sgemmKernelAVX2}
	avx2Kernel64   = &kernel[float64]{name: "avx2", mr: 6, nr: 8, kc: 256, nc: 256, fn: dgemmKernelAVX2}
)

// kernel32 and kernel64 are the micro-kernels Gemm uses: the widest this CPU runs.
// kernels32 and kernels64 list every one it can run, for tests and benchmarks.
var kernel32, kernel64, kernels32, kernels64 = pickKernels()

func pickKernels() (*kernel[float32], *kernel[float64], []*kernel[float32], []*kernel[float64]) {
	k32 := []*kernel[float32]{goKernel32}
	k64 := []*kernel[float64]{goKernel64}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		k32 = append(k32, avx2Kernel32)
		k64 = append(k64, avx2Kernel64)
	}
	if cpu.X86.HasAVX512F {
		k32 = append(k32, avx512Kernel32)
		k64 = append(k64, avx512Kernel64)
	}
	return k32[len(k32)-1], k64[len(k64)-1], k32, k64
}
