package functional

import (
	"math"
	"slices"

	"github.com/gograd/gograd/tensor"
)

// The ops of this file are compositions of tensor ops (reductions, views,
// matrix products) and, for InstanceNorm, BatchNorm, so their gradients are
// differentiable again to any order.

// InstanceNorm normalises each channel of each sample of input (N, C, ...) by its
// own statistics, as torch.nn.functional.instance_norm with o.Training as
// use_input_stats: y = (x - mean) / √(var + eps) · weight + bias, the variance
// biased. With o.Training false the running statistics (C) are used instead and
// must be given; with it true and running statistics given, they are updated in
// place with the batch's mean of the per-instance means and unbiased variances,
// by o.Momentum. weight and bias (C) may be nil. It panics on shapes or dtypes
// that do not fit.
//
// It is composed as PyTorch's: input viewed as (1, N·C, ...) through BatchNorm
// with weight, bias and running statistics repeated N times, the result viewed
// back, so that its grad_fn (ViewBackward0) and those of its gradients, first
// and second, are PyTorch's.
func InstanceNorm(input, runningMean, runningVar, weight, bias *tensor.Tensor, o BatchNormOptions) *tensor.Tensor {
	x := input
	if x.Dim() < 3 || !x.DType().IsFloat() {
		panic(tensor.Errorf("functional", "InstanceNorm", "want a float input (N, C, L...), got shape %v dtype %v", x.Shape(), x.DType()))
	}
	n, c := x.Size(0), x.Size(1)
	checkChannels("InstanceNorm", x, c, runningMean, runningVar, weight, bias)
	if (runningMean == nil) != (runningVar == nil) || !o.Training && runningMean == nil {
		panic(tensor.Errorf("functional", "InstanceNorm", "give both running statistics, or neither with input statistics"))
	}
	if o.Training && x.Numel() <= n*c {
		panic(tensor.Errorf("functional", "InstanceNorm", "expected more than 1 spatial element when training, got input shape %v", x.Shape()))
	}
	repeat := func(t *tensor.Tensor) *tensor.Tensor {
		if t == nil {
			return nil
		}
		return t.Repeat(n)
	}
	var rm, rv *tensor.Tensor
	if runningMean != nil {
		tensor.NoGrad(func() { rm, rv = repeat(runningMean), repeat(runningVar) })
	}
	shape := append([]int{1, n * c}, x.Shape()[2:]...)
	y := BatchNorm(x.Contiguous().View(shape...), rm, rv, repeat(weight), repeat(bias), o)
	if runningMean != nil && o.Training {
		tensor.NoGrad(func() { // each channel's update averaged over the samples
			runningMean.Copy_(rm.View(n, c).Mean(0))
			runningVar.Copy_(rv.View(n, c).Mean(0))
		})
	}
	return y.View(x.Shape()...)
}

// checkChannels panics unless each non-nil tensor of ts has shape [c] and x's dtype.
func checkChannels(op string, x *tensor.Tensor, c int, ts ...*tensor.Tensor) {
	for _, t := range ts {
		if t != nil && (t.Dim() != 1 || t.Size(0) != c || t.DType() != x.DType()) {
			panic(tensor.Errorf("functional", op, "running statistics, weight and bias must have shape [%d] and dtype %v, got %v %v", c, x.DType(), t.Shape(), t.DType()))
		}
	}
}

// affine returns y·weight + bias with each (nil: skipped) reshaped to shape.
func affine(y, weight, bias *tensor.Tensor, shape []int) *tensor.Tensor {
	if weight != nil {
		y = y.Mul(weight.Reshape(shape...))
	}
	if bias != nil {
		y = y.Add(bias.Reshape(shape...))
	}
	return y
}

// RMSNorm normalises input over its last len(normalizedShape) dims by their root
// mean square, as torch.nn.functional.rms_norm (PyTorch 2.4; composed the same
// way): y = x / √(mean(x²) + eps) · weight. weight (normalizedShape) may be nil.
// PyTorch's eps=None (the dtype's machine epsilon) is eps < 0 here. It panics
// unless input ends in normalizedShape.
func RMSNorm(input *tensor.Tensor, normalizedShape []int, weight *tensor.Tensor, eps float64) *tensor.Tensor {
	x := input
	k := len(normalizedShape)
	if !x.DType().IsFloat() || k == 0 || x.Dim() < k || !slices.Equal(x.Shape()[x.Dim()-k:], normalizedShape) {
		panic(tensor.Errorf("functional", "RMSNorm", "want a float input ending in %v, got shape %v dtype %v", normalizedShape, x.Shape(), x.DType()))
	}
	if weight != nil && (!slices.Equal(weight.Shape(), normalizedShape) || weight.DType() != x.DType()) {
		panic(tensor.Errorf("functional", "RMSNorm", "weight must have shape %v and dtype %v, got %v %v", normalizedShape, x.DType(), weight.Shape(), weight.DType()))
	}
	if eps < 0 {
		eps = 0x1p-52
		if x.DType() == tensor.Float32 {
			eps = 0x1p-23
		}
	}
	dims := make([]int, k)
	for i := range dims {
		dims[i] = x.Dim() - k + i
	}
	y := x.Mul(x.Square().MeanKeepDim(dims...).AddScalar(eps).Rsqrt())
	if weight != nil {
		y = y.Mul(weight)
	}
	return y
}

