package optim

import (
	"math"

	"github.com/gograd/gograd/tensor"
)

// ASGDOptions configures ASGD. A zero field takes PyTorch's default.
type ASGDOptions struct {
	// LR is the learning rate; 0 means the default 1e-2.
	LR float64
	// Lambd is the decay term; 0 means the default 1e-4.
	Lambd float64
	// Alpha is the power of the learning rate's decay; 0 means the default 0.75.
	Alpha float64
	// T0 is the step at which averaging starts; 0 means the default 1e6.
	T0 float64
	// WeightDecay adds WeightDecay·param to the gradient. Default 0.
	WeightDecay float64
	// Maximize ascends the gradient instead of descending it.
	Maximize bool
}

// ASGD is averaged stochastic gradient descent (torch.optim.ASGD). For each
// parameter p with gradient g, at its t-th step, Step computes, with η and μ
// kept in float32 as PyTorch keeps them (η starts at LR, μ at 1):
//
//	g = g (-g with Maximize) + WeightDecay·p
//	p = p·(1 - Lambd·η) - η·g
//	ax = ax + (p - ax)·μ  (ax = p while μ = 1)
//	η = LR / (1 + Lambd·LR·t)^Alpha;  μ = 1 / max(1, t - T0)
//
// Its state dict holds each parameter's "step", "eta", "mu" and "ax", the
// average (PyTorch's state["ax"]; Averaged returns it).
type ASGD struct{ base[ASGDOptions] }

var asgdKind = &kind[ASGDOptions]{
	name: "ASGD",
	defaults: func(o ASGDOptions) ASGDOptions {
		o.LR = or(o.LR, 1e-2)
		o.Lambd = or(o.Lambd, 1e-4)
		o.Alpha = or(o.Alpha, 0.75)
		o.T0 = or(o.T0, 1e6)
		return o
	},
	validate: func(op string, o ASGDOptions) {
		checkLR(op, o.LR)
		checkWeightDecay(op, o.WeightDecay)
	},
	lr: func(o *ASGDOptions) *float64 { return &o.LR },
	dict: func(o ASGDOptions) map[string]any {
		return map[string]any{"lr": o.LR, "lambd": o.Lambd, "alpha": o.Alpha, "t0": o.T0,
			"weight_decay": o.WeightDecay, "foreach": nil, "maximize": o.Maximize}
	},
	undict: func(r *dictReader, o *ASGDOptions) {
		r.float("lr", &o.LR)
		r.float("lambd", &o.Lambd)
		r.float("alpha", &o.Alpha)
		r.float("t0", &o.T0)
		r.float("weight_decay", &o.WeightDecay)
		r.bool("maximize", &o.Maximize)
	},
	layout: layout{required: 1, step: tensorStep, bufs: []string{"ax"}, scalars: []string{"eta", "mu"}},
}

// NewASGD returns an ASGD optimizer for params, as one parameter group, with
// PyTorch's defaults for the options left zero. It panics if params is invalid
// (see NewSGD) or LR or WeightDecay is negative.
func NewASGD(params []*tensor.Tensor, opts ASGDOptions) *ASGD {
	return &ASGD{newBase(asgdKind, "NewASGD", params, opts)}
}

// Averaged returns the running average of parameter i (counted across groups),
// nil before its first step. The tensor is the optimizer's own: Step changes it.
func (a *ASGD) Averaged(i int) *tensor.Tensor {
	k := i
	for _, g := range a.groups {
		if k >= 0 && k < len(g.params) {
			return g.state[k].buf[0]
		}
		k -= len(g.params)
	}
	fail("ASGD.Averaged", "parameter %d out of range", i)
	return nil
}

// Step updates each parameter that has a gradient, in place and without
// recording. It panics if a gradient's dtype differs from its parameter's.
func (a *ASGD) Step() {
	a.each("ASGD.Step", func(o *ASGDOptions, p, g *tensor.Tensor, st *paramState) {
		if !st.init {
			st.init = true
			st.zeros(p, 1)
			st.scalar = [2]float64{float64(float32(o.LR)), 1}
		}
		st.step++
		eta, mu := st.scalar[0], st.scalar[1]
		if p.DType() == tensor.Float32 {
			asgd(p.Float32s(), g.Float32s(), st.buf[0].Float32s(), eta, mu, o)
		} else {
			asgd(p.Float64s(), g.Float64s(), st.buf[0].Float64s(), eta, mu, o)
		}
		t := st.step
		st.scalar[0] = float64(float32(o.LR / math.Pow(1+o.Lambd*o.LR*t, o.Alpha)))
		st.scalar[1] = float64(float32(1 / max(1, t-o.T0)))
	})
}

func asgd[T float32 | float64](p, g, ax []T, eta, mu float64, o *ASGDOptions) {
	decay, negEta, wd := T(1-o.Lambd*eta), coef[T](-eta), coef[T](o.WeightDecay)
	maximize, weightDecay, average, muT := o.Maximize, o.WeightDecay != 0, mu != 1, T(mu)
	n := len(p)
	g, ax = g[:n], ax[:n]
	for i := range p {
		gi := signed(g[i], maximize)
		if weightDecay {
			gi = fmaC(p[i], wd, gi)
		}
		p[i] = fmaC(gi, negEta, T(p[i]*decay))
		if average {
			ax[i] += T((p[i] - ax[i]) * muT)
		} else {
			ax[i] = p[i]
		}
	}
}
