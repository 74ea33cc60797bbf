package nn

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// InstanceNorm normalises each channel of each sample by its own statistics
// (torch.nn.InstanceNorm1d and InstanceNorm2d): functional.InstanceNorm. It holds
// the fields, parameters, buffers (PyTorch's state-dict names) and modes of a
// BatchNorm, but has no affine weight and bias and no running statistics unless
// made WithAffine(true) and WithTrackRunningStats(true); with running statistics
// it uses them in evaluation mode, as PyTorch does.
type InstanceNorm struct{ BatchNorm }

// NewInstanceNorm1d returns an InstanceNorm over inputs (N, C, L) or (C, L) with
// C = features.
func NewInstanceNorm1d(features int, opts ...Option) *InstanceNorm {
	return newInstanceNorm(1, features, opts)
}

// NewInstanceNorm2d returns an InstanceNorm over inputs (N, C, H, W) or (C, H, W)
// with C = features.
func NewInstanceNorm2d(features int, opts ...Option) *InstanceNorm {
	return newInstanceNorm(2, features, opts)
}

func newInstanceNorm(dims, features int, opts []Option) *InstanceNorm {
	if features < 1 {
		fail(fmt.Sprintf("NewInstanceNorm%dd", dims), "num_features must be positive, got %d", features)
	}
	return &InstanceNorm{*newBatchNorm(dims, features, append([]Option{WithAffine(false), WithTrackRunningStats(false)}, opts...))}
}

// Forward normalises x, an unbatched input given a batch of one. It panics if
// x's shape does not fit (dims+1 or dims+2 dims with NumFeatures channels).
func (m *InstanceNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	unbatched := x.Dim() == m.dims+1
	if unbatched {
		x = x.Unsqueeze(0)
	}
	if x.Dim() != m.dims+2 || x.Size(1) != m.NumFeatures {
		fail(fmt.Sprintf("InstanceNorm%dd", m.dims), "expected an input of %d or %d dims with %d channels, got shape %v", m.dims+1, m.dims+2, m.NumFeatures, x.Shape())
	}
	training := !m.eval || m.RunningMean == nil
	if !m.eval && m.NumBatchesTracked != nil {
		m.NumBatchesTracked.Int64s()[0]++
	}
	y := functional.InstanceNorm(x, m.RunningMean, m.RunningVar, m.Weight, m.Bias,
		functional.BatchNormOptions{Training: training, Momentum: m.Momentum, Eps: m.Eps})
	if unbatched {
		y = y.Squeeze(0)
	}
	return y
}

// String returns the layer as PyTorch prints it, such as "InstanceNorm2d(4,
// eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)".
func (m *InstanceNorm) String() string {
	return strings.Replace(m.BatchNorm.String(), "BatchNorm", "InstanceNorm", 1)
}

// RMSNorm divides its input by the root mean square over its last dims
// (torch.nn.RMSNorm of PyTorch 2.4): functional.RMSNorm with a Weight (ones of
// NormalizedShape) unless made WithAffine(false). Eps < 0 is PyTorch's None (the
// dtype's machine epsilon), the default unless WithEps gives one.
type RMSNorm struct {
	NormalizedShape []int
	Eps             float64
	Weight          *tensor.Tensor
}

// NewRMSNorm returns an RMSNorm over inputs ending in shape.
func NewRMSNorm(shape []int, opts ...Option) *RMSNorm {
	c := newConfig(append([]Option{WithEps(-1)}, opts...))
	if len(shape) == 0 || slices.Min(shape) < 1 {
		fail("NewRMSNorm", "normalized_shape must be non-empty and positive, got %v", shape)
	}
	r := &RMSNorm{NormalizedShape: slices.Clone(shape), Eps: c.norm.eps}
	if c.norm.affine {
		r.Weight = c.dtype.Ones(shape...).SetRequiresGrad(true)
	}
	return r
}

// Forward returns functional.RMSNorm(x, NormalizedShape, Weight, Eps).
func (r *RMSNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.RMSNorm(x, r.NormalizedShape, r.Weight, r.Eps)
}

// Parameters returns the weight, or nil without it.
func (r *RMSNorm) Parameters() []*tensor.Tensor { return weightBias(r.Weight, nil) }

// NamedParameters returns "weight", or nil without it.
func (r *RMSNorm) NamedParameters() []NamedParameter { return namedWeightBias(r.Weight, nil) }

// String returns "RMSNorm((5,), eps=None, elementwise_affine=True)".
func (r *RMSNorm) String() string {
	eps := "None"
	if r.Eps >= 0 {
		eps = fmt.Sprint(r.Eps)
	}
	return fmt.Sprintf("RMSNorm(%s, eps=%s, elementwise_affine=%s)", pyTuple(r.NormalizedShape), eps, pyBool(r.Weight != nil))
}

// PixelShuffle rearranges (*, C·r², H, W) into (*, C, H·r, W·r) with r =
// UpscaleFactor (torch.nn.PixelShuffle): functional.PixelShuffle.
type PixelShuffle struct{ UpscaleFactor int }

// Forward returns functional.PixelShuffle(x, UpscaleFactor).
func (p PixelShuffle) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.PixelShuffle(x, p.UpscaleFactor)
}

