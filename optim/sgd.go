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
}

// SGD is stochastic gradient descent with optional momentum, dampening, Nesterov
// momentum and weight decay (torch.optim.SGD). For each parameter p with gradient
// g, Step computes, as PyTorch 1.13 does:
//
//	d = g (-g with Maximize) + WeightDecay·p
//	buf = d at the parameter's first step, else Momentum·buf + (1-Dampening)·d
//	d = d + Momentum·buf with Nesterov, else buf      (when Momentum != 0)
//	p = p - LR·d
type SGD struct {
	params []*tensor.Tensor
	opts   SGDOptions
	bufs   []*tensor.Tensor // momentum buffers, nil until a parameter's first step
}

// NewSGD returns an SGD optimizer for params. It panics if params is empty or holds
// a non-leaf, an int64 tensor or one tensor twice, if LR is not positive, Momentum
// or WeightDecay is negative, or Nesterov is set without Momentum or with
// Dampening.
func NewSGD(params []*tensor.Tensor, opts SGDOptions) *SGD {
	const op = "NewSGD"
	if opts.LR == 0 {
		fail(op, "LR is required: SGD has no default learning rate")
	}
	checkLR(op, opts.LR)
	if !(opts.Momentum >= 0) {
		fail(op, "Invalid momentum value: %v", opts.Momentum)
	}
	checkWeightDecay(op, opts.WeightDecay)
	if opts.Nesterov && (opts.Momentum <= 0 || opts.Dampening != 0) {
		fail(op, "Nesterov momentum requires a momentum and zero dampening")
	}
	params = checkParams(op, params)
	return &SGD{params: params, opts: opts, bufs: make([]*tensor.Tensor, len(params))}
}

// Step updates each parameter that has a gradient, in place and without recording.
// It panics if a gradient's dtype differs from its parameter's.
func (s *SGD) Step() {
	for i, p := range s.params {
		g := grad("SGD.Step", p)
		if g == nil {
			continue
		}
		first := false
		if s.opts.Momentum != 0 && s.bufs[i] == nil {
			s.bufs[i] = tensor.ZerosLike(p)
			first = true
		}
		if p.DType() == tensor.Float32 {
			var buf []float32
			if s.bufs[i] != nil {
				buf = s.bufs[i].Float32s()
			}
			sgd(p.Float32s(), g.Float32s(), buf, first, &s.opts)
		} else {
			var buf []float64
			if s.bufs[i] != nil {
				buf = s.bufs[i].Float64s()
			}
			sgd(p.Float64s(), g.Float64s(), buf, first, &s.opts)
		}
	}
}

// ZeroGrad sets every parameter's gradient to nil.
func (s *SGD) ZeroGrad() { zeroGrad(s.params) }

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
