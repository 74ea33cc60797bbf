package nn

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"unsafe"

	"github.com/gograd/gograd/tensor"
)

// WeightNormed is a module whose parameter Name is reparametrized as
// G·V/‖V‖, the norm taken over every dim but Dim: what
// torch.nn.utils.weight_norm(module, name, dim) makes of a module. G
// (PyTorch's <name>_g) and V (<name>_v) are the parameters in place of the
// original one. Module is the wrapped module itself: each Forward first puts
// the weight computed from G and V where the module keeps the parameter (as
// PyTorch's forward pre-hook sets module.weight), then runs the module. Make
// one with WeightNorm. A WeightNormed must not run Forward from several
// goroutines at once.
type WeightNormed[M Module] struct {
	Module M
	Name   string
	// Dim is the dim of V kept by the norm (G has V's shape with every other
	// dim of size 1), or -1, PyTorch's dim=None: one norm of the whole of V,
	// G 0-d.
	Dim  int
	G, V *tensor.Tensor
	slot **tensor.Tensor // where Module holds the parameter
}

// WeightNorm returns m with its parameter name reparametrized (see
// WeightNormed), starting from G = ‖W‖ and V = W, so that it computes what m
// computes; G and V are new leaves that require grad, and m's field now holds
// the weight computed from them. dim follows PyTorch: the dim kept (negative
// dims count from the end), -1 meaning the whole tensor. name is a parameter
// m holds itself ("weight", an RNN's "weight_hh_l0"), in a field of m (or of
// a struct embedded in it, or in an array or slice field). It panics if m has
// no such parameter or dim is out of range.
func WeightNorm[M Module](m M, name string, dim int) *WeightNormed[M] {
	const op = "WeightNorm"
	slot, p := paramSlot(op, m, name)
	if dim < -1 {
		dim += p.Dim()
	}
	if dim < -1 || dim >= p.Dim() {
		fail(op, "dim %d is out of range for parameter %q of shape %v (-1 is the whole tensor)", dim, name, p.Shape())
	}
	w := &WeightNormed[M]{Module: m, Name: name, Dim: dim, slot: slot}
	tensor.NoGrad(func() {
		w.V = p.Detach().Clone()
		w.G = normExceptDim(w.V, dim).Clone()
	})
	w.G.SetRequiresGrad(true)
	w.V.SetRequiresGrad(true)
	w.SetWeight()
	return w
}

// normExceptDim returns the 2-norm of v over every dim but dim, keeping dims
// (over all of v, 0-d, for dim -1): torch's norm_except_dim.
func normExceptDim(v *tensor.Tensor, dim int) *tensor.Tensor {
	if dim == -1 {
		return v.Pow(2).Sum().Sqrt()
	}
	if v.Dim() == 1 {
		return v.Abs()
	}
	return v.Pow(2).SumKeepDim(otherDims(v, dim)...).Sqrt()
}

// otherDims returns v's dims but dim.
func otherDims(v *tensor.Tensor, dim int) []int {
	var dims []int
	for d := range v.Dim() {
		if d != dim {
			dims = append(dims, d)
		}
	}
	return dims
}

// Weight returns the weight G·V/‖V‖, recorded in the graph:
// WeightNormInterfaceBackward0 when Dim is V's first or last dim, as torch's
// fused kernel, MulBackward0 otherwise (and for the whole-tensor norm), as
// torch's _weight_norm.
func (w *WeightNormed[M]) Weight() *tensor.Tensor {
	if w.Dim == 0 || w.Dim != -1 && w.Dim == w.V.Dim()-1 {
		return tensor.Apply(&weightNorm{dim: w.Dim}, w.V, w.G)
	}
	return w.V.Mul(w.G.Div(normExceptDim(w.V, w.Dim)))
}

