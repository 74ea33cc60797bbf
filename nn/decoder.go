package nn

import (
	"slices"

	nninit "github.com/gograd/gograd/nn/init"
	"github.com/gograd/gograd/tensor"
)

// The encoder-decoder transformer of torch.nn: TransformerDecoderLayer, the
// stacks TransformerEncoder and TransformerDecoder, and Transformer, built on
// MultiheadAttention and TransformerEncoderLayer (transformer.go). The layers
// take their attentions' layout: batch-first inputs (N, L, E), gograd's
// default, or with WithBatchFirst(false) PyTorch's default sequence-first ones
// (L, N, E), as PyTorch's batch_first; the stacks take their BatchFirst
// field's, set from the layer they copy; Transformer its BatchFirst field's,
// sequence-first unless made WithBatchFirst(true). All of them take unbatched
// inputs (L, E) too (then key padding masks are (S) or (1, S)).

// DecoderOptions are the masks of a decoder's two attentions, as AttendOptions
// (bool, true masking out as in PyTorch, or additive float masks).
type DecoderOptions struct {
	// Tgt masks the self-attention over the target: tgt_mask (AttnMask),
	// tgt_key_padding_mask (KeyPaddingMask), and Causal for
	// Transformer.generate_square_subsequent_mask's mask.
	Tgt AttendOptions
	// Memory masks the attention over the memory: memory_mask and
	// memory_key_padding_mask.
	Memory AttendOptions
}

// TransformerOptions are the masks of a Transformer: Src those of the encoder's
// self-attention (src_mask, src_key_padding_mask), Tgt and Memory those of the
// decoder (see DecoderOptions).
type TransformerOptions struct {
	Src, Tgt, Memory AttendOptions
}

// residual returns x + block(norm(x)) with normFirst, norm(x + block(x))
// without: a transformer layer's sublayer with its residual connection.
func residual(x *tensor.Tensor, norm *LayerNorm, normFirst bool, block func(*tensor.Tensor) *tensor.Tensor) *tensor.Tensor {
	if normFirst {
		return x.Add(block(norm.Forward(x)))
	}
	return norm.Forward(x.Add(block(x)))
}

// feedForward returns out(linear2(dropout(activation(linear1(x))))), a
// transformer layer's feed-forward block.
func feedForward(x *tensor.Tensor, linear1, linear2 *Linear, activation Module, dropout, out *Dropout) *tensor.Tensor {
	return out.Forward(linear2.Forward(dropout.Forward(activation.Forward(linear1.Forward(x)))))
}

// Encode is the layer's forward with masks (PyTorch's src_mask,
// src_key_padding_mask, is_causal) given in o; with o nil it uses the layer's
// Mask and Causal fields, as Forward does. src is (N, S, E), or (S, N, E) when
// the layer was made WithBatchFirst(false), or unbatched (S, E).
func (t *TransformerEncoderLayer) Encode(src *tensor.Tensor, o *AttendOptions) *tensor.Tensor {
	return t.encode(src, o, t.SelfAttn)
}

// encode is Encode with sa, SelfAttn in some layout, as the self-attention.
func (t *TransformerEncoderLayer) encode(src *tensor.Tensor, o *AttendOptions, sa *MultiheadAttention) *tensor.Tensor {
	if o == nil {
		o = &AttendOptions{AttnMask: t.Mask, Causal: t.Causal}
	}
	x := residual(src, t.Norm1, t.NormFirst, func(x *tensor.Tensor) *tensor.Tensor {
		return t.Dropout1.Forward(sa.Attend(x, x, x, o))
	})
	return residual(x, t.Norm2, t.NormFirst, func(x *tensor.Tensor) *tensor.Tensor {
		return feedForward(x, t.Linear1, t.Linear2, t.Activation, t.Dropout, t.Dropout2)
	})
}

// clone returns a new layer with t's configuration and a copy of its state, as
// PyTorch's TransformerEncoder deep-copies the layer it is given.
func (t *TransformerEncoderLayer) clone() *TransformerEncoderLayer {
	c := NewTransformerEncoderLayer(t.SelfAttn.EmbedDim, t.SelfAttn.NumHeads, t.Linear1.OutFeatures, t.Dropout.P, t.Activation, t.NormFirst,
		layerOptions(t.Linear1, t.Norm1, t.SelfAttn)...)
	c.Mask, c.Causal = t.Mask, t.Causal
	copyState(c, t, t.SelfAttn.Generator)
	return c
}

