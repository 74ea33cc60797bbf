package functional

import (
	"math"
	"slices"

	"github.com/gograd/gograd/internal/access"
	"github.com/gograd/gograd/internal/parallel"
	"github.com/gograd/gograd/internal/vec"
	"github.com/gograd/gograd/tensor"
)

// LayerNorm normalises input over its last len(normalizedShape) dims, which must
// equal normalizedShape, as torch.nn.functional.layer_norm: y = (x - mean) /
// √(var + eps) · weight + bias, with the biased variance. weight and bias (of
// shape normalizedShape) may be nil. Its node is NativeLayerNormBackward0; its
// backward is a fused raw kernel, or differentiable ops when the backward pass
// creates a graph. It panics on shapes that do not fit.
func LayerNorm(input *tensor.Tensor, normalizedShape []int, weight, bias *tensor.Tensor, eps float64) *tensor.Tensor {
	x := input
	k := len(normalizedShape)
	if !x.DType().IsFloat() || k == 0 || x.Dim() < k || !slices.Equal(x.Shape()[x.Dim()-k:], normalizedShape) {
		panic(tensor.Errorf("functional", "LayerNorm", "input shape %v does not end in normalized_shape %v", x.Shape(), normalizedShape))
	}
	for _, t := range []*tensor.Tensor{weight, bias} {
		if t != nil && (!slices.Equal(t.Shape(), normalizedShape) || t.DType() != x.DType()) {
			panic(tensor.Errorf("functional", "LayerNorm", "weight and bias must have shape %v and dtype %v, got %v %v", normalizedShape, x.DType(), t.Shape(), t.DType()))
		}
	}
	d := 1
	for _, s := range normalizedShape {
		d *= s
	}
	f := &layerNorm{d: d, eps: eps}
	var inputs []*tensor.Tensor
	inputs, f.affine = affineInputs(x, weight, bias)
	return tensor.Apply(f, inputs...)
}

type layerNorm struct {
	d            int
	eps          float64
	affine       bool
	mean, invstd []float64 // per row
}

func (*layerNorm) Name() string { return "NativeLayerNormBackward0" }

func (f *layerNorm) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	x, w, b := saveAffine(ctx, in, f.affine)
	rows := x.Numel() / max(f.d, 1)
	f.mean, f.invstd = make([]float64, rows), make([]float64, rows)
	y := uninitLike(x, x.Shape()...)
	if x.DType() == tensor.Float32 {
		lnForward(f, y.Float32s(), x.Float32s(), f32s(w), f32s(b))
	} else {
		lnForward(f, y.Float64s(), x.Float64s(), f64s(w), f64s(b))
	}
	return y
}

// eachRow runs fn over the rows, split across threads.
func (f *layerNorm) eachRow(fn func(r int)) {
	parallel.For(len(f.mean), max(1, 8192/max(f.d, 1)), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			fn(r)
		}
	})
}

// lnForward normalises each row of x into y with internal/vec's row kernel
// (one call per row; AVX-512 assembly for float32): the sums accumulate in T,
// as PyTorch's CPU kernel accumulates float32 rows in float32.
func lnForward[T float32 | float64](f *layerNorm, y, x, w, b []T) {
	f.eachRow(func(r int) {
		mean, invstd := vec.LayerNormRow(y[r*f.d:(r+1)*f.d], x[r*f.d:(r+1)*f.d], w, b, f.eps)
		f.mean[r], f.invstd[r] = float64(mean), float64(invstd)
	})
}

// Backward, with x̂ = (x - mean)·invstd and ĝ = grad·weight per row of D values:
// dx = invstd·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂)); dweight = Σ_rows grad·x̂; dbias =
// Σ_rows grad. A fused raw kernel, or when the backward pass creates a graph the
// same formulas as differentiable ops (normgrad.go).
func (f *layerNorm) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	if ctx.CreatingGraph() {
		return f.gradGraph(ctx, g)
	}
	s := ctx.Saved()
	x := s[0].Contiguous()
	g = g.Contiguous()
	var w *tensor.Tensor
	if f.affine {
		w = s[1].Contiguous()
	}
	dx := uninitLike(x, x.Shape()...)
	var dw, db *tensor.Tensor
	if f.affine {
		dw, db = tensor.ZerosLike(w), tensor.ZerosLike(w)
	}
	if x.DType() == tensor.Float32 {
		lnBackward(f, f32s(dx), g.Float32s(), x.Float32s(), f32s(w), f32s(dw), f32s(db))
	} else {
		lnBackward(f, f64s(dx), g.Float64s(), x.Float64s(), f64s(w), f64s(dw), f64s(db))
	}
	if !f.affine {
		return []*tensor.Tensor{dx}
	}
	return []*tensor.Tensor{dx, dw, db}
}

