package nn

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// convGolden is a case of testdata/convs.json (gen_convs.py), the fields the
// module tests read.
type convGolden struct {
	Name   string
	Op     string
	Params map[string]any
	Inputs map[string]struct {
		Shape []int
		Data  []float64
	}
	Upstream []float64
	Float32  convGoldenRun
	Float64  convGoldenRun
}

type convGoldenRun struct {
	Shape []int
	Out   []float64
	Grads map[string][]float64
}

// intsOf reads a PyTorch int-or-tuple argument as its values (nil when absent).
func intsOf(p map[string]any, key string) []int {
	switch v := p[key].(type) {
	case float64:
		return []int{int(v)}
	case []any:
		r := make([]int, len(v))
		for i, x := range v {
			r[i] = int(x.(float64))
		}
		return r
	}
	return nil
}

// convModule builds the layer a convs.json case's functional call amounts to,
// in dtype dt, with the case's weight and bias copied in.
func convModule(c *convGolden, dt tensor.DType) Module {
	p, x, w := c.Params, c.Inputs["x"].Shape, c.Inputs["weight"].Shape
	if len(x) < len(w) { // unbatched: (C, spatial...)
		x = append([]int{1}, x...)
	}
	_, bias := c.Inputs["bias"]
	opts := []Option{WithDType(dt), WithBias(bias), WithKernelSize(w[2:]...)}
	for key, o := range map[string]func(...int) Option{"stride": WithStride, "dilation": WithDilation, "output_padding": WithOutputPadding} {
		if v := intsOf(p, key); v != nil {
			opts = append(opts, o(v...))
		}
	}
	groups := 1
	if g := intsOf(p, "groups"); g != nil {
		groups = g[0]
		opts = append(opts, WithGroups(groups))
	}
	if p["padding"] == "same" {
		opts = append(opts, WithPaddingSame())
	} else if v := intsOf(p, "padding"); v != nil {
		opts = append(opts, WithPadding(v...))
	}
	if m, ok := p["padding_mode"].(string); ok {
		opts = append(opts, WithPaddingMode(map[string]tensor.PadMode{"reflect": tensor.PadReflect, "replicate": tensor.PadReplicate, "circular": tensor.PadCircular}[m]))
	}
	var m Module
	var weight, b *tensor.Tensor
	switch op := strings.TrimSuffix(c.Op, "_padded"); op {
	case "conv1d":
		l := NewConv1d(x[1], w[0], 0, opts...)
		m, weight, b = l, l.Weight, l.Bias
	case "conv2d":
		l := NewConv2d(x[1], w[0], 0, opts...)
		m, weight, b = l, l.Weight, l.Bias
	case "conv3d":
		l := NewConv3d(x[1], w[0], 0, opts...)
		m, weight, b = l, l.Weight, l.Bias
	default:
		dims := int(op[len(op)-2] - '0')
		l := [...]func(in, out, kernel int, opts ...Option) *ConvTranspose{NewConvTranspose1d, NewConvTranspose2d, NewConvTranspose3d}[dims-1](x[1], w[1]*groups, 0, opts...)
		m, weight, b = l, l.Weight, l.Bias
	}
	tensor.NoGrad(func() {
		weight.Copy_(tensor.New(c.Inputs["weight"].Data, w...))
		if b != nil {
			b.Copy_(tensor.New(c.Inputs["bias"].Data, c.Inputs["bias"].Shape...))
		}
	})
	return m
}