// layerOptions returns the options that rebuild a transformer layer whose
// first linear layer is l and first norm n. Its initial values come from a
// scratch generator, as copyState replaces them: copying a layer leaves the
// user's generator's stream alone, as PyTorch's deep copy does.
func layerOptions(l *Linear, n *LayerNorm, sa *MultiheadAttention) []Option {
	return []Option{WithDType(l.Weight.DType()), WithBias(l.Bias != nil), WithEps(n.Eps), WithAffine(n.Weight != nil), WithGenerator(tensor.NewGenerator(0)),
		WithBatchFirst(sa.BatchFirst)}
}

// copyState copies src's parameters and buffers into dst, of the same
// structure, and gives dst's dropouts the generator g.
func copyState(dst, src Module, g *tensor.Generator) {
	if err := LoadStateDict(dst, StateDict(src)); err != nil {
		panic(tensor.Errorf("nn", "clone", "%v", err))
	}
	Apply(dst, func(m Module) {
		switch m := m.(type) {
		case *Dropout:
			m.Generator = g
		case *MultiheadAttention:
			m.Generator = g
		}
	})
}

// TransformerDecoderLayer is self-attention over the target, attention over the
// memory (the encoder's output) and a feed-forward network, each with a residual
// connection and a LayerNorm, after each block or, with NormFirst, before it
// (torch.nn.TransformerDecoderLayer). Its fields carry PyTorch's names. It
// takes its attentions' layout: batch-first unless made WithBatchFirst(false)
// (batch_first=False, PyTorch's default), or unbatched inputs. Decode runs it;
// Forward, which has no memory, panics.
type TransformerDecoderLayer struct {
	SelfAttn, MultiheadAttn               *MultiheadAttention
	Linear1, Linear2                      *Linear
	Norm1, Norm2, Norm3                   *LayerNorm
	Dropout, Dropout1, Dropout2, Dropout3 *Dropout
	Activation                            Module // ReLU{} or GELU{}
	NormFirst                             bool
}

// NewTransformerDecoderLayer returns a layer of model dim d, heads, feed-forward
// dim ff, dropout p, activation ReLU{} or GELU{} and norm_first as given,
// initialised as PyTorch initialises its sublayers; WithEps sets
// layer_norm_eps, WithBatchFirst(false) sequence-first inputs.
func NewTransformerDecoderLayer(d, heads, ff int, p float64, activation Module, normFirst bool, opts ...Option) *TransformerDecoderLayer {
	c := newConfig(opts)
	drop := func() *Dropout { return &Dropout{P: p, Generator: c.gen} }
	return &TransformerDecoderLayer{
		SelfAttn: NewMultiheadAttention(d, heads, p, opts...), MultiheadAttn: NewMultiheadAttention(d, heads, p, opts...),
		Linear1: NewLinear(d, ff, opts...), Linear2: NewLinear(ff, d, opts...),
		Norm1: NewLayerNorm([]int{d}, opts...), Norm2: NewLayerNorm([]int{d}, opts...), Norm3: NewLayerNorm([]int{d}, opts...),
		Dropout: drop(), Dropout1: drop(), Dropout2: drop(), Dropout3: drop(),
		Activation: activation, NormFirst: normFirst,
	}
}

// Decode returns the layer applied to tgt (N, T, d) attending to memory (N, S,
// d), or (T, N, d) and (S, N, d) when made WithBatchFirst(false), or unbatched
// (T, d) and (S, d), with the masks of o, which may be nil.
func (t *TransformerDecoderLayer) Decode(tgt, memory *tensor.Tensor, o *DecoderOptions) *tensor.Tensor {
	return t.decode(tgt, memory, o, t.SelfAttn.BatchFirst)
}

