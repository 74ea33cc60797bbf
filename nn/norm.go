package nn

import (
	"fmt"

	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

type normConfig struct {
	eps, momentum float64
	affine, track bool
}

// WithEps sets the value a normalisation layer adds to the variance (PyTorch's
// eps, 1e-5 unless given).
func WithEps(eps float64) Option { return func(c *config) { c.norm.eps = eps } }

// WithMomentum sets the weight of each batch in a BatchNorm's running statistics
// (PyTorch's momentum, 0.1 unless given).
func WithMomentum(m float64) Option { return func(c *config) { c.norm.momentum = m } }

// WithAffine sets whether a normalisation layer has a learned weight and bias
// (PyTorch's affine, true unless given).
func WithAffine(on bool) Option { return func(c *config) { c.norm.affine = on } }

// WithTrackRunningStats sets whether a BatchNorm keeps running statistics for
// evaluation (PyTorch's track_running_stats, true unless given). Without them it
// normalises by the batch's statistics in both modes.
func WithTrackRunningStats(on bool) Option { return func(c *config) { c.norm.track = on } }

// BatchNorm normalises each channel of its input by the statistics of the batch
// in training, and by running estimates of them in evaluation
// (torch.nn.BatchNorm1d and BatchNorm2d; NewBatchNorm1d and NewBatchNorm2d say
// which input shapes it takes). Weight (ones) and Bias (zeros) are nil without
// affine; RunningMean (zeros), RunningVar (ones) and NumBatchesTracked (an int64
// scalar counting training batches) are buffers, nil without
// track_running_stats. The momentum None of PyTorch (a cumulative average) is not
// supported.
type BatchNorm struct {
	NumFeatures                                int
	Eps, Momentum                              float64
	Weight, Bias                               *tensor.Tensor
	RunningMean, RunningVar, NumBatchesTracked *tensor.Tensor
	dims                                       int // 1 or 2: the name and the input shapes it takes
	eval                                       bool
}

// NewBatchNorm2d returns a BatchNorm over inputs (N, C, H, W) with C = features.
func NewBatchNorm2d(features int, opts ...Option) *BatchNorm { return newBatchNorm(2, features, opts) }

// NewBatchNorm1d returns a BatchNorm over inputs (N, C) or (N, C, L) with C =
// features.
func NewBatchNorm1d(features int, opts ...Option) *BatchNorm { return newBatchNorm(1, features, opts) }

func newBatchNorm(dims, features int, opts []Option) *BatchNorm {
	c := newConfig(opts)
	if features < 1 {
		fail("NewBatchNorm", "num_features must be positive, got %d", features)
	}
	b := &BatchNorm{NumFeatures: features, Eps: c.norm.eps, Momentum: c.norm.momentum, dims: dims}
	if c.norm.affine {
		b.Weight = c.dtype.Ones(features).SetRequiresGrad(true)
		b.Bias = c.dtype.Zeros(features).SetRequiresGrad(true)
	}
	if c.norm.track {
		b.RunningMean, b.RunningVar = c.dtype.Zeros(features), c.dtype.Ones(features)
		b.NumBatchesTracked = tensor.New([]int64{0}).Reshape() // a 0-d int64, as PyTorch's
	}
	return b
}

// Forward normalises x: by its batch statistics in training mode (updating the
// running ones and counting the batch), by the running statistics in evaluation
// mode. It panics if x's shape does not fit (4-d for BatchNorm2d, 2-d or 3-d for
// BatchNorm1d, with NumFeatures channels).
func (b *BatchNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	ok := x.Dim() == b.dims+2 || b.dims == 1 && x.Dim() == 2
	if !ok || x.Size(1) != b.NumFeatures {
		fail(b.name(), "expected %s input with %d channels, got shape %v", map[int]string{1: "2D or 3D", 2: "4D"}[b.dims], b.NumFeatures, x.Shape())
	}
	training := !b.eval || b.RunningMean == nil
	if !b.eval && b.NumBatchesTracked != nil {
		b.NumBatchesTracked.Int64s()[0]++
	}
	return functional.BatchNorm(x, b.RunningMean, b.RunningVar, b.Weight, b.Bias,
		functional.BatchNormOptions{Training: training, Momentum: b.Momentum, Eps: b.Eps})
}

func (b *BatchNorm) name() string { return fmt.Sprintf("BatchNorm%dd", b.dims) }

// Parameters returns the weight and the bias, or nil without affine.
func (b *BatchNorm) Parameters() []*tensor.Tensor { return weightBias(b.Weight, b.Bias) }

// NamedParameters returns "weight" and "bias", or nil without affine.
func (b *BatchNorm) NamedParameters() []NamedParameter { return namedWeightBias(b.Weight, b.Bias) }

// NamedBuffers returns "running_mean", "running_var" and "num_batches_tracked",
// PyTorch's state-dict names, or nil without running statistics.
func (b *BatchNorm) NamedBuffers() []NamedParameter {
	if b.RunningMean == nil {
		return nil
	}
	return []NamedParameter{{"running_mean", b.RunningMean}, {"running_var", b.RunningVar}, {"num_batches_tracked", b.NumBatchesTracked}}
}

// SetTraining sets training (true) or evaluation mode.
func (b *BatchNorm) SetTraining(on bool) { b.eval = !on }

// Training reports whether b is in training mode.
func (b *BatchNorm) Training() bool { return !b.eval }

// String returns the layer as PyTorch prints it, such as "BatchNorm2d(4,
// eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)".
func (b *BatchNorm) String() string {
	return fmt.Sprintf("%s(%d, eps=%v, momentum=%v, affine=%s, track_running_stats=%s)",
		b.name(), b.NumFeatures, b.Eps, b.Momentum, pyBool(b.Weight != nil), pyBool(b.RunningMean != nil))
}

func weightBias(w, b *tensor.Tensor) []*tensor.Tensor {
	var out []*tensor.Tensor
	for _, p := range namedWeightBias(w, b) {
		out = append(out, p.Tensor)
	}
	return out
}

func namedWeightBias(w, b *tensor.Tensor) []NamedParameter {
	var out []NamedParameter
	if w != nil {
		out = append(out, NamedParameter{"weight", w})
	}
	if b != nil {
		out = append(out, NamedParameter{"bias", b})
	}
	return out
}

// Dropout zeroes each element of its input with probability P in training mode,
// scaling the others by 1/(1-P), and passes the input through in evaluation mode
// (torch.nn.Dropout): functional.Dropout. Masks come from Generator, or
// tensor.DefaultGenerator() when it is nil. Use it by pointer, &nn.Dropout{P: 0.5},
// so that Train and Eval reach it; its zero mode is training, as in PyTorch.
type Dropout struct {
	P         float64
	Generator *tensor.Generator
	eval      bool
}

// Forward returns functional.Dropout(x, d.P, training, d.Generator).
func (d *Dropout) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.Dropout(x, d.P, !d.eval, d.Generator)
}