// TestConvModulesGolden builds the layer of each convolution case of
// convs.json (PyTorch 1.13's functional calls, and for padding modes what
// nn.Conv1d/2d/3d(padding_mode=...) runs), loads the case's weight and bias, and
// compares the output and the gradients of x, weight and bias in float32 and
// float64.
func TestConvModulesGolden(t *testing.T) {
	var file struct{ Cases []*convGolden }
	loadJSON(t, "testdata/convs.json", &file)
	tol := map[tensor.DType]struct{ rtol, atol float64 }{tensor.Float32: {2e-5, 2e-6}, tensor.Float64: {1e-12, 1e-13}} // as nn/functional's layerTol
	n := 0
	for _, c := range file.Cases {
		if !strings.HasPrefix(c.Op, "conv") {
			continue
		}
		n++
		for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
			t.Run(c.Name+"/"+dt.String(), func(t *testing.T) {
				want, tl := c.Float32, tol[dt]
				if dt == tensor.Float64 {
					want = c.Float64
				}
				m := convModule(c, dt)
				x := fromValues(dt, c.Inputs["x"].Data, c.Inputs["x"].Shape...).SetRequiresGrad(true)
				y := m.Forward(x)
				if !slices.Equal(y.Shape(), want.Shape) {
					t.Fatalf("shape %v, want %v", y.Shape(), want.Shape)
				}
				checkClose(t, "output", y.Values(), want.Out, tl.rtol, tl.atol)
				y.Mul(fromValues(dt, c.Upstream, want.Shape...)).Sum().Backward()
				params := m.(interface{ NamedParameters() []NamedParameter }).NamedParameters()
				got := map[string]*tensor.Tensor{"x": x}
				for _, p := range params {
					got[p.Name] = p.Tensor
				}
				for k, v := range want.Grads {
					checkClose(t, "gradient of "+k, got[k].Grad().Values(), v, tl.rtol, tl.atol)
				}
			})
		}
	}
	if n < 19 {
		t.Fatalf("%d convolution cases in convs.json, want its 19", n)
	}
}

