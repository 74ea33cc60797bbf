//go:build !purego

package blas

import (
	"fmt"
	"testing"
)

// BenchmarkMicroKernel times the AVX-512 float32 micro-kernels alone, on a
// strip of A and a panel of B that stay in L1, for a few depths: the ceiling
// of what blocking and packing can reach.
func BenchmarkMicroKernel(b *testing.B) {
	if kernel32 != avx512Kernel32 {
		b.Skip("no AVX-512")
	}
	for _, kn := range []*kernel[float32]{avx512Kernel32, avx512Narrow32} {
		for _, k := range []int{32, 128, 256} {
			b.Run(fmt.Sprintf("%s/k=%d", kn.name, k), func(b *testing.B) {
				a := make([]float32, kn.mr*k)
				bp := make([]float32, kn.nr*k)
				c := make([]float32, kn.mr*kn.nr)
				cpu0 := cpuTime()
				for b.Loop() {
					kn.fn(k, &a[0], 1, kn.mr, &bp[0], &c[0], kn.nr, 1, 0, betaZero, nil, kn.nr)
				}
				reportRates(b, float64(2*kn.mr*kn.nr*k), 1, cpu0)
			})
		}
	}
}

// BenchmarkGemmModelsByKernel times modelShapes on one thread with each
// AVX-512 float32 kernel.
func BenchmarkGemmModelsByKernel(b *testing.B) {
	if kernel32 != avx512Kernel32 {
		b.Skip("no AVX-512")
	}
	for _, s := range modelShapes {
		for _, kn := range []*kernel[float32]{avx512Kernel32, avx512Narrow32} {
			b.Run(fmt.Sprintf("%s/%s", s.name, kn.name), func(b *testing.B) { benchGemm[float32](b, kn, s.transA, s.transB, s.m, s.n, s.k, 1) })
		}
	}
}
