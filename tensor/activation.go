package tensor

import "math"

// Activation functions as tensor methods, under torch.nn.functional's names.
// Each has its own node under PyTorch's grad_fn name and a derivative written
// with tensor ops, except Softsign and Tanhshrink, which PyTorch composes too.

// fastGrad returns g·d(t) elementwise in one pass when the backward pass is not
// itself being recorded, and the composed formula (differentiable again) when it
// is (CreateGraph), as Tanh's and Sigmoid's gradients do.
func (g *Tensor) fastGrad(t *Tensor, d func(float64) float64, composed func() *Tensor) *Tensor {
	if recording(g, t) {
		return composed()
	}
	gd, td := g.dense(), t.dense()
	out := empty(g.dtype, g.shape)
	if g.dtype == Float32 {
		for i, x := range td.f32 {
			out.f32[i] = float32(float64(gd.f32[i]) * d(float64(x)))
		}
	} else {
		for i, x := range td.f64 {
			out.f64[i] = gd.f64[i] * d(x)
		}
	}
	return out
}

// where01 returns the bool mask of pred over t's values (not recorded).
func (t *Tensor) where01(pred func(float64) bool) *Tensor {
	out := empty(Bool, t.shape)
	broadcastRows(t.shape, []*Tensor{t}, func(d int, o []int, n int, s []int) {
		for i := range n {
			out.i64[d+i] = bit(pred(t.atPos(o[0] + i*s[0])))
		}
	})
	return out
}

var (
	geluDef        = &opDef{name: "GeluBackward0", save: savesIn} // arg: 1 for the tanh form
	siluDef        = &opDef{name: "SiluBackward0", save: savesIn}
	mishDef        = &opDef{name: "MishBackward0", save: savesIn}
	softplusDef    = &opDef{name: "SoftplusBackward0", save: savesIn}  // params: beta, threshold
	leakyReluDef   = &opDef{name: "LeakyReluBackward0", save: savesIn} // arg: slope
	eluDef         = &opDef{name: "EluBackward0", save: savesIn}       // params: alpha, scale, 1/div
	celuDef        = &opDef{name: "CeluBackward0", save: savesIn}      // params as Elu's
	hardtanhDef    = &opDef{name: "HardtanhBackward0", save: savesIn}  // params: lo, hi
	hardsigmoidDef = &opDef{name: "HardsigmoidBackward0", save: savesIn}
	hardswishDef   = &opDef{name: "HardswishBackward0", save: savesIn}
	logSigmoidDef  = &opDef{name: "LogSigmoidBackward0", save: savesIn}
)

// The tanh form of Gelu: 0.5·x·(1 + tanh(k(x + c·x³))).
const geluC = 0.044715

var geluK = math.Sqrt(2 / math.Pi)