// lnBackward fills dx and, when dw is not nil, dw and db (zero on entry). The
// rows are taken in fixed blocks of lnBlock; each block sums its rows'
// contributions to dw and db, row by row, while it computes their dx (one
// pass over x and dy), and the blocks' sums are added in order: the result
// does not depend on the number of threads.
func lnBackward[T float32 | float64](f *layerNorm, dx, dy, x, w, dw, db []T) {
	d := f.d
	rows := len(f.mean)
	blocks := (rows + lnBlock - 1) / lnBlock
	var part []T // per block: dw's sums, then db's
	if dw != nil {
		part = make([]T, blocks*2*d)
	}
	parallel.For(blocks, max(1, 8192/max(d*lnBlock, 1)), func(lo, hi int) {
		scratch := make([]T, 2*d) // the plain form's working space
		for b := lo; b < hi; b++ {
			var pw, pb []T
			if part != nil {
				pw, pb = part[2*b*d:(2*b+1)*d], part[(2*b+1)*d:(2*b+2)*d]
			}
			for r := b * lnBlock; r < min((b+1)*lnBlock, rows); r++ {
				vec.LayerNormGradRow(dx[r*d:(r+1)*d], dy[r*d:(r+1)*d], x[r*d:(r+1)*d], w, pw, pb, scratch, T(f.mean[r]), T(f.invstd[r]))
			}
		}
	})
	if part == nil {
		return
	}
	for b := range blocks {
		vec.Add(dw, dw, part[2*b*d:(2*b+1)*d])
		vec.Add(db, db, part[(2*b+1)*d:(2*b+2)*d])
	}
}

// lnBlock is the number of rows whose contributions to LayerNorm's weight and
// bias gradients are summed together before the blocks' sums are added.
const lnBlock = 32

// Gelu returns the Gaussian error linear unit of input elementwise, as
// torch.nn.functional.gelu: x·Φ(x), with Φ the standard normal CDF, or with tanh
// true its approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
// (approximate="tanh"). Its node is GeluBackward0; its backward is a raw kernel,
// or when the backward pass creates a graph a GeluBackwardBackward0 node, as
// PyTorch's, differentiable again to any order.
func Gelu(input *tensor.Tensor, tanh bool) *tensor.Tensor {
	if !input.DType().IsFloat() {
		panic(tensor.Errorf("functional", "Gelu", "want a float input, got %v", input.DType()))
	}
	f := &gelu{tanh: tanh}
	y := tensor.Apply(f, input)
	if f.d != nil { // only the node holds it: back to the pool with the graph
		access.FreeWithGraph(y, f.d)
		f.d = nil
	}
	return y
}

// gelu is GELU's node; it saves its input (which a second derivative reaches).
// For exact float32 GELU whose input needs a gradient, Forward also keeps the
// derivative gelu'(x) (vec.GeluErfWithGrad32 computes it with the values, for
// about the cost of the derivative alone) and Backward multiplies it by the
// gradient; otherwise, and when the backward pass creates a graph, Backward
// evaluates the derivative from x.
type gelu struct {
	tanh  bool
	deriv bool           // Saved()[1] is gelu'(x)
	d     *tensor.Tensor // that derivative, until Gelu hands it to FreeWithGraph
}

func (*gelu) Name() string { return "GeluBackward0" }

const sqrt2OverPi = 0.7978845608028654 // √(2/π)

