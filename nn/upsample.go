package nn

import (
	"fmt"
	"strings"

	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// Upsample resamples (N, C, W), (N, C, H, W) or (N, C, D, H, W) inputs to a
// size or by a scale factor (torch.nn.Upsample): functional.Interpolate with its
// options, modes nearest (the default), nearest-exact, linear, bilinear,
// bicubic, trilinear and area.
type Upsample struct{ functional.InterpolateOptions }

// Forward returns functional.Interpolate(x, u.InterpolateOptions).
func (u Upsample) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.Interpolate(x, u.InterpolateOptions)
}

// Parameters returns nil: Upsample has none.
func (Upsample) Parameters() []*tensor.Tensor { return nil }

// String returns the layer as PyTorch prints it: "Upsample(scale_factor=2.0,
// mode=nearest)" or "Upsample(size=(3, 4), mode=bilinear)".
func (u Upsample) String() string { return u.format("Upsample") }

func (u Upsample) format(name string) string {
	mode := u.Mode
	if mode == "" {
		mode = "nearest"
	}
	var arg string
	switch {
	case len(u.ScaleFactor) == 1:
		arg = "scale_factor=" + pyFloat(u.ScaleFactor[0])
	case u.ScaleFactor != nil:
		s := make([]string, len(u.ScaleFactor))
		for i, v := range u.ScaleFactor {
			s[i] = pyFloat(v)
		}
		arg = "scale_factor=(" + strings.Join(s, ", ") + ")"
	case len(u.Size) == 1:
		arg = fmt.Sprintf("size=%d", u.Size[0])
	default:
		arg = "size=" + pyTuple(u.Size)
	}
	return fmt.Sprintf("%s(%s, mode=%s)", name, arg, mode)
}

// UpsamplingNearest2d is Upsample with mode nearest for (N, C, H, W) inputs
// (torch.nn.UpsamplingNearest2d); give size or scaleFactor, the other nil.
type UpsamplingNearest2d struct{ Upsample }

// NewUpsamplingNearest2d returns an UpsamplingNearest2d to the given size or by
// the given scale factor.
func NewUpsamplingNearest2d(size []int, scaleFactor []float64) UpsamplingNearest2d {
	return UpsamplingNearest2d{Upsample{functional.InterpolateOptions{Size: size, ScaleFactor: scaleFactor, Mode: "nearest"}}}
}

// String returns "UpsamplingNearest2d(scale_factor=2.0, mode=nearest)".
func (u UpsamplingNearest2d) String() string { return u.format("UpsamplingNearest2d") }

// UpsamplingBilinear2d is Upsample with mode bilinear and align_corners for
// (N, C, H, W) inputs (torch.nn.UpsamplingBilinear2d).
type UpsamplingBilinear2d struct{ Upsample }

// NewUpsamplingBilinear2d returns an UpsamplingBilinear2d to the given size or
// by the given scale factor.
func NewUpsamplingBilinear2d(size []int, scaleFactor []float64) UpsamplingBilinear2d {
	return UpsamplingBilinear2d{Upsample{functional.InterpolateOptions{Size: size, ScaleFactor: scaleFactor, Mode: "bilinear", AlignCorners: true}}}
}

// String returns "UpsamplingBilinear2d(size=(3, 4), mode=bilinear)".
func (u UpsamplingBilinear2d) String() string { return u.format("UpsamplingBilinear2d") }

// AlphaDropout is dropout that keeps the mean and variance of SELU networks'
// activations (torch.nn.AlphaDropout): functional.AlphaDropout in training mode,
// the identity in evaluation mode, masks drawn from Generator (nil:
// tensor.DefaultGenerator()).
type AlphaDropout struct {
	P         float64
	Generator *tensor.Generator
	eval      bool
}

// Forward returns functional.AlphaDropout(x, P, training, Generator).
func (d *AlphaDropout) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.AlphaDropout(x, d.P, !d.eval, d.Generator)
}

// Parameters returns nil: AlphaDropout has none.
func (*AlphaDropout) Parameters() []*tensor.Tensor { return nil }

// SetTraining sets training (true) or evaluation mode.
func (d *AlphaDropout) SetTraining(on bool) { d.eval = !on }

// Training reports whether d is in training mode.
func (d *AlphaDropout) Training() bool { return !d.eval }

// String returns "AlphaDropout(p=0.2, inplace=False)".
func (d *AlphaDropout) String() string { return fmt.Sprintf("AlphaDropout(p=%v, inplace=False)", d.P) }

// FeatureAlphaDropout is AlphaDropout of whole channels
// (torch.nn.FeatureAlphaDropout): functional.FeatureAlphaDropout in training
// mode, the identity in evaluation mode.
type FeatureAlphaDropout AlphaDropout

// Forward returns functional.FeatureAlphaDropout(x, P, training, Generator).
func (d *FeatureAlphaDropout) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.FeatureAlphaDropout(x, d.P, !d.eval, d.Generator)
}

// Parameters returns nil: FeatureAlphaDropout has none.
func (*FeatureAlphaDropout) Parameters() []*tensor.Tensor { return nil }

// SetTraining sets training (true) or evaluation mode.
func (d *FeatureAlphaDropout) SetTraining(on bool) { d.eval = !on }

// Training reports whether d is in training mode.
func (d *FeatureAlphaDropout) Training() bool { return !d.eval }

// String returns "FeatureAlphaDropout(p=0.2, inplace=False)".
func (d *FeatureAlphaDropout) String() string {
	return fmt.Sprintf("FeatureAlphaDropout(p=%v, inplace=False)", d.P)
}
