package functional

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// Golden cases of ../testdata/layers.json, written from PyTorch 1.13 by
// ../testdata/gen_layers.py.
type layerTensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

type layerRun struct {
	Shape   []int                `json:"shape"`
	Out     []float64            `json:"out"`
	GradFn  string               `json:"grad_fn"`
	Grads   map[string][]float64 `json:"grads"`
	Buffers map[string][]float64 `json:"buffers"`
	Indices []float64            `json:"indices"` // max_pool2d's return_indices
}

type layerCase struct {
	Name     string                 `json:"name"`
	Op       string                 `json:"op"`
	Params   map[string]any         `json:"params"`
	Inputs   map[string]layerTensor `json:"inputs"`
	Grads    []string               `json:"grads"`
	Upstream []float64              `json:"upstream"`
	Float32  layerRun               `json:"float32"`
	Float64  layerRun               `json:"float64"`
	// GGGradFns (convs.json's double-backward cases) holds the grad_fn names
	// of the first gradients in Wrt, taken while creating a graph.
	GGGradFns *struct {
		Wrt   []string `json:"wrt"`
		Names []string `json:"names"`
	} `json:"gg_grad_fns"`
}

// layerCases reads layers.json (gen_layers.py), transformer.json
// (gen_transformer.py) and losses.json (gen_losses.py).
var layerCases = sync.OnceValues(func() ([]*layerCase, error) {
	var all []*layerCase
	for _, name := range []string{"layers.json", "transformer.json", "losses.json"} {
		b, err := os.ReadFile("../testdata/" + name)
		if err != nil {
			return nil, err
		}
		var file struct{ Cases []*layerCase }
		if err := json.Unmarshal(b, &file); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		all = append(all, file.Cases...)
	}
	return all, nil
})

// Tolerances against PyTorch: sums of up to 100 products (a 3×3 kernel over 8
// channels, the weight gradient over a batch) taken in another order than
// oneDNN's/ATen's. Worst seen here: 1.5e-6 relative in float32 (batch norm's
// input gradient, a difference of sums), 4e-15 in float64.
var layerTol = map[tensor.DType]struct{ rtol, atol float64 }{
	tensor.Float32: {2e-5, 2e-6},
	tensor.Float64: {1e-12, 1e-13},
}

// pair reads a PyTorch int-or-tuple argument, def when absent.
func pair(p map[string]any, key string, def int) [2]int {
	switch v := p[key].(type) {
	case float64:
		return [2]int{int(v), int(v)}
	case []any:
		if len(v) == 1 {
			return [2]int{int(v[0].(float64)), int(v[0].(float64))}
		}
		return [2]int{int(v[0].(float64)), int(v[1].(float64))}
	}
	return [2]int{def, def}
}

func flag(p map[string]any, key string) bool { b, _ := p[key].(bool); return b }

