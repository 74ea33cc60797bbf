package nn

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// The activations of torch.nn as modules, beside ReLU, Sigmoid and Tanh
// (module.go), GELU (transformer.go), Softmax and LogSoftmax (extra.go). Those
// with arguments are structs of PyTorch's argument names; a New function gives
// PyTorch's defaults where the zero value would not (NewLeakyReLU is slope
// 0.01, not 0). Each prints as PyTorch prints it.

// noParams gives an activation without parameters its Parameters method.
type noParams struct{}

// Parameters returns nil: the activation has none.
func (noParams) Parameters() []*tensor.Tensor { return nil }

// pyFloat prints v as Python's repr of a float: 1.0, 0.01, 1e-05.
func pyFloat(v float64) string {
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return strings.ToLower(strings.TrimPrefix(s, "+"))
	}
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// ReLU6 is min(max(x, 0), 6) elementwise (torch.nn.ReLU6): Tensor.Relu6.
type ReLU6 struct{ noParams }

// Forward returns x.Relu6().
func (ReLU6) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Relu6() }

// String returns "ReLU6()".
func (ReLU6) String() string { return "ReLU6()" }

// LeakyReLU is x where x > 0 and NegativeSlope·x elsewhere
// (torch.nn.LeakyReLU): Tensor.LeakyRelu.
type LeakyReLU struct {
	noParams
	NegativeSlope float64
}

// NewLeakyReLU returns a LeakyReLU with PyTorch's default slope 0.01.
func NewLeakyReLU() LeakyReLU { return LeakyReLU{NegativeSlope: 0.01} }

// Forward returns x.LeakyRelu(NegativeSlope).
func (l LeakyReLU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.LeakyRelu(l.NegativeSlope) }

// String returns "LeakyReLU(negative_slope=0.01)".
func (l LeakyReLU) String() string {
	return "LeakyReLU(negative_slope=" + pyFloat(l.NegativeSlope) + ")"
}

// ELU is x where x > 0 and Alpha·(e^x - 1) elsewhere (torch.nn.ELU):
// Tensor.Elu.
type ELU struct {
	noParams
	Alpha float64
}

// NewELU returns an ELU with PyTorch's default alpha 1.
func NewELU() ELU { return ELU{Alpha: 1} }

// Forward returns x.Elu(Alpha).
func (e ELU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Elu(e.Alpha) }

// String returns "ELU(alpha=1.0)".
func (e ELU) String() string { return "ELU(alpha=" + pyFloat(e.Alpha) + ")" }

// CELU is x where x > 0 and Alpha·(e^(x/Alpha) - 1) elsewhere (torch.nn.CELU):
// Tensor.Celu.
type CELU struct {
	noParams
	Alpha float64
}

// NewCELU returns a CELU with PyTorch's default alpha 1.
func NewCELU() CELU { return CELU{Alpha: 1} }

// Forward returns x.Celu(Alpha).
func (c CELU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Celu(c.Alpha) }

// String returns "CELU(alpha=1.0)".
func (c CELU) String() string { return "CELU(alpha=" + pyFloat(c.Alpha) + ")" }

// SELU is ELU scaled by SELU's fixed constants (torch.nn.SELU): Tensor.Selu.
type SELU struct{ noParams }

// Forward returns x.Selu().
func (SELU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Selu() }

// String returns "SELU()".
func (SELU) String() string { return "SELU()" }

// SiLU is x·σ(x) (torch.nn.SiLU): Tensor.Silu.
type SiLU struct{ noParams }

// Forward returns x.Silu().
func (SiLU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Silu() }

// String returns "SiLU()".
func (SiLU) String() string { return "SiLU()" }

// Mish is x·tanh(softplus(x)) (torch.nn.Mish): Tensor.Mish.
type Mish struct{ noParams }

// Forward returns x.Mish().
func (Mish) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Mish() }

// String returns "Mish()".
func (Mish) String() string { return "Mish()" }

// Softplus is log(1 + e^(Beta·x))/Beta, and x where Beta·x > Threshold
// (torch.nn.Softplus): Tensor.Softplus.
type Softplus struct {
	noParams
	Beta, Threshold float64
}

// NewSoftplus returns a Softplus with PyTorch's defaults, beta 1 and threshold
// 20.
func NewSoftplus() Softplus { return Softplus{Beta: 1, Threshold: 20} }

// Forward returns x.Softplus(Beta, Threshold).
func (s Softplus) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Softplus(s.Beta, s.Threshold) }

// String returns "Softplus(beta=1, threshold=20)" (PyTorch prints the
// arguments as given; its defaults are ints).
func (s Softplus) String() string {
	return fmt.Sprintf("Softplus(beta=%v, threshold=%v)", s.Beta, s.Threshold)
}

