package optim

import (
	"math"

	"github.com/gograd/gograd/tensor"
)

// The differentiable steps (SGD, Adam and RMSprop with Differentiable set,
// PyTorch 1.13's differentiable=True) write each update with recorded tensor
// ops, in grad mode, so that the parameters after a step are functions of
// whatever the gradients, the parameters and the state were computed from:
// a loss after the step can be differentiated through it (meta-learning,
// learned learning rates' outer loops). Each follows PyTorch's
// _single_tensor_* function op for op. The parameter is changed in place
// (Add_), so its history continues; the state tensors are replaced by
// out-of-place results, which have the values and gradients of PyTorch's
// in-place ones.

// signedGrad returns g, or -g with maximize, plus wd·p when wd is not zero:
// PyTorch's `grad if not maximize else -grad` then `grad.add(param,
// alpha=weight_decay)`.
func signedGrad(p, g *tensor.Tensor, maximize bool, wd float64) *tensor.Tensor {
	if maximize {
		g = g.Neg()
	}
	if wd != 0 {
		g = g.Add(p.MulScalar(wd))
	}
	return g
}

// sgdRecorded is SGD's differentiable step (_single_tensor_sgd). As in
// PyTorch, the momentum buffer made at a parameter's first step is a detached
// copy of the first direction, so nothing flows back through it.
func sgdRecorded(p, g *tensor.Tensor, st *paramState, o *SGDOptions) {
	d := signedGrad(p, g, o.Maximize, o.WeightDecay)
	if o.Momentum != 0 {
		buf := st.buf[0]
		if buf == nil {
			buf = d.Detach().Clone()
		} else {
			buf = buf.MulScalar(o.Momentum).Add(d.MulScalar(1 - o.Dampening))
		}
		st.buf[0] = buf
		if o.Nesterov {
			d = d.Add(buf.MulScalar(o.Momentum))
		} else {
			d = buf
		}
	}
	p.Add_(d.MulScalar(-o.LR))
}

// adamRecorded is Adam's differentiable step (_single_tensor_adam with
// differentiable=True). Its scalars are what PyTorch computes there from the
// float32 step tensor: float32 values (see adamRecordedScalars).
func adamRecorded(p, g *tensor.Tensor, st *paramState, o *AdamOptions) {
	g = signedGrad(p, g, o.Maximize, o.WeightDecay)
	b1, b2 := o.Betas[0], o.Betas[1]
	m := st.buf[0].MulScalar(b1).Add(g.MulScalar(1 - b1))
	v := st.buf[1].MulScalar(b2).Add(g.Mul(g).MulScalar(1 - b2))
	st.buf[0], st.buf[1] = m, v
	scale, epsTerm := adamRecordedScalars(o, st.step)
	if o.AMSGrad {
		st.buf[2] = tensor.Maximum(st.buf[2], v)
		v = st.buf[2]
	}
	denom := v.Sqrt().DivScalar(scale).AddScalar(epsTerm)
	p.Add_(m.Div(denom))
}

// adamRecordedScalars returns the denominator's scale bc2Sqrt·(-stepSize)
// and its eps term eps/(-stepSize) as PyTorch 1.13 computes them on its
// differentiable path, in float32 0-d tensors: bc = 1 - pow(β, step),
// stepSize = bc1.reciprocal()·lr (Python's lr / tensor), and eps/x as
// x.reciprocal()·eps.
func adamRecordedScalars(o *AdamOptions, step float64) (scale, epsTerm float64) {
	f := func(x float64) float64 { return float64(float32(x)) } // one float32 rounding
	pow := func(b float64) float64 { return f(math.Pow(f(b), f(step))) }
	bc1, bc2 := f(1-pow(o.Betas[0])), f(1-pow(o.Betas[1]))
	stepNeg := -f(f(1/bc1) * f(o.LR))
	scale = f(f(math.Sqrt(bc2)) * stepNeg)
	epsTerm = f(f(1/stepNeg) * f(o.Eps))
	return scale, epsTerm
}

// rmspropRecorded is RMSprop's differentiable step (_single_tensor_rmsprop).
func rmspropRecorded(p, g *tensor.Tensor, st *paramState, o *RMSpropOptions) {
	g = signedGrad(p, g, o.Maximize, o.WeightDecay)
	v := st.buf[0].MulScalar(o.Alpha).Add(g.Mul(g).MulScalar(1 - o.Alpha))
	st.buf[0] = v
	var avg *tensor.Tensor
	if o.Centered {
		gavg := st.buf[2].MulScalar(o.Alpha).Add(g.MulScalar(1 - o.Alpha))
		st.buf[2] = gavg
		avg = v.Sub(gavg.Mul(gavg)).Sqrt()
	} else {
		avg = v.Sqrt()
	}
	avg = avg.AddScalar(o.Eps)
	if o.Momentum > 0 {
		buf := st.buf[1].MulScalar(o.Momentum).Add(g.Div(avg))
		st.buf[1] = buf
		p.Add_(buf.MulScalar(-o.LR))
		return
	}
	p.Add_(g.Div(avg).MulScalar(-o.LR))
}
