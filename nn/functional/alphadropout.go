package functional

import (
	"math"

	"github.com/gograd/gograd/tensor"
)

// seluAlphaScale is SELU's scale·alpha, the value (negated) that SELU saturates
// to and that AlphaDropout sets dropped elements towards, as torch's
// _dropout_impl holds it.
const seluAlphaScale = 1.7580993408473766

// AlphaDropout is dropout for self-normalising networks (SELU), as
// torch.nn.functional.alpha_dropout: when training, each element is dropped with
// probability p and set to -α' (α' = SELU's scale·alpha), then all are scaled
// and shifted so that zero-mean unit-variance inputs keep their mean and
// variance: y = a·x + a·α'·p where kept and a·α'·(p-1) where dropped, with
// a = ((α'²·p + 1)(1-p))^-½. It returns input itself
// when not training or p is 0, and zeros times input for p 1. The mask is drawn
// from gen (nil: tensor.DefaultGenerator()), so values differ from PyTorch's,
// whose generator differs; the distribution is the same. It is composed of
// tensor ops (AddBackward0, as PyTorch's), so it is differentiable again. It
// panics unless 0 ≤ p ≤ 1.
func AlphaDropout(input *tensor.Tensor, p float64, training bool, gen *tensor.Generator) *tensor.Tensor {
	return alphaDropout("AlphaDropout", input, p, training, gen, input.Shape())
}

// FeatureAlphaDropout is AlphaDropout of whole channels, as
// torch.nn.functional.feature_alpha_dropout: each (n, c) channel of input (N, C,
// ...) is kept or dropped as a whole. It panics on an input of fewer than 2 dims.
func FeatureAlphaDropout(input *tensor.Tensor, p float64, training bool, gen *tensor.Generator) *tensor.Tensor {
	if input.Dim() < 2 {
		panic(tensor.Errorf("functional", "FeatureAlphaDropout", "Feature dropout requires at least 2 dimensions in the input, got shape %v", input.Shape()))
	}
	shape := input.Shape()
	for d := 2; d < len(shape); d++ {
		shape[d] = 1
	}
	return alphaDropout("FeatureAlphaDropout", input, p, training, gen, shape)
}

// alphaDropout is AlphaDropout with a mask of maskShape, broadcast over input.
func alphaDropout(op string, input *tensor.Tensor, p float64, training bool, gen *tensor.Generator, maskShape []int) *tensor.Tensor {
	if !(p >= 0 && p <= 1) {
		panic(tensor.Errorf("functional", op, "dropout probability has to be between 0 and 1, but got %v", p))
	}
	if !training || p == 0 {
		return input
	}
	if p == 1 {
		return input.Mul(input.DType().Scalar(0))
	}
	if gen == nil {
		gen = tensor.DefaultGenerator()
	}
	keep := gen.Uniform(input.DType().Zeros(maskShape...), 0, 1).GeScalar(p).To(input.DType())
	a := 1 / math.Sqrt((seluAlphaScale*seluAlphaScale*p+1)*(1-p))
	b := keep.AddScalar(-1).MulScalar(seluAlphaScale * a).AddScalar(seluAlphaScale * a * p)
	return input.Mul(keep.MulScalar(a)).Add(b)
}
