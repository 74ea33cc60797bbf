package optim

import (
	"github.com/gograd/gograd/tensor"
)

// AdadeltaOptions configures Adadelta. A zero field takes PyTorch's default.
type AdadeltaOptions struct {
	// LR scales the update; 0 means the default 1.
	LR float64
	// Rho is the decay rate of the running averages; 0 means the default 0.9.
	Rho float64
	// Eps is added inside the square roots; 0 means the default 1e-6.
	Eps float64
	// WeightDecay adds WeightDecay·param to the gradient. Default 0.
	WeightDecay float64
	// Maximize ascends the gradient instead of descending it.
	Maximize bool
}

// Adadelta is torch.optim.Adadelta. For each parameter p with gradient g, Step
// computes:
//
//	g = g (-g with Maximize) + WeightDecay·p
//	v = ρ·v + (1-ρ)·g²
//	δ = √(u + Eps) / √(v + Eps) · g
//	u = ρ·u + (1-ρ)·δ²
//	p = p - LR·δ
//
// Its state dict holds each parameter's "step", "square_avg" and "acc_delta".
type Adadelta struct{ base[AdadeltaOptions] }

var adadeltaKind = &kind[AdadeltaOptions]{
	name: "Adadelta",
	defaults: func(o AdadeltaOptions) AdadeltaOptions {
		o.LR = or(o.LR, 1)
		o.Rho = or(o.Rho, 0.9)
		o.Eps = or(o.Eps, 1e-6)
		return o
	},
	validate: func(op string, o AdadeltaOptions) {
		checkLR(op, o.LR)
		if !(o.Rho >= 0 && o.Rho <= 1) {
			fail(op, "Invalid rho value: %v", o.Rho)
		}
		checkEps(op, o.Eps)
		checkWeightDecay(op, o.WeightDecay)
	},
	lr: func(o *AdadeltaOptions) *float64 { return &o.LR },
	dict: func(o AdadeltaOptions) map[string]any {
		return map[string]any{"lr": o.LR, "rho": o.Rho, "eps": o.Eps, "weight_decay": o.WeightDecay,
			"maximize": o.Maximize, "foreach": nil}
	},
	undict: func(r *dictReader, o *AdadeltaOptions) {
		r.float("lr", &o.LR)
		r.float("rho", &o.Rho)
		r.float("eps", &o.Eps)
		r.float("weight_decay", &o.WeightDecay)
		r.bool("maximize", &o.Maximize)
	},
	layout: layout{required: 2, step: intStep, bufs: []string{"square_avg", "acc_delta"}},
}

// NewAdadelta returns an Adadelta optimizer for params, as one parameter
// group, with PyTorch's defaults for the options left zero. It panics if
// params is invalid (see NewSGD), Rho is outside [0, 1] or another option is
// negative.
func NewAdadelta(params []*tensor.Tensor, opts AdadeltaOptions) *Adadelta {
	return &Adadelta{newBase(adadeltaKind, "NewAdadelta", params, opts)}
}

// Step updates each parameter that has a gradient, in place and without
// recording. It panics if a gradient's dtype differs from its parameter's.
func (a *Adadelta) Step() {
	a.each("Adadelta.Step", func(o *AdadeltaOptions, p, g *tensor.Tensor, st *paramState) {
		if !st.init {
			st.init = true
			st.zeros(p, 2)
		}
		st.step++
		if p.DType() == tensor.Float32 {
			adadelta(p.Float32s(), g.Float32s(), st.buf[0].Float32s(), st.buf[1].Float32s(), o)
		} else {
			adadelta(p.Float64s(), g.Float64s(), st.buf[0].Float64s(), st.buf[1].Float64s(), o)
		}
	})
}

func adadelta[T float32 | float64](p, g, v, u []T, o *AdadeltaOptions) {
	rho, omr := T(o.Rho), T(1-o.Rho)
	eps, wd, negLR := T(o.Eps), coef[T](o.WeightDecay), coef[T](-o.LR)
	maximize, decay := o.Maximize, o.WeightDecay != 0
	n := len(p)
	g, v, u = g[:n], v[:n], u[:n]
	for i := range p {
		gi := signed(g[i], maximize)
		if decay {
			gi = fmaC(p[i], wd, gi)
		}
		v[i] = addcmul(T(v[i]*rho), omr, gi, gi)
		std := sqrt(v[i] + eps)
		delta := T(T(sqrt(u[i]+eps)/std) * gi)
		u[i] = addcmul(T(u[i]*rho), omr, delta, delta)
		p[i] = fmaC(delta, negLR, p[i])
	}
}
