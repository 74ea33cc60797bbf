package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// stepLengths: every tail and unrolled-loop remainder of both vector widths
// (up to 4 vectors of 16 lanes, plus some) and two larger lengths.
func stepLengths() []int {
	var ns []int
	for n := 0; n <= 70; n++ {
		ns = append(ns, n)
	}
	return append(ns, 1000, 4097)
}

// state returns n values for an optimizer's state or parameters: random()'s
// mix of normal values and specials, made non-negative if nonneg (a second
// moment estimate), inside a guarded window.
func state[T Float](r *rand.Rand, n int, scale float64, nonneg bool) (buf, s []T) {
	buf, s = window[T](n)
	copy(s, random[T](r, n, scale))
	if nonneg {
		for i, x := range s {
			s[i] = T(math.Abs(float64(x)))
		}
	}
	return buf, s
}

// checkSame fails unless got and want are equal bit for bit (any NaN matching
// any NaN), and got's guards are intact.
func checkSame[T Float](t *testing.T, what string, n int, gotBuf, got, want []T) {
	t.Helper()
	checkGuards(t, gotBuf)
	for i := range want {
		if !same(got[i], want[i]) {
			t.Fatalf("n=%d %s[%d] = %v, want %v", n, what, i, got[i], want[i])
		}
	}
}

// adamCoefs returns the coefficients of step t of Adam(lr, betas) as optim
// computes them, and AdamW's decay for weight decay 0.01.
func adamCoefs[T Float](t int, lr, beta1, beta2 float64, decoupled bool) AdamCoef[T] {
	bc1 := 1 - math.Pow(beta1, float64(t))
	bc2 := 1 - math.Pow(beta2, float64(t))
	return AdamCoef[T]{
		Beta1: T(beta1), OneMinusBeta1: T(1 - beta1), Beta2: T(beta2), OneMinusBeta2: T(1 - beta2),
		NegStep: T(-lr / bc1), BC2Sqrt: T(math.Sqrt(bc2)), Eps: 1e-8,
		Decoupled: decoupled, Decay: T(1 - lr*0.01),
	}
}

func testAdamStep[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	cfgs := []AdamCoef[T]{
		adamCoefs[T](1, 1e-3, 0.9, 0.999, false),
		adamCoefs[T](7, 0.1, 0.8, 0.99, false),
		adamCoefs[T](3, 1e-3, 0.9, 0.999, true),
		adamCoefs[T](50, 0.5, 0.5, 0.9, true),
	}
	for _, c := range cfgs {
		for _, n := range stepLengths() {
			g := random[T](r, n, 1)
			pb, p := state[T](r, n, 1, false)
			mb, m := state[T](r, n, 0.1, false)
			vb, v := state[T](r, n, 0.01, true)
			wp, wm, wv := clone(p), clone(m), clone(v)
			if c.Decoupled {
				adamWPlain(wp, g, wm, wv, c.Beta1, c.OneMinusBeta1, c.Beta2, c.OneMinusBeta2, c.NegStep, c.BC2Sqrt, c.Eps, c.Decay)
			} else {
				adamPlain(wp, g, wm, wv, c.Beta1, c.OneMinusBeta1, c.Beta2, c.OneMinusBeta2, c.NegStep, c.BC2Sqrt, c.Eps)
			}
			AdamStep(p, g, m, v, &c)
			checkSame(t, "m", n, mb, m, wm)
			checkSame(t, "v", n, vb, v, wv)
			checkSame(t, "p", n, pb, p, wp)
		}
	}
}

func testSGDSteps[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range stepLengths() {
		for _, decay := range []bool{false, true} {
			negLR, damp, mom, wd := T(-0.01), T(0.9), T(0.9), T(1e-4)
			g := random[T](r, n, 1)
			pb, p := state[T](r, n, 1, false)
			bb, buf := state[T](r, n, 0.1, false)
			wp, wb := clone(p), clone(buf)
			if decay {
				sgdMomentumDecayPlain(wp, g, wb, wd, damp, mom, negLR)
				SGDMomentumDecay(p, g, buf, wd, damp, mom, negLR)
			} else {
				sgdMomentumPlain(wp, g, wb, damp, mom, negLR)
				SGDMomentum(p, g, buf, damp, mom, negLR)
			}
			checkSame(t, "buf", n, bb, buf, wb)
			checkSame(t, "p", n, pb, p, wp)
		}
		g := random[T](r, n, 1)
		pb, p := state[T](r, n, 1, false)
		wp := clone(p)
		sgdPlain(wp, g, -0.3)
		SGDStep(p, g, -0.3)
		checkSame(t, "p", n, pb, p, wp)
	}
}

func clone[T Float](s []T) []T { return append([]T(nil), s...) }

// TestSteps checks every implementation of the fused optimizer steps against
// the plain loops, bit for bit.
func TestSteps(t *testing.T) {
	withImpl(t, func(t *testing.T) {
		t.Run("Adam/f32", testAdamStep[float32])
		t.Run("Adam/f64", testAdamStep[float64])
		t.Run("SGD/f32", testSGDSteps[float32])
		t.Run("SGD/f64", testSGDSteps[float64])
		t.Run("Others/f32", testOtherSteps[float32])
		t.Run("Others/f64", testOtherSteps[float64])
	})
}

