package functional

import (
	"github.com/gograd/gograd/tensor"
)

// Activations that torch.nn.functional has and tensor does not. The others
// (Gelu, Silu, Mish, Softplus, LeakyRelu, Elu, Selu, Celu, Hardtanh, Relu6,
// Hardsigmoid, Hardswish, LogSigmoid, Softsign, Tanhshrink) are tensor methods.

// Hardshrink returns x where |x| > lambda and 0 elsewhere, as
// torch.nn.functional.hardshrink (default lambda 0.5). Its node is
// HardshrinkBackward0; its gradient is written with tensor ops.
func Hardshrink(input *tensor.Tensor, lambda float64) *tensor.Tensor {
	floatInput("Hardshrink", input)
	return tensor.Apply(&shrink{name: "HardshrinkBackward0", lambda: lambda}, input)
}

// Softshrink returns x - lambda where x > lambda, x + lambda where x < -lambda
// and 0 elsewhere, as torch.nn.functional.softshrink (default lambda 0.5). Its
// node is SoftshrinkBackward0. It panics if lambda is negative, as PyTorch does.
func Softshrink(input *tensor.Tensor, lambda float64) *tensor.Tensor {
	floatInput("Softshrink", input)
	if lambda < 0 {
		panic(tensor.Errorf("functional", "Softshrink", "lambda must be greater or equal to 0, but found to be %v", lambda))
	}
	return tensor.Apply(&shrink{name: "SoftshrinkBackward0", lambda: lambda, soft: true}, input)
}

// Threshold returns x where x > threshold and value elsewhere, as
// torch.nn.functional.threshold. Its node is ThresholdBackward0.
func Threshold(input *tensor.Tensor, threshold, value float64) *tensor.Tensor {
	floatInput("Threshold", input)
	return tensor.Apply(&shrink{name: "ThresholdBackward0", lambda: threshold, value: value, threshold: true}, input)
}

func floatInput(op string, x *tensor.Tensor) {
	if !x.DType().IsFloat() {
		panic(tensor.NewError(tensor.ErrDType, "functional", op, "want a float input, got %v", x.DType()))
	}
}

// shrink is Hardshrink, Softshrink and Threshold: each passes its input (shifted
// towards 0 by lambda for Softshrink) where a mask holds and a constant
// elsewhere, so each has the gradient grad where the mask holds, 0 elsewhere.
type shrink struct {
	name      string
	lambda    float64
	value     float64 // Threshold's replacement value
	soft      bool    // Softshrink
	threshold bool    // Threshold: the mask is x > lambda, not |x| > lambda
	mask      *tensor.Tensor
}

func (f *shrink) Name() string { return f.name }

func (f *shrink) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	x := in[0]
	if f.threshold {
		f.mask = x.GtScalar(f.lambda)
		return tensor.Where(f.mask, x, x.DType().Scalar(f.value))
	}
	f.mask = x.Abs().GtScalar(f.lambda)
	y := x
	if f.soft {
		y = x.Sub(x.Sign().MulScalar(f.lambda))
	}
	return tensor.Where(f.mask, y, x.DType().Scalar(0))
}

// Backward: dx = grad where the mask holds, 0 elsewhere.
func (f *shrink) Backward(_ *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{tensor.Where(f.mask, g, g.DType().Scalar(0))}
}

// PRelu returns x where x > 0 and weight·x elsewhere, as
// torch.nn.functional.prelu: weight holds one slope, or one per channel (dim 1
// of input, whose dim 0 for a 1-d input). Its node is PreluBackward0; its
// gradients are written with tensor ops. It panics if weight's size fits
// neither.
func PRelu(input, weight *tensor.Tensor) *tensor.Tensor {
	floatInput("PRelu", input)
	channels := 1
	if input.Dim() >= 2 {
		channels = input.Size(1)
	}
	if weight.Dim() > 1 || (weight.Numel() != 1 && weight.Numel() != channels) || weight.DType() != input.DType() {
		panic(tensor.Errorf("functional", "PRelu", "weight of shape %v and dtype %v does not fit input of shape %v and dtype %v: want 1 or %d parameters",
			weight.Shape(), weight.DType(), input.Shape(), input.DType(), channels))
	}
	return tensor.Apply(&prelu{}, input, weight)
}

type prelu struct{}

func (*prelu) Name() string { return "PreluBackward0" }

// slopes returns w shaped to broadcast over x's channel dim.
func slopes(x, w *tensor.Tensor) *tensor.Tensor {
	if w.Numel() == 1 || x.Dim() < 2 {
		return w.Reshape()
	}
	shape := make([]int, x.Dim()-1)
	for i := range shape {
		shape[i] = 1
	}
	shape[0] = w.Numel()
	return w.Reshape(shape...)
}

