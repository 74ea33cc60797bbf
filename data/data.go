// Package data feeds training loops: a dataset of tensors, a loader that cuts it
// into shuffled mini-batches (the counterparts of torch.utils.data's
// TensorDataset and DataLoader), and a reader for the IDX files MNIST and
// Fashion-MNIST come in.
//
// # Overview
//
//	ds, err := data.NewTensorDataset(images, labels) // images (N, 784), labels (N)
//	loader := data.NewLoader(ds, data.LoaderOptions{BatchSize: 64, Shuffle: true})
//	for epoch := range epochs {
//		for x, y := range loader.All() { // x (64, 784), y (64)
//			...
//		}
//	}
//
// # Errors
//
// Files and data that are malformed return an error; calls that are malformed
// (a non-positive batch size) panic with a *tensor.Error, as in package tensor.
package data

import (
	"fmt"
	"iter"
	"slices"

	"github.com/gograd/gograd/tensor"
)

func fail(op, format string, args ...any) {
	panic(tensor.Errorf("data", op, format, args...))
}

// TensorDataset is a dataset held in two tensors whose first dimension indexes the
// samples: sample i is (Inputs[i], Targets[i]), as in PyTorch's
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

// LoaderOptions configures a Loader. The zero value of each field is PyTorch's
// default, except BatchSize, which must be set.
type LoaderOptions struct {
	BatchSize int
	// Shuffle draws a new order of the samples for each pass, from Generator
	// (tensor.DefaultGenerator() if nil).
	Shuffle   bool
	Generator *tensor.Generator
	// DropLast leaves out the last batch when it is smaller than BatchSize.
	DropLast bool
}

// Loader cuts a TensorDataset into mini-batches (the counterpart of
// torch.utils.data.DataLoader over a TensorDataset, without worker processes:
// a batch is a copy of rows, far cheaper than a training step).
type Loader struct {
	ds   TensorDataset
	opts LoaderOptions
}

// NewLoader returns a Loader over ds. It panics if opts.BatchSize is not positive.
func NewLoader(ds TensorDataset, opts LoaderOptions) *Loader {
	if opts.BatchSize <= 0 {
		fail("NewLoader", "batch_size should be a positive integer value, but got batch_size=%d", opts.BatchSize)
	}
	if opts.Generator == nil {
		opts.Generator = tensor.DefaultGenerator()
	}
	return &Loader{ds, opts}
}

// Len returns the number of batches in one pass.
func (l *Loader) Len() int {
	n, b := l.ds.Len(), l.opts.BatchSize
	if l.opts.DropLast {
		return n / b
	}
	return (n + b - 1) / b
}

// All returns an iterator over one pass of the dataset, in batches: inputs of
// shape (B, ...) and targets of shape (B, ...), B = BatchSize except perhaps for
// the last batch. Each batch is a new pair of tensors that do not require grad;
// with Shuffle, each call of All draws a new order.
func (l *Loader) All() iter.Seq2[*tensor.Tensor, *tensor.Tensor] {
	return func(yield func(*tensor.Tensor, *tensor.Tensor) bool) {
		n, b := l.ds.Len(), l.opts.BatchSize
		var order []int
		if l.opts.Shuffle {
			order = l.opts.Generator.Perm(n)
		}
		for lo := 0; lo < n; lo += b {
			hi := min(lo+b, n)
			if l.opts.DropLast && hi-lo < b {
				return
			}
			var idx []int
			if order != nil {
				idx = order[lo:hi]
			}
			if !yield(rows(l.ds.Inputs, lo, hi, idx), rows(l.ds.Targets, lo, hi, idx)) {
				return
			}
		}
	}
}

// rows returns the samples lo..hi-1 of t, or with idx the samples idx[0], idx[1],
// ..., as a new tensor.
func rows(t *tensor.Tensor, lo, hi int, idx []int) *tensor.Tensor {
	shape := t.Shape()
	shape[0] = hi - lo
	switch t.DType() {
	case tensor.Float32:
		return tensor.FromSlice(gather(t.Contiguous().Float32s(), t.Size(0), lo, hi, idx), shape...)
	case tensor.Float64:
		return tensor.FromSlice(gather(t.Contiguous().Float64s(), t.Size(0), lo, hi, idx), shape...)
	default:
		return tensor.FromSlice(gather(t.Contiguous().Int64s(), t.Size(0), lo, hi, idx), shape...)
	}
}

// gather copies the rows lo..hi-1, or the rows idx, of src, which holds n rows.
func gather[T tensor.Element](src []T, n, lo, hi int, idx []int) []T {
	if n == 0 {
		return nil
	}
	w := len(src) / n
	if idx == nil {
		return slices.Clone(src[lo*w : hi*w])
	}
	out := make([]T, 0, len(idx)*w)
	for _, i := range idx {
		out = append(out, src[i*w:(i+1)*w]...)
	}
	return out
}