// Hardtanh is x limited to [MinVal, MaxVal] (torch.nn.Hardtanh):
// Tensor.Hardtanh.
type Hardtanh struct {
	noParams
	MinVal, MaxVal float64
}

// NewHardtanh returns a Hardtanh with PyTorch's defaults, -1 and 1.
func NewHardtanh() Hardtanh { return Hardtanh{MinVal: -1, MaxVal: 1} }

// Forward returns x.Hardtanh(MinVal, MaxVal).
func (h Hardtanh) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Hardtanh(h.MinVal, h.MaxVal) }

// String returns "Hardtanh(min_val=-1.0, max_val=1.0)".
func (h Hardtanh) String() string {
	return "Hardtanh(min_val=" + pyFloat(h.MinVal) + ", max_val=" + pyFloat(h.MaxVal) + ")"
}

// Hardsigmoid is min(max(x/6 + 1/2, 0), 1) (torch.nn.Hardsigmoid):
// Tensor.Hardsigmoid.
type Hardsigmoid struct{ noParams }

// Forward returns x.Hardsigmoid().
func (Hardsigmoid) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Hardsigmoid() }

// String returns "Hardsigmoid()".
func (Hardsigmoid) String() string { return "Hardsigmoid()" }

// Hardswish is x·Hardsigmoid(x) (torch.nn.Hardswish): Tensor.Hardswish.
type Hardswish struct{ noParams }

// Forward returns x.Hardswish().
func (Hardswish) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Hardswish() }

// String returns "Hardswish()".
func (Hardswish) String() string { return "Hardswish()" }

// LogSigmoid is log σ(x) (torch.nn.LogSigmoid): Tensor.LogSigmoid.
type LogSigmoid struct{ noParams }

// Forward returns x.LogSigmoid().
func (LogSigmoid) Forward(x *tensor.Tensor) *tensor.Tensor { return x.LogSigmoid() }

// String returns "LogSigmoid()".
func (LogSigmoid) String() string { return "LogSigmoid()" }

// Softsign is x / (1 + |x|) (torch.nn.Softsign): Tensor.Softsign.
type Softsign struct{ noParams }

// Forward returns x.Softsign().
func (Softsign) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Softsign() }

// String returns "Softsign()".
func (Softsign) String() string { return "Softsign()" }

// Tanhshrink is x - tanh(x) (torch.nn.Tanhshrink): Tensor.Tanhshrink.
type Tanhshrink struct{ noParams }

// Forward returns x.Tanhshrink().
func (Tanhshrink) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Tanhshrink() }

// String returns "Tanhshrink()".
func (Tanhshrink) String() string { return "Tanhshrink()" }

// Threshold is x where x > Threshold and Value elsewhere (torch.nn.Threshold):
// functional.Threshold.
type Threshold struct {
	noParams
	Threshold, Value float64
}

// Forward returns functional.Threshold(x, Threshold, Value).
func (t Threshold) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.Threshold(x, t.Threshold, t.Value)
}

// String returns "Threshold(threshold=0.1, value=20.0)".
func (t Threshold) String() string {
	return "Threshold(threshold=" + pyFloat(t.Threshold) + ", value=" + pyFloat(t.Value) + ")"
}

// Hardshrink is x where |x| > Lambd and 0 elsewhere (torch.nn.Hardshrink):
// functional.Hardshrink.
type Hardshrink struct {
	noParams
	Lambd float64
}

// NewHardshrink returns a Hardshrink with PyTorch's default lambda 0.5.
func NewHardshrink() Hardshrink { return Hardshrink{Lambd: 0.5} }

// Forward returns functional.Hardshrink(x, Lambd).
func (h Hardshrink) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.Hardshrink(x, h.Lambd)
}

// String returns "Hardshrink(0.5)".
func (h Hardshrink) String() string { return "Hardshrink(" + pyFloat(h.Lambd) + ")" }

// Softshrink is x ∓ Lambd where |x| > Lambd and 0 elsewhere
// (torch.nn.Softshrink): functional.Softshrink.
type Softshrink struct {
	noParams
	Lambd float64
}

// NewSoftshrink returns a Softshrink with PyTorch's default lambda 0.5.
func NewSoftshrink() Softshrink { return Softshrink{Lambd: 0.5} }

// Forward returns functional.Softshrink(x, Lambd).
func (s Softshrink) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.Softshrink(x, s.Lambd)
}

// String returns "Softshrink(0.5)".
func (s Softshrink) String() string { return "Softshrink(" + pyFloat(s.Lambd) + ")" }