// Parameters returns nil: PixelShuffle has none.
func (PixelShuffle) Parameters() []*tensor.Tensor { return nil }

// String returns "PixelShuffle(upscale_factor=2)".
func (p PixelShuffle) String() string {
	return fmt.Sprintf("PixelShuffle(upscale_factor=%d)", p.UpscaleFactor)
}

// PixelUnshuffle undoes PixelShuffle (torch.nn.PixelUnshuffle):
// functional.PixelUnshuffle.
type PixelUnshuffle struct{ DownscaleFactor int }

// Forward returns functional.PixelUnshuffle(x, DownscaleFactor).
func (p PixelUnshuffle) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.PixelUnshuffle(x, p.DownscaleFactor)
}

// Parameters returns nil: PixelUnshuffle has none.
func (PixelUnshuffle) Parameters() []*tensor.Tensor { return nil }

// String returns "PixelUnshuffle(downscale_factor=2)".
func (p PixelUnshuffle) String() string {
	return fmt.Sprintf("PixelUnshuffle(downscale_factor=%d)", p.DownscaleFactor)
}

// CosineSimilarity is functional.CosineSimilarity as a layer of two inputs
// (torch.nn.CosineSimilarity); NewCosineSimilarity gives PyTorch's defaults.
type CosineSimilarity struct {
	Dim int
	Eps float64
}

// NewCosineSimilarity returns a CosineSimilarity with dim 1 and eps 1e-8.
func NewCosineSimilarity() CosineSimilarity { return CosineSimilarity{Dim: 1, Eps: 1e-8} }

// Forward returns functional.CosineSimilarity(x1, x2, Dim, Eps).
func (c CosineSimilarity) Forward(x1, x2 *tensor.Tensor) *tensor.Tensor {
	return functional.CosineSimilarity(x1, x2, c.Dim, c.Eps)
}

// String returns "CosineSimilarity()", as PyTorch prints it.
func (CosineSimilarity) String() string { return "CosineSimilarity()" }

// PairwiseDistance is functional.PairwiseDistance as a layer of two inputs
// (torch.nn.PairwiseDistance); NewPairwiseDistance gives PyTorch's defaults.
type PairwiseDistance struct {
	P, Eps  float64
	KeepDim bool
}

// NewPairwiseDistance returns a PairwiseDistance with p 2 and eps 1e-6.
func NewPairwiseDistance() PairwiseDistance { return PairwiseDistance{P: 2, Eps: 1e-6} }

// Forward returns functional.PairwiseDistance(x1, x2, P, Eps, KeepDim).
func (d PairwiseDistance) Forward(x1, x2 *tensor.Tensor) *tensor.Tensor {
	return functional.PairwiseDistance(x1, x2, d.P, d.Eps, d.KeepDim)
}

// String returns "PairwiseDistance()", as PyTorch prints it.
func (PairwiseDistance) String() string { return "PairwiseDistance()" }

// Bilinear is y = x1ᵀ·A·x2 + b for each row (torch.nn.Bilinear):
// functional.Bilinear with Weight (out, in1, in2) and Bias (out), nil when made
// WithBias(false). It takes two inputs, so it is not a Module.
type Bilinear struct {
	In1Features, In2Features, OutFeatures int
	Weight, Bias                          *tensor.Tensor
}

// NewBilinear returns a Bilinear layer, weight and bias drawn from U(-1/√in1,
// 1/√in1) as PyTorch's reset_parameters draws them, weight first.
func NewBilinear(in1, in2, out int, opts ...Option) *Bilinear {
	c := newConfig(opts)
	if in1 < 1 || in2 < 1 || out < 0 || !c.dtype.IsFloat() {
		fail("NewBilinear", "want positive in1_features %d and in2_features %d, out_features %d >= 0 and a float dtype, got %v", in1, in2, out, c.dtype)
	}
	bound := 1 / math.Sqrt(float64(in1))
	b := &Bilinear{In1Features: in1, In2Features: in2, OutFeatures: out}
	b.Weight = c.gen.Uniform(c.dtype.Zeros(out, in1, in2), -bound, bound).SetRequiresGrad(true)
	if c.bias {
		b.Bias = c.gen.Uniform(c.dtype.Zeros(out), -bound, bound).SetRequiresGrad(true)
	}
	return b
}

// Forward returns functional.Bilinear(x1, x2, Weight, Bias).
func (b *Bilinear) Forward(x1, x2 *tensor.Tensor) *tensor.Tensor {
	return functional.Bilinear(x1, x2, b.Weight, b.Bias)
}

// Parameters returns the weight and the bias, or the weight alone without bias.
func (b *Bilinear) Parameters() []*tensor.Tensor { return weightBias(b.Weight, b.Bias) }

// NamedParameters returns "weight" and "bias" (without bias, "weight" alone).
func (b *Bilinear) NamedParameters() []NamedParameter { return namedWeightBias(b.Weight, b.Bias) }

// String returns "Bilinear(in1_features=3, in2_features=4, out_features=2,
// bias=True)".
func (b *Bilinear) String() string {
	return fmt.Sprintf("Bilinear(in1_features=%d, in2_features=%d, out_features=%d, bias=%s)",
		b.In1Features, b.In2Features, b.OutFeatures, pyBool(b.Bias != nil))
}
