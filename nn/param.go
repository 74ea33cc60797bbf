package nn

import (
	"math"

	"github.com/gograd/gograd/tensor"
)

// WeightNormLinear is a Linear layer whose weight is reparametrized as
// G·V/‖V‖, the norm taken over every dim but Dim: what
// torch.nn.utils.weight_norm(linear, dim=Dim) makes of a Linear. G (PyTorch's
// weight_g) and V (weight_v) are the parameters in place of the weight. Make one
// with WeightNorm.
type WeightNormLinear struct {
	InFeatures, OutFeatures int
	// Dim is the dim of V kept by the norm: 0 (one norm per output row, G of
	// shape (out, 1)), 1 (one per input column, G (1, in)), or -1, PyTorch's
	// dim=None (one norm of the whole of V, G 0-d).
	Dim  int
	G, V *tensor.Tensor
	Bias *tensor.Tensor
}

// WeightNorm returns l with its weight reparametrized (see WeightNormLinear),
// starting from G = ‖W‖ and V = W, so that it computes what l computes. The new
// layer keeps l's bias; G and V are new leaves that require grad. It panics if
// dim is not 0, 1 or -1.
func WeightNorm(l *Linear, dim int) *WeightNormLinear {
	if dim != 0 && dim != 1 && dim != -1 {
		fail("WeightNorm", "dim %d is not 0, 1 or -1 (the whole weight) for a weight of shape %v", dim, l.Weight.Shape())
	}
	var g, v *tensor.Tensor
	tensor.NoGrad(func() {
		v = l.Weight.Detach().Clone()
		g = normExceptDim(v, dim).Clone()
	})
	return &WeightNormLinear{InFeatures: l.InFeatures, OutFeatures: l.OutFeatures, Dim: dim,
		G: g.SetRequiresGrad(true), V: v.SetRequiresGrad(true), Bias: l.Bias}
}

// normExceptDim returns the 2-norm of the matrix v over every dim but dim,
// keeping dims (over all of v, 0-d, for dim -1): torch's norm_except_dim.
func normExceptDim(v *tensor.Tensor, dim int) *tensor.Tensor {
	sq := v.Pow(2)
	switch dim {
	case 0:
		return sq.SumKeepDim(1).Sqrt()
	case 1:
		return sq.SumKeepDim(0).Sqrt()
	}
	return sq.Sum().Sqrt()
}

// Weight returns the weight the layer computes with, G·V/‖V‖, recorded in the
// graph: WeightNormInterfaceBackward0 for Dim 0 and 1, as torch's fused kernel,
// MulBackward0 for the whole-tensor norm.
func (w *WeightNormLinear) Weight() *tensor.Tensor {
	if w.Dim == -1 {
		return w.V.Mul(w.G.Div(normExceptDim(w.V, -1)))
	}
	return tensor.Apply(&weightNorm{dim: w.Dim}, w.V, w.G)
}

// Forward returns x·Weight()ᵀ + Bias, as Linear.Forward does.
func (w *WeightNormLinear) Forward(x *tensor.Tensor) *tensor.Tensor {
	return (&Linear{InFeatures: w.InFeatures, OutFeatures: w.OutFeatures, Weight: w.Weight(), Bias: w.Bias}).Forward(x)
}

// Parameters returns the bias if there is one, then G and V: the order of
// PyTorch's parameters() after weight_norm.
func (w *WeightNormLinear) Parameters() []*tensor.Tensor { return tensors(w.NamedParameters()) }

// NamedParameters returns "bias" if there is one, "weight_g" and "weight_v".
func (w *WeightNormLinear) NamedParameters() []NamedParameter {
	return append(biasParameter(w.Bias), NamedParameter{"weight_g", w.G}, NamedParameter{"weight_v", w.V})
}

// String returns the layer as PyTorch prints a Linear.
func (w *WeightNormLinear) String() string {
	return (&Linear{InFeatures: w.InFeatures, OutFeatures: w.OutFeatures, Bias: w.Bias}).String()
}

func biasParameter(b *tensor.Tensor) []NamedParameter {
	if b == nil {
		return nil
	}
	return []NamedParameter{{"bias", b}}
}

func tensors(named []NamedParameter) []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(named))
	for i, p := range named {
		out[i] = p.Tensor
	}
	return out
}

// weightNorm is torch's _weight_norm_interface for a matrix: w = v·(g/n) with
// n = normExceptDim(v, dim), as one node so that it has torch's grad_fn name.
// Inputs: v, g.
type weightNorm struct{ dim int }

