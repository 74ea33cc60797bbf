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
}

// Adam is the Adam optimizer (torch.optim.Adam), with optional AMSGrad. For each
// parameter p with gradient g, at the parameter's t-th step with a gradient, Step
// computes, as PyTorch 1.13 does:
//
//	g = g (-g with Maximize) + WeightDecay·p
//	m = β1·m + (1-β1)·g
//	v = β2·v + (1-β2)·g²
//	vmax = max(vmax, v); v̂ = vmax with AMSGrad, else v
//	p = p - (LR / (1-β1^t))·m / (√v̂ / √(1-β2^t) + Eps)
type Adam struct{ adam }

// AdamW is Adam with decoupled weight decay (torch.optim.AdamW): each Step first
// multiplies p by 1 - LR·WeightDecay, then applies Adam's update without weight
// decay in the gradient.
type AdamW struct{ adam }

// NewAdam returns an Adam optimizer for params, with PyTorch's defaults for the
// options left zero. It panics if params is empty or holds a non-leaf, an int64
// tensor or one tensor twice, or if LR, Eps or WeightDecay is negative or a beta
// is outside [0, 1).
func NewAdam(params []*tensor.Tensor, opts AdamOptions) *Adam {
	a := newAdam("NewAdam", params, opts.LR, opts.Betas, opts.Eps, opts.AMSGrad, opts.Maximize)
	checkWeightDecay("NewAdam", opts.WeightDecay)
	a.weightDecay = opts.WeightDecay
	return &Adam{a}
}

// NewAdamW returns an AdamW optimizer for params, with PyTorch's defaults for the
// options left zero (WeightDecay 0.01). It panics as NewAdam does.
func NewAdamW(params []*tensor.Tensor, opts AdamWOptions) *AdamW {
	a := newAdam("NewAdamW", params, opts.LR, opts.Betas, opts.Eps, opts.AMSGrad, opts.Maximize)
	wd := opts.WeightDecay
	if wd == 0 {
		wd = 0.01
	}
	checkWeightDecay("NewAdamW", wd)
	a.weightDecay, a.decoupled = wd, true
	return &AdamW{a}
}

// adam is the implementation shared by Adam and AdamW.
type adam struct {
	params      []*tensor.Tensor
	lr, eps     float64
	beta1       float64
	beta2       float64
	weightDecay float64
	decoupled   bool // AdamW: decay the parameter, not the gradient
	amsgrad     bool
	maximize    bool
	state       []adamState // one per parameter
}

// adamState is one parameter's state: the number of steps it has taken and its
// moment estimates, allocated at its first step.
type adamState struct {
	step          int
	expAvg, expSq *tensor.Tensor
	maxExpSq      *tensor.Tensor // AMSGrad only
}

func newAdam(op string, params []*tensor.Tensor, lr float64, betas [2]float64, eps float64, amsgrad, maximize bool) adam {
	if lr == 0 {
		lr = 1e-3
	}
	if betas == [2]float64{} {
		betas = [2]float64{0.9, 0.999}
	}
	if eps == 0 {
		eps = 1e-8
	}
	checkLR(op, lr)
	if !(eps >= 0) {
		fail(op, "Invalid epsilon value: %v", eps)
	}
	for i, b := range betas {
		if !(b >= 0 && b < 1) {
			fail(op, "Invalid beta parameter at index %d: %v", i, b)
		}
	}
	params = checkParams(op, params)
	return adam{
		params: params, lr: lr, eps: eps, beta1: betas[0], beta2: betas[1],
		amsgrad: amsgrad, maximize: maximize, state: make([]adamState, len(params)),
	}
}

// ZeroGrad sets every parameter's gradient to nil.
func (a *adam) ZeroGrad() { zeroGrad(a.params) }

// Step updates each parameter that has a gradient, in place and without recording.
// It panics if a gradient's dtype differs from its parameter's.
func (a *adam) Step() {
	for i, p := range a.params {
		g := grad("Adam.Step", p)
		if g == nil {
			continue
		}
		st := &a.state[i]
		if st.expAvg == nil {
			st.expAvg, st.expSq = tensor.ZerosLike(p), tensor.ZerosLike(p)
			if a.amsgrad {
				st.maxExpSq = tensor.ZerosLike(p)
			}
		}
		st.step++
		t := float64(st.step)
		bc1 := 1 - math.Pow(a.beta1, t)
		bc2 := 1 - math.Pow(a.beta2, t)
		c := adamCoef{
			beta1: a.beta1, beta2: a.beta2, eps: a.eps,
			stepSize: a.lr / bc1, bc2Sqrt: math.Sqrt(bc2),
			maximize: a.maximize,
		}
		if a.decoupled {
			c.decoupled, c.decay = true, 1-a.lr*a.weightDecay
		} else {
			c.weightDecay = a.weightDecay
		}
		if p.DType() == tensor.Float32 {
			var vmax []float32
			if st.maxExpSq != nil {
				vmax = st.maxExpSq.Float32s()
			}
			adamUpdate(p.Float32s(), g.Float32s(), st.expAvg.Float32s(), st.expSq.Float32s(), vmax, &c)
		} else {
			var vmax []float64
			if st.maxExpSq != nil {
				vmax = st.maxExpSq.Float64s()
			}
			adamUpdate(p.Float64s(), g.Float64s(), st.expAvg.Float64s(), st.expSq.Float64s(), vmax, &c)
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