// layerOp returns the gograd function a case runs, over its inputs by name. It
// runs BatchNorm on copies of the running statistics held in bufs.
func layerOp(c *layerCase) func(in map[string]*tensor.Tensor) *tensor.Tensor {
	p := c.Params
	switch c.Op {
	case "conv1d", "conv2d":
		o := ConvOptions{Stride: pair(p, "stride", 1), Dilation: pair(p, "dilation", 1), Groups: 1}
		if g, ok := p["groups"].(float64); ok {
			o.Groups = int(g)
		}
		switch p["padding"] {
		case "same":
			o.Same = true
		case "valid":
		default:
			o.Padding = pair(p, "padding", 0)
		}
		conv := Conv2d
		if c.Op == "conv1d" {
			conv = Conv1d
		}
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return conv(in["x"], in["weight"], in["bias"], o) }
	case "max_pool2d", "avg_pool2d":
		o := poolOptions(p)
		if c.Op == "max_pool2d" {
			return func(in map[string]*tensor.Tensor) *tensor.Tensor { return MaxPool2d(in["x"], o) }
		}
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return AvgPool2d(in["x"], o) }
	case "max_pool1d":
		o := poolOptions(p)
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return MaxPool1d(in["x"], o) }
	case "avg_pool1d":
		o := poolOptions(p)
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return AvgPool1d(in["x"], o) }
	case "adaptive_avg_pool1d":
		s := pair(p, "output_size", 0)
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return AdaptiveAvgPool1d(in["x"], s[0]) }
	case "adaptive_avg_pool2d":
		s := pair(p, "output_size", 0)
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return AdaptiveAvgPool2d(in["x"], s[0], s[1]) }
	case "batch_norm":
		o := BatchNormOptions{Training: flag(p, "training"), Momentum: p["momentum"].(float64), Eps: p["eps"].(float64)}
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return BatchNorm(in["x"], in["running_mean"], in["running_var"], in["weight"], in["bias"], o)
		}
	case "layer_norm":
		shape := ints(p, "normalized_shape")
		eps := p["eps"].(float64)
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return LayerNorm(in["x"], shape, in["weight"], in["bias"], eps)
		}
	case "group_norm":
		groups, eps := int(p["num_groups"].(float64)), p["eps"].(float64)
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return GroupNorm(in["x"], groups, in["weight"], in["bias"], eps)
		}
	case "gelu":
		tanh := p["approximate"] == "tanh"
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return Gelu(in["x"], tanh) }
	case "embedding", "embedding_with_options":
		var idx []int64
		var shape []int
		for _, row := range p["indices"].([]any) {
			for _, v := range row.([]any) {
				idx = append(idx, int64(v.(float64)))
			}
		}
		shape = []int{len(p["indices"].([]any)), len(idx) / len(p["indices"].([]any))}
		pad := int(p["padding_idx"].(float64))
		o := EmbeddingOptions{ScaleGradByFreq: flag(p, "scale_grad_by_freq")}
		if pad >= 0 {
			o.PaddingIdx = &pad
		}
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return EmbeddingWithOptions(tensor.New(idx, shape...), in["weight"], o)
		}
	case "scaled_dot_product_attention":
		var keep []bool
		rows := 0
		if k, ok := p["keep"].([]any); ok {
			rows = len(k)
			for _, row := range k {
				for _, v := range row.([]any) {
					keep = append(keep, v.(bool))
				}
			}
		}
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			o := AttentionOptions{Causal: flag(p, "causal"), Mask: in["mask"]}
			switch {
			case keep != nil && flag(p, "bool_tensor"): // taken as it is: true attends
				o.Mask = tensor.NewBool(keep, rows, len(keep)/rows)
			case keep != nil:
				o.Mask = BoolMask(keep, in["q"].DType(), rows, len(keep)/rows)
			}
			return ScaledDotProductAttention(in["q"], in["k"], in["v"], o)
		}
	}
	if f := lossOp(c); f != nil {
		return f
	}
	panic("no op " + c.Op)
}

func poolOptions(p map[string]any) PoolOptions {
	o := PoolOptions{Kernel: pair(p, "kernel_size", 0), Stride: pair(p, "stride", 0), Padding: pair(p, "padding", 0),
		Dilation: pair(p, "dilation", 0), CeilMode: flag(p, "ceil_mode")}
	if v, ok := p["count_include_pad"].(bool); ok {
		o.ExcludePad = !v
	}
	return o
}

func (c *layerCase) tensors(dt tensor.DType, grad bool) map[string]*tensor.Tensor {
	in := make(map[string]*tensor.Tensor)
	for k, v := range c.Inputs {
		in[k] = tensor.New(v.Data, v.Shape...).To(dt)
		if grad && slices.Contains(c.Grads, k) {
			in[k].SetRequiresGrad(true)
		}
	}
	return in
}

func closeTo(got, want []float64, rtol, atol float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d values, want %d", len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(got[i] - want[i]); !(d <= atol+rtol*math.Abs(want[i])) {
			return fmt.Errorf("[%d] = %.9g, want %.9g (diff %.3g)", i, got[i], want[i], d)
		}
	}
	return nil
}

