package nn

// The functions of torch.nn.utils that act on a list of parameters live here in
// package nn, under PyTorch's names in Go case (ClipGradNorm_ for
// clip_grad_norm_): a PyTorch user looks for them next to the modules, and a
// package named utils is what Go's naming advice warns against.

import (
	"fmt"
	"math"

	"github.com/gograd/gograd/internal/access"
	"github.com/gograd/gograd/internal/vec"
	"github.com/gograd/gograd/tensor"
)

// peekGrad returns p's gradient without handing it over (nil if none): the
// caller works on it during the call only.
func peekGrad(p *tensor.Tensor) *tensor.Tensor {
	g, _ := access.PeekGrad(p).(*tensor.Tensor)
	return g
}

// updateGrad sets each value v of g, in place, to f(v).
func updateGrad(g *tensor.Tensor, f func(float64) float64) {
	d := g.Contiguous()
	switch d.DType() {
	case tensor.Float32:
		s := d.Float32s()
		for i, v := range s {
			s[i] = float32(f(float64(v)))
		}
	case tensor.Float64:
		s := d.Float64s()
		for i, v := range s {
			s[i] = f(v)
		}
	}
	if d != g {
		tensor.NoGrad(func() { g.Copy_(d) })
	}
}

// scaleGrad multiplies the values of g, in place, by c: with vectorised
// kernels when g is contiguous (for float32 values, when c is a float32 as
// ClipGradNorm_ computes it for float32 gradients: the product is then rounded
// once either way).
func scaleGrad(g *tensor.Tensor, c float64) {
	if g.IsContiguous() {
		switch g.DType() {
		case tensor.Float32:
			if float64(float32(c)) != c && !math.IsNaN(c) {
				break
			}
			s := g.Float32s()
			vec.MulScalar(s, s, float32(c))
			return
		case tensor.Float64:
			s := g.Float64s()
			vec.MulScalar(s, s, c)
			return
		}
	}
	updateGrad(g, func(v float64) float64 { return v * c })
}

// gradNorm returns the normType-norm of the values of g, accumulated in float64.
func gradNorm(g *tensor.Tensor, normType float64) float64 {
	if normType == 2 { // the common case, read in place (BenchmarkLSTMStep)
		switch d := g.Contiguous(); d.DType() {
		case tensor.Float32:
			return math.Sqrt(sumSquares(d.Float32s()))
		case tensor.Float64:
			return math.Sqrt(sumSquares(d.Float64s()))
		}
	}
	vs := g.Contiguous().Values()
	switch {
	case math.IsInf(normType, 1):
		m := 0.0
		for _, v := range vs {
			if a := math.Abs(v); a > m || math.IsNaN(a) {
				m = a
			}
		}
		return m
	case math.IsInf(normType, -1):
		m := math.Inf(1)
		for _, v := range vs {
			if a := math.Abs(v); a < m || math.IsNaN(a) {
				m = a
			}
		}
		return m
	case normType == 0:
		n := 0.0
		for _, v := range vs {
			if v != 0 {
				n++
			}
		}
		return n
	}
	s := 0.0
	for _, v := range vs {
		s += math.Pow(math.Abs(v), normType)
	}
	return math.Pow(s, 1/normType)
}