func (*weightNorm) Name() string { return "WeightNormInterfaceBackward0" }

func (f *weightNorm) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	v, g := in[0], in[1]
	ctx.SaveForBackward(v, g)
	return v.Mul(g.Div(normExceptDim(v, f.dim)))
}

// With n = ‖v‖ over the other dim and s = Σ(grad·v) over it:
// dg: s / n
// dv: (g/n)·(grad − v·s/n²)
func (f *weightNorm) Backward(ctx *tensor.Context, grad *tensor.Tensor) []*tensor.Tensor {
	saved := ctx.Saved()
	v, g := saved[0], saved[1]
	n := normExceptDim(v, f.dim)
	other := 1 - f.dim
	s := grad.Mul(v).SumKeepDim(other)
	out := make([]*tensor.Tensor, 2)
	if ctx.NeedsInputGrad(0) {
		out[0] = g.Div(n).Mul(grad.Sub(v.Mul(s.Div(n.Pow(2)))))
	}
	if ctx.NeedsInputGrad(1) {
		out[1] = s.Div(n)
	}
	return out
}

// SpectralNormOptions configures SpectralNorm; the zero value is PyTorch's
// default.
type SpectralNormOptions struct {
	// NPowerIterations is the number of power iterations each Forward runs in
	// training mode, 1 if 0.
	NPowerIterations int
	// Eps keeps the normalisation of u and v from dividing by zero, 1e-12 if 0.
	Eps float64
	// Generator is what the start vectors are drawn from (N(0, 1)),
	// tensor.DefaultGenerator() if nil.
	Generator *tensor.Generator
	// U0 (out_features) and V0 (in_features), if set, are the start vectors
	// instead of drawn ones, before normalisation: to start where a PyTorch
	// run started.
	U0, V0 *tensor.Tensor
}

// SpectralNormLinear is a Linear layer whose weight is divided by its largest
// singular value σ, estimated by power iteration: what
// torch.nn.utils.parametrizations.spectral_norm(linear) makes of a Linear.
// Original (PyTorch's parametrizations.weight.original) is the parameter in
// place of the weight; U and V are the power iteration's vectors (the buffers
// _u and _v), which each Forward in training mode updates (nn.Eval stops
// that). Make one with SpectralNorm. A SpectralNormLinear in training mode must not run Forward
// from several goroutines at once.
type SpectralNormLinear struct {
	InFeatures, OutFeatures int
	Original                *tensor.Tensor
	Bias                    *tensor.Tensor
	U, V                    *tensor.Tensor
	NPowerIterations        int
	Eps                     float64
	eval                    bool
}

// SpectralNorm returns l with its weight reparametrized (see
// SpectralNormLinear): it draws the start vectors u and v (or takes opts.U0
// and opts.V0), normalises them and runs 15 power iterations, as PyTorch does
// when it registers the parametrization. The new layer keeps l's bias; Original
// is a new leaf holding l's weight. It panics if NPowerIterations is negative
// or U0, V0 have the wrong shape.
func SpectralNorm(l *Linear, opts SpectralNormOptions) *SpectralNormLinear {
	if opts.NPowerIterations < 0 {
		fail("SpectralNorm", "Expected n_power_iterations to be positive, but got n_power_iterations=%d", opts.NPowerIterations)
	}
	if opts.NPowerIterations == 0 {
		opts.NPowerIterations = 1
	}
	if opts.Eps == 0 {
		opts.Eps = 1e-12
	}
	if opts.Generator == nil {
		opts.Generator = tensor.DefaultGenerator()
	}
	dt := l.Weight.DType()
	h, w := l.Weight.Size(0), l.Weight.Size(1)
	u, v := opts.U0, opts.V0
	if u == nil {
		u = opts.Generator.Normal(dt.Zeros(h), 0, 1)
	}
	if v == nil {
		v = opts.Generator.Normal(dt.Zeros(w), 0, 1)
	}
	if u.Dim() != 1 || u.Size(0) != h || v.Dim() != 1 || v.Size(0) != w {
		fail("SpectralNorm", "start vectors of shapes %v and %v do not fit a weight of shape %v", u.Shape(), v.Shape(), l.Weight.Shape())
	}
	s := &SpectralNormLinear{InFeatures: l.InFeatures, OutFeatures: l.OutFeatures, Bias: l.Bias,
		NPowerIterations: opts.NPowerIterations, Eps: opts.Eps}
	tensor.NoGrad(func() {
		s.Original = l.Weight.Detach().Clone().SetRequiresGrad(true)
		s.U = normalize(u.Detach().To(dt).Values(), opts.Eps, dt)
		s.V = normalize(v.Detach().To(dt).Values(), opts.Eps, dt)
	})
	// PyTorch runs 15 iterations when it makes the parametrization, then
	// NPowerIterations more when register_parametrization checks the weight it
	// gives.
	s.powerMethod(15 + s.NPowerIterations)
	return s
}