// geluAt returns gelu(x) and its derivative.
func (f *gelu) at(x float64) (y, dy float64) {
	if f.tanh {
		u := sqrt2OverPi * (x + 0.044715*x*x*x)
		t := math.Tanh(u)
		du := sqrt2OverPi * (1 + 3*0.044715*x*x)
		return 0.5 * x * (1 + t), 0.5*(1+t) + 0.5*x*(1-t*t)*du
	}
	cdf := 0.5 * (1 + math.Erf(x/math.Sqrt2))
	pdf := math.Exp(-0.5*x*x) / math.Sqrt(2*math.Pi)
	return x * cdf, cdf + x*pdf
}

func (f *gelu) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	ctx.SaveForBackward(in[0]) // itself, not a contiguous copy: a second derivative reaches it
	x := in[0].Contiguous()
	y := uninitLike(x, x.Shape()...)
	if x.DType() == tensor.Float32 && !f.tanh && ctx.NeedsInputGrad(0) {
		d := uninitLike(x, x.Shape()...)
		ys, ds, xs := y.Float32s(), d.Float32s(), x.Float32s()
		parallel.For(len(xs), 16384, func(lo, hi int) { vec.GeluErfWithGrad32(ys[lo:hi], ds[lo:hi], xs[lo:hi]) })
		ctx.SaveForBackward(d)
		f.deriv, f.d = true, d
		return y
	}
	if x.DType() == tensor.Float32 {
		mapGelu(f, y.Float32s(), x.Float32s(), nil, false)
	} else {
		mapGelu(f, y.Float64s(), x.Float64s(), nil, false)
	}
	return y
}

// Backward: dx = grad·gelu'(x), a raw kernel, or a geluGrad node when the
// backward pass creates a graph.
func (f *gelu) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	x := ctx.Saved()[0]
	if ctx.CreatingGraph() {
		return []*tensor.Tensor{tensor.Apply(&geluGrad{f}, g, x)}
	}
	if f.deriv { // Saved()[1] is gelu'(x)
		return []*tensor.Tensor{ctx.Saved()[1].Mul(g)}
	}
	return []*tensor.Tensor{f.grad(g, x)}
}

// grad returns g·gelu'(x) with the raw kernel.
func (f *gelu) grad(g, x *tensor.Tensor) *tensor.Tensor {
	g, x = g.Contiguous(), x.Contiguous()
	dx := uninitLike(x, x.Shape()...)
	if x.DType() == tensor.Float32 {
		mapGelu(f, dx.Float32s(), x.Float32s(), g.Float32s(), true)
	} else {
		mapGelu(f, dx.Float64s(), x.Float64s(), g.Float64s(), true)
	}
	return dx
}

// geluGrad is GELU's gradient as a node of (grad, x), PyTorch's
// GeluBackwardBackward0: grad·gelu'(x), by the raw kernel.
type geluGrad struct{ f *gelu }

func (*geluGrad) Name() string { return "GeluBackwardBackward0" }

func (f *geluGrad) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	ctx.SaveForBackward(in[0], in[1])
	return f.f.grad(in[0], in[1])
}

// Backward: dgrad = gg·gelu'(x), this node again; dx = gg·grad·gelu⁽²⁾(x), with
// tensor ops, so that both are differentiable again.
func (f *geluGrad) Backward(ctx *tensor.Context, gg *tensor.Tensor) []*tensor.Tensor {
	s := ctx.Saved()
	g, x := s[0], s[1]
	grads := make([]*tensor.Tensor, 2)
	if ctx.NeedsInputGrad(0) {
		grads[0] = tensor.Apply(f, gg, x) // recorded only when the pass creates a graph
	}
	if ctx.NeedsInputGrad(1) {
		grads[1] = gg.Mul(g).Mul(f.f.second(x))
	}
	return grads
}

