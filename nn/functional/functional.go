// Package functional holds gograd's stateless neural-network functions, the
// counterpart of torch.nn.functional: losses, activations, convolutions (Conv1d,
// Conv2d, Conv3d, ConvTranspose1d/2d/3d, Unfold, Fold), pooling (MaxPool2d,
// AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d), BatchNorm and Dropout on
// tensors.
//
// Convolutions, poolings and normalisations run fused kernels; when a backward
// pass creates a graph (CreateGraph), their gradients are recorded ops instead,
// so they can be differentiated again.
//
// The losses are defined with tensor.Apply, each with its own backward, so they
// are numerically stable, fast, and report PyTorch's grad_fn names
// (MseLossBackward0, BinaryCrossEntropyWithLogitsBackward0, NllLossBackward0).
//
// # Panics
//
// Shape and dtype mistakes panic with a *tensor.Error whose package is
// "functional"; tensor.Maybe turns them into an error.
package functional

import (
	"slices"

	"github.com/gograd/gograd/tensor"
)

// Reduction says how a loss combines its per-element values.
type Reduction uint8

// The reductions, as PyTorch's reduction argument.
const (
	Mean Reduction = iota // the mean of the elements (the default)
	Sum                   // their sum
	None                  // no reduction: one loss per element
	// BatchMean is KLDiv's sum divided by the batch size (the input's first
	// dimension), the mathematically correct KL divergence; other losses panic.
	BatchMean
)

func reductionOf(op string, r []Reduction) Reduction {
	switch len(r) {
	case 0:
		return Mean
	case 1:
		if r[0] <= None {
			return r[0]
		}
	}
	panic(tensor.Errorf("functional", op, "want at most one valid Reduction, got %v", r))
}

// reduce applies r to per-element losses l.
func reduce(l *tensor.Tensor, r Reduction) *tensor.Tensor {
	switch r {
	case Sum:
		return l.Sum()
	case None:
		return l
	}
	return l.Mean()
}

// scaleGrad turns the gradient of a reduced loss into the per-element factor:
// grad/N for Mean, grad for Sum and None.
func scaleGrad(g *tensor.Tensor, r Reduction, n int) *tensor.Tensor {
	if r == Mean {
		return g.DivScalar(float64(n))
	}
	return g
}

func sameShape(op string, input, target *tensor.Tensor) {
	if !slices.Equal(input.Shape(), target.Shape()) {
		panic(tensor.NewError(tensor.ErrShape, "functional", op, "input shape %v and target shape %v differ", input.Shape(), target.Shape()))
	}
	if input.DType() != target.DType() {
		panic(tensor.NewError(tensor.ErrDType, "functional", op, "input dtype %v and target dtype %v differ", input.DType(), target.DType()))
	}
}

// Relu returns max(x, 0) elementwise.
func Relu(x *tensor.Tensor) *tensor.Tensor { return x.Relu() }

// Sigmoid returns 1 / (1 + e^-x) elementwise.
func Sigmoid(x *tensor.Tensor) *tensor.Tensor { return x.Sigmoid() }

// Tanh returns tanh(x) elementwise.
func Tanh(x *tensor.Tensor) *tensor.Tensor { return x.Tanh() }

// Softmax returns the softmax of x along dim.
func Softmax(x *tensor.Tensor, dim int) *tensor.Tensor { return x.Softmax(dim) }

// LogSoftmax returns the log of the softmax of x along dim.
func LogSoftmax(x *tensor.Tensor, dim int) *tensor.Tensor { return x.LogSoftmax(dim) }
