package vec

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/gograd/gograd/internal/parallel"
)

// Tolerances, in units in the last place of the result's type, of the
// transcendental kernels against math's float64 functions rounded to the type.
const (
	expULP32     = 2 // Cephes expf polynomial, one rounding of the 2^n scaling
	expULP64     = 2 // Taylor degree 13 + Cody-Waite reduction
	sigmoidULP32 = 3 // exp's error plus one division
	sigmoidULP64 = 3
	tanhULP32    = 4 // (1-e)/(1+e): exp's error scaled by at most 0.4, plus a division
	relTol32     = 1e-6
)

// withImpl runs f once per implementation available on this machine, and
// once per streaming-store set (which the exported functions then use at
// every length, not only from streamMin).
func withImpl(t *testing.T, f func(t *testing.T)) {
	saved := impl
	defer func() { impl = saved }()
	for _, k := range impls {
		impl = k
		t.Run(k.name, f)
		if k.stream != nil {
			impl = k.stream
			t.Run(k.stream.name, f)
		}
	}
}

// withThreads runs f under each thread count in ns.
func withThreads(t *testing.T, ns []int, f func(t *testing.T)) {
	saved := parallel.Threads()
	defer parallel.SetThreads(saved)
	for _, n := range ns {
		parallel.SetThreads(n)
		t.Run(fmt.Sprintf("threads=%d", n), f)
	}
}

// lengths: every length up to 100 (all tails of both vector widths, unrolled
// loops included) and a few large ones, the last ones above parMin so the
// parallel split runs too.
func lengths() []int {
	var ns []int
	for n := 0; n <= 100; n++ {
		ns = append(ns, n)
	}
	return append(ns, 1000, 4097, sumBlock+17, 3*sumPart+5, parMin+parBlock+13)
}

const guards = 19 // elements of sentinel on each side of dst

// window returns a dst of length n inside a buffer with sentinels around it.
func window[T Float](n int) (buf, dst []T) { return windowAt[T](n, 1) }

// windowAt is window with dst starting off elements past a 64-byte boundary:
// streaming stores run only on a dst aligned to the vector width.
func windowAt[T Float](n, off int) (buf, dst []T) {
	var z T
	size := uintptr(unsafe.Sizeof(z))
	raw := make([]T, n+2*guards+64/int(size)+off)
	i := guards
	for (uintptr(unsafe.Pointer(unsafe.SliceData(raw)))+uintptr(i)*size)%64 != 0 {
		i++
	}
	i += off
	buf = raw[i-guards : i+n+guards : i+n+guards]
	for j := range buf {
		buf[j] = sentinel[T]()
	}
	return buf, buf[guards : guards+n : guards+n]
}

func sentinel[T Float]() T { return T(-12345.6789) }

func checkGuards[T Float](t *testing.T, buf []T) {
	t.Helper()
	n := len(buf) - 2*guards
	for i := 0; i < guards; i++ {
		if buf[i] != sentinel[T]() || buf[guards+n+i] != sentinel[T]() {
			t.Fatalf("n=%d: write outside dst (guard %d)", n, i)
		}
	}
}

// random returns n values: mostly normal(0, scale), with special values mixed in.
func random[T Float](r *rand.Rand, n int, scale float64) []T {
	specials := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), 1e-40, -1e-40, 1, -1}
	a := make([]T, n)
	for i := range a {
		if r.IntN(16) == 0 {
			a[i] = T(specials[r.IntN(len(specials))])
		} else {
			a[i] = T(r.NormFloat64() * scale)
		}
	}
	return a
}

func same[T Float](x, y T) bool {
	return x == y && math.Signbit(float64(x)) == math.Signbit(float64(y)) || x != x && y != y
}