// decode is Decode with the attentions taking batch-first inputs, or
// sequence-first ones, as batchFirst says.
func (t *TransformerDecoderLayer) decode(tgt, memory *tensor.Tensor, o *DecoderOptions, batchFirst bool) *tensor.Tensor {
	if o == nil {
		o = &DecoderOptions{}
	}
	sa, ca := t.SelfAttn.withLayout(batchFirst), t.MultiheadAttn.withLayout(batchFirst)
	x := residual(tgt, t.Norm1, t.NormFirst, func(x *tensor.Tensor) *tensor.Tensor {
		return t.Dropout1.Forward(sa.Attend(x, x, x, &o.Tgt))
	})
	x = residual(x, t.Norm2, t.NormFirst, func(x *tensor.Tensor) *tensor.Tensor {
		return t.Dropout2.Forward(ca.Attend(x, memory, memory, &o.Memory))
	})
	return residual(x, t.Norm3, t.NormFirst, func(x *tensor.Tensor) *tensor.Tensor {
		return feedForward(x, t.Linear1, t.Linear2, t.Activation, t.Dropout, t.Dropout3)
	})
}

// Forward panics: a decoder layer needs a memory; call Decode.
func (t *TransformerDecoderLayer) Forward(*tensor.Tensor) *tensor.Tensor {
	fail("TransformerDecoderLayer", "a decoder layer needs a memory: call Decode(tgt, memory, o)")
	return nil
}

// Parameters returns the parameters of every sublayer.
func (t *TransformerDecoderLayer) Parameters() []*tensor.Tensor { return Parameters(t) }

// NamedChildren returns the sublayers under PyTorch's attribute names, in its
// order.
func (t *TransformerDecoderLayer) NamedChildren() []NamedModule {
	return []NamedModule{{"self_attn", t.SelfAttn}, {"multihead_attn", t.MultiheadAttn}, {"linear1", t.Linear1}, {"dropout", t.Dropout},
		{"linear2", t.Linear2}, {"norm1", t.Norm1}, {"norm2", t.Norm2}, {"norm3", t.Norm3},
		{"dropout1", t.Dropout1}, {"dropout2", t.Dropout2}, {"dropout3", t.Dropout3}}
}

func (t *TransformerDecoderLayer) clone() *TransformerDecoderLayer {
	c := NewTransformerDecoderLayer(t.SelfAttn.EmbedDim, t.SelfAttn.NumHeads, t.Linear1.OutFeatures, t.Dropout.P, t.Activation, t.NormFirst,
		layerOptions(t.Linear1, t.Norm1, t.SelfAttn)...)
	copyState(c, t, t.SelfAttn.Generator)
	return c
}

// toBatchFirst turns a (L, N, E) input into the layers' (N, L, E) unless
// batchFirst, and an unbatched (L, E) one into (1, L, E).
func toBatchFirst(x *tensor.Tensor, batchFirst bool) *tensor.Tensor {
	switch {
	case x.Dim() == 2:
		return x.Unsqueeze(0)
	case x.Dim() != 3:
		fail("Transformer", "want an input (L, N, E), (N, L, E) or (L, E), got shape %v", x.Shape())
	case batchFirst:
		return x
	}
	return x.Transpose(0, 1)
}

// fromBatchFirst turns the layers' output y back into the layout of the input
// x that toBatchFirst turned.
func fromBatchFirst(y, x *tensor.Tensor, batchFirst bool) *tensor.Tensor {
	switch {
	case x.Dim() == 2:
		return y.Squeeze(0)
	case batchFirst:
		return y
	}
	return y.Transpose(0, 1)
}

// TransformerEncoder is a stack of encoder layers, each a copy of one layer,
// followed by Norm unless it is nil (torch.nn.TransformerEncoder). Inputs are
// (S, N, E), or (N, S, E) with BatchFirst, which NewTransformerEncoder sets
// from the layer's layout, as PyTorch's stack takes its layer's; or unbatched
// (S, E).
type TransformerEncoder struct {
	Layers     ModuleList // of *TransformerEncoderLayer
	Norm       *LayerNorm
	BatchFirst bool
}

// NewTransformerEncoder returns a stack of n copies of layer (its parameters
// and layout copied, as PyTorch's deep copy), then norm, which may be nil,
// taking the layer's layout. It panics if n < 1.
func NewTransformerEncoder(layer *TransformerEncoderLayer, n int, norm *LayerNorm) *TransformerEncoder {
	return &TransformerEncoder{Layers: clones("NewTransformerEncoder", layer, n), Norm: norm, BatchFirst: layer.SelfAttn.BatchFirst}
}

