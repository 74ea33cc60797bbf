package blas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/gograd/gograd/internal/gctick"
	"github.com/gograd/gograd/internal/parallel"
)

// guard is written around and between the rows of C; no kernel may change it.
const guard = -12345.5

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float64
	pad            int // extra elements per row of A, B and C beyond the minimum stride
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,alpha=%g,beta=%g,pad=%d", tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.pad)
}

// gemmCases returns seeded random shapes (odd sizes and tails in 1..70 plus a few
// larger than one cache block) over all transpose combinations and alpha/beta.
func gemmCases(large bool) []gemmCase {
	r := rand.New(rand.NewPCG(1, 2))
	betas := []float64{0, 1, 0.5}
	var cs []gemmCase
	for i := 0; i < 120; i++ {
		cs = append(cs, gemmCase{
			transA: i&1 != 0, transB: i&2 != 0,
			m: 1 + r.IntN(70), n: 1 + r.IntN(70), k: 1 + r.IntN(70),
			alpha: []float64{1, -0.75, 2}[i%3], beta: betas[(i/4)%3],
			pad: []int{0, 0, 3, 17}[r.IntN(4)],
		})
	}
	if large {
		for i, s := range [][3]int{{129, 257, 300}, {300, 129, 520}, {64, 784, 256}, {7, 1030, 13}, {200, 10, 600}, {290, 128, 530}, {150, 60, 300}} {
			for tr := 0; tr < 4; tr++ {
				cs = append(cs, gemmCase{transA: tr&1 != 0, transB: tr&2 != 0, m: s[0], n: s[1], k: s[2],
					alpha: 1.5, beta: betas[(i+tr)%3], pad: 5 * (tr & 1)})
			}
		}
	}
	return cs
}

// gemmInputs fills A, B and C for tc; C holds NaN where beta is 0 (it must not be
// read) and guard values outside its m×n window.
func gemmInputs[T float32 | float64](tc gemmCase, r *rand.Rand) (a []T, lda int, b []T, ldb int, c []T, ldc, off int) {
	ra, ca := tc.m, tc.k
	if tc.transA {
		ra, ca = tc.k, tc.m
	}
	rb, cb := tc.k, tc.n
	if tc.transB {
		rb, cb = tc.n, tc.k
	}
	lda, ldb, ldc = ca+tc.pad, cb+tc.pad, tc.n+tc.pad
	a = make([]T, (ra-1)*lda+ca)
	b = make([]T, (rb-1)*ldb+cb)
	for i := range a {
		a[i] = T(r.Float64()*2 - 1)
	}
	for i := range b {
		b[i] = T(r.Float64()*2 - 1)
	}
	off = 7
	c = make([]T, off+(tc.m-1)*ldc+tc.n+9)
	for i := range c {
		c[i] = guard
	}
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			if tc.beta == 0 {
				c[off+i*ldc+j] = T(math.NaN())
			} else {
				c[off+i*ldc+j] = T(r.Float64()*2 - 1)
			}
		}
	}
	return
}

// checkC compares got with want inside the m×n window and demands the guard values
// outside it untouched. Tolerance: each element sums k products of values in
// [-1, 1], so float32 rounding grows like k·eps32 (eps32 ≈ 6e-8); float64 is held to
// a few ulps of the same scale.
func checkC[T float32 | float64](t *testing.T, name string, tc gemmCase, got, want []T, ldc, off int) {
	t.Helper()
	tol := 1e-12 * float64(tc.k+4)
	if _, ok := any(T(0)).(float32); ok {
		tol = 2e-6 * float64(tc.k+4)
	}
	bad := 0
	for idx := range got {
		i, j := (idx-off)/ldc, (idx-off)%ldc
		inside := idx >= off && i < tc.m && j < tc.n
		g, w := float64(got[idx]), float64(want[idx])
		if !inside {
			if g != guard {
				t.Errorf("%s %v: guard at C[%d] (row %d col %d) overwritten with %g", name, tc, idx-off, i, j, g)
				bad++
			}
		} else if math.IsNaN(g) || math.Abs(g-w) > tol*(1+math.Abs(w)) {
			t.Errorf("%s %v: C[%d,%d] = %g, want %g", name, tc, i, j, g, w)
			bad++
		}
		if bad > 5 {
			t.FailNow()
		}
	}
}

