package functional

import (
	"slices"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// convCases reads ../testdata/convs.json, written from PyTorch 1.13 by
// ../testdata/gen_convs.py in layers.json's format.
var convCases = caseFile("convs.json")

// triple reads a PyTorch int-or-tuple argument of up to three values, def where
// absent.
func triple(p map[string]any, key string, def int) [3]int {
	switch v := p[key].(type) {
	case float64:
		return [3]int{int(v), int(v), int(v)}
	case []any:
		var r [3]int
		for i, x := range v {
			r[i] = int(x.(float64))
		}
		return r
	}
	return [3]int{def, def, def}
}

// padModes are PyTorch's padding_mode names.
var padModes = map[string]tensor.PadMode{"reflect": tensor.PadReflect, "replicate": tensor.PadReplicate, "circular": tensor.PadCircular}

// convOp returns the gograd function a convs.json case runs.
func convOp(c *layerCase) func(in map[string]*tensor.Tensor) *tensor.Tensor {
	p := c.Params
	switch c.Op {
	case "conv_transpose1d", "conv_transpose2d", "conv_transpose3d":
		o := ConvTransposeOptions{Stride: triple(p, "stride", 1), Padding: triple(p, "padding", 0), OutputPadding: triple(p, "output_padding", 0),
			Dilation: triple(p, "dilation", 1), Groups: triple(p, "groups", 1)[0]}
		f := map[string]func(x, w, b *tensor.Tensor, o ConvTransposeOptions) *tensor.Tensor{
			"conv_transpose1d": ConvTranspose1d, "conv_transpose2d": ConvTranspose2d, "conv_transpose3d": ConvTranspose3d}[c.Op]
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return f(in["x"], in["weight"], in["bias"], o) }
	case "conv3d":
		o := Conv3dOptions{Stride: triple(p, "stride", 1), Dilation: triple(p, "dilation", 1), Groups: triple(p, "groups", 1)[0], Same: p["padding"] == "same"}
		if !o.Same {
			o.Padding = triple(p, "padding", 0)
		}
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return Conv3d(in["x"], in["weight"], in["bias"], o) }
	case "unfold", "fold":
		o := FoldOptions{Kernel: pair(p, "kernel_size", 0), Dilation: pair(p, "dilation", 1), Padding: pair(p, "padding", 0), Stride: pair(p, "stride", 1)}
		if c.Op == "unfold" {
			return func(in map[string]*tensor.Tensor) *tensor.Tensor { return Unfold(in["x"], o) }
		}
		size := pair(p, "output_size", 0)
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return Fold(in["x"], size, o) }
	case "adaptive_max_pool2d":
		s := pair(p, "output_size", 0)
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return AdaptiveMaxPool2d(in["x"], s[0], s[1]) }
	case "adaptive_max_pool2d_with_indices": // the output; TestConvsGolden compares the indices
		s := pair(p, "output_size", 0)
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			out, _ := AdaptiveMaxPool2dWithIndices(in["x"], s[0], s[1])
			return out
		}
	case "adaptive_max_pool1d":
		s := pair(p, "output_size", 0)
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return AdaptiveMaxPool1d(in["x"], s[0]) }
	case "conv1d_padded", "conv2d_padded", "conv3d_padded":
		// What nn's convolutions run for a padding mode: Pad, then no padding.
		var pads []int
		if p["padding"] == "same" {
			k, d := c.Inputs["weight"].Shape[2:], triple(p, "dilation", 1)
			for i := len(k) - 1; i >= 0; i-- {
				total := d[i] * (k[i] - 1)
				pads = append(pads, total/2, total-total/2)
			}
		} else {
			pad := ints(p, "padding")
			for i := len(pad) - 1; i >= 0; i-- {
				pads = append(pads, pad[i], pad[i])
			}
		}
		mode := padModes[p["padding_mode"].(string)]
		base := strings.TrimSuffix(c.Op, "_padded")
		q := map[string]any{"stride": p["stride"], "dilation": p["dilation"]}
		conv := anyOp(&layerCase{Op: base, Params: q})
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			m := maps(in)
			m["x"] = in["x"].Pad(pads, mode, 0)
			return conv(m)
		}
	case "cnn": // gen_convs.py's cnn: a critic for a gradient penalty
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			h := Conv2d(in["x"], in["w1"], in["b1"], ConvOptions{Padding: [2]int{1, 1}})
			h = BatchNorm(h, nil, nil, in["bn_w"], in["bn_b"], BatchNormOptions{Training: true, Eps: 1e-5})
			h = MaxPool2d(h.Relu(), PoolOptions{Kernel: [2]int{2, 2}})
			h = Conv2d(h, in["w2"], nil, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}})
			return AdaptiveAvgPool2d(h, 1, 1)
		}
	}
	if base, ok := strings.CutPrefix(c.Op, "gg_"); ok {
		return gradSquares(anyOp(&layerCase{Op: base, Params: c.Params}), strs(c.Params, "wrt"))
	}
	panic("no op " + c.Op)
}

