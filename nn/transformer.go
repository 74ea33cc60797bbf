package nn

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gograd/gograd/nn/functional"
	nninit "github.com/gograd/gograd/nn/init"
	"github.com/gograd/gograd/tensor"
)

// LayerNorm normalises the last dims of its input (torch.nn.LayerNorm):
// functional.LayerNorm over NormalizedShape, with Weight (ones) and Bias (zeros)
// unless made WithAffine(false) (elementwise_affine=False).
type LayerNorm struct {
	NormalizedShape []int
	Eps             float64
	Weight, Bias    *tensor.Tensor
}

// NewLayerNorm returns a LayerNorm over trailing dims of the given shape, eps 1e-5
// unless WithEps says otherwise.
func NewLayerNorm(shape []int, opts ...Option) *LayerNorm {
	c := newConfig(opts)
	l := &LayerNorm{NormalizedShape: slices.Clone(shape), Eps: c.norm.eps}
	if c.norm.affine {
		l.Weight = c.dtype.Ones(shape...).SetRequiresGrad(true)
		l.Bias = c.dtype.Zeros(shape...).SetRequiresGrad(true)
	}
	return l
}

// Forward returns functional.LayerNorm(x, NormalizedShape, Weight, Bias, Eps).
func (l *LayerNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.LayerNorm(x, l.NormalizedShape, l.Weight, l.Bias, l.Eps)
}

// Parameters returns the weight and the bias, or nil without them.
func (l *LayerNorm) Parameters() []*tensor.Tensor { return weightBias(l.Weight, l.Bias) }

// NamedParameters returns "weight" and "bias", or nil without them.
func (l *LayerNorm) NamedParameters() []NamedParameter { return namedWeightBias(l.Weight, l.Bias) }

// String returns "LayerNorm((64,), eps=1e-05, elementwise_affine=True)".
func (l *LayerNorm) String() string {
	return fmt.Sprintf("LayerNorm(%s, eps=%v, elementwise_affine=%s)", pyTuple(l.NormalizedShape), l.Eps, pyBool(l.Weight != nil))
}

// pyTuple prints v as a Python tuple: (64,) or (2, 3).
func pyTuple(v []int) string {
	s := strings.ReplaceAll(fmt.Sprint(v), " ", ", ")
	if len(v) == 1 {
		return "(" + s[1:len(s)-1] + ",)"
	}
	return "(" + s[1:len(s)-1] + ")"
}

// Embedding is a lookup table of NumEmbeddings vectors of EmbeddingDim values
// (torch.nn.Embedding): functional.Embedding. Its Weight starts N(0, 1), with the
// row PaddingIdx (when not negative) zero and receiving no gradient. With
// MaxNorm > 0 (WithMaxNorm), Forward first rescales in place the rows it looks
// up whose NormType-norm exceeds MaxNorm (functional.EmbeddingRenorm_), as
// PyTorch's max_norm does. With ScaleGradByFreq each row's gradient is divided
// by the number of times the input holds its index (scale_grad_by_freq).
type Embedding struct {
	NumEmbeddings, EmbeddingDim, PaddingIdx int
	MaxNorm, NormType                       float64
	ScaleGradByFreq                         bool
	Weight                                  *tensor.Tensor
}

// NewEmbedding returns an Embedding of n vectors of dim values without a padding
// index; set PaddingIdx with WithPaddingIdx.
func NewEmbedding(n, dim int, opts ...Option) *Embedding {
	c := newConfig(opts)
	if n < 1 || dim < 1 {
		fail("NewEmbedding", "num_embeddings %d and embedding_dim %d must be positive", n, dim)
	}
	e := &Embedding{NumEmbeddings: n, EmbeddingDim: dim, PaddingIdx: -1, MaxNorm: c.maxNorm, NormType: c.normType}
	w := nninit.Normal_(c.dtype.Zeros(n, dim), 0, 1, c.gen)
	if c.paddingIdx != nil {
		p := *c.paddingIdx
		if p < 0 {
			p += n
		}
		if p < 0 || p >= n {
			fail("NewEmbedding", "padding_idx %d is out of range for %d embeddings", *c.paddingIdx, n)
		}
		e.PaddingIdx = p
		row := w.Contiguous().Values()
		for j := range dim {
			row[p*dim+j] = 0
		}
		w = tensor.FromSlice(row, n, dim).To(c.dtype)
	}
	e.Weight = w.SetRequiresGrad(true)
	return e
}