func testKernels[T float32 | float64](t *testing.T, kernels []*kernel[T], large bool) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, kn := range kernels {
		for _, threads := range []int{1, 2} {
			parallel.SetThreads(threads)
			for _, tc := range gemmCases(large) {
				a, lda, b, ldb, c, ldc, off := gemmInputs[T](tc, r)
				want := append([]T(nil), c...)
				gemmRef(tc.transA, tc.transB, tc.m, tc.n, tc.k, T(tc.alpha), a, lda, b, ldb, T(tc.beta), want[off:], ldc)
				gemm(kn, tc.transA, tc.transB, tc.m, tc.n, tc.k, T(tc.alpha), a, lda, b, ldb, T(tc.beta), nil, c[off:], ldc)
				checkC(t, fmt.Sprintf("%s/t%d", kn.name, threads), tc, c, want, ldc, off)
			}
		}
	}
	parallel.SetThreads(0)
}

func TestGemmKernels32(t *testing.T) { testKernels(t, kernels32, !testing.Short()) }
func TestGemmKernels64(t *testing.T) { testKernels(t, kernels64, !testing.Short()) }

// TestGemmKernelsExist makes sure the assembly paths are really exercised on a CPU
// that has them.
func TestGemmKernelsList(t *testing.T) {
	for _, kn := range kernels32 {
		t.Logf("float32 kernel %s %d×%d", kn.name, kn.mr, kn.nr)
	}
	if kernel32 != kernels32[len(kernels32)-1] || kernel64 != kernels64[len(kernels64)-1] {
		t.Errorf("default kernel is not the widest available")
	}
}

// TestGemmNaN checks that NaN in B reaches C through zeros in A (0*NaN = NaN), as
// in the plain loop, and that k = 0 scales C by beta.
func TestGemmNaN(t *testing.T) {
	for _, kn := range kernels32 {
		m, n, k := 7, 70, 9
		a := make([]float32, m*k)
		b := make([]float32, k*n)
		b[3*n+5] = float32(math.NaN())
		c := make([]float32, m*n)
		gemm(kn, false, false, m, n, k, 1, a, k, b, n, 0, nil, c, n)
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				if math.IsNaN(float64(c[i*n+j])) != (j == 5) {
					t.Fatalf("%s: C[%d,%d] = %g", kn.name, i, j, c[i*n+j])
				}
			}
		}
	}
	c := []float32{1, 2, float32(math.NaN()), 4}
	Gemm(false, false, 2, 2, 0, 1, nil, 0, nil, 0, 0, c, 2) // empty A and B: strides unchecked
	for _, v := range c {
		if v != 0 {
			t.Fatalf("k=0, beta=0: C = %v, want zeros", c)
		}
	}
}

type myFloat float32