func init() {
	unaryGrad(geluDef, func(b bwd) *Tensor {
		t := b.in(0)
		if b.arg() == 0 { // dt: grad (Φ(t) + t φ(t))
			return b.g.fastGrad(t, func(x float64) float64 {
				return 0.5*(1+math.Erf(x/math.Sqrt2)) + x*math.Exp(-0.5*x*x)/math.Sqrt(2*math.Pi)
			}, func() *Tensor {
				cdf := t.MulScalar(1 / math.Sqrt2).Erf().AddScalar(1).MulScalar(0.5)
				pdf := t.Mul(t).MulScalar(-0.5).Exp().MulScalar(1 / math.Sqrt(2*math.Pi))
				return b.g.Mul(cdf.Add(t.Mul(pdf)))
			})
		}
		// dt: grad (½(1 + th) + ½t(1 - th²)k(1 + 3c t²)), th = tanh(k(t + c t³))
		c, k := geluC, geluK
		return b.g.fastGrad(t, func(x float64) float64 {
			th := math.Tanh(k * (x + c*x*x*x))
			return 0.5*(1+th) + 0.5*x*(1-th*th)*k*(1+3*c*x*x)
		}, func() *Tensor {
			th := t.Add(t.Pow(3).MulScalar(c)).MulScalar(k).Tanh()
			inner := t.Mul(t).MulScalar(3 * c).AddScalar(1).MulScalar(k)
			d := th.AddScalar(1).MulScalar(0.5).Add(t.Mul(th.Mul(th).RSubScalar(1)).Mul(inner).MulScalar(0.5))
			return b.g.Mul(d)
		})
	})
	unaryGrad(siluDef, func(b bwd) *Tensor {
		t := b.in(0)
		return b.g.fastGrad(t, func(x float64) float64 { // dt: grad σ(t)(1 + t(1 - σ(t)))
			s := 1 / (1 + math.Exp(-x))
			return s * (1 + x*(1-s))
		}, func() *Tensor {
			s := t.Sigmoid()
			return b.g.Mul(s.Mul(t.Mul(s.RSubScalar(1)).AddScalar(1)))
		})
	})
	unaryGrad(mishDef, func(b bwd) *Tensor {
		t := b.in(0)
		th := t.Softplus(1, 20).Tanh() // dt: grad (th + t(1 - th²)σ(t)), th = tanh(softplus(t))
		return b.g.Mul(th.Add(t.Mul(th.Mul(th).RSubScalar(1)).Mul(t.Sigmoid())))
	})
	unaryGrad(softplusDef, func(b bwd) *Tensor { // dt: grad σ(beta t), grad above the threshold
		t, p := b.in(0), b.params()
		beta, threshold := p[0], p[1]
		linear := t.where01(func(x float64) bool { return x*beta > threshold })
		return Where(linear, b.g, b.g.Mul(t.MulScalar(beta).Sigmoid()))
	})
	unaryGrad(leakyReluDef, func(b bwd) *Tensor { // dt: grad where t > 0, slope grad elsewhere
		return Where(b.in(0).where01(func(x float64) bool { return x > 0 }), b.g, b.g.MulScalar(b.arg()))
	})
	for _, d := range []*opDef{eluDef, celuDef} {
		unaryGrad(d, func(b bwd) *Tensor { // dt: scale grad for t > 0, scale alpha/div e^(t/div) grad elsewhere
			t, p := b.in(0), b.params()
			alpha, scale, inv := p[0], p[1], p[2]
			pos := t.where01(func(x float64) bool { return x > 0 })
			return Where(pos, b.g.MulScalar(scale), b.g.Mul(t.MulScalar(inv).Exp()).MulScalar(scale*alpha*inv))
		})
	}
	unaryGrad(hardtanhDef, func(b bwd) *Tensor { // dt: grad where lo < t < hi
		p := b.params()
		lo, hi := p[0], p[1]
		return Where(b.in(0).where01(func(x float64) bool { return x > lo && x < hi }), b.g, b.g.dtype.Scalar(0))
	})
	unaryGrad(hardsigmoidDef, func(b bwd) *Tensor {
		// dt: grad/6 inside, with 1/6 rounded to float32 as PyTorch's kernel has it
		return Where(b.in(0).where01(func(x float64) bool { return x > -3 && x < 3 }), b.g.MulScalar(float64(float32(1.0/6))), b.g.dtype.Scalar(0))
	})
	unaryGrad(hardswishDef, func(b bwd) *Tensor {
		// dt: 0 below -3, grad (t/3 + 1/2) up to 3, grad above
		t := b.in(0)
		mid := Where(t.where01(func(x float64) bool { return x < -3 }), b.g.dtype.Scalar(0), b.g.Mul(t.DivScalar(3).AddScalar(0.5)))
		return Where(t.where01(func(x float64) bool { return x > 3 }), b.g, mid)
	})
	unaryGrad(logSigmoidDef, func(b bwd) *Tensor { return b.g.Mul(b.in(0).Neg().Sigmoid()) }) // dt: grad σ(-t)
}

// Gelu returns x·Φ(x), Φ the standard normal CDF (approximate "none"), or its
// tanh approximation 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) (approximate
// "tanh") (GeluBackward0). It panics on another approximate.
func (t *Tensor) Gelu(approximate string) *Tensor {
	switch approximate {
	case "none":
		return t.unaryOp(geluDef, "Gelu", func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }, 0)
	case "tanh":
		c, k := geluC, geluK
		return t.unaryOp(geluDef, "Gelu", func(x float64) float64 { return 0.5 * x * (1 + math.Tanh(k*(x+c*x*x*x))) }, 1)
	}
	fail("Gelu", `approximate must be "none" or "tanh", got %q`, approximate)
	return nil
}

// Silu returns x·σ(x) (SiluBackward0).
func (t *Tensor) Silu() *Tensor {
	return t.unaryOp(siluDef, "Silu", func(x float64) float64 { return x / (1 + math.Exp(-x)) }, 0)
}

// softplus is log(1 + e^x) computed without overflow.
func softplus(x float64) float64 { return max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }

// Mish returns x·tanh(softplus(x)) (MishBackward0).
func (t *Tensor) Mish() *Tensor {
	return t.unaryOp(mishDef, "Mish", func(x float64) float64 { return x * math.Tanh(softplus(x)) }, 0)
}