// WithPaddingIdx sets an Embedding's padding index (padding_idx; negative counts
// from the end).
func WithPaddingIdx(i int) Option { return func(c *config) { c.paddingIdx = &i } }

// Forward returns the vectors at the int64 indices x: shape x's + (EmbeddingDim).
func (e *Embedding) Forward(x *tensor.Tensor) *tensor.Tensor {
	o := functional.EmbeddingOptions{MaxNorm: e.MaxNorm, NormType: e.NormType, ScaleGradByFreq: e.ScaleGradByFreq}
	if e.PaddingIdx >= 0 {
		o.PaddingIdx = &e.PaddingIdx
	}
	return functional.EmbeddingWithOptions(x, e.Weight, o)
}

// Parameters returns the weight.
func (e *Embedding) Parameters() []*tensor.Tensor { return []*tensor.Tensor{e.Weight} }

// NamedParameters returns "weight".
func (e *Embedding) NamedParameters() []NamedParameter { return namedWeightBias(e.Weight, nil) }

// String returns "Embedding(65, 64)", or with options "Embedding(65, 64,
// padding_idx=0, max_norm=1.0)".
func (e *Embedding) String() string {
	return fmt.Sprintf("Embedding(%d, %d%s)", e.NumEmbeddings, e.EmbeddingDim, embeddingOptions(e.PaddingIdx, e.MaxNorm, e.NormType, e.ScaleGradByFreq, ""))
}

// GELU is the module form of functional.Gelu (torch.nn.GELU); Tanh selects
// approximate="tanh".
type GELU struct{ Tanh bool }

// Forward returns functional.Gelu(x, g.Tanh).
func (g GELU) Forward(x *tensor.Tensor) *tensor.Tensor { return functional.Gelu(x, g.Tanh) }

// Parameters returns nil: GELU has none.
func (GELU) Parameters() []*tensor.Tensor { return nil }

// String returns "GELU(approximate='none')" or "GELU(approximate='tanh')".
func (g GELU) String() string {
	if g.Tanh {
		return "GELU(approximate='tanh')"
	}
	return "GELU(approximate='none')"
}

// MultiheadAttention is multi-head attention (torch.nn.MultiheadAttention).
// Inputs are batch-first (N, L, E) unless made WithBatchFirst(false) (PyTorch's
// default batch_first=False, (L, N, E)); gograd's default stays batch-first for
// existing callers. Unbatched inputs (L, E) are taken too. InProjWeight (3E, E)
// and InProjBias (3E) hold the query, key and value projections stacked, OutProj
// the output projection, under PyTorch's state-dict names; with key or value
// sizes other than E (WithKVDims) the projections are QProjWeight (E, E),
// KProjWeight (E, KDim) and VProjWeight (E, VDim) instead. BiasK and BiasV (1, 1,
// E) are add_bias_kv's (WithAddBiasKV), AddZeroAttn is add_zero_attn. Dropout
// applies to the attention weights in training mode. Attend returns the output,
// AttendWeights the output and the attention weights (need_weights).
type MultiheadAttention struct {
	EmbedDim, NumHeads int
	Dropout            float64
	InProjWeight       *tensor.Tensor
	InProjBias         *tensor.Tensor
	OutProj            *Linear
	Generator          *tensor.Generator
	eval               bool

	// BatchFirst is PyTorch's batch_first (true unless WithBatchFirst(false)).
	BatchFirst bool
	// KDim and VDim are the key's and value's feature sizes (kdim, vdim).
	KDim, VDim int
	// QProjWeight, KProjWeight and VProjWeight are the separate projections
	// used instead of InProjWeight when KDim or VDim differ from EmbedDim.
	QProjWeight, KProjWeight, VProjWeight *tensor.Tensor
	// BiasK and BiasV are add_bias_kv's bias_k and bias_v, nil without it.
	BiasK, BiasV *tensor.Tensor
	// AddZeroAttn is add_zero_attn.
	AddZeroAttn bool
}