// testOtherSteps checks Adagrad, RMSprop, Adadelta, ASGD, NAdam, RAdam and Adamax
// against their plain loops, with coefficients of optim's default options.
func testOtherSteps[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	mc := &MomentsCoef[T]{Beta1: 0.9, OneMinusBeta1: T(1 - 0.9), Beta2: 0.999, OneMinusBeta2: T(1 - 0.999)}
	for _, n := range stepLengths() {
		g := random[T](r, n, 1)
		pb, p := state[T](r, n, 1, false)
		ab, a := state[T](r, n, 0.1, true)
		bb, b := state[T](r, n, 0.01, true)
		check := func(what string, plain, fast func(p, a, b []T)) {
			t.Helper()
			wp, wa, wb := clone(p), clone(a), clone(b)
			plain(wp, wa, wb)
			fast(p, a, b)
			checkSame(t, what+" p", n, pb, p, wp)
			checkSame(t, what+" state", n, ab, a, wa)
			checkSame(t, what+" state2", n, bb, b, wb)
		}
		check("adagrad", func(p, a, _ []T) { adagradPlain(p, g, a, -0.01, 1e-10) },
			func(p, a, _ []T) { AdagradStep(p, g, a, -0.01, 1e-10) })
		check("rmsprop", func(p, a, _ []T) { rmspropPlain(p, g, a, 0.99, T(1-0.99), -0.01, 1e-8) },
			func(p, a, _ []T) { RMSpropStep(p, g, a, 0.99, T(1-0.99), -0.01, 1e-8) })
		check("adadelta", func(p, a, b []T) { adadeltaPlain(p, g, a, b, 0.9, T(1-0.9), 1e-6, -1) },
			func(p, a, b []T) { AdadeltaStep(p, g, a, b, 0.9, T(1-0.9), 1e-6, -1) })
		check("asgd", func(p, a, _ []T) { asgdPlain(p, g, a, T(1-1e-4*0.01), -0.01) },
			func(p, a, _ []T) { ASGDStep(p, g, a, T(1-1e-4*0.01), -0.01, 1, false) })
		check("asgdAvg", func(p, a, _ []T) { asgdAvgPlain(p, g, a, T(1-1e-4*0.01), -0.01, 0.3) },
			func(p, a, _ []T) { ASGDStep(p, g, a, T(1-1e-4*0.01), -0.01, 0.3, true) })
		check("nadam", func(p, a, b []T) {
			nadamPlain(p, g, a, b, mc.Beta1, mc.OneMinusBeta1, mc.Beta2, mc.OneMinusBeta2, 0.003, 1e-8, -0.0002, -0.05)
		}, func(p, a, b []T) { NAdamStep(p, g, a, b, mc, 0.003, 1e-8, -0.0002, -0.05) })
		check("radam", func(p, a, b []T) {
			radamPlain(p, g, a, b, mc.Beta1, mc.OneMinusBeta1, mc.Beta2, mc.OneMinusBeta2, 0.19, 1e-3)
		}, func(p, a, b []T) { RAdamStep(p, g, a, b, mc, 0.19, 1e-3, 1e-8, 0.1, 0) })
		check("adamax", func(p, a, b []T) { adamaxPlain(p, g, a, b, 0.9, T(1-0.9), 0.999, 1e-8, -0.002) },
			func(p, a, b []T) { AdamaxStep(p, g, a, b, 0.9, T(1-0.9), 0.999, 1e-8, -0.002) })
		check("radamRect", func(p, a, b []T) {
			radamRectPlain(p, g, a, b, mc.Beta1, mc.OneMinusBeta1, mc.Beta2, mc.OneMinusBeta2, 0.5, 1e-3, 1, 1e-8, 0.08, 0.7)
		}, func(p, a, b []T) { RAdamStep(p, g, a, b, mc, 0.5, 1e-3, 1e-8, 0.08, 0.7) })
	}
}

// TestMulAddRounding pins down mulAdd's rounding with values where fusing
// matters: (1+2^-23)(1-2^-23) = 1 - 2^-46 exactly, which float32 rounds to 1,
// so x*y - 1 is 0 in float32 and -2^-46 fused in float64.
func TestMulAddRounding(t *testing.T) {
	x := 1 + 0x1p-23
	y := 1 - 0x1p-23
	if got := mulAdd(float32(x), float32(y), -1); got != 0 {
		t.Errorf("float32: mulAdd = %v, want 0 (product rounded first)", got)
	}
	if got := mulAdd(x, y, -1); got != -0x1p-46 {
		t.Errorf("float64: mulAdd = %v, want -2^-46 (fused)", got)
	}
}

// TestStepsNoAllocs: the steps never allocate, at any length (optim's Step
// promises as much).
func TestStepsNoAllocs(t *testing.T) {
	n := parMin * 2
	p, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	c := AdamCoef[float32]{Beta1: 0.9, OneMinusBeta1: 0.1, Beta2: 0.999, OneMinusBeta2: 0.001, NegStep: -1e-3, BC2Sqrt: 1, Eps: 1e-8}
	if a := testing.AllocsPerRun(5, func() {
		AdamStep(p, g, m, v, &c)
		SGDStep(p, g, -0.1)
		SGDMomentum(p, g, m, 1, 0.9, -0.1)
		SGDMomentumDecay(p, g, m, 1e-4, 1, 0.9, -0.1)
	}); a != 0 {
		t.Errorf("%v allocations per run", a)
	}
}