// SetWeight computes Weight and puts it where Module keeps the parameter, as
// PyTorch's forward pre-hook does. Forward calls it; call it before running
// Module some other way (an RNN's ForwardState).
func (w *WeightNormed[M]) SetWeight() { *w.slot = w.Weight() }

// Forward sets the weight and returns Module.Forward(x).
func (w *WeightNormed[M]) Forward(x *tensor.Tensor) *tensor.Tensor {
	w.SetWeight()
	return w.Module.Forward(x)
}

// Parameters returns the tensors of NamedParameters.
func (w *WeightNormed[M]) Parameters() []*tensor.Tensor { return tensors(w.NamedParameters()) }

// NamedParameters returns Module's parameters without Name, with
// "<name>_g" and "<name>_v" after the module's own ones: the order of
// PyTorch's named_parameters() after weight_norm.
func (w *WeightNormed[M]) NamedParameters() []NamedParameter {
	return replaceParameter(NamedParameters(w.Module), w.Name, false,
		NamedParameter{w.Name + "_g", w.G}, NamedParameter{w.Name + "_v", w.V})
}

// NamedBuffers returns Module's buffers.
func (w *WeightNormed[M]) NamedBuffers() []NamedParameter { return NamedBuffers(w.Module) }

// SetTraining sets Module's mode (see Train and Eval).
func (w *WeightNormed[M]) SetTraining(on bool) { setTraining(w.Module, on) }

// Training reports whether Module is in training mode (true if it has no
// mode).
func (w *WeightNormed[M]) Training() bool { return training(w.Module) }

// String returns Module as Format prints it: weight_norm does not change how
// PyTorch prints a module.
func (w *WeightNormed[M]) String() string { return Format(w.Module) }

// replaceParameter returns named without the entry name, with extra after the
// module's own parameters (the names without a dot) or, with atEnd, after
// all of them.
func replaceParameter(named []NamedParameter, name string, atEnd bool, extra ...NamedParameter) []NamedParameter {
	named = slices.DeleteFunc(named, func(p NamedParameter) bool { return p.Name == name })
	at := len(named)
	if !atEnd {
		at = 0
		for at < len(named) && !strings.Contains(named[at].Name, ".") {
			at++
		}
	}
	return slices.Insert(named, at, extra...)
}

// training reports whether m is in training mode, true if it has no mode.
func training(m Module) bool {
	if t, ok := m.(Trainable); ok {
		return t.Training()
	}
	return true
}

func tensors(named []NamedParameter) []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(named))
	for i, p := range named {
		out[i] = p.Tensor
	}
	return out
}

var tensorPtr = reflect.TypeFor[*tensor.Tensor]()

// paramSlot returns the variable in which m holds its own parameter name, and
// the parameter. m must be a pointer to a struct holding it in a field, in a
// field of a struct embedded by value, or in an array or slice field,
// exported or not (the variable is reached through reflect and unsafe, as the
// tensor is replaced there at each Forward). It panics if there is none.
func paramSlot(op string, m Module, name string) (**tensor.Tensor, *tensor.Tensor) {
	nonNilModule(op, m)
	var p *tensor.Tensor
	for _, np := range localParameters(m) {
		if np.Name == name {
			p = np.Tensor
		}
	}
	if p == nil {
		fail(op, "%s has no parameter %q of its own", typeName(m), name)
	}
	v := reflect.ValueOf(m)
	if v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct {
		if slot := findSlot(v.Elem(), p); slot != nil {
			return slot, p
		}
	}
	fail(op, "cannot find where %s keeps parameter %q: it must be a field of the struct m points to", typeName(m), name)
	return nil, nil
}