// Parameters returns nil: Dropout has none.
func (*Dropout) Parameters() []*tensor.Tensor { return nil }

// SetTraining sets training (true) or evaluation mode.
func (d *Dropout) SetTraining(on bool) { d.eval = !on }

// Training reports whether d is in training mode.
func (d *Dropout) Training() bool { return !d.eval }

// String returns "Dropout(p=0.5, inplace=False)".
func (d *Dropout) String() string { return fmt.Sprintf("Dropout(p=%v, inplace=False)", d.P) }

// Dropout2d zeroes whole channels of an input (N, C, H, W) with probability P in
// training mode (torch.nn.Dropout2d): functional.Dropout2d. See Dropout.
type Dropout2d Dropout

// Forward returns functional.Dropout2d(x, d.P, training, d.Generator).
func (d *Dropout2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.Dropout2d(x, d.P, !d.eval, d.Generator)
}

// Parameters returns nil: Dropout2d has none.
func (*Dropout2d) Parameters() []*tensor.Tensor { return nil }

// SetTraining sets training (true) or evaluation mode.
func (d *Dropout2d) SetTraining(on bool) { d.eval = !on }

// Training reports whether d is in training mode.
func (d *Dropout2d) Training() bool { return !d.eval }

// String returns "Dropout2d(p=0.5, inplace=False)".
func (d *Dropout2d) String() string { return fmt.Sprintf("Dropout2d(p=%v, inplace=False)", d.P) }

// GroupNorm normalises each sample over groups of its channels
// (torch.nn.GroupNorm): functional.GroupNorm, with a per-channel Weight (ones) and
// Bias (zeros) unless made WithAffine(false).
type GroupNorm struct {
	NumGroups, NumChannels int
	Eps                    float64
	Weight, Bias           *tensor.Tensor
}

// NewGroupNorm returns a GroupNorm of channels split into groups, eps 1e-5 unless
// WithEps says otherwise. It panics unless groups divides channels.
func NewGroupNorm(groups, channels int, opts ...Option) *GroupNorm {
	c := newConfig(opts)
	if groups < 1 || channels < 1 || channels%groups != 0 {
		fail("NewGroupNorm", "num_channels %d must be divisible by num_groups %d", channels, groups)
	}
	g := &GroupNorm{NumGroups: groups, NumChannels: channels, Eps: c.norm.eps}
	if c.norm.affine {
		g.Weight = c.dtype.Ones(channels).SetRequiresGrad(true)
		g.Bias = c.dtype.Zeros(channels).SetRequiresGrad(true)
	}
	return g
}

// Forward returns functional.GroupNorm(x, NumGroups, Weight, Bias, Eps).
func (g *GroupNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.GroupNorm(x, g.NumGroups, g.Weight, g.Bias, g.Eps)
}

// Parameters returns the weight and the bias, or nil without them.
func (g *GroupNorm) Parameters() []*tensor.Tensor { return weightBias(g.Weight, g.Bias) }

// NamedParameters returns "weight" and "bias", or nil without them.
func (g *GroupNorm) NamedParameters() []NamedParameter { return namedWeightBias(g.Weight, g.Bias) }

// String returns "GroupNorm(2, 4, eps=1e-05, affine=True)".
func (g *GroupNorm) String() string {
	return fmt.Sprintf("GroupNorm(%d, %d, eps=%v, affine=%s)", g.NumGroups, g.NumChannels, g.Eps, pyBool(g.Weight != nil))
}
