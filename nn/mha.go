package nn

import (
	"math"

	"github.com/gograd/gograd/nn/functional"
	nninit "github.com/gograd/gograd/nn/init"
	"github.com/gograd/gograd/tensor"
)

// The parts of MultiheadAttention beyond the batch-first self- and
// cross-attention of transformer.go: the attention weights (need_weights,
// average_attn_weights), sequence-first and unbatched inputs (batch_first),
// separate key and value sizes (kdim, vdim), add_bias_kv and add_zero_attn, as
// torch.nn.MultiheadAttention and multi_head_attention_forward of PyTorch 1.13.

// mhaConfig holds the MultiheadAttention options of NewMultiheadAttention.
type mhaConfig struct {
	seqFirst            bool // batch_first=False
	layoutSet           bool // WithBatchFirst was given
	kdim, vdim          int  // 0: embed_dim
	biasKV, addZeroAttn bool
}

// WithBatchFirst sets whether a MultiheadAttention takes batch-first inputs
// (N, L, E) (true, gograd's default, kept for existing callers) or PyTorch's
// default sequence-first ones (L, N, E) (false, batch_first=False). Unbatched
// inputs (L, E) are taken either way.
//
// The transformer layers take their MultiheadAttentions' layout, and the stacks
// and Transformer the layout of the layers they are built from (see
// NewTransformer).
func WithBatchFirst(on bool) Option {
	return func(c *config) { c.mha.seqFirst, c.mha.layoutSet = !on, true }
}

// withLayout returns m, or a shallow copy of it (sharing its parameters) that
// takes batch-first inputs when batchFirst and sequence-first ones when not:
// what a stack hands its layers, whatever their own layout.
func (m *MultiheadAttention) withLayout(batchFirst bool) *MultiheadAttention {
	if m.BatchFirst == batchFirst {
		return m
	}
	c := *m
	c.BatchFirst = batchFirst
	return &c
}

// WithKVDims sets a MultiheadAttention's key and value feature sizes (kdim,
// vdim; 0 means embed_dim). When either differs from embed_dim the query, key
// and value projections are separate weights, as PyTorch's q_proj_weight,
// k_proj_weight and v_proj_weight.
func WithKVDims(kdim, vdim int) Option {
	return func(c *config) { c.mha.kdim, c.mha.vdim = kdim, vdim }
}

// WithAddBiasKV sets whether a MultiheadAttention appends the learnt vectors
// BiasK and BiasV to the projected key and value sequences (add_bias_kv).
func WithAddBiasKV(on bool) Option { return func(c *config) { c.mha.biasKV = on } }

// WithAddZeroAttn sets whether a MultiheadAttention appends a zero key and
// value to every head's sequences (add_zero_attn).
func WithAddZeroAttn(on bool) Option { return func(c *config) { c.mha.addZeroAttn = on } }

// setOptions applies the mhaConfig part of c to a new m, drawing its weights
// as PyTorch's _reset_parameters: the projections xavier_uniform, BiasK and
// BiasV xavier_normal.
func (m *MultiheadAttention) setOptions(c config) {
	e := m.EmbedDim
	m.BatchFirst, m.KDim, m.VDim, m.AddZeroAttn = !c.mha.seqFirst, c.mha.kdim, c.mha.vdim, c.mha.addZeroAttn
	if m.KDim == 0 {
		m.KDim = e
	}
	if m.VDim == 0 {
		m.VDim = e
	}
	if m.KDim < 1 || m.VDim < 1 {
		fail("NewMultiheadAttention", "kdim %d and vdim %d must be positive", m.KDim, m.VDim)
	}
	if m.KDim != e || m.VDim != e {
		xavier := func(in int) *tensor.Tensor {
			return nninit.XavierUniform_(c.dtype.Zeros(e, in), 1, c.gen).SetRequiresGrad(true)
		}
		m.InProjWeight = nil
		m.QProjWeight, m.KProjWeight, m.VProjWeight = xavier(e), xavier(m.KDim), xavier(m.VDim)
	}
	if c.mha.biasKV {
		m.BiasK = nninit.XavierNormal_(c.dtype.Zeros(1, 1, e), 1, c.gen).SetRequiresGrad(true)
		m.BiasV = nninit.XavierNormal_(c.dtype.Zeros(1, 1, e), 1, c.gen).SetRequiresGrad(true)
	}
}