// anyOp returns the function of a case of layers.json or convs.json (whose
// gg_instance_norm cases run extra.json's instance_norm).
func anyOp(c *layerCase) func(in map[string]*tensor.Tensor) *tensor.Tensor {
	switch c.Op {
	case "conv1d", "conv2d", "max_pool2d", "avg_pool2d", "batch_norm", "layer_norm", "group_norm", "max_pool1d", "avg_pool1d",
		"adaptive_avg_pool1d", "adaptive_avg_pool2d", "gelu", "embedding", "embedding_with_options":
		if c.Op == "batch_norm" && c.Params["momentum"] == nil {
			c.Params["momentum"] = 0.0
		}
		return layerOp(c)
	case "instance_norm":
		return extraOp(c)
	}
	return convOp(c)
}

// gradSquares returns the double-backward function of gen_convs.py's gg cases:
// Σ over wrt of the squared gradients of (op(inputs)·up).sum(), with the
// gradients' graph kept.
func gradSquares(op func(map[string]*tensor.Tensor) *tensor.Tensor, wrt []string) func(map[string]*tensor.Tensor) *tensor.Tensor {
	return func(in map[string]*tensor.Tensor) (total *tensor.Tensor) {
		var xs []*tensor.Tensor
		for _, k := range wrt {
			if !in[k].RequiresGrad() { // an input the result does not depend on (gg_embedding's weight)
				in[k].SetRequiresGrad(true)
			}
			xs = append(xs, in[k])
		}
		// GradCheck evaluates under NoGrad; the first gradients need their graph.
		tensor.EnableGrad(func() {
			y := op(in)
			gs := tensor.Grad([]*tensor.Tensor{y.Mul(in["up"]).Sum()}, xs, tensor.GradOptions{CreateGraph: true})
			total = gs[0].Square().Sum()
			for _, g := range gs[1:] {
				total = total.Add(g.Square().Sum())
			}
		})
		return total
	}
}

func maps(in map[string]*tensor.Tensor) map[string]*tensor.Tensor {
	m := make(map[string]*tensor.Tensor, len(in))
	for k, v := range in {
		m[k] = v
	}
	return m
}

func strs(p map[string]any, key string) []string {
	var r []string
	for _, v := range p[key].([]any) {
		r = append(r, v.(string))
	}
	return r
}

// ggTol32 is the tolerance of the double-backward cases in float32: their
// gradients sum products of first gradients that are themselves sums taken in
// another order than PyTorch's. Worst seen: 1.4e-4 relative (5.7e-6 absolute),
// gg_conv_transpose2d's x gradient with -tags purego.
var ggTol32 = struct{ rtol, atol float64 }{5e-4, 1e-5}

