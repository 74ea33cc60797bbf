package nn

import (
	"math"
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

// tensor returns t as a dt tensor, or a bool one for a boolean mask (True =
// masked out, as PyTorch's), which Attend takes as it is.
func (t mhaTensorJSON) tensor(dt tensor.DType) *tensor.Tensor {
	if t.Bool {
		b := make([]bool, len(t.Data))
		for i, v := range t.Data {
			b[i] = v.(bool)
		}
		return tensor.NewBool(b, t.Shape...)
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

// mhaInputs returns query (L, N, E) = (3, 2, 4) and key and value (4, 2, 4)
// drawn from g, float64, requiring grad.
func mhaInputs(g *tensor.Generator) []*tensor.Tensor {
	return []*tensor.Tensor{
		randn64(g, 3, 2, 4).SetRequiresGrad(true),
		randn64(g, 4, 2, 4).SetRequiresGrad(true),
		randn64(g, 4, 2, 4).SetRequiresGrad(true),
	}
}

// TestMultiheadAttentionWeightsGradCheck checks in float64 the gradients of
// AttendWeights' per-head and averaged weights and of its output, with respect
// to query, key, value and every parameter, against finite differences: a
// sequence-first module with add_bias_kv, add_zero_attn, an attention mask and
// a key padding mask; and the second derivatives of the per-head weights.
func TestMultiheadAttentionWeightsGradCheck(t *testing.T) {
	g := tensor.NewGenerator(3)
	m := NewMultiheadAttention(4, 2, 0, WithDType(tensor.Float64), WithGenerator(g), WithBatchFirst(false), WithAddBiasKV(true), WithAddZeroAttn(true))
	xs := mhaInputs(g)
	o := &AttendOptions{
		AttnMask:       randn64(g, 3, 4),
		KeyPaddingMask: functional.BoolMask([]bool{true, true, false, true, true, true, true, true}, tensor.Float64, 2, 4),
	}
	inputs := append(slices.Clone(xs), m.Parameters()...)
	for _, tc := range []struct {
		name string
		f    func(...*tensor.Tensor) *tensor.Tensor
	}{
		{"per-head weights", func(in ...*tensor.Tensor) *tensor.Tensor {
			_, w := m.AttendWeights(in[0], in[1], in[2], o, false)
			return w
		}},
		{"averaged weights", func(in ...*tensor.Tensor) *tensor.Tensor {
			_, w := m.AttendWeights(in[0], in[1], in[2], o, true)
			return w
		}},
		{"output", func(in ...*tensor.Tensor) *tensor.Tensor {
			y, _ := m.AttendWeights(in[0], in[1], in[2], o, true)
			return y
		}},
	} {
		if err := tensor.GradCheck(tc.f, inputs); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// Second derivatives of the per-head weights, through every input and
	// parameter (the weights are composed of tensor ops throughout), on a
	// smaller module (E = 2, two heads, N = 1, L = 2, S = 3) to stay fast under
	// -race.
	m = NewMultiheadAttention(2, 2, 0, WithDType(tensor.Float64), WithGenerator(g), WithBatchFirst(false), WithAddBiasKV(true), WithAddZeroAttn(true))
	o = &AttendOptions{AttnMask: randn64(g, 2, 3), KeyPaddingMask: functional.BoolMask([]bool{true, false, true}, tensor.Float64, 1, 3)}
	inputs = []*tensor.Tensor{randn64(g, 2, 1, 2).SetRequiresGrad(true), randn64(g, 3, 1, 2).SetRequiresGrad(true), randn64(g, 3, 1, 2).SetRequiresGrad(true)}
	inputs = append(inputs, m.Parameters()...)
	perHead := func(in ...*tensor.Tensor) *tensor.Tensor {
		m.InProjWeight, m.InProjBias, m.BiasK, m.BiasV, m.OutProj.Weight, m.OutProj.Bias = in[3], in[4], in[5], in[6], in[7], in[8]
		_, w := m.AttendWeights(in[0], in[1], in[2], o, false)
		return w
	}
	if err := tensor.GradGradCheck(perHead, inputs); err != nil {
		t.Errorf("per-head weights: GradGradCheck: %v", err)
	}
}

// TestMultiheadAttentionDropoutWeights checks that in training mode the
// weights AttendWeights returns are those after dropout, the ones the output
// is computed from (as PyTorch 1.13's multi_head_attention_forward returns
// them): each is 0 or the evaluation-mode weight / (1 - p), some are 0, and
// the output equals the output projection of those weights times the projected
// values.
func TestMultiheadAttentionDropoutWeights(t *testing.T) {
	const p = 0.5
	g := tensor.NewGenerator(5)
	m := NewMultiheadAttention(4, 2, p, WithDType(tensor.Float64), WithGenerator(g), WithBatchFirst(false))
	xs := mhaInputs(g)
	y, w := m.AttendWeights(xs[0], xs[1], xs[2], nil, false)
	m.SetTraining(false)
	_, w0 := m.AttendWeights(xs[0], xs[1], xs[2], nil, false)
	zeros := 0
	for i, v := range w.Values() {
		want := w0.Values()[i] / (1 - p)
		switch {
		case v == 0:
			zeros++
		case math.Abs(v-want) > 1e-12*want:
			t.Fatalf("weight %d is %v, want 0 or %v", i, v, want)
		}
	}
	if zeros == 0 || zeros == w.Numel() {
		t.Fatalf("%d of %d weights dropped", zeros, w.Numel())
	}
	// The output from w by hand: heads of the projected value (N, h, S, d).
	v := m.project(xs[2].Transpose(0, 1), 2).Reshape(2, 4, 2, 2).Permute(0, 2, 1, 3)
	hand := m.OutProj.Forward(w.MatMul(v).Permute(0, 2, 1, 3).Reshape(2, 3, 4)).Transpose(0, 1)
	if err := within(y.Values(), hand.Values(), 1e-12, 1e-12); err != nil {
		t.Fatalf("output is not computed from the returned weights: %v", err)
	}
}

// TestMultiheadAttentionLayouts checks that a sequence-first module gives the
// transposed result of a batch-first one with the same weights, and an
// unbatched input the result of a batch of one; and that bad shapes panic.
func TestMultiheadAttentionLayouts(t *testing.T) {
	g := tensor.NewGenerator(9)
	seq := NewMultiheadAttention(4, 2, 0, WithDType(tensor.Float64), WithGenerator(g), WithBatchFirst(false))
	bat := NewMultiheadAttention(4, 2, 0, WithDType(tensor.Float64))
	if err := LoadStateDict(bat, StateDict(seq)); err != nil {
		t.Fatal(err)
	}
	xs := mhaInputs(g)
	ys := seq.Attend(xs[0], xs[1], xs[2], nil)
	yb := bat.Attend(xs[0].Transpose(0, 1), xs[1].Transpose(0, 1), xs[2].Transpose(0, 1), nil)
	if err := within(ys.Contiguous().Values(), yb.Transpose(0, 1).Contiguous().Values(), 1e-12, 1e-12); err != nil {
		t.Errorf("sequence-first vs batch-first: %v", err)
	}
	q, k := xs[0].Select(1, 0), xs[1].Select(1, 0)
	yu, wu := bat.AttendWeights(q, k, k, nil, true)
	y1, w1 := bat.AttendWeights(q.Unsqueeze(0), k.Unsqueeze(0), k.Unsqueeze(0), nil, true)
	if !slices.Equal(yu.Shape(), []int{3, 4}) || !slices.Equal(wu.Shape(), []int{3, 4}) {
		t.Fatalf("unbatched shapes %v and %v, want [3 4] and [3 4]", yu.Shape(), wu.Shape())
	}
	if err := within(yu.Values(), y1.Values(), 0, 0); err != nil {
		t.Errorf("unbatched output: %v", err)
	}
	if err := within(wu.Values(), w1.Values(), 0, 0); err != nil {
		t.Errorf("unbatched weights: %v", err)
	}
	for name, f := range map[string]func(){
		"key size":    func() { seq.Attend(xs[0], randn64(g, 4, 2, 3), xs[2], nil) },
		"batch":       func() { seq.Attend(xs[0], randn64(g, 4, 3, 4), randn64(g, 4, 3, 4), nil) },
		"dims":        func() { seq.Attend(randn64(g, 4), xs[1], xs[2], nil) },
		"3-d mask":    func() { seq.Attend(xs[0], xs[1], xs[2], &AttendOptions{AttnMask: tensor.Float64.Zeros(3, 3, 4)}) },
		"bad kv dims": func() { NewMultiheadAttention(4, 2, 0, WithKVDims(-1, 4)) },
	} {
		func() {
			defer func() {
				if _, ok := recover().(*tensor.Error); !ok {
					t.Errorf("%s: no *tensor.Error panic", name)
				}
			}()
			f()
		}()
	}
}

// randn64 returns a float64 tensor of the given shape, standard normal from g.
func randn64(g *tensor.Generator, shape ...int) *tensor.Tensor {
	return g.Normal(tensor.Float64.Zeros(shape...), 0, 1)
}