// TestGemmNamedType runs Gemm on a named float type and compares with gemmRef.
func TestGemmNamedType(t *testing.T) {
	m, n, k := 13, 21, 17
	r := rand.New(rand.NewPCG(5, 6))
	a, b := make([]myFloat, m*k), make([]myFloat, k*n)
	for i := range a {
		a[i] = myFloat(r.Float64())
	}
	for i := range b {
		b[i] = myFloat(r.Float64())
	}
	got, want := make([]myFloat, m*n), make([]myFloat, m*n)
	Gemm(false, false, m, n, k, 1, a, k, b, n, 0, got, n)
	gemmRef(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
	for i := range got {
		if math.Abs(float64(got[i]-want[i])) > 1e-5 {
			t.Fatalf("C[%d] = %g, want %g", i, got[i], want[i])
		}
	}
}

func TestGemmPanics(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"short a", func() {
			Gemm(false, false, 2, 2, 2, 1, make([]float32, 3), 2, make([]float32, 4), 2, 0, make([]float32, 4), 2)
		}},
		{"small ldb", func() {
			Gemm(false, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 1, 0, make([]float32, 4), 2)
		}},
		{"short c", func() {
			Gemm(false, true, 2, 2, 2, 1, make([]float64, 4), 2, make([]float64, 4), 2, 0, make([]float64, 3), 2)
		}},
		{"negative", func() {
			Gemm(false, false, -1, 2, 2, 1, make([]float64, 4), 2, make([]float64, 4), 2, 0, make([]float64, 4), 2)
		}},
	} {
		func() {
			defer func() {
				if _, ok := recover().(*ShapeError); !ok {
					t.Errorf("%s: no *ShapeError panic", tc.name)
				}
			}()
			tc.f()
		}()
	}
}

// TestGemmPacked checks GemmPacked against gemmRef for both orientations of
// B, shapes with ragged strips and panels, several blocks of depth and width,
// beta 0 and not, on 1 and 2 threads, with guard values around C.
func TestGemmPacked(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for _, s := range []struct{ m, n, k int }{{1, 1, 1}, {32, 1024, 256}, {7, 37, 300}, {13, 600, 5}, {32, 256, 1024}, {6, 16, 0}} {
		for _, transB := range []bool{false, true} {
			for _, threads := range []int{1, 2} {
				parallel.SetThreads(threads)
				a, b := make([]float32, s.m*s.k), make([]float32, s.k*s.n)
				for i := range a {
					a[i] = float32(r.Float64()*2 - 1)
				}
				for i := range b {
					b[i] = float32(r.Float64()*2 - 1)
				}
				ldb := s.n
				if transB {
					ldb = s.k
				}
				c := make([]float32, s.m*s.n+2)
				want := make([]float32, s.m*s.n)
				for i := range want {
					c[i] = float32(i % 5)
					want[i] = c[i]
				}
				c[s.m*s.n], c[s.m*s.n+1] = guard, guard
				p := PackB(transB, s.k, s.n, b, max(ldb, 1))
				GemmPacked(s.m, 0.5, a, max(s.k, 1), p, 1, c, max(s.n, 1))
				gemmRef(false, transB, s.m, s.n, s.k, 0.5, a, max(s.k, 1), b, max(ldb, 1), 1, want, max(s.n, 1))
				for i, w := range want {
					if d := math.Abs(float64(c[i] - w)); d > 1e-4*(1+math.Abs(float64(w))) {
						t.Fatalf("%v transB=%v threads=%d: c[%d] = %g, want %g", s, transB, threads, i, c[i], w)
					}
				}
				if c[s.m*s.n] != guard || c[s.m*s.n+1] != guard {
					t.Fatalf("%v transB=%v: wrote past C", s, transB)
				}
			}
		}
	}
	parallel.SetThreads(0)
}

// TestWorkspacesGivenBackWhenIdle checks that the packing buffers kept between
// calls survive a collection that follows a call, are dropped by one that
// follows another without a call, and that collections alone give them back.
func TestWorkspacesGivenBackWhenIdle(t *testing.T) {
	const n = 40
	a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	a64, b64, c64 := make([]float64, n*n), make([]float64, n*n), make([]float64, n*n)
	gemmBoth := func() {
		Gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n)
		Gemm(false, false, n, n, n, 1, a64, n, b64, n, 0, c64, n)
	}
	// The aging rule, by calling the tick's function with collections off, once
	// the tick of the last collection has run (ticks run their functions in the
	// order they were added, so ageWorkspaces before this counter).
	var ticks atomic.Int32
	gctick.Add(func() { ticks.Add(1) })
	prev := debug.SetGCPercent(-1)
	runtime.GC()
	for ticks.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	for range 3 {
		gemmBoth()
		ageWorkspaces()
		if len(free32) == 0 || len(free64) == 0 {
			debug.SetGCPercent(prev)
			t.Fatalf("workspaces in use were dropped: %d and %d left", len(free32), len(free64))
		}
	}
	ageWorkspaces()
	if len(free32)+len(free64) > 0 {
		debug.SetGCPercent(prev)
		t.Fatalf("%d and %d workspaces kept after two ticks without a Gemm", len(free32), len(free64))
	}
	debug.SetGCPercent(prev)
	// And through real collections.
	gemmBoth()
	for i := 0; len(free32)+len(free64) > 0; i++ {
		if i == 1000 {
			t.Fatalf("%d and %d workspaces still kept after %d idle collections", len(free32), len(free64), i)
		}
		runtime.GC()
		time.Sleep(time.Millisecond) // the finalizer goroutine drops them
	}
}

