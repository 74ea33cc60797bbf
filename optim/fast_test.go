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
	t.Run("Others/float32", testOthersFast[float32])
	t.Run("Others/float64", testOthersFast[float64])
}

// testOthersFast runs Adagrad, RMSprop, Adadelta, ASGD, NAdam, RAdam and
// Adamax's default configurations through vec's kernels and through their
// general loops (forceLoop) on the same data.
func testOthersFast[T float32 | float64](t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	clone := func(s []T) []T { return append([]T(nil), s...) }
	for _, n := range fastLengths {
		g := randomSlice[T](r, n, 1, false)
		p := randomSlice[T](r, n, 1, false)
		a := randomSlice[T](r, n, 0.1, true)
		b := randomSlice[T](r, n, 0.01, true)
		for _, c := range []struct {
			name string
			step func(p, a, b []T)
		}{
			{"Adagrad", func(p, a, _ []T) { adagrad(p, g, a, 0.01/1.5, &AdagradOptions{LR: 0.01, Eps: 1e-10}) }},
			{"RMSprop", func(p, a, _ []T) { rmsprop(p, g, a, nil, nil, &RMSpropOptions{LR: 0.01, Alpha: 0.99, Eps: 1e-8}) }},
			{"Adadelta", func(p, a, b []T) { adadelta(p, g, a, b, &AdadeltaOptions{LR: 1, Rho: 0.9, Eps: 1e-6}) }},
			{"Adamax", func(p, a, b []T) {
				adamax(p, g, a, b, 0.002/0.19, &AdamaxOptions{LR: 0.002, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8})
			}},
			{"ASGD", func(p, a, _ []T) { asgd(p, g, a, 0.01, 1, &ASGDOptions{LR: 0.01, Lambd: 1e-4}) }},
			{"ASGD/averaging", func(p, a, _ []T) { asgd(p, g, a, 0.009, 0.25, &ASGDOptions{LR: 0.01, Lambd: 1e-4}) }},
			{"NAdam", func(p, a, b []T) {
				nadam(p, g, a, b, &nadamCoef{bc2: 0.003, gradC: -2e-4, avgC: -0.05}, &NAdamOptions{LR: 2e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8})
			}},
			{"RAdam", func(p, a, b []T) {
				radam(p, g, a, b, &radamCoef{bc1: 0.19, bc2: 0.002}, &RAdamOptions{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8})
			}},
			{"RAdam/rectified", func(p, a, b []T) {
				radam(p, g, a, b, &radamCoef{bc1: 0.5, bc2: 0.006, rect: 0.7}, &RAdamOptions{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8})
			}},
		} {
			t.Run(fmt.Sprintf("%s/%d", c.name, n), func(t *testing.T) {
				fp, fa, fb := clone(p), clone(a), clone(b)
				c.step(fp, fa, fb)
				wp, wa, wb := clone(p), clone(a), clone(b)
				forceLoop = true
				defer func() { forceLoop = false }()
				c.step(wp, wa, wb)
				sameBits(t, "p", fp, wp)
				sameBits(t, "state", fa, wa)
				sameBits(t, "state2", fb, wb)
			})
		}
	}
}

// rpropBranches is rprop as first written, branching on each sign; rprop
// picks factors and signs from tables instead and must give its bits.
func rpropBranches[T float32 | float64](p, g, prev, size []T, o *RpropOptions) {
	etaMinus, etaPlus := T(o.Etas[0]), T(o.Etas[1])
	lo, hi := T(o.StepSizes[0]), T(o.StepSizes[1])
	for i := range p {
		gi := signed(g[i], o.Maximize)
		var factor T = 1
		switch s := gi * prev[i]; {
		case s > 0:
			factor = etaPlus
		case s < 0:
			factor = etaMinus
			gi = 0
		case s != s:
			factor = s
		}
		x := size[i] * factor
		if x == x {
			x = min(max(x, lo), hi)
		}
		size[i] = x
		var sign T
		switch {
		case gi > 0:
			sign = 1
		case gi < 0:
			sign = -1
		}
		p[i] = fma(-sign, size[i], p[i])
		prev[i] = gi
	}
}

func testRpropTables[T float32 | float64](t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for _, o := range []RpropOptions{
		{Etas: [2]float64{0.5, 1.2}, StepSizes: [2]float64{1e-6, 50}},
		{Etas: [2]float64{0.3, 1.7}, StepSizes: [2]float64{1e-3, 0.5}, Maximize: true},
	} {
		for _, n := range fastLengths {
			g := randomSlice[T](r, n, 1, false)
			p := randomSlice[T](r, n, 1, false)
			prev := randomSlice[T](r, n, 1, false)
			size := randomSlice[T](r, n, 0.1, true)
			for i := range prev[:n/2] { // the signs kept and flipped
				prev[i] = g[i] * T(r.IntN(3)-1)
			}
			wp, wprev, wsize := append([]T(nil), p...), append([]T(nil), prev...), append([]T(nil), size...)
			for range 3 {
				rprop(p, g, prev, size, &o)
				rpropBranches(wp, g, wprev, wsize, &o)
			}
			sameBits(t, "p", p, wp)
			sameBits(t, "prev", prev, wprev)
			sameBits(t, "size", size, wsize)
		}
	}
}

func TestRpropTables(t *testing.T) {
	t.Run("f32", testRpropTables[float32])
	t.Run("f64", testRpropTables[float64])
}
