package optim

import (
	"math"

	"github.com/gograd/gograd/internal/vec"
	"github.com/gograd/gograd/tensor"
)

// AdamOptions configures Adam. A zero field takes PyTorch's default.
type AdamOptions struct {
	// LR is the learning rate; 0 means the default 1e-3.
	LR float64
	// Betas are the decay rates of the moving averages of the gradient and of its
	// square; {0, 0} means the default {0.9, 0.999}.
	Betas [2]float64
	// Eps is added to the denominator for numerical stability; 0 means the
	// default 1e-8.
	Eps float64
	// WeightDecay adds WeightDecay·param to the gradient (an L2 penalty, coupled
	// to the adaptive scaling; see AdamW for the decoupled form). Default 0.
	WeightDecay float64
	// AMSGrad divides by the running maximum of the second moment estimate.
	AMSGrad bool
	// Maximize ascends the gradient instead of descending it.
	Maximize bool
	// Differentiable records the step for autograd (PyTorch's
	// differentiable): see the package doc, "Differentiable steps".
	Differentiable bool
}

// AdamWOptions configures AdamW. A zero field takes PyTorch's default.
type AdamWOptions struct {
	// LR is the learning rate; 0 means the default 1e-3.
	LR float64
	// Betas are the decay rates of the moving averages of the gradient and of its
	// square; {0, 0} means the default {0.9, 0.999}.
	Betas [2]float64
	// Eps is added to the denominator for numerical stability; 0 means the
	// default 1e-8.
	Eps float64
	// WeightDecay multiplies each parameter by 1 - LR·WeightDecay before the Adam
	// update (decoupled weight decay); 0 means the default 0.01. AdamW with no
	// weight decay is Adam: use NewAdam.
	WeightDecay float64
	// AMSGrad divides by the running maximum of the second moment estimate.
	AMSGrad bool
	// Maximize ascends the gradient instead of descending it.
	Maximize bool
	// Differentiable must be false: PyTorch 1.13's AdamW has no
	// differentiable option (the field is here so that AdamWOptions and
	// AdamOptions convert into each other).
	Differentiable bool
}

// Adam is the Adam optimizer (torch.optim.Adam), with optional AMSGrad. For each
// parameter p with gradient g, at the parameter's t-th step with a gradient, Step
// computes, as PyTorch 1.13 does, with its group's options:
//
//	g = g (-g with Maximize) + WeightDecay·p
//	m = β1·m + (1-β1)·g
//	v = β2·v + (1-β2)·g²
//	vmax = max(vmax, v); v̂ = vmax with AMSGrad, else v
//	p = p - (LR / (1-β1^t))·m / (√v̂ / √(1-β2^t) + Eps)
//
// Its state dict holds each parameter's "step", "exp_avg", "exp_avg_sq" and,
// with AMSGrad, "max_exp_avg_sq".
type Adam struct{ base[AdamOptions] }

// AdamW is Adam with decoupled weight decay (torch.optim.AdamW): each Step first
// multiplies p by 1 - LR·WeightDecay, then applies Adam's update without weight
// decay in the gradient.
type AdamW struct{ base[AdamWOptions] }

