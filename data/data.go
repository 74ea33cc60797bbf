// Package data feeds training loops: the counterparts of torch.utils.data
// (datasets, samplers and a loader that batches samples, with worker goroutines
// that load ahead), a CSV reader for tabular data and a reader for the IDX files
// MNIST and Fashion-MNIST come in. Image augmentation lives in data/transforms.
//
// # Overview
//
// A Dataset[T] has Len and Get(i); a tensor dataset's sample is a
// []*tensor.Tensor such as {input, target}. A Loader batches samples: its
// BatchSampler (built from a Sampler and BatchSize unless given) says which
// samples make each batch, Get fetches them and a collate function merges them,
// by default Collate, which stacks tensors along a new first dim and keeps the
// sample's type:
//
//	ds, err := data.NewTensorDataset(images, labels) // images (N, 784), labels (N)
//	parts := data.RandomSplitFractions(ds, []float64{0.9, 0.1}, g)
//	loader := data.NewLoader(parts[0], data.LoaderOptions{BatchSize: 64, Shuffle: true, Workers: 2})
//	for epoch := range epochs {
//		for b := range loader.All() {
//			x, y := b[0], b[1] // x (64, 784), y (64)
//			...
//		}
//	}
//
// # Invariants
//
// Random choices (Shuffle, RandomSampler, RandomSplit, a RandomDataset's
// augmentation) draw from a *tensor.Generator, on the goroutine that ranges over
// the loader or from per-batch generators seeded from it, so a seed gives the same
// batches in the same order at any number of Workers.
//
// # Errors
//
// Files and data that are malformed return an error; calls that are malformed
// (a non-positive batch size, an index out of range, tensors of different shapes
// to stack) panic with a *tensor.Error, as in package tensor.
package data

import (
	"fmt"

	"github.com/gograd/gograd/tensor"
)

func fail(op, format string, args ...any) {
	panic(tensor.Errorf("data", op, format, args...))
}

// TensorDataset is a dataset held in two tensors whose first dimension indexes the
// samples: sample i is []*tensor.Tensor{Inputs[i], Targets[i]}, as in PyTorch's
// TensorDataset(inputs, targets).
type TensorDataset struct {
	Inputs, Targets *tensor.Tensor
}

// NewTensorDataset returns the dataset of inputs and targets, or an error if they
// do not hold the same number of samples.
func NewTensorDataset(inputs, targets *tensor.Tensor) (TensorDataset, error) {
	if inputs.Dim() == 0 || targets.Dim() == 0 || inputs.Size(0) != targets.Size(0) {
		return TensorDataset{}, fmt.Errorf("data: NewTensorDataset: inputs of shape %v and targets of shape %v do not hold the same number of samples",
			inputs.Shape(), targets.Shape())
	}
	return TensorDataset{inputs, targets}, nil
}

// Len returns the number of samples.
func (d TensorDataset) Len() int { return d.Inputs.Size(0) }