// NewMultiheadAttention returns a MultiheadAttention of embed dim e and the given
// heads, initialised as PyTorch does: InProjWeight xavier_uniform, the biases
// zero, OutProj's weight as a Linear's. It panics unless heads divides e.
func NewMultiheadAttention(e, heads int, dropout float64, opts ...Option) *MultiheadAttention {
	c := newConfig(opts)
	if e < 1 || heads < 1 || e%heads != 0 {
		fail("NewMultiheadAttention", "embed_dim %d must be divisible by num_heads %d", e, heads)
	}
	m := &MultiheadAttention{EmbedDim: e, NumHeads: heads, Dropout: dropout, Generator: c.gen}
	m.InProjWeight = nninit.XavierUniform_(c.dtype.Zeros(3*e, e), 1, c.gen).SetRequiresGrad(true)
	m.OutProj = NewLinear(e, e, opts...)
	if c.bias {
		m.InProjBias = c.dtype.Zeros(3 * e).SetRequiresGrad(true)
		tensor.NoGrad(func() { m.OutProj.Bias.Copy_(c.dtype.Zeros(e)) })
	}
	m.setOptions(c)
	return m
}

// Forward is self-attention: Attend(x, x, x, nil).
func (m *MultiheadAttention) Forward(x *tensor.Tensor) *tensor.Tensor { return m.Attend(x, x, x, nil) }

// AttendOptions are the masks of Attend: bool tensors, true where a query may
// not attend to a key (PyTorch's rule for MultiheadAttention and the
// transformers), or additive float masks, 0 where it may and -Inf where not.
type AttendOptions struct {
	AttnMask       *tensor.Tensor // (L, S) or (N·NumHeads, L, S): bool, or added to the scores
	KeyPaddingMask *tensor.Tensor // (N, S): bool, or added to every query's scores of that batch entry
	Causal         bool           // query i attends to keys 0..i only
}

// Attend returns the attention of query (N, L, E) over key and value (N, S, E),
// shape (N, L, E), or in the other layouts AttendWeights describes. o may be
// nil.
func (m *MultiheadAttention) Attend(query, key, value *tensor.Tensor, o *AttendOptions) *tensor.Tensor {
	o = o.additive(query.DType())
	if m.InProjWeight == nil || m.BiasK != nil || m.AddZeroAttn {
		y, _ := m.attend(query, key, value, o, false, false)
		return y
	}
	if m.BatchFirst && query.Dim() == 3 {
		return m.attendPacked(query, key, value, o)
	}
	q, k, v := m.batchFirst(query, key, value)
	return fromBatchFirst(m.attendPacked(q, k, v, o), query, m.BatchFirst)
}