// TestPackBT checks each kernel's packBT (transposed B through transpose
// blocks) against packB's plain loop, on blocks with and without ragged
// columns and depth, at offsets into a padded B.
func TestPackBT(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, kn := range kernels32 {
		if kn.packBT == nil {
			continue
		}
		for _, s := range [][4]int{{8, 8, 0, 0}, {16, 16, 3, 5}, {37, 29, 0, 1}, {64, 256, 16, 8}, {5, 7, 0, 0}, {100, 33, 7, 9}} {
			nc, kc, jc, pc := s[0], s[1], s[2], s[3]
			ldb := pc + kc + 3
			b := make([]float32, (jc+nc)*ldb)
			for i := range b {
				b[i] = float32(r.Float64())
			}
			size := roundUp(nc, kn.nr) * kc
			got, want := make([]float32, size), make([]float32, size)
			for i := range got {
				got[i] = guard // padding must be zeroed too
			}
			kn.packBT(got, b, ldb, pc, kc, jc, nc, kn.nr)
			packB(want, true, b, ldb, pc, kc, jc, nc, kn.nr)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%s nc=%d kc=%d jc=%d pc=%d: packed[%d] = %g, want %g", kn.name, nc, kc, jc, pc, i, got[i], want[i])
				}
			}
		}
	}
}

// TestPackA6T checks packA6T (assembly on amd64, the Go loop elsewhere)
// against its definition: for p < kc and s < strips, a[p*lda+s*6+r] goes to
// dst[s*6*kc+p*6+r].
func TestPackA6T(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, s := range [][3]int{{1, 1, 6}, {5, 3, 20}, {256, 24, 150}} {
		kc, strips, lda := s[0], s[1], s[2]
		a := make([]float64, (kc-1)*lda+6*strips)
		for i := range a {
			a[i] = r.Float64()
		}
		a32 := make([]float32, len(a))
		for i, v := range a {
			a32[i] = float32(v)
		}
		got, got32 := make([]float64, 6*kc*strips), make([]float32, 6*kc*strips)
		packA6T(got, a, lda, kc, strips)
		packA6T(got32, a32, lda, kc, strips)
		for p := 0; p < kc; p++ {
			for q := 0; q < 6*strips; q++ {
				i := q/6*6*kc + p*6 + q%6
				if got[i] != a[p*lda+q] || got32[i] != a32[p*lda+q] {
					t.Fatalf("kc=%d strips=%d lda=%d: step %d value %d: got %g and %g, want %g", kc, strips, lda, p, q, got[i], got32[i], a[p*lda+q])
				}
			}
		}
	}
}

// TestCopyRows checks copyRows (assembly on amd64, the Go loop elsewhere):
// rows of w bytes from a strided source to consecutive rows.
func TestCopyRows(t *testing.T) {
	const rows, w, lds = 5, 128, 200
	src := make([]byte, (rows-1)*lds+w)
	for i := range src {
		src[i] = byte(i * 7)
	}
	dst := make([]byte, rows*w+1)
	dst[rows*w] = 0xAB // guard
	copyRows(unsafe.Pointer(&dst[0]), unsafe.Pointer(&src[0]), lds, rows, w)
	for r := 0; r < rows; r++ {
		for j := 0; j < w; j++ {
			if dst[r*w+j] != src[r*lds+j] {
				t.Fatalf("row %d byte %d: %d, want %d", r, j, dst[r*w+j], src[r*lds+j])
			}
		}
	}
	if dst[rows*w] != 0xAB {
		t.Fatalf("copyRows wrote past its rows")
	}
}

