package blas

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

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
	cpu0 := cpuTime()
	for b.Loop() {
		if kn == nil {
			Gemm(transA, transB, m, n, k, 1, a, lda, bb, ldb, 0, c, n)
		} else {
			gemm(kn, transA, transB, m, n, k, 1, a, lda, bb, ldb, 0, nil, c, n)
		}
	}
	reportRates(b, 2*float64(m)*float64(n)*float64(k), threads, cpu0)
}

// reportRates reports GFLOP/s for b.N calls of flops each and, on one thread,
// cpu-GFLOP/s: the rate per second of this process's CPU time since cpu0,
// which on a shared machine leaves out the time other processes held the core
// (with more threads the pool's idle workers spin, so CPU time says little).
func reportRates(b *testing.B, flops float64, threads int, cpu0 time.Duration) {
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if cpu := cpuTime() - cpu0; cpu > 0 && threads == 1 {
		b.ReportMetric(flops*float64(b.N)/cpu.Seconds()/1e9, "cpu-GFLOP/s")
	}
}

// BenchmarkGemm: square NN products per size and thread count with the default
// kernel, then the shapes of an MLP training step (784-256-256-10, batch 64 and
// 512) in forward (NN) and backward (A^T·B for weights, A·B^T for inputs) form.
func BenchmarkGemm(b *testing.B) {
	for _, n := range []int{32, 64, 96, 128, 256, 512, 1024, 2048} {
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

// modelShapes are the float32 products of bench's TransformerStep (1024 rows of
// d_model 128, MLP 512, qkv 384: forward A·Wᵀ, dX = G·W, dW = Gᵀ·X) and
// LSTMStep (the input projection and its gradients over 2048 rows, gates 1024,
// hidden 256, input 64), the larger share of each step's flops, as traced from
// the steps' Gemm calls, plus the transformer's per-head attention products
// (64 positions, head width 32: Q·Kᵀ, P·V, Pᵀ·dO, as full products) and its
// 96-column output layer.
var modelShapes = []struct {
	name           string
	transA, transB bool
	m, n, k        int
}{
	{"tf/fwd1024x512x128", false, true, 1024, 512, 128},
	{"tf/fwd1024x128x512", false, true, 1024, 128, 512},
	{"tf/fwd1024x384x128", false, true, 1024, 384, 128},
	{"tf/dX1024x128x512", false, false, 1024, 128, 512},
	{"tf/dX1024x512x128", false, false, 1024, 512, 128},
	{"tf/dW512x128x1024", true, false, 512, 128, 1024},
	{"tf/dW128x512x1024", true, false, 128, 512, 1024},
	{"tf/attn64x64x32", false, true, 64, 64, 32},
	{"tf/attnPV64x32x64", false, false, 64, 32, 64},
	{"tf/attnPtdO64x32x64", true, false, 64, 32, 64},
	{"tf/head1024x96x128", false, true, 1024, 96, 128},
	{"lstm/dW256x1024x2048", true, false, 256, 1024, 2048},
	{"lstm/dX2048x256x1024", false, false, 2048, 256, 1024},
	{"lstm/fwd2048x1024x256", false, true, 2048, 1024, 256},
	{"lstm/fwd2048x1024x64", false, true, 2048, 1024, 64},
}

// BenchmarkGemmModels times the shapes of modelShapes on 1 and 2 threads.
func BenchmarkGemmModels(b *testing.B) {
	for _, s := range modelShapes {
		for _, t := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/t%d", s.name, t), func(b *testing.B) { benchGemm[float32](b, nil, s.transA, s.transB, s.m, s.n, s.k, t) })
		}
	}
}

// BenchmarkGemmPacked times GemmPacked on the LSTM step's per-time-step
// products: batch 32 times the packed hidden-to-hidden weights, forward
// (32×256 · (1024×256)ᵀ) and backward (32×1024 · 1024×256).
func BenchmarkGemmPacked(b *testing.B) {
	for _, s := range []struct {
		name    string
		transB  bool
		m, n, k int
	}{
		{"fwd32x1024x256", true, 32, 1024, 256},
		{"bwd32x256x1024", false, 32, 256, 1024},
	} {
		for _, t := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/t%d", s.name, t), func(b *testing.B) {
				r := rand.New(rand.NewPCG(1, 1))
				a, bb, c := make([]float32, s.m*s.k), make([]float32, s.k*s.n), make([]float32, s.m*s.n)
				for i := range a {
					a[i] = float32(r.Float64()*2 - 1)
				}
				for i := range bb {
					bb[i] = float32(r.Float64()*2 - 1)
				}
				ldb := s.n
				if s.transB {
					ldb = s.k
				}
				p := PackB(s.transB, s.k, s.n, bb, ldb)
				parallel.SetThreads(t)
				defer parallel.SetThreads(0)
				b.ReportAllocs()
				cpu0 := cpuTime()
				for b.Loop() {
					GemmPacked(s.m, 1, a, s.k, p, 1, c, s.n)
				}
				reportRates(b, 2*float64(s.m*s.n*s.k), t, cpu0)
			})
		}
	}
}

// BenchmarkGemmTri times causal attention's products on one goroutine (P·V,
// 64×64 by 64×32, and Pᵀ·dO), with op(A) lower or upper triangular against
// the full product; GFLOP/s counts the full product's flops for both.
func BenchmarkGemmTri(b *testing.B) {
	const m, n, k = 64, 32, 64
	for _, s := range []struct {
		name   string
		transA bool
		tri    Tri
	}{{"PV/full", false, Full}, {"PV/lower", false, Lower}, {"PtdO/full", true, Full}, {"PtdO/upper", true, Upper}} {
		b.Run(s.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			a, bb, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
			for i := range a {
				a[i] = float32(r.Float64())
			}
			for i := range bb {
				bb[i] = float32(r.Float64())
			}
			cpu0 := cpuTime()
			for b.Loop() {
				GemmTri(s.tri, s.transA, false, m, n, k, 1, a, k, bb, n, 0, c, n)
			}
			reportRates(b, 2*m*n*k, 1, cpu0)
		})
	}
}
