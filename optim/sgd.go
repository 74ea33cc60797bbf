package optim

import (
	"github.com/gograd/gograd/internal/vec"
	"github.com/gograd/gograd/tensor"
)

// SGDOptions configures SGD. The zero value of each field but LR is PyTorch's
// default.
type SGDOptions struct {
	// LR is the learning rate. It has no default, as in PyTorch (where lr is
	// required): NewSGD panics if it is zero.
	LR float64
	// Momentum is the momentum factor; 0 is plain gradient descent.
	Momentum float64
	// Dampening scales the gradient added to the momentum buffer by 1-Dampening.
	Dampening float64
	// WeightDecay adds WeightDecay·param to the gradient (an L2 penalty).
	WeightDecay float64
	// Nesterov uses Nesterov momentum; it needs Momentum > 0 and Dampening == 0.
	Nesterov bool
	// Maximize ascends the gradient instead of descending it.
	Maximize bool
	// Differentiable records the step for autograd (PyTorch's
	// differentiable): see the package doc, "Differentiable steps".
	Differentiable bool
}

// SGD is stochastic gradient descent with optional momentum, dampening, Nesterov
// momentum and weight decay (torch.optim.SGD). For each parameter p with gradient
// g, Step computes, as PyTorch 1.13 does, with its group's options:
//
//	d = g (-g with Maximize) + WeightDecay·p
//	buf = d at the parameter's first step, else Momentum·buf + (1-Dampening)·d
//	d = d + Momentum·buf with Nesterov, else buf      (when Momentum != 0)
//	p = p - LR·d
//
// Its state dict holds each parameter's "momentum_buffer" (nil without momentum).
type SGD struct{ base[SGDOptions] }

var sgdKind = &kind[SGDOptions]{
	name:     "SGD",
	defaults: func(o SGDOptions) SGDOptions { return o },
	validate: func(op string, o SGDOptions) {
		checkLR(op, o.LR)
		if !(o.Momentum >= 0) {
			fail(op, "Invalid momentum value: %v", o.Momentum)
		}
		checkWeightDecay(op, o.WeightDecay)
		if o.Nesterov && (o.Momentum <= 0 || o.Dampening != 0) {
			fail(op, "Nesterov momentum requires a momentum and zero dampening")
		}
	},
	lr:       func(o *SGDOptions) *float64 { return &o.LR },
	momentum: func(o *SGDOptions) *float64 { return &o.Momentum },
	dict: func(o SGDOptions) map[string]any {
		return map[string]any{"lr": o.LR, "momentum": o.Momentum, "dampening": o.Dampening,
			"weight_decay": o.WeightDecay, "nesterov": o.Nesterov, "maximize": o.Maximize,
			"foreach": nil, "differentiable": o.Differentiable}
	},
	undict: func(r *dictReader, o *SGDOptions) {
		r.float("lr", &o.LR)
		r.float("momentum", &o.Momentum)
		r.float("dampening", &o.Dampening)
		r.float("weight_decay", &o.WeightDecay)
		r.bool("nesterov", &o.Nesterov)
		r.bool("maximize", &o.Maximize)
		r.optBool("differentiable", &o.Differentiable)
	},
	layout:         layout{bufs: []string{"momentum_buffer"}, keepNil: true},
	differentiable: func(o SGDOptions) bool { return o.Differentiable },
}

// NewSGD returns an SGD optimizer for params, as one parameter group. It panics
// if params is empty or holds a non-leaf, an int64 tensor or one tensor twice,
// if LR is not positive, Momentum or WeightDecay is negative, or Nesterov is set
// without Momentum or with Dampening. A group added with AddParamGroup may have
// LR 0.
func NewSGD(params []*tensor.Tensor, opts SGDOptions) *SGD {
	if opts.LR == 0 {
		fail("NewSGD", "LR is required: SGD has no default learning rate")
	}
	return &SGD{newBase(sgdKind, "NewSGD", params, opts)}
}

// Step updates each parameter that has a gradient, in place and without
// recording (recording, for a group with Differentiable). It panics if a
// gradient's dtype differs from its parameter's.
func (s *SGD) Step() {
	for gi := range s.groups {
		gr := &s.groups[gi]
		o := &gr.opts
		for i, p := range gr.params {
			g := grad("SGD.Step", p)
			if g == nil {
				continue
			}
			st := &gr.state[i]
			st.init = true
			if o.Differentiable {
				tensor.EnableGrad(func() { sgdRecorded(p, g, st, o) })
				continue
			}
			first := false
			var buf *tensor.Tensor // PyTorch keeps but ignores a buffer while Momentum is 0
			if o.Momentum != 0 {
				if st.buf[0] == nil {
					st.buf[0] = tensor.ZerosLike(p)
					first = true
				}
				buf = st.buf[0]
			}
			if p.DType() == tensor.Float32 {
				sgd(p.Float32s(), g.Float32s(), f32s(buf), first, o)
			} else {
				sgd(p.Float64s(), g.Float64s(), f64s(buf), first, o)
			}
		}
	}
}

// sgd updates p from its gradient g and momentum buffer buf (nil without momentum;
// first says it is uninitialised), rounding as torch's ops do: d_p.add(p, alpha=wd),
// buf.mul_(m).add_(d_p, alpha=1-dampening), d_p.add(buf, alpha=m) and
// p.add_(d_p, alpha=-lr) each a fused multiply-add, the mul_ rounded on its own.
func sgd[T float32 | float64](p, g, buf []T, first bool, o *SGDOptions) {
	negLR, wd := coef[T](-o.LR), coef[T](o.WeightDecay)
	mom, damp := T(o.Momentum), coef[T](1-o.Dampening)
	decay, maximize, nesterov := o.WeightDecay != 0, o.Maximize, o.Nesterov
	// The common cases go to vec's fused kernels, which compute sgdLoop's
	// operations in the same order and rounding (fast_test.go checks the bits).
	switch {
	case buf == nil && !decay && !maximize:
		vec.SGDStep(p, g, T(negLR))
		return
	case buf != nil && !first && !maximize && !nesterov && !decay:
		vec.SGDMomentum(p, g, buf, T(damp), mom, T(negLR))
		return
	case buf != nil && !first && !maximize && !nesterov:
		vec.SGDMomentumDecay(p, g, buf, T(wd), T(damp), mom, T(negLR))
		return
	}
	sgdLoop(p, g, buf, first, o)
}

// sgdLoop is sgd's update for every configuration, one element at a time.
func sgdLoop[T float32 | float64](p, g, buf []T, first bool, o *SGDOptions) {
	negLR, wd := coef[T](-o.LR), coef[T](o.WeightDecay)
	mom, mom64, damp := T(o.Momentum), coef[T](o.Momentum), coef[T](1-o.Dampening)
	decay, maximize, nesterov := o.WeightDecay != 0, o.Maximize, o.Nesterov
	g = g[:len(p)]
	if buf != nil {
		buf = buf[:len(p)]
	}
	for i := range p {
		d := g[i]
		if maximize {
			d = -d
		}
		if decay {
			d = fmaC(p[i], wd, d)
		}
		if buf != nil {
			if first {
				buf[i] = d
			} else {
				buf[i] = fmaC(d, damp, T(buf[i]*mom))
			}
			if nesterov {
				d = fmaC(buf[i], mom64, d)
			} else {
				d = buf[i]
			}
		}
		p[i] = fmaC(d, negLR, p[i])
	}
}