// TestConvModuleStrings compares with print(layer) in PyTorch 1.13 for the same
// arguments.
func TestConvModuleStrings(t *testing.T) {
	for _, c := range []struct {
		m    Module
		want string
	}{
		{NewConv3d(2, 4, 3, WithPadding(1), WithPaddingMode(tensor.PadReflect), WithBias(false)),
			"Conv3d(2, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=(1, 1, 1), bias=False, padding_mode=reflect)"},
		{NewConvTranspose2d(2, 4, 0, WithKernelSize(3, 2), WithStride(2), WithOutputPadding(1), WithGroups(2)),
			"ConvTranspose2d(2, 4, kernel_size=(3, 2), stride=(2, 2), output_padding=(1, 1), groups=2)"},
		{NewConvTranspose1d(2, 4, 3), "ConvTranspose1d(2, 4, kernel_size=(3,), stride=(1,))"},
		{NewConv2d(2, 4, 3, WithPaddingSame(), WithPaddingMode(tensor.PadCircular)),
			"Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 1), padding=same, padding_mode=circular)"},
		{Unfold{functional.FoldOptions{Kernel: [2]int{2, 2}}}, "Unfold(kernel_size=2, dilation=1, padding=0, stride=1)"},
		{Fold{[2]int{4, 5}, functional.FoldOptions{Kernel: [2]int{2, 3}, Padding: [2]int{1, 1}}},
			"Fold(output_size=(4, 5), kernel_size=(2, 3), dilation=1, padding=1, stride=1)"},
		{AdaptiveMaxPool2d{[2]int{3, 2}}, "AdaptiveMaxPool2d(output_size=(3, 2))"},
		{AdaptiveMaxPool1d{4}, "AdaptiveMaxPool1d(output_size=4)"},
	} {
		if got := Format(c.m); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}

// TestConvTransposeInit checks a transposed convolution's shapes and PyTorch's
// bounds: fan_in is the weight's size(1)·kernel = out/groups·kH·kW, and the bias
// has out values.
func TestConvTransposeInit(t *testing.T) {
	c := NewConvTranspose2d(4, 6, 3, WithGroups(2), WithStride(2), WithPadding(1), WithOutputPadding(1), WithGenerator(tensor.NewGenerator(1)))
	if !slices.Equal(c.Weight.Shape(), []int{4, 3, 3, 3}) || !slices.Equal(c.Bias.Shape(), []int{6}) {
		t.Fatalf("weight shape %v, bias shape %v", c.Weight.Shape(), c.Bias.Shape())
	}
	bound := 1 / math.Sqrt(3*3*3)
	for _, v := range append(c.Weight.Values(), c.Bias.Values()...) {
		if v < -bound || v > bound {
			t.Fatalf("value %v outside ±1/√27", v)
		}
	}
	if y := c.Forward(tensor.Randn(2, 4, 5, 5)); !slices.Equal(y.Shape(), []int{2, 6, 10, 10}) { // (5-1)·2 - 2 + 3 + 1
		t.Errorf("output shape %v", y.Shape())
	}
	u := Unfold{functional.FoldOptions{Kernel: [2]int{2, 2}}}.Forward(tensor.Randn(1, 3, 4, 4))
	if y := (Fold{[2]int{4, 4}, functional.FoldOptions{Kernel: [2]int{2, 2}}}).Forward(u); !slices.Equal(y.Shape(), []int{1, 3, 4, 4}) {
		t.Errorf("fold of unfold: shape %v", y.Shape())
	}
}

// TestConvTransposeOutputSize checks that ForwardOutputSize picks the output
// padding PyTorch's forward(input, output_size) picks: for a 5×5 input, kernel
// 3, stride 2 and padding 1, the sizes 9 and 10 (output_padding 0 and 1), and
// rejects 11.
func TestConvTransposeOutputSize(t *testing.T) {
	l := NewConvTranspose2d(2, 3, 3, WithStride(2), WithPadding(1), WithGenerator(tensor.NewGenerator(1)))
	x := tensor.Randn(1, 2, 5, 5)
	for _, size := range [][]int{{9, 9}, {10, 9}, {10, 10}} {
		y := l.ForwardOutputSize(x, size...)
		if !slices.Equal(y.Shape(), []int{1, 3, size[0], size[1]}) {
			t.Errorf("size %v: shape %v", size, y.Shape())
		}
		o := l.Options
		o.OutputPadding = [3]int{size[0] - 9, size[1] - 9}
		checkClose(t, "output", y.Values(), functional.ConvTranspose2d(x, l.Weight, l.Bias, o).Values(), 0, 0)
	}
	if err := tensor.Maybe(func() { l.ForwardOutputSize(x, 11, 9) }); err == nil || !strings.Contains(err.Error(), "from 9 to 10") {
		t.Errorf("size 11: err %v, want one naming the valid range", err)
	}
}

// TestConvModulesUnbatched checks that every convolution module takes an
// unbatched input (C, spatial...), as PyTorch's do, giving the output of a
// batch of one without its batch dim, also after a padding mode and through
// ForwardOutputSize. The functional ops' unbatched goldens are in convs.json.
func TestConvModulesUnbatched(t *testing.T) {
	gen := WithGenerator(tensor.NewGenerator(4))
	for _, c := range []struct {
		name string
		m    Module
		x    *tensor.Tensor
	}{
		{"conv1d", NewConv1d(2, 3, 3, WithPadding(1), WithPaddingMode(tensor.PadCircular), gen), tensor.Randn(2, 6)},
		{"conv2d", NewConv2d(2, 3, 3, WithPadding(1), WithPaddingMode(tensor.PadReflect), gen), tensor.Randn(2, 5, 4)},
		{"conv3d", NewConv3d(2, 3, 2, WithStride(1, 2, 1), gen), tensor.Randn(2, 3, 5, 4)},
		{"conv_transpose1d", NewConvTranspose1d(2, 3, 3, WithStride(2), gen), tensor.Randn(2, 4)},
		{"conv_transpose2d", NewConvTranspose2d(2, 4, 3, WithStride(2), WithGroups(2), gen), tensor.Randn(2, 3, 4)},
		{"conv_transpose3d", NewConvTranspose3d(2, 3, 2, gen), tensor.Randn(2, 2, 3, 2)},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, want := c.m.Forward(c.x), c.m.Forward(c.x.Unsqueeze(0))
			if !slices.Equal(got.Shape(), want.Shape()[1:]) {
				t.Fatalf("shape %v, want %v", got.Shape(), want.Shape()[1:])
			}
			checkClose(t, "output", got.Values(), want.Values(), 0, 0)
		})
	}
	l := NewConvTranspose2d(2, 3, 3, WithStride(2), WithPadding(1), gen)
	if y := l.ForwardOutputSize(tensor.Randn(2, 5, 5), 10, 9); !slices.Equal(y.Shape(), []int{3, 10, 9}) {
		t.Errorf("ForwardOutputSize: shape %v, want [3 10 9]", y.Shape())
	}
}