// TestConvsGolden runs every case of convs.json in float32 and float64 and
// compares the output, its grad_fn, every input's gradient for the case's
// upstream gradient (for the gg cases: the gradients of the summed squared
// first gradients, through the ops' double backward) and adaptive max
// pooling's indices with PyTorch's.
func TestConvsGolden(t *testing.T) {
	cases, err := convCases()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
			t.Run(c.Name+"/"+dt.String(), func(t *testing.T) {
				tol := layerTol[dt]
				if strings.HasPrefix(c.Op, "gg_") && dt == tensor.Float32 {
					tol = ggTol32
				}
				in, want := checkGoldenTol(t, c, dt, anyOp(c), nil, tol)
				if want.Indices != nil {
					s := pair(c.Params, "output_size", 0)
					_, ix := AdaptiveMaxPool2dWithIndices(in["x"], s[0], s[1])
					if !slices.Equal(ix.Values(), want.Indices) {
						t.Errorf("indices %v, want %v", ix.Values(), want.Indices)
					}
				}
			})
		}
	}
}

// TestDoubleBackwardNames checks the grad_fn names of the first gradients of
// convs.json's double-backward cases, taken while creating a graph, against
// PyTorch's: the nodes a double backward creates (ConvolutionBackwardBackward0,
// NativeBatchNormBackwardBackward0, MaxPool2DWithIndicesBackwardBackward0, ...).
func TestDoubleBackwardNames(t *testing.T) {
	cases, err := convCases()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range cases {
		if c.GGGradFns == nil {
			continue
		}
		n++
		t.Run(c.Name, func(t *testing.T) {
			base := strings.TrimPrefix(c.Op, "gg_")
			in := c.tensors(tensor.Float64, false)
			in["up"].SetRequiresGrad(true)
			var xs []*tensor.Tensor
			for _, k := range c.GGGradFns.Wrt {
				in[k].SetRequiresGrad(true)
				xs = append(xs, in[k])
			}
			y := anyOp(&layerCase{Op: base, Params: c.Params})(in)
			gs := tensor.Grad([]*tensor.Tensor{y.Mul(in["up"]).Sum()}, xs, tensor.GradOptions{CreateGraph: true})
			for i, g := range gs {
				if got := g.GradFn(); got == nil || got.Name() != c.GGGradFns.Names[i] {
					t.Errorf("gradient in %s: grad_fn %v, want %s", c.GGGradFns.Wrt[i], got, c.GGGradFns.Names[i])
				}
			}
		})
	}
	if n < 21 {
		t.Fatalf("%d cases with grad_fn names ran, want the 21 of convs.json", n)
	}
}

// TestConvsGradCheck checks every convs.json case's first and second
// derivatives in float64 against central differences (the gg cases, already
// second derivatives, their first).
func TestConvsGradCheck(t *testing.T) {
	cases, err := convCases()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if strings.HasPrefix(c.Name, "embedding_freq") {
			// scale_grad_by_freq's gradient is not the derivative (nor, by
			// definition, the padding row's): no numerical one can agree.
			// gg_embedding_freq checks its second derivative, which is.
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			// Unbatched cases run the batched kernels: gg_conv2d_unbatched checks
			// their second derivatives once.
			second := !strings.HasPrefix(c.Op, "gg_") && !(strings.HasPrefix(c.Name, "conv") && strings.HasSuffix(c.Name, "_unbatched"))
			gradChecks(t, c, anyOp(c), true, second)
		})
	}
}

// gradChecks runs GradCheck (with first) and GradGradCheck (with second) on op
// over case c's float64 inputs that take gradients; other inputs are fresh
// copies at each evaluation (running statistics).
func gradChecks(t *testing.T, c *layerCase, op func(map[string]*tensor.Tensor) *tensor.Tensor, first, second bool) {
	t.Helper()
	in := c.tensors(tensor.Float64, true)
	var xs []*tensor.Tensor
	for _, k := range c.Grads {
		xs = append(xs, in[k])
	}
	f := func(args ...*tensor.Tensor) *tensor.Tensor {
		m := make(map[string]*tensor.Tensor, len(in))
		for k, v := range in {
			m[k] = v.Clone()
		}
		for i, k := range c.Grads {
			m[k] = args[i]
		}
		return op(m)
	}
	if first {
		if err := tensor.GradCheck(f, xs); err != nil {
			t.Error(err)
		}
	}
	if !second {
		return
	}
	if err := tensor.GradGradCheck(f, xs); err != nil {
		t.Errorf("second derivatives: %v", err)
	}
}

