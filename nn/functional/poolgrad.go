package functional

import (
	"strings"

	"github.com/gograd/gograd/tensor"
)

// The input gradients of the poolings when the backward pass creates a graph (a
// gradient to be differentiated again): nodes linear in the output gradient,
// whose own gradient there is the pooling's forward map. A plain backward pass
// runs the raw kernels of pool.go instead.

// poolGrad is the input gradient of a pooling as a node of (grad, x), as
// PyTorch's MaxPool2DWithIndicesBackwardBackward0 and AvgPool2DBackwardBackward0:
// linear in grad, with adjoint as its gradient there; x gives the shape only,
// and its gradient is zero (not absent), as in PyTorch.
type poolGrad struct {
	name    string
	spread  func(dx, g *tensor.Tensor) // adds grad (contiguous) into dx (zeros of x's shape)
	adjoint func(gg *tensor.Tensor) *tensor.Tensor
}

func (f *poolGrad) Name() string { return f.name }

func (f *poolGrad) Forward(_ *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	dx := tensor.ZerosLike(in[1])
	f.spread(dx, in[0].Contiguous())
	return dx
}

// Backward: d grad = adjoint(gg); dx = 0.
func (f *poolGrad) Backward(ctx *tensor.Context, gg *tensor.Tensor) []*tensor.Tensor {
	grads := []*tensor.Tensor{nil, nil}
	if ctx.NeedsInputGrad(0) {
		grads[0] = f.adjoint(gg)
	}
	if ctx.NeedsInputGrad(1) {
		grads[1] = tensor.ZerosLike(gg) // gg has x's shape
	}
	return grads
}

// backwardName returns PyTorch's name of the node of a node's gradient:
// "MaxPool2DWithIndicesBackward0" gives "MaxPool2DWithIndicesBackwardBackward0".
func backwardName(name string) string { return strings.TrimSuffix(name, "0") + "Backward0" }

// gradGraph returns max pooling's input gradient for the output gradient g as a
// poolGrad: g added at the argmax positions, whose adjoint gathers at them.
func (f *maxPool) gradGraph(name string, x, g *tensor.Tensor) *tensor.Tensor {
	planes, ol, shape := f.g.n*f.g.c, f.g.oh*f.g.ow, g.Shape()
	idx := f.indices(x).Reshape(planes, ol)
	return tensor.Apply(&poolGrad{
		name: backwardName(name),
		spread: func(dx, g *tensor.Tensor) {
			if dx.DType() == tensor.Float32 {
				scatterPlanes(&f.g, dx.Float32s(), g.Float32s(), f.idx)
			} else {
				scatterPlanes(&f.g, dx.Float64s(), g.Float64s(), f.idx)
			}
		},
		adjoint: func(gg *tensor.Tensor) *tensor.Tensor {
			return gg.Reshape(planes, -1).Gather(1, idx).Reshape(shape...)
		},
	}, g, x)
}

// gradGraph returns average pooling's input gradient for the output gradient g
// as a poolGrad: g spread evenly over each window, whose adjoint is the pooling.
func (f *avgPool) gradGraph(x, g *tensor.Tensor) *tensor.Tensor {
	return tensor.Apply(&poolGrad{
		name: backwardName(f.name),
		spread: func(dx, g *tensor.Tensor) {
			if dx.DType() == tensor.Float32 {
				avgBackward(&f.g, f.windows, dx.Float32s(), g.Float32s())
			} else {
				avgBackward(&f.g, f.windows, dx.Float64s(), g.Float64s())
			}
		},
		adjoint: func(gg *tensor.Tensor) *tensor.Tensor { return tensor.Apply(f, gg) },
	}, g, x)
}