// PixelShuffle rearranges input (*, C·r², H, W) into (*, C, H·r, W·r), as
// torch.nn.functional.pixel_shuffle with r = upscale. It panics unless the
// channels divide by r².
func PixelShuffle(input *tensor.Tensor, upscale int) *tensor.Tensor {
	x, r := input, upscale
	if x.Dim() < 3 || r < 1 || x.Size(-3)%(r*r) != 0 {
		panic(tensor.Errorf("functional", "PixelShuffle", "want an input (*, C·%d², H, W), got shape %v", r, x.Shape()))
	}
	lead := x.Shape()[:x.Dim()-3]
	c, h, w := x.Size(-3)/(r*r), x.Size(-2), x.Size(-1)
	y := x.Reshape(-1, c, r, r, h, w).Permute(0, 1, 4, 2, 5, 3)
	return y.Reshape(append(slices.Clone(lead), c, h*r, w*r)...)
}

// PixelUnshuffle undoes PixelShuffle: input (*, C, H·r, W·r) becomes
// (*, C·r², H, W), as torch.nn.functional.pixel_unshuffle with r = downscale. It
// panics unless H and W divide by r.
func PixelUnshuffle(input *tensor.Tensor, downscale int) *tensor.Tensor {
	x, r := input, downscale
	if x.Dim() < 3 || r < 1 || x.Size(-2)%r != 0 || x.Size(-1)%r != 0 {
		panic(tensor.Errorf("functional", "PixelUnshuffle", "want an input (*, C, H·%d, W·%d), got shape %v", r, r, x.Shape()))
	}
	lead := x.Shape()[:x.Dim()-3]
	c, h, w := x.Size(-3), x.Size(-2)/r, x.Size(-1)/r
	y := x.Reshape(-1, c, h, r, w, r).Permute(0, 1, 3, 5, 2, 4)
	return y.Reshape(append(slices.Clone(lead), c*r*r, h, w)...)
}

// Normalize divides input by its p-norm along dim, at least eps, as
// torch.nn.functional.normalize (PyTorch uses p 2, dim 1, eps 1e-12).
func Normalize(input *tensor.Tensor, p float64, dim int, eps float64) *tensor.Tensor {
	return input.Div(input.VectorNorm(p, true, dim).Clamp(eps, math.Inf(1)))
}

// CosineSimilarity returns the cosine of the angle between x1 and x2 (broadcast
// together) along dim, as torch.nn.functional.cosine_similarity in PyTorch 1.13
// (which uses dim 1, eps 1e-8): Σ (x1 / max(‖x1‖, eps)) · (x2 / max(‖x2‖, eps)).
func CosineSimilarity(x1, x2 *tensor.Tensor, dim int, eps float64) *tensor.Tensor {
	return Normalize(x1, 2, dim, eps).Mul(Normalize(x2, 2, dim, eps)).Sum(dim)
}

// PairwiseDistance returns the p-norm of x1 - x2 + eps along the last dim, as
// torch.nn.functional.pairwise_distance (PyTorch uses p 2, eps 1e-6, keepdim
// false).
func PairwiseDistance(x1, x2 *tensor.Tensor, p, eps float64, keepdim bool) *tensor.Tensor {
	return x1.Sub(x2).AddScalar(eps).VectorNorm(p, keepdim, -1)
}

// Bilinear returns x1ᵀ·A·x2 + b for each row, as torch.nn.functional.bilinear:
// input1 (*, in1) and input2 (*, in2) give (*, out) for weight (out, in1, in2) and
// bias (out), which may be nil. It panics on shapes that do not fit.
func Bilinear(input1, input2, weight, bias *tensor.Tensor) *tensor.Tensor {
	x1, x2, w := input1, input2, weight
	if w.Dim() != 3 || x1.Dim() < 1 || x1.Dim() != x2.Dim() || x1.Size(-1) != w.Size(1) || x2.Size(-1) != w.Size(2) ||
		!slices.Equal(x1.Shape()[:x1.Dim()-1], x2.Shape()[:x2.Dim()-1]) || bias != nil && (bias.Dim() != 1 || bias.Size(0) != w.Size(0)) {
		panic(tensor.Errorf("functional", "Bilinear", "want inputs (*, in1), (*, in2), weight (out, in1, in2) and bias (out), got %v %v %v %v",
			x1.Shape(), x2.Shape(), w.Shape(), shapeOf(bias)))
	}
	out, in1, in2 := w.Size(0), w.Size(1), w.Size(2)
	lead := x1.Shape()[:x1.Dim()-1]
	a := x1.Reshape(-1, in1).MatMul(w.Permute(1, 0, 2).Reshape(in1, out*in2)) // (B, out·in2)
	y := a.Reshape(-1, out, in2).Mul(x2.Reshape(-1, 1, in2)).Sum(2).Reshape(append(slices.Clone(lead), out)...)
	if bias != nil {
		y = y.Add(bias)
	}
	return y
}

func shapeOf(t *tensor.Tensor) []int {
	if t == nil {
		return nil
	}
	return t.Shape()
}
