package functional

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// caseFile returns a reader, run once, of the cases of ../testdata/name, a file
// in layers.json's format.
func caseFile(name string) func() ([]*layerCase, error) {
	return sync.OnceValues(func() ([]*layerCase, error) {
		b, err := os.ReadFile("../testdata/" + name)
		if err != nil {
			return nil, err
		}
		var file struct{ Cases []*layerCase }
		err = json.Unmarshal(b, &file)
		return file.Cases, err
	})
}

// moreCases reads ../testdata/layers_more.json, written from PyTorch 1.13 by
// ../testdata/gen_layers_more.py.
var moreCases = caseFile("layers_more.json")

// indices reads a case's int64 index list (1-d or 2-d) as a tensor.
func indices(p map[string]any, key string) *tensor.Tensor {
	var idx []int64
	shape := []int{len(p[key].([]any))}
	for _, v := range p[key].([]any) {
		if row, ok := v.([]any); ok {
			shape = []int{len(p[key].([]any)), len(row)}
			for _, x := range row {
				idx = append(idx, int64(x.(float64)))
			}
			continue
		}
		idx = append(idx, int64(v.(float64)))
	}
	return tensor.New(idx, shape...)
}

// moreOp returns the gograd function a layers_more.json case runs.
func moreOp(c *layerCase) func(in map[string]*tensor.Tensor) *tensor.Tensor {
	p := c.Params
	switch c.Op {
	case "hardshrink":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return Hardshrink(in["x"], num(p, "lambda")) }
	case "softshrink":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return Softshrink(in["x"], num(p, "lambda")) }
	case "threshold":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return Threshold(in["x"], num(p, "threshold"), num(p, "value"))
		}
	case "prelu":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return PRelu(in["x"], in["weight"]) }
	case "glu":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return GLU(in["x"], int(num(p, "dim"))) }
	case "rrelu":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return RRelu(in["x"], num(p, "lower"), num(p, "upper"), false, nil)
		}
	case "softmin":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return Softmin(in["x"], int(num(p, "dim"))) }
	case "interpolate":
		o := InterpolateOptions{AlignCorners: flag(p, "align_corners"), RecomputeScaleFactor: flag(p, "recompute_scale_factor"), Antialias: flag(p, "antialias")}
		o.Mode, _ = p["mode"].(string)
		switch v := p["size"].(type) {
		case float64:
			o.Size = []int{int(v)}
		case []any:
			o.Size = ints(p, "size")
		}
		switch v := p["scale_factor"].(type) {
		case float64:
			o.ScaleFactor = []float64{v}
		case []any:
			for _, s := range v {
				o.ScaleFactor = append(o.ScaleFactor, s.(float64))
			}
		}
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return Interpolate(in["x"], o) }
	case "embedding_bag":
		idx := indices(p, "indices")
		o := EmbeddingBagOptions{IncludeLastOffset: flag(p, "include_last_offset"), ScaleGradByFreq: flag(p, "scale_grad_by_freq")}
		o.Mode, _ = p["mode"].(string)
		o.MaxNorm, _ = p["max_norm"].(float64)
		if _, ok := p["offsets"]; ok {
			o.Offsets = indices(p, "offsets")
		}
		if v, ok := p["padding_idx"].(float64); ok {
			pad := int(v)
			o.PaddingIdx = &pad
		}
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			o := o
			o.PerSampleWeights = in["per_sample_weights"]
			return EmbeddingBag(idx, in["weight"], o)
		}
	case "embedding_max_norm":
		idx := indices(p, "indices")
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return Embedding(idx, EmbeddingRenorm_(in["weight"], idx, num(p, "max_norm"), num(p, "norm_type")), -1)
		}
	}
	panic("no op " + c.Op)
}

// TestLayersMoreGolden runs every case of layers_more.json in float32 and
// float64 and compares the output, its grad_fn, every input's gradient and the
// weight after max_norm's renormalisation with PyTorch's.
func TestLayersMoreGolden(t *testing.T) {
	cases, err := moreCases()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
			t.Run(c.Name+"/"+dt.String(), func(t *testing.T) { checkGolden(t, c, dt, moreOp(c), nil) })
		}
	}
}

