package nn

import (
	"slices"
	"testing"

	"github.com/gograd/gograd/tensor"
)

type moduleRun struct {
	Shape      []int
	Out        []float64
	InputGrads [][]float64          `json:"input_grads"`
	ParamGrads map[string][]float64 `json:"param_grads"`
}

// TestTransformerModulesGolden loads the state dicts of PyTorch 1.13's
// nn.MultiheadAttention (batch_first, with a key padding mask and an additive
// attention mask) and nn.TransformerEncoderLayer (batch_first, relu and gelu,
// norm_first false and true, a causal mask, dropout 0) from
// testdata/transformer_modules.json (gen_transformer.py) and compares outputs,
// input gradients and every parameter gradient, in float64 and float32.
func TestTransformerModulesGolden(t *testing.T) {
	var file struct {
		Cases []struct {
			Name      string
			Params    map[string]any
			StateDict stateJSON `json:"state_dict"`
			Inputs    []struct {
				Shape []int
				Data  []float64
			}
			Upstream []float64
			Float64  moduleRun
			Float32  moduleRun
		}
	}
	loadJSON(t, "testdata/transformer_modules.json", &file)
	for _, c := range file.Cases {
		for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
			want, rtol, atol := c.Float64, 1e-10, 1e-12
			if dt == tensor.Float32 {
				// float32 through softmax, two LayerNorms and residual sums: a few
				// hundred ulps at worst on the parameter gradients.
				want, rtol, atol = c.Float32, 1e-4, 2e-5
			}
			t.Run(c.Name+"/"+dt.String(), func(t *testing.T) {
				var m Module
				var run func(xs []*tensor.Tensor) *tensor.Tensor
				switch c.Name {
				case "mha":
					mha := NewMultiheadAttention(8, 2, 0, WithDType(dt))
					kpm := c.Params["key_padding_mask"].([]any)
					var masked []bool // PyTorch's key_padding_mask, taken as it is
					for _, row := range kpm {
						for _, v := range row.([]any) {
							masked = append(masked, v.(bool))
						}
					}
					var am []float64
					for _, v := range c.Params["attn_mask"].([]any) {
						am = append(am, v.(float64))
					}
					o := &AttendOptions{KeyPaddingMask: tensor.NewBool(masked, len(kpm), 5), AttnMask: tensor.New(am, 4, 5).To(dt)}
					m, run = mha, func(xs []*tensor.Tensor) *tensor.Tensor { return mha.Attend(xs[0], xs[1], xs[2], o) }
				default:
					var act Module = ReLU{}
					if c.Params["activation"] == "gelu" {
						act = GELU{}
					}
					l := NewTransformerEncoderLayer(8, 2, 16, 0, act, c.Params["norm_first"].(bool), WithDType(dt))
					l.Causal = true
					m, run = l, func(xs []*tensor.Tensor) *tensor.Tensor { return l.Forward(xs[0]) }
				}
				if err := LoadStateDict(m, c.StateDict.tensors()); err != nil {
					t.Fatal(err)
				}
				var xs []*tensor.Tensor
				for _, in := range c.Inputs {
					xs = append(xs, tensor.New(in.Data, in.Shape...).To(dt).SetRequiresGrad(true))
				}
				y := run(xs)
				if !slices.Equal(y.Shape(), want.Shape) {
					t.Fatalf("shape %v, want %v", y.Shape(), want.Shape)
				}
				if err := within(y.Values(), want.Out, rtol, atol); err != nil {
					t.Errorf("output: %v", err)
				}
				y.Mul(tensor.New(c.Upstream, want.Shape...).To(dt)).Sum().Backward()
				for i, x := range xs {
					if err := within(x.Grad().Values(), want.InputGrads[i], rtol, atol); err != nil {
						t.Errorf("gradient of input %d: %v", i, err)
					}
				}
				for _, p := range NamedParameters(m) {
					if err := within(p.Tensor.Grad().Values(), want.ParamGrads[p.Name], rtol, atol); err != nil {
						t.Errorf("gradient of %s: %v", p.Name, err)
					}
				}
			})
		}
	}
}

