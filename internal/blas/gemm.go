package blas

import (
	"sync/atomic"
	"unsafe"

	"github.com/gograd/gograd/internal/gctick"
	"github.com/gograd/gograd/internal/parallel"
)

// microKernel computes one mr×nr tile of C from k steps of packed operands:
//
//	acc(r,j) = Σ_p a[r*rs+p*ks] * b[p*bs+j]      r < mr, j < nr
//	c[r*ldc+j] = alpha*acc(r,j) + beta*c[r*ldc+j] (or alpha*acc(r,j) when flags&betaZero,
//	             or alpha*acc(r,j) + bias[j] when flags&addBias)
//
// a is read through two strides so the same kernel takes A as stored (rs = lda,
// ks = 1, or rs = 1, ks = lda for A^T) or a packed strip (rs = 1, ks = mr). b is a
// packed panel of k rows of nr values (bs = nr) or nr columns of B as stored
// (bs = ldb). Strides are in elements.
type microKernel[T float32 | float64] func(k int, a *T, rs, ks int, b *T, c *T, ldc int, alpha, beta T, flags int, bias *T, bs int)

// Micro-kernel flags: betaZero says C is written without being read; addBias
// that C is written as alpha times the tile plus the row vector bias (nr
// values), without being read.
const (
	betaZero = 1
	addBias  = 2
)

// kernel describes one micro-kernel and the cache blocking that suits it.
type kernel[T float32 | float64] struct {
	name   string
	mr, nr int // register tile
	kc, nc int // depth of a packed panel, columns of packed B per block
	mc     int // rows of packed A per block, a multiple of mr
	// kcA and ncA, when set, replace kc and nc for products deeper than kc
	// whose A is read as stored (not transposed): a deeper block of B of about
	// the same size, so that C is read and written fewer times. Transposed A,
	// packed for each block, keeps kc and nc, which spread its packing over
	// more panels of B.
	kcA, ncA int
	fn       microKernel[T]
	// short, when set, holds kernels of h < mr rows at short[h]: a ragged
	// strip of A then runs on one (or two, see stripRows) of them in place of
	// the full kernel over zero-padded rows.
	short []microKernel[T]
	// upTo, for a kernel in narrow32 or narrow64, is the most columns for
	// which it also takes products it pads less than the wide kernel does
	// (n = 96: three 32-wide panels rather than two 64-wide, the second half
	// padding).
	upTo int
	// packBT, when set, replaces packB for transposed B.
	packBT func(dst []T, b []T, ldb, pc, kc, jc, nc, nr int)
	// parFlops and parK, when set, replace minParallelFlops and minParallelK
	// for this kernel: a faster kernel finishes a product sooner, so the
	// hand-off to a second goroutine pays from a larger one.
	parFlops, parK int
}

// splits reports whether gemm hands an m×n×k product with this kernel to more
// than one goroutine, when more than one thread is allowed.
func (kn *kernel[T]) splits(m, n, k int) bool {
	flops, minK := minParallelFlops, minParallelK
	if kn.parFlops > 0 {
		flops, minK = kn.parFlops, kn.parK
	}
	return 2*m*n*k >= flops && k >= minK
}

// minParallelFlops is the smallest 2·m·n·k that gemm splits across goroutines,
// and minParallelK the smallest k: below either the hand-off costs more than
// the second core gains. With internal/parallel's polling workers a hand-off
// costs a few µs. Measured on this 2-vCPU VM, BenchmarkGemm/f32 t2 vs t1 (same
// run, 3 counts): n=64 4.2–5.4 vs 6.2–7.9 µs and n=96 12.9–15.7 vs 20.3–22.0 µs
// once the threshold went from 2·100³ to 2·48³ (n=32 stays on one thread: t1
// and t2 both 1.0–1.1 µs); but dX64x10x256 (k=10) split ran 22–23 vs 8–11 µs,
// hence minParallelK. The AVX-512 kernels set their own (parFlops, parK).
const (
	minParallelFlops = 2 * 48 * 48 * 48
	minParallelK     = 32
)