// findSlot returns the address of the *tensor.Tensor variable within v (an
// addressable value) that holds p, or nil.
func findSlot(v reflect.Value, p *tensor.Tensor) **tensor.Tensor {
	switch v.Kind() {
	case reflect.Pointer:
		if v.Type() == tensorPtr && v.Pointer() == uintptr(unsafe.Pointer(p)) {
			return (**tensor.Tensor)(unsafe.Pointer(v.UnsafeAddr()))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if s := findSlot(v.Field(i), p); s != nil {
				return s
			}
		}
	case reflect.Array, reflect.Slice:
		if !mayHoldTensor(v.Type().Elem()) {
			return nil
		}
		for i := range v.Len() {
			if s := findSlot(v.Index(i), p); s != nil {
				return s
			}
		}
	}
	return nil
}

// mayHoldTensor reports whether a value of type t may hold a *tensor.Tensor
// that findSlot reaches.
func mayHoldTensor(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer:
		return t == tensorPtr
	case reflect.Struct:
		for i := range t.NumField() {
			if mayHoldTensor(t.Field(i).Type) {
				return true
			}
		}
	case reflect.Array, reflect.Slice:
		return mayHoldTensor(t.Elem())
	}
	return false
}

// weightNorm is torch's _weight_norm_interface: w = v·(g/n) with
// n = normExceptDim(v, dim), as one node so that it has torch's grad_fn name.
// Inputs: v, g.
type weightNorm struct{ dim int }

func (*weightNorm) Name() string { return "WeightNormInterfaceBackward0" }

func (f *weightNorm) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	v, g := in[0], in[1]
	ctx.SaveForBackward(v, g)
	return v.Mul(g.Div(normExceptDim(v, f.dim)))
}

// With n = ‖v‖ over the other dims and s = Σ(grad·v) over them:
// dg: s / n
// dv: (g/n)·(grad − v·s/n²)
func (f *weightNorm) Backward(ctx *tensor.Context, grad *tensor.Tensor) []*tensor.Tensor {
	saved := ctx.Saved()
	v, g := saved[0], saved[1]
	n := normExceptDim(v, f.dim)
	s := grad.Mul(v)
	if v.Dim() > 1 {
		s = s.SumKeepDim(otherDims(v, f.dim)...)
	}
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
	// Dim is the dim of the weight whose size is the number of rows of the
	// matrix whose largest singular value is taken (the weight is permuted to
	// put it first and flattened to 2-d); negative dims count from the end.
	// PyTorch's default, 0, is right for every module here (it is 1 only for
	// ConvTranspose).
	Dim int
	// Generator is what the start vectors are drawn from (N(0, 1)),
	// tensor.DefaultGenerator() if nil.
	Generator *tensor.Generator
	// U0 (rows) and V0 (columns), if set, are the start vectors instead of
	// drawn ones, before normalisation: to start where a PyTorch run started.
	U0, V0 *tensor.Tensor
	// Legacy follows torch.nn.utils.spectral_norm, the older form, instead of
	// torch.nn.utils.parametrizations.spectral_norm: the parameter is named
	// "<name>_orig" and the buffers "<name>_u" and "<name>_v"; no power
	// iteration runs when it is made; each iteration updates v before u; and a
	// 1-d parameter is a one-column matrix, not normalised.
	Legacy bool
}

// SpectralNormed is a module whose parameter Name is divided by its largest
// singular value σ, estimated by power iteration: what
// torch.nn.utils.parametrizations.spectral_norm(module, name) makes of a
// module. Original (PyTorch's parametrizations.<name>.original) is the
// parameter in place of the weight; U and V are the power iteration's
// vectors (the buffers _u and _v), which each Forward in training mode
// updates (nn.Eval stops that). A 1-d parameter is normalised instead
// (W/max(‖W‖, Eps)), with no U and V, as in PyTorch. Module is the wrapped
// module, into which each Forward puts the weight. Make one with
// SpectralNorm. A SpectralNormed must not run Forward from several goroutines
// at once.
type SpectralNormed[M Module] struct {
	Module           M
	Name             string
	Dim              int
	Original         *tensor.Tensor
	U, V             *tensor.Tensor
	NPowerIterations int
	Eps              float64
	// Legacy is SpectralNormOptions.Legacy.
	Legacy bool
	eval   bool
	slot   **tensor.Tensor
}