// ulps returns the distance between x and y in representable values of T
// (0 when both are NaN, huge when only one is).
func ulps[T Float](x, y T) float64 {
	if x != x || y != y {
		if x != x && y != y {
			return 0
		}
		return math.Inf(1)
	}
	if is32[T]() {
		ord := func(v float32) int64 {
			b := int64(math.Float32bits(v))
			if b < 0x80000000 {
				return b
			}
			return -(b & 0x7fffffff)
		}
		d := ord(float32(x)) - ord(float32(y))
		return math.Abs(float64(d))
	}
	ord := func(v float64) int64 {
		b := math.Float64bits(v)
		if b>>63 == 0 {
			return int64(b)
		}
		return -int64(b &^ (1 << 63))
	}
	return math.Abs(float64(ord(float64(x)) - ord(float64(y))))
}

type op[T Float] struct {
	name  string
	ref   func(dst, a, b []T) // plain loop
	fast  func(dst, a, b []T) // exported function
	scale float64             // input scale
	tol   float64             // ulps; 0 = bitwise identical to ref
}

func ops[T Float]() []op[T] {
	s := T(1.7)
	tol := func(t32, t64 float64) float64 {
		if is32[T]() {
			return t32
		}
		return t64
	}
	return []op[T]{
		{"Add", addPlain[T], Add[T], 10, 0},
		{"Sub", subPlain[T], Sub[T], 10, 0},
		{"Mul", mulPlain[T], Mul[T], 10, 0},
		{"Div", divPlain[T], Div[T], 10, 0},
		{"AddScalar", func(d, a, _ []T) { addScalarPlain(d, a, s) }, func(d, a, _ []T) { AddScalar(d, a, s) }, 10, 0},
		{"MulScalar", func(d, a, _ []T) { mulScalarPlain(d, a, s) }, func(d, a, _ []T) { MulScalar(d, a, s) }, 10, 0},
		{"SubScalarFrom", func(d, a, _ []T) { subScalarFromPlain(d, a, s) }, func(d, a, _ []T) { SubScalarFrom(d, a, s) }, 10, 0},
		{"DivScalarBy", func(d, a, _ []T) { divScalarByPlain(d, a, s) }, func(d, a, _ []T) { DivScalarBy(d, a, s) }, 10, 0},
		// Axpy reads dst: the harness copies b into dst first.
		{"Axpy", func(d, a, _ []T) { axpyPlain(d, s, a) }, func(d, a, _ []T) { Axpy(d, s, a) }, 10, 0},
		{"Relu", func(d, a, _ []T) { reluPlain(d, a) }, func(d, a, _ []T) { Relu(d, a) }, 10, 0},
		{"Log", func(d, a, _ []T) { logPlain(d, a) }, func(d, a, _ []T) { Log(d, a) }, 10, 0},
		{"Exp", func(d, a, _ []T) { expPlain(d, a) }, func(d, a, _ []T) { Exp(d, a) }, 30, tol(expULP32, expULP64)},
		{"Sigmoid", func(d, a, _ []T) { sigmoidPlain(d, a) }, func(d, a, _ []T) { Sigmoid(d, a) }, 30, tol(sigmoidULP32, sigmoidULP64)},
		{"Tanh", func(d, a, _ []T) { tanhPlain(d, a) }, func(d, a, _ []T) { Tanh(d, a) }, 3, tol(tanhULP32, 0)},
	}
}

// testOps checks every exported elementwise function against its plain loop:
// every length in lengths(), guards around dst, and dst aliasing a.
func testOps[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, o := range ops[T]() {
		t.Run(o.name, func(t *testing.T) {
			for _, n := range lengths() {
				a, b := random[T](r, n, o.scale), random[T](r, n, o.scale)
				want := append([]T(nil), b...)
				o.ref(want, a, b)
				for off := range 2 { // aligned dst, then not
					buf, dst := windowAt[T](n, off)
					copy(dst, b)
					o.fast(dst, a, b)
					checkGuards(t, buf)
					compare(t, o, n, fmt.Sprintf("dst (offset %d)", off), a, dst, want)
				}
				// dst == a
				alias := append([]T(nil), a...)
				o.fast(alias, alias, b)
				if o.name == "Axpy" {
					want2 := append([]T(nil), a...)
					o.ref(want2, want2, b)
					compare(t, o, n, "alias", a, alias, want2)
				} else {
					compare(t, o, n, "alias", a, alias, want)
				}
			}
		})
	}
}