// TestPickFrom checks the choice of micro-kernel by width: the narrowest
// narrow kernel that holds n, else a narrow one (within its upTo) that pads n
// less than the wide one, else the wide one.
func TestPickFrom(t *testing.T) {
	wide := &kernel[float32]{name: "w64", nr: 64}
	n16 := &kernel[float32]{name: "n16", nr: 16}
	n32 := &kernel[float32]{name: "n32", nr: 32, upTo: 256}
	narrow := []*kernel[float32]{n16, n32}
	for _, tc := range []struct {
		n    int
		want *kernel[float32]
	}{
		{1, n16}, {16, n16}, {17, n32}, {32, n32}, {33, wide}, {64, wide}, {65, n32}, {96, n32},
		{97, wide}, {128, wide}, {160, n32}, {224, n32}, {225, wide}, {256, wide}, {288, wide},
	} {
		if got := pickFrom(wide, narrow, tc.n); got != tc.want {
			t.Errorf("n=%d: picked %s, want %s", tc.n, got.name, tc.want.name)
		}
	}
	if got := pickFrom(wide, nil, 10); got != wide {
		t.Errorf("no narrow kernels: picked %s", got.name)
	}
}

// triFill writes NaN to the entries of A (as op(A) is m×k) that lie outside
// tri by at least 12 steps, which no strip of rows (at most 12) reaches, and
// zeros to the rest outside tri, and returns a copy of A with zeros for both.
func triFill[T float32 | float64](tri Tri, transA bool, m, k int, a []T, lda int) (zeroed []T) {
	zeroed = append([]T(nil), a...)
	for i := 0; i < m; i++ {
		for p := 0; p < k; p++ {
			d := p - i // > 0 outside Lower, < 0 outside Upper
			if tri == Upper {
				d = -d
			}
			if d <= 0 {
				continue
			}
			idx := i*lda + p
			if transA {
				idx = p*lda + i
			}
			a[idx], zeroed[idx] = 0, 0
			if d >= 12 {
				a[idx] = T(math.NaN())
			}
		}
	}
	return zeroed
}

// testKernelsTri checks gemmSerial with a triangular op(A) against gemmRef on
// the same A with the triangle's outside zeroed, over gemmCases' shapes (m and
// k unequal too); NaN far outside the triangle shows that the work there is
// skipped.
func testKernelsTri[T float32 | float64](t *testing.T, kernels []*kernel[T], large bool) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, kn := range kernels {
		for _, tri := range []Tri{Lower, Upper} {
			for _, tc := range gemmCases(large) {
				a, lda, b, ldb, c, ldc, off := gemmInputs[T](tc, r)
				zeroed := triFill(tri, tc.transA, tc.m, tc.k, a, lda)
				want := append([]T(nil), c...)
				gemmRef(tc.transA, tc.transB, tc.m, tc.n, tc.k, T(tc.alpha), zeroed, lda, b, ldb, T(tc.beta), want[off:], ldc)
				gemmSerial(kn, tri, tc.transA, tc.transB, tc.m, tc.n, tc.k, T(tc.alpha), a, lda, b, ldb, T(tc.beta), nil, c[off:], ldc)
				checkC(t, fmt.Sprintf("%s/tri%d", kn.name, tri), tc, c, want, ldc, off)
			}
		}
	}
}

func TestGemmTriKernels32(t *testing.T) { testKernelsTri(t, kernels32, !testing.Short()) }
func TestGemmTriKernels64(t *testing.T) { testKernelsTri(t, kernels64, !testing.Short()) }