// TestLayersGolden runs every case of layers.json in float32 and float64 and
// compares the output, its grad_fn, every input's gradient for the case's
// upstream gradient, and the running statistics after the call with PyTorch's.
func TestLayersGolden(t *testing.T) {
	cases, err := layerCases()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
			t.Run(c.Name+"/"+dt.String(), func(t *testing.T) {
				in, want := checkGolden(t, c, dt, layerOp(c), nil)
				if want.Indices != nil {
					_, ix := MaxPool2dWithIndices(in["x"], poolOptions(c.Params))
					if !slices.Equal(ix.Values(), want.Indices) {
						t.Errorf("indices %v, want %v", ix.Values(), want.Indices)
					}
				}
			})
		}
	}
}

// checkGolden runs op on case c's inputs in dtype dt and compares the output,
// its grad_fn (PyTorch's, or one of gradFns when given), the buffers after the
// call and every input's gradient with PyTorch's run. It returns the inputs and
// that run.
func checkGolden(t *testing.T, c *layerCase, dt tensor.DType, op func(map[string]*tensor.Tensor) *tensor.Tensor, gradFns []string) (map[string]*tensor.Tensor, layerRun) {
	t.Helper()
	return checkGoldenTol(t, c, dt, op, gradFns, layerTol[dt])
}

// checkGoldenTol is checkGolden with the tolerances tol.
func checkGoldenTol(t *testing.T, c *layerCase, dt tensor.DType, op func(map[string]*tensor.Tensor) *tensor.Tensor, gradFns []string,
	tol struct{ rtol, atol float64 }) (map[string]*tensor.Tensor, layerRun) {
	t.Helper()
	want := c.Float32
	if dt == tensor.Float64 {
		want = c.Float64
	}
	in := c.tensors(dt, true)
	out := op(in)
	if !slices.Equal(out.Shape(), want.Shape) {
		t.Fatalf("shape %v, want %v", out.Shape(), want.Shape)
	}
	if err := closeTo(out.Values(), want.Out, tol.rtol, tol.atol); err != nil {
		t.Errorf("output: %v", err)
	}
	if gradFns == nil {
		gradFns = []string{want.GradFn}
	}
	if out.GradFn() == nil || !slices.Contains(gradFns, out.GradFn().Name()) {
		t.Errorf("grad_fn %v, want one of %v (PyTorch's %s)", out.GradFn(), gradFns, want.GradFn)
	}
	for k, v := range want.Buffers {
		if err := closeTo(in[k].Values(), v, tol.rtol, tol.atol); err != nil {
			t.Errorf("%s after the call: %v", k, err)
		}
	}
	up := tensor.New(c.Upstream, want.Shape...).To(dt)
	out.Mul(up).Sum().Backward()
	for k, v := range want.Grads {
		g := in[k].Grad()
		if g == nil {
			t.Errorf("no gradient for %s", k)
			continue
		}
		if err := closeTo(g.Values(), v, tol.rtol, tol.atol); err != nil {
			t.Errorf("gradient of %s: %v", k, err)
		}
	}
	return in, want
}

// TestLayersGradCheck checks every case's gradients in float64 against central
// differences. Batch norm runs without running statistics (or on fresh copies) so
// that each evaluation computes the same function.
func TestLayersGradCheck(t *testing.T) {
	cases, err := layerCases()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if c.Name == "embedding_padding" {
			// By definition the padding row's gradient is zero although the output
			// reads it (PyTorch's too): no numerical gradient can agree. The golden
			// test checks that gradient; "embedding" is the gradcheck case.
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			in := c.tensors(tensor.Float64, true)
			op := layerOp(c)
			var names []string
			var xs []*tensor.Tensor
			for _, k := range c.Grads {
				names = append(names, k)
				xs = append(xs, in[k])
			}
			f := func(args ...*tensor.Tensor) *tensor.Tensor {
				m := make(map[string]*tensor.Tensor, len(in))
				for k, v := range in {
					if !slices.Contains(names, k) {
						v = v.Clone() // buffers: each evaluation starts from the same statistics
					}
					m[k] = v
				}
				for i, k := range names {
					m[k] = args[i]
				}
				return op(m)
			}
			if err := tensor.GradCheck(f, xs); err != nil {
				t.Error(err)
			}
		})
	}
}
