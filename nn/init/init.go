// Package nninit holds the initialisers of torch.nn.init: functions that fill a
// parameter in place with values from a distribution chosen for the layer it
// belongs to (Xavier/Glorot, Kaiming/He, orthogonal, truncated normal), and the
// gain and fan helpers they use.
//
// The package lives in the folder nn/init, like torch.nn.init, but is named
// nninit: Go reserves the identifier init for init functions, so no package can be
// imported under that name.
//
// Every function that draws takes a *tensor.Generator (nil means
// tensor.DefaultGenerator()), so that a seeded model starts alike on every run.
// The distributions are PyTorch's; the random streams are gograd's own. The
// functions write into the tensor without recording anything in the graph, as
// PyTorch's do under no_grad, and return it.
//
// # Panics
//
// A tensor of fewer than 2 dims given to a function that needs its fans, an unknown
// nonlinearity or mode, or a non-float tensor panics with a *tensor.Error whose
// package is "nninit".
package nninit

import (
	"math"

	"github.com/gograd/gograd/tensor"
)

func fail(op, format string, args ...any) {
	panic(tensor.Errorf("nninit", op, format, args...))
}

func gen(g *tensor.Generator) *tensor.Generator {
	if g == nil {
		return tensor.DefaultGenerator()
	}
	return g
}

func wantFloat(op string, t *tensor.Tensor) {
	if !t.DType().IsFloat() {
		fail(op, "want a float tensor, got dtype %v (shape %v)", t.DType(), t.Shape())
	}
}

// set copies vals (float64, t's element count) into t without recording it.
func set(t *tensor.Tensor, vals []float64) *tensor.Tensor {
	tensor.NoGrad(func() { t.Copy_(tensor.FromSlice(vals, t.Shape()...)) })
	return t
}

// Uniform_ fills t with values drawn uniformly from [a, b) (nn.init.uniform_).
func Uniform_(t *tensor.Tensor, a, b float64, g *tensor.Generator) *tensor.Tensor {
	wantFloat("Uniform_", t)
	return gen(g).Uniform(t, a, b)
}

// Normal_ fills t with values drawn from N(mean, std²) (nn.init.normal_).
func Normal_(t *tensor.Tensor, mean, std float64, g *tensor.Generator) *tensor.Tensor {
	wantFloat("Normal_", t)
	return gen(g).Normal(t, mean, std)
}

// Constant_ fills t with v (nn.init.constant_).
func Constant_(t *tensor.Tensor, v float64) *tensor.Tensor {
	vals := make([]float64, t.Numel())
	for i := range vals {
		vals[i] = v
	}
	return set(t, vals)
}

// Zeros_ fills t with 0 (nn.init.zeros_).
func Zeros_(t *tensor.Tensor) *tensor.Tensor { return Constant_(t, 0) }

// Ones_ fills t with 1 (nn.init.ones_).
func Ones_(t *tensor.Tensor) *tensor.Tensor { return Constant_(t, 1) }

// CalculateGain returns the recommended gain for a nonlinearity, as
// nn.init.calculate_gain: 1 for "linear", "identity", "conv1d", "conv2d", "conv3d",
// "conv_transpose1d/2d/3d" and "sigmoid"; 5/3 for "tanh"; √2 for "relu";
// √(2/(1+slope²)) for "leaky_relu", with slope the optional param (0.01 unless
// given); 3/4 for "selu". It panics on another name.
func CalculateGain(nonlinearity string, param ...float64) float64 {
	switch nonlinearity {
	case "linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid":
		return 1
	case "tanh":
		return 5.0 / 3
	case "relu":
		return math.Sqrt2
	case "leaky_relu":
		slope := 0.01
		if len(param) > 0 {
			slope = param[0]
		}
		return math.Sqrt(2 / (1 + slope*slope))
	case "selu":
		return 3.0 / 4
	}
	fail("CalculateGain", "unsupported nonlinearity %q", nonlinearity)
	return 0
}

// CalculateFanInAndFanOut returns the fans of a weight of t's shape, as PyTorch's
// _calculate_fan_in_and_fan_out: size(1) and size(0), each times the product of
// the remaining dims (a convolution's receptive field). It panics if t has fewer
// than 2 dims.
func CalculateFanInAndFanOut(t *tensor.Tensor) (fanIn, fanOut int) {
	if t.Dim() < 2 {
		fail("CalculateFanInAndFanOut", "fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape %v)", t.Shape())
	}
	rf := 1
	for _, d := range t.Shape()[2:] {
		rf *= d
	}
	return t.Size(1) * rf, t.Size(0) * rf
}

// Mode says which fan a Kaiming initialiser keeps the variance of.
type Mode uint8

// The modes of kaiming_uniform_ and kaiming_normal_.
const (
	FanIn  Mode = iota // preserve the variance of the forward pass (the default)
	FanOut             // preserve the variance of the backward pass
)

func fan(op string, t *tensor.Tensor, mode Mode) float64 {
	in, out := CalculateFanInAndFanOut(t)
	switch mode {
	case FanIn:
		return float64(in)
	case FanOut:
		return float64(out)
	}
	fail(op, "unknown mode %d", mode)
	return 0
}

// XavierUniform_ fills t from U(-a, a) with a = gain·√(6/(fan_in+fan_out))
// (nn.init.xavier_uniform_).
func XavierUniform_(t *tensor.Tensor, gain float64, g *tensor.Generator) *tensor.Tensor {
	in, out := CalculateFanInAndFanOut(t)
	a := gain * math.Sqrt(6/float64(in+out))
	return Uniform_(t, -a, a, g)
}