func compare[T Float](t *testing.T, o op[T], n int, what string, a, got, want []T) {
	t.Helper()
	for i := range want {
		if o.tol == 0 && !same(got[i], want[i]) || o.tol > 0 && ulps(got[i], want[i]) > o.tol {
			t.Fatalf("n=%d %s: [%d] = %v for input %v, want %v (%v ulp)", n, what, i, got[i], a[i], want[i], ulps(got[i], want[i]))
		}
	}
}

func TestOps(t *testing.T) {
	withImpl(t, func(t *testing.T) {
		withThreads(t, []int{1, 2}, func(t *testing.T) {
			t.Run("f32", testOps[float32])
			t.Run("f64", testOps[float64])
		})
	})
}

// TestLengthMismatch: a short input panics before anything is read.
func TestLengthMismatch(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	Add(make([]float32, 10), make([]float32, 10), make([]float32, 9))
}

// ln2 to 120 digits, for the big.Float reference.
const ln2Digits = "0.693147180559945309417232121458176568075500134360255254120680009493393621969694715605863326996418687542001481020570685734"

const refPrec = 160

// expBig returns exp(x) to refPrec bits (x finite, |x| <= 1000): x = k*ln2 + r,
// exp(r) by its Taylor series, times 2^k.
func expBig(x float64) *big.Float {
	ln2, _ := new(big.Float).SetPrec(refPrec).SetString(ln2Digits)
	k := math.Round(x / math.Ln2)
	r := new(big.Float).SetPrec(refPrec).SetFloat64(x)
	r.Sub(r, new(big.Float).SetPrec(refPrec).Mul(ln2, big.NewFloat(k)))
	sum := new(big.Float).SetPrec(refPrec).SetInt64(1)
	term := new(big.Float).SetPrec(refPrec).SetInt64(1)
	for i := int64(1); i < 60; i++ {
		term.Mul(term, r)
		term.Quo(term, new(big.Float).SetInt64(i))
		sum.Add(sum, term)
		if term.Sign() == 0 || term.MantExp(nil)-sum.MantExp(nil) < -refPrec {
			break
		}
	}
	return sum.SetMantExp(sum, int(k))
}

// refExp and refSigmoid return the exactly rounded float32 and float64 results.
func refExp(x float64) (float32, float64) {
	switch {
	case math.IsNaN(x):
		return float32(x), x
	case x > 1000:
		return float32(math.Inf(1)), math.Inf(1)
	case x < -1000:
		return 0, 0
	}
	e := expBig(x)
	f32, _ := e.Float32()
	f64, _ := e.Float64()
	return f32, f64
}

func refSigmoid(x float64) (float32, float64) {
	switch {
	case math.IsNaN(x):
		return float32(x), x
	case x > 1000:
		return 1, 1
	case x < -1000:
		return 0, 0
	}
	e := expBig(-math.Abs(x))
	d := new(big.Float).SetPrec(refPrec).Add(e, big.NewFloat(1))
	num := e
	if x >= 0 {
		num = big.NewFloat(1)
	}
	q := new(big.Float).SetPrec(refPrec).Quo(num, d)
	f32, _ := q.Float32()
	f64, _ := q.Float64()
	return f32, f64
}

// refTanh rounds math.Tanh (itself within 1 ulp of float64) to float32.
func refTanh(x float64) (float32, float64) { return float32(math.Tanh(x)), math.Tanh(x) }

// sweep returns inputs covering [lo, hi] evenly plus edge values: overflow and
// underflow thresholds, subnormal-producing inputs, ±0, ±Inf, NaN.
func sweep(lo, hi float64, n int) []float64 {
	xs := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(),
		88, -88, 88.72, 88.7228, 88.73, -87.33, -87.34, -100, 100, -103.9, -103.97, -104, -110,
		709.78, 709.79, -708.4, -708.5, -745.1, -745.2, -746, 1e-30, -1e-30, 1e-45, 0.625, -0.625,
		0.62499, 0.62501, 20, -20}
	for i := 0; i <= n; i++ {
		xs = append(xs, lo+(hi-lo)*float64(i)/float64(n))
	}
	return xs
}