// second returns gelu⁽²⁾(x) as tensor ops:
//
//	exact: φ(x)·(2 - x²), φ the standard normal density
//	tanh:  (1 - t²)·(u' + x·(u''/2 - t·u'²)), t = tanh(u), u = √(2/π)·(x + c·x³),
//	       u' = √(2/π)·(1 + 3c·x²), u'' = 6c·√(2/π)·x, c = 0.044715
func (f *gelu) second(x *tensor.Tensor) *tensor.Tensor {
	x2 := x.Square()
	if !f.tanh {
		pdf := x2.MulScalar(-0.5).Exp().MulScalar(1 / math.Sqrt(2*math.Pi))
		return pdf.Mul(x2.Neg().AddScalar(2))
	}
	const c = 0.044715
	t := x.Add(x.Mul(x2).MulScalar(c)).MulScalar(sqrt2OverPi).Tanh()
	du := x2.MulScalar(3 * c).AddScalar(1).MulScalar(sqrt2OverPi)
	ddu := x.MulScalar(6 * c * sqrt2OverPi)
	inner := du.Add(x.Mul(ddu.MulScalar(0.5).Sub(t.Mul(du.Square()))))
	return t.Square().Neg().AddScalar(1).Mul(inner)
}

// mapGelu sets dst to gelu(x), or with grad to g·gelu'(x). Exact float32 GELU
// goes through internal/vec's vectorised kernels (the per-element float32 loop
// it replaced was a third of BenchmarkTransformerStep), the rest through
// math.Erf and math.Exp.
func mapGelu[T float32 | float64](f *gelu, dst, x, g []T, grad bool) {
	parallel.For(len(x), 16384, func(lo, hi int) {
		if d32, ok := any(dst[lo:hi]).([]float32); ok && !f.tanh {
			x32 := any(x[lo:hi]).([]float32)
			if grad {
				vec.GeluErfGrad32(d32, x32, any(g[lo:hi]).([]float32))
			} else {
				vec.GeluErf32(d32, x32)
			}
			return
		}
		for i := lo; i < hi; i++ {
			if grad {
				_, dy := f.at(float64(x[i]))
				dst[i] = g[i] * T(dy)
				continue
			}
			if f.tanh {
				y, _ := f.at(float64(x[i]))
				dst[i] = T(y)
				continue
			}
			v := float64(x[i])
			dst[i] = T(0.5 * v * (1 + math.Erf(v/math.Sqrt2)))
		}
	})
}

// Embedding returns the rows of weight (num_embeddings, D) at the int64 indices
// of input, shape input's + (D), as torch.nn.functional.embedding. The row at
// paddingIdx (when it is not negative) gets no gradient. Its node is
// EmbeddingBackward0; the weight's gradient is a dense scatter-add, a raw
// kernel, or when the backward pass creates a graph an
// EmbeddingDenseBackwardBackward0 node, as PyTorch's, differentiable again. It
// panics on an index out of range. EmbeddingWithOptions takes PyTorch's other
// arguments.
func Embedding(input, weight *tensor.Tensor, paddingIdx int) *tensor.Tensor {
	o := EmbeddingOptions{}
	if paddingIdx >= 0 {
		o.PaddingIdx = &paddingIdx
	}
	return EmbeddingWithOptions(input, weight, o)
}

// EmbeddingOptions are the arguments of EmbeddingWithOptions besides the
// indices and the weight, under torch.nn.functional.embedding's names.
type EmbeddingOptions struct {
	// PaddingIdx, when not nil, is the row that gets no gradient; negative
	// counts from the end.
	PaddingIdx *int
	// MaxNorm, when positive, rescales the looked-up rows first with
	// EmbeddingRenorm_ in the NormType-norm (2 when 0).
	MaxNorm, NormType float64
	// ScaleGradByFreq divides the gradient of each row by the number of times
	// input holds its index (scale_grad_by_freq). Its second derivative follows
	// the same definition; PyTorch 1.13's (embedding_dense_double_backward)
	// leaves the scaling out.
	ScaleGradByFreq bool
}

// EmbeddingWithOptions is Embedding with PyTorch's padding_idx, max_norm,
// norm_type and scale_grad_by_freq (see EmbeddingOptions). It panics on an
// index or padding index out of range.
func EmbeddingWithOptions(input, weight *tensor.Tensor, o EmbeddingOptions) *tensor.Tensor {
	const op = "Embedding"
	idx := embeddingIndices(op, input, weight)
	n := weight.Size(0)
	f := &embedding{idx: idx, shape: input.Shape(), pad: paddingRow(op, o.PaddingIdx, n)}
	renormLookedUp(weight, input, o.MaxNorm, o.NormType)
	if o.ScaleGradByFreq {
		count := indexCounts(idx, n)
		f.scale = make([]float64, len(idx))
		for i, r := range idx {
			f.scale[i] = 1 / float64(count[r])
		}
	}
	return tensor.Apply(f, weight)
}

