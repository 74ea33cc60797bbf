package functional

import (
	"math"
	"slices"

	"github.com/gograd/gograd/tensor"
)

// EmbeddingRenorm_ rescales, in place and without recording, each row of weight
// that the int64 indices of input look up and whose p-norm (normType) exceeds
// maxNorm to norm maxNorm: row·maxNorm/(norm + 1e-7), as
// torch.embedding_renorm_, which torch.nn.functional.embedding calls when given
// max_norm. Each row is rescaled once however often it is looked up. It returns
// weight and panics on an index out of range.
func EmbeddingRenorm_(weight, input *tensor.Tensor, maxNorm, normType float64) *tensor.Tensor {
	const op = "EmbeddingRenorm_"
	idx := embeddingIndices(op, input, weight)
	slices.Sort(idx)
	tensor.NoGrad(func() {
		for i, r := range idx {
			if i > 0 && r == idx[i-1] {
				continue
			}
			row := weight.Select(0, int(r))
			if norm := row.VectorNorm(normType, false).Item(); norm > maxNorm {
				row.MulScalar_(maxNorm / (norm + 1e-7))
			}
		}
	})
	return weight
}

// paddingRow returns the row a padding_idx names, counting from the end when
// negative, or -1 when p is nil; it panics when the row is out of range.
func paddingRow(op string, p *int, n int) int {
	if p == nil {
		return -1
	}
	r := *p
	if r < 0 {
		r += n
	}
	if r < 0 || r >= n {
		panic(tensor.NewError(tensor.ErrIndex, "functional", op, "padding_idx %d is out of range for %d embeddings", *p, n))
	}
	return r
}

// renormLookedUp rescales, when maxNorm is positive, the rows of weight that
// input looks up to a normType-norm (2 when 0) of at most maxNorm, as max_norm.
func renormLookedUp(weight, input *tensor.Tensor, maxNorm, normType float64) {
	if maxNorm <= 0 {
		return
	}
	if normType == 0 {
		normType = 2
	}
	EmbeddingRenorm_(weight, input, maxNorm, normType)
}

// indexCounts returns how many times idx holds each of the n rows.
func indexCounts(idx []int64, n int) []int {
	count := make([]int, n)
	for _, r := range idx {
		count[r]++
	}
	return count
}

// embeddingIndices returns input's indices, checked against weight's rows.
func embeddingIndices(op string, input, weight *tensor.Tensor) []int64 {
	if input.DType() != tensor.Int64 || weight.Dim() != 2 || !weight.DType().IsFloat() {
		panic(tensor.Errorf("functional", op, "want int64 indices and a float weight (num_embeddings, D), got %v indices and weight shape %v", input.DType(), weight.Shape()))
	}
	n := weight.Size(0)
	idx := slices.Clone(input.Contiguous().Int64s())
	for _, i := range idx {
		if i < 0 || i >= int64(n) {
			panic(tensor.NewError(tensor.ErrIndex, "functional", op, "index %d is out of range for %d embeddings", i, n))
		}
	}
	return idx
}

// EmbeddingBagOptions are the arguments of EmbeddingBag besides the indices and
// the weight, under torch.nn.functional.embedding_bag's names.
type EmbeddingBagOptions struct {
	// Offsets (int64, 1-d) start each bag in a 1-d input; nil for a 2-d input,
	// whose rows are the bags.
	Offsets *tensor.Tensor
	// Mode reduces each bag: "mean" (the default, for ""), "sum" or "max".
	Mode string
	// PerSampleWeights, of input's shape, weight each looked-up row before the
	// sum; only with Mode "sum".
	PerSampleWeights *tensor.Tensor
	// IncludeLastOffset makes the last offset the end of the last bag, equal to
	// the number of indices, rather than the start of one (offsets then hold one
	// more value than bags).
	IncludeLastOffset bool
	// PaddingIdx, when not nil, is an index that adds nothing to its bag (nor to
	// its count, in mode mean) and gets no gradient; negative counts from the
	// end.
	PaddingIdx *int
	// MaxNorm, when positive, rescales the looked-up rows first with
	// EmbeddingRenorm_ in the NormType-norm (2 when 0).
	MaxNorm, NormType float64
	// ScaleGradByFreq divides the gradient of each row by the number of times
	// input holds its index; not with Mode "max". (PyTorch 1.13's CPU kernel
	// divides some rows by another row's count, pytorch/pytorch#190063; gograd
	// follows the documented definition, as PyTorch's CUDA kernel and its later
	// CPU fix do.)
	ScaleGradByFreq bool
}

