package functional

import (
	"math"

	"github.com/gograd/gograd/tensor"
)

// MSELoss returns the mean squared error between input and target (reduction
// Mean unless given), as torch.nn.functional.mse_loss. It panics if their shapes or
// dtypes differ.
func MSELoss(input, target *tensor.Tensor, reduction ...Reduction) *tensor.Tensor {
	r := reductionOf("MSELoss", reduction)
	sameShape("MSELoss", input, target)
	return tensor.Apply(&mseLoss{r: r}, input, target)
}

type mseLoss struct{ r Reduction }

func (*mseLoss) Name() string { return "MseLossBackward0" }

func (f *mseLoss) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	ctx.SaveForBackward(in[0], in[1])
	d := in[0].Sub(in[1])
	return reduce(d.Mul(d), f.r)
}

// Backward: dinput = 2 (input - target) grad / N; dtarget = -dinput.
func (f *mseLoss) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	s := ctx.Saved()
	gx := s[0].Sub(s[1]).Mul(scaleGrad(g, f.r, s[0].Numel())).MulScalar(2)
	var gy *tensor.Tensor
	if ctx.NeedsInputGrad(1) {
		gy = gx.Neg()
	}
	return []*tensor.Tensor{gx, gy}
}

// BinaryCrossEntropy returns the binary cross-entropy between probabilities input
// (in [0, 1]) and target, -w (y log p + (1-y) log(1-p)), with each log clamped at
// -100 as PyTorch does, reduced by Mean unless given. Options: a Reduction and
// Weight (w, broadcast to the input; 1 when absent). It panics if the shapes or
// dtypes of input and target differ or the weight does not broadcast.
func BinaryCrossEntropy(input, target *tensor.Tensor, opts ...LossOption) *tensor.Tensor {
	c := configOf("BinaryCrossEntropy", opts, optWeight)
	sameShape("BinaryCrossEntropy", input, target)
	return tensor.Apply(&bceLoss{r: c.r, w: expandedTo("BinaryCrossEntropy", c.weight, input)}, input, target)
}

// expandedTo returns w broadcast to x's shape and dtype checked, nil for nil.
func expandedTo(op string, w, x *tensor.Tensor) *tensor.Tensor {
	if w == nil {
		return nil
	}
	if w.DType() != x.DType() {
		panic(tensor.NewError(tensor.ErrDType, "functional", op, "weight dtype %v differs from the input's %v", w.DType(), x.DType()))
	}
	var e *tensor.Tensor
	if err := tensor.Maybe(func() { e = w.Detach().Expand(x.Shape()...) }); err != nil {
		panic(tensor.NewError(tensor.ErrShape, "functional", op, "weight shape %v does not broadcast to the input's %v", w.Shape(), x.Shape()))
	}
	return e
}

type bceLoss struct {
	r Reduction
	w *tensor.Tensor // weight broadcast to the input, or nil
}

func (*bceLoss) Name() string { return "BinaryCrossEntropyBackward0" }

func clampedLog(v float64) float64 { return max(math.Log(v), -100) }

func (f *bceLoss) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	p, y := in[0], in[1]
	ctx.SaveForBackward(p, y)
	l := tensor.ZerosLike(p).To(tensor.Float64)
	lv, pv, yv := l.Float64s(), p.Values(), y.Values()
	for i := range lv {
		lv[i] = -(yv[i]*clampedLog(pv[i]) + (1-yv[i])*clampedLog(1-pv[i]))
	}
	out := l.To(p.DType())
	if f.w != nil {
		out = out.Mul(f.w)
	}
	return reduce(out, f.r)
}

// Backward: dinput = grad w (p - y) / max(p (1-p), 1e-12) / N;
// dtarget = grad w (log(1-p) - log p) / N.
func (f *bceLoss) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	s := ctx.Saved()
	p, y := s[0], s[1]
	g = scaleGrad(g, f.r, p.Numel())
	if f.w != nil {
		g = g.Mul(f.w)
	}
	var gp, gy *tensor.Tensor
	if ctx.NeedsInputGrad(0) {
		denom := p.Mul(p.RSubScalar(1))
		floor := tensor.FullLike(p, float64(float32(1e-12))) // PyTorch's EPSILON, a float even for double
		gp = g.Mul(p.Sub(y)).Div(tensor.Maximum(denom, floor))
	}
	if ctx.NeedsInputGrad(1) {
		gy = g.Mul(p.RSubScalar(1).Log().Sub(p.Log()))
	}
	return []*tensor.Tensor{gp, gy}
}