// XavierNormal_ fills t from N(0, std²) with std = gain·√(2/(fan_in+fan_out))
// (nn.init.xavier_normal_).
func XavierNormal_(t *tensor.Tensor, gain float64, g *tensor.Generator) *tensor.Tensor {
	in, out := CalculateFanInAndFanOut(t)
	return Normal_(t, 0, gain*math.Sqrt(2/float64(in+out)), g)
}

// kaimingStd returns gain/√fan for the leaky-ReLU slope (or other nonlinearity) a.
func kaimingStd(op string, t *tensor.Tensor, a float64, mode Mode, nonlinearity string) float64 {
	f := fan(op, t, mode)
	if f == 0 {
		return 0 // PyTorch warns and leaves a zero-element tensor alone
	}
	return CalculateGain(nonlinearity, a) / math.Sqrt(f)
}

// KaimingUniform_ fills t from U(-bound, bound) with bound = gain·√(3/fan), gain
// CalculateGain(nonlinearity, a) and fan the one mode picks
// (nn.init.kaiming_uniform_; PyTorch's defaults are a = 0, FanIn, "leaky_relu").
// PyTorch's Linear and Conv layers start from a = √5, which gives U(-1/√fan_in,
// 1/√fan_in).
func KaimingUniform_(t *tensor.Tensor, a float64, mode Mode, nonlinearity string, g *tensor.Generator) *tensor.Tensor {
	bound := math.Sqrt(3) * kaimingStd("KaimingUniform_", t, a, mode, nonlinearity)
	return Uniform_(t, -bound, bound, g)
}

// KaimingNormal_ fills t from N(0, std²) with std = gain/√fan
// (nn.init.kaiming_normal_).
func KaimingNormal_(t *tensor.Tensor, a float64, mode Mode, nonlinearity string, g *tensor.Generator) *tensor.Tensor {
	return Normal_(t, 0, kaimingStd("KaimingNormal_", t, a, mode, nonlinearity), g)
}

// TruncNormal_ fills t from N(mean, std²) truncated to [a, b], by PyTorch's
// inverse-CDF method (nn.init.trunc_normal_; PyTorch's defaults are mean 0, std 1,
// a = -2, b = 2): uniform values between the normal CDF at a and at b, mapped back
// through the inverse CDF and clamped to [a, b].
func TruncNormal_(t *tensor.Tensor, mean, std, a, b float64, g *tensor.Generator) *tensor.Tensor {
	wantFloat("TruncNormal_", t)
	cdf := func(x float64) float64 { return (1 + math.Erf(x/math.Sqrt2)) / 2 }
	l, u := cdf((a-mean)/std), cdf((b-mean)/std)
	vals := gen(g).Uniform(tensor.Float64.Zeros(t.Shape()...), 2*l-1, 2*u-1).Float64s()
	for i, v := range vals {
		vals[i] = min(max(math.Erfinv(v)*std*math.Sqrt2+mean, a), b)
	}
	return set(t, vals)
}

// Orthogonal_ fills t with a (semi-)orthogonal matrix times gain
// (nn.init.orthogonal_): t viewed as (size(0), numel/size(0)) gets orthonormal rows
// or columns, whichever are fewer, from the QR decomposition of a standard normal
// matrix with the signs of R's diagonal folded into Q, as PyTorch does. It panics
// if t has fewer than 2 dims.
func Orthogonal_(t *tensor.Tensor, gain float64, g *tensor.Generator) *tensor.Tensor {
	wantFloat("Orthogonal_", t)
	if t.Dim() < 2 {
		fail("Orthogonal_", "only tensors with 2 or more dimensions are supported, got shape %v", t.Shape())
	}
	rows := t.Size(0)
	if rows == 0 {
		return t
	}
	cols := t.Numel() / rows
	flat := gen(g).Normal(tensor.Float64.Zeros(rows, cols), 0, 1).Float64s()
	// Work on an n×m matrix with n >= m whose columns become orthonormal.
	n, m := rows, cols
	at := func(i, j int) int { return i*cols + j }
	if rows < cols {
		n, m = cols, rows
		at = func(i, j int) int { return j*cols + i } // the transpose
	}
	q := make([]float64, n*m) // column-major: column j is q[j*n:(j+1)*n]
	for j := range m {
		for i := range n {
			q[j*n+i] = flat[at(i, j)]
		}
	}
	// Modified Gram-Schmidt: column j of Q is column j of A minus its projections
	// on the earlier columns, normalised; R's diagonal is the norm before
	// normalising, positive, so the sign correction of PyTorch (Q·sign(diag R)) is
	// already applied.
	for j := range m {
		cj := q[j*n : (j+1)*n]
		for k := range j {
			ck := q[k*n : (k+1)*n]
			var dot float64
			for i := range n {
				dot += ck[i] * cj[i]
			}
			for i := range n {
				cj[i] -= dot * ck[i]
			}
		}
		var norm float64
		for _, v := range cj {
			norm += v * v
		}
		norm = math.Sqrt(norm)
		for i := range cj {
			cj[i] /= norm
		}
	}
	for j := range m {
		for i := range n {
			flat[at(i, j)] = gain * q[j*n+i]
		}
	}
	return set(t, flat)
}