// EmbeddingBag returns, for each bag of int64 indices of input, the sum, mean or
// elementwise max of the rows of weight (num_embeddings, D) it looks up, shape
// (bags, D), as torch.nn.functional.embedding_bag. An empty bag gives zeros. Its
// node is EmbeddingBagBackward0 and has gradients for weight (to the rows
// looked up; in mode max to the row that gave each maximum) and for
// PerSampleWeights; it is a raw kernel, not differentiable again. It panics on
// indices out of range and on options that do not fit.
func EmbeddingBag(input, weight *tensor.Tensor, o EmbeddingBagOptions) *tensor.Tensor {
	const op = "EmbeddingBag"
	idx := embeddingIndices(op, input, weight)
	f := &embeddingBag{idx: idx, d: weight.Size(1), pad: -1}
	switch o.Mode {
	case "", "mean":
		f.mode = bagMean
	case "sum":
		f.mode = bagSum
	case "max":
		f.mode = bagMax
	default:
		panic(tensor.Errorf("functional", op, `mode must be "sum", "mean" or "max", got %q`, o.Mode))
	}
	f.pad = paddingRow(op, o.PaddingIdx, weight.Size(0))
	switch {
	case input.Dim() == 2 && o.Offsets == nil:
		for b := range input.Size(0) {
			f.starts = append(f.starts, b*input.Size(1))
		}
		f.starts = append(f.starts, len(idx))
	case input.Dim() == 1 && o.Offsets != nil && o.Offsets.Dim() == 1 && o.Offsets.DType() == tensor.Int64:
		for _, s := range o.Offsets.Contiguous().Int64s() {
			f.starts = append(f.starts, int(s))
		}
		if !o.IncludeLastOffset {
			f.starts = append(f.starts, len(idx))
		}
		if len(f.starts) < 2 || f.starts[0] != 0 || f.starts[len(f.starts)-1] != len(idx) || !slices.IsSorted(f.starts) {
			panic(tensor.NewError(tensor.ErrIndex, "functional", op, "offsets %v must start at 0 and rise to the %d indices (the last offset equal to it with IncludeLastOffset)",
				o.Offsets.Contiguous().Int64s(), len(idx)))
		}
	default:
		panic(tensor.Errorf("functional", op, "want a 2-d input without offsets or a 1-d input with 1-d int64 offsets, got input shape %v", input.Shape()))
	}
	if o.ScaleGradByFreq {
		if f.mode == bagMax {
			panic(tensor.Errorf("functional", op, "max mode does not support scaling the gradient by the frequency"))
		}
		f.freq = indexCounts(idx, weight.Size(0))
	}
	renormLookedUp(weight, input, o.MaxNorm, o.NormType)
	if o.PerSampleWeights == nil {
		return tensor.Apply(f, weight)
	}
	if f.mode != bagSum || !slices.Equal(o.PerSampleWeights.Shape(), input.Shape()) || o.PerSampleWeights.DType() != weight.DType() {
		panic(tensor.Errorf("functional", op, "per_sample_weights (shape %v, %v) need mode sum, input's shape %v and the weight's dtype %v",
			o.PerSampleWeights.Shape(), o.PerSampleWeights.DType(), input.Shape(), weight.DType()))
	}
	return tensor.Apply(f, weight, o.PerSampleWeights)
}

type bagMode uint8

const (
	bagSum bagMode = iota
	bagMean
	bagMax
)

type embeddingBag struct {
	idx    []int64
	starts []int // bag b holds idx[starts[b]:starts[b+1]]
	d, pad int
	mode   bagMode
	arg    []int // mode max: the row that gave each output element, -1 for none
	freq   []int // ScaleGradByFreq: the count of each row's index, else nil
}

func (*embeddingBag) Name() string { return "EmbeddingBagBackward0" }

