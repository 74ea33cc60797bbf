package vec

import "math"

// GeluErf32 sets dst[i] = x[i]·Φ(x[i]), the exact (erf) GELU of float32 values,
// with Φ(x) = erfc(-x/√2)/2. GeluErfGrad32 sets dst[i] = g[i]·(Φ(x[i]) +
// x[i]·φ(x[i])), its derivative times g, with φ(x) = e^(-x²/2)/√(2π). erfc comes
// from Numerical Recipes' Chebyshev fit, erfc(z) = t·exp(-z² + P(t)) with
// t = 1/(1+z/2) for z ≥ 0 (fractional error < 1.2e-7 everywhere, so within a
// few float32 ulps of the exact GELU, tails included). The plain loop is
// geluErfPlain; on amd64 with AVX-512, or AVX2+FMA, assembly kernels take
// whole vectors (AVX-512: with a masked tail, any length).
// NaN propagates.
func GeluErf32(dst, x []float32) { geluErf32(dst, x, nil) }

// GeluErfGrad32 is GeluErf32's derivative times g; see GeluErf32.
func GeluErfGrad32(dst, x, g []float32) { geluErf32(dst, x, g) }

// GeluErfWithGrad32 sets dst[i] to GeluErf32's x[i]·Φ(x[i]) and d[i] to its
// derivative Φ(x[i]) + x[i]·φ(x[i]) in one pass, which costs about what
// GeluErfGrad32 alone does: a forward pass that keeps d has the backward
// pass's work done (dx = g·d).
func GeluErfWithGrad32(dst, d, x []float32) {
	k := geluImpl
	n := len(x) - len(x)%k.multiple
	if n > 0 {
		inChunks(0, n, func(lo, hi int) { k.both(dst[lo:hi], d[lo:hi], x[lo:hi]) })
	}
	if n < len(x) {
		geluErfBothPlain(dst[n:], d[n:], x[n:])
	}
}

// geluKernels is one implementation of the GELU kernels. They take lengths
// that are multiples of multiple; the exported functions hand the rest to the
// plain loops.
type geluKernels struct {
	name     string
	multiple int
	fwd      func(dst, x []float32)
	grad     func(dst, x, g []float32)
	both     func(dst, d, x []float32)
}

// geluGo is the pure-Go implementation: the plain loops themselves.
var geluGo = geluKernels{"go", 1, func(dst, x []float32) { geluErfPlain(dst, x, nil) }, geluErfPlain, geluErfBothPlain}

// geluImpl is the implementation in use: the last (fastest) entry of
// geluImpls; tests point it at each in turn.
var geluImpl = geluImpls[len(geluImpls)-1]

// ones is the upstream gradient that makes geluErfPlain's derivative times g
// the derivative itself, 8 values at a time.
var ones = [8]float32{1, 1, 1, 1, 1, 1, 1, 1}

// geluErfBothPlain is the plain loop of GeluErfWithGrad32.
func geluErfBothPlain(dst, d, x []float32) {
	geluErfPlain(dst, x, nil)
	for lo := 0; lo < len(x); lo += len(ones) {
		hi := min(lo+len(ones), len(x))
		geluErfPlain(d[lo:hi], x[lo:hi], ones[:hi-lo])
	}
}

func geluErf32(dst, x, g []float32) {
	k := geluImpl
	n := len(x) - len(x)%k.multiple
	if n > 0 {
		if g == nil {
			inChunks(0, n, func(lo, hi int) { k.fwd(dst[lo:hi], x[lo:hi]) })
		} else {
			inChunks(0, n, func(lo, hi int) { k.grad(dst[lo:hi], x[lo:hi], g[lo:hi]) })
		}
	}
	if n < len(x) {
		var gs []float32
		if g != nil {
			gs = g[n:]
		}
		geluErfPlain(dst[n:], x[n:], gs)
	}
}

// erfcCoef holds P's coefficients, highest degree first, for
// erfc(z) = t·exp(-z² + P(t)), t = 1/(1+z/2) (Numerical Recipes, erfcc).
var erfcCoef = [...]float32{0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807,
	-0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223}

// geluErfPlain is the plain loop of GeluErf32 (g nil) and GeluErfGrad32.
func geluErfPlain(dst, x, g []float32) {
	for i, v := range x {
		z := v * math.Sqrt2 / 2
		if z < 0 {
			z = -z
		}
		t := 1 / (1 + 0.5*z)
		p := erfcCoef[0]
		for _, c := range erfcCoef[1:] {
			p = p*t + c
		}
		half := 0.5 * t * float32(math.Exp(float64(p-z*z))) // erfc(|x|/√2)/2
		cdf := half
		if v > 0 {
			cdf = 1 - half
		}
		if g == nil {
			dst[i] = v * cdf
			continue
		}
		pdf := float32(math.Exp(float64(-0.5*v*v))) * 0.3989422804014327 // 1/√(2π)
		dst[i] = g[i] * (cdf + v*pdf)
	}
}
