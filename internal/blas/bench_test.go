package blas

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gograd/gograd/internal/parallel"
)

// benchGemm times Gemm (gemm with kn when kn is not nil) on fresh random operands
// and reports GFLOP/s, counting 2·m·n·k flops per call.
func benchGemm[T float32 | float64](b *testing.B, kn *kernel[T], transA, transB bool, m, n, k, threads int) {
	r := rand.New(rand.NewPCG(1, 1))
	fill := func(n int) []T {
		s := make([]T, n)
		for i := range s {
			s[i] = T(r.Float64()*2 - 1)
		}
		return s
	}
	a, bb, c := fill(m*k), fill(k*n), fill(m*n)
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	parallel.SetThreads(threads)
	defer parallel.SetThreads(0)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if kn == nil {
			Gemm(transA, transB, m, n, k, 1, a, lda, bb, ldb, 0, c, n)
		} else {
			gemm(kn, transA, transB, m, n, k, 1, a, lda, bb, ldb, 0, c, n)
		}
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkGemm: square NN products per size and thread count with the default
// kernel, then the shapes of an MLP training step (784-256-256-10, batch 64 and
// 512) in forward (NN) and backward (A^T·B for weights, A·B^T for inputs) form.
func BenchmarkGemm(b *testing.B) {
	for _, n := range []int{64, 128, 256, 512, 1024, 2048} {
		for _, t := range []int{1, 2} {
			b.Run(fmt.Sprintf("f32/n=%d/t%d", n, t), func(b *testing.B) { benchGemm[float32](b, nil, false, false, n, n, n, t) })
		}
	}
	for _, n := range []int{256, 1024} {
		for _, t := range []int{1, 2} {
			b.Run(fmt.Sprintf("f64/n=%d/t%d", n, t), func(b *testing.B) { benchGemm[float64](b, nil, false, false, n, n, n, t) })
		}
	}
	for _, s := range []struct {
		name           string
		transA, transB bool
		m, n, k        int
	}{
		{"fwd64x784x256", false, false, 64, 256, 784},
		{"fwd512x784x256", false, false, 512, 256, 784},
		{"fwd64x256x256", false, false, 64, 256, 256},
		{"fwd64x256x10", false, false, 64, 10, 256},
		{"dW784x64x256", true, false, 784, 256, 64},
		{"dW784x512x256", true, false, 784, 256, 512},
		{"dX64x256x784", false, true, 64, 784, 256},
		{"dX512x256x784", false, true, 512, 784, 256},
		{"dX64x10x256", false, true, 64, 256, 10},
		{"TT/n=512", true, true, 512, 512, 512},
	} {
		for _, t := range []int{1, 2} {
			b.Run(fmt.Sprintf("f32/%s/t%d", s.name, t), func(b *testing.B) { benchGemm[float32](b, nil, s.transA, s.transB, s.m, s.n, s.k, t) })
		}
	}
}

// BenchmarkGemmKernels compares every available micro-kernel on one size.
func BenchmarkGemmKernels(b *testing.B) {
	for _, kn := range kernels32 {
		b.Run("f32/"+kn.name, func(b *testing.B) { benchGemm(b, kn, false, false, 256, 256, 256, 1) })
	}
	for _, kn := range kernels64 {
		b.Run("f64/"+kn.name, func(b *testing.B) { benchGemm(b, kn, false, false, 256, 256, 256, 1) })
	}
}
