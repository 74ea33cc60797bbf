package blas

import (
	"sync/atomic"

	"github.com/gograd/gograd/internal/gctick"
	"github.com/gograd/gograd/internal/parallel"
)

// microKernel computes one mr×nr tile of C from k steps of packed operands:
//
//	acc(r,j) = Σ_p a[r*rs+p*ks] * b[p*nr+j]      r < mr, j < nr
//	c[r*ldc+j] = alpha*acc(r,j) + beta*c[r*ldc+j] (or alpha*acc(r,j) when flags&betaZero)
//
// a is read through two strides so the same kernel takes A as stored (rs = lda,
// ks = 1, or rs = 1, ks = lda for A^T) or a packed strip (rs = 1, ks = mr). b is a
// packed panel of k rows of nr values. Strides are in elements.
type microKernel[T float32 | float64] func(k int, a *T, rs, ks int, b *T, c *T, ldc int, alpha, beta T, flags int)

// betaZero in a micro-kernel's flags says C is written without being read.
const betaZero = 1

// kernel describes one micro-kernel and the cache blocking that suits it.
type kernel[T float32 | float64] struct {
	name   string
	mr, nr int // register tile
	kc, nc int // depth of a packed panel, columns of packed B per block
	fn     microKernel[T]
	// packBT, when set, replaces packB for transposed B.
	packBT func(dst []T, b []T, ldb, pc, kc, jc, nc, nr int)
}

// minParallelFlops is the smallest 2·m·n·k that gemm splits across goroutines;
// below it the hand-off costs more than the second core gains. With
// internal/parallel's polling workers a hand-off costs a few µs (it was ~100 µs
// with goroutines started per call); measured on this 2-vCPU VM, 2 threads,
// BenchmarkGemm/f32: n=128 188 -> 260 GFLOP/s and n=256 198 -> 372 GFLOP/s when
// the threshold went from 2·320³ to 2·100³.
const minParallelFlops = 2 * 100 * 100 * 100

// workspace holds one goroutine's packing buffers.
type workspace[T float32 | float64] struct {
	b []T // packed block of B: kc×nc, as nc/nr panels of kc×nr
	a []T // packed edge strip of A: kc×mr
	t []T // scratch tile for edge tiles of C: mr×nr
}

// free32 and free64 keep workspaces between calls. Unlike a sync.Pool they survive
// garbage collections, so a training loop that allocates elsewhere does not
// re-allocate (and zero) ~600 KiB of packing buffer per Gemm; the channel bound
// caps what is kept (8 of each: at most ~5 MiB of float32 and ~10 MiB of float64
// buffers with the AVX2 kernels' blocking). They are given back when idle: a
// collection that finds no Gemm of that type since the one before empties the
// list (drop), so memory returns to the collector two collections after the last
// call.
var (
	free32 = make(chan *workspace[float32], 8)
	free64 = make(chan *workspace[float64], 8)

	// used32 and used64 say that a workspace was taken since the last collection.
	used32, used64 atomic.Bool
)

func init() { gctick.Add(ageWorkspaces) }

// ageWorkspaces runs after each collection: it drops the workspaces of a type
// no Gemm has taken since the previous one.
func ageWorkspaces() {
	if !used32.Swap(false) {
		drop(free32)
	}
	if !used64.Swap(false) {
		drop(free64)
	}
}

// drop empties a free list.
func drop[T float32 | float64](l chan *workspace[T]) {
	for {
		select {
		case <-l:
		default:
			return
		}
	}
}

func freeList[T float32 | float64]() chan *workspace[T] {
	var l any = free64
	if _, ok := any(T(0)).(float32); ok {
		l = free32
	}
	return l.(chan *workspace[T])
}

func getWorkspace[T float32 | float64](kn *kernel[T]) *workspace[T] {
	var ws *workspace[T]
	used := &used64
	if _, ok := any(T(0)).(float32); ok {
		used = &used32
	}
	if !used.Load() {
		used.Store(true) // a load first: no write to the shared line on every call
	}
	select {
	case ws = <-freeList[T]():
	default:
	}
	nb := kn.kc * (kn.nc + kn.nr)
	if ws == nil || len(ws.b) < nb || len(ws.a) < kn.kc*kn.mr || len(ws.t) < kn.mr*kn.nr {
		ws = &workspace[T]{b: make([]T, nb), a: make([]T, kn.kc*kn.mr), t: make([]T, kn.mr*kn.nr)}
	}
	return ws
}

func putWorkspace[T float32 | float64](ws *workspace[T]) {
	select {
	case freeList[T]() <- ws:
	default:
	}
}

