package optim

import (
	"math"

	"github.com/gograd/gograd/internal/vec"
	"github.com/gograd/gograd/tensor"
)

// AdamaxOptions configures Adamax. A zero field takes PyTorch's default.
type AdamaxOptions struct {
	// LR is the learning rate; 0 means the default 2e-3.
	LR float64
	// Betas are the decay rates of the moving average of the gradient and of
	// the infinity norm; {0, 0} means the default {0.9, 0.999}.
	Betas [2]float64
	// Eps is added to |g| in the infinity norm; 0 means the default 1e-8.
	Eps float64
	// WeightDecay adds WeightDecay·param to the gradient. Default 0.
	WeightDecay float64
	// Maximize ascends the gradient instead of descending it.
	Maximize bool
}

// Adamax is Adam with the infinity norm (torch.optim.Adamax). For each
// parameter p with gradient g, at its t-th step, Step computes:
//
//	g = g (-g with Maximize) + WeightDecay·p
//	m = β1·m + (1-β1)·g
//	u = max(β2·u, |g| + Eps)
//	p = p - (LR / (1-β1^t))·m / u
//
// Its state dict holds each parameter's "step", "exp_avg" and "exp_inf".
type Adamax struct{ base[AdamaxOptions] }

var adamaxKind = &kind[AdamaxOptions]{
	name: "Adamax",
	defaults: func(o AdamaxOptions) AdamaxOptions {
		a := adamDefaults(AdamOptions{LR: o.LR, Betas: o.Betas, Eps: o.Eps}, 0)
		o.Betas, o.Eps = a.Betas, a.Eps
		if o.LR == 0 {
			o.LR = 2e-3
		}
		return o
	},
	validate: func(op string, o AdamaxOptions) {
		validateAdam(op, AdamOptions{LR: o.LR, Betas: o.Betas, Eps: o.Eps, WeightDecay: o.WeightDecay})
	},
	lr:       func(o *AdamaxOptions) *float64 { return &o.LR },
	momentum: func(o *AdamaxOptions) *float64 { return &o.Betas[0] },
	dict: func(o AdamaxOptions) map[string]any {
		return map[string]any{"lr": o.LR, "betas": o.Betas[:], "eps": o.Eps,
			"weight_decay": o.WeightDecay, "foreach": nil, "maximize": o.Maximize}
	},
	undict: func(r *dictReader, o *AdamaxOptions) {
		r.float("lr", &o.LR)
		r.pair("betas", &o.Betas)
		r.float("eps", &o.Eps)
		r.float("weight_decay", &o.WeightDecay)
		r.bool("maximize", &o.Maximize)
	},
	layout: layout{required: 2, step: tensorStep, bufs: []string{"exp_avg", "exp_inf"}},
}

// NewAdamax returns an Adamax optimizer for params, as one parameter group,
// with PyTorch's defaults for the options left zero. It panics as NewAdam does.
func NewAdamax(params []*tensor.Tensor, opts AdamaxOptions) *Adamax {
	return &Adamax{newBase(adamaxKind, "NewAdamax", params, opts)}
}

// Step updates each parameter that has a gradient, in place and without
// recording. It panics if a gradient's dtype differs from its parameter's.
func (a *Adamax) Step() {
	a.each("Adamax.Step", func(o *AdamaxOptions, p, g *tensor.Tensor, st *paramState) {
		if !st.init {
			st.init = true
			st.zeros(p, 2)
		}
		st.step++
		clr := o.LR / (1 - math.Pow(o.Betas[0], st.step))
		if p.DType() == tensor.Float32 {
			adamax(p.Float32s(), g.Float32s(), st.buf[0].Float32s(), st.buf[1].Float32s(), clr, o)
		} else {
			adamax(p.Float64s(), g.Float64s(), st.buf[0].Float64s(), st.buf[1].Float64s(), clr, o)
		}
	})
}

// adamax applies one Adamax step with step size clr = LR/(1-β1^t), rounding
// as torch's single-tensor implementation does.
func adamax[T float32 | float64](p, g, m, u []T, clr float64, o *AdamaxOptions) {
	b1, omb1 := T(o.Betas[0]), coef[T](1-o.Betas[0])
	b2, eps, wd := T(o.Betas[1]), T(o.Eps), coef[T](o.WeightDecay)
	negCLR, maximize, decay := T(-clr), o.Maximize, o.WeightDecay != 0
	if !forceLoop && !maximize && !decay {
		vec.AdamaxStep(p, g, m, u, b1, T(omb1), b2, eps, negCLR) // this loop's bits (fast_test.go)
		return
	}
	n := len(p)
	g, m, u = g[:n], m[:n], u[:n]
	for i := range p {
		gi := signed(g[i], maximize)
		if decay {
			gi = fmaC(p[i], wd, gi)
		}
		m[i] = fmaC(gi, omb1, T(m[i]*b1))
		u[i] = max(T(u[i]*b2), T(abs(gi)+eps))
		p[i] = addcdiv(p[i], negCLR, m[i], u[i])
	}
}

// abs returns |x|.
func abs[T float32 | float64](x T) T { return T(math.Abs(float64(x))) }