// Softplus returns log(1 + e^(beta·x))/beta, and x itself where beta·x >
// threshold (PyTorch's defaults are 1 and 20); finite for any finite input
// (SoftplusBackward0).
func (t *Tensor) Softplus(beta, threshold float64) *Tensor {
	return t.unaryOp(softplusDef, "Softplus", func(x float64) float64 {
		if x*beta > threshold {
			return x
		}
		return softplus(x*beta) / beta
	}, 0, beta, threshold)
}

// LeakyRelu returns x where x > 0 and slope·x elsewhere (LeakyReluBackward0).
func (t *Tensor) LeakyRelu(slope float64) *Tensor {
	return t.unaryOp(leakyReluDef, "LeakyRelu", func(x float64) float64 {
		if x > 0 {
			return x
		}
		return slope * x
	}, slope)
}

// expLinear is ELU's family (entry d): scale·x for x > 0, scale·alpha·(e^(x/div)
// - 1) elsewhere; its gradient there is scale·alpha/div·e^(x/div), with 1/div
// taken through float32 when div is not 1 (see Celu).
func (t *Tensor) expLinear(d *opDef, op string, alpha, scale, div float64) *Tensor {
	inv := 1.0
	if div != 1 {
		inv = 1 / float64(float32(div))
	}
	return t.unaryOp(d, op, func(x float64) float64 {
		if x > 0 {
			return scale * x
		}
		return scale * alpha * math.Expm1(x/div)
	}, 0, alpha, scale, inv)
}

// Elu returns x for x > 0 and alpha·(e^x - 1) elsewhere (EluBackward0).
func (t *Tensor) Elu(alpha float64) *Tensor { return t.expLinear(eluDef, "Elu", alpha, 1, 1) }

// The constants of SELU (Klambauer et al. 2017), as PyTorch's.
const (
	seluAlpha = 1.6732632423543772848170429916717
	seluScale = 1.0507009873554804934193349852946
)

// Selu returns scale·(x for x > 0, alpha·(e^x - 1) elsewhere) with SELU's fixed
// constants (EluBackward0, as PyTorch names it).
func (t *Tensor) Selu() *Tensor { return t.expLinear(eluDef, "Selu", seluAlpha, seluScale, 1) }

// Celu returns x for x > 0 and alpha·(e^(x/alpha) - 1) elsewhere (CeluBackward0).
// Its gradient uses 1/alpha computed from alpha rounded to float32, as PyTorch
// 1.13's derivative does (1.0/alpha.toFloat()), so that the two agree to float64
// precision.
func (t *Tensor) Celu(alpha float64) *Tensor { return t.expLinear(celuDef, "Celu", alpha, 1, alpha) }

// Hardtanh returns x limited to [lo, hi]; the gradient passes strictly inside
// (HardtanhBackward0).
func (t *Tensor) Hardtanh(lo, hi float64) *Tensor {
	if nonNil("Hardtanh", t); !t.dtype.IsFloat() { // int64 for int64, as PyTorch
		t.wantNotBool("Hardtanh")
		return intMap(t, Int64, func(v int64) int64 { return int64(min(max(float64(v), lo), hi)) })
	}
	return t.unaryOp(hardtanhDef, "Hardtanh", func(x float64) float64 { return clampValue(x, lo, hi) }, 0, lo, hi)
}

// Relu6 returns min(max(x, 0), 6): Hardtanh(0, 6), as PyTorch records it.
func (t *Tensor) Relu6() *Tensor { return t.Hardtanh(0, 6) }

// Hardsigmoid returns 0 for x <= -3, 1 for x >= 3 and x/6 + 1/2 between
// (HardsigmoidBackward0).
func (t *Tensor) Hardsigmoid() *Tensor {
	return t.unaryOp(hardsigmoidDef, "Hardsigmoid", func(x float64) float64 { return min(max(x/6+0.5, 0), 1) }, 0)
}

// Hardswish returns x·Hardsigmoid(x) (HardswishBackward0).
func (t *Tensor) Hardswish() *Tensor {
	return t.unaryOp(hardswishDef, "Hardswish", func(x float64) float64 { return x * min(max(x+3, 0), 6) / 6 }, 0)
}

// LogSigmoid returns log σ(x) = -softplus(-x), finite for any finite input
// (LogSigmoidBackward0).
func (t *Tensor) LogSigmoid() *Tensor {
	return t.unaryOp(logSigmoidDef, "LogSigmoid", func(x float64) float64 { return -softplus(-x) }, 0)
}

// Softsign returns x / (1 + |x|), composed as PyTorch does (DivBackward0).
func (t *Tensor) Softsign() *Tensor { return t.Div(t.Abs().AddScalar(1)) }

// Tanhshrink returns x - tanh(x), composed as PyTorch does (SubBackward0).
func (t *Tensor) Tanhshrink() *Tensor { return t.Sub(t.Tanh()) }