// SpectralNorm returns m with its parameter name reparametrized (see
// SpectralNormed): it draws the start vectors u and v (or takes opts.U0 and
// opts.V0), normalises them and runs 15 power iterations, as PyTorch does when
// it registers the parametrization (none with Legacy, whose first Forward
// starts them). Original is a new leaf holding the
// parameter's value. It panics if m has no parameter name of its own (see
// WeightNorm), NPowerIterations is negative, Dim is out of range, or U0, V0
// have the wrong shape.
func SpectralNorm[M Module](m M, name string, opts SpectralNormOptions) *SpectralNormed[M] {
	const op = "SpectralNorm"
	slot, p := paramSlot(op, m, name)
	if opts.NPowerIterations < 0 {
		fail(op, "Expected n_power_iterations to be positive, but got n_power_iterations=%d", opts.NPowerIterations)
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
	nd, dim := p.Dim(), opts.Dim
	if dim >= nd || dim < -nd {
		fail(op, "Dimension out of range (expected to be in range of [%d, %d] but got %d)", -nd, nd-1, dim)
	}
	if dim < 0 {
		dim += nd
	}
	s := &SpectralNormed[M]{Module: m, Name: name, Dim: dim, NPowerIterations: opts.NPowerIterations,
		Eps: opts.Eps, Legacy: opts.Legacy, slot: slot}
	tensor.NoGrad(func() { s.Original = p.Detach().Clone().SetRequiresGrad(true) })
	if nd > 1 || s.Legacy {
		dt := p.DType()
		h := p.Size(dim)
		w := p.Numel() / h
		u, v := opts.U0, opts.V0
		if u == nil {
			u = opts.Generator.Normal(dt.Zeros(h), 0, 1)
		}
		if v == nil {
			v = opts.Generator.Normal(dt.Zeros(w), 0, 1)
		}
		if u.Dim() != 1 || u.Size(0) != h || v.Dim() != 1 || v.Size(0) != w {
			fail(op, "start vectors of shapes %v and %v do not fit a weight of shape %v as a %d×%d matrix", u.Shape(), v.Shape(), p.Shape(), h, w)
		}
		tensor.NoGrad(func() {
			s.U = normalize(u.Detach().To(dt).Values(), opts.Eps, dt)
			s.V = normalize(v.Detach().To(dt).Values(), opts.Eps, dt)
		})
	}
	if s.Legacy {
		*slot = s.Original.Detach() // PyTorch's setattr(module, name, weight.data)
		return s
	}
	if s.U != nil {
		// PyTorch runs 15 iterations when it makes the parametrization, then
		// NPowerIterations more when register_parametrization checks the
		// weight it gives.
		s.powerMethod(15)
	}
	s.SetWeight()
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

// matrix returns t with Dim moved first and flattened to 2-d, as PyTorch's
// _reshape_weight_to_matrix.
func (s *SpectralNormed[M]) matrix(t *tensor.Tensor) *tensor.Tensor {
	if s.Dim != 0 {
		t = t.Permute(append([]int{s.Dim}, otherDims(t, s.Dim)...)...)
	}
	if t.Dim() == 1 {
		return t.Unsqueeze(1)
	}
	return t.Reshape(t.Size(0), -1)
}

// powerMethod runs n power iterations on U and V with the current weight, as
// torch's _power_method: u = normalize(W v), then v = normalize(Wᵀ u) (with
// Legacy, v first, then u, as torch.nn.utils.spectral_norm). The sums run in
// float64; U and V are rounded to the weight's dtype after each step.
func (s *SpectralNormed[M]) powerMethod(n int) {
	dt := s.Original.DType()
	m := s.matrix(s.Original.Detach())
	w := m.Contiguous().Values()
	h, wd := m.Size(0), m.Size(1)
	u, v := s.U.Contiguous().Values(), s.V.Contiguous().Values()
	for range n {
		if s.Legacy {
			v = normalize(mv(v, w, u, h, wd, true), s.Eps, dt).Values()
		}
		u = normalize(mv(u, w, v, h, wd, false), s.Eps, dt).Values()
		if !s.Legacy {
			v = normalize(mv(v, w, u, h, wd, true), s.Eps, dt).Values()
		}
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
// Forward does not update U and V, for the layer and Module; nn.Train and
// nn.Eval set it for a whole model. Layers start in training mode.
func (s *SpectralNormed[M]) SetTraining(on bool) {
	s.eval = !on
	setTraining(s.Module, on)
}

// Training reports whether the layer is in training mode.
func (s *SpectralNormed[M]) Training() bool { return !s.eval }

// NamedBuffers returns Module's buffers, then U and V under PyTorch's
// state_dict names, "parametrizations.<name>.0._u" and "..._v" ("<name>_u"
// and "<name>_v" with Legacy), so that nn.StateDict and nn.LoadStateDict
// carry them as PyTorch does.
func (s *SpectralNormed[M]) NamedBuffers() []NamedParameter {
	out := NamedBuffers(s.Module)
	switch {
	case s.Legacy:
		out = append(out, NamedParameter{s.Name + "_u", s.U}, NamedParameter{s.Name + "_v", s.V})
	case s.U != nil:
		pre := "parametrizations." + s.Name + ".0."
		out = append(out, NamedParameter{pre + "_u", s.U}, NamedParameter{pre + "_v", s.V})
	}
	return out
}

// Weight returns Original/σ with σ = uᵀ·W·v for W the weight as a matrix
// (see SpectralNormOptions.Dim), recorded in the graph (DivBackward0) with u
// and v as constants. In training mode it first runs NPowerIterations power
// iterations, updating U and V, as reading a parametrized weight does in
// PyTorch. A 1-d Original is divided by max(‖Original‖, Eps).
func (s *SpectralNormed[M]) Weight() *tensor.Tensor {
	if s.U == nil {
		return s.Original.Div(s.Original.Pow(2).Sum().Sqrt().Clamp(s.Eps, math.Inf(1)))
	}
	if !s.eval {
		s.powerMethod(s.NPowerIterations)
	}
	uv := s.U.Unsqueeze(1).Mul(s.V.Unsqueeze(0)) // uvᵀ: σ = Σ W∘uvᵀ
	return s.Original.Div(s.matrix(s.Original).Mul(uv).Sum())
}

// SetWeight computes Weight and puts it where Module keeps the parameter, as
// reading a parametrized attribute does in PyTorch. Forward calls it; call it
// before running Module some other way.
func (s *SpectralNormed[M]) SetWeight() { *s.slot = s.Weight() }

// Forward sets the weight and returns Module.Forward(x).
func (s *SpectralNormed[M]) Forward(x *tensor.Tensor) *tensor.Tensor {
	s.SetWeight()
	return s.Module.Forward(x)
}

// Parameters returns the tensors of NamedParameters.
func (s *SpectralNormed[M]) Parameters() []*tensor.Tensor { return tensors(s.NamedParameters()) }

// NamedParameters returns Module's parameters without Name, then
// "parametrizations.<name>.original" ("<name>_orig" after the module's own
// parameters with Legacy): the order of PyTorch's named_parameters() after
// spectral_norm.
func (s *SpectralNormed[M]) NamedParameters() []NamedParameter {
	if s.Legacy {
		return replaceParameter(NamedParameters(s.Module), s.Name, false, NamedParameter{s.Name + "_orig", s.Original})
	}
	return replaceParameter(NamedParameters(s.Module), s.Name, true,
		NamedParameter{"parametrizations." + s.Name + ".original", s.Original})
}

// String returns Module as Format prints it.
func (s *SpectralNormed[M]) String() string { return Format(s.Module) }
