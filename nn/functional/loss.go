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
// (in [0, 1]) and target, -(y log p + (1-y) log(1-p)), with each log clamped at
// -100 as PyTorch does, reduced by Mean unless given. It panics if their shapes or
// dtypes differ.
func BinaryCrossEntropy(input, target *tensor.Tensor, reduction ...Reduction) *tensor.Tensor {
	r := reductionOf("BinaryCrossEntropy", reduction)
	sameShape("BinaryCrossEntropy", input, target)
	return tensor.Apply(&bceLoss{r: r}, input, target)
}

type bceLoss struct{ r Reduction }

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
	return reduce(l.To(p.DType()), f.r)
}

// Backward: dinput = grad (p - y) / max(p (1-p), 1e-12) / N;
// dtarget = grad (log(1-p) - log p) / N.
func (f *bceLoss) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	s := ctx.Saved()
	p, y := s[0], s[1]
	g = scaleGrad(g, f.r, p.Numel())
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
// (1-y) x + log(1 + e^-x) (finite even for logits of ±100), reduced by Mean unless
// given. It panics if their shapes or dtypes differ.
func BinaryCrossEntropyWithLogits(input, target *tensor.Tensor, reduction ...Reduction) *tensor.Tensor {
	r := reductionOf("BinaryCrossEntropyWithLogits", reduction)
	sameShape("BinaryCrossEntropyWithLogits", input, target)
	return tensor.Apply(&bceLogitsLoss{r: r}, input, target)
}

type bceLogitsLoss struct{ r Reduction }

func (*bceLogitsLoss) Name() string { return "BinaryCrossEntropyWithLogitsBackward0" }

func (f *bceLogitsLoss) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	x, y := in[0], in[1]
	ctx.SaveForBackward(x, y)
	// (1-y) x + m + log(e^-m + e^(-x-m)) with m = max(-x, 0), as PyTorch computes it.
	m := x.Neg().Relu()
	l := y.RSubScalar(1).Mul(x).Add(m).Add(m.Neg().Exp().Add(x.Neg().Sub(m).Exp()).Log())
	return reduce(l, f.r)
}

// Backward: dinput = grad (sigmoid(x) - y) / N; dtarget = -grad x / N.
func (f *bceLogitsLoss) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	s := ctx.Saved()
	x, y := s[0], s[1]
	g = scaleGrad(g, f.r, x.Numel())
	var gx, gy *tensor.Tensor
	if ctx.NeedsInputGrad(0) {
		gx = g.Mul(x.Sigmoid().Sub(y))
	}
	if ctx.NeedsInputGrad(1) {
		gy = g.Mul(x).Neg()
	}
	return []*tensor.Tensor{gx, gy}
}

// CrossEntropy returns the cross-entropy loss between logits input, of shape
// (N, C) or (C), and target class indices (int64) of shape (N) or (), as
// torch.nn.functional.cross_entropy: NLLLoss(LogSoftmax(input, 1), target),
// reduced by Mean unless given. It panics on a class index out of range.
func CrossEntropy(input, target *tensor.Tensor, reduction ...Reduction) *tensor.Tensor {
	dim := 1
	if input.Dim() == 1 {
		dim = 0
	}
	return NLLLoss(input.LogSoftmax(dim), target, reduction...)
}

// NLLLoss returns the negative log-likelihood loss of log-probabilities input,
// (N, C) or (C), at the target class indices (int64, shape (N) or ()): the mean
// (unless another reduction is given) of -input[i, target[i]]. It panics on shapes
// that do not match or a class index out of range.
func NLLLoss(input, target *tensor.Tensor, reduction ...Reduction) *tensor.Tensor {
	r := reductionOf("NLLLoss", reduction)
	if target.DType() != tensor.Int64 {
		panic(tensor.NewError(tensor.ErrDType, "functional", "NLLLoss", "target must hold int64 class indices, got dtype %v", target.DType()))
	}
	ok := input.Dim() == 2 && target.Dim() == 1 && target.Size(0) == input.Size(0) ||
		input.Dim() == 1 && target.Dim() == 0
	if !ok {
		panic(tensor.NewError(tensor.ErrShape, "functional", "NLLLoss", "input shape %v and target shape %v do not match: want (N, C) and (N), or (C) and ()", input.Shape(), target.Shape()))
	}
	c := input.Size(-1)
	for _, t := range target.Contiguous().Int64s() {
		if t < 0 || t >= int64(c) {
			panic(tensor.NewError(tensor.ErrIndex, "functional", "NLLLoss", "target %d is out of bounds for %d classes", t, c))
		}
	}
	return tensor.Apply(&nllLoss{r: r}, input, target)
}

type nllLoss struct{ r Reduction }

func (*nllLoss) Name() string { return "NllLossBackward0" }

func (f *nllLoss) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	x, t := in[0].Contiguous(), in[1].Contiguous() // read through raw slices
	c := x.Size(-1)
	rows := x.Numel() / c
	// mask holds -1 at each row's target class: the loss is Σ mask·x, reduced.
	mask := tensor.ZerosLike(x)
	picked := tensor.ZerosLike(t).To(x.DType()).Reshape(rows)
	for i, cls := range t.Int64s() {
		setFlat(mask, i*c+int(cls), -1)
		setFlat(picked, i, -flat(x, i*c+int(cls)))
	}
	ctx.SaveForBackward(mask)
	return reduce(picked.Reshape(t.Shape()...), f.r)
}

// Backward: dinput = -grad at each target class / N; no gradient for the target.
func (f *nllLoss) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	mask := ctx.Saved()[0]
	rows := mask.Numel() / mask.Size(-1)
	if f.r == None && mask.Dim() == 2 {
		g = g.Unsqueeze(1)
	}
	return []*tensor.Tensor{mask.Mul(scaleGrad(g, f.r, rows)), nil}
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