// AttendWeights returns the attention of query over key and value, as Attend,
// and the attention weights (need_weights=True): averaged over the heads, shape
// (N, L, S), when average (average_attn_weights=True), else per head, (N,
// NumHeads, L, S); for unbatched inputs without the N. In training mode with
// Dropout > 0 the returned weights are those after dropout, the ones the output
// was computed from, as PyTorch 1.13 returns them. S counts the key sequence,
// plus one for BiasK and one for AddZeroAttn.
//
// Inputs are query (N, L, E), key (N, S, KDim) and value (N, S, VDim) when
// BatchFirst, (L, N, E), (S, N, KDim), (S, N, VDim) when not, or unbatched (L,
// E), (S, KDim), (S, VDim). The masks of o are bool (true: masked out, as
// PyTorch's) or additive float masks: AttnMask (L, S) or (N·NumHeads, L, S)
// ((NumHeads, L, S) unbatched), KeyPaddingMask (N, S) ((S) unbatched).
func (m *MultiheadAttention) AttendWeights(query, key, value *tensor.Tensor, o *AttendOptions, average bool) (out, weights *tensor.Tensor) {
	return m.attend(query, key, value, o, true, average)
}

// attend is multi_head_attention_forward for every layout and option; it
// computes the weights' average or reshaping only when need.
func (m *MultiheadAttention) attend(query, key, value *tensor.Tensor, o *AttendOptions, need, average bool) (out, weights *tensor.Tensor) {
	e, h := m.EmbedDim, m.NumHeads
	o = o.additive(query.DType())
	q, k, v := m.batchFirst(query, key, value)
	n, l, s := q.Size(0), q.Size(1), k.Size(1)
	q, k, v = m.project(q, 0), m.project(k, 1), m.project(v, 2)
	var attnMask, padMask *tensor.Tensor
	if o != nil {
		attnMask, padMask = o.AttnMask, o.KeyPaddingMask
		if attnMask != nil && attnMask.Dim() == 3 {
			if attnMask.Size(0) != n*h {
				fail("MultiheadAttention", "attn_mask %v: want (L, S) or (N·heads = %d, L, S)", attnMask.Shape(), n*h)
			}
			attnMask = attnMask.Reshape(n, h, l, s)
		}
		if padMask != nil {
			padMask = padMask.Reshape(n, 1, 1, s)
		}
	}
	// padKey appends one key position to the masks (unmasked), as PyTorch's
	// pad(mask, (0, 1)) after add_bias_kv and add_zero_attn.
	padKey := func() {
		for _, p := range []**tensor.Tensor{&attnMask, &padMask} {
			if *p != nil {
				*p = (*p).Pad([]int{0, 1}, tensor.PadConstant, 0)
			}
		}
	}
	if m.BiasK != nil {
		k = tensor.Cat([]*tensor.Tensor{k, m.BiasK.Expand(n, 1, e)}, 1)
		v = tensor.Cat([]*tensor.Tensor{v, m.BiasV.Expand(n, 1, e)}, 1)
		padKey()
	}
	heads := func(x *tensor.Tensor) *tensor.Tensor { return x.Reshape(n, x.Size(1), h, e/h).Permute(0, 2, 1, 3) }
	q, k, v = heads(q), heads(k), heads(v)
	if m.AddZeroAttn {
		k = k.Pad([]int{0, 0, 0, 1}, tensor.PadConstant, 0)
		v = v.Pad([]int{0, 0, 0, 1}, tensor.PadConstant, 0)
		padKey()
	}
	scores := q.MulScalar(1 / math.Sqrt(float64(e/h))).MatMul(k.Transpose(-2, -1))
	if o != nil && o.Causal {
		scores = scores.Add(functional.CausalMask(l, k.Size(2), scores.DType()))
	}
	for _, mask := range []*tensor.Tensor{attnMask, padMask} {
		if mask != nil {
			scores = scores.Add(mask)
		}
	}
	attn := scores.Softmax(-1)
	if m.Dropout > 0 {
		attn = functional.Dropout(attn, m.Dropout, !m.eval, m.Generator)
	}
	y := m.OutProj.Forward(attn.MatMul(v).Permute(0, 2, 1, 3).Reshape(n, l, e))
	out = fromBatchFirst(y, query, m.BatchFirst)
	if !need {
		return out, nil
	}
	weights = attn
	if average {
		weights = weights.Mean(1)
	}
	if query.Dim() == 2 {
		weights = weights.Squeeze(0)
	}
	return out, weights
}

