package nn

import (
	"fmt"

	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// WithMaxNorm gives an Embedding or EmbeddingBag PyTorch's max_norm and
// norm_type: rows looked up whose normType-norm exceeds maxNorm are rescaled to
// it in place before use.
func WithMaxNorm(maxNorm, normType float64) Option {
	return func(c *config) { c.maxNorm, c.normType = maxNorm, normType }
}

// embeddingOptions returns the options PyTorch's Embedding and EmbeddingBag
// print after their sizes, in its order: ", padding_idx=0, max_norm=1.0" (an
// EmbeddingBag's mode goes between max_norm's and padding_idx's).
func embeddingOptions(pad int, maxNorm, normType float64, scaleGradByFreq bool, mode string) string {
	s := ""
	if pad >= 0 && mode == "" {
		s += fmt.Sprintf(", padding_idx=%d", pad)
	}
	if maxNorm > 0 {
		s += ", max_norm=" + pyFloat(maxNorm)
	}
	if normType != 2 {
		s += ", norm_type=" + pyFloat(normType)
	}
	if scaleGradByFreq {
		s += ", scale_grad_by_freq=True"
	}
	if mode != "" {
		s += ", mode=" + mode
		if pad >= 0 {
			s += fmt.Sprintf(", padding_idx=%d", pad)
		}
	}
	return s
}

// EmbeddingBag sums, averages or takes the maximum of bags of embedding vectors
// (torch.nn.EmbeddingBag): functional.EmbeddingBag over Weight
// (NumEmbeddings, EmbeddingDim), initialised as an Embedding's.
type EmbeddingBag struct {
	NumEmbeddings, EmbeddingDim int
	// Mode is "mean", "sum" or "max".
	Mode string
	// PaddingIdx is an index that adds nothing to its bag; -1 for none.
	PaddingIdx int
	// MaxNorm, when positive, rescales the rows looked up to at most this
	// NormType-norm first.
	MaxNorm, NormType float64
	// IncludeLastOffset: offsets end with the number of indices.
	IncludeLastOffset bool
	// ScaleGradByFreq divides each row's gradient by the number of times the
	// input holds its index (not in mode max).
	ScaleGradByFreq bool
	Weight          *tensor.Tensor
}

// NewEmbeddingBag returns an EmbeddingBag of n vectors of dim values, reducing
// bags by mode ("mean", PyTorch's default, "sum" or "max"), with the options
// WithPaddingIdx, WithMaxNorm, WithDType and WithGenerator. It panics on a bad
// size, padding index or mode.
func NewEmbeddingBag(n, dim int, mode string, opts ...Option) *EmbeddingBag {
	if mode != "mean" && mode != "sum" && mode != "max" {
		fail("NewEmbeddingBag", `mode must be "mean", "sum" or "max", got %q`, mode)
	}
	e := NewEmbedding(n, dim, opts...)
	return &EmbeddingBag{NumEmbeddings: n, EmbeddingDim: dim, Mode: mode, PaddingIdx: e.PaddingIdx,
		MaxNorm: e.MaxNorm, NormType: e.NormType, Weight: e.Weight}
}

// Forward returns one vector per row of the int64 indices x (bags, bag size):
// shape (bags, EmbeddingDim).
func (e *EmbeddingBag) Forward(x *tensor.Tensor) *tensor.Tensor { return e.ForwardBags(x, nil, nil) }

// ForwardBags is PyTorch's forward(input, offsets, per_sample_weights): input
// is a 2-d batch of bags (offsets nil) or 1-d indices cut into bags at offsets;
// perSampleWeights (input's shape, mode sum only) may be nil.
func (e *EmbeddingBag) ForwardBags(input, offsets, perSampleWeights *tensor.Tensor) *tensor.Tensor {
	o := functional.EmbeddingBagOptions{Offsets: offsets, Mode: e.Mode, PerSampleWeights: perSampleWeights,
		IncludeLastOffset: e.IncludeLastOffset, MaxNorm: e.MaxNorm, NormType: e.NormType, ScaleGradByFreq: e.ScaleGradByFreq}
	if e.PaddingIdx >= 0 {
		o.PaddingIdx = &e.PaddingIdx
	}
	return functional.EmbeddingBag(input, e.Weight, o)
}

// Parameters returns the weight.
func (e *EmbeddingBag) Parameters() []*tensor.Tensor { return []*tensor.Tensor{e.Weight} }

// NamedParameters returns "weight".
func (e *EmbeddingBag) NamedParameters() []NamedParameter { return namedWeightBias(e.Weight, nil) }

// String returns "EmbeddingBag(10, 3, mode=mean)", or with options
// "EmbeddingBag(10, 3, max_norm=1.0, mode=max, padding_idx=0)".
func (e *EmbeddingBag) String() string {
	return fmt.Sprintf("EmbeddingBag(%d, %d%s)", e.NumEmbeddings, e.EmbeddingDim, embeddingOptions(e.PaddingIdx, e.MaxNorm, e.NormType, e.ScaleGradByFreq, e.Mode))
}

// EmbeddingFromPretrained returns an Embedding whose weight is weights (n, dim),
// sharing its storage, trained unless freeze (nn.Embedding.from_pretrained,
// whose freeze defaults to true). Options (WithPaddingIdx, WithMaxNorm) apply
// as in NewEmbedding, but the padding row keeps its values. It panics unless
// weights is a float matrix.
func EmbeddingFromPretrained(weights *tensor.Tensor, freeze bool, opts ...Option) *Embedding {
	checkPretrained("EmbeddingFromPretrained", weights)
	e := NewEmbedding(weights.Size(0), weights.Size(1), append(opts, WithDType(weights.DType()))...)
	e.Weight = weights.Detach().SetRequiresGrad(!freeze)
	return e
}

// EmbeddingBagFromPretrained returns an EmbeddingBag of mode whose weight is
// weights, sharing its storage, trained unless freeze
// (nn.EmbeddingBag.from_pretrained).
func EmbeddingBagFromPretrained(weights *tensor.Tensor, freeze bool, mode string, opts ...Option) *EmbeddingBag {
	checkPretrained("EmbeddingBagFromPretrained", weights)
	e := NewEmbeddingBag(weights.Size(0), weights.Size(1), mode, append(opts, WithDType(weights.DType()))...)
	e.Weight = weights.Detach().SetRequiresGrad(!freeze)
	return e
}

func checkPretrained(op string, w *tensor.Tensor) {
	if w == nil || w.Dim() != 2 || !w.DType().IsFloat() {
		fail(op, "embeddings parameter is expected to be 2-dimensional and float")
	}
}