var adamLayout = layout{required: 2, step: tensorStep, bufs: []string{"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}}

// adamDefaults fills in Adam's defaults; AdamW's WeightDecay default is wd.
func adamDefaults(o AdamOptions, wd float64) AdamOptions {
	if o.LR == 0 {
		o.LR = 1e-3
	}
	if o.Betas == [2]float64{} {
		o.Betas = [2]float64{0.9, 0.999}
	}
	if o.Eps == 0 {
		o.Eps = 1e-8
	}
	if o.WeightDecay == 0 {
		o.WeightDecay = wd
	}
	return o
}

// checkBetas panics unless each beta is in [0, 1).
func checkBetas(op string, betas [2]float64) {
	for i, b := range betas {
		if !(b >= 0 && b < 1) {
			fail(op, "Invalid beta parameter at index %d: %v", i, b)
		}
	}
}

// checkEps panics unless eps >= 0.
func checkEps(op string, eps float64) {
	if !(eps >= 0) {
		fail(op, "Invalid epsilon value: %v", eps)
	}
}

func validateAdam(op string, o AdamOptions) {
	checkLR(op, o.LR)
	checkEps(op, o.Eps)
	checkBetas(op, o.Betas)
	checkWeightDecay(op, o.WeightDecay)
}

func undictAdam(r *dictReader, o *AdamOptions) {
	r.float("lr", &o.LR)
	r.pair("betas", &o.Betas)
	r.float("eps", &o.Eps)
	r.float("weight_decay", &o.WeightDecay)
	r.bool("amsgrad", &o.AMSGrad)
	r.bool("maximize", &o.Maximize)
	r.optBool("differentiable", &o.Differentiable)
}

var adamKind = &kind[AdamOptions]{
	name:     "Adam",
	defaults: func(o AdamOptions) AdamOptions { return adamDefaults(o, 0) },
	validate: validateAdam,
	lr:       func(o *AdamOptions) *float64 { return &o.LR },
	momentum: func(o *AdamOptions) *float64 { return &o.Betas[0] },
	dict: func(o AdamOptions) map[string]any {
		return map[string]any{"lr": o.LR, "betas": o.Betas[:], "eps": o.Eps,
			"weight_decay": o.WeightDecay, "amsgrad": o.AMSGrad, "maximize": o.Maximize,
			"foreach": nil, "capturable": false, "differentiable": o.Differentiable, "fused": false}
	},
	undict:         undictAdam,
	layout:         adamLayout,
	differentiable: func(o AdamOptions) bool { return o.Differentiable },
}

var adamWKind = &kind[AdamWOptions]{
	name:     "AdamW",
	defaults: func(o AdamWOptions) AdamWOptions { return AdamWOptions(adamDefaults(AdamOptions(o), 0.01)) },
	validate: func(op string, o AdamWOptions) {
		validateAdam(op, AdamOptions(o))
		if o.Differentiable {
			fail(op, "AdamW has no differentiable option in PyTorch 1.13; use Adam")
		}
	},
	lr:       func(o *AdamWOptions) *float64 { return &o.LR },
	momentum: func(o *AdamWOptions) *float64 { return &o.Betas[0] },
	dict: func(o AdamWOptions) map[string]any {
		return map[string]any{"lr": o.LR, "betas": o.Betas[:], "eps": o.Eps,
			"weight_decay": o.WeightDecay, "amsgrad": o.AMSGrad, "foreach": nil,
			"maximize": o.Maximize, "capturable": false}
	},
	undict: func(r *dictReader, o *AdamWOptions) { undictAdam(r, (*AdamOptions)(o)) },
	layout: adamLayout,
}

// NewAdam returns an Adam optimizer for params, as one parameter group, with
// PyTorch's defaults for the options left zero. It panics if params is empty or
// holds a non-leaf, an int64 tensor or one tensor twice, or if LR, Eps or
// WeightDecay is negative or a beta is outside [0, 1).
func NewAdam(params []*tensor.Tensor, opts AdamOptions) *Adam {
	return &Adam{newBase(adamKind, "NewAdam", params, opts)}
}

// NewAdamW returns an AdamW optimizer for params, as one parameter group, with
// PyTorch's defaults for the options left zero (WeightDecay 0.01). It panics as
// NewAdam does.
func NewAdamW(params []*tensor.Tensor, opts AdamWOptions) *AdamW {
	return &AdamW{newBase(adamWKind, "NewAdamW", params, opts)}
}

// Step updates each parameter that has a gradient, in place and without
// recording (recording, for a group with Differentiable). It panics if a
// gradient's dtype differs from its parameter's.
func (a *Adam) Step() {
	adamStep(&a.base, "Adam.Step", func(o *AdamOptions) *AdamOptions { return o }, false)
}

// Step updates each parameter that has a gradient, in place and without recording.
// It panics if a gradient's dtype differs from its parameter's.
func (a *AdamW) Step() {
	adamStep(&a.base, "AdamW.Step", func(o *AdamWOptions) *AdamOptions { return (*AdamOptions)(o) }, true)
}

// adamStep is Step for Adam (decoupled false) and AdamW.
func adamStep[O any](b *base[O], op string, opts func(*O) *AdamOptions, decoupled bool) {
	for gi := range b.groups {
		gr := &b.groups[gi]
		o := opts(&gr.opts)
		for i, p := range gr.params {
			g := grad(op, p)
			if g == nil {
				continue
			}
			st := &gr.state[i]
			if !st.init {
				st.init = true
				st.buf[0], st.buf[1] = tensor.ZerosLike(p), tensor.ZerosLike(p)
			}
			if o.AMSGrad && st.buf[2] == nil {
				st.buf[2] = tensor.ZerosLike(p)
			}
			st.step++
			if o.Differentiable {
				tensor.EnableGrad(func() { adamRecorded(p, g, st, o) })
				continue
			}
			bc1 := 1 - math.Pow(o.Betas[0], st.step)
			bc2 := 1 - math.Pow(o.Betas[1], st.step)
			c := adamCoef{
				beta1: o.Betas[0], beta2: o.Betas[1], eps: o.Eps,
				stepSize: o.LR / bc1, bc2Sqrt: math.Sqrt(bc2),
				maximize: o.Maximize,
			}
			if decoupled {
				c.decoupled, c.decay = true, 1-o.LR*o.WeightDecay
			} else {
				c.weightDecay = o.WeightDecay
			}
			vmax := st.buf[2]
			if !o.AMSGrad {
				vmax = nil
			}
			if p.DType() == tensor.Float32 {
				adamUpdate(p.Float32s(), g.Float32s(), st.buf[0].Float32s(), st.buf[1].Float32s(), f32s(vmax), &c)
			} else {
				adamUpdate(p.Float64s(), g.Float64s(), st.buf[0].Float64s(), st.buf[1].Float64s(), f64s(vmax), &c)
			}
		}
	}
}

// adamCoef holds one step's scalars, computed in float64 as PyTorch computes
// them in Python.
type adamCoef struct {
	beta1, beta2, eps float64
	stepSize          float64 // lr / (1 - β1^t)
	bc2Sqrt           float64 // √(1 - β2^t)
	weightDecay       float64 // Adam: added to the gradient, times p
	decoupled         bool    // AdamW: p is first multiplied by decay
	decay             float64 // AdamW: 1 - lr·wd
	maximize          bool
}

// adamUpdate applies one Adam step to p with gradient g, moments m and v, and the
// running maximum vmax of v (nil without AMSGrad), rounding as torch's ops do:
// grad.add(p, alpha=wd), m.mul_(β1).add_(g, alpha=1-β1) and
// v.mul_(β2).addcmul_(g, g, value=1-β2) are fused multiply-adds after their mul_;
// denom = v.sqrt() / √bc2 + eps; p.addcdiv_(m, denom, value=-step_size) is
// p + (-step_size·m) / denom.
func adamUpdate[T float32 | float64](p, g, m, v, vmax []T, c *adamCoef) {
	if !c.maximize && c.weightDecay == 0 && vmax == nil {
		// Adam's default configuration and AdamW without AMSGrad go to vec's
		// fused kernel, which computes adamLoop's operations in the same order
		// and rounding (fast_test.go checks the bits).
		vec.AdamStep(p, g, m, v, &vec.AdamCoef[T]{
			Beta1: T(c.beta1), OneMinusBeta1: T(1 - c.beta1),
			Beta2: T(c.beta2), OneMinusBeta2: T(1 - c.beta2),
			NegStep: T(-c.stepSize), BC2Sqrt: T(c.bc2Sqrt), Eps: T(c.eps),
			Decoupled: c.decoupled, Decay: T(c.decay),
		})
		return
	}
	adamLoop(p, g, m, v, vmax, c)
}

// adamLoop is adamUpdate for every configuration, one element at a time.
func adamLoop[T float32 | float64](p, g, m, v, vmax []T, c *adamCoef) {
	b1, oneMinusB1 := T(c.beta1), coef[T](1-c.beta1)
	b2, oneMinusB2 := T(c.beta2), T(1-c.beta2)
	wd, decay := coef[T](c.weightDecay), T(c.decay)
	negStep, bc2Sqrt, eps := T(-c.stepSize), T(c.bc2Sqrt), T(c.eps)
	coupled, decoupled := c.weightDecay != 0, c.decoupled
	n := len(p)
	g, m, v = g[:n], m[:n], v[:n]
	if vmax != nil {
		vmax = vmax[:n]
	}
	for i := range p {
		gi := g[i]
		if c.maximize {
			gi = -gi
		}
		if coupled {
			gi = fmaC(p[i], wd, gi)
		}
		if decoupled {
			p[i] = T(p[i] * decay)
		}
		m[i] = fmaC(gi, oneMinusB1, T(m[i]*b1))
		v[i] = fma(T(gi*oneMinusB2), gi, T(v[i]*b2))
		vi := v[i]
		if vmax != nil {
			vmax[i] = max(vmax[i], vi)
			vi = vmax[i]
		}
		denom := T(sqrt(vi)/bc2Sqrt) + eps
		p[i] += T(negStep*m[i]) / denom
	}
}
