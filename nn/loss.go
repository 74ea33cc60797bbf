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
// of the same shape (torch.nn.BCELoss). Options may hold functional.Weight.
type BCELoss struct {
	Reduction functional.Reduction
	Options   []functional.LossOption
}

// Forward returns functional.BinaryCrossEntropy(input, target, l.Reduction,
// l.Options...). It panics if their shapes or dtypes differ.
func (l BCELoss) Forward(input, target *tensor.Tensor) *tensor.Tensor {
	return functional.BinaryCrossEntropy(input, target, opts(l.Reduction, l.Options)...)
}

// BCEWithLogitsLoss is the binary cross-entropy between sigmoid(input) and a
// target, computed stably from the logits (torch.nn.BCEWithLogitsLoss). Options
// may hold functional.Weight and functional.PosWeight.
type BCEWithLogitsLoss struct {
	Reduction functional.Reduction
	Options   []functional.LossOption
}

// Forward returns functional.BinaryCrossEntropyWithLogits(input, target,
// l.Reduction, l.Options...). It panics if their shapes or dtypes differ.
func (l BCEWithLogitsLoss) Forward(input, target *tensor.Tensor) *tensor.Tensor {
	return functional.BinaryCrossEntropyWithLogits(input, target, opts(l.Reduction, l.Options)...)
}

// CrossEntropyLoss is the cross-entropy between logits (C), (N, C) or
// (N, C, d1, ...) and int64 class indices or class probabilities
// (torch.nn.CrossEntropyLoss). Options may hold functional.Weight,
// functional.IgnoreIndex and functional.LabelSmoothing.
type CrossEntropyLoss struct {
	Reduction functional.Reduction
	Options   []functional.LossOption
}

// Forward returns functional.CrossEntropy(input, target, l.Reduction,
// l.Options...). It panics if the shapes do not match or a class index is out
// of range.
func (l CrossEntropyLoss) Forward(input, target *tensor.Tensor) *tensor.Tensor {
	return functional.CrossEntropy(input, target, opts(l.Reduction, l.Options)...)
}

// NLLLoss is the negative log-likelihood of log-probabilities at int64 class
// indices (torch.nn.NLLLoss). Options may hold functional.Weight and
// functional.IgnoreIndex.
type NLLLoss struct {
	Reduction functional.Reduction
	Options   []functional.LossOption
}

// Forward returns functional.NLLLoss(input, target, l.Reduction, l.Options...).
func (l NLLLoss) Forward(input, target *tensor.Tensor) *tensor.Tensor {
	return functional.NLLLoss(input, target, opts(l.Reduction, l.Options)...)
}

// L1Loss is the mean absolute error (torch.nn.L1Loss).
type L1Loss struct{ Reduction functional.Reduction }

// Forward returns functional.L1Loss(input, target, l.Reduction).
func (l L1Loss) Forward(input, target *tensor.Tensor) *tensor.Tensor {
	return functional.L1Loss(input, target, l.Reduction)
}

// SmoothL1Loss is torch.nn.SmoothL1Loss. PyTorch's default Beta is 1
// (NewSmoothL1Loss); Beta 0 is the L1 loss.
type SmoothL1Loss struct {
	Reduction functional.Reduction
	Beta      float64
}

// NewSmoothL1Loss returns a SmoothL1Loss with PyTorch's defaults: mean, beta 1.
func NewSmoothL1Loss() SmoothL1Loss { return SmoothL1Loss{Beta: 1} }

// Forward returns functional.SmoothL1Loss(input, target, l.Beta, l.Reduction).
func (l SmoothL1Loss) Forward(input, target *tensor.Tensor) *tensor.Tensor {
	return functional.SmoothL1Loss(input, target, l.Beta, l.Reduction)
}

// HuberLoss is torch.nn.HuberLoss; Delta must be positive (PyTorch's default is 1,
// NewHuberLoss).
type HuberLoss struct {
	Reduction functional.Reduction
	Delta     float64
}

// NewHuberLoss returns a HuberLoss with PyTorch's defaults: mean, delta 1.
func NewHuberLoss() HuberLoss { return HuberLoss{Delta: 1} }

// Forward returns functional.HuberLoss(input, target, l.Delta, l.Reduction).
func (l HuberLoss) Forward(input, target *tensor.Tensor) *tensor.Tensor {
	return functional.HuberLoss(input, target, l.Delta, l.Reduction)
}

// KLDivLoss is the Kullback-Leibler divergence of log-probabilities input from
// target (torch.nn.KLDivLoss); Reduction may also be functional.BatchMean.
type KLDivLoss struct {
	Reduction functional.Reduction
	LogTarget bool
}

// Forward returns functional.KLDiv(input, target, l.LogTarget, l.Reduction).
func (l KLDivLoss) Forward(input, target *tensor.Tensor) *tensor.Tensor {
	return functional.KLDiv(input, target, l.LogTarget, l.Reduction)
}

// PoissonNLLLoss is torch.nn.PoissonNLLLoss (NewPoissonNLLLoss has its defaults).
type PoissonNLLLoss struct {
	Reduction      functional.Reduction
	LogInput, Full bool
	Eps            float64
}

// NewPoissonNLLLoss returns a PoissonNLLLoss with PyTorch's defaults: log_input,
// not full, eps 1e-8, mean.
func NewPoissonNLLLoss() PoissonNLLLoss { return PoissonNLLLoss{LogInput: true, Eps: 1e-8} }

// Forward returns functional.PoissonNLLLoss with l's settings.
func (l PoissonNLLLoss) Forward(input, target *tensor.Tensor) *tensor.Tensor {
	return functional.PoissonNLLLoss(input, target, l.LogInput, l.Full, l.Eps, l.Reduction)
}