// TestLayersMoreGradCheck checks every layers_more.json case's first and (but
// for the raw kernels of EmbeddingBag and the adaptive pooling of mode area)
// second derivatives in float64 against central
// differences. The max_norm cases are left out: their renormalisation changes
// the weight in place outside the graph, as PyTorch's does, so no numerical
// derivative of the function agrees with the recorded one; so are the
// scale_grad_by_freq cases, whose gradient is scaled on purpose. The golden test
// checks both.
func TestLayersMoreGradCheck(t *testing.T) {
	cases, err := moreCases()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if _, ok := c.Params["max_norm"]; ok || flag(c.Params, "scale_grad_by_freq") {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			in := c.tensors(tensor.Float64, true)
			op := moreOp(c)
			var xs []*tensor.Tensor
			for _, k := range c.Grads {
				xs = append(xs, in[k])
			}
			f := func(args ...*tensor.Tensor) *tensor.Tensor {
				m := make(map[string]*tensor.Tensor, len(in))
				for i, k := range c.Grads {
					m[k] = args[i]
				}
				return op(m)
			}
			if err := tensor.GradCheck(f, xs); err != nil {
				t.Error(err)
			}
			if c.Op == "embedding_bag" || c.Params["mode"] == "area" { // raw-kernel backwards
				return
			}
			if err := tensor.GradGradCheck(f, xs); err != nil {
				t.Errorf("second derivatives: %v", err)
			}
		})
	}
}

// TestAlphaDropoutStatistics checks AlphaDropout on a million N(0, 1) values:
// the share dropped is p within 5 standard deviations of the binomial, every
// dropped value is -α'·a·(1-p) (α' = SELU's λα) and every kept one a·x + α'·a·p,
// with a = ((1-p)(1 + p·α'²))^-½ as PyTorch's, so that mean and variance stay 0
// and 1 (within 0.01), and the gradient is a where kept and 0 where dropped; in
// evaluation mode and with p = 0 it returns its input. Gradients of a seeded
// mask pass GradGradCheck.
func TestAlphaDropoutStatistics(t *testing.T) {
	const n = 1 << 20
	p := 0.2 // a variable: a constant expression below would be computed exactly, not in float64
	g := tensor.NewGenerator(3)
	x := g.Normal(tensor.Float64.Zeros(n), 0, 1).SetRequiresGrad(true)
	if AlphaDropout(x, p, false, g) != x || AlphaDropout(x, 0, true, g) != x {
		t.Fatal("AlphaDropout changed its input in evaluation mode or with p 0")
	}
	y := AlphaDropout(x, p, true, g)
	const alpha = 1.7580993408473766 // -SELU's scale·alpha, from torch's _dropout_impl
	a := 1 / math.Sqrt((alpha*alpha*p+1)*(1-p))
	xs, ys := x.Values(), y.Values()
	dropped := 0
	var sum, sq float64
	for i, v := range ys {
		sum += v
		sq += v * v
		switch {
		case math.Abs(v-a*alpha*(p-1)) < 1e-12:
			dropped++
		case math.Abs(v-(a*xs[i]+alpha*a*p)) > 1e-12:
			t.Fatalf("y[%d] = %v: neither dropped (%v) nor kept (%v)", i, v, a*alpha*(p-1), a*xs[i]+alpha*a*p)
		}
	}
	if want, sd := p*n, math.Sqrt(n*p*(1-p)); math.Abs(float64(dropped)-want) > 5*sd {
		t.Errorf("dropped %d of %d, want %v ± %v", dropped, n, want, 5*sd)
	}
	mean := sum / n
	if v := sq/n - mean*mean; math.Abs(mean) > 0.01 || math.Abs(v-1) > 0.01 {
		t.Errorf("mean %v and variance %v, want 0 and 1", mean, v)
	}
	y.Sum().Backward()
	for i, d := range x.Grad().Values() {
		if kept := math.Abs(ys[i]-a*alpha*(p-1)) >= 1e-12; (kept && d != a) || (!kept && d != 0) {
			t.Fatalf("gradient [%d] = %v for y %v, want a = %v where kept and 0 where dropped", i, d, ys[i], a)
		}
	}
	f := func(in ...*tensor.Tensor) *tensor.Tensor {
		return AlphaDropout(in[0], 0.3, true, tensor.NewGenerator(5))
	}
	if err := tensor.GradGradCheck(f, []*tensor.Tensor{g.Normal(tensor.Float64.Zeros(4, 5), 0, 1).SetRequiresGrad(true)}); err != nil {
		t.Error(err)
	}
}