// gemm is Gemm for checked arguments with m, n > 0.
func gemm[T float32 | float64](kn *kernel[T], transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	t := parallel.Threads()
	if 2*m*n*k < minParallelFlops {
		t = 1
	}
	if t == 1 {
		ws := getWorkspace(kn)
		gemmBlock(kn, ws, transA, transB, 0, m, 0, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		putWorkspace(ws)
		return
	}
	// Split C into column blocks (each goroutine packs only its own part of B) when
	// there are enough nr-wide panels to go round, otherwise into row strips.
	panels, strips := (n+kn.nr-1)/kn.nr, (m+kn.mr-1)/kn.mr
	byCols := panels >= 2*t || panels >= strips
	units := strips
	if byCols {
		units = panels
	}
	parallel.For(units, 1, func(lo, hi int) {
		ws := getWorkspace(kn)
		if byCols {
			gemmBlock(kn, ws, transA, transB, 0, m, lo*kn.nr, min(hi*kn.nr, n), k, alpha, a, lda, b, ldb, beta, c, ldc)
		} else {
			gemmBlock(kn, ws, transA, transB, lo*kn.mr, min(hi*kn.mr, m), 0, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		}
		putWorkspace(ws)
	})
}

// scaleC sets C = beta*C over m×n (C = 0 when beta is 0).
func scaleC[T float32 | float64](m, n int, beta T, c []T, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
		} else if beta != 1 {
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

// gemmBlock computes rows [i0, i1) and columns [j0, j1) of C, one packed block of
// B (kc×nc) at a time. A is read in place except for a ragged last strip.
func gemmBlock[T float32 | float64](kn *kernel[T], ws *workspace[T], transA, transB bool, i0, i1, j0, j1, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	mr, nr := kn.mr, kn.nr
	for jc := j0; jc < j1; jc += kn.nc {
		nc := min(kn.nc, j1-jc)
		for pc := 0; pc < k; pc += kn.kc {
			kc := min(kn.kc, k-pc)
			if transB && kn.packBT != nil {
				kn.packBT(ws.b, b, ldb, pc, kc, jc, nc, nr)
			} else {
				packB(ws.b, transB, b, ldb, pc, kc, jc, nc, nr)
			}
			bt, flags := beta, 0
			if pc > 0 {
				bt = 1
			} else if beta == 0 {
				flags = betaZero
			}
			for ir := i0; ir < i1; ir += mr {
				mrr := min(mr, i1-ir)
				var ap *T
				rs, ks := 1, mr
				switch {
				case mrr < mr:
					packA(ws.a, transA, a, lda, ir, mrr, pc, kc, mr)
					ap = &ws.a[0]
				case transA:
					ap, rs, ks = &a[pc*lda+ir], 1, lda
				default:
					ap, rs, ks = &a[ir*lda+pc], lda, 1
				}
				for jr := 0; jr < nc; jr += nr {
					nrr := min(nr, nc-jr)
					bp := &ws.b[jr*kc]
					if mrr == mr && nrr == nr {
						kn.fn(kc, ap, rs, ks, bp, &c[ir*ldc+jc+jr], ldc, alpha, bt, flags)
						continue
					}
					kn.fn(kc, ap, rs, ks, bp, &ws.t[0], nr, 1, 0, betaZero)
					for i := 0; i < mrr; i++ {
						crow := c[(ir+i)*ldc+jc+jr : (ir+i)*ldc+jc+jr+nrr]
						trow := ws.t[i*nr : i*nr+nrr]
						if flags&betaZero != 0 {
							for j, v := range trow {
								crow[j] = alpha * v
							}
						} else {
							for j, v := range trow {
								crow[j] = alpha*v + bt*crow[j]
							}
						}
					}
				}
			}
		}
	}
}

// packB copies op(B)[pc:pc+kc, jc:jc+nc] into dst as panels of nr columns, each
// panel kc rows of nr values, zero-padding the last panel.
func packB[T float32 | float64](dst []T, transB bool, b []T, ldb, pc, kc, jc, nc, nr int) {
	for jr := 0; jr < nc; jr += nr {
		nrr := min(nr, nc-jr)
		panel := dst[jr*kc : jr*kc+kc*nr]
		if !transB {
			for p := 0; p < kc; p++ {
				src := b[(pc+p)*ldb+jc+jr : (pc+p)*ldb+jc+jr+nrr]
				d := panel[p*nr : p*nr+nr]
				copy(d, src)
				clear(d[nrr:])
			}
			continue
		}
		// op(B)(p, j) = b[j*ldb+p]: read four stored rows side by side and write
		// four adjacent values of each packed row.
		j := 0
		for ; j+4 <= nrr; j += 4 {
			o := (jc+jr+j)*ldb + pc
			r0 := b[o : o+kc]
			r1 := b[o+ldb : o+ldb+kc]
			r2 := b[o+2*ldb : o+2*ldb+kc]
			r3 := b[o+3*ldb : o+3*ldb+kc]
			for p := range r0 {
				d := panel[p*nr+j : p*nr+j+4 : p*nr+j+4]
				d[0], d[1], d[2], d[3] = r0[p], r1[p], r2[p], r3[p]
			}
		}
		for ; j < nrr; j++ {
			src := b[(jc+jr+j)*ldb+pc : (jc+jr+j)*ldb+pc+kc]
			for p, v := range src {
				panel[p*nr+j] = v
			}
		}
		if nrr < nr {
			for p := 0; p < kc; p++ {
				clear(panel[p*nr+nrr : p*nr+nr])
			}
		}
	}
}

// packA copies op(A)[ir:ir+mrr, pc:pc+kc] into dst as kc groups of mr values,
// zero-padding rows mrr..mr-1.
func packA[T float32 | float64](dst []T, transA bool, a []T, lda, ir, mrr, pc, kc, mr int) {
	d := dst[:kc*mr]
	clear(d)
	for r := 0; r < mrr; r++ {
		for p := 0; p < kc; p++ {
			if transA {
				d[p*mr+r] = a[(pc+p)*lda+ir+r]
			} else {
				d[p*mr+r] = a[(ir+r)*lda+pc+p]
			}
		}
	}
}