// TestAccuracy measures the transcendental kernels against exactly rounded
// results (math/big) over wide ranges and reports the worst error.
func TestAccuracy(t *testing.T) {
	cases := []struct {
		name         string
		f32          func(dst, a []float32)
		f64          func(dst, a []float64)
		ref          func(float64) (float32, float64)
		lo, hi       float64
		ulp32, ulp64 float64
	}{
		{"Exp", Exp[float32], Exp[float64], refExp, -800, 800, expULP32, expULP64},
		{"Exp/narrow", Exp[float32], Exp[float64], refExp, -2, 2, expULP32, expULP64},
		{"Exp/f32range", Exp[float32], Exp[float64], refExp, -110, 90, expULP32, expULP64},
		{"Sigmoid", Sigmoid[float32], Sigmoid[float64], refSigmoid, -800, 800, sigmoidULP32, sigmoidULP64},
		{"Sigmoid/narrow", Sigmoid[float32], Sigmoid[float64], refSigmoid, -10, 10, sigmoidULP32, sigmoidULP64},
		{"Tanh", Tanh[float32], Tanh[float64], refTanh, -30, 30, tanhULP32, 0},
		{"Tanh/narrow", Tanh[float32], Tanh[float64], refTanh, -1, 1, tanhULP32, 0},
		{"Tanh/tiny", Tanh[float32], Tanh[float64], refTanh, -1e-3, 1e-3, tanhULP32, 0},
	}
	for _, c := range cases {
		xs := sweep(c.lo, c.hi, 20000)
		a32 := make([]float32, len(xs))
		w32, w64 := make([]float32, len(xs)), make([]float64, len(xs))
		for i, x := range xs {
			a32[i] = float32(x)
			w32[i], _ = c.ref(float64(a32[i]))
			_, w64[i] = c.ref(x)
		}
		withImpl(t, func(t *testing.T) {
			t.Run(c.name, func(t *testing.T) {
				d32, d64 := make([]float32, len(xs)), make([]float64, len(xs))
				c.f32(d32, a32)
				c.f64(d64, xs)
				var worst32, worst64, rel32 float64
				for i, x := range xs {
					u := ulps(d32[i], w32[i])
					if u > c.ulp32 {
						t.Errorf("f32(%v) = %v, want %v (%v ulp)", a32[i], d32[i], w32[i], u)
					}
					worst32 = max(worst32, u)
					if w := float64(w32[i]); math.Abs(w) >= 0x1p-126 && math.Abs(w) <= math.MaxFloat32 {
						rel := math.Abs(float64(d32[i])-w) / math.Abs(w)
						if rel > relTol32 {
							t.Errorf("f32(%v) = %v, want %v (relative error %.3g)", a32[i], d32[i], w, rel)
						}
						rel32 = max(rel32, rel)
					}
					u = ulps(d64[i], w64[i])
					if impl == &goKernels && x > 709 && math.IsInf(d64[i], 1) {
						// math.Exp's amd64 assembly overflows from x ≈ 709.44
						// instead of 709.78 (see golang/go#14932); the pure-Go
						// kernel inherits that.
						continue
					}
					if u > c.ulp64 && !(c.ulp64 == 0 && u <= 1) {
						t.Errorf("f64(%v) = %v, want %v (%v ulp)", x, d64[i], w64[i], u)
					}
					worst64 = max(worst64, u)
				}
				t.Logf("max error: float32 %v ulp (relative %.3g), float64 %v ulp", worst32, rel32, worst64)
			})
		})
	}
	// Named values from the package documentation.
	d := make([]float32, 4)
	Sigmoid(d, []float32{-100, 100, float32(math.Inf(-1)), float32(math.NaN())})
	if d[0] < 3.7e-44 || d[0] > 3.8e-44 || d[1] != 1 || d[2] != 0 || !math.IsNaN(float64(d[3])) {
		t.Errorf("Sigmoid(-100, 100, -Inf, NaN) = %v", d)
	}
	Tanh(d, []float32{20, -20, float32(math.Copysign(0, -1)), 1e-30})
	if d[0] != 1 || d[1] != -1 || !math.Signbit(float64(d[2])) || d[2] != 0 || d[3] != 1e-30 {
		t.Errorf("Tanh(20, -20, -0, 1e-30) = %v", d)
	}
}