// TestGemmTri checks the exported GemmTri on both float types: causal
// attention's shapes (64×64 by 64×32, A as stored and transposed) with NaN
// far outside the triangle, and Full, which is Gemm.
func TestGemmTri(t *testing.T) {
	testGemmTri[float32](t)
	testGemmTri[float64](t)
}

func testGemmTri[T float32 | float64](t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, tri := range []Tri{Full, Lower, Upper} {
		for _, transA := range []bool{false, true} {
			tc := gemmCase{transA: transA, m: 64, n: 32, k: 64, alpha: 0.5, beta: 0}
			a, lda, b, ldb, c, ldc, off := gemmInputs[T](tc, r)
			zeroed := a
			if tri != Full {
				zeroed = triFill(tri, transA, tc.m, tc.k, a, lda)
			}
			want := append([]T(nil), c...)
			gemmRef(transA, false, tc.m, tc.n, tc.k, T(tc.alpha), zeroed, lda, b, ldb, 0, want[off:], ldc)
			GemmTri(tri, transA, false, tc.m, tc.n, tc.k, T(tc.alpha), a, lda, b, ldb, 0, c[off:], ldc)
			checkC(t, fmt.Sprintf("GemmTri/tri%d", tri), tc, c, want, ldc, off)
		}
	}
}

// testKernelsBias checks gemm with a bias against gemmRef with beta 1 on a C
// that holds the bias in each row (torch.addmm's order), over gemmCases' shapes
// (and k = 0) on 1 and 2 threads; C holds NaN beforehand, which must not be
// read.
func testKernelsBias[T float32 | float64](t *testing.T, kernels []*kernel[T], large bool) {
	r := rand.New(rand.NewPCG(9, 10))
	cases := append(gemmCases(large), gemmCase{m: 5, n: 7, k: 0, alpha: 1})
	for _, kn := range kernels {
		for _, threads := range []int{1, 2} {
			parallel.SetThreads(threads)
			for _, tc := range cases {
				tc.beta = 0 // NaN in C
				a, lda, b, ldb, c, ldc, off := gemmInputs[T](tc, r)
				bias := make([]T, tc.n+3) // longer than n: only n are read
				for j := range bias {
					bias[j] = T(r.Float64()*2 - 1)
				}
				want := append([]T(nil), c...)
				for i := 0; i < tc.m; i++ {
					copy(want[off+i*ldc:off+i*ldc+tc.n], bias)
				}
				gemmRef(tc.transA, tc.transB, tc.m, tc.n, tc.k, T(tc.alpha), a, lda, b, ldb, 1, want[off:], ldc)
				gemm(kn, tc.transA, tc.transB, tc.m, tc.n, tc.k, T(tc.alpha), a, lda, b, ldb, 0, bias, c[off:], ldc)
				checkC(t, fmt.Sprintf("%s/bias/t%d", kn.name, threads), tc, c, want, ldc, off)
			}
		}
	}
	parallel.SetThreads(0)
}

func TestGemmBiasKernels32(t *testing.T) { testKernelsBias(t, kernels32, !testing.Short()) }
func TestGemmBiasKernels64(t *testing.T) { testKernelsBias(t, kernels64, !testing.Short()) }

// TestGemmBias checks the exported GemmBias on both float types (a nil bias is
// Gemm with beta 0) and its panic on a short bias.
func TestGemmBias(t *testing.T) {
	a := []float32{1, 2, 3, 4} // 2×2
	id := []float32{1, 0, 0, 1}
	c := []float32{9, 9, 9, 9}
	GemmBias(false, false, 2, 2, 2, 2, a, 2, id, 2, []float32{10, 20}, c, 2)
	c64 := []float64{9, 9, 9, 9}
	GemmBias(false, false, 2, 2, 2, 2, []float64{1, 2, 3, 4}, 2, []float64{1, 0, 0, 1}, 2, nil, c64, 2)
	want, want64 := []float32{12, 24, 16, 28}, []float64{2, 4, 6, 8}
	for i := range c {
		if c[i] != want[i] || c64[i] != want64[i] {
			t.Fatalf("got %v and %v, want %v and %v", c, c64, want, want64)
		}
	}
	defer func() {
		if _, ok := recover().(*ShapeError); !ok {
			t.Errorf("short bias: no *ShapeError panic")
		}
	}()
	GemmBias(false, false, 2, 2, 2, 1, a, 2, id, 2, []float32{1}, c, 2)
}