// doubleBackward lists the layers.json and transformer.json ops whose backward
// is differentiable again (gradgradcheck below); the others are losses or
// attention, checked elsewhere.
var doubleBackward = []string{"conv1d", "conv2d", "max_pool2d", "avg_pool2d", "max_pool1d", "avg_pool1d",
	"adaptive_avg_pool1d", "adaptive_avg_pool2d", "batch_norm", "layer_norm", "group_norm", "gelu", "embedding"}

// TestLayersGradGradCheck checks the second derivatives of layers.json's
// convolutions, poolings and normalisations, and transformer.json's GELU and
// Embedding, in float64 against central
// differences of their first.
func TestLayersGradGradCheck(t *testing.T) {
	cases, err := layerCases()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range cases {
		if !slices.Contains(doubleBackward, c.Op) {
			continue
		}
		n++
		t.Run(c.Name, func(t *testing.T) { gradChecks(t, c, layerOp(c), false, true) })
	}
	if n < 34 {
		t.Fatalf("%d cases of layers.json and transformer.json ran, want the 34 or more of their CNN ops, GELU and Embedding", n)
	}
}

// TestDoubleBackwardStridedInputs runs gradgradcheck on convolutions and
// normalisations whose input is a transposed (non-contiguous) view: their nodes
// must save the input itself, not a contiguous copy, for the second derivative
// to reach it.
func TestDoubleBackwardStridedInputs(t *testing.T) {
	gen := tensor.NewGenerator(3)
	randn := func(shape ...int) *tensor.Tensor {
		return gen.Normal(tensor.Float64.Zeros(shape...), 0, 1).SetRequiresGrad(true)
	}
	for _, c := range []struct {
		name string
		f    func(in ...*tensor.Tensor) *tensor.Tensor
		in   []*tensor.Tensor
	}{
		{"conv2d", func(in ...*tensor.Tensor) *tensor.Tensor {
			return Conv2d(in[0].Transpose(2, 3), in[1].Transpose(2, 3), nil, ConvOptions{Padding: [2]int{1, 0}})
		}, []*tensor.Tensor{randn(2, 2, 4, 3), randn(3, 2, 2, 3)}},
		{"conv_transpose1d", func(in ...*tensor.Tensor) *tensor.Tensor {
			return ConvTranspose1d(in[0].Transpose(1, 2), in[1], nil, ConvTransposeOptions{Stride: [3]int{2}})
		}, []*tensor.Tensor{randn(2, 4, 3), randn(3, 2, 2)}},
		{"batch_norm", func(in ...*tensor.Tensor) *tensor.Tensor {
			return BatchNorm(in[0].Transpose(0, 2), nil, nil, in[1], nil, BatchNormOptions{Training: true, Eps: 1e-5})
		}, []*tensor.Tensor{randn(4, 3, 5), randn(3)}},
		{"layer_norm", func(in ...*tensor.Tensor) *tensor.Tensor {
			return LayerNorm(in[0].Transpose(0, 1), []int{4}, in[1], nil, 1e-5)
		}, []*tensor.Tensor{randn(3, 2, 4), randn(4)}},
		{"group_norm", func(in ...*tensor.Tensor) *tensor.Tensor {
			return GroupNorm(in[0].Transpose(2, 3), 2, in[1], nil, 1e-5)
		}, []*tensor.Tensor{randn(2, 4, 3, 2), randn(4)}},
		{"gelu", func(in ...*tensor.Tensor) *tensor.Tensor { return Gelu(in[0].Transpose(0, 1), false) }, []*tensor.Tensor{randn(3, 4)}},
		{"gelu_tanh", func(in ...*tensor.Tensor) *tensor.Tensor { return Gelu(in[0].Transpose(0, 1), true) }, []*tensor.Tensor{randn(3, 4)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := tensor.GradGradCheck(c.f, c.in); err != nil {
				t.Error(err)
			}
		})
	}
}
