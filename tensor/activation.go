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
func (t *Tensor) where01(pred func(float64) bool) *Tensor { return predicate(t.Detach(), pred) }

// Gelu returns x·Φ(x), Φ the standard normal CDF (approximate "none"), or its
// tanh approximation 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) (approximate
// "tanh") (GeluBackward0). It panics on another approximate.
func (t *Tensor) Gelu(approximate string) *Tensor {
	const c = 0.044715
	k := math.Sqrt(2 / math.Pi)
	switch approximate {
	case "none":
		return t.unaryOp(usesIn, "Gelu", "GeluBackward0", func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) },
			func(g, _ *Tensor) *Tensor { // dt: grad (Φ(t) + t φ(t))
				return g.fastGrad(t, func(x float64) float64 {
					return 0.5*(1+math.Erf(x/math.Sqrt2)) + x*math.Exp(-0.5*x*x)/math.Sqrt(2*math.Pi)
				}, func() *Tensor {
					cdf := t.MulScalar(1 / math.Sqrt2).Erf().AddScalar(1).MulScalar(0.5)
					pdf := t.Mul(t).MulScalar(-0.5).Exp().MulScalar(1 / math.Sqrt(2*math.Pi))
					return g.Mul(cdf.Add(t.Mul(pdf)))
				})
			})
	case "tanh":
		return t.unaryOp(usesIn, "Gelu", "GeluBackward0", func(x float64) float64 { return 0.5 * x * (1 + math.Tanh(k*(x+c*x*x*x))) },
			func(g, _ *Tensor) *Tensor { // dt: grad (½(1 + th) + ½t(1 - th²)k(1 + 3c t²)), th = tanh(k(t + c t³))
				return g.fastGrad(t, func(x float64) float64 {
					th := math.Tanh(k * (x + c*x*x*x))
					return 0.5*(1+th) + 0.5*x*(1-th*th)*k*(1+3*c*x*x)
				}, func() *Tensor {
					th := t.Add(t.Pow(3).MulScalar(c)).MulScalar(k).Tanh()
					inner := t.Mul(t).MulScalar(3 * c).AddScalar(1).MulScalar(k)
					d := th.AddScalar(1).MulScalar(0.5).Add(t.Mul(th.Mul(th).RSubScalar(1)).Mul(inner).MulScalar(0.5))
					return g.Mul(d)
				})
			})
	}
	fail("Gelu", `approximate must be "none" or "tanh", got %q`, approximate)
	return nil
}

// Silu returns x·σ(x) (SiluBackward0).
func (t *Tensor) Silu() *Tensor {
	return t.unaryOp(usesIn, "Silu", "SiluBackward0", func(x float64) float64 { return x / (1 + math.Exp(-x)) }, func(g, _ *Tensor) *Tensor {
		return g.fastGrad(t, func(x float64) float64 { // dt: grad σ(t)(1 + t(1 - σ(t)))
			s := 1 / (1 + math.Exp(-x))
			return s * (1 + x*(1-s))
		}, func() *Tensor {
			s := t.Sigmoid()
			return g.Mul(s.Mul(t.Mul(s.RSubScalar(1)).AddScalar(1)))
		})
	})
}

// softplus is log(1 + e^x) computed without overflow.
func softplus(x float64) float64 { return max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }

// Mish returns x·tanh(softplus(x)) (MishBackward0).
func (t *Tensor) Mish() *Tensor {
	return t.unaryOp(usesIn, "Mish", "MishBackward0", func(x float64) float64 { return x * math.Tanh(softplus(x)) }, func(g, _ *Tensor) *Tensor {
		th := t.Softplus(1, 20).Tanh() // dt: grad (th + t(1 - th²)σ(t)), th = tanh(softplus(t))
		return g.Mul(th.Add(t.Mul(th.Mul(th).RSubScalar(1)).Mul(t.Sigmoid())))
	})
}

// Softplus returns log(1 + e^(beta·x))/beta, and x itself where beta·x >
// threshold (PyTorch's defaults are 1 and 20); finite for any finite input
// (SoftplusBackward0).
func (t *Tensor) Softplus(beta, threshold float64) *Tensor {
	return t.unaryOp(usesIn, "Softplus", "SoftplusBackward0", func(x float64) float64 {
		if x*beta > threshold {
			return x
		}
		return softplus(x*beta) / beta
	}, func(g, _ *Tensor) *Tensor { // dt: grad σ(beta t), grad above the threshold
		linear := t.where01(func(x float64) bool { return x*beta > threshold })
		return Where(linear, g, g.Mul(t.MulScalar(beta).Sigmoid()))
	})
}

// LeakyRelu returns x where x > 0 and slope·x elsewhere (LeakyReluBackward0).
func (t *Tensor) LeakyRelu(slope float64) *Tensor {
	return t.unaryOp(usesIn, "LeakyRelu", "LeakyReluBackward0", func(x float64) float64 {
		if x > 0 {
			return x
		}
		return slope * x
	}, func(g, _ *Tensor) *Tensor { // dt: grad where t > 0, slope grad elsewhere
		return Where(t.where01(func(x float64) bool { return x > 0 }), g, g.MulScalar(slope))
	})
}

