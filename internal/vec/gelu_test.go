package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// geluULP32 is the tolerance of GeluErf32 and GeluErfGrad32 against float64
// math, in float32 ulps: erfc's fit (fractional error < 1.2e-7, about 1 ulp)
// plus the float32 roundings of the polynomial, exp and the products. In the
// left tail the exponent -x²/2 is itself rounded to float32, an absolute error
// of about x²·2^-25 that becomes a relative error of the result: geluTail32·x²
// more is allowed there (PyTorch's float32 GELU, 0.5x(1+erf(x/√2)), loses every
// digit there to cancellation).
const (
	geluULP32  = 8
	geluTail32 = 1.2e-7
)

// geluVsPlain32 is the tolerance of the assembly kernels against the plain
// loop, in float32 ulps of max(|value|, 1): both evaluate the same erfc fit,
// the kernels with a float32 exp (Cephes, ~1 ulp) where the plain loop calls
// math.Exp, which in the left tail and where the derivative cancels (near
// x = -0.75) is an absolute difference of a few ulps of 1 (measured: 2.4e-7 for
// the value, 1.5e-7 for the derivative, AVX2 and AVX-512 alike).
const geluVsPlain32 = 4

// geluInputs covers the polynomial's range and both tails, in a length that
// leaves a ragged tail for the plain loop.
func geluInputs() []float32 {
	r := rand.New(rand.NewPCG(3, 4))
	x := []float32{0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 1, -1, 5.5, -5.5, 9, -9, 14, -14, 40, -40}
	for range 1000 {
		x = append(x, float32(r.NormFloat64()*3))
	}
	return append(x, 0.3, -0.7, 2.5) // 1017 values
}

// geluRef returns the exact GELU and its derivative in float64.
func geluRef(v float64) (y, dy float64) {
	cdf := 0.5 * math.Erfc(-v/math.Sqrt2)
	return v * cdf, cdf + v*math.Exp(-0.5*v*v)/math.Sqrt(2*math.Pi)
}

// geluClose reports whether got is within geluULP32 float32 ulps of want, plus
// the tail allowance for input x, or within an absolute 1e-37 (underflow).
func geluClose(got float32, want float64, x float32) bool {
	w := float32(math.Abs(want))
	ulp := float64(math.Nextafter32(w, float32(math.Inf(1))) - w)
	return math.Abs(float64(got)-want) <= geluULP32*ulp+geluTail32*float64(x*x)*math.Abs(want)+1e-37
}

// withGelu runs f once per GELU implementation available on this machine.
func withGelu(t *testing.T, f func(t *testing.T)) {
	saved := geluImpl
	defer func() { geluImpl = saved }()
	for _, k := range geluImpls {
		geluImpl = k
		t.Run(k.name, f)
	}
}

func TestGeluErf32(t *testing.T) {
	x := geluInputs()
	g := make([]float32, len(x))
	for i := range g {
		g[i] = float32(i%7) - 2.5
	}
	withGelu(t, func(t *testing.T) {
		// Every length up to 100 (all tails and unrolled groups) and all of x.
		for n := range 101 {
			checkGelu(t, x[:n], g[:n])
		}
		checkGelu(t, x, g)
	})
}

// TestGeluVsPlain checks every implementation's value and derivative against
// the plain loop's on a fine grid of [-20, 20] and geluInputs.
func TestGeluVsPlain(t *testing.T) {
	x := geluInputs()
	for i := -20000; i <= 20000; i++ {
		x = append(x, float32(i)/1000)
	}
	yp, dp := make([]float32, len(x)), make([]float32, len(x))
	geluErfBothPlain(yp, dp, x)
	withGelu(t, func(t *testing.T) {
		y, d := make([]float32, len(x)), make([]float32, len(x))
		GeluErfWithGrad32(y, d, x)
		for i, v := range x {
			for _, c := range [][2]float32{{y[i], yp[i]}, {d[i], dp[i]}} {
				ref := float32(max(math.Abs(float64(c[1])), 1))
				if math.Abs(float64(c[0]-c[1])) > geluVsPlain32*ulp32(ref) {
					t.Fatalf("x=%g: %g, plain loop %g", v, c[0], c[1])
				}
			}
		}
	})
}

