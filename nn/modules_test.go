package nn

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// modulesFile is testdata/modules.json, written from PyTorch 1.13 by
// testdata/gen_modules.py.
type modulesFile struct {
	Cases []struct {
		Name, Module, Repr, Mode string
		Args                     map[string]any
		Masks                    map[string]any
		StateDict                stateJSON `json:"state_dict"`
		Inputs                   []struct {
			Shape []int
			DType string
			Data  []float64
		}
		Upstream []float64
		Float64  moduleGolden
		Float32  moduleGolden
	}
	Containers struct {
		Repr                 string
		Keys                 []string
		StateDict            stateJSON `json:"state_dict"`
		ParameterListRepr    string    `json:"parameter_list_repr"`
		ParameterDictRepr    string    `json:"parameter_dict_repr"`
		ParameterDictOneRepr string    `json:"parameter_dict_one_repr"`
	}
}

type moduleGolden struct {
	moduleRun
	GradFn     string               `json:"grad_fn"`
	StateAfter map[string][]float64 `json:"state_after"`
}

// arg reads a float argument, def when absent.
func arg(a map[string]any, key string, def float64) float64 {
	if v, ok := a[key].(float64); ok {
		return v
	}
	return def
}

// goldenModule builds the gograd module of a modules.json case in dtype dt, and
// the function that runs it on the case's inputs with its masks.
func goldenModule(t *testing.T, module string, a, masks map[string]any, dt tensor.DType) (Module, func(xs []*tensor.Tensor) *tensor.Tensor) {
	var m Module
	switch module {
	case "ReLU6":
		m = ReLU6{}
	case "LeakyReLU":
		m = LeakyReLU{NegativeSlope: arg(a, "negative_slope", 0.01)}
	case "ELU":
		m = ELU{Alpha: arg(a, "alpha", 1)}
	case "SELU":
		m = SELU{}
	case "CELU":
		m = CELU{Alpha: arg(a, "alpha", 1)}
	case "GELU":
		m = GELU{Tanh: a["approximate"] == "tanh"}
	case "SiLU":
		m = SiLU{}
	case "Mish":
		m = Mish{}
	case "Softplus":
		m = Softplus{Beta: arg(a, "beta", 1), Threshold: arg(a, "threshold", 20)}
	case "Hardtanh":
		m = Hardtanh{MinVal: arg(a, "min_val", -1), MaxVal: arg(a, "max_val", 1)}
	case "Hardsigmoid":
		m = Hardsigmoid{}
	case "Hardswish":
		m = Hardswish{}
	case "LogSigmoid":
		m = LogSigmoid{}
	case "Softsign":
		m = Softsign{}
	case "Tanhshrink":
		m = Tanhshrink{}
	case "Tanh":
		m = Tanh{}
	case "Sigmoid":
		m = Sigmoid{}
	case "ReLU":
		m = ReLU{}
	case "Threshold":
		m = Threshold{Threshold: arg(a, "threshold", 0), Value: arg(a, "value", 0)}
	case "Hardshrink":
		m = Hardshrink{Lambd: arg(a, "lambd", 0.5)}
	case "Softshrink":
		m = Softshrink{Lambd: arg(a, "lambd", 0.5)}
	case "GLU":
		m = GLU{Dim: int(arg(a, "dim", -1))}
	case "Softmax2d":
		m = Softmax2d{}
	case "RReLU":
		m = &RReLU{Lower: arg(a, "lower", 1.0/8), Upper: arg(a, "upper", 1.0/3)}
	case "Softmin":
		m = Softmin{Dim: int(arg(a, "dim", 0))}
	case "Softmax":
		m = Softmax{Dim: int(arg(a, "dim", 0))}
	case "LogSoftmax":
		m = LogSoftmax{Dim: int(arg(a, "dim", 0))}
	case "PReLU":
		m = NewPReLU(int(arg(a, "num_parameters", 1)), arg(a, "init", 0.25), WithDType(dt))
	case "Upsample":
		u := Upsample{}
		u.Mode, _ = a["mode"].(string)
		u.AlignCorners, _ = a["align_corners"].(bool)
		for _, v := range listOf(a["size"]) {
			u.Size = append(u.Size, int(v))
		}
		u.ScaleFactor = listOf(a["scale_factor"])
		m = u
	case "UpsamplingNearest2d", "UpsamplingBilinear2d":
		var size []int
		for _, v := range listOf(a["size"]) {
			size = append(size, int(v))
		}
		if module == "UpsamplingNearest2d" {
			m = NewUpsamplingNearest2d(size, listOf(a["scale_factor"]))
		} else {
			m = NewUpsamplingBilinear2d(size, listOf(a["scale_factor"]))
		}
	case "AlphaDropout":
		m = &AlphaDropout{P: arg(a, "p", 0.5)}
	case "EmbeddingBag":
		opts := []Option{WithDType(dt)}
		if v, ok := a["padding_idx"].(float64); ok {
			opts = append(opts, WithPaddingIdx(int(v)))
		}
		if v, ok := a["max_norm"].(float64); ok {
			opts = append(opts, WithMaxNorm(v, 2))
		}
		e := NewEmbeddingBag(6, 3, a["mode"].(string), opts...)
		e.ScaleGradByFreq = a["scale_grad_by_freq"] == true
		if offs := listOf(a["offsets"]); offs != nil {
			o := tensor.New(offs).To(tensor.Int64)
			return e, func(xs []*tensor.Tensor) *tensor.Tensor { return e.ForwardBags(xs[0], o, xs[1]) }
		}
		m = e
	case "Embedding":
		m = NewEmbedding(6, 3, WithDType(dt), WithPaddingIdx(int(arg(a, "padding_idx", 0))), WithMaxNorm(arg(a, "max_norm", 0), arg(a, "norm_type", 2)))
	default:
		return transformerModule(t, module, a, masks, dt)
	}
	return m, func(xs []*tensor.Tensor) *tensor.Tensor { return m.Forward(xs[0]) }
}