// attendPacked is Attend for batch-first inputs (N, L, E) and a packed
// in-projection without bias_kv or zero_attn.
func (m *MultiheadAttention) attendPacked(query, key, value *tensor.Tensor, o *AttendOptions) *tensor.Tensor {
	e, h := m.EmbedDim, m.NumHeads
	if query.Dim() != 3 || key.Dim() != 3 || value.Dim() != 3 || query.Size(2) != e || key.Size(2) != e || value.Size(2) != e {
		fail("MultiheadAttention", "want inputs (N, L, E) with E = %d, got %v, %v, %v", e, query.Shape(), key.Shape(), value.Shape())
	}
	n, l, s := query.Size(0), query.Size(1), key.Size(1)
	if query == key && key == value && (m.Dropout == 0 || m.eval) && (o == nil || o.AttnMask == nil && o.KeyPaddingMask == nil) {
		// Self-attention without masks (but causal) or dropout: one product for
		// the three projections and one fused node for the heads.
		lin := &Linear{InFeatures: e, OutFeatures: 3 * e, Weight: m.InProjWeight, Bias: m.InProjBias}
		sa := &selfAttention{n: n, l: l, e: e, heads: h, causal: o != nil && o.Causal}
		return m.OutProj.Forward(sa.apply(lin.Forward(query)))
	}
	heads := func(x *tensor.Tensor, part int) *tensor.Tensor {
		lin := &Linear{InFeatures: e, OutFeatures: e, Weight: rows(m.InProjWeight, part*e, e)}
		if m.InProjBias != nil {
			lin.Bias = rows(m.InProjBias, part*e, e)
		}
		t := x.Size(1)
		return lin.Forward(x).Reshape(n, t, h, e/h).Permute(0, 2, 1, 3)
	}
	q, k, v := heads(query, 0), heads(key, 1), heads(value, 2)
	ao := functional.AttentionOptions{DropoutP: m.Dropout, Training: !m.eval, Generator: m.Generator}
	if o != nil {
		ao.Causal = o.Causal
		var mask *tensor.Tensor
		if o.AttnMask != nil {
			mask = o.AttnMask
			if mask.Dim() == 3 {
				mask = mask.Reshape(n, h, l, s)
			}
		}
		if o.KeyPaddingMask != nil {
			kp := o.KeyPaddingMask.Reshape(n, 1, 1, s)
			if mask == nil {
				mask = kp
			} else {
				mask = mask.Add(kp)
			}
		}
		ao.Mask = mask
	}
	y := functional.ScaledDotProductAttention(q, k, v, ao)
	return m.OutProj.Forward(y.Permute(0, 2, 1, 3).Reshape(n, l, e))
}

// Parameters returns in_proj_weight, in_proj_bias, out_proj.weight and
// out_proj.bias.
func (m *MultiheadAttention) Parameters() []*tensor.Tensor { return Parameters(m) }

// LocalParameters returns "in_proj_weight" (or "q_proj_weight",
// "k_proj_weight" and "v_proj_weight"), "in_proj_bias", "bias_k" and "bias_v",
// those m has, in PyTorch's order.
func (m *MultiheadAttention) LocalParameters() []NamedParameter {
	var out []NamedParameter
	for _, p := range []NamedParameter{{"in_proj_weight", m.InProjWeight}, {"q_proj_weight", m.QProjWeight}, {"k_proj_weight", m.KProjWeight},
		{"v_proj_weight", m.VProjWeight}, {"in_proj_bias", m.InProjBias}, {"bias_k", m.BiasK}, {"bias_v", m.BiasV}} {
		if p.Tensor != nil {
			out = append(out, p)
		}
	}
	return out
}

// NamedChildren returns "out_proj".
func (m *MultiheadAttention) NamedChildren() []NamedModule {
	return []NamedModule{{"out_proj", m.OutProj}}
}

// SetTraining sets training (true) or evaluation mode.
func (m *MultiheadAttention) SetTraining(on bool) { m.eval = !on }

// Training reports whether m is in training mode.
func (m *MultiheadAttention) Training() bool { return !m.eval }

// rows returns rows [lo, lo+n) of t (along dim 0) as a new tensor whose gradient
// flows back into those rows of t.
func rows(t *tensor.Tensor, lo, n int) *tensor.Tensor {
	return tensor.Apply(&narrow{lo: lo, n: n}, t)
}

// narrow is rows as one node. Backward places the gradient into zeros of t's
// shape, a raw copy, not differentiable again.
type narrow struct{ lo, n int }

func (*narrow) Name() string { return "SliceBackward0" }

func (f *narrow) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	t := in[0].Contiguous()
	ctx.SaveForBackward(t) // for its shape
	sh := t.Shape()
	inner := t.Numel() / sh[0]
	sh[0] = f.n
	v := t.Values()[f.lo*inner : (f.lo+f.n)*inner]
	return tensor.FromSlice(slices.Clone(v), sh...).To(t.DType())
}