// clones returns n copies of layer, as PyTorch's _get_clones. It panics if
// n < 1.
func clones[L interface {
	Module
	clone() L
}](op string, layer L, n int) ModuleList {
	if n < 1 {
		fail(op, "num_layers must be positive, got %d", n)
	}
	out := make(ModuleList, n)
	for i := range out {
		out[i] = layer.clone()
	}
	return out
}

// Forward returns Encode(src, nil).
func (e *TransformerEncoder) Forward(src *tensor.Tensor) *tensor.Tensor { return e.Encode(src, nil) }

// Encode returns the stack applied to src with the masks of o (PyTorch's mask,
// src_key_padding_mask, is_causal), which may be nil.
func (e *TransformerEncoder) Encode(src *tensor.Tensor, o *AttendOptions) *tensor.Tensor {
	return e.encode(src, o, e.BatchFirst)
}

// encode runs the stack on x, batch-first or sequence-first as batchFirst says
// (or unbatched): each layer's attention takes that layout, as PyTorch's
// stack hands its input to its layers unchanged.
func (e *TransformerEncoder) encode(x *tensor.Tensor, o *AttendOptions, batchFirst bool) *tensor.Tensor {
	for _, l := range e.Layers {
		l := l.(*TransformerEncoderLayer)
		x = l.encode(x, o, l.SelfAttn.withLayout(batchFirst))
	}
	if e.Norm != nil {
		x = e.Norm.Forward(x)
	}
	return x
}

// Parameters returns the parameters of every layer and the norm.
func (e *TransformerEncoder) Parameters() []*tensor.Tensor { return Parameters(e) }

// NamedChildren returns "layers" and, if there is one, "norm".
func (e *TransformerEncoder) NamedChildren() []NamedModule { return stackChildren(e.Layers, e.Norm) }

func stackChildren(layers ModuleList, norm *LayerNorm) []NamedModule {
	out := []NamedModule{{"layers", layers}}
	if norm != nil {
		out = append(out, NamedModule{"norm", norm})
	}
	return out
}

// TransformerDecoder is a stack of decoder layers, each a copy of one layer,
// followed by Norm unless it is nil (torch.nn.TransformerDecoder). Inputs are
// (T, N, E) and (S, N, E), or batch first with BatchFirst, which
// NewTransformerDecoder sets from the layer's layout; or unbatched. Decode runs
// it; Forward, which has no memory, panics.
type TransformerDecoder struct {
	Layers     ModuleList // of *TransformerDecoderLayer
	Norm       *LayerNorm
	BatchFirst bool
}

// NewTransformerDecoder returns a stack of n copies of layer, then norm, which
// may be nil, taking the layer's layout. It panics if n < 1.
func NewTransformerDecoder(layer *TransformerDecoderLayer, n int, norm *LayerNorm) *TransformerDecoder {
	return &TransformerDecoder{Layers: clones("NewTransformerDecoder", layer, n), Norm: norm, BatchFirst: layer.SelfAttn.BatchFirst}
}

// Decode returns the stack applied to tgt attending to memory, with the masks
// of o, which may be nil.
func (d *TransformerDecoder) Decode(tgt, memory *tensor.Tensor, o *DecoderOptions) *tensor.Tensor {
	return d.decode(tgt, memory, o, d.BatchFirst)
}

// decode runs the stack on x and memory in the layout batchFirst says (or
// unbatched), as encode.
func (d *TransformerDecoder) decode(x, memory *tensor.Tensor, o *DecoderOptions, batchFirst bool) *tensor.Tensor {
	for _, l := range d.Layers {
		x = l.(*TransformerDecoderLayer).decode(x, memory, o, batchFirst)
	}
	if d.Norm != nil {
		x = d.Norm.Forward(x)
	}
	return x
}

// Forward panics: a decoder needs a memory; call Decode.
func (d *TransformerDecoder) Forward(*tensor.Tensor) *tensor.Tensor {
	fail("TransformerDecoder", "a decoder needs a memory: call Decode(tgt, memory, o)")
	return nil
}