// listOf reads a JSON list of numbers, nil when absent.
func listOf(v any) []float64 {
	var out []float64
	l, _ := v.([]any)
	for _, x := range l {
		out = append(out, x.(float64))
	}
	return out
}

// transformerModule builds a modules.json transformer case (d_model 8, 2 heads,
// feed-forward 16) and the function that runs it with its masks.
func transformerModule(t *testing.T, module string, a, masks map[string]any, dt tensor.DType) (Module, func(xs []*tensor.Tensor) *tensor.Tensor) {
	var act Module = ReLU{}
	if a["activation"] == "gelu" {
		act = GELU{}
	}
	p, normFirst, batchFirst := arg(a, "dropout", 0.1), a["norm_first"] == true, a["batch_first"] == true
	// The layers take batch_first from the case; the stacks and Transformer
	// take their layers' layout (NewTransformer's from WithBatchFirst), as
	// PyTorch's do.
	opts := []Option{WithDType(dt), WithBatchFirst(batchFirst)}
	bool2 := func(key string) *tensor.Tensor { // PyTorch's bool mask (True: masked out), taken as it is
		rows, ok := masks[key].([]any)
		if !ok {
			return nil
		}
		var b []bool
		for _, r := range rows {
			for _, v := range r.([]any) {
				b = append(b, v.(bool))
			}
		}
		return tensor.NewBool(b, len(rows), len(b)/len(rows))
	}
	float2 := func(key string, rows, cols int) *tensor.Tensor {
		if v := masks[key]; v != nil {
			return tensor.New(listOf(v), rows, cols).To(dt)
		}
		return nil
	}
	tgt := AttendOptions{KeyPaddingMask: bool2("tgt_key_padding_mask"), Causal: masks["tgt_causal"] == true}
	mem := AttendOptions{KeyPaddingMask: bool2("memory_key_padding_mask"), AttnMask: float2("memory_mask", 4, 5)}
	src := AttendOptions{KeyPaddingMask: bool2("src_key_padding_mask"), AttnMask: float2("src_mask", 5, 5)}
	if m := bool2("src_mask_bool"); m != nil { // a bool src_mask (True: masked out), as PyTorch takes it
		src.AttnMask = m
	}
	n := int(arg(a, "num_layers", 2))
	var norm *LayerNorm
	if a["norm"] == true {
		norm = NewLayerNorm([]int{8}, opts...)
	}
	switch module {
	case "TransformerDecoderLayer":
		l := NewTransformerDecoderLayer(8, 2, 16, p, act, normFirst, opts...)
		return l, func(xs []*tensor.Tensor) *tensor.Tensor { return l.Decode(xs[0], xs[1], &DecoderOptions{tgt, mem}) }
	case "TransformerEncoderLayer":
		l := NewTransformerEncoderLayer(8, 2, 16, p, act, normFirst, opts...)
		return l, func(xs []*tensor.Tensor) *tensor.Tensor { return l.Encode(xs[0], &src) }
	case "TransformerDecoder":
		d := NewTransformerDecoder(NewTransformerDecoderLayer(8, 2, 16, p, act, normFirst, opts...), n, norm)
		if d.BatchFirst != batchFirst {
			t.Fatalf("the decoder stack's BatchFirst is %v, its layer's %v", d.BatchFirst, batchFirst)
		}
		return d, func(xs []*tensor.Tensor) *tensor.Tensor { return d.Decode(xs[0], xs[1], &DecoderOptions{tgt, mem}) }
	case "TransformerEncoder":
		e := NewTransformerEncoder(NewTransformerEncoderLayer(8, 2, 16, p, act, normFirst, opts...), n, norm)
		if e.BatchFirst != batchFirst {
			t.Fatalf("the encoder stack's BatchFirst is %v, its layer's %v", e.BatchFirst, batchFirst)
		}
		return e, func(xs []*tensor.Tensor) *tensor.Tensor { return e.Encode(xs[0], &src) }
	case "Transformer":
		tr := NewTransformer(8, 2, int(arg(a, "num_encoder_layers", 2)), int(arg(a, "num_decoder_layers", 2)), 16, p, act, normFirst, opts...)
		if tr.BatchFirst != batchFirst || tr.Decoder.Layers[0].(*TransformerDecoderLayer).SelfAttn.BatchFirst != batchFirst {
			t.Fatalf("the Transformer's and its layers' BatchFirst are %v and %v, want %v", tr.BatchFirst,
				tr.Decoder.Layers[0].(*TransformerDecoderLayer).SelfAttn.BatchFirst, batchFirst)
		}
		return tr, func(xs []*tensor.Tensor) *tensor.Tensor {
			return tr.Transform(xs[0], xs[1], &TransformerOptions{Src: src, Tgt: tgt, Memory: mem})
		}
	}
	t.Fatalf("no module %q", module)
	return nil, nil
}