// TestSplits pins where gemm hands a product to a second goroutine: from
// minParallelFlops and minParallelK by default, from a kernel's own parFlops
// and parK where it sets them.
func TestSplits(t *testing.T) {
	def := &kernel[float32]{name: "default"}
	own := &kernel[float32]{name: "own", parFlops: 2 * 100 * 100 * 100, parK: 64}
	for _, tc := range []struct {
		kn      *kernel[float32]
		m, n, k int
		want    bool
	}{
		{def, 48, 48, 48, true}, {def, 47, 48, 48, false}, {def, 256, 256, 31, false}, {def, 256, 256, 32, true},
		{own, 64, 64, 64, false}, {own, 100, 100, 100, true}, {own, 99, 100, 100, false},
		{own, 256, 256, 63, false}, {own, 256, 256, 64, true},
	} {
		if got := tc.kn.splits(tc.m, tc.n, tc.k); got != tc.want {
			t.Errorf("%s kernel, %d×%d×%d: splits = %v, want %v", tc.kn.name, tc.m, tc.n, tc.k, got, tc.want)
		}
	}
}

// TestSplitGemmAllocatesNothing checks that products split across threads,
// through Gemm and GemmPacked, allocate nothing once warm: a training loop
// written with out= functions relies on it.
func TestSplitGemmAllocatesNothing(t *testing.T) {
	defer parallel.SetThreads(parallel.Threads())
	parallel.SetThreads(2)
	const n = 256
	a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	for i := range a {
		a[i], b[i] = float32(i%7), float32(i%5)
	}
	p := PackB(false, n, n, b, n)
	for name, f := range map[string]func(){
		"Gemm":       func() { Gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n) },
		"GemmPacked": func() { GemmPacked(n, 1, a, n, p, 0, c, n) },
	} {
		f()
		// The least of three counts: what other goroutines allocate meanwhile
		// (gctick's callbacks after a collection) is not f's.
		allocs := testing.AllocsPerRun(20, f)
		for range 2 {
			allocs = min(allocs, testing.AllocsPerRun(20, f))
		}
		if allocs != 0 {
			t.Errorf("%s: %v allocations per call, want 0", name, allocs)
		}
	}
}

// TestDeepBlocksForStoredA checks which depth of block gemm takes: kcA for a
// product deeper than kc whose A is read as stored, kc for transposed A and
// for products no deeper than kc; and that the results are right either way.
func TestDeepBlocksForStoredA(t *testing.T) {
	kn := *goKernel32
	kn.kc, kn.nc, kn.kcA, kn.ncA = 64, 32, 128, 16
	var depths []int
	fn := kn.fn
	kn.fn = func(k int, a *float32, rs, ks int, b *float32, c *float32, ldc int, alpha, beta float32, flags int, bias *float32, bs int) {
		depths = append(depths, k)
		fn(k, a, rs, ks, b, c, ldc, alpha, beta, flags, bias, bs)
	}
	defer parallel.SetThreads(0)
	parallel.SetThreads(1)
	r := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct {
		transA bool
		k      int
		want   int // the deepest block
	}{{false, 200, 100}, {true, 200, 52}, {false, 64, 64}, {false, 40, 40}} {
		c := gemmCase{transA: tc.transA, m: 13, n: 40, k: tc.k, alpha: 1, beta: 0.5}
		a, lda, b, ldb, cs, ldc, off := gemmInputs[float32](c, r)
		want := append([]float32(nil), cs...)
		gemmRef(c.transA, false, c.m, c.n, c.k, 1, a, lda, b, ldb, 0.5, want[off:], ldc)
		depths = depths[:0]
		gemm(&kn, c.transA, false, c.m, c.n, c.k, 1, a, lda, b, ldb, 0.5, nil, cs[off:], ldc)
		checkC(t, fmt.Sprintf("transA=%v k=%d", tc.transA, tc.k), c, cs, want, ldc, off)
		if got := slices.Max(depths); got != tc.want {
			t.Errorf("transA=%v k=%d: blocks up to %d deep, want %d", tc.transA, tc.k, got, tc.want)
		}
	}
}

