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
