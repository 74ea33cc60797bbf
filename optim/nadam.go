package optim

import (
	"math"

	"github.com/gograd/gograd/tensor"
)

// NAdamOptions configures NAdam. A zero field takes PyTorch's default.
type NAdamOptions struct {
	// LR is the learning rate; 0 means the default 2e-3.
	LR float64
	// Betas are the decay rates of the moving averages of the gradient and of
	// its square; {0, 0} means the default {0.9, 0.999}.
	Betas [2]float64
	// Eps is added to the denominator; 0 means the default 1e-8.
	Eps float64
	// WeightDecay adds WeightDecay·param to the gradient. Default 0.
	WeightDecay float64
	// MomentumDecay is ψ in the momentum schedule μt = β1·(1 - ½·0.96^(t·ψ));
	// 0 means the default 4e-3.
	MomentumDecay float64
}

// NAdam is Adam with Nesterov momentum (torch.optim.NAdam, which in PyTorch
// 1.13 has no maximize option). For each parameter p with gradient g, at its
// t-th step, Step computes:
//
//	g = g + WeightDecay·p
//	μt = β1·(1 - ½·0.96^(t·ψ)); Πt = Πt-1·μt  (kept in float32, as PyTorch does)
//	m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²
//	d = √(v / (1-β2^t)) + Eps
//	p = p - LR·(1-μt)/(1-Πt)·g/d - LR·μt+1/(1-Πt·μt·μt+1)·m/d
//
// (μt appears twice in the last denominator in PyTorch 1.13; gograd follows it.)
//
// Its state dict holds each parameter's "step", "mu_product", "exp_avg" and
// "exp_avg_sq".
type NAdam struct{ base[NAdamOptions] }

var nadamKind = &kind[NAdamOptions]{
	name: "NAdam",
	defaults: func(o NAdamOptions) NAdamOptions {
		a := adamDefaults(AdamOptions{LR: o.LR, Betas: o.Betas, Eps: o.Eps}, 0)
		o.Betas, o.Eps = a.Betas, a.Eps
		if o.LR == 0 {
			o.LR = 2e-3
		}
		if o.MomentumDecay == 0 {
			o.MomentumDecay = 4e-3
		}
		return o
	},
	validate: func(op string, o NAdamOptions) {
		validateAdam(op, AdamOptions{LR: o.LR, Betas: o.Betas, Eps: o.Eps, WeightDecay: o.WeightDecay})
		if !(o.MomentumDecay >= 0) {
			fail(op, "Invalid momentum_decay value: %v", o.MomentumDecay)
		}
	},
	lr:       func(o *NAdamOptions) *float64 { return &o.LR },
	momentum: func(o *NAdamOptions) *float64 { return &o.Betas[0] },
	dict: func(o NAdamOptions) map[string]any {
		return map[string]any{"lr": o.LR, "betas": o.Betas[:], "eps": o.Eps,
			"weight_decay": o.WeightDecay, "momentum_decay": o.MomentumDecay, "foreach": nil}
	},
	undict: func(r *dictReader, o *NAdamOptions) {
		r.float("lr", &o.LR)
		r.pair("betas", &o.Betas)
		r.float("eps", &o.Eps)
		r.float("weight_decay", &o.WeightDecay)
		r.float("momentum_decay", &o.MomentumDecay)
	},
	layout: layout{required: 2, step: tensorStep, bufs: []string{"exp_avg", "exp_avg_sq"}, scalars: []string{"mu_product"}},
}

// NewNAdam returns an NAdam optimizer for params, as one parameter group, with
// PyTorch's defaults for the options left zero. It panics as NewAdam does, and
// if MomentumDecay is negative.
func NewNAdam(params []*tensor.Tensor, opts NAdamOptions) *NAdam {
	return &NAdam{newBase(nadamKind, "NewNAdam", params, opts)}
}

// Step updates each parameter that has a gradient, in place and without
// recording. It panics if a gradient's dtype differs from its parameter's.
func (a *NAdam) Step() {
	a.each("NAdam.Step", func(o *NAdamOptions, p, g *tensor.Tensor, st *paramState) {
		if !st.init {
			st.init = true
			st.zeros(p, 2)
			st.scalar[0] = 1
		}
		st.step++
		t, b1 := st.step, o.Betas[0]
		mu := b1 * (1 - 0.5*math.Pow(0.96, t*o.MomentumDecay))
		muNext := b1 * (1 - 0.5*math.Pow(0.96, (t+1)*o.MomentumDecay))
		// mu_product is a float32 tensor multiplied by Python floats, and
		// PyTorch 1.13 computes mu_product_next as mu_product·μt·μt+1 (μt twice).
		prod := float32(st.scalar[0]) * float32(mu)
		st.scalar[0] = float64(prod)
		prodNext := float64(prod * float32(mu) * float32(muNext))
		c := nadamCoef{
			bc2:   1 - math.Pow(o.Betas[1], t),
			gradC: -o.LR * (1 - mu) / (1 - float64(prod)),
			avgC:  -o.LR * muNext / (1 - prodNext),
		}
		if p.DType() == tensor.Float32 {
			nadam(p.Float32s(), g.Float32s(), st.buf[0].Float32s(), st.buf[1].Float32s(), &c, o)
		} else {
			nadam(p.Float64s(), g.Float64s(), st.buf[0].Float64s(), st.buf[1].Float64s(), &c, o)
		}
	})
}

// nadamCoef holds one NAdam step's scalars.
type nadamCoef struct {
	bc2         float64 // 1 - β2^t
	gradC, avgC float64 // the addcdiv values for g and m
}

func nadam[T float32 | float64](p, g, m, v []T, c *nadamCoef, o *NAdamOptions) {
	b1, omb1 := T(o.Betas[0]), coef[T](1-o.Betas[0])
	b2, omb2 := T(o.Betas[1]), T(1-o.Betas[1])
	eps, wd, bc2 := T(o.Eps), coef[T](o.WeightDecay), T(c.bc2)
	gradC, avgC, decay := T(c.gradC), T(c.avgC), o.WeightDecay != 0
	n := len(p)
	g, m, v = g[:n], m[:n], v[:n]
	for i := range p {
		gi := g[i]
		if decay {
			gi = fmaC(p[i], wd, gi)
		}
		m[i] = fmaC(gi, omb1, T(m[i]*b1))
		v[i] = addcmul(T(v[i]*b2), omb2, gi, gi)
		d := sqrt(T(v[i]/bc2)) + eps
		p[i] = addcdiv(p[i], gradC, gi, d)
		p[i] = addcdiv(p[i], avgC, m[i], d)
	}
}