// GaussianNLLLoss is torch.nn.GaussianNLLLoss (NewGaussianNLLLoss has its
// defaults).
type GaussianNLLLoss struct {
	Reduction functional.Reduction
	Full      bool
	Eps       float64
}

// NewGaussianNLLLoss returns a GaussianNLLLoss with PyTorch's defaults: not
// full, eps 1e-6, mean.
func NewGaussianNLLLoss() GaussianNLLLoss { return GaussianNLLLoss{Eps: 1e-6} }

// Forward returns functional.GaussianNLLLoss(input, target, variance, ...).
func (l GaussianNLLLoss) Forward(input, target, variance *tensor.Tensor) *tensor.Tensor {
	return functional.GaussianNLLLoss(input, target, variance, l.Full, l.Eps, l.Reduction)
}

// CosineEmbeddingLoss is torch.nn.CosineEmbeddingLoss (margin 0 by default).
type CosineEmbeddingLoss struct {
	Reduction functional.Reduction
	Margin    float64
}

// Forward returns functional.CosineEmbeddingLoss(x1, x2, y, l.Margin,
// l.Reduction).
func (l CosineEmbeddingLoss) Forward(x1, x2, y *tensor.Tensor) *tensor.Tensor {
	return functional.CosineEmbeddingLoss(x1, x2, y, l.Margin, l.Reduction)
}

// MarginRankingLoss is torch.nn.MarginRankingLoss (margin 0 by default).
type MarginRankingLoss struct {
	Reduction functional.Reduction
	Margin    float64
}

// Forward returns functional.MarginRankingLoss(x1, x2, y, l.Margin, l.Reduction).
func (l MarginRankingLoss) Forward(x1, x2, y *tensor.Tensor) *tensor.Tensor {
	return functional.MarginRankingLoss(x1, x2, y, l.Margin, l.Reduction)
}

// HingeEmbeddingLoss is torch.nn.HingeEmbeddingLoss (PyTorch's default margin
// is 1, NewHingeEmbeddingLoss).
type HingeEmbeddingLoss struct {
	Reduction functional.Reduction
	Margin    float64
}

// NewHingeEmbeddingLoss returns a HingeEmbeddingLoss with margin 1, mean.
func NewHingeEmbeddingLoss() HingeEmbeddingLoss { return HingeEmbeddingLoss{Margin: 1} }

// Forward returns functional.HingeEmbeddingLoss(x, y, l.Margin, l.Reduction).
func (l HingeEmbeddingLoss) Forward(x, y *tensor.Tensor) *tensor.Tensor {
	return functional.HingeEmbeddingLoss(x, y, l.Margin, l.Reduction)
}

// TripletMarginLoss is torch.nn.TripletMarginLoss (NewTripletMarginLoss has its
// defaults).
type TripletMarginLoss struct {
	Reduction functional.Reduction
	Margin, P float64
	Eps       float64
	Swap      bool
}

// NewTripletMarginLoss returns a TripletMarginLoss with PyTorch's defaults:
// margin 1, p 2, eps 1e-6, no swap, mean.
func NewTripletMarginLoss() TripletMarginLoss { return TripletMarginLoss{Margin: 1, P: 2, Eps: 1e-6} }

// Forward returns functional.TripletMarginLoss with l's settings.
func (l TripletMarginLoss) Forward(anchor, positive, negative *tensor.Tensor) *tensor.Tensor {
	return functional.TripletMarginLoss(anchor, positive, negative, l.Margin, l.P, l.Eps, l.Swap, l.Reduction)
}

// MultiMarginLoss is torch.nn.MultiMarginLoss (NewMultiMarginLoss has its
// defaults). Options may hold functional.Weight.
type MultiMarginLoss struct {
	Reduction functional.Reduction
	P         int
	Margin    float64
	Options   []functional.LossOption
}

// NewMultiMarginLoss returns a MultiMarginLoss with p 1, margin 1, mean.
func NewMultiMarginLoss() MultiMarginLoss { return MultiMarginLoss{P: 1, Margin: 1} }

// Forward returns functional.MultiMarginLoss with l's settings.
func (l MultiMarginLoss) Forward(input, target *tensor.Tensor) *tensor.Tensor {
	return functional.MultiMarginLoss(input, target, l.P, l.Margin, opts(l.Reduction, l.Options)...)
}

// MultiLabelSoftMarginLoss is torch.nn.MultiLabelSoftMarginLoss. Options may
// hold functional.Weight.
type MultiLabelSoftMarginLoss struct {
	Reduction functional.Reduction
	Options   []functional.LossOption
}

// Forward returns functional.MultiLabelSoftMarginLoss with l's settings.
func (l MultiLabelSoftMarginLoss) Forward(input, target *tensor.Tensor) *tensor.Tensor {
	return functional.MultiLabelSoftMarginLoss(input, target, opts(l.Reduction, l.Options)...)
}

// CTCLoss is torch.nn.CTCLoss (blank 0 by default).
type CTCLoss struct {
	Reduction    functional.Reduction
	Blank        int
	ZeroInfinity bool
}

// Forward returns functional.CTCLoss with l's settings.
func (l CTCLoss) Forward(logProbs, targets *tensor.Tensor, inputLengths, targetLengths []int) *tensor.Tensor {
	return functional.CTCLoss(logProbs, targets, inputLengths, targetLengths, l.Blank, l.ZeroInfinity, l.Reduction)
}

// opts returns r followed by o, in a new slice (so that modules used from several
// goroutines share nothing they write).
func opts(r functional.Reduction, o []functional.LossOption) []functional.LossOption {
	return append([]functional.LossOption{r}, o...)
}