// normalize returns x/max(‖x‖, eps) as a new vector of dtype dt: F.normalize.
func normalize(x []float64, eps float64, dt tensor.DType) *tensor.Tensor {
	n := 0.0
	for _, v := range x {
		n += v * v
	}
	n = max(math.Sqrt(n), eps)
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = v / n
	}
	return tensor.New(out).To(dt)
}

// powerMethod runs n power iterations on U and V with the current weight, as
// torch's _power_method: u = normalize(W v), then v = normalize(Wᵀ u). The sums
// run in float64; U and V are rounded to the weight's dtype after each step.
func (s *SpectralNormLinear) powerMethod(n int) {
	dt := s.Original.DType()
	w := s.Original.Contiguous().Values()
	h, wd := s.Original.Size(0), s.Original.Size(1)
	u, v := s.U.Contiguous().Values(), s.V.Contiguous().Values()
	for range n {
		u = normalize(mv(u, w, v, h, wd, false), s.Eps, dt).Values()
		v = normalize(mv(v, w, u, h, wd, true), s.Eps, dt).Values()
	}
	tensor.NoGrad(func() {
		s.U.Copy_(tensor.New(u))
		s.V.Copy_(tensor.New(v))
	})
}

// mv sets dst to w·x, or with transpose to wᵀ·x, for w of rows×cols, and
// returns it.
func mv(dst, w, x []float64, rows, cols int, transpose bool) []float64 {
	clear(dst)
	for i := range rows {
		for j := range cols {
			if transpose {
				dst[j] += w[i*cols+j] * x[i]
			} else {
				dst[i] += w[i*cols+j] * x[j]
			}
		}
	}
	return dst
}

// SetTraining sets training mode (on) or evaluation mode (off), in which
// Forward does not update U and V; nn.Train and nn.Eval set it for a whole
// model. Layers start in training mode.
func (s *SpectralNormLinear) SetTraining(on bool) { s.eval = !on }

// Training reports whether the layer is in training mode.
func (s *SpectralNormLinear) Training() bool { return !s.eval }

// NamedBuffers returns U and V under PyTorch's state_dict names,
// "parametrizations.weight.0._u" and "parametrizations.weight.0._v", so that
// nn.StateDict and nn.LoadStateDict carry them as PyTorch does.
func (s *SpectralNormLinear) NamedBuffers() []NamedParameter {
	return []NamedParameter{{"parametrizations.weight.0._u", s.U}, {"parametrizations.weight.0._v", s.V}}
}

// Weight returns Original/σ with σ = uᵀ·Original·v, recorded in the graph
// (DivBackward0) with u and v as constants. In training mode it first runs
// NPowerIterations power iterations, updating U and V, as reading a
// parametrized weight does in PyTorch.
func (s *SpectralNormLinear) Weight() *tensor.Tensor {
	if !s.eval {
		s.powerMethod(s.NPowerIterations)
	}
	uv := s.U.Unsqueeze(1).Mul(s.V.Unsqueeze(0)) // uvᵀ: σ = Σ W∘uvᵀ
	return s.Original.Div(s.Original.Mul(uv).Sum())
}

// Forward returns x·Weight()ᵀ + Bias, as Linear.Forward does.
func (s *SpectralNormLinear) Forward(x *tensor.Tensor) *tensor.Tensor {
	return (&Linear{InFeatures: s.InFeatures, OutFeatures: s.OutFeatures, Weight: s.Weight(), Bias: s.Bias}).Forward(x)
}

// Parameters returns the bias if there is one, then Original: the order of
// PyTorch's parameters() after spectral_norm.
func (s *SpectralNormLinear) Parameters() []*tensor.Tensor { return tensors(s.NamedParameters()) }

// NamedParameters returns "bias" if there is one, then
// "parametrizations.weight.original", PyTorch's names.
func (s *SpectralNormLinear) NamedParameters() []NamedParameter {
	return append(biasParameter(s.Bias), NamedParameter{"parametrizations.weight.original", s.Original})
}

// String returns the layer as PyTorch prints a Linear.
func (s *SpectralNormLinear) String() string {
	return (&Linear{InFeatures: s.InFeatures, OutFeatures: s.OutFeatures, Bias: s.Bias}).String()
}
