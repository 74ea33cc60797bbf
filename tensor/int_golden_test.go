package tensor_test

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// intOps are the ops of testdata/int_golden.json (gen_int_golden.py), by the
// case's "op": the Go method, with the parameters PyTorch's call passes.
var intOps = map[string]func(a []*Tensor) []*Tensor{}

func init() {
	one := func(f func(x *Tensor) *Tensor) func(a []*Tensor) []*Tensor {
		return func(a []*Tensor) []*Tensor { return []*Tensor{f(a[0])} }
	}
	two := func(f func(x *Tensor) (*Tensor, *Tensor)) func(a []*Tensor) []*Tensor {
		return func(a []*Tensor) []*Tensor { v, i := f(a[0]); return []*Tensor{v, i} }
	}
	bin := func(f func(x, y *Tensor) *Tensor) func(a []*Tensor) []*Tensor {
		return func(a []*Tensor) []*Tensor { return []*Tensor{f(a[0], a[1])} }
	}
	inf := math.Inf(1)
	for name, f := range map[string]func(x *Tensor) *Tensor{
		"Abs": (*Tensor).Abs, "Neg": (*Tensor).Neg, "Sign": (*Tensor).Sign, "Square": (*Tensor).Square,
		"Floor": (*Tensor).Floor, "Ceil": (*Tensor).Ceil, "Round": (*Tensor).Round, "Trunc": (*Tensor).Trunc,
		"Frac": (*Tensor).Frac, "Relu": (*Tensor).Relu, "Relu6": (*Tensor).Relu6, "Exp": (*Tensor).Exp,
		"Log": (*Tensor).Log, "Sqrt": (*Tensor).Sqrt, "Rsqrt": (*Tensor).Rsqrt, "Sin": (*Tensor).Sin,
		"Cos": (*Tensor).Cos, "Tan": (*Tensor).Tan, "Tanh": (*Tensor).Tanh, "Sigmoid": (*Tensor).Sigmoid,
		"Expm1": (*Tensor).Expm1, "Log1p": (*Tensor).Log1p, "Log2": (*Tensor).Log2, "Log10": (*Tensor).Log10,
		"Asin": (*Tensor).Asin, "Acos": (*Tensor).Acos, "Atan": (*Tensor).Atan, "Sinh": (*Tensor).Sinh,
		"Cosh": (*Tensor).Cosh, "Asinh": (*Tensor).Asinh, "Erf": (*Tensor).Erf, "Erfc": (*Tensor).Erfc,
		"Erfinv": (*Tensor).Erfinv, "Reciprocal": (*Tensor).Reciprocal,
		"Pow/2":       func(x *Tensor) *Tensor { return x.Pow(2) },
		"Pow/3":       func(x *Tensor) *Tensor { return x.Pow(3) },
		"Pow/0":       func(x *Tensor) *Tensor { return x.Pow(0) },
		"Pow/0.5":     func(x *Tensor) *Tensor { return x.Pow(0.5) },
		"Pow/2.5":     func(x *Tensor) *Tensor { return x.Pow(2.5) },
		"Pow/-1":      func(x *Tensor) *Tensor { return x.Pow(-1) },
		"Clamp":       func(x *Tensor) *Tensor { return x.Clamp(-1, 2) },
		"Clamp/frac":  func(x *Tensor) *Tensor { return x.Clamp(-1.5, 2.5) },
		"Hardtanh":    func(x *Tensor) *Tensor { return x.Hardtanh(-1, 2) },
		"LeakyRelu":   func(x *Tensor) *Tensor { return x.LeakyRelu(0.1) },
		"Elu":         func(x *Tensor) *Tensor { return x.Elu(1) },
		"Gelu":        func(x *Tensor) *Tensor { return x.Gelu("none") },
		"Silu":        (*Tensor).Silu,
		"Mish":        (*Tensor).Mish,
		"Softplus":    func(x *Tensor) *Tensor { return x.Softplus(1, 20) },
		"Softsign":    (*Tensor).Softsign,
		"Selu":        (*Tensor).Selu,
		"Celu":        func(x *Tensor) *Tensor { return x.Celu(1) },
		"Hardsigmoid": (*Tensor).Hardsigmoid,
		"Hardswish":   (*Tensor).Hardswish,
		"LogSigmoid":  (*Tensor).LogSigmoid,
		"Tanhshrink":  (*Tensor).Tanhshrink,
		"NanToNum":    func(x *Tensor) *Tensor { return x.NanToNum(0, inf, -inf) },
		"IsFinite":    (*Tensor).IsFinite, "IsInf": (*Tensor).IsInf, "IsNaN": (*Tensor).IsNaN,
		"LogicalNot":      (*Tensor).LogicalNot,
		"Sum":             func(x *Tensor) *Tensor { return x.Sum() },
		"Sum/dim":         func(x *Tensor) *Tensor { return x.Sum(1) },
		"SumKeepDim":      func(x *Tensor) *Tensor { return x.SumKeepDim(1) },
		"Mean":            func(x *Tensor) *Tensor { return x.Mean() },
		"Mean/dim":        func(x *Tensor) *Tensor { return x.Mean(1) },
		"Prod":            (*Tensor).Prod,
		"ProdDim":         func(x *Tensor) *Tensor { return x.ProdDim(1, false) },
		"Max":             (*Tensor).Max,
		"Min":             (*Tensor).Min,
		"Amax":            func(x *Tensor) *Tensor { return x.Amax(1) },
		"Amin":            func(x *Tensor) *Tensor { return x.Amin(1) },
		"Argmax":          func(x *Tensor) *Tensor { return x.Argmax(1) },
		"Argmin":          func(x *Tensor) *Tensor { return x.Argmin(1) },
		"Median":          (*Tensor).Median,
		"Argsort":         func(x *Tensor) *Tensor { return x.Argsort(1, false) },
		"Cumsum":          func(x *Tensor) *Tensor { return x.Cumsum(1) },
		"Cumprod":         func(x *Tensor) *Tensor { return x.Cumprod(1) },
		"Std":             func(x *Tensor) *Tensor { return x.Std(1, false, 1) },
		"Var":             func(x *Tensor) *Tensor { return x.Var(1, false, 1) },
		"Norm":            func(x *Tensor) *Tensor { return x.Norm(2, false) },
		"VectorNorm":      func(x *Tensor) *Tensor { return x.VectorNorm(2, false) },
		"LogSumExp":       func(x *Tensor) *Tensor { return x.LogSumExp(false, 1) },
		"Softmax":         func(x *Tensor) *Tensor { return x.Softmax(1) },
		"LogSoftmax":      func(x *Tensor) *Tensor { return x.LogSoftmax(1) },
		"Trace":           (*Tensor).Trace,
		"CountNonzero":    func(x *Tensor) *Tensor { return x.CountNonzero() },
		"Nonzero":         (*Tensor).Nonzero,
		"All":             func(x *Tensor) *Tensor { return x.All() },
		"Any":             func(x *Tensor) *Tensor { return x.Any() },
		"Flip":            func(x *Tensor) *Tensor { return x.Flip(1) },
		"Roll":            func(x *Tensor) *Tensor { return x.Roll([]int{1}, 1) },
		"Tril":            func(x *Tensor) *Tensor { return x.Tril(0) },
		"Triu":            func(x *Tensor) *Tensor { return x.Triu(0) },
		"Repeat":          func(x *Tensor) *Tensor { return x.Repeat(2, 1) },
		"Diagonal":        func(x *Tensor) *Tensor { return x.Diagonal(0, 0, 1) },
		"Pad":             func(x *Tensor) *Tensor { return x.Pad([]int{1, 1}, tensor.PadConstant, 0) },
		"Pad/value":       func(x *Tensor) *Tensor { return x.Pad([]int{1, 0}, tensor.PadConstant, 7) },
		"Clone":           (*Tensor).Clone,
		"AddScalar":       func(x *Tensor) *Tensor { return x.AddScalar(1) },
		"AddScalar/frac":  func(x *Tensor) *Tensor { return x.AddScalar(1.5) },
		"SubScalar":       func(x *Tensor) *Tensor { return x.SubScalar(1) },
		"RSubScalar":      func(x *Tensor) *Tensor { return x.RSubScalar(1) },
		"MulScalar":       func(x *Tensor) *Tensor { return x.MulScalar(2) },
		"MulScalar/frac":  func(x *Tensor) *Tensor { return x.MulScalar(0.5) },
		"DivScalar":       func(x *Tensor) *Tensor { return x.DivScalar(2) },
		"FmodScalar":      func(x *Tensor) *Tensor { return x.FmodScalar(2) },
		"FmodScalar/frac": func(x *Tensor) *Tensor { return x.FmodScalar(1.5) },
		"RemainderScalar": func(x *Tensor) *Tensor { return x.RemainderScalar(2) },
		"EqScalar":        func(x *Tensor) *Tensor { return x.EqScalar(1) },
		"GtScalar":        func(x *Tensor) *Tensor { return x.GtScalar(0) },
		"Neg_":            func(x *Tensor) *Tensor { return x.Clone().Neg_() },
		"Abs_":            func(x *Tensor) *Tensor { return x.Clone().Abs_() },
		"Clamp_":          func(x *Tensor) *Tensor { return x.Clone().Clamp_(-1, 2) },
		"AddScalar_":      func(x *Tensor) *Tensor { return x.Clone().AddScalar_(1) },
		"SubScalar_":      func(x *Tensor) *Tensor { return x.Clone().SubScalar_(1) },
		"MulScalar_":      func(x *Tensor) *Tensor { return x.Clone().MulScalar_(2) },
		"MulScalar_/frac": func(x *Tensor) *Tensor { return x.Clone().MulScalar_(0.5) },
		"DivScalar_":      func(x *Tensor) *Tensor { return x.Clone().DivScalar_(2) },
		"Exp_":            func(x *Tensor) *Tensor { return x.Clone().Exp_() },
		"Log_":            func(x *Tensor) *Tensor { return x.Clone().Log_() },
		"Sqrt_":           func(x *Tensor) *Tensor { return x.Clone().Sqrt_() },
		"Sigmoid_":        func(x *Tensor) *Tensor { return x.Clone().Sigmoid_() },
		"Tanh_":           func(x *Tensor) *Tensor { return x.Clone().Tanh_() },
		"Reciprocal_":     func(x *Tensor) *Tensor { return x.Clone().Reciprocal_() },
		"Relu_":           func(x *Tensor) *Tensor { return x.Clone().Relu_() },
		"Fill_":           func(x *Tensor) *Tensor { return x.Clone().Fill_(3) },
		"Zero_":           func(x *Tensor) *Tensor { return x.Clone().Zero_() },
	} {
		intOps[name] = one(f)
	}
	for name, f := range map[string]func(x *Tensor) (*Tensor, *Tensor){
		"MaxDim":          func(x *Tensor) (*Tensor, *Tensor) { return x.MaxDim(1, false) },
		"MinDim":          func(x *Tensor) (*Tensor, *Tensor) { return x.MinDim(1, false) },
		"MedianDim":       func(x *Tensor) (*Tensor, *Tensor) { return x.MedianDim(1, false) },
		"Kthvalue":        func(x *Tensor) (*Tensor, *Tensor) { return x.Kthvalue(2, 1, false) },
		"Topk":            func(x *Tensor) (*Tensor, *Tensor) { return x.Topk(2, 1, true) },
		"Sort":            func(x *Tensor) (*Tensor, *Tensor) { return x.Sort(1, false) },
		"Sort/descending": func(x *Tensor) (*Tensor, *Tensor) { return x.Sort(1, true) },
		"Cummax":          func(x *Tensor) (*Tensor, *Tensor) { return x.Cummax(1) },
		"Cummin":          func(x *Tensor) (*Tensor, *Tensor) { return x.Cummin(1) },
		"VarMean":         func(x *Tensor) (*Tensor, *Tensor) { return x.VarMean(1, false, 1) },
	} {
		intOps[name] = two(f)
	}
	for name, f := range map[string]func(x, y *Tensor) *Tensor{
		"Add": (*Tensor).Add, "Sub": (*Tensor).Sub, "Mul": (*Tensor).Mul, "Div": (*Tensor).Div,
		"Maximum": tensor.Maximum, "Minimum": tensor.Minimum, "Fmod": (*Tensor).Fmod,
		"Remainder": (*Tensor).Remainder, "PowTensor": (*Tensor).PowTensor, "Atan2": (*Tensor).Atan2,
		"Hypot": (*Tensor).Hypot, "Logaddexp": (*Tensor).Logaddexp, "Xlogy": (*Tensor).Xlogy,
		"Eq": (*Tensor).Eq, "Lt": (*Tensor).Lt, "LogicalAnd": (*Tensor).LogicalAnd,
		"LogicalXor":         (*Tensor).LogicalXor,
		"ClampTensor":        func(x, y *Tensor) *Tensor { return x.ClampTensor(y, nil) },
		"Cat":                func(x, y *Tensor) *Tensor { return tensor.Cat([]*Tensor{x, y}, 1) },
		"Stack":              func(x, y *Tensor) *Tensor { return tensor.Stack([]*Tensor{x, y}, 0) },
		"Add_":               func(x, y *Tensor) *Tensor { return x.Clone().Add_(y) },
		"Sub_":               func(x, y *Tensor) *Tensor { return x.Clone().Sub_(y) },
		"Mul_":               func(x, y *Tensor) *Tensor { return x.Clone().Mul_(y) },
		"Div_":               func(x, y *Tensor) *Tensor { return x.Clone().Div_(y) },
		"MatMul":             tensor.MatMul,
		"MatMul/vector":      tensor.MatMul,
		"MatMul/float":       func(x, y *Tensor) *Tensor { return tensor.MatMul(x, y.T()) },
		"MatMul/bool":        func(x, y *Tensor) *Tensor { return tensor.MatMul(x, y.T()) },
		"Mm":                 tensor.Mm,
		"Bmm":                func(x, y *Tensor) *Tensor { return tensor.Bmm(x.Unsqueeze(0), y.Unsqueeze(0)) },
		"Mv":                 tensor.Mv,
		"Dot":                tensor.Dot,
		"Outer":              tensor.Outer,
		"Kron":               tensor.Kron,
		"Einsum":             func(x, y *Tensor) *Tensor { return tensor.Einsum("ij,jk->ik", x, y) },
		"PowTensor/positive": func(x, y *Tensor) *Tensor { return x.Slice(1, 0, 2, 1).PowTensor(y) },
		"MaskedFill":         func(x, m *Tensor) *Tensor { return x.MaskedFill(m, 9) },
		"MaskedFill/bool":    func(x, m *Tensor) *Tensor { return x.MaskedFill(m, 1) },
		"MaskedSelect":       (*Tensor).MaskedSelect,
		"Gather":             func(x, ix *Tensor) *Tensor { return x.Gather(1, ix) },
		"IndexSelect":        func(x, ix *Tensor) *Tensor { return x.IndexSelect(1, ix.Abs()) },
		"Lerp":               func(x, y *Tensor) *Tensor { return x.LerpScalar(y, 0.5) },
		"Addcmul":            func(x, y *Tensor) *Tensor { return x.Addcmul(x, y, 1) },
		"Addcdiv":            func(x, y *Tensor) *Tensor { return x.Addcdiv(x, y, 1) },
	} {
		intOps[name] = bin(f)
	}
	intOps["Addmm"] = func(a []*Tensor) []*Tensor { return []*Tensor{tensor.Addmm(a[0], a[1], a[2], 1, 1)} }
	intOps["Baddbmm"] = func(a []*Tensor) []*Tensor {
		return []*Tensor{tensor.Baddbmm(a[0].Unsqueeze(0), a[1].Unsqueeze(0), a[2].Unsqueeze(0), 1, 1)}
	}
	for name, f := range map[string]func(x *Tensor) *Tensor{
		"RepeatInterleave": func(x *Tensor) *Tensor { return x.RepeatInterleave(2, 1) },
		"Unfold":           func(x *Tensor) *Tensor { return x.Unfold(1, 2, 1) },
		"Neg/transposed":   func(x *Tensor) *Tensor { return x.T().Neg() },
		"Abs/transposed":   func(x *Tensor) *Tensor { return x.T().Abs() },
		"Clamp/transposed": func(x *Tensor) *Tensor { return x.T().Clamp(-1, 2) },
		"Pow/transposed":   func(x *Tensor) *Tensor { return x.T().Pow(3) },
		"Exp/transposed":   func(x *Tensor) *Tensor { return x.T().Exp() },
		"Prod/transposed":  func(x *Tensor) *Tensor { return x.T().ProdDim(1, false) },
	} {
		intOps[name] = one(f)
	}
	for name, f := range map[string]func(x, y *Tensor) *Tensor{
		"TakeAlongDim":            func(x, ix *Tensor) *Tensor { return x.TakeAlongDim(ix, 1) },
		"MaskedFill/frac":         func(x, m *Tensor) *Tensor { return x.MaskedFill(m, 2.5) },
		"Dot/bool":                func(x, y *Tensor) *Tensor { return tensor.Dot(x.Flatten(), y.Flatten()) },
		"Mv/bool":                 func(x, y *Tensor) *Tensor { return tensor.Mv(x, y.Select(0, 0)) },
		"MatMul/transposed-left":  func(x, y *Tensor) *Tensor { return x.T().MatMul(y) },
		"MatMul/transposed-right": func(x, y *Tensor) *Tensor { return x.MatMul(y.T()) },
		"MatMul/batched":          func(x, y *Tensor) *Tensor { return tensor.Stack([]*Tensor{x, x.Neg()}, 0).MatMul(y) },
		"PowTensor/broadcast":     func(x, y *Tensor) *Tensor { return x.PowTensor(y.Abs()) },
	} {
		intOps[name] = bin(f)
	}
	three := func(f func(x, ix, y *Tensor) *Tensor) func(a []*Tensor) []*Tensor {
		return func(a []*Tensor) []*Tensor { return []*Tensor{f(a[0], a[1], a[2])} }
	}
	intOps["Scatter"] = three(func(x, ix, y *Tensor) *Tensor { return x.Scatter(1, ix, y) })
	intOps["ScatterAdd"] = three(func(x, ix, y *Tensor) *Tensor { return x.ScatterAdd(1, ix, y) })
	intOps["IndexAdd"] = three(func(x, ix, y *Tensor) *Tensor { return x.IndexAdd(1, ix.Abs(), y) })
	for name, f := range map[string]func(x *Tensor) *Tensor{
		"Pad/reflect":    func(x *Tensor) *Tensor { return x.Pad([]int{1, 1}, tensor.PadReflect, 0) },
		"Pad/replicate":  func(x *Tensor) *Tensor { return x.Unsqueeze(0).Pad([]int{1, 1}, tensor.PadReplicate, 0) },
		"Pad/circular":   func(x *Tensor) *Tensor { return x.Unsqueeze(0).Pad([]int{1, 1}, tensor.PadCircular, 0) },
		"Cholesky":       tensor.Cholesky,
		"Solve":          func(q *Tensor) *Tensor { return tensor.Solve(q, q) },
		"Bernoulli":      func(x *Tensor) *Tensor { return tensor.Bernoulli(x.Abs().Clamp(0, 1)) },
		"Multinomial":    func(x *Tensor) *Tensor { return tensor.Multinomial(x.Select(0, 0), 1, false) },
		"ExpOut/int":     func(x *Tensor) *Tensor { return tensor.ExpOut(tensor.Int64.Zeros(2, 3), x) },
		"ExpOut/float":   func(x *Tensor) *Tensor { return tensor.ExpOut(tensor.Zeros(2, 3), x) },
		"SumOut/int":     func(x *Tensor) *Tensor { return tensor.SumOut(tensor.Int64.Zeros(2), x, 1) },
		"MeanOut/float":  func(x *Tensor) *Tensor { return tensor.MeanOut(tensor.Zeros(2), x, 1) },
		"ExpOut/float64": func(x *Tensor) *Tensor { return tensor.ExpOut(tensor.Zeros(2, 3), x) },
		"MatMul/float64-float32": func(x *Tensor) *Tensor {
			return tensor.MatMul(x.Detach().To(tensor.Float64), x.Detach().T())
		},
	} {
		intOps[name] = one(f)
	}
	for name, f := range map[string]func(x, y *Tensor) *Tensor{
		"IndexPut": func(x, v *Tensor) *Tensor {
			return x.IndexPut([]*Tensor{v.Abs().SubScalar(1)}, tensor.New([]int64{7}), false)
		},
		"AddOut/int":           func(x, y *Tensor) *Tensor { return tensor.AddOut(tensor.Int64.Zeros(2, 3), x, y) },
		"MulOut/float":         func(x, y *Tensor) *Tensor { return tensor.MulOut(tensor.Zeros(2, 3), x, y) },
		"Add_/float-int":       func(x, y *Tensor) *Tensor { return x.Detach().Clone().Add_(y) },
		"Add_/float32-float64": func(x, y *Tensor) *Tensor { return x.Detach().Clone().Add_(y) },
		"Sub_/float32-float64": func(x, y *Tensor) *Tensor { return x.Detach().Clone().Sub_(y) },
		"Mul_/float32-float64": func(x, y *Tensor) *Tensor { return x.Detach().Clone().Mul_(y) },
		"Div_/float32-float64": func(x, y *Tensor) *Tensor { return x.Detach().Clone().Div_(y) },
		"Add_/float64-float32": func(x, y *Tensor) *Tensor { return x.Clone().Add_(y.Detach()) },
		"AddOut/float32-float64": func(x, y *Tensor) *Tensor {
			return tensor.AddOut(tensor.Zeros(2, 3), x.Detach(), y)
		},
		"MulOut/float64-float32": func(x, y *Tensor) *Tensor {
			return tensor.MulOut(tensor.Float64.Zeros(2, 3), x.Detach(), y)
		},
	} {
		intOps[name] = bin(f)
	}
	intOps["Det"] = one(tensor.Det)
	intOps["Inv"] = one(tensor.Inv)
	intOps["Where"] = func(a []*Tensor) []*Tensor { return []*Tensor{tensor.Where(a[0], a[1], a[2])} }
	intOps["Where/bool"] = intOps["Where"]
}