func (*prelu) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	x, w := in[0], in[1]
	ctx.SaveForBackward(x, w)
	return tensor.Where(x.GtScalar(0), x, x.Mul(slopes(x, w)))
}

// Backward: dx = grad where x > 0, weight·grad elsewhere; dweight = the sum of
// grad·x where x ≤ 0, over every dim but the channel's.
func (*prelu) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	s := ctx.Saved()
	x, w := s[0], s[1]
	pos := x.Detach().GtScalar(0)
	zero := g.DType().Scalar(0)
	grads := make([]*tensor.Tensor, 2)
	if ctx.NeedsInputGrad(0) {
		grads[0] = tensor.Where(pos, g, g.Mul(slopes(x, w)))
	}
	if ctx.NeedsInputGrad(1) {
		dw := tensor.Where(pos, zero, g.Mul(x))
		if w.Numel() == 1 || x.Dim() < 2 {
			grads[1] = dw.Sum().Reshape(w.Shape()...)
		} else {
			dims := []int{0}
			for d := 2; d < x.Dim(); d++ {
				dims = append(dims, d)
			}
			grads[1] = dw.Sum(dims...)
		}
	}
	return grads
}

// Softmin returns the softmax of -x along dim, as torch.nn.functional.softmin
// (SoftmaxBackward0).
func Softmin(x *tensor.Tensor, dim int) *tensor.Tensor { return x.Neg().Softmax(dim) }

// GLU is the gated linear unit along dim, as torch.nn.functional.glu: input
// split in halves a and b along dim, a·σ(b). Its node is GluBackward0 (its own,
// for PyTorch's name), with gradients written with tensor ops. It panics unless
// input's size along dim is even.
func GLU(input *tensor.Tensor, dim int) *tensor.Tensor {
	floatInput("GLU", input)
	if input.Dim() == 0 {
		panic(tensor.Errorf("functional", "GLU", "glu does not support scalars because halving size must be even"))
	}
	d := dim
	if d < 0 {
		d += input.Dim()
	}
	if d < 0 || d >= input.Dim() || input.Size(d)%2 != 0 {
		panic(tensor.Errorf("functional", "GLU", "halving dimension %d of input shape %v must be in range and even", dim, input.Shape()))
	}
	return tensor.Apply(&glu{dim: d}, input)
}

type glu struct{ dim int }

func (*glu) Name() string { return "GluBackward0" }

func (f *glu) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	ctx.SaveForBackward(in[0])
	h := in[0].Chunk(2, f.dim)
	return h[0].Mul(h[1].Sigmoid())
}

// Backward: da = grad·σ(b), db = grad·a·σ(b)(1 - σ(b)), joined along dim.
func (f *glu) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	h := ctx.Saved()[0].Chunk(2, f.dim)
	s := h[1].Sigmoid()
	return []*tensor.Tensor{tensor.Cat([]*tensor.Tensor{g.Mul(s), g.Mul(h[0]).Mul(s.Mul(s.RSubScalar(1)))}, f.dim)}
}

// RRelu is the randomized leaky ReLU, as torch.nn.functional.rrelu: when
// training, x where x ≥ 0 and r·x elsewhere with r drawn from U(lower, upper)
// per element (from gen; nil: tensor.DefaultGenerator()), so values differ from
// PyTorch's, whose generator differs; otherwise x where x > 0 and
// (lower+upper)/2·x elsewhere. PyTorch's defaults are 1/8 and 1/3. Its node is
// RreluWithNoiseBackward0: the gradient is grad times the slopes used.
func RRelu(input *tensor.Tensor, lower, upper float64, training bool, gen *tensor.Generator) *tensor.Tensor {
	floatInput("RRelu", input)
	if !(lower <= upper) {
		panic(tensor.Errorf("functional", "RRelu", "lower %v must not exceed upper %v", lower, upper))
	}
	var slopes *tensor.Tensor
	x := input.Detach()
	one := x.DType().Scalar(1)
	if training {
		if gen == nil {
			gen = tensor.DefaultGenerator()
		}
		slopes = tensor.Where(x.GeScalar(0), one, gen.Uniform(tensor.ZerosLike(x), lower, upper))
	} else {
		slopes = tensor.Where(x.GtScalar(0), one, x.DType().Scalar((lower+upper)/2))
	}
	return tensor.Apply(&rrelu{}, input, slopes)
}

// rrelu multiplies its input by the slopes, the noise of PyTorch's
// rrelu_with_noise.
type rrelu struct{}

func (*rrelu) Name() string { return "RreluWithNoiseBackward0" }

func (*rrelu) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	ctx.SaveForBackward(in[1])
	return in[0].Mul(in[1])
}

// Backward: dx = grad·slopes.
func (*rrelu) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{g.Mul(ctx.Saved()[0]), nil}
}