// TestFeatureAlphaDropout checks that FeatureAlphaDropout keeps or drops each
// (n, c) channel whole, with AlphaDropout's values, and refuses 1-d inputs.
func TestFeatureAlphaDropout(t *testing.T) {
	g := tensor.NewGenerator(4)
	x := g.Normal(tensor.Float64.Zeros(8, 6, 3, 4), 0, 1)
	p := 0.5
	y := FeatureAlphaDropout(x, p, true, g).Values()
	a := 1 / math.Sqrt((seluAlphaScale*seluAlphaScale*p+1)*(1-p))
	xs := x.Values()
	dropped := 0
	for c := range 8 * 6 {
		plane, in := y[c*12:(c+1)*12], xs[c*12:(c+1)*12]
		drop := math.Abs(plane[0]-a*seluAlphaScale*(p-1)) < 1e-12
		if drop {
			dropped++
		}
		for i, v := range plane {
			if want := a*in[i] + seluAlphaScale*a*p; drop && math.Abs(v-a*seluAlphaScale*(p-1)) > 1e-12 || !drop && math.Abs(v-want) > 1e-12 {
				t.Fatalf("channel %d mixes dropped and kept values: %v", c, plane)
			}
		}
	}
	if dropped == 0 || dropped == 48 {
		t.Errorf("%d of 48 channels dropped at p 0.5", dropped)
	}
	if err := tensor.Maybe(func() { FeatureAlphaDropout(tensor.Zeros(4), 0.5, true, nil) }); err == nil {
		t.Error("a 1-d input did not panic")
	}
}

// TestRReluTraining checks RRelu in training mode on 100000 negative and as many
// positive values: positive ones pass unchanged with gradient 1, each negative
// one is scaled by its own slope in [lower, upper], which is its gradient too,
// and the slopes' mean is (lower+upper)/2 within 1e-3, over 5 standard
// deviations of the mean of 100000 uniform draws (0.2/√12/√100000 = 1.8e-4).
func TestRReluTraining(t *testing.T) {
	const n, lo, hi = 100000, 0.1, 0.3
	g := tensor.NewGenerator(2)
	x := g.Uniform(tensor.Float64.Zeros(2*n), 0.5, 2)
	xs := x.Values()
	for i := range n {
		xs[i] = -xs[i]
	}
	x = tensor.New(xs).SetRequiresGrad(true)
	y := RRelu(x, lo, hi, true, g)
	if y.GradFn().Name() != "RreluWithNoiseBackward0" {
		t.Errorf("grad_fn %v", y.GradFn())
	}
	y.Sum().Backward()
	ys, ds := y.Values(), x.Grad().Values()
	var sum float64
	for i, v := range ys {
		slope := v / xs[i]
		if math.Abs(ds[i]-slope) > 1e-12 || (i >= n && slope != 1) || (i < n && (slope < lo || slope > hi)) {
			t.Fatalf("x %v: y %v, gradient %v", xs[i], v, ds[i])
		}
		if i < n {
			sum += slope
		}
	}
	if mean := sum / n; math.Abs(mean-(lo+hi)/2) > 1e-3 {
		t.Errorf("mean slope %v, want %v", mean, (lo+hi)/2)
	}
}