// additive returns o with its bool masks (true: masked out) as additive float
// masks of dtype dt: o itself when it has none.
func (o *AttendOptions) additive(dt tensor.DType) *AttendOptions {
	if o == nil || !isBool(o.AttnMask) && !isBool(o.KeyPaddingMask) {
		return o
	}
	c := *o
	c.AttnMask = functional.AdditiveMask(o.AttnMask, dt, true)
	c.KeyPaddingMask = functional.AdditiveMask(o.KeyPaddingMask, dt, true)
	return &c
}

func isBool(t *tensor.Tensor) bool { return t != nil && t.DType() == tensor.Bool }

// batchFirst checks the shapes of query, key and value and returns them
// batch-first, (N, L, E), (N, S, KDim) and (N, S, VDim). Inputs that are one
// tensor stay one (self-attention).
func (m *MultiheadAttention) batchFirst(query, key, value *tensor.Tensor) (q, k, v *tensor.Tensor) {
	e := m.EmbedDim
	kdim, vdim := m.kvDims()
	if (query.Dim() != 2 && query.Dim() != 3) || key.Dim() != query.Dim() || value.Dim() != query.Dim() ||
		query.Size(-1) != e || key.Size(-1) != kdim || value.Size(-1) != vdim {
		fail("MultiheadAttention", "want query (N, L, %d), key (N, S, %d), value (N, S, %d) (or sequence-first, or unbatched), got %v, %v, %v",
			e, kdim, vdim, query.Shape(), key.Shape(), value.Shape())
	}
	q = toBatchFirst(query, m.BatchFirst)
	k, v = q, q
	if key != query {
		k = toBatchFirst(key, m.BatchFirst)
	}
	if value != query {
		v = toBatchFirst(value, m.BatchFirst)
	}
	if k.Size(0) != q.Size(0) || v.Size(0) != q.Size(0) || v.Size(1) != k.Size(1) {
		fail("MultiheadAttention", "query %v, key %v and value %v differ in batch or key and value in length", query.Shape(), key.Shape(), value.Shape())
	}
	return q, k, v
}

// kvDims returns KDim and VDim, embed_dim where they are 0 (a
// MultiheadAttention not made by NewMultiheadAttention).
func (m *MultiheadAttention) kvDims() (kdim, vdim int) {
	kdim, vdim = m.KDim, m.VDim
	if kdim == 0 {
		kdim = m.EmbedDim
	}
	if vdim == 0 {
		vdim = m.EmbedDim
	}
	return kdim, vdim
}

// project returns x (N, T, in) projected by the query (part 0), key (1) or
// value (2) in-projection: shape (N, T, E). The packed weight's rows are taken
// as Narrow views, differentiable twice (rows, which Attend's batch-first path
// uses, is not).
func (m *MultiheadAttention) project(x *tensor.Tensor, part int) *tensor.Tensor {
	e := m.EmbedDim
	lin := &Linear{InFeatures: x.Size(-1), OutFeatures: e}
	if m.InProjWeight != nil {
		lin.Weight = m.InProjWeight.Narrow(0, part*e, e)
	} else {
		lin.Weight = [...]*tensor.Tensor{m.QProjWeight, m.KProjWeight, m.VProjWeight}[part]
	}
	if m.InProjBias != nil {
		lin.Bias = m.InProjBias.Narrow(0, part*e, e)
	}
	return lin.Forward(x)
}