// sumSquares returns Σ v², accumulated in float64 in four running sums.
func sumSquares[T float32 | float64](vs []T) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(vs); i += 4 {
		a, b, c, d := float64(vs[i]), float64(vs[i+1]), float64(vs[i+2]), float64(vs[i+3])
		s0, s1, s2, s3 = s0+a*a, s1+b*b, s2+c*c, s3+d*d
	}
	for ; i < len(vs); i++ {
		s0 += float64(vs[i]) * float64(vs[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// ClipGradNorm_ scales the gradients of params in place so that their norm
// together, as if they were one vector, is at most maxNorm, and returns that
// norm before clipping, as torch.nn.utils.clip_grad_norm_ does. normType is the
// p of the p-norm (2 for the Euclidean norm; math.Inf(1) for the largest
// absolute value). Each gradient is multiplied by min(maxNorm/(norm+1e-6), 1).
// Parameters without a gradient are skipped; with none the norm is 0.
//
// The norm is computed in float64 and, for float32 gradients, rounded to
// float32; the coefficient is computed in the gradients' dtype, as in PyTorch. If the norm is NaN or infinite,
// ClipGradNorm_ returns an error and leaves the gradients alone when
// errorIfNonfinite is set, and otherwise scales them by the non-finite
// coefficient as PyTorch does (error_if_nonfinite=False).
func ClipGradNorm_(params []*tensor.Tensor, maxNorm, normType float64, errorIfNonfinite bool) (float64, error) {
	var grads []*tensor.Tensor
	for _, p := range params {
		if g := peekGrad(p); g != nil {
			grads = append(grads, g)
		}
	}
	if len(grads) == 0 {
		return 0, nil
	}
	norms := make([]float64, len(grads))
	for i, g := range grads {
		norms[i] = gradNorm(g, normType)
	}
	total := gradNorm(tensor.New(norms), normType)
	f32 := grads[0].DType() == tensor.Float32
	if f32 {
		total = float64(float32(total))
	}
	if errorIfNonfinite && (math.IsNaN(total) || math.IsInf(total, 0)) {
		return total, fmt.Errorf("nn: ClipGradNorm_: the total norm of order %v for gradients from parameters is non-finite, so it cannot be clipped. "+
			"To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite to false", normType)
	}
	// torch computes max_norm / (total + 1e-6) as (total + 1e-6).reciprocal()
	// * max_norm (Tensor.__rtruediv__), in the gradients' dtype.
	coef := 1 / (total + 1e-6) * maxNorm
	if f32 {
		coef = float64(1 / (float32(total) + 1e-6) * float32(maxNorm))
	}
	if coef < 1 || math.IsNaN(coef) { // torch.clamp(coef, max=1) keeps NaN
		for _, g := range grads {
			scaleGrad(g, coef)
		}
	}
	return total, nil
}

// ClipGradValue_ clamps every gradient value of params, in place, to
// [-clipValue, clipValue] (torch.nn.utils.clip_grad_value_). NaN stays NaN.
// Parameters without a gradient are skipped.
func ClipGradValue_(params []*tensor.Tensor, clipValue float64) {
	for _, p := range params {
		if g := peekGrad(p); g != nil {
			updateGrad(g, func(v float64) float64 {
				if math.IsNaN(v) {
					return v
				}
				return min(max(v, -clipValue), clipValue)
			})
		}
	}
}

// ParametersToVector returns params flattened and concatenated into one vector
// (torch.nn.utils.parameters_to_vector). It is recorded in the graph
// (CatBackward0): the vector's gradient flows back to each parameter. It panics
// if the parameters' dtypes differ.
func ParametersToVector(params []*tensor.Tensor) *tensor.Tensor {
	if len(params) == 0 {
		return tensor.Zeros(0)
	}
	f := &cat{}
	for _, p := range params {
		if p.DType() != params[0].DType() {
			fail("ParametersToVector", "parameter dtypes %v and %v differ", params[0].DType(), p.DType())
		}
		f.shapes = append(f.shapes, p.Shape())
	}
	return tensor.Apply(f, params...)
}

// VectorToParameters copies the values of vec into params in order, each
// taking as many as it has elements (torch.nn.utils.vector_to_parameters),
// without recording it in the graph. It panics if vec is not a vector of as
// many elements as params have together.
func VectorToParameters(vec *tensor.Tensor, params []*tensor.Tensor) {
	n := 0
	for _, p := range params {
		n += p.Numel()
	}
	if vec.Dim() != 1 || vec.Numel() != n {
		fail("VectorToParameters", "expected a vector of the %d parameter elements, got shape %v", n, vec.Shape())
	}
	off := 0
	tensor.NoGrad(func() {
		for _, p := range params {
			p.Copy_(part(vec, off, p.Shape()))
			off += p.Numel()
		}
	})
}

// part returns the elements off, off+1, ... of the vector v, as many as shape
// holds, as a new tensor of that shape.
func part(v *tensor.Tensor, off int, shape []int) *tensor.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	v = v.Contiguous()
	switch v.DType() {
	case tensor.Float32:
		return tensor.New(v.Float32s()[off:off+n], shape...)
	case tensor.Float64:
		return tensor.New(v.Float64s()[off:off+n], shape...)
	}
	return tensor.New(v.Int64s()[off:off+n], shape...)
}

// cat flattens its inputs, of the given shapes, and concatenates them; its
// gradient is the slices of the result's gradient, each by a slice node, so
// that it can be differentiated again.
type cat struct{ shapes [][]int }

func (*cat) Name() string { return "CatBackward0" }

func (f *cat) Forward(_ *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	n := 0
	for _, t := range in {
		n += t.Numel()
	}
	out := in[0].DType().Zeros(n)
	off := 0
	for _, t := range in {
		pad(out, t, off)
		off += t.Numel()
	}
	return out
}

// pad copies the values of t into out from offset off.
func pad(out, t *tensor.Tensor, off int) {
	t = t.Contiguous()
	switch out.DType() {
	case tensor.Float32:
		copy(out.Float32s()[off:], t.Float32s())
	case tensor.Float64:
		copy(out.Float64s()[off:], t.Float64s())
	default:
		copy(out.Int64s()[off:], t.Int64s())
	}
}

// dx_k: grad[off_k : off_k+numel_k], reshaped to x_k's shape.
func (f *cat) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(f.shapes))
	off := 0
	for k, shape := range f.shapes {
		s := &slice{off: off, shape: shape, n: g.Numel()}
		if ctx.NeedsInputGrad(k) {
			out[k] = tensor.Apply(s, g)
		}
		off += s.numel()
	}
	return out
}

// slice takes numel(shape) elements from offset off of a vector of n elements,
// as a tensor of the given shape; its gradient puts the gradient back in place
// in a vector of zeros (the same node, reversed), and so on.
type slice struct {
	off   int
	shape []int
	n     int
	embed bool // the reverse: put a tensor of shape into a zero vector of n
}

func (s *slice) numel() int {
	n := 1
	for _, d := range s.shape {
		n *= d
	}
	return n
}

func (s *slice) Name() string {
	if s.embed {
		return "SliceBackwardBackward0"
	}
	return "SliceBackward0"
}

func (s *slice) Forward(_ *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	if s.embed {
		out := in[0].DType().Zeros(s.n)
		pad(out, in[0], s.off)
		return out
	}
	return part(in[0], s.off, s.shape)
}

// dx: the reverse of s applied to grad.
func (s *slice) Backward(_ *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	r := *s
	r.embed = !s.embed
	return []*tensor.Tensor{tensor.Apply(&r, g)}
}