// TestLayersMorePanics checks that misuse of the ops of layers_more.json panics
// with a *tensor.Error naming the op.
func TestLayersMorePanics(t *testing.T) {
	x := tensor.Zeros(2, 3, 4)
	w := tensor.Zeros(5, 2)
	idx := tensor.New([]int64{0, 1, 4})
	for _, c := range []struct {
		name string
		f    func()
		want string
	}{
		{"Softshrink", func() { Softshrink(x, -1) }, "functional: Softshrink: lambda must be greater or equal to 0"},
		{"Hardshrink/int", func() { Hardshrink(idx, 0.5) }, "functional: Hardshrink: want a float input"},
		{"PRelu/size", func() { PRelu(x, tensor.Zeros(2)) }, "functional: PRelu: weight of shape [2]"},
		{"PRelu/1d", func() { PRelu(tensor.Zeros(3), tensor.Zeros(3)) }, "want 1 or 1 parameters"},
		{"Interpolate/mode", func() { Interpolate(x, InterpolateOptions{Size: []int{3}, Mode: "lanczos"}) }, `unknown mode "lanczos"`},
		{"Interpolate/bilinear1d", func() { Interpolate(x, InterpolateOptions{Size: []int{3}, Mode: "bilinear"}) }, "mode bilinear does not fit"},
		{"Interpolate/align", func() { Interpolate(x, InterpolateOptions{Size: []int{3}, AlignCorners: true}) }, "align_corners option"},
		{"Interpolate/antialias", func() { Interpolate(x, InterpolateOptions{Size: []int{3}, Antialias: true}) }, "Anti-alias option is only supported"},
		{"Interpolate/both", func() { Interpolate(x, InterpolateOptions{Size: []int{3}, ScaleFactor: []float64{2}}) }, "exactly one of Size and ScaleFactor"},
		{"Interpolate/sizes", func() { Interpolate(x, InterpolateOptions{Size: []int{3, 4}}) }, "want 1 or 1 sizes"},
		{"Interpolate/empty", func() { Interpolate(x, InterpolateOptions{ScaleFactor: []float64{0.1}}) }, "empty output"},
		{"EmbeddingBag/index", func() {
			EmbeddingBag(tensor.New([]int64{0, 5}), w, EmbeddingBagOptions{Offsets: tensor.New([]int64{0})})
		}, "index 5 is out of range"},
		{"EmbeddingBag/offsets", func() { EmbeddingBag(idx, w, EmbeddingBagOptions{Offsets: tensor.New([]int64{1})}) }, "offsets [1] must start at 0"},
		{"EmbeddingBag/last", func() {
			EmbeddingBag(idx, w, EmbeddingBagOptions{Offsets: tensor.New([]int64{0, 2}), IncludeLastOffset: true})
		}, "must start at 0 and rise to the 3 indices"},
		{"EmbeddingBag/mode", func() { EmbeddingBag(idx.Reshape(1, 3), w, EmbeddingBagOptions{Mode: "min"}) }, `mode must be "sum", "mean" or "max"`},
		{"EmbeddingBag/weights", func() {
			EmbeddingBag(idx.Reshape(1, 3), w, EmbeddingBagOptions{PerSampleWeights: tensor.Zeros(1, 3)})
		}, "need mode sum"},
		{"EmbeddingBag/2d offsets", func() { EmbeddingBag(idx.Reshape(1, 3), w, EmbeddingBagOptions{Offsets: idx}) }, "want a 2-d input without offsets"},
		{"GLU", func() { GLU(tensor.Zeros(3, 3), 1) }, "halving dimension 1 of input shape [3 3] must be in range and even"},
		{"RRelu", func() { RRelu(x, 0.5, 0.1, true, nil) }, "lower 0.5 must not exceed upper 0.1"},
		{"EmbeddingBag/freq", func() {
			EmbeddingBag(idx.Reshape(1, 3), w, EmbeddingBagOptions{Mode: "max", ScaleGradByFreq: true})
		}, "max mode does not support scaling the gradient by the frequency"},
		{"AlphaDropout", func() { AlphaDropout(x, 1.5, true, nil) }, "dropout probability has to be between 0 and 1"},
	} {
		err := tensor.Maybe(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want a panic containing %q", c.name, err, c.want)
		}
	}
}