// expLinear is ELU's family: scale·x for x > 0, scale·alpha·(e^(x/div) - 1)
// elsewhere; its gradient there is scale·alpha/div·e^(x/div), with 1/div taken
// through float32 when div is not 1 (see Celu).
func (t *Tensor) expLinear(op, name string, alpha, scale, div float64) *Tensor {
	inv := 1.0
	if div != 1 {
		inv = 1 / float64(float32(div))
	}
	return t.unaryOp(usesIn, op, name, func(x float64) float64 {
		if x > 0 {
			return scale * x
		}
		return scale * alpha * math.Expm1(x/div)
	}, func(g, _ *Tensor) *Tensor {
		pos := t.where01(func(x float64) bool { return x > 0 })
		return Where(pos, g.MulScalar(scale), g.Mul(t.MulScalar(inv).Exp()).MulScalar(scale*alpha*inv))
	})
}

// Elu returns x for x > 0 and alpha·(e^x - 1) elsewhere (EluBackward0).
func (t *Tensor) Elu(alpha float64) *Tensor { return t.expLinear("Elu", "EluBackward0", alpha, 1, 1) }

// The constants of SELU (Klambauer et al. 2017), as PyTorch's.
const (
	seluAlpha = 1.6732632423543772848170429916717
	seluScale = 1.0507009873554804934193349852946
)

// Selu returns scale·(x for x > 0, alpha·(e^x - 1) elsewhere) with SELU's fixed
// constants (EluBackward0, as PyTorch names it).
func (t *Tensor) Selu() *Tensor {
	return t.expLinear("Selu", "EluBackward0", seluAlpha, seluScale, 1)
}

// Celu returns x for x > 0 and alpha·(e^(x/alpha) - 1) elsewhere (CeluBackward0).
// Its gradient uses 1/alpha computed from alpha rounded to float32, as PyTorch
// 1.13's derivative does (1.0/alpha.toFloat()), so that the two agree to float64
// precision.
func (t *Tensor) Celu(alpha float64) *Tensor {
	return t.expLinear("Celu", "CeluBackward0", alpha, 1, alpha)
}

// Hardtanh returns x limited to [lo, hi]; the gradient passes strictly inside
// (HardtanhBackward0).
func (t *Tensor) Hardtanh(lo, hi float64) *Tensor {
	return t.unaryOp(usesIn, "Hardtanh", "HardtanhBackward0", func(x float64) float64 { return min(max(x, lo), hi) }, func(g, _ *Tensor) *Tensor {
		return Where(t.where01(func(x float64) bool { return x > lo && x < hi }), g, g.dtype.Scalar(0)) // dt: grad where lo < t < hi
	})
}

// Relu6 returns min(max(x, 0), 6): Hardtanh(0, 6), as PyTorch records it.
func (t *Tensor) Relu6() *Tensor { return t.Hardtanh(0, 6) }

// Hardsigmoid returns 0 for x <= -3, 1 for x >= 3 and x/6 + 1/2 between
// (HardsigmoidBackward0).
func (t *Tensor) Hardsigmoid() *Tensor {
	return t.unaryOp(usesIn, "Hardsigmoid", "HardsigmoidBackward0", func(x float64) float64 { return min(max(x/6+0.5, 0), 1) }, func(g, _ *Tensor) *Tensor {
		// dt: grad/6 inside, with 1/6 rounded to float32 as PyTorch's kernel has it
		return Where(t.where01(func(x float64) bool { return x > -3 && x < 3 }), g.MulScalar(float64(float32(1.0/6))), g.dtype.Scalar(0))
	})
}

// Hardswish returns x·Hardsigmoid(x) (HardswishBackward0).
func (t *Tensor) Hardswish() *Tensor {
	return t.unaryOp(usesIn, "Hardswish", "HardswishBackward0", func(x float64) float64 { return x * min(max(x+3, 0), 6) / 6 }, func(g, _ *Tensor) *Tensor {
		// dt: 0 below -3, grad (t/3 + 1/2) up to 3, grad above
		mid := Where(t.where01(func(x float64) bool { return x < -3 }), g.dtype.Scalar(0), g.Mul(t.DivScalar(3).AddScalar(0.5)))
		return Where(t.where01(func(x float64) bool { return x > 3 }), g, mid)
	})
}

// LogSigmoid returns log σ(x) = -softplus(-x), finite for any finite input
// (LogSigmoidBackward0).
func (t *Tensor) LogSigmoid() *Tensor {
	return t.unaryOp(usesIn, "LogSigmoid", "LogSigmoidBackward0", func(x float64) float64 { return -softplus(-x) }, func(g, _ *Tensor) *Tensor {
		return g.Mul(t.Neg().Sigmoid()) // dt: grad σ(-t)
	})
}

// Softsign returns x / (1 + |x|), composed as PyTorch does (DivBackward0).
func (t *Tensor) Softsign() *Tensor { return t.Div(t.Abs().AddScalar(1)) }

// Tanhshrink returns x - tanh(x), composed as PyTorch does (SubBackward0).
func (t *Tensor) Tanhshrink() *Tensor { return t.Sub(t.Tanh()) }
