package optim

import (
	"math"

	"github.com/gograd/gograd/tensor"
)

// RAdamOptions configures RAdam. A zero field takes PyTorch's default.
type RAdamOptions struct {
	// LR is the learning rate; 0 means the default 1e-3.
	LR float64
	// Betas are the decay rates of the moving averages of the gradient and of
	// its square; {0, 0} means the default {0.9, 0.999}.
	Betas [2]float64
	// Eps is added to the denominator; 0 means the default 1e-8.
	Eps float64
	// WeightDecay adds WeightDecay·param to the gradient. Default 0.
	WeightDecay float64
}

// RAdam is rectified Adam (torch.optim.RAdam, which in PyTorch 1.13 has no
// maximize option). For each parameter p with gradient g, at its t-th step,
// Step computes:
//
//	g = g + WeightDecay·p
//	m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;  m̂ = m / (1-β1^t)
//	ρ∞ = 2/(1-β2) - 1;  ρt = ρ∞ - 2t·β2^t/(1-β2^t)
//	p = p - m̂·LR·(√(1-β2^t) / (√v + Eps))·r   if ρt > 5, with the rectification
//	    r = √((ρt-4)(ρt-2)ρ∞ / ((ρ∞-4)(ρ∞-2)ρt))
//	p = p - m̂·LR                               otherwise
//
// Its state dict holds each parameter's "step", "exp_avg" and "exp_avg_sq".
type RAdam struct{ base[RAdamOptions] }

var radamKind = &kind[RAdamOptions]{
	name: "RAdam",
	defaults: func(o RAdamOptions) RAdamOptions {
		a := adamDefaults(AdamOptions{LR: o.LR, Betas: o.Betas, Eps: o.Eps}, 0)
		o.LR, o.Betas, o.Eps = a.LR, a.Betas, a.Eps
		return o
	},
	validate: func(op string, o RAdamOptions) {
		validateAdam(op, AdamOptions{LR: o.LR, Betas: o.Betas, Eps: o.Eps, WeightDecay: o.WeightDecay})
	},
	lr:       func(o *RAdamOptions) *float64 { return &o.LR },
	momentum: func(o *RAdamOptions) *float64 { return &o.Betas[0] },
	dict: func(o RAdamOptions) map[string]any {
		return map[string]any{"lr": o.LR, "betas": o.Betas[:], "eps": o.Eps,
			"weight_decay": o.WeightDecay, "foreach": nil}
	},
	undict: func(r *dictReader, o *RAdamOptions) {
		r.float("lr", &o.LR)
		r.pair("betas", &o.Betas)
		r.float("eps", &o.Eps)
		r.float("weight_decay", &o.WeightDecay)
	},
	layout: layout{required: 2, step: tensorStep, bufs: []string{"exp_avg", "exp_avg_sq"}},
}

// NewRAdam returns an RAdam optimizer for params, as one parameter group, with
// PyTorch's defaults for the options left zero. It panics as NewAdam does.
func NewRAdam(params []*tensor.Tensor, opts RAdamOptions) *RAdam {
	return &RAdam{newBase(radamKind, "NewRAdam", params, opts)}
}

// Step updates each parameter that has a gradient, in place and without
// recording. It panics if a gradient's dtype differs from its parameter's.
func (a *RAdam) Step() {
	a.each("RAdam.Step", func(o *RAdamOptions, p, g *tensor.Tensor, st *paramState) {
		if !st.init {
			st.init = true
			st.zeros(p, 2)
		}
		st.step++
		t, b2 := st.step, o.Betas[1]
		c := radamCoef{bc1: 1 - math.Pow(o.Betas[0], t), bc2: 1 - math.Pow(b2, t)}
		rhoInf := 2/(1-b2) - 1
		rho := rhoInf - 2*t*math.Pow(b2, t)/c.bc2
		if rho > 5 {
			c.rect = math.Sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho))
		}
		if p.DType() == tensor.Float32 {
			radam(p.Float32s(), g.Float32s(), st.buf[0].Float32s(), st.buf[1].Float32s(), &c, o)
		} else {
			radam(p.Float64s(), g.Float64s(), st.buf[0].Float64s(), st.buf[1].Float64s(), &c, o)
		}
	})
}

// radamCoef holds one RAdam step's scalars; rect is 0 when ρt <= 5.
type radamCoef struct{ bc1, bc2, rect float64 }

func radam[T float32 | float64](p, g, m, v []T, c *radamCoef, o *RAdamOptions) {
	b1, omb1 := T(o.Betas[0]), coef[T](1-o.Betas[0])
	b2, omb2 := T(o.Betas[1]), T(1-o.Betas[1])
	eps, wd, bc1, lr := T(o.Eps), coef[T](o.WeightDecay), T(c.bc1), T(o.LR)
	bc2Sqrt, rect := T(math.Sqrt(c.bc2)), T(c.rect)
	decay, rectify := o.WeightDecay != 0, c.rect != 0
	n := len(p)
	g, m, v = g[:n], m[:n], v[:n]
	for i := range p {
		gi := g[i]
		if decay {
			gi = fmaC(p[i], wd, gi)
		}
		m[i] = fmaC(gi, omb1, T(m[i]*b1))
		v[i] = addcmul(T(v[i]*b2), omb2, gi, gi)
		u := T(T(m[i]/bc1) * lr)
		if rectify {
			// Python's float / tensor is tensor.reciprocal() * float.
			adaptive := T(T(1/(sqrt(v[i])+eps)) * bc2Sqrt)
			u = T(T(u*adaptive) * rect)
		}
		p[i] -= u
	}
}