// Backward: dt[lo:lo+n] = grad, zero elsewhere.
func (f *narrow) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	t := ctx.Saved()[0]
	inner := t.Numel() / t.Size(0)
	v := make([]float64, t.Numel())
	copy(v[f.lo*inner:], g.Contiguous().Values())
	return []*tensor.Tensor{tensor.FromSlice(v, t.Shape()...).To(t.DType())}
}

// TransformerEncoderLayer is self-attention and a feed-forward network, each with
// a residual connection and a LayerNorm (torch.nn.TransformerEncoderLayer),
// after each block or, with NormFirst, before it. Its fields carry PyTorch's
// names. It takes its attention's layout: batch-first (N, L, d) unless made
// WithBatchFirst(false) (batch_first=False, PyTorch's default: (L, N, d)), or
// unbatched (L, d).
type TransformerEncoderLayer struct {
	SelfAttn                    *MultiheadAttention
	Linear1, Linear2            *Linear
	Norm1, Norm2                *LayerNorm
	Dropout, Dropout1, Dropout2 *Dropout
	Activation                  Module // ReLU{} or GELU{}
	NormFirst                   bool
	// Mask is the attention mask Forward uses (nil: none); Causal lets each
	// position attend to itself and earlier ones only.
	Mask   *tensor.Tensor
	Causal bool
}

// NewTransformerEncoderLayer returns a layer of model dim d, heads, feed-forward
// dim ff, dropout p, activation ReLU{} or GELU{}, norm_first as given.
func NewTransformerEncoderLayer(d, heads, ff int, p float64, activation Module, normFirst bool, opts ...Option) *TransformerEncoderLayer {
	c := newConfig(opts)
	return &TransformerEncoderLayer{
		SelfAttn: NewMultiheadAttention(d, heads, p, opts...),
		Linear1:  NewLinear(d, ff, opts...), Linear2: NewLinear(ff, d, opts...),
		Norm1: NewLayerNorm([]int{d}, opts...), Norm2: NewLayerNorm([]int{d}, opts...),
		Dropout: &Dropout{P: p, Generator: c.gen}, Dropout1: &Dropout{P: p, Generator: c.gen}, Dropout2: &Dropout{P: p, Generator: c.gen},
		Activation: activation, NormFirst: normFirst,
	}
}

// Forward returns the layer applied to x, in the layer's layout.
func (t *TransformerEncoderLayer) Forward(x *tensor.Tensor) *tensor.Tensor {
	sa := func(x *tensor.Tensor) *tensor.Tensor {
		return t.Dropout1.Forward(t.SelfAttn.Attend(x, x, x, &AttendOptions{AttnMask: t.Mask, Causal: t.Causal}))
	}
	ff := func(x *tensor.Tensor) *tensor.Tensor {
		return t.Dropout2.Forward(t.Linear2.Forward(t.Dropout.Forward(t.Activation.Forward(t.Linear1.Forward(x)))))
	}
	if t.NormFirst {
		x = x.Add(sa(t.Norm1.Forward(x)))
		return x.Add(ff(t.Norm2.Forward(x)))
	}
	x = t.Norm1.Forward(x.Add(sa(x)))
	return t.Norm2.Forward(x.Add(ff(x)))
}

// Parameters returns the parameters of every sublayer.
func (t *TransformerEncoderLayer) Parameters() []*tensor.Tensor { return Parameters(t) }

// NamedChildren returns the sublayers under PyTorch's attribute names.
func (t *TransformerEncoderLayer) NamedChildren() []NamedModule {
	return []NamedModule{{"self_attn", t.SelfAttn}, {"linear1", t.Linear1}, {"dropout", t.Dropout},
		{"linear2", t.Linear2}, {"norm1", t.Norm1}, {"norm2", t.Norm2}, {"dropout1", t.Dropout1}, {"dropout2", t.Dropout2}}
}
