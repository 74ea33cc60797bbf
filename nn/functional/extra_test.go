package functional

import (
	"testing"

	"github.com/gograd/gograd/tensor"
)

// extraCases reads ../testdata/extra.json, written from PyTorch 1.13 by
// ../testdata/gen_extra.py in layers.json's format.
var extraCases = caseFile("extra.json")

// ints reads a list of ints.
func ints(p map[string]any, key string) []int {
	var r []int
	for _, v := range p[key].([]any) {
		r = append(r, int(v.(float64)))
	}
	return r
}

// extraOp returns the gograd function an extra.json case runs.
func extraOp(c *layerCase) func(in map[string]*tensor.Tensor) *tensor.Tensor {
	p := c.Params
	switch c.Op {
	case "instance_norm":
		o := BatchNormOptions{Training: flag(p, "training"), Momentum: num(p, "momentum"), Eps: num(p, "eps")}
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return InstanceNorm(in["x"], in["running_mean"], in["running_var"], in["weight"], in["bias"], o)
		}
	case "rms_norm":
		shape := ints(p, "normalized_shape")
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return RMSNorm(in["x"], shape, in["weight"], num(p, "eps"))
		}
	case "pixel_shuffle":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return PixelShuffle(in["x"], int(num(p, "factor"))) }
	case "pixel_unshuffle":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return PixelUnshuffle(in["x"], int(num(p, "factor")))
		}
	case "normalize":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return Normalize(in["x"], num(p, "p"), int(num(p, "dim")), num(p, "eps"))
		}
	case "cosine_similarity":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return CosineSimilarity(in["x1"], in["x2"], int(num(p, "dim")), num(p, "eps"))
		}
	case "pairwise_distance":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return PairwiseDistance(in["x1"], in["x2"], num(p, "p"), num(p, "eps"), flag(p, "keepdim"))
		}
	case "bilinear":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return Bilinear(in["x1"], in["x2"], in["weight"], in["bias"])
		}
	case "max_pool1d", "avg_pool1d":
		o := poolOptions(p) // index 0 of each field is the 1-d pool's
		pool := AvgPool1d
		if c.Op == "max_pool1d" {
			pool = MaxPool1d
		}
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return pool(in["x"], o) }
	}
	panic("no op " + c.Op)
}

// otherGradFn holds the grad_fn names of the compositions whose last op is not
// PyTorch's: its pixel (un)shuffle is one kernel, and its pairwise_distance calls
// the legacy norm (NormBackward1).
var otherGradFn = map[string][]string{
	"pixel_shuffle":     {"UnsafeViewBackward0"},
	"pixel_unshuffle":   {"UnsafeViewBackward0"},
	"pairwise_distance": {"LinalgVectorNormBackward0"},
}

// TestExtraGolden runs every case of extra.json in float32 and float64 and
// compares the output, its grad_fn, every input's gradient for the case's
// upstream gradient and the running statistics after the call with PyTorch's.
func TestExtraGolden(t *testing.T) {
	cases, err := extraCases()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
			t.Run(c.Name+"/"+dt.String(), func(t *testing.T) { checkGolden(t, c, dt, extraOp(c), otherGradFn[c.Op]) })
		}
	}
}

// TestExtraGradCheck checks every extra.json case's first and second derivatives
// in float64 against central differences; running statistics are fresh copies
// at each evaluation, so that each computes the same function.
func TestExtraGradCheck(t *testing.T) {
	cases, err := extraCases()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) { gradChecks(t, c, extraOp(c), true, true) })
	}
}