// TestModulesGolden builds each module of modules.json (every activation,
// PReLU, Upsample, AlphaDropout in eval mode, EmbeddingBag, Embedding with
// max_norm, the transformer decoder layer, the encoder and decoder stacks and
// Transformer with masks, batch first, sequence first or unbatched, in train
// mode with dropout 0 or eval mode with dropout 0.1), loads PyTorch 1.13's state dict into it and
// compares, in float64 and float32, its printed form (but for the
// transformers, whose sublayers print differently), the output, its grad_fn,
// the gradient of every float input and every parameter, and the state after
// the call where max_norm changes it.
func TestModulesGolden(t *testing.T) {
	var file modulesFile
	loadJSON(t, "testdata/modules.json", &file)
	for _, c := range file.Cases {
		transformer := strings.HasPrefix(c.Module, "Transformer")
		for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
			want, rtol, atol := c.Float64, 1e-10, 1e-12
			if dt == tensor.Float32 {
				// One float32 op: a few ulps. Transformers: softmax, LayerNorms
				// and residual sums, a few hundred ulps on parameter gradients.
				want, rtol, atol = c.Float32, 1e-5, 1e-6
				if transformer {
					rtol, atol = 1e-4, 2e-5
				}
			}
			t.Run(c.Name+"/"+dt.String(), func(t *testing.T) {
				m, run := goldenModule(t, c.Module, c.Args, c.Masks, dt)
				// PyTorch prints the arguments of Softplus as given, ints or
				// floats; gograd's hold float64s and print its defaults' form.
				if s := Format(m); !transformer && (c.Module != "Softplus" || len(c.Args) == 0) && s != c.Repr {
					t.Errorf("printed %q, want %q", s, c.Repr)
				}
				if err := LoadStateDict(m, c.StateDict.tensors()); err != nil {
					t.Fatal(err)
				}
				if c.Mode == "eval" {
					Eval(m)
				}
				var xs []*tensor.Tensor
				for _, in := range c.Inputs {
					x := tensor.New(in.Data, in.Shape...)
					if in.DType == "int64" {
						xs = append(xs, x.To(tensor.Int64))
						continue
					}
					xs = append(xs, x.To(dt).SetRequiresGrad(true))
				}
				y := run(xs)
				if !slices.Equal(y.Shape(), want.Shape) {
					t.Fatalf("shape %v, want %v", y.Shape(), want.Shape)
				}
				if err := within(y.Values(), want.Out, rtol, atol); err != nil {
					t.Errorf("output: %v", err)
				}
				switch {
				case want.GradFn == "" && y.GradFn() != nil:
					t.Errorf("grad_fn %v, want none", y.GradFn())
				case want.GradFn != "" && (y.GradFn() == nil || y.GradFn().Name() != want.GradFn):
					t.Errorf("grad_fn %v, want %s", y.GradFn(), want.GradFn)
				}
				for k, v := range want.StateAfter {
					if err := within(StateDict(m)[k].Values(), v, rtol, atol); err != nil {
						t.Errorf("%s after the call: %v", k, err)
					}
				}
				if y.GradFn() == nil {
					return
				}
				y.Mul(tensor.New(c.Upstream, want.Shape...).To(dt)).Sum().Backward()
				for i, x := range xs {
					if want.InputGrads[i] == nil {
						continue
					}
					if err := within(x.Grad().Values(), want.InputGrads[i], rtol, atol); err != nil {
						t.Errorf("gradient of input %d: %v", i, err)
					}
				}
				for _, p := range NamedParameters(m) {
					if err := within(p.Tensor.Grad().Values(), want.ParamGrads[p.Name], rtol, atol); err != nil {
						t.Errorf("gradient of %s: %v", p.Name, err)
					}
				}
				if len(want.ParamGrads) != len(NamedParameters(m)) {
					t.Errorf("%d parameters, PyTorch's have %d", len(NamedParameters(m)), len(want.ParamGrads))
				}
			})
		}
	}
}