// TestGemmSplitPieces checks how a split product is dealt out: one piece per
// thread whatever the count of units (with a grain rounded up, 171 strips on
// 2 threads made one piece), and piece p of parts writes units
// [p·units/parts, (p+1)·units/parts) of C (row strips or column panels) and
// nothing else.
func TestGemmSplitPieces(t *testing.T) {
	kn := goKernel32
	for _, tc := range []struct {
		m, n, t, units, parts int
		byCols                bool
	}{
		{171 * kn.mr, 2 * kn.nr, 2, 171, 2, false}, {9, 13 * kn.nr, 2, 13, 2, true},
		{5*kn.mr - 1, kn.nr, 3, 5, 3, false}, {2 * kn.mr, kn.nr, 4, 2, 2, false},
	} {
		if byCols, units, parts := kn.split(tc.m, tc.n, tc.t); byCols != tc.byCols || units != tc.units || parts != tc.parts {
			t.Errorf("%d×%d on %d threads: split %v, %d units, %d pieces; want %v, %d, %d", tc.m, tc.n, tc.t, byCols, units, parts, tc.byCols, tc.units, tc.parts)
		}
	}
	r := rand.New(rand.NewPCG(7, 8))
	for _, tc := range []struct {
		byCols      bool
		m, n, parts int
	}{{false, 171 * kn.mr, 8, 2}, {true, 9, 13 * kn.nr, 2}, {false, 5*kn.mr - 1, 3, 3}, {true, 4, 7*kn.nr - 2, 4}} {
		const k = 20
		c := gemmCase{m: tc.m, n: tc.n, k: k, alpha: 1}
		a, lda, b, ldb, _, ldc, _ := gemmInputs[float32](c, r)
		want := make([]float32, tc.m*ldc)
		gemmRef(false, false, tc.m, tc.n, k, 1, a, lda, b, ldb, 0, want, ldc)
		units, size, whole := (tc.m+kn.mr-1)/kn.mr, kn.mr, tc.m
		if tc.byCols {
			units, size, whole = (tc.n+kn.nr-1)/kn.nr, kn.nr, tc.n
		}
		for p := range tc.parts {
			got := make([]float32, len(want))
			for i := range got {
				got[i] = float32(math.NaN())
			}
			g := gemmSplit[float32]{kn: kn, byCols: tc.byCols, units: units, parts: tc.parts, m: tc.m, n: tc.n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb, c: got, ldc: ldc}
			g.Run(p, p+1)
			lo, hi := p*units/tc.parts*size, min((p+1)*units/tc.parts*size, whole)
			for i := range tc.m {
				for j := range tc.n {
					in := lo <= i && i < hi
					if tc.byCols {
						in = lo <= j && j < hi
					}
					v := got[i*ldc+j]
					if in && math.Abs(float64(v-want[i*ldc+j])) > 1e-4 {
						t.Fatalf("%+v piece %d: C[%d,%d] = %v, want %v", tc, p, i, j, v, want[i*ldc+j])
					}
					if !in && !math.IsNaN(float64(v)) {
						t.Fatalf("%+v piece %d: C[%d,%d] written, outside [%d, %d)", tc, p, i, j, lo, hi)
					}
				}
			}
		}
	}
}