func (f *embeddingBag) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	w := in[0].Contiguous()
	ctx.SaveForBackward(w)
	var psw *tensor.Tensor
	if len(in) == 2 {
		psw = in[1].Contiguous()
		ctx.SaveForBackward(psw)
	}
	y := w.DType().Zeros(len(f.starts)-1, f.d)
	if f.mode == bagMax {
		f.arg = make([]int, y.Numel())
	}
	if w.DType() == tensor.Float32 {
		bagForward(f, y.Float32s(), w.Float32s(), f32s(psw))
	} else {
		bagForward(f, y.Float64s(), w.Float64s(), f64s(psw))
	}
	return y
}

// count returns the number of indices of bag b that are not padding.
func (f *embeddingBag) count(b int) int {
	n := 0
	for _, r := range f.idx[f.starts[b]:f.starts[b+1]] {
		if int(r) != f.pad {
			n++
		}
	}
	return n
}

func bagForward[T float32 | float64](f *embeddingBag, y, w, psw []T) {
	for b := range len(f.starts) - 1 {
		out := y[b*f.d : (b+1)*f.d]
		if f.mode == bagMax {
			arg := f.arg[b*f.d : (b+1)*f.d]
			for j := range arg {
				arg[j] = -1
			}
			for i := f.starts[b]; i < f.starts[b+1]; i++ {
				r := int(f.idx[i])
				if r == f.pad {
					continue
				}
				for j, v := range w[r*f.d : (r+1)*f.d] {
					if arg[j] < 0 || v > out[j] || math.IsNaN(float64(v)) {
						out[j], arg[j] = v, r
					}
				}
			}
			continue
		}
		for i := f.starts[b]; i < f.starts[b+1]; i++ {
			r := int(f.idx[i])
			if r == f.pad {
				continue
			}
			s := T(1)
			if psw != nil {
				s = psw[i]
			}
			for j, v := range w[r*f.d : (r+1)*f.d] {
				out[j] += s * v
			}
		}
		if n := f.count(b); f.mode == bagMean && n > 0 {
			for j := range out {
				out[j] /= T(n)
			}
		}
	}
}

// Backward: dweight[r] += grad[b]·s for each index r of bag b, s its per-sample
// weight (sum) or 1/count (mean), divided by r's frequency with
// ScaleGradByFreq; in mode max dweight[r][j] += grad[b][j] for the
// row r that gave the maximum; dper_sample_weights[i] = weight[r]·grad[b].
func (f *embeddingBag) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	s := ctx.Saved()
	w := s[0]
	g = g.Contiguous()
	grads := make([]*tensor.Tensor, len(s))
	dw := tensor.ZerosLike(w)
	var psw, dpsw *tensor.Tensor
	if len(s) == 2 {
		psw = s[1]
		dpsw = tensor.ZerosLike(psw)
		grads[1] = dpsw
	}
	if w.DType() == tensor.Float32 {
		bagBackward(f, f32s(dw), g.Float32s(), w.Float32s(), f32s(psw), f32s(dpsw))
	} else {
		bagBackward(f, f64s(dw), g.Float64s(), w.Float64s(), f64s(psw), f64s(dpsw))
	}
	grads[0] = dw
	return grads
}

func bagBackward[T float32 | float64](f *embeddingBag, dw, g, w, psw, dpsw []T) {
	for b := range len(f.starts) - 1 {
		gb := g[b*f.d : (b+1)*f.d]
		if f.mode == bagMax {
			for j, r := range f.arg[b*f.d : (b+1)*f.d] {
				if r >= 0 {
					dw[r*f.d+j] += gb[j]
				}
			}
			continue
		}
		scale := T(1)
		if n := f.count(b); f.mode == bagMean && n > 0 {
			scale = 1 / T(n)
		}
		for i := f.starts[b]; i < f.starts[b+1]; i++ {
			r := int(f.idx[i])
			if r == f.pad {
				continue
			}
			s := scale
			if f.freq != nil {
				s = scale / T(f.freq[r])
			}
			if psw != nil {
				s = psw[i]
				var dot T
				for j, v := range w[r*f.d : (r+1)*f.d] {
					dot += v * gb[j]
				}
				dpsw[i] = dot
				if f.freq != nil {
					s /= T(f.freq[r])
				}
			}
			row := dw[r*f.d : (r+1)*f.d]
			for j, v := range gb {
				row[j] += s * v
			}
		}
	}
}
