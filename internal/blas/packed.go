package blas

import (
	"unsafe"

	"github.com/gograd/gograd/internal/parallel"
)

// PackedB is the right operand op(B) (k×n) of a product, packed once into the
// micro-kernel's panels, for repeated products with the same matrix: a
// recurrent layer multiplies its hidden-to-hidden weights at every time step,
// and GemmPacked then skips the packing Gemm does on every call (and the
// transposed result Gemm's cheap orientation would leave).
type PackedB[T float32 | float64] struct {
	kn   *kernel[T]
	k, n int
	data []T // per block of nc columns, per block of kc rows: the kc×nc panels
}

// pick returns the micro-kernel Gemm uses for an n-column product of T.
func pick[T float32 | float64](n int) *kernel[T] {
	var kn any
	if unsafe.Sizeof(T(0)) == 4 {
		kn = pickFrom(kernel32, narrow32, n)
	} else {
		kn = pickFrom(kernel64, narrow64, n)
	}
	return kn.(*kernel[T])
}

// pickFrom returns the first of narrow at least n columns wide, else the first
// whose upTo allows n and that pads n less than wide, else wide.
func pickFrom[T float32 | float64](wide *kernel[T], narrow []*kernel[T], n int) *kernel[T] {
	for _, k := range narrow {
		if n <= k.nr {
			return k
		}
	}
	for _, k := range narrow {
		if n <= k.upTo && roundUp(n, k.nr) < roundUp(n, wide.nr) {
			return k
		}
	}
	return wide
}

// PackB returns op(B) packed for GemmPacked: B is k×n with row stride ldb, or
// n×k stored when transB. It panics with a *ShapeError as Gemm does.
func PackB[T float32 | float64](transB bool, k, n int, b []T, ldb int) *PackedB[T] {
	checkGemm(false, transB, 0, n, k, 0, max(k, 1), len(b), ldb, 0, max(n, 1))
	kn := pick[T](n)
	p := &PackedB[T]{kn: kn, k: k, n: n}
	ncb, kcb := blockSize(n, kn.nc, kn.nr), blockSize(k, kn.kc, 4)
	size := 0
	for jc := 0; jc < n; jc += ncb {
		size += k * roundUp(min(ncb, n-jc), kn.nr)
	}
	p.data = make([]T, size)
	off := 0
	for jc := 0; jc < n; jc += ncb {
		nc := min(ncb, n-jc)
		for pc := 0; pc < k; pc += kcb {
			kc := min(kcb, k-pc)
			packB(p.data[off:], transB, b, ldb, pc, kc, jc, nc, kn.nr)
			off += kc * roundUp(nc, kn.nr)
		}
	}
	return p
}

func roundUp(n, m int) int { return (n + m - 1) / m * m }

// GemmPacked computes C = alpha·A·op(B) + beta·C with op(B) from PackB: A is m×k
// (row stride lda), C m×n (row stride ldc), as Gemm(false, transB, ...) does for
// the B that was packed. It panics with a *ShapeError on slices or strides that
// do not fit.
func GemmPacked[T float32 | float64](m int, alpha T, a []T, lda int, p *PackedB[T], beta T, c []T, ldc int) {
	k, n, kn := p.k, p.n, p.kn
	checkGemm(false, false, m, n, k, len(a), lda, k*n, n, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scaleC(m, n, beta, nil, c, ldc)
		return
	}
	panels := (n + kn.nr - 1) / kn.nr
	grain := panels
	if parallel.Threads() > 1 && kn.splits(m, n, k) {
		grain = max(1, panels/(2*parallel.Threads()))
	}
	parallel.RunWith(parallel.Pick[packedSplit[T]](&packed32, &packed64), panels, grain,
		packedSplit[T]{m, alpha, a, lda, p, beta, c, ldc})
}

// packedSplit is GemmPacked's parallel.Body: its arguments. Kept for reuse
// (packed32, packed64), so that a split product allocates nothing.
type packedSplit[T float32 | float64] struct {
	m     int
	alpha T
	a     []T
	lda   int
	p     *PackedB[T]
	beta  T
	c     []T
	ldc   int
}

var (
	packed32 parallel.Cache[packedSplit[float32]]
	packed64 parallel.Cache[packedSplit[float64]]
)

// Run computes the column panels [lo, hi) of C.
func (g *packedSplit[T]) Run(lo, hi int) {
	m, alpha, a, lda, p, beta, c, ldc := g.m, g.alpha, g.a, g.lda, g.p, g.beta, g.c, g.ldc
	k, n, kn := p.k, p.n, p.kn
	ws := getWorkspace(kn)
	j0, j1 := lo*kn.nr, min(hi*kn.nr, n)
	off := 0
	ncb, kcb := blockSize(n, kn.nc, kn.nr), blockSize(k, kn.kc, 4)
	for jc := 0; jc < n; jc += ncb {
		nc := min(ncb, n-jc)
		width := roundUp(nc, kn.nr)
		for pc := 0; pc < k; pc += kcb {
			kc := min(kcb, k-pc)
			// The part of this block's panels in [j0, j1).
			if s, e := max(j0, jc), min(j1, jc+nc); s < e {
				macroKernel(kn, ws, false, Full, 0, m, pc, kc, s, e-s, alpha, a, lda, bPanels[T]{p.data, off + (s-jc)*kc, kc, kn.nr}, beta, nil, c, ldc)
			}
			off += kc * width
		}
	}
	putWorkspace(ws)
}
