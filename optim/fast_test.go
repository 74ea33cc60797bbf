package optim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The fast paths of sgd and adamUpdate (vec's fused kernels) must give the
// general loops' bits in every configuration they take. These tests run both on
// the same random data, with zeros, infinities and NaNs mixed in, at lengths
// that cover every vector tail.

var fastLengths = []int{0, 1, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 1000, 4097}

func randomSlice[T float32 | float64](r *rand.Rand, n int, scale float64, nonneg bool) []T {
	specials := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), 1e-40}
	s := make([]T, n)
	for i := range s {
		x := r.NormFloat64() * scale
		if r.IntN(20) == 0 {
			x = specials[r.IntN(len(specials))]
		}
		if nonneg {
			x = math.Abs(x)
		}
		s[i] = T(x)
	}
	return s
}

func sameBits[T float32 | float64](t *testing.T, what string, got, want []T) {
	t.Helper()
	for i := range want {
		g, w := float64(got[i]), float64(want[i])
		if !(g == w && math.Signbit(g) == math.Signbit(w) || g != g && w != w) {
			t.Fatalf("%s[%d] = %v, general loop gives %v", what, i, got[i], want[i])
		}
	}
}

func testSGDFast[T float32 | float64](t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, o := range []SGDOptions{
		{LR: 0.01},
		{LR: 0.1, Momentum: 0.9},
		{LR: 0.01, Momentum: 0.9, Dampening: 0.1},
		{LR: 0.01, Momentum: 0.9, WeightDecay: 1e-4},
		{LR: 0.3, Momentum: 0.5, Dampening: 0.5, WeightDecay: 0.1},
	} {
		for _, n := range fastLengths {
			t.Run(fmt.Sprintf("%+v/%d", o, n), func(t *testing.T) {
				g := randomSlice[T](r, n, 1, false)
				p := randomSlice[T](r, n, 1, false)
				var buf []T
				if o.Momentum != 0 {
					buf = randomSlice[T](r, n, 0.1, false)
				}
				wp, wbuf := append([]T(nil), p...), append([]T(nil), buf...)
				if buf == nil {
					wbuf = nil
				}
				sgd(p, g, buf, false, &o)
				sgdLoop(wp, g, wbuf, false, &o)
				sameBits(t, "p", p, wp)
				sameBits(t, "buf", buf, wbuf)
			})
		}
	}
}

func testAdamFast[T float32 | float64](t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for _, c := range []adamCoef{
		{beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize: 1e-3 / 0.1, bc2Sqrt: math.Sqrt(0.001)},
		{beta1: 0.8, beta2: 0.99, eps: 1e-6, stepSize: 0.05, bc2Sqrt: 0.7},
		{beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize: 1e-3, bc2Sqrt: 0.2, decoupled: true, decay: 1 - 1e-3*0.01},
		{beta1: 0.5, beta2: 0.9, eps: 1e-8, stepSize: 0.1, bc2Sqrt: 0.9, decoupled: true, decay: 0.9},
	} {
		for _, n := range fastLengths {
			t.Run(fmt.Sprintf("%+v/%d", c, n), func(t *testing.T) {
				g := randomSlice[T](r, n, 1, false)
				p := randomSlice[T](r, n, 1, false)
				m := randomSlice[T](r, n, 0.1, false)
				v := randomSlice[T](r, n, 0.01, true)
				wp, wm, wv := append([]T(nil), p...), append([]T(nil), m...), append([]T(nil), v...)
				adamUpdate(p, g, m, v, nil, &c)
				adamLoop(wp, g, wm, wv, nil, &c)
				sameBits(t, "m", m, wm)
				sameBits(t, "v", v, wv)
				sameBits(t, "p", p, wp)
			})
		}
	}
}

func TestFastPathsMatchLoops(t *testing.T) {
	t.Run("SGD/float32", testSGDFast[float32])
	t.Run("SGD/float64", testSGDFast[float64])
	t.Run("Adam/float32", testAdamFast[float32])
	t.Run("Adam/float64", testAdamFast[float64])
}