// Softmin is the softmax of -x along Dim (torch.nn.Softmin): functional.Softmin.
type Softmin struct {
	noParams
	Dim int
}

// Forward returns functional.Softmin(x, Dim).
func (s Softmin) Forward(x *tensor.Tensor) *tensor.Tensor { return functional.Softmin(x, s.Dim) }

// String returns "Softmin(dim=1)".
func (s Softmin) String() string { return fmt.Sprintf("Softmin(dim=%d)", s.Dim) }

// PReLU is x where x > 0 and a·x elsewhere with a learned slope a
// (torch.nn.PReLU): functional.PRelu. Weight holds NumParameters slopes: one
// shared, or one per channel (dim 1 of the input).
type PReLU struct {
	NumParameters int
	Weight        *tensor.Tensor
}

// NewPReLU returns a PReLU of num slopes, each init (PyTorch's defaults are 1
// and 0.25), float32 unless WithDType says otherwise. It panics if num < 1.
func NewPReLU(num int, init float64, opts ...Option) *PReLU {
	if num < 1 {
		fail("NewPReLU", "num_parameters must be positive, got %d", num)
	}
	c := newConfig(opts)
	return &PReLU{NumParameters: num, Weight: c.dtype.Full(init, num).SetRequiresGrad(true)}
}

// Forward returns functional.PRelu(x, Weight).
func (p *PReLU) Forward(x *tensor.Tensor) *tensor.Tensor { return functional.PRelu(x, p.Weight) }

// Parameters returns the weight.
func (p *PReLU) Parameters() []*tensor.Tensor { return []*tensor.Tensor{p.Weight} }

// NamedParameters returns "weight".
func (p *PReLU) NamedParameters() []NamedParameter { return namedWeightBias(p.Weight, nil) }

// String returns "PReLU(num_parameters=1)".
func (p *PReLU) String() string { return fmt.Sprintf("PReLU(num_parameters=%d)", p.NumParameters) }

// GLU is the gated linear unit a·σ(b), a and b the halves of the input along
// Dim (torch.nn.GLU): functional.GLU.
type GLU struct {
	noParams
	Dim int
}

// NewGLU returns a GLU over the last dim, PyTorch's default.
func NewGLU() GLU { return GLU{Dim: -1} }

// Forward returns functional.GLU(x, Dim).
func (g GLU) Forward(x *tensor.Tensor) *tensor.Tensor { return functional.GLU(x, g.Dim) }

// String returns "GLU(dim=-1)".
func (g GLU) String() string { return fmt.Sprintf("GLU(dim=%d)", g.Dim) }

// Softmax2d is the softmax over the channels of each spatial position of an
// input (N, C, H, W) or (C, H, W) (torch.nn.Softmax2d).
type Softmax2d struct{ noParams }

// Forward returns x.Softmax(-3). It panics unless x has 3 or 4 dims.
func (Softmax2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if x.Dim() != 3 && x.Dim() != 4 {
		fail("Softmax2d", "Softmax2d: expected input to be 3D or 4D, got %dD instead", x.Dim())
	}
	return x.Softmax(-3)
}

// String returns "Softmax2d()".
func (Softmax2d) String() string { return "Softmax2d()" }

// RReLU is the randomized leaky ReLU (torch.nn.RReLU): functional.RRelu, with
// random slopes from U(Lower, Upper) drawn from Generator (nil:
// tensor.DefaultGenerator()) in training mode and the slope (Lower+Upper)/2 in
// evaluation mode.
type RReLU struct {
	Lower, Upper float64
	Generator    *tensor.Generator
	eval         bool
}

// NewRReLU returns an RReLU with PyTorch's defaults, lower 1/8 and upper 1/3.
func NewRReLU() *RReLU { return &RReLU{Lower: 1.0 / 8, Upper: 1.0 / 3} }

// Forward returns functional.RRelu(x, Lower, Upper, training, Generator).
func (r *RReLU) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.RRelu(x, r.Lower, r.Upper, !r.eval, r.Generator)
}

// Parameters returns nil: RReLU has none.
func (*RReLU) Parameters() []*tensor.Tensor { return nil }

// SetTraining sets training (true) or evaluation mode.
func (r *RReLU) SetTraining(on bool) { r.eval = !on }

// Training reports whether r is in training mode.
func (r *RReLU) Training() bool { return !r.eval }

// String returns "RReLU(lower=0.125, upper=0.3333333333333333)".
func (r *RReLU) String() string {
	return "RReLU(lower=" + pyFloat(r.Lower) + ", upper=" + pyFloat(r.Upper) + ")"
}