// workspace holds one goroutine's packing buffers.
type workspace[T float32 | float64] struct {
	b []T // packed block of B: kc×nc, as nc/nr panels of kc×nr
	a []T // packed block of A: mc×kc, in packA's strips
	t []T // scratch tile for edge tiles of C: mr×nr
}

// free32 and free64 keep workspaces between calls. Unlike a sync.Pool they survive
// garbage collections, so a training loop that allocates elsewhere does not
// re-allocate (and zero) ~700-950 KiB of packing buffer per Gemm; the channel
// bound caps what is kept (8 of each: at most ~6 MiB of float32 and ~6 MiB of
// float64 buffers with the AVX2 kernels' blocking, 540 KiB for B's block and
// 144 KiB for A's, ~7.5 MiB each with the AVX-512 kernels', whose deeper
// blocks for A as stored take 640 KiB for B's and 288 KiB for A's). They are
// given back when idle: a collection that finds no Gemm of that
// type since the one before empties the list (drop), so memory returns to the
// collector two collections after the last call.
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
	nb := max(kn.kc*(kn.nc+kn.nr), kn.kcA*(kn.ncA+kn.nr))
	na := max(kn.kc, kn.kcA) * kn.mc
	if ws == nil || len(ws.b) < nb || len(ws.a) < na || len(ws.t) < kn.mr*kn.nr {
		ws = &workspace[T]{b: make([]T, nb), a: make([]T, na), t: make([]T, kn.mr*kn.nr)}
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
func gemm[T float32 | float64](kn *kernel[T], transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, bias, c []T, ldc int) {
	if k == 0 {
		scaleC(m, n, beta, bias, c, ldc)
		return
	}
	t := parallel.Threads()
	if !kn.splits(m, n, k) {
		t = 1
	}
	if t == 1 {
		gemmSerial(kn, Full, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, bias, c, ldc)
		return
	}
	byCols, units, parts := kn.split(m, n, t)
	parallel.RunWith(parallel.Pick[gemmSplit[T]](&split32, &split64), parts, 1,
		gemmSplit[T]{kn, byCols, units, parts, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, bias, c, ldc})
}

// split says how gemm deals an m×n product out to t goroutines: C cut into
// units column panels (byCols; each goroutine then packs only its own part of
// B) when there are enough nr-wide panels to go round, otherwise into row
// strips, handed out in parts pieces, one per goroutine: each piece reads all
// of A (or B) again, and the transformer step ran 25 % slower when
// parallel.For cut products finer. The pieces are counted rather than sized
// by a grain: a grain of units/t rounded up made t pieces impossible when t
// did not divide units (171 strips on 2 threads ran on one).
func (kn *kernel[T]) split(m, n, t int) (byCols bool, units, parts int) {
	panels, strips := (n+kn.nr-1)/kn.nr, (m+kn.mr-1)/kn.mr
	byCols = panels >= 2*t || panels >= strips
	units = strips
	if byCols {
		units = panels
	}
	return byCols, units, min(t, units)
}

// gemmSplit is gemm's parallel.Body: its arguments, with C split into units
// column panels (byCols) or row strips, dealt out in parts nearly equal
// pieces. Kept for reuse (split32, split64), so that a split product
// allocates nothing.
type gemmSplit[T float32 | float64] struct {
	kn             *kernel[T]
	byCols         bool
	units, parts   int
	transA, transB bool
	m, n, k        int
	alpha          T
	a              []T
	lda            int
	b              []T
	ldb            int
	beta           T
	bias, c        []T
	ldc            int
}

var (
	split32 parallel.Cache[gemmSplit[float32]]
	split64 parallel.Cache[gemmSplit[float64]]
)

// Run computes pieces [lo, hi) of C: their panels or strips.
func (g *gemmSplit[T]) Run(lo, hi int) {
	kn := g.kn
	lo, hi = lo*g.units/g.parts, hi*g.units/g.parts
	ws := getWorkspace(kn)
	if g.byCols {
		gemmBlock(kn, ws, g.transA, Full, g.transB, 0, g.m, lo*kn.nr, min(hi*kn.nr, g.n), g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.bias, g.c, g.ldc)
	} else {
		gemmBlock(kn, ws, g.transA, Full, g.transB, lo*kn.mr, min(hi*kn.mr, g.m), 0, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.bias, g.c, g.ldc)
	}
	putWorkspace(ws)
}

// gemmSerial is gemm on the calling goroutine, for op(A) with the triangle tri.
func gemmSerial[T float32 | float64](kn *kernel[T], tri Tri, transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, bias, c []T, ldc int) {
	if k == 0 {
		scaleC(m, n, beta, bias, c, ldc)
		return
	}
	ws := getWorkspace(kn)
	gemmBlock(kn, ws, transA, tri, transB, 0, m, 0, n, k, alpha, a, lda, b, ldb, beta, bias, c, ldc)
	putWorkspace(ws)
}

// scaleC sets C = beta*C over m×n (C = 0 when beta is 0), or each row of C to
// bias when bias is not nil.
func scaleC[T float32 | float64](m, n int, beta T, bias, c []T, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if bias != nil {
			copy(row, bias[:n])
		} else if beta == 0 {
			clear(row)
		} else if beta != 1 {
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

// gemmBlock computes rows [i0, i1) and columns [j0, j1) of C, one packed block of
// B (kc×nc, or kcA×ncA for A as stored) at a time; macroKernel takes A's rows
// mc at a time.
func gemmBlock[T float32 | float64](kn *kernel[T], ws *workspace[T], transA bool, tri Tri, transB bool, i0, i1, j0, j1, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, bias, c []T, ldc int) {
	nr := kn.nr
	kcMax, ncMax := kn.kc, kn.nc
	if !transA && kn.kcA > 0 && k > kn.kc {
		kcMax, ncMax = kn.kcA, kn.ncA
	}
	ncb, kcb := blockSize(j1-j0, ncMax, nr), blockSize(k, kcMax, 4)
	for jc := j0; jc < j1; jc += ncb {
		nc := min(ncb, j1-jc)
		for pc := 0; pc < k; pc += kcb {
			kc := min(kcb, k-pc)
			bp := bPanels[T]{ws.b, 0, kc, nr}
			switch {
			case !transB && nc%nr == 0 && kc <= directBDepth:
				bp = bPanels[T]{b, pc*ldb + jc, 1, ldb}
			case transB && kn.packBT != nil:
				kn.packBT(ws.b, b, ldb, pc, kc, jc, nc, nr)
			default:
				packB(ws.b, transB, b, ldb, pc, kc, jc, nc, nr)
			}
			macroKernel(kn, ws, transA, tri, i0, i1, pc, kc, jc, nc, alpha, a, lda, bp, beta, bias, c, ldc)
		}
	}
}

// stripRows returns the rows of the next strip of A when rem rows are left: mr,
// or with short kernels, rem when fewer than mr are left and half of rem when
// a strip of mr would leave 1 to 3 rows (which a short kernel runs at a
// fraction of its speed, its few accumulator chains waiting on the FMA
// latency): 7 rows go as 4+3, 8 as 4+4, 9 as 5+4.
func (kn *kernel[T]) stripRows(rem int) int {
	mr := kn.mr
	switch {
	case kn.short == nil || rem >= 2*mr || rem%mr == 0 || rem%mr > 3:
		return min(mr, rem)
	case rem < mr:
		return rem
	}
	return (rem + 1) / 2
}

// microTile runs the micro-kernel for h rows of A (a as rs, ks says) over one
// panel b of kc steps (bs apart) into the h×nrr tile of C at c: straight into C when the
// tile is whole and there is a kernel of h rows, else through the scratch tile.
// bias holds the tile's columns of the bias when flags has addBias.
func microTile[T float32 | float64](kn *kernel[T], ws *workspace[T], h, nrr, kc int, a *T, rs, ks int, b *T, bs int, c []T, ldc int, alpha, beta T, flags int, bias []T) {
	fn := kn.fn
	if h < kn.mr && kn.short != nil {
		fn = kn.short[h]
	}
	if nrr == kn.nr && (h == kn.mr || kn.short != nil) {
		var bp *T
		if flags&addBias != 0 {
			_ = bias[nrr-1] // bounds: the kernel reads nr values
			bp = &bias[0]
		}
		fn(kc, a, rs, ks, b, &c[0], ldc, alpha, beta, flags, bp, bs)
		return
	}
	nr := kn.nr
	fn(kc, a, rs, ks, b, &ws.t[0], nr, 1, 0, betaZero, nil, bs)
	for i := 0; i < h; i++ {
		crow := c[i*ldc : i*ldc+nrr]
		trow := ws.t[i*nr : i*nr+nrr]
		if flags&addBias != 0 {
			bs := bias[:nrr]
			for j, v := range trow {
				crow[j] = alpha*v + bs[j]
			}
		} else if flags&betaZero != 0 {
			for j, v := range trow {
				crow[j] = alpha * v
			}
		} else {
			for j, v := range trow {
				crow[j] = alpha*v + beta*crow[j]
			}
		}
	}
}

// blockSize returns the length of the blocks that cut n into the fewest
// blocks of at most max, evened out in multiples of unit, so that no block is
// a thin remainder: k = 784 goes as 4×196 rather than 3×256 and 16 (a last
// pass over C of 16 steps runs mostly the kernel's store).
func blockSize(n, max, unit int) int {
	b := (n + max - 1) / max
	if b <= 1 {
		return max // one block (or none, for n = 0)
	}
	return min(max, roundUp((n+b-1)/b, unit))
}

// macroKernel computes rows [i0, i1) and columns [jc, jc+nc) of C from depth
// [pc, pc+kc) of A and the packed block bp of B (kc×nc as panels of nr), with
// beta applied on the first block of depth (pc == 0) and 1 after it. Each strip
// of A (stripRows rows) stays in L1 while it meets every panel of the block. A
// as stored is read in place (a stream per row); transposed A, whose steps lie
// a row of the stored matrix apart, is first packed mc rows at a time (reading
// stored rows whole) unless it is small or meets few panels, and a ragged strip
// the full kernel must pad is packed. With tri, each strip meets only the steps
// of its part of op(A)'s triangle (Tri.steps).
func macroKernel[T float32 | float64](kn *kernel[T], ws *workspace[T], transA bool, tri Tri, i0, i1, pc, kc, jc, nc int, alpha T, a []T, lda int, bp bPanels[T], beta T, bias, c []T, ldc int) {
	mr, nr := kn.mr, kn.nr
	bt, flags := beta, 0
	switch {
	case pc > 0:
		bt = 1
	case bias != nil:
		flags = addBias
	case beta == 0:
		flags = betaZero
	}
	// tileBias returns the bias of the tile at column jr of the block.
	tileBias := func(jr int) []T {
		if flags&addBias == 0 {
			return nil
		}
		return bias[jc+jr:]
	}
	for ic := i0; ic < i1; ic += kn.mc {
		mc := min(kn.mc, i1-ic)
		// Transposed A is read in place (row r, step p at a[p*lda+r]: rs 1,
		// ks lda) by kernels with short strips when the block is small (it
		// stays in L1; packing cost attention's Pᵀ·dO, 64×64 by 64×32, three
		// times its kernel time) or meets at most two panels of B, too few to
		// repay packing it (the transformer's dW = Gᵀ·X, 512×1024 by
		// 1024×128: 168 -> 190 GFLOP/s).
		inPlaceT := transA && kn.short != nil && (mc*kc <= smallTransA || nc <= 2*nr)
		if transA && !inPlaceT {
			packA(kn, ws.a, true, a, lda, ic, mc, pc, kc)
		}
		// stripA returns the strip of h rows at row ir from step p0 of the
		// block on and its strides.
		stripA := func(ir, h, p0 int) (*T, int, int) {
			switch {
			case inPlaceT:
				return &a[(pc+p0)*lda+ic+ir], 1, lda
			case transA:
				st := packStride(kn, h)
				return &ws.a[ir*kc+p0*st], 1, st
			}
			return &a[(ic+ir)*lda+pc+p0], lda, 1
		}
		if mc <= fewRows && (transA || kn.short != nil) {
			// Few rows: each panel of B meets every strip while it is in L1,
			// so B is read once rather than once a strip (the LSTM's 32-row
			// products stream a 1 MiB packed weight each time step).
			for jr := 0; jr < nc; jr += nr {
				for ir, h := 0, 0; ir < mc; ir += h {
					h = kn.stripRows(mc - ir)
					p0, p1, ok := tri.steps(ic+ir, h, pc, kc)
					if !ok {
						continue
					}
					ap, rs, ks := stripA(ir, h, p0)
					microTile(kn, ws, h, min(nr, nc-jr), p1-p0, ap, rs, ks, bp.at(jr, p0), bp.stride, c[(ic+ir)*ldc+jc+jr:], ldc, alpha, bt, flags, tileBias(jr))
				}
			}
			continue
		}
		for ir, h := 0, 0; ir < mc; ir += h {
			h = kn.stripRows(mc - ir)
			p0, p1, ok := tri.steps(ic+ir, h, pc, kc)
			if !ok {
				continue
			}
			ap, rs, ks := stripA(ir, h, p0)
			if !transA && h < mr && kn.short == nil {
				packA(kn, ws.a[ir*kc:], false, a, lda, ic+ir, h, pc+p0, p1-p0)
				ap, rs, ks = &ws.a[ir*kc], 1, packStride(kn, h)
			}
			for jr := 0; jr < nc; jr += nr {
				microTile(kn, ws, h, min(nr, nc-jr), p1-p0, ap, rs, ks, bp.at(jr, p0), bp.stride, c[(ic+ir)*ldc+jc+jr:], ldc, alpha, bt, flags, tileBias(jr))
			}
		}
	}
}

// bPanels says where macroKernel finds the panels of B: the panel at column jr
// of the block at data[off+jr*jmul], its steps stride apart.
type bPanels[T float32 | float64] struct {
	data              []T
	off, jmul, stride int
}

// at returns step p of the panel at column jr.
func (bp bPanels[T]) at(jr, p int) *T { return &bp.data[bp.off+jr*bp.jmul+p*bp.stride] }

// directBDepth is the deepest block of B (kc) that macroKernel reads as stored
// rather than packed, when B is not transposed and the block's columns fill
// whole panels: its rows then stream well enough that copying them buys
// nothing. Measured on a loaded 2-core machine (BenchmarkGemmModels and
// alternating runs, 4 each): attention's P·V +3-6 %, the 1024-row products
// within noise (dX 1024×128·128×512: +5 % in one run, -3 % in another); at kc =
// 256 a 1024×512 B read as stored ran 16 % slower than packed, hence the bound.
const directBDepth = 128

// smallTransA is the most elements (mc·kc) of a block of transposed A that
// macroKernel reads in place rather than packing.
const smallTransA = 64 * 64

// Tri says which part of op(A) GemmTri may find nonzero.
type Tri uint8

const (
	// Full: all of op(A), as in Gemm.
	Full Tri = iota
	// Lower: op(A)(i, p) for p <= i; entries with p > i must be zero.
	Lower
	// Upper: op(A)(i, p) for p >= i; entries with p < i must be zero.
	Upper
)

// steps returns the steps [p0, p1) of the depth block [pc, pc+kc), relative
// to pc, that a strip of h rows from row i meets in op(A)'s triangle, and
// false when the strip has nothing to add in this block. A strip that meets
// no step of the first block (pc = 0) still gets a call of no steps, which
// applies beta to its tile of C.
func (tri Tri) steps(i, h, pc, kc int) (p0, p1 int, ok bool) {
	p0, p1 = 0, kc
	switch tri {
	case Lower: // rows up to i+h-1 meet steps p < i+h
		p1 = min(kc, max(0, i+h-pc))
	case Upper: // row i meets steps p >= i
		p0 = min(kc, max(0, i-pc))
	}
	if p0 >= p1 {
		return 0, 0, pc == 0
	}
	return p0, p1, true
}

// fewRows is the most rows of A for which macroKernel runs the panels of B in
// its outer loop: their strips of A (at most 48×kc, in L2) are all met while a
// panel is in L1.
var fewRows = 48

// packStride returns the step stride of a packed strip of h rows: h when a
// short kernel reads it, else mr (the full kernel, over zero-padded rows).
func packStride[T float32 | float64](kn *kernel[T], h int) int {
	if h < kn.mr && kn.short != nil {
		return h
	}
	return kn.mr
}

// packB copies op(B)[pc:pc+kc, jc:jc+nc] into dst as panels of nr columns, each
// panel kc rows of nr values, zero-padding the last panel.
func packB[T float32 | float64](dst []T, transB bool, b []T, ldb, pc, kc, jc, nc, nr int) {
	for jr := 0; jr < nc; jr += nr {
		nrr := min(nr, nc-jr)
		panel := dst[jr*kc : jr*kc+kc*nr]
		if size := unsafe.Sizeof(T(0)); !transB && nrr == nr && uintptr(nr)*size%64 == 0 {
			// Whole panels in assembly: a memmove call per row of 16 float32s
			// cost a third of a dW product's time.
			o := pc*ldb + jc + jr
			_ = b[o+(kc-1)*ldb+nr-1] // bounds: kc rows of nr values
			copyRows(unsafe.Pointer(&panel[0]), unsafe.Pointer(&b[o]), uintptr(ldb)*size, uintptr(kc), uintptr(nr)*size)
			continue
		}
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

// packA copies op(A)[i0:i0+mc, pc:pc+kc] into dst in the strips macroKernel
// runs (stripRows): the strip at row ir at dst[ir*kc:], kc groups of
// packStride values (row r of step p at p*stride+r), zero-padded past its rows.
func packA[T float32 | float64](kn *kernel[T], dst []T, transA bool, a []T, lda, i0, mc, pc, kc int) {
	ir := 0
	if transA && kn.mr == 6 {
		// The leading strips of 6 rows, a stored row of A at a time: each
		// step's values lie side by side, so this reads A front to back.
		for ir+6 <= mc && kn.stripRows(mc-ir) == 6 {
			ir += 6
		}
		if ir > 0 {
			packA6T(dst, a[pc*lda+i0:], lda, kc, ir/6)
		}
	}
	for h := 0; ir < mc; ir += h {
		h = kn.stripRows(mc - ir)
		st := packStride(kn, h)
		d := dst[ir*kc : ir*kc+kc*st]
		switch {
		case transA:
			for p := 0; p < kc; p++ {
				o := (pc+p)*lda + i0 + ir
				g := d[p*st : p*st+st]
				copy(g, a[o:o+h])
				clear(g[h:])
			}
		default:
			clear(d)
			for r := 0; r < h; r++ {
				for p := 0; p < kc; p++ {
					d[p*st+r] = a[(i0+ir+r)*lda+pc+p]
				}
			}
		}
	}
}
