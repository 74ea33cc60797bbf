package optim

import (
	"github.com/gograd/gograd/tensor"
)

// AdagradOptions configures Adagrad. A zero field takes PyTorch's default.
type AdagradOptions struct {
	// LR is the learning rate; 0 means the default 1e-2.
	LR float64
	// LRDecay divides the learning rate by 1 + (t-1)·LRDecay at step t. Default 0.
	LRDecay float64
	// WeightDecay adds WeightDecay·param to the gradient. Default 0.
	WeightDecay float64
	// InitialAccumulatorValue is the starting value of the sum of squared
	// gradients. Default 0.
	InitialAccumulatorValue float64
	// Eps is added to the denominator; 0 means the default 1e-10.
	Eps float64
	// Maximize ascends the gradient instead of descending it.
	Maximize bool
}

// Adagrad is torch.optim.Adagrad. For each parameter p with gradient g, at its
// t-th step, Step computes:
//
//	g = g (-g with Maximize) + WeightDecay·p
//	s = s + g²
//	p = p - LR/(1 + (t-1)·LRDecay) · g / (√s + Eps)
//
// As in PyTorch, every parameter's state exists from construction: its state
// dict holds "step" and "sum" for every parameter.
type Adagrad struct{ base[AdagradOptions] }

var adagradKind = &kind[AdagradOptions]{
	name: "Adagrad",
	defaults: func(o AdagradOptions) AdagradOptions {
		o.LR = or(o.LR, 1e-2)
		o.Eps = or(o.Eps, 1e-10)
		return o
	},
	validate: func(op string, o AdagradOptions) {
		checkLR(op, o.LR)
		if !(o.LRDecay >= 0) {
			fail(op, "Invalid lr_decay value: %v", o.LRDecay)
		}
		checkWeightDecay(op, o.WeightDecay)
		if !(o.InitialAccumulatorValue >= 0) {
			fail(op, "Invalid initial_accumulator_value value: %v", o.InitialAccumulatorValue)
		}
		checkEps(op, o.Eps)
	},
	lr: func(o *AdagradOptions) *float64 { return &o.LR },
	dict: func(o AdagradOptions) map[string]any {
		return map[string]any{"lr": o.LR, "lr_decay": o.LRDecay, "eps": o.Eps, "weight_decay": o.WeightDecay,
			"initial_accumulator_value": o.InitialAccumulatorValue, "foreach": nil, "maximize": o.Maximize}
	},
	undict: func(r *dictReader, o *AdagradOptions) {
		r.float("lr", &o.LR)
		r.float("lr_decay", &o.LRDecay)
		r.float("eps", &o.Eps)
		r.float("weight_decay", &o.WeightDecay)
		r.float("initial_accumulator_value", &o.InitialAccumulatorValue)
		r.bool("maximize", &o.Maximize)
	},
	layout: layout{required: 1, step: tensorStep, bufs: []string{"sum"}},
	eager: func(o *AdagradOptions, p *tensor.Tensor, st *paramState) {
		st.init = true
		st.buf[0] = tensor.FullLike(p, o.InitialAccumulatorValue)
	},
}

// NewAdagrad returns an Adagrad optimizer for params, as one parameter group,
// with PyTorch's defaults for the options left zero. It panics if params is
// invalid (see NewSGD) or an option is negative.
func NewAdagrad(params []*tensor.Tensor, opts AdagradOptions) *Adagrad {
	return &Adagrad{newBase(adagradKind, "NewAdagrad", params, opts)}
}

// Step updates each parameter that has a gradient, in place and without
// recording. It panics if a gradient's dtype differs from its parameter's.
func (a *Adagrad) Step() {
	a.each("Adagrad.Step", func(o *AdagradOptions, p, g *tensor.Tensor, st *paramState) {
		st.step++
		clr := o.LR / (1 + (st.step-1)*o.LRDecay)
		if p.DType() == tensor.Float32 {
			adagrad(p.Float32s(), g.Float32s(), st.buf[0].Float32s(), clr, o)
		} else {
			adagrad(p.Float64s(), g.Float64s(), st.buf[0].Float64s(), clr, o)
		}
	})
}

func adagrad[T float32 | float64](p, g, sum []T, clr float64, o *AdagradOptions) {
	eps, wd := T(o.Eps), coef[T](o.WeightDecay)
	negCLR, maximize, decay := T(-clr), o.Maximize, o.WeightDecay != 0
	n := len(p)
	g, sum = g[:n], sum[:n]
	for i := range p {
		gi := signed(g[i], maximize)
		if decay {
			gi = fmaC(p[i], wd, gi)
		}
		sum[i] = addcmul(sum[i], 1, gi, gi)
		p[i] = addcdiv(p[i], negCLR, gi, sqrt(sum[i])+eps)
	}
}