// shapeInMsg matches a shape as the panics' messages print it: "shape [2 3]".
var shapeInMsg = regexp.MustCompile(`shapes? \[[0-9 ]*\]`)

type intCase struct {
	Name    string   `json:"name"`
	Op      string   `json:"op"`
	Args    []string `json:"args"`
	Error   bool     `json:"error"`
	Message string   `json:"message"`
	Outs    []struct {
		DType string     `json:"dtype"`
		Shape []int      `json:"shape"`
		Data  jsonFloats `json:"data"`
	} `json:"outs"`
}

// TestIntGolden runs every op of testdata/int_golden.json on int64 and bool
// tensors (and on their mixes with float32) and checks it against PyTorch
// 1.13: the same dtypes, shapes and values where PyTorch computes (integer
// kernels where it keeps the integer dtype, float32 where it promotes), and a
// typed panic naming the op and the offending dtype where PyTorch refuses.
// Results that are not float never require grad, though the float input does.
func TestIntGolden(t *testing.T) {
	b, err := os.ReadFile("testdata/int_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Inputs map[string]goldenInput
		Cases  []intCase
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	ran := map[string]bool{}
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			f := intOps[c.Op]
			if f == nil {
				t.Fatalf("no op %q in intOps", c.Op)
			}
			ran[c.Op] = true
			args := make([]*Tensor, len(c.Args))
			var dtypes []string
			for i, a := range c.Args {
				args[i] = intInput(file.Inputs[a])
				dtypes = append(dtypes, args[i].DType().String())
			}
			var outs []*Tensor
			err := tensor.Maybe(func() { outs = f(args) })
			if c.Error {
				var e *tensor.Error
				if !errors.As(err, &e) {
					t.Fatalf("no panic, want one as PyTorch's %q", c.Message)
				}
				named := false
				for _, d := range dtypes {
					named = named || strings.Contains(e.Msg, d)
				}
				// The shape is the operand's, which the case may have reshaped.
				if !named || !shapeInMsg.MatchString(e.Msg) || e.Pkg != "tensor" || e.Op == "" {
					t.Errorf("panic %q names no op, or none of the dtypes %v, or no shape", err, dtypes)
				}
				return
			}
			if err != nil {
				t.Fatalf("panic %v; PyTorch gives %d outputs", err, len(c.Outs))
			}
			for k, w := range c.Outs {
				got := outs[k]
				if got.DType().String() != w.DType {
					t.Errorf("output %d: dtype %v, want %s", k, got.DType(), w.DType)
					continue
				}
				if !slices.Equal(got.Shape(), w.Shape) {
					t.Errorf("output %d: shape %v, want %v", k, got.Shape(), w.Shape)
					continue
				}
				if !got.DType().IsFloat() && got.RequiresGrad() {
					t.Errorf("output %d: a %v result requires grad", k, got.DType())
				}
				// float32/float64 mixes must round once, as PyTorch: compare exactly.
				exact := strings.Contains(c.Name, "float32-float64") || strings.Contains(c.Name, "float64-float32")
				for i, v := range got.Values() {
					if exact && v != w.Data[i] || !intClose(v, w.Data[i]) {
						t.Errorf("output %d: element %d = %v, want %v (got %v)", k, i, v, w.Data[i], got.Values())
						break
					}
				}
			}
		})
	}
	for op := range intOps {
		if !ran[op] {
			t.Errorf("op %q of intOps has no case in int_golden.json", op)
		}
	}
}

// intInput makes one of int_golden.json's inputs; a float one requires grad.
func intInput(in goldenInput) *Tensor {
	switch in.DType {
	case "int64":
		v := make([]int64, len(in.Data))
		for i, f := range in.Data {
			v[i] = int64(f)
		}
		return tensor.New(v, in.Shape...)
	case "bool":
		v := make([]bool, len(in.Data))
		for i, f := range in.Data {
			v[i] = f != 0
		}
		return tensor.NewBool(v, in.Shape...)
	case "float64":
		return tensor.New(in.Data, in.Shape...) // the float32/float64 mixes' other operand
	}
	return tensor.New(in.Data, in.Shape...).To(tensor.Float32).SetRequiresGrad(true)
}

// intClose reports whether got equals want, NaN equal to NaN, within float32
// rounding (PyTorch's float32 results were written as float64).
func intClose(got, want float64) bool {
	if math.IsNaN(want) || math.IsInf(want, 0) {
		return math.IsNaN(got) && math.IsNaN(want) || got == want
	}
	return math.Abs(got-want) <= 1e-6*math.Max(1, math.Abs(want))
}
