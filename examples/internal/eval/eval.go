// Package eval measures the example classifiers.
package eval

import (
	"github.com/gograd/gograd/data"
	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// Accuracy returns the fraction of ds that model classifies correctly, taking
// the class with the largest logit, without recording a graph.
func Accuracy(model nn.Module, ds data.TensorDataset) float64 {
	var pred *tensor.Tensor
	tensor.NoGrad(func() { pred = model.Forward(ds.Inputs).Argmax(1) })
	correct := 0
	for i, label := range ds.Targets.Int64s() {
		if pred.Int64s()[i] == label {
			correct++
		}
	}
	return float64(correct) / float64(ds.Len())
}

// Loss returns the mean cross-entropy of model's logits on ds, without
// recording a graph.
func Loss(model nn.Module, ds data.TensorDataset) float64 {
	var l float64
	tensor.NoGrad(func() { l = functional.CrossEntropy(model.Forward(ds.Inputs), ds.Targets).Item() })
	return l
}