// TestTransformerLayoutsGradCheck checks, in float64 against central
// differences, the input gradients of the decoder and encoder layers made
// WithBatchFirst(false) (sequence-first, PyTorch's default) and fed unbatched
// inputs, with bool masks; that a sequence-first layer gives the batch-first
// layer's output transposed; and that the stacks' copies keep their layer's
// layout. modules.json's decoder_layer_seqfirst, decoder_layer_unbatched,
// encoder_layer_seqfirst and encoder_layer_unbatched cases are the goldens.
func TestTransformerLayoutsGradCheck(t *testing.T) {
	gen := func() Option { return WithGenerator(tensor.NewGenerator(5)) }
	opts := []Option{WithDType(tensor.Float64), WithBatchFirst(false)}
	dec := NewTransformerDecoderLayer(4, 2, 8, 0, GELU{}, true, append(opts, gen())...)
	enc := NewTransformerEncoderLayer(4, 2, 8, 0, ReLU{}, false, append(opts, gen())...)
	g := tensor.NewGenerator(6)
	randn := func(shape ...int) *tensor.Tensor { return g.Normal(tensor.Float64.Zeros(shape...), 0, 1) }
	kpm := tensor.NewBool([]bool{false, false, true, false, false, false, false, true}, 2, 4)
	am := tensor.NewBool([]bool{false, true, false, false, false, false, false, false, true}, 3, 3)
	for _, c := range []struct {
		name string
		f    func(in ...*tensor.Tensor) *tensor.Tensor
		in   []*tensor.Tensor
	}{
		{"decoder_seqfirst", func(in ...*tensor.Tensor) *tensor.Tensor {
			return dec.Decode(in[0], in[1], &DecoderOptions{Tgt: AttendOptions{Causal: true}, Memory: AttendOptions{KeyPaddingMask: kpm}})
		}, []*tensor.Tensor{randn(3, 2, 4), randn(4, 2, 4)}},
		{"decoder_unbatched", func(in ...*tensor.Tensor) *tensor.Tensor {
			return dec.Decode(in[0], in[1], &DecoderOptions{Memory: AttendOptions{KeyPaddingMask: kpm.Select(0, 0)}})
		}, []*tensor.Tensor{randn(3, 4), randn(4, 4)}},
		{"encoder_seqfirst", func(in ...*tensor.Tensor) *tensor.Tensor {
			return enc.Encode(in[0], &AttendOptions{AttnMask: am})
		}, []*tensor.Tensor{randn(3, 2, 4)}},
		{"encoder_unbatched", func(in ...*tensor.Tensor) *tensor.Tensor { return enc.Forward(in[0]) }, []*tensor.Tensor{randn(3, 4)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, x := range c.in {
				x.SetRequiresGrad(true)
			}
			if err := tensor.GradCheck(c.f, c.in); err != nil {
				t.Error(err)
			}
		})
	}
	// The same layer batch-first: the sequence-first output transposed.
	bf := NewTransformerDecoderLayer(4, 2, 8, 0, GELU{}, true, WithDType(tensor.Float64), gen())
	tgt, mem := randn(3, 2, 4), randn(4, 2, 4)
	want := bf.Decode(tgt.Transpose(0, 1), mem.Transpose(0, 1), nil).Transpose(0, 1)
	checkClose(t, "sequence-first output", dec.Decode(tgt, mem, nil).Values(), want.Contiguous().Values(), 1e-12, 1e-12)
	s := NewTransformerDecoder(dec, 2, nil)
	if s.BatchFirst || s.Layers[1].(*TransformerDecoderLayer).MultiheadAttn.BatchFirst {
		t.Error("a stack of a sequence-first layer is batch-first, or its copies are")
	}
}
