//go:build !purego

package blas

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

// goTranspose16 is transpose16x16 in Go, for running the AVX-512 tiling
// loop on machines without AVX-512.
func goTranspose16(src *float32, lds int, dst *float32, ldd int) {
	s := unsafe.Slice(src, 15*lds+16)
	d := unsafe.Slice(dst, 15*ldd+16)
	for i := range 16 {
		for j := range 16 {
			d[j*ldd+i] = s[i*lds+j]
		}
	}
}

// TestPackBTTilesAVX512Geometry runs the tiling loop that packBT32AVX512 uses
// (16×16 tiles into panels of nr = 64) with a Go transpose in place of the
// AVX-512 one, against packB, so that the Go side of the AVX-512 path is
// checked on machines without AVX-512 too.
func TestPackBTTilesAVX512Geometry(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const nr = 64 // avx512Kernel32.nr
	for _, s := range [][4]int{{16, 16, 0, 0}, {64, 256, 16, 8}, {100, 33, 7, 9}, {130, 48, 3, 1}, {5, 7, 0, 0}, {512, 256, 0, 0}} {
		nc, kc, jc, pc := s[0], s[1], s[2], s[3]
		ldb := pc + kc + 3
		b := make([]float32, (jc+nc)*ldb)
		for i := range b {
			b[i] = float32(r.Float64())
		}
		size := roundUp(nc, nr) * kc
		got, want := make([]float32, size), make([]float32, size)
		for i := range got {
			got[i] = guard // padding must be zeroed too
		}
		packBTTiles(got, b, ldb, pc, kc, jc, nc, nr, 16, goTranspose16)
		packB(want, true, b, ldb, pc, kc, jc, nc, nr)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("nc=%d kc=%d jc=%d pc=%d: packed[%d] = %g, want %g", nc, kc, jc, pc, i, got[i], want[i])
			}
		}
	}
}

// refMicroKernel returns a Go micro-kernel of any mr×nr tile with the
// assembly kernels' contract, for running the shared blocking code with
// another kernel's geometry.
func refMicroKernel[T float32 | float64](mr, nr int) microKernel[T] {
	return func(k int, a *T, rs, ks int, b *T, c *T, ldc int, alpha, beta T, flags int, bias *T, bstride int) {
		as := unsafe.Slice(a, (mr-1)*rs+max(k-1, 0)*ks+1)
		bs := unsafe.Slice(b, max(k-1, 0)*bstride+nr)
		cs := unsafe.Slice(c, (mr-1)*ldc+nr)
		for r := range mr {
			for j := range nr {
				var acc T
				for p := range k {
					acc += as[r*rs+p*ks] * bs[p*bstride+j]
				}
				if flags&addBias != 0 {
					cs[r*ldc+j] = alpha*acc + unsafe.Slice(bias, nr)[j]
				} else if flags&betaZero != 0 {
					cs[r*ldc+j] = alpha * acc
				} else {
					cs[r*ldc+j] = alpha*acc + beta*cs[r*ldc+j]
				}
			}
		}
	}
}

// TestGemmAVX512Geometry runs the blocking, packing and threading code with
// the AVX-512 kernels' tiles (float32 6×64 and 12×32 with 16×16 transposed-B
// tiles, float64 6×32, each with kernels of fewer rows) and Go micro-kernels,
// so that the Go side of the AVX-512 path is checked on machines without
// AVX-512 too, with products deeper than kc (kcA, ncA).
func TestGemmAVX512Geometry(t *testing.T) {
	k32, k32n, k64 := geometry(avx512Kernel32), geometry(avx512Narrow32), geometry(avx512Kernel64)
	tr := func(dst []float32, b []float32, ldb, pc, kc, jc, nc, nr int) {
		packBTTiles(dst, b, ldb, pc, kc, jc, nc, nr, 16, goTranspose16)
	}
	k32.packBT, k32n.packBT = tr, tr
	testKernels(t, []*kernel[float32]{k32, k32n}, true) // large: products deeper than kc take the kcA×ncA blocks
	testKernels(t, []*kernel[float64]{k64}, true)
	testKernelsTri(t, []*kernel[float32]{k32, k32n}, false)
	testKernelsTri(t, []*kernel[float64]{k64}, false)
	testKernelsBias(t, []*kernel[float32]{k32, k32n}, false)
	testKernelsBias(t, []*kernel[float64]{k64}, false)
}

// geometry returns a copy of kn with Go reference micro-kernels of the same
// tile (and short kernels of the same rows) in place of its assembly.
func geometry[T float32 | float64](kn *kernel[T]) *kernel[T] {
	g := *kn
	g.name = kn.name + "-geometry"
	g.fn = refMicroKernel[T](g.mr, g.nr)
	if g.short != nil {
		g.short = make([]microKernel[T], g.mr)
		for h := 1; h < g.mr; h++ {
			g.short[h] = refMicroKernel[T](h, g.nr)
		}
	}
	return &g
}