// embedding is Embedding's node: the rows idx of its input.
type embedding struct {
	idx   []int64
	shape []int
	pad   int       // the row that gets no gradient, or -1
	scale []float64 // per index: the factor of its gradient (1/count), nil: 1
}

func (*embedding) Name() string { return "EmbeddingBackward0" }

func (f *embedding) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	w := in[0].Contiguous()
	d := w.Size(1)
	ctx.SaveForBackward(w) // for its shape
	y := w.DType().Zeros(append(slices.Clone(f.shape), d)...)
	if w.DType() == tensor.Float32 {
		gatherRows(y.Float32s(), w.Float32s(), f.idx, d)
	} else {
		gatherRows(y.Float64s(), w.Float64s(), f.idx, d)
	}
	return y
}

// Backward: dweight[idx[i]] += grad[i]·scale[i], except at the padding index;
// an embeddingDense node when the backward pass creates a graph.
func (f *embedding) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	w := ctx.Saved()[0]
	return []*tensor.Tensor{tensor.Apply(&embeddingDense{f: f, n: w.Size(0)}, g)}
}

// embeddingDense is Embedding's weight gradient as a node of the output
// gradient, PyTorch's EmbeddingDenseBackwardBackward0: linear in it, a raw
// scatter-add.
type embeddingDense struct {
	f *embedding
	n int // rows of the weight
}

func (*embeddingDense) Name() string { return "EmbeddingDenseBackwardBackward0" }

func (e *embeddingDense) Forward(_ *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	g := in[0].Contiguous()
	d := g.Size(-1)
	dw := g.DType().Zeros(e.n, d)
	if g.DType() == tensor.Float32 {
		scatterRows(dw.Float32s(), g.Float32s(), e.f.idx, d, e.f.pad, e.f.scale)
	} else {
		scatterRows(dw.Float64s(), g.Float64s(), e.f.idx, d, e.f.pad, e.f.scale)
	}
	return dw
}

// Backward: dgrad[i] = gg[idx[i]]·scale[i] (zero at the padding index), the
// adjoint of the scatter-add, as tensor ops (IndexSelect), differentiable again.
func (e *embeddingDense) Backward(_ *tensor.Context, gg *tensor.Tensor) []*tensor.Tensor {
	f := e.f
	dg := gg.IndexSelect(0, tensor.New(f.idx))
	if f.pad >= 0 || f.scale != nil {
		s := make([]float64, len(f.idx))
		for i, r := range f.idx {
			switch {
			case int(r) == f.pad:
			case f.scale != nil:
				s[i] = f.scale[i]
			default:
				s[i] = 1
			}
		}
		dg = dg.Mul(tensor.FromSlice(s, len(s), 1).To(gg.DType()))
	}
	return []*tensor.Tensor{dg.Reshape(append(slices.Clone(f.shape), gg.Size(1))...)}
}

func gatherRows[T float32 | float64](y, w []T, idx []int64, d int) {
	for i, r := range idx {
		copy(y[i*d:(i+1)*d], w[int(r)*d:int(r+1)*d])
	}
}

// scatterRows adds row i of g, times scale[i] (nil: 1), into row idx[i] of dw,
// except where idx[i] is pad, with internal/vec's kernels (the same bits as
// the plain loop, one call per row).
func scatterRows[T float32 | float64](dw, g []T, idx []int64, d, pad int, scale []float64) {
	for i, r := range idx {
		if int(r) == pad {
			continue
		}
		dst, src := dw[int(r)*d:int(r+1)*d], g[i*d:(i+1)*d]
		if scale != nil {
			vec.Axpy(dst, T(scale[i]), src) // dst += src·s, product then sum
			continue
		}
		vec.Add(dst, dst, src)
	}
}