// TestAlphaDropoutModes checks that Train and Eval reach an AlphaDropout inside
// a model: in training mode about p of the elements take AlphaDropout's dropped
// value, in evaluation mode the input passes unchanged.
func TestAlphaDropoutModes(t *testing.T) {
	d := &AlphaDropout{P: 0.5, Generator: tensor.NewGenerator(1)}
	m := Sequential{Identity{}, d}
	x := tensor.Float64.Zeros(1000)
	Eval(m)
	if y := m.Forward(x); y != x || d.Training() {
		t.Fatal("evaluation mode changed the input")
	}
	Train(m)
	y := m.Forward(x).Values()
	low := 0 // dropped values are negative, kept ones (zero inputs) positive
	for _, v := range y {
		if v < 0 {
			low++
		}
	}
	if low < 400 || low > 600 { // 1000 draws at p 0.5: 500 ± 100 is over 6 standard deviations (15.8)
		t.Errorf("%d of 1000 dropped in training mode, want about 500", low)
	}
}

// TestTransformerStacksCopyLayers checks that the stacks hold independent
// copies of the layer they are given, equal to it at first, as PyTorch's
// deep copies are, made without drawing from the layer's generator, which
// their dropouts share, and that NewTransformer draws every matrix from
// xavier_uniform's range, √(6/(fan_in+fan_out)), as PyTorch's _reset_parameters.
func TestTransformerStacksCopyLayers(t *testing.T) {
	layer := NewTransformerEncoderLayer(8, 2, 16, 0, ReLU{}, false)
	enc := NewTransformerEncoder(layer, 2, nil)
	a, b := enc.Layers[0].(*TransformerEncoderLayer), enc.Layers[1].(*TransformerEncoderLayer)
	if a == layer || a.Linear1.Weight == b.Linear1.Weight {
		t.Fatal("the stack shares a layer's tensors")
	}
	if !slices.Equal(a.Linear1.Weight.Values(), layer.Linear1.Weight.Values()) || !slices.Equal(b.SelfAttn.InProjWeight.Values(), layer.SelfAttn.InProjWeight.Values()) {
		t.Error("copies differ from the layer")
	}
	g := tensor.NewGenerator(9)
	gl := NewTransformerDecoderLayer(8, 2, 16, 0.1, ReLU{}, false, WithGenerator(g))
	before := g.State()
	dec := NewTransformerDecoder(gl, 2, nil)
	if !slices.Equal(g.State(), before) {
		t.Error("copying a layer drew from the user's generator")
	}
	if d := dec.Layers[1].(*TransformerDecoderLayer); d.Dropout3.Generator != g || d.MultiheadAttn.Generator != g {
		t.Error("the copies' dropouts do not draw from the layer's generator")
	}
	tensor.NoGrad(func() { a.Linear1.Weight.Fill_(1) })
	if slices.Equal(b.Linear1.Weight.Values(), a.Linear1.Weight.Values()) {
		t.Error("changing one copy changed another")
	}
	tr := NewTransformer(8, 2, 1, 1, 16, 0.1, ReLU{}, false, WithGenerator(tensor.NewGenerator(4)))
	for _, p := range NamedParameters(tr) {
		if p.Tensor.Dim() < 2 {
			continue
		}
		bound := math.Sqrt(6 / float64(p.Tensor.Size(0)+p.Tensor.Size(1)))
		for _, v := range p.Tensor.Values() {
			if math.Abs(v) > bound {
				t.Fatalf("%s holds %v outside xavier_uniform's ±%v", p.Name, v, bound)
			}
		}
	}
	if err := tensor.Maybe(func() { tr.Forward(tensor.Zeros(1, 1, 8)) }); err == nil {
		t.Error("Forward of a Transformer did not panic")
	}
	if err := tensor.Maybe(func() { tr.Transform(tensor.Zeros(5, 2, 8), tensor.Zeros(4, 3, 8), nil) }); err == nil {
		t.Error("batch sizes 2 and 3 did not panic")
	}
}