// checkGelu checks GeluErf32, GeluErfGrad32 and GeluErfWithGrad32 on x (and
// g) against float64 math, and that they write nothing past dst's end.
func checkGelu(t *testing.T, x, g []float32) {
	t.Helper()
	const guard = float32(12345)
	y, dy := make([]float32, len(x)+2), make([]float32, len(x)+2)
	y[len(x)], y[len(x)+1], dy[len(x)], dy[len(x)+1] = guard, guard, guard, guard
	GeluErf32(y[:len(x)], x)
	GeluErfGrad32(dy[:len(x)], x, g)
	// GeluErfWithGrad32, on the same path, gives the same values in one pass.
	y2, d2 := make([]float32, len(x)+1), make([]float32, len(x)+1)
	y2[len(x)], d2[len(x)] = guard, guard
	GeluErfWithGrad32(y2[:len(x)], d2[:len(x)], x)
	if y2[len(x)] != guard || d2[len(x)] != guard {
		t.Fatalf("n=%d: GeluErfWithGrad32 wrote past the end", len(x))
	}
	for i := range x {
		if y2[i] != y[i] || d2[i]*g[i] != dy[i] {
			t.Errorf("GeluErfWithGrad32(%g) = %g, %g; GeluErf32 %g, GeluErfGrad32 / g %g", x[i], y2[i], d2[i], y[i], dy[i]/g[i])
		}
	}
	if y[len(x)] != guard || y[len(x)+1] != guard || dy[len(x)] != guard || dy[len(x)+1] != guard {
		t.Fatalf("n=%d: wrote past the end", len(x))
	}
	for i, v := range x {
		want, dwant := geluRef(float64(v))
		dwant *= float64(g[i])
		if !geluClose(y[i], want, v) {
			t.Errorf("gelu(%g) = %g, want %g", v, y[i], want)
		}
		// The derivative cancels near x = -0.75 (Φ + xφ = 0): allow an absolute
		// error of a few ulps of the larger terms.
		if !geluClose(dy[i], dwant, v) && math.Abs(float64(dy[i])-dwant) > 4e-7*math.Abs(float64(g[i])) {
			t.Errorf("gelu'(%g)·%g = %g, want %g", v, g[i], dy[i], dwant)
		}
	}
}

func TestGeluErf32NaN(t *testing.T) {
	withGelu(t, func(t *testing.T) {
		x := make([]float32, 37)
		for i := range x {
			x[i] = float32(math.NaN())
		}
		y, d := make([]float32, len(x)), make([]float32, len(x))
		GeluErf32(y, x)
		GeluErfWithGrad32(x[:17], d[:17], x[:17])
		GeluErfGrad32(x[:19], x[:19], y[:19])
		for i, v := range append(append(y, x...), d[:17]...) {
			if !math.IsNaN(float64(v)) {
				t.Fatalf("element %d: NaN in gave %g", i, v)
			}
		}
	})
}

func BenchmarkGeluErf32(b *testing.B) {
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(i%200)/25 - 4
	}
	y := make([]float32, len(x))
	b.SetBytes(int64(8 * len(x)))
	b.Run("fwd", func(b *testing.B) {
		for b.Loop() {
			GeluErf32(y, x)
		}
	})
	b.Run("grad", func(b *testing.B) {
		for b.Loop() {
			GeluErfGrad32(y, x, x)
		}
	})
	b.Run("with-grad", func(b *testing.B) {
		d := make([]float32, len(x))
		for b.Loop() {
			GeluErfWithGrad32(y, d, x)
		}
	})
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			geluErfPlain(y, x, nil)
		}
	})
	for _, k := range geluImpls[1:] {
		b.Run("with-grad-"+k.name, func(b *testing.B) {
			d := make([]float32, len(x))
			for b.Loop() {
				k.both(y, d, x)
			}
		})
	}
}
