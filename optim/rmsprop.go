package optim

import (
	"github.com/gograd/gograd/internal/vec"
	"github.com/gograd/gograd/tensor"
)

// RMSpropOptions configures RMSprop. A zero field takes PyTorch's default.
type RMSpropOptions struct {
	// LR is the learning rate; 0 means the default 1e-2.
	LR float64
	// Alpha is the smoothing constant of the squared-gradient average; 0 means
	// the default 0.99.
	Alpha float64
	// Eps is added to the denominator; 0 means the default 1e-8.
	Eps float64
	// WeightDecay adds WeightDecay·param to the gradient. Default 0.
	WeightDecay float64
	// Momentum is the momentum factor. Default 0.
	Momentum float64
	// Centered normalizes by an estimate of the gradient's variance.
	Centered bool
	// Maximize ascends the gradient instead of descending it.
	Maximize bool
	// Differentiable records the step for autograd (PyTorch's
	// differentiable): see the package doc, "Differentiable steps".
	Differentiable bool
}

// RMSprop is torch.optim.RMSprop. For each parameter p with gradient g, Step
// computes:
//
//	g = g (-g with Maximize) + WeightDecay·p
//	v = α·v + (1-α)·g²
//	ḡ = α·ḡ + (1-α)·g;  d = √(v - ḡ²) + Eps   (Centered)
//	d = √v + Eps                              (otherwise)
//	b = Momentum·b + g/d;  p = p - LR·b      (Momentum > 0)
//	p = p - LR·g/d                           (otherwise)
//
// Its state dict holds each parameter's "step", "square_avg" and, when
// created with them, "momentum_buffer" and "grad_avg".
type RMSprop struct{ base[RMSpropOptions] }

var rmspropKind = &kind[RMSpropOptions]{
	name: "RMSprop",
	defaults: func(o RMSpropOptions) RMSpropOptions {
		o.LR = or(o.LR, 1e-2)
		o.Alpha = or(o.Alpha, 0.99)
		o.Eps = or(o.Eps, 1e-8)
		return o
	},
	validate: func(op string, o RMSpropOptions) {
		checkLR(op, o.LR)
		checkEps(op, o.Eps)
		if !(o.Momentum >= 0) {
			fail(op, "Invalid momentum value: %v", o.Momentum)
		}
		checkWeightDecay(op, o.WeightDecay)
		if !(o.Alpha >= 0) {
			fail(op, "Invalid alpha value: %v", o.Alpha)
		}
	},
	lr:       func(o *RMSpropOptions) *float64 { return &o.LR },
	momentum: func(o *RMSpropOptions) *float64 { return &o.Momentum },
	dict: func(o RMSpropOptions) map[string]any {
		return map[string]any{"lr": o.LR, "momentum": o.Momentum, "alpha": o.Alpha, "eps": o.Eps,
			"centered": o.Centered, "weight_decay": o.WeightDecay, "foreach": nil,
			"maximize": o.Maximize, "differentiable": o.Differentiable}
	},
	undict: func(r *dictReader, o *RMSpropOptions) {
		r.float("lr", &o.LR)
		r.float("momentum", &o.Momentum)
		r.float("alpha", &o.Alpha)
		r.float("eps", &o.Eps)
		r.bool("centered", &o.Centered)
		r.float("weight_decay", &o.WeightDecay)
		r.bool("maximize", &o.Maximize)
		r.optBool("differentiable", &o.Differentiable)
	},
	layout:         layout{required: 1, step: intStep, bufs: []string{"square_avg", "momentum_buffer", "grad_avg"}},
	differentiable: func(o RMSpropOptions) bool { return o.Differentiable },
}

// or returns v, or def when v is zero.
func or(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// NewRMSprop returns an RMSprop optimizer for params, as one parameter group,
// with PyTorch's defaults for the options left zero. It panics if params is
// invalid (see NewSGD) or LR, Eps, Momentum, WeightDecay or Alpha is negative.
func NewRMSprop(params []*tensor.Tensor, opts RMSpropOptions) *RMSprop {
	return &RMSprop{newBase(rmspropKind, "NewRMSprop", params, opts)}
}

// Step updates each parameter that has a gradient, in place and without
// recording (recording, for a group with Differentiable). It panics if a
// gradient's dtype differs from its parameter's.
func (r *RMSprop) Step() {
	r.each("RMSprop.Step", func(o *RMSpropOptions, p, g *tensor.Tensor, st *paramState) {
		if !st.init {
			st.init = true
			st.buf[0] = tensor.ZerosLike(p)
		}
		// Buffers are made when first needed: at the first step, or when
		// Momentum or Centered is turned on later (where PyTorch fails).
		if o.Momentum > 0 && st.buf[1] == nil {
			st.buf[1] = tensor.ZerosLike(p)
		}
		if o.Centered && st.buf[2] == nil {
			st.buf[2] = tensor.ZerosLike(p)
		}
		st.step++
		if o.Differentiable {
			tensor.EnableGrad(func() { rmspropRecorded(p, g, st, o) })
			return
		}
		if p.DType() == tensor.Float32 {
			rmsprop(p.Float32s(), g.Float32s(), st.buf[0].Float32s(), f32s(st.buf[1]), f32s(st.buf[2]), o)
		} else {
			rmsprop(p.Float64s(), g.Float64s(), st.buf[0].Float64s(), f64s(st.buf[1]), f64s(st.buf[2]), o)
		}
	})
}

func rmsprop[T float32 | float64](p, g, v, buf, gavg []T, o *RMSpropOptions) {
	alpha, oma := T(o.Alpha), T(1-o.Alpha)
	eps, wd, mom, negLR := T(o.Eps), coef[T](o.WeightDecay), T(o.Momentum), coef[T](-o.LR)
	negLRT, maximize, decay := T(-o.LR), o.Maximize, o.WeightDecay != 0
	centered, momentum := o.Centered, o.Momentum > 0
	if !forceLoop && !maximize && !decay && !centered && !momentum {
		vec.RMSpropStep(p, g, v, alpha, oma, negLRT, eps) // this loop's bits (fast_test.go)
		return
	}
	n := len(p)
	g, v = g[:n], v[:n]
	for i := range p {
		gi := signed(g[i], maximize)
		if decay {
			gi = fmaC(p[i], wd, gi)
		}
		v[i] = addcmul(T(v[i]*alpha), oma, gi, gi)
		var d T
		if centered {
			gavg[i] = fmaC(gi, float64(oma), T(gavg[i]*alpha))
			d = sqrt(addcmul(v[i], -1, gavg[i], gavg[i]))
		} else {
			d = sqrt(v[i])
		}
		d += eps
		if momentum {
			buf[i] = addcdiv(T(buf[i]*mom), 1, gi, d)
			p[i] = fmaC(buf[i], negLR, p[i])
		} else {
			p[i] = addcdiv(p[i], negLRT, gi, d)
		}
	}
}
