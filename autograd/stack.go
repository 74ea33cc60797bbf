package autograd

import "github.com/gograd/gograd/tensor"

// stackFn joins tensors of one shape along a new leading dimension, recorded so
// that the Jacobian's rows, made with CreateGraph, stay differentiable. (tensor
// has no Stack yet; replace this by tensor.Stack when it lands.)
type stackFn struct{}

func (stackFn) Name() string { return "StackBackward0" }

func (stackFn) Forward(_ *tensor.Context, ts ...*tensor.Tensor) *tensor.Tensor {
	shape := append([]int{len(ts)}, ts[0].Shape()...)
	switch ts[0].DType() {
	case tensor.Float32:
		var v []float32
		for _, t := range ts {
			v = append(v, t.Contiguous().Float32s()...)
		}
		return tensor.New(v, shape...)
	default:
		var v []float64
		for _, t := range ts {
			v = append(v, t.Contiguous().Float64s()...)
		}
		return tensor.New(v, shape...)
	}
}

// Backward: d ts[k] = grad[k].
func (stackFn) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	out := make([]*tensor.Tensor, g.Size(0))
	for k := range out {
		if ctx.NeedsInputGrad(k) {
			out[k] = g.Select(0, k)
		}
	}
	return out
}

// stack returns ts joined along a new first dimension; like is a tensor of the
// rows' shape and dtype, for an empty ts.
func stack(ts []*tensor.Tensor, like *tensor.Tensor) *tensor.Tensor {
	if len(ts) == 0 {
		return like.DType().Zeros(append([]int{0}, like.Shape()...)...)
	}
	return tensor.Apply(stackFn{}, ts...)
}