// AttentionOptions are the arguments of ScaledDotProductAttention besides query,
// key and value.
type AttentionOptions struct {
	// Mask, broadcastable to (..., L, S), says where a query may attend to a
	// key: a bool tensor true where it may (PyTorch 2's attn_mask rule, which
	// PyTorch 1.13's private _scaled_dot_product_attention follows too; the
	// opposite of MultiheadAttention's), or a float tensor added to the scores
	// before the softmax, 0 where it may and -Inf (or a large negative value)
	// where not.
	Mask *tensor.Tensor
	// Causal lets query i attend to keys 0..i only (is_causal=True).
	Causal bool
	// DropoutP drops attention weights with this probability when Training, with
	// masks from Generator (nil: tensor.DefaultGenerator()).
	DropoutP  float64
	Training  bool
	Generator *tensor.Generator
}

// ScaledDotProductAttention returns softmax(q·kᵀ/√E + mask)·v for query (..., L,
// E), key (..., S, E) and value (..., S, Ev), shape (..., L, Ev), as PyTorch 2's
// torch.nn.functional.scaled_dot_product_attention (PyTorch 1.13 has it only
// inside MultiheadAttention). It is composed of tensor ops, so it is
// differentiable twice. A query whose every key is masked gets NaN, as in
// PyTorch.
func ScaledDotProductAttention(q, k, v *tensor.Tensor, o AttentionOptions) *tensor.Tensor {
	if q.Dim() < 2 || k.Dim() != q.Dim() || v.Dim() != q.Dim() || q.Size(-1) != k.Size(-1) || k.Size(-2) != v.Size(-2) {
		panic(tensor.Errorf("functional", "ScaledDotProductAttention", "query %v, key %v and value %v do not fit: want (..., L, E), (..., S, E), (..., S, Ev)", q.Shape(), k.Shape(), v.Shape()))
	}
	scores := q.MatMul(k.Transpose(-2, -1)).MulScalar(1 / math.Sqrt(float64(q.Size(-1))))
	if o.Causal {
		scores = scores.Add(CausalMask(q.Size(-2), k.Size(-2), q.DType()))
	}
	if o.Mask != nil {
		scores = scores.Add(AdditiveMask(o.Mask, scores.DType(), false))
	}
	attn := scores.Softmax(-1)
	if o.DropoutP > 0 {
		attn = Dropout(attn, o.DropoutP, o.Training, o.Generator)
	}
	return attn.MatMul(v)
}

// CausalMask returns the additive mask (l, s) that lets query i attend to keys
// 0..i: 0 on and below the diagonal, -Inf above it.
func CausalMask(l, s int, dt tensor.DType) *tensor.Tensor {
	keep := make([]bool, l*s)
	for i := range l {
		for j := 0; j <= i && j < s; j++ {
			keep[i*s+j] = true
		}
	}
	return BoolMask(keep, dt, l, s)
}

// AdditiveMask returns an attention mask as the float mask of dtype dt that is
// added to the scores: a float mask as it is, a bool one 0 where a query may
// attend to a key and -Inf where not. trueMasks says which bool value masks
// out: true for MultiheadAttention's attn_mask and key_padding_mask and the
// transformers' masks (PyTorch's rule for them), false for
// ScaledDotProductAttention's (PyTorch 2's: true attends). A nil mask gives nil.
func AdditiveMask(mask *tensor.Tensor, dt tensor.DType, trueMasks bool) *tensor.Tensor {
	if mask == nil || mask.DType() != tensor.Bool {
		return mask
	}
	if !trueMasks {
		mask = mask.LogicalNot()
	}
	return dt.Zeros(mask.Shape()...).MaskedFill(mask, math.Inf(-1))
}

// BoolMask returns an additive attention mask of the given shape from booleans:
// 0 where keep is true (the query may attend to the key, as True in
// scaled_dot_product_attention's boolean mask), -Inf where it is false (as True
// in MultiheadAttention's attn_mask and key_padding_mask, which mark what is
// masked out: pass their negation).
func BoolMask(keep []bool, dt tensor.DType, shape ...int) *tensor.Tensor {
	v := make([]float64, len(keep))
	for i, k := range keep {
		if !k {
			v[i] = math.Inf(-1)
		}
	}
	return tensor.FromSlice(v, shape...).To(dt)
}
