package nn

import (
	"slices"
	"testing"

	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// mhaJSON is one case of testdata/mha.json (gen_mha.py).
type mhaJSON struct {
	Name     string
	EmbedDim int `json:"embed_dim"`
	NumHeads int `json:"num_heads"`
	Options  struct {
		BatchFirst  *bool `json:"batch_first"`
		KDim, VDim  int
		Bias        *bool
		AddBiasKV   bool `json:"add_bias_kv"`
		AddZeroAttn bool `json:"add_zero_attn"`
	}
	Average   bool
	Self      bool
	StateDict stateJSON `json:"state_dict"`
	Inputs    []mhaTensorJSON
	Masks     map[string]mhaTensorJSON
	Upstream  []float64
	UpWeights []float64 `json:"upstream_weights"`
	Float64   mhaRun
	Float32   mhaRun
}

type mhaTensorJSON struct {
	Shape []int
	Data  []any
	Bool  bool
}

// tensor returns t as a dt tensor; a boolean mask (True = masked out, as
// PyTorch's) becomes functional.BoolMask's additive one.
func (t mhaTensorJSON) tensor(dt tensor.DType) *tensor.Tensor {
	if t.Bool {
		keep := make([]bool, len(t.Data))
		for i, v := range t.Data {
			keep[i] = !v.(bool)
		}
		return functional.BoolMask(keep, dt, t.Shape...)
	}
	v := make([]float64, len(t.Data))
	for i, x := range t.Data {
		v[i] = x.(float64)
	}
	return tensor.New(v, t.Shape...).To(dt)
}

type mhaRun struct {
	moduleRun
	WeightsShape []int `json:"weights_shape"`
	Weights      []float64
}

// newMHA builds the module of case c in dtype dt with c's options.
func (c *mhaJSON) newMHA(dt tensor.DType) *MultiheadAttention {
	o := c.Options
	opts := []Option{WithDType(dt), WithBatchFirst(o.BatchFirst != nil && *o.BatchFirst), WithKVDims(o.KDim, o.VDim),
		WithAddBiasKV(o.AddBiasKV), WithAddZeroAttn(o.AddZeroAttn)}
	if o.Bias != nil {
		opts = append(opts, WithBias(*o.Bias))
	}
	return NewMultiheadAttention(c.EmbedDim, c.NumHeads, 0, opts...)
}

// TestMultiheadAttentionGolden loads the state dicts of PyTorch 1.13's
// nn.MultiheadAttention from testdata/mha.json (gen_mha.py: sequence-first and
// batch-first, unbatched, self-attention, kdim/vdim without biases,
// add_bias_kv with add_zero_attn; boolean and float masks; weights averaged
// and per head) and compares the output, the attention weights and every input
// and parameter gradient of sum(out·up) + sum(weights·up_w), in float64 and
// float32. Attend's output must equal AttendWeights' too.
func TestMultiheadAttentionGolden(t *testing.T) {
	var file struct{ Cases []mhaJSON }
	loadJSON(t, "testdata/mha.json", &file)
	if len(file.Cases) != 6 {
		t.Fatalf("%d cases, want 6", len(file.Cases))
	}
	for _, c := range file.Cases {
		for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
			want, rtol, atol := c.Float64, 1e-10, 1e-12
			if dt == tensor.Float32 {
				// float32 through two projections and a softmax: PyTorch scales q
				// before q·kᵀ, gograd the same way; a few dozen ulps apart.
				want, rtol, atol = c.Float32, 1e-4, 2e-5
			}
			t.Run(c.Name+"/"+dt.String(), func(t *testing.T) {
				m := c.newMHA(dt)
				if err := LoadStateDict(m, c.StateDict.tensors()); err != nil {
					t.Fatal(err)
				}
				if got := len(NamedParameters(m)); got != len(c.StateDict) {
					t.Fatalf("%d parameters, want the state dict's %d", got, len(c.StateDict))
				}
				var xs []*tensor.Tensor
				for _, in := range c.Inputs {
					xs = append(xs, in.tensor(dt).SetRequiresGrad(true))
				}
				q, k, v := xs[0], xs[0], xs[0]
				if !c.Self {
					k, v = xs[1], xs[2]
				}
				o := &AttendOptions{}
				if am, ok := c.Masks["attn_mask"]; ok {
					o.AttnMask = am.tensor(dt)
				}
				if kp, ok := c.Masks["key_padding_mask"]; ok {
					o.KeyPaddingMask = kp.tensor(dt)
				}
				y, w := m.AttendWeights(q, k, v, o, c.Average)
				if !slices.Equal(y.Shape(), want.Shape) || !slices.Equal(w.Shape(), want.WeightsShape) {
					t.Fatalf("shapes %v and %v, want %v and %v", y.Shape(), w.Shape(), want.Shape, want.WeightsShape)
				}
				if err := within(y.Values(), want.Out, rtol, atol); err != nil {
					t.Errorf("output: %v", err)
				}
				if err := within(w.Values(), want.Weights, rtol, atol); err != nil {
					t.Errorf("weights: %v", err)
				}
				if err := within(m.Attend(q, k, v, o).Values(), want.Out, rtol, atol); err != nil {
					t.Errorf("Attend's output: %v", err)
				}
				loss := y.Mul(tensor.New(c.Upstream, want.Shape...).To(dt)).Sum().
					Add(w.Mul(tensor.New(c.UpWeights, want.WeightsShape...).To(dt)).Sum())
				loss.Backward()
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