// Parameters returns the parameters of every layer and the norm.
func (d *TransformerDecoder) Parameters() []*tensor.Tensor { return Parameters(d) }

// NamedChildren returns "layers" and, if there is one, "norm".
func (d *TransformerDecoder) NamedChildren() []NamedModule { return stackChildren(d.Layers, d.Norm) }

// Transformer is an encoder-decoder transformer (torch.nn.Transformer): an
// encoder stack over the source, whose output is the memory a decoder stack
// attends to while it reads the target, each stack ending in a LayerNorm.
// Inputs are (S, N, E) and (T, N, E), or batch first with BatchFirst, or
// unbatched (S, E) and (T, E). Transform runs it; Forward, which has no
// target, panics.
type Transformer struct {
	Encoder    *TransformerEncoder
	Decoder    *TransformerDecoder
	DModel     int
	NHead      int
	BatchFirst bool
}

// NewTransformer returns a Transformer of model dim d, heads, numEncoder and
// numDecoder layers of feed-forward dim ff, dropout p, activation ReLU{} or
// GELU{} and norm_first as given (PyTorch's defaults are 512, 8, 6, 6, 2048,
// 0.1, ReLU{} and false), initialised as PyTorch's: every parameter of more
// than one dim drawn xavier_uniform. WithEps sets layer_norm_eps;
// WithBatchFirst(true) batch-first inputs (batch_first=True; unset, the
// Transformer, its stacks and their layers are sequence-first, PyTorch's
// default).
func NewTransformer(d, heads, numEncoder, numDecoder, ff int, p float64, activation Module, normFirst bool, opts ...Option) *Transformer {
	c := newConfig(opts)
	batchFirst := c.mha.layoutSet && !c.mha.seqFirst
	opts = append(slices.Clone(opts), WithBatchFirst(batchFirst))
	t := &Transformer{DModel: d, NHead: heads, BatchFirst: batchFirst,
		Encoder: NewTransformerEncoder(NewTransformerEncoderLayer(d, heads, ff, p, activation, normFirst, opts...), numEncoder, NewLayerNorm([]int{d}, opts...)),
		Decoder: NewTransformerDecoder(NewTransformerDecoderLayer(d, heads, ff, p, activation, normFirst, opts...), numDecoder, NewLayerNorm([]int{d}, opts...)),
	}
	tensor.NoGrad(func() {
		for _, w := range Parameters(t) {
			if w.Dim() > 1 {
				nninit.XavierUniform_(w, 1, c.gen)
			}
		}
	})
	return t
}

// Transform returns the decoder's output for tgt, attending to the encoder's
// output for src, with the masks of o, which may be nil: shape tgt's.
func (t *Transformer) Transform(src, tgt *tensor.Tensor, o *TransformerOptions) *tensor.Tensor {
	if o == nil {
		o = &TransformerOptions{}
	}
	s, g := toBatchFirst(src, t.BatchFirst), toBatchFirst(tgt, t.BatchFirst)
	if src.Dim() != tgt.Dim() || s.Size(0) != g.Size(0) || s.Size(2) != t.DModel || g.Size(2) != t.DModel {
		fail("Transformer", "the batch size of src %v and tgt %v must be equal and their feature number %d", src.Shape(), tgt.Shape(), t.DModel)
	}
	memory := t.Encoder.encode(src, &o.Src, t.BatchFirst)
	return t.Decoder.decode(tgt, memory, &DecoderOptions{Tgt: o.Tgt, Memory: o.Memory}, t.BatchFirst)
}

// Forward panics: a Transformer needs a source and a target; call Transform.
func (t *Transformer) Forward(*tensor.Tensor) *tensor.Tensor {
	fail("Transformer", "a Transformer needs a source and a target: call Transform(src, tgt, o)")
	return nil
}

// Parameters returns the parameters of the encoder, then the decoder.
func (t *Transformer) Parameters() []*tensor.Tensor { return Parameters(t) }

// NamedChildren returns "encoder" and "decoder".
func (t *Transformer) NamedChildren() []NamedModule {
	return []NamedModule{{"encoder", t.Encoder}, {"decoder", t.Decoder}}
}