// BinaryCrossEntropyWithLogits returns the binary cross-entropy between
// sigmoid(input) and target, computed stably from the logits as
// w ((1-y) x + (1 + (pw-1) y) log(1 + e^-x)) (finite even for logits of ±100),
// reduced by Mean unless given. Options: a Reduction, Weight (w, broadcast to the
// input) and PosWeight (pw, one per class of the last dimension). It panics if
// the shapes or dtypes differ or a weight does not broadcast.
func BinaryCrossEntropyWithLogits(input, target *tensor.Tensor, opts ...LossOption) *tensor.Tensor {
	const op = "BinaryCrossEntropyWithLogits"
	c := configOf(op, opts, optWeight|optPosWeight)
	sameShape(op, input, target)
	return tensor.Apply(&bceLogitsLoss{r: c.r, w: expandedTo(op, c.weight, input), pw: expandedTo(op, c.posWeight, input)}, input, target)
}

type bceLogitsLoss struct {
	r     Reduction
	w, pw *tensor.Tensor // weight and pos_weight broadcast to the input, or nil
}

func (*bceLogitsLoss) Name() string { return "BinaryCrossEntropyWithLogitsBackward0" }

// softplusNeg returns log(1 + e^-x) as m + log(e^-m + e^(-x-m)), m = max(-x, 0),
// as PyTorch computes it.
func softplusNeg(x *tensor.Tensor) *tensor.Tensor {
	m := x.Neg().Relu()
	return m.Add(m.Neg().Exp().Add(x.Neg().Sub(m).Exp()).Log())
}

func (f *bceLogitsLoss) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	x, y := in[0], in[1]
	ctx.SaveForBackward(x, y)
	sp := softplusNeg(x)
	if f.pw != nil {
		sp = sp.Mul(f.pw.SubScalar(1).Mul(y).AddScalar(1))
	}
	l := y.RSubScalar(1).Mul(x).Add(sp)
	if f.w != nil {
		l = l.Mul(f.w)
	}
	return reduce(l, f.r)
}

// Backward: dinput = grad w ((1-y) - lw (1 - sigmoid(x))) / N with
// lw = 1 + (pw-1) y (sigmoid(x) - y without pos_weight);
// dtarget = grad w (-x + (pw-1) log(1 + e^-x)) / N.
func (f *bceLogitsLoss) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	s := ctx.Saved()
	x, y := s[0], s[1]
	g = scaleGrad(g, f.r, x.Numel())
	if f.w != nil {
		g = g.Mul(f.w)
	}
	var gx, gy *tensor.Tensor
	if ctx.NeedsInputGrad(0) {
		if f.pw == nil {
			gx = g.Mul(x.Sigmoid().Sub(y))
		} else {
			lw := f.pw.SubScalar(1).Mul(y).AddScalar(1)
			gx = g.Mul(y.RSubScalar(1).Sub(lw.Mul(x.Sigmoid().RSubScalar(1))))
		}
	}
	if ctx.NeedsInputGrad(1) {
		if f.pw == nil {
			gy = g.Mul(x).Neg()
		} else {
			gy = g.Mul(f.pw.SubScalar(1).Mul(softplusNeg(x)).Sub(x))
		}
	}
	return []*tensor.Tensor{gx, gy}
}

func setFlat(t *tensor.Tensor, i int, v float64) {
	if t.DType() == tensor.Float32 {
		t.Float32s()[i] = float32(v)
	} else {
		t.Float64s()[i] = v
	}
}

func flat(t *tensor.Tensor, i int) float64 {
	if t.DType() == tensor.Float32 {
		return float64(t.Float32s()[i])
	}
	return t.Float64s()[i]
}
