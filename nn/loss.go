package nn

import (
	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// The loss modules hold a reduction and call the function of the same name in
// nn/functional. Their zero value reduces by the mean, as PyTorch's defaults do:
//
//	loss := nn.MSELoss{}.Forward(prediction, target)
//	perElement := nn.MSELoss{Reduction: functional.None}.Forward(prediction, target)

// MSELoss is the mean squared error between an input and a target of the same
// shape (torch.nn.MSELoss).
type MSELoss struct{ Reduction functional.Reduction }

// Forward returns functional.MSELoss(input, target, l.Reduction). It panics if
// their shapes or dtypes differ.
func (l MSELoss) Forward(input, target *tensor.Tensor) *tensor.Tensor {
	return functional.MSELoss(input, target, l.Reduction)
}

// BCELoss is the binary cross-entropy between probabilities in [0, 1] and targets
// of the same shape (torch.nn.BCELoss).
type BCELoss struct{ Reduction functional.Reduction }

// Forward returns functional.BinaryCrossEntropy(input, target, l.Reduction). It
// panics if their shapes or dtypes differ.
func (l BCELoss) Forward(input, target *tensor.Tensor) *tensor.Tensor {
	return functional.BinaryCrossEntropy(input, target, l.Reduction)
}

// BCEWithLogitsLoss is the binary cross-entropy between sigmoid(input) and a
// target, computed stably from the logits (torch.nn.BCEWithLogitsLoss).
type BCEWithLogitsLoss struct{ Reduction functional.Reduction }

// Forward returns functional.BinaryCrossEntropyWithLogits(input, target,
// l.Reduction). It panics if their shapes or dtypes differ.
func (l BCEWithLogitsLoss) Forward(input, target *tensor.Tensor) *tensor.Tensor {
	return functional.BinaryCrossEntropyWithLogits(input, target, l.Reduction)
}

// CrossEntropyLoss is the cross-entropy between logits of shape (N, C) or (C) and
// int64 class indices of shape (N) or () (torch.nn.CrossEntropyLoss).
type CrossEntropyLoss struct{ Reduction functional.Reduction }

// Forward returns functional.CrossEntropy(input, target, l.Reduction). It panics
// if the shapes do not match or a class index is out of range.
func (l CrossEntropyLoss) Forward(input, target *tensor.Tensor) *tensor.Tensor {
	return functional.CrossEntropy(input, target, l.Reduction)
}