// TestSum checks Sum against a float64 sum with a bound proportional to the
// sum of |a[i]|, and that the result does not depend on the thread count.
func TestSum(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	withImpl(t, func(t *testing.T) {
		for _, n := range lengths() {
			a32 := make([]float32, n)
			a64 := make([]float64, n)
			var ref, abs float64
			for i := range a32 {
				a32[i] = float32(r.NormFloat64() + 0.5)
				a64[i] = float64(a32[i])
				ref += a64[i]
				abs += math.Abs(a64[i])
			}
			var got32 [2]float32
			var got64 [2]float64
			for i, th := range []int{1, 2} {
				saved := parallel.Threads()
				parallel.SetThreads(th)
				got32[i], got64[i] = Sum(a32), Sum(a64)
				parallel.SetThreads(saved)
			}
			if got32[0] != got32[1] || got64[0] != got64[1] {
				t.Fatalf("n=%d: Sum depends on threads: %v %v", n, got32, got64)
			}
			// float32: blocks of up to 64 elements per lane (64*2^-24 ~ 4e-6).
			if d := math.Abs(float64(got32[0]) - ref); d > 4e-6*abs+1e-30 {
				t.Errorf("n=%d: Sum(f32) = %v, want %v (error %.3g of sum|a|)", n, got32[0], ref, d/abs)
			}
			if d := math.Abs(got64[0] - ref); d > 1e-13*abs {
				t.Errorf("n=%d: Sum(f64) = %v, want %v", n, got64[0], ref)
			}
		}
		if s := Sum([]float32{}); s != 0 || math.Signbit(float64(s)) {
			t.Errorf("Sum(empty) = %v", s)
		}
		if s := Sum([]float64{1, math.NaN()}); !math.IsNaN(s) {
			t.Errorf("Sum(NaN) = %v", s)
		}
		if s := Sum([]float32{1, float32(math.Inf(1))}); !math.IsInf(float64(s), 1) {
			t.Errorf("Sum(Inf) = %v", s)
		}
	})
}

// TestNoAllocs: below the parallel threshold no function allocates, also
// where a kernel is called in several chunks.
func TestNoAllocs(t *testing.T) {
	const n = 3*kernelChunk + 5
	a, b, d := make([]float32, n), make([]float32, n), make([]float32, n)
	allocs := testing.AllocsPerRun(10, func() {
		Add(d, a, b)
		Exp(d, a)
		Sigmoid(d, a)
		MulScalar(d, a, 2)
		Axpy(d, 2, a)
		GeluErf32(d, a)
		MaskPositive32(d, a, b)
		_ = Sum(a)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run", allocs)
	}
}

// TestPickStreams: the exported functions write a dst of streamMin bytes or
// more with the streaming-store forms, and a smaller one with the caching ones.
func TestPickStreams(t *testing.T) {
	if impl.stream == nil {
		t.Skipf("implementation %s has no streaming forms", impl.name)
	}
	for _, c := range []struct {
		k    *kernels
		want *kernels
	}{
		{pick(make([]float32, streamMin/4)), impl.stream},
		{pick(make([]float32, streamMin/4-1)), impl},
		{pick(make([]float64, streamMin/8)), impl.stream},
		{pick(make([]float64, streamMin/8-1)), impl},
	} {
		if c.k != c.want {
			t.Errorf("pick chose %s, want %s", c.k.name, c.want.name)
		}
	}
}
