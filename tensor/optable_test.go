package tensor_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// The op table: one row per case of testdata/ops_golden.json, which
// testdata/gen_ops_golden.py writes from PyTorch 1.13. Three tests iterate it:
//
//   - TestOpsGradCheck: float64 GradCheck on every row (GradGradCheck where gradgrad
//     is set), at the JSON's inputs;
//   - TestOpsGolden: in float32 and float64, forward values, the gradient of every
//     input under the JSON's upstream gradient, and the grad_fn name, against
//     PyTorch;
//   - TestOpTableCoverage: every exported function or method of tensor and
//     nn/functional that returns a tensor (or a slice of them) has a row or is
//     listed in notDifferentiable.
//
// Rows whose result is a bool or int64 tensor (comparisons, indices) check the
// forward values only; the op library's rows are in optable_lib_test.go.
//
// A row's f receives the case's inputs in order and calls the op. Non-tensor
// arguments (exponents, dims, reductions) are written in both f and the Python
// case; the forward values catch a mismatch.

type opCase struct {
	name     string // the case in ops_golden.json
	op       string // what it covers: "Tensor.Mul" (method), "MatMul" (function), "functional.MSELoss"
	f        func(x ...*tensor.Tensor) *tensor.Tensor
	gradgrad bool // also GradGradCheck: the second derivative is meaningful and cheap
	kink     bool // inputs sit exactly on a kink on purpose (PyTorch's subgradient): golden only, no GradCheck

	// nocheck, when set, says why GradCheck does not apply although the result is
	// a float tensor (an input of fixed float32 dtype, a piecewise-constant op).
	// Rows whose result is bool or int64 skip GradCheck without saying so.
	nocheck string

	// tol32, when set, replaces the float32 golden tolerance, saying why in a
	// comment at the row (PyTorch's float32 result itself is less accurate).
	tol32 *opTol

	gradcheck *tensor.GradCheckOptions // instead of PyTorch's defaults, saying why
}

// Tensor shortens the rows.
type Tensor = tensor.Tensor

// Broadcast patterns of the binary ops, as BROADCAST in gen_ops_golden.py.
var broadcastTags = []string{"(3,4)", "(3,4)_(4)", "(4)_(3,4)", "(3,1)_(1,4)", "(2,3,4)_(3,1)", "()_(3,4)", "(3,4)_()", "()_()"}

var opTable = func() []opCase {
	var rows []opCase
	add := func(r ...opCase) { rows = append(rows, r...) }

	binary := []opCase{
		{op: "Tensor.Add", f: func(x ...*Tensor) *Tensor { return x[0].Add(x[1]) }, gradgrad: true},
		{op: "Tensor.Sub", f: func(x ...*Tensor) *Tensor { return x[0].Sub(x[1]) }, gradgrad: true},
		{op: "Tensor.Mul", f: func(x ...*Tensor) *Tensor { return x[0].Mul(x[1]) }, gradgrad: true},
		{op: "Tensor.Div", f: func(x ...*Tensor) *Tensor { return x[0].Div(x[1]) }, gradgrad: true},
		{op: "Tensor.PowTensor", f: func(x ...*Tensor) *Tensor { return x[0].PowTensor(x[1]) }, gradgrad: true},
		{op: "Maximum", f: func(x ...*Tensor) *Tensor { return tensor.Maximum(x[0], x[1]) }, gradgrad: true},
		{op: "Minimum", f: func(x ...*Tensor) *Tensor { return tensor.Minimum(x[0], x[1]) }, gradgrad: true},
	}
	for _, b := range binary {
		for _, tag := range broadcastTags {
			r := b
			r.name = b.op[len("Tensor."):] + "/" + tag
			if b.op == "Maximum" || b.op == "Minimum" {
				r.name = b.op + "/" + tag
			}
			add(r)
		}
	}
	add(
		// One side is a constant (needs only one input's gradient).
		opCase{name: "Add/(3,4)_const(4)", op: "Tensor.Add", f: func(x ...*Tensor) *Tensor { return x[0].Add(x[1]) }},
		opCase{name: "Sub/const(3,4)_(4)", op: "Tensor.Sub", f: func(x ...*Tensor) *Tensor { return x[0].Sub(x[1]) }},
		opCase{name: "Mul/(2,3,4)_const(3,1)", op: "Tensor.Mul", f: func(x ...*Tensor) *Tensor { return x[0].Mul(x[1]) }, gradgrad: true},
		opCase{name: "Div/const(3,4)_(3,1)", op: "Tensor.Div", f: func(x ...*Tensor) *Tensor { return x[0].Div(x[1]) }, gradgrad: true},
		opCase{name: "PowTensor/(3,4)_const()", op: "Tensor.PowTensor", f: func(x ...*Tensor) *Tensor { return x[0].PowTensor(x[1]) }, gradgrad: true},
		opCase{name: "PowTensor/const(3,4)_(4)", op: "Tensor.PowTensor", f: func(x ...*Tensor) *Tensor { return x[0].PowTensor(x[1]) }, gradgrad: true},
		// Ties split the gradient evenly; the central difference there is ½ too.
		opCase{name: "Maximum/ties", op: "Maximum", f: func(x ...*Tensor) *Tensor { return tensor.Maximum(x[0], x[1]) }},
		opCase{name: "Minimum/ties", op: "Minimum", f: func(x ...*Tensor) *Tensor { return tensor.Minimum(x[0], x[1]) }},

		// Tensor-scalar ops.
		opCase{name: "AddScalar", op: "Tensor.AddScalar", f: func(x ...*Tensor) *Tensor { return x[0].AddScalar(2.5) }},
		opCase{name: "SubScalar", op: "Tensor.SubScalar", f: func(x ...*Tensor) *Tensor { return x[0].SubScalar(1.5) }},
		opCase{name: "RSubScalar", op: "Tensor.RSubScalar", f: func(x ...*Tensor) *Tensor { return x[0].RSubScalar(2) }},
		opCase{name: "MulScalar", op: "Tensor.MulScalar", f: func(x ...*Tensor) *Tensor { return x[0].MulScalar(-3) }},
		opCase{name: "DivScalar", op: "Tensor.DivScalar", f: func(x ...*Tensor) *Tensor { return x[0].DivScalar(0.3) }},
		opCase{name: "Pow/e=2", op: "Tensor.Pow", f: func(x ...*Tensor) *Tensor { return x[0].Pow(2) }, gradgrad: true},
		opCase{name: "Pow/e=3", op: "Tensor.Pow", f: func(x ...*Tensor) *Tensor { return x[0].Pow(3) }, gradgrad: true},
		opCase{name: "Pow/e=0.5", op: "Tensor.Pow", f: func(x ...*Tensor) *Tensor { return x[0].Pow(0.5) }, gradgrad: true},
		opCase{name: "Pow/e=-1", op: "Tensor.Pow", f: func(x ...*Tensor) *Tensor { return x[0].Pow(-1) }, gradgrad: true},
		opCase{name: "Pow/e=-2.5", op: "Tensor.Pow", f: func(x ...*Tensor) *Tensor { return x[0].Pow(-2.5) }, gradgrad: true},
		opCase{name: "Pow/e=1", op: "Tensor.Pow", f: func(x ...*Tensor) *Tensor { return x[0].Pow(1) }, gradgrad: true},
		opCase{name: "Pow/e=0", op: "Tensor.Pow", f: func(x ...*Tensor) *Tensor { return x[0].Pow(0) }},
		opCase{name: "Pow/e=2/0-d", op: "Tensor.Pow", f: func(x ...*Tensor) *Tensor { return x[0].Pow(2) }, gradgrad: true},

		// Unary ops.
		opCase{name: "Neg", op: "Tensor.Neg", f: func(x ...*Tensor) *Tensor { return x[0].Neg() }},
		opCase{name: "Reciprocal", op: "Tensor.Reciprocal", f: func(x ...*Tensor) *Tensor { return x[0].Reciprocal() }, gradgrad: true},
		opCase{name: "Exp", op: "Tensor.Exp", f: func(x ...*Tensor) *Tensor { return x[0].Exp() }, gradgrad: true},
		opCase{name: "Exp/0-d", op: "Tensor.Exp", f: func(x ...*Tensor) *Tensor { return x[0].Exp() }, gradgrad: true},
		opCase{name: "Log", op: "Tensor.Log", f: func(x ...*Tensor) *Tensor { return x[0].Log() }, gradgrad: true},
		opCase{name: "Sqrt", op: "Tensor.Sqrt", f: func(x ...*Tensor) *Tensor { return x[0].Sqrt() }, gradgrad: true},
		opCase{name: "Abs", op: "Tensor.Abs", f: func(x ...*Tensor) *Tensor { return x[0].Abs() }, gradgrad: true},
		opCase{name: "Sign", op: "Tensor.Sign", f: func(x ...*Tensor) *Tensor { return x[0].Sign() }},
		opCase{name: "Sin", op: "Tensor.Sin", f: func(x ...*Tensor) *Tensor { return x[0].Sin() }, gradgrad: true},
		opCase{name: "Cos", op: "Tensor.Cos", f: func(x ...*Tensor) *Tensor { return x[0].Cos() }, gradgrad: true},
		opCase{name: "Tanh", op: "Tensor.Tanh", f: func(x ...*Tensor) *Tensor { return x[0].Tanh() }, gradgrad: true},
		opCase{name: "Sigmoid", op: "Tensor.Sigmoid", f: func(x ...*Tensor) *Tensor { return x[0].Sigmoid() }, gradgrad: true},
		opCase{name: "Relu", op: "Tensor.Relu", f: func(x ...*Tensor) *Tensor { return x[0].Relu() }, gradgrad: true},
		opCase{name: "Clamp", op: "Tensor.Clamp", f: func(x ...*Tensor) *Tensor { return x[0].Clamp(-0.5, 0.75) }, gradgrad: true},
		opCase{name: "Abs/at_kinks", op: "Tensor.Abs", f: func(x ...*Tensor) *Tensor { return x[0].Abs() }, kink: true},
		opCase{name: "Sign/at_kinks", op: "Tensor.Sign", f: func(x ...*Tensor) *Tensor { return x[0].Sign() }, kink: true},
		opCase{name: "Relu/at_kinks", op: "Tensor.Relu", f: func(x ...*Tensor) *Tensor { return x[0].Relu() }, kink: true},
		opCase{name: "Clamp/at_kinks", op: "Tensor.Clamp", f: func(x ...*Tensor) *Tensor { return x[0].Clamp(-0.5, 0.5) }, kink: true},

		// Reductions.
		opCase{name: "Sum/all", op: "Tensor.Sum", f: func(x ...*Tensor) *Tensor { return x[0].Sum() }, gradgrad: true},
		opCase{name: "Sum/dim=1", op: "Tensor.Sum", f: func(x ...*Tensor) *Tensor { return x[0].Sum(1) }, gradgrad: true},
		opCase{name: "Sum/dim=-1", op: "Tensor.Sum", f: func(x ...*Tensor) *Tensor { return x[0].Sum(-1) }},
		opCase{name: "Sum/dims=0,2", op: "Tensor.Sum", f: func(x ...*Tensor) *Tensor { return x[0].Sum(0, 2) }},
		opCase{name: "Sum/dims=-1,0", op: "Tensor.Sum", f: func(x ...*Tensor) *Tensor { return x[0].Sum(-1, 0) }, gradgrad: true},
		opCase{name: "Sum/0-d", op: "Tensor.Sum", f: func(x ...*Tensor) *Tensor { return x[0].Sum() }},
		opCase{name: "SumKeepDim/dim=1", op: "Tensor.SumKeepDim", f: func(x ...*Tensor) *Tensor { return x[0].SumKeepDim(1) }, gradgrad: true},
		opCase{name: "SumKeepDim/dims=0,2", op: "Tensor.SumKeepDim", f: func(x ...*Tensor) *Tensor { return x[0].SumKeepDim(0, 2) }},
		opCase{name: "SumKeepDim/dim=-2", op: "Tensor.SumKeepDim", f: func(x ...*Tensor) *Tensor { return x[0].SumKeepDim(-2) }},
		opCase{name: "Mean/all", op: "Tensor.Mean", f: func(x ...*Tensor) *Tensor { return x[0].Mean() }, gradgrad: true},
		opCase{name: "Mean/dim=1", op: "Tensor.Mean", f: func(x ...*Tensor) *Tensor { return x[0].Mean(1) }, gradgrad: true},
		opCase{name: "Mean/dims=-1,0", op: "Tensor.Mean", f: func(x ...*Tensor) *Tensor { return x[0].Mean(-1, 0) }, gradgrad: true},
		opCase{name: "MeanKeepDim/dim=1", op: "Tensor.MeanKeepDim", f: func(x ...*Tensor) *Tensor { return x[0].MeanKeepDim(1) }, gradgrad: true},
		opCase{name: "MeanKeepDim/dims=0,2", op: "Tensor.MeanKeepDim", f: func(x ...*Tensor) *Tensor { return x[0].MeanKeepDim(0, 2) }},
	)

	// Matrix products: every torch.matmul dispatch path, through the method and
	// through the package function.
	method := func(x ...*Tensor) *Tensor { return x[0].MatMul(x[1]) }
	function := func(x ...*Tensor) *Tensor { return tensor.MatMul(x[0], x[1]) }
	add(
		opCase{name: "MatMul/1d·1d", op: "Tensor.MatMul", f: method, gradgrad: true},
		opCase{name: "MatMul/2d·1d", op: "Tensor.MatMul", f: method, gradgrad: true},
		opCase{name: "MatMul/1d·2d", op: "Tensor.MatMul", f: method, gradgrad: true},
		opCase{name: "MatMul/2d·2d", op: "MatMul", f: function, gradgrad: true},
		opCase{name: "MatMul/3d·3d", op: "MatMul", f: function, gradgrad: true},
		opCase{name: "MatMul/(7,1,3,4)·(2,4,5)", op: "Tensor.MatMul", f: method},
		opCase{name: "MatMul/(2,1,3,4)·(1,5,4,2)_both_broadcast", op: "Tensor.MatMul", f: method, gradgrad: true},
		opCase{name: "MatMul/(3,1,4,2)ᵀ·(5,4,2)_broadcast_transposed", op: "Tensor.MatMul", f: func(x ...*Tensor) *Tensor {
			return x[0].Transpose(-2, -1).MatMul(x[1])
		}, gradgrad: true},
		opCase{name: "MatMul/2d·3d", op: "Tensor.MatMul", f: method, gradgrad: true},
		opCase{name: "MatMul/3d·2d", op: "MatMul", f: function, gradgrad: true},
		opCase{name: "MatMul/3d·1d", op: "Tensor.MatMul", f: method, gradgrad: true},
		opCase{name: "MatMul/1d·3d", op: "MatMul", f: function, gradgrad: true},
		opCase{name: "MatMul/2d·2d_const", op: "Tensor.MatMul", f: method, gradgrad: true},
	)

	// Shape ops.
	add(
		opCase{name: "Transpose/0,1", op: "Tensor.Transpose", f: func(x ...*Tensor) *Tensor { return x[0].Transpose(0, 1) }},
		opCase{name: "Transpose/-1,0", op: "Tensor.Transpose", f: func(x ...*Tensor) *Tensor { return x[0].Transpose(-1, 0) }},
		opCase{name: "T/2d", op: "Tensor.T", f: func(x ...*Tensor) *Tensor { return x[0].T() }},
		opCase{name: "T/1d", op: "Tensor.T", f: func(x ...*Tensor) *Tensor { return x[0].T() }},
		opCase{name: "Permute/2,0,1", op: "Tensor.Permute", f: func(x ...*Tensor) *Tensor { return x[0].Permute(2, 0, 1) }},
		opCase{name: "Permute/-1,0,1", op: "Tensor.Permute", f: func(x ...*Tensor) *Tensor { return x[0].Permute(-1, 0, 1) }},
		opCase{name: "Reshape/4,-1", op: "Tensor.Reshape", f: func(x ...*Tensor) *Tensor { return x[0].Reshape(4, -1) }},
		opCase{name: "Reshape/-1", op: "Tensor.Reshape", f: func(x ...*Tensor) *Tensor { return x[0].Reshape(-1) }},
		opCase{name: "Reshape/same", op: "Tensor.Reshape", f: func(x ...*Tensor) *Tensor { return x[0].Reshape(3, 4) }},
		opCase{name: "Reshape/to_0-d", op: "Tensor.Reshape", f: func(x ...*Tensor) *Tensor { return x[0].Reshape() }},
		opCase{name: "View/6,4", op: "Tensor.View", f: func(x ...*Tensor) *Tensor { return x[0].View(6, 4) }},
		opCase{name: "View/-1,2", op: "Tensor.View", f: func(x ...*Tensor) *Tensor { return x[0].View(-1, 2) }},
		opCase{name: "Flatten", op: "Tensor.Flatten", f: func(x ...*Tensor) *Tensor { return x[0].Flatten() }},
		opCase{name: "Flatten/1d", op: "Tensor.Flatten", f: func(x ...*Tensor) *Tensor { return x[0].Flatten() }},
		opCase{name: "Unsqueeze/0", op: "Tensor.Unsqueeze", f: func(x ...*Tensor) *Tensor { return x[0].Unsqueeze(0) }},
		opCase{name: "Unsqueeze/-1", op: "Tensor.Unsqueeze", f: func(x ...*Tensor) *Tensor { return x[0].Unsqueeze(-1) }},
		opCase{name: "Unsqueeze/0-d", op: "Tensor.Unsqueeze", f: func(x ...*Tensor) *Tensor { return x[0].Unsqueeze(0) }},
		opCase{name: "Squeeze/all", op: "Tensor.Squeeze", f: func(x ...*Tensor) *Tensor { return x[0].Squeeze() }},
		opCase{name: "Squeeze/dim=1", op: "Tensor.Squeeze", f: func(x ...*Tensor) *Tensor { return x[0].Squeeze(1) }},
		opCase{name: "Squeeze/dim=-1", op: "Tensor.Squeeze", f: func(x ...*Tensor) *Tensor { return x[0].Squeeze(-1) }},
		opCase{name: "Squeeze/dim=0_not_1", op: "Tensor.Squeeze", f: func(x ...*Tensor) *Tensor { return x[0].Squeeze(0) }},
		opCase{name: "Expand/(3,1)->(3,4)", op: "Tensor.Expand", f: func(x ...*Tensor) *Tensor { return x[0].Expand(3, 4) }},
		opCase{name: "Expand/(3,1)->(2,-1,4)", op: "Tensor.Expand", f: func(x ...*Tensor) *Tensor { return x[0].Expand(2, -1, 4) }},
		opCase{name: "Expand/()->(2,3)", op: "Tensor.Expand", f: func(x ...*Tensor) *Tensor { return x[0].Expand(2, 3) }},
		opCase{name: "Expand/same", op: "Tensor.Expand", f: func(x ...*Tensor) *Tensor { return x[0].Expand(3, 4) }},
		opCase{name: "Clone", op: "Tensor.Clone", f: func(x ...*Tensor) *Tensor { return x[0].Clone() }},

		// In-place ops on y = x·1 (a leaf that requires grad is refused), and through
		// views of y (CopySlices).
		opCase{name: "Add_", op: "Tensor.Add_", f: onCopy(func(y *Tensor, x ...*Tensor) { y.Add_(x[0]) }), gradgrad: true},
		opCase{name: "Sub_", op: "Tensor.Sub_", f: onCopy(func(y *Tensor, x ...*Tensor) { y.Sub_(x[0]) })},
		opCase{name: "Mul_", op: "Tensor.Mul_", f: onCopy(func(y *Tensor, x ...*Tensor) { y.Mul_(x[0]) }), gradgrad: true},
		opCase{name: "Div_", op: "Tensor.Div_", f: onCopy(func(y *Tensor, x ...*Tensor) { y.Div_(x[0]) }), gradgrad: true},
		opCase{name: "AddScalar_", op: "Tensor.AddScalar_", f: onCopy(func(y *Tensor, _ ...*Tensor) { y.AddScalar_(2.5) })},
		opCase{name: "SubScalar_", op: "Tensor.SubScalar_", f: onCopy(func(y *Tensor, _ ...*Tensor) { y.SubScalar_(1.5) })},
		opCase{name: "MulScalar_", op: "Tensor.MulScalar_", f: onCopy(func(y *Tensor, _ ...*Tensor) { y.MulScalar_(-3) })},
		opCase{name: "DivScalar_", op: "Tensor.DivScalar_", f: onCopy(func(y *Tensor, _ ...*Tensor) { y.DivScalar_(0.3) })},
		opCase{name: "Exp_", op: "Tensor.Exp_", f: onCopy(func(y *Tensor, _ ...*Tensor) { y.Exp_() }), gradgrad: true},
		opCase{name: "Log_", op: "Tensor.Log_", f: onCopy(func(y *Tensor, _ ...*Tensor) { y.Log_() }), gradgrad: true},
		opCase{name: "Sqrt_", op: "Tensor.Sqrt_", f: onCopy(func(y *Tensor, _ ...*Tensor) { y.Sqrt_() })},
		opCase{name: "Abs_", op: "Tensor.Abs_", f: onCopy(func(y *Tensor, _ ...*Tensor) { y.Abs_() })},
		opCase{name: "Reciprocal_", op: "Tensor.Reciprocal_", f: onCopy(func(y *Tensor, _ ...*Tensor) { y.Reciprocal_() })},
		opCase{name: "Neg_", op: "Tensor.Neg_", f: onCopy(func(y *Tensor, _ ...*Tensor) { y.Neg_() })},
		opCase{name: "Relu_", op: "Tensor.Relu_", f: onCopy(func(y *Tensor, _ ...*Tensor) { y.Relu_() })},
		opCase{name: "Sigmoid_", op: "Tensor.Sigmoid_", f: onCopy(func(y *Tensor, _ ...*Tensor) { y.Sigmoid_() }), gradgrad: true},
		opCase{name: "Tanh_", op: "Tensor.Tanh_", f: onCopy(func(y *Tensor, _ ...*Tensor) { y.Tanh_() }), gradgrad: true},
		opCase{name: "Clamp_", op: "Tensor.Clamp_", f: onCopy(func(y *Tensor, _ ...*Tensor) { y.Clamp_(-0.5, 0.75) })},
		opCase{name: "Fill_", op: "Tensor.Fill_", f: onCopy(func(y *Tensor, _ ...*Tensor) { y.Fill_(2) })},
		opCase{name: "Zero_", op: "Tensor.Zero_", f: onCopy(func(y *Tensor, _ ...*Tensor) { y.Zero_() })},
		opCase{name: "Copy_", op: "Tensor.Copy_", f: onCopy(func(y *Tensor, x ...*Tensor) { y.Copy_(x[0]) })},
		opCase{name: "MaskedFill_", op: "Tensor.MaskedFill_", f: onCopy(func(y *Tensor, x ...*Tensor) { y.MaskedFill_(x[0], 0.5) })},
		opCase{name: "Mul_/select", op: "Tensor.Mul_", f: onCopy(func(y *Tensor, x ...*Tensor) { y.Select(0, 1).Mul_(x[0]) }), gradgrad: true},
		opCase{name: "Copy_/slice", op: "Tensor.Copy_", f: onCopy(func(y *Tensor, x ...*Tensor) { y.Slice(1, 1, 3, 1).Copy_(x[0]) }), gradgrad: true},
		opCase{name: "Exp_/transposed_row", op: "Tensor.Exp_", f: onCopy(func(y *Tensor, _ ...*Tensor) { y.T().Select(0, 1).Exp_() }), gradgrad: true},
		opCase{name: "Add_/then_view", op: "Tensor.Add_", f: func(x ...*Tensor) *Tensor {
			v := x[0].MulScalar(1).Select(0, 1)
			return v.Add_(x[1]).MulScalar(2)
		}, gradgrad: true},

		// Views, and ops on non-contiguous (view) inputs.
		opCase{name: "Narrow/0,1,2", op: "Tensor.Narrow", f: func(x ...*Tensor) *Tensor { return x[0].Narrow(0, 1, 2) }, gradgrad: true},
		opCase{name: "Narrow/-1,-2,2", op: "Tensor.Narrow", f: func(x ...*Tensor) *Tensor { return x[0].Narrow(-1, -2, 2) }},
		opCase{name: "Slice/0,1:5:2", op: "Tensor.Slice", f: func(x ...*Tensor) *Tensor { return x[0].Slice(0, 1, 5, 2) }, gradgrad: true},
		opCase{name: "Slice/1,-3:-1", op: "Tensor.Slice", f: func(x ...*Tensor) *Tensor { return x[0].Slice(1, -3, -1, 1) }},
		opCase{name: "Slice/0,clamped:3", op: "Tensor.Slice", f: func(x ...*Tensor) *Tensor { return x[0].Slice(0, -10, 10, 3) }},
		opCase{name: "Select/0,1", op: "Tensor.Select", f: func(x ...*Tensor) *Tensor { return x[0].Select(0, 1) }, gradgrad: true},
		opCase{name: "Select/-1,-1", op: "Tensor.Select", f: func(x ...*Tensor) *Tensor { return x[0].Select(-1, -1) }},
		opCase{name: "Diagonal/0", op: "Tensor.Diagonal", f: func(x ...*Tensor) *Tensor { return x[0].Diagonal(0, 0, 1) }, gradgrad: true},
		opCase{name: "Diagonal/1", op: "Tensor.Diagonal", f: func(x ...*Tensor) *Tensor { return x[0].Diagonal(1, 0, 1) }},
		opCase{name: "Diagonal/-1", op: "Tensor.Diagonal", f: func(x ...*Tensor) *Tensor { return x[0].Diagonal(-1, 0, 1) }},
		opCase{name: "Diagonal/3d,0,1,2", op: "Tensor.Diagonal", f: func(x ...*Tensor) *Tensor { return x[0].Diagonal(0, 1, 2) }},
		opCase{name: "Diagonal/3d,1,-1,0", op: "Tensor.Diagonal", f: func(x ...*Tensor) *Tensor { return x[0].Diagonal(1, -1, 0) }},
		opCase{name: "Unfold/overlapping", op: "Tensor.Unfold", f: func(x ...*Tensor) *Tensor { return x[0].Unfold(1, 3, 1) }, gradgrad: true},
		opCase{name: "Unfold/step2", op: "Tensor.Unfold", f: func(x ...*Tensor) *Tensor { return x[0].Unfold(-1, 2, 2) }},
		opCase{name: "Unfold/dim0", op: "Tensor.Unfold", f: func(x ...*Tensor) *Tensor { return x[0].Unfold(0, 2, 1) }},
		opCase{name: "AsStrided/window", op: "Tensor.AsStrided", f: func(x ...*Tensor) *Tensor { return x[0].AsStrided([]int{2, 2}, []int{1, 4}, 1) }, gradgrad: true},
		opCase{name: "AsStrided/overlap", op: "Tensor.AsStrided", f: func(x ...*Tensor) *Tensor { return x[0].AsStrided([]int{3, 2}, []int{1, 1}, 0) }},
		opCase{name: "Movedim/0,2", op: "Tensor.Movedim", f: func(x ...*Tensor) *Tensor { return x[0].Movedim(0, 2) }},
		opCase{name: "Movedim/-1,0", op: "Tensor.Movedim", f: func(x ...*Tensor) *Tensor { return x[0].Movedim(-1, 0) }},
		opCase{name: "Unflatten/1,(2,2)", op: "Tensor.Unflatten", f: func(x ...*Tensor) *Tensor { return x[0].Unflatten(1, 2, 2) }},
		opCase{name: "Unflatten/-1,(2,-1)", op: "Tensor.Unflatten", f: func(x ...*Tensor) *Tensor { return x[0].Unflatten(-1, 2, -1) }},
		opCase{name: "BroadcastTo", op: "Tensor.BroadcastTo", f: func(x ...*Tensor) *Tensor { return x[0].BroadcastTo(2, 3, 4) }},
		opCase{name: "Flatten/start=1", op: "Tensor.Flatten", f: func(x ...*Tensor) *Tensor { return x[0].Flatten(1) }},
		opCase{name: "Flatten/0,1", op: "Tensor.Flatten", f: func(x ...*Tensor) *Tensor { return x[0].Flatten(0, 1) }},
		opCase{name: "Flatten/transposed", op: "Tensor.Flatten", f: func(x ...*Tensor) *Tensor { return x[0].T().Flatten() }},
		opCase{name: "Reshape/transposed", op: "Tensor.Reshape", f: func(x ...*Tensor) *Tensor { return x[0].T().Reshape(-1) }},
		opCase{name: "View/transposed_split", op: "Tensor.View", f: func(x ...*Tensor) *Tensor { return x[0].Transpose(0, 1).View(3, 2, 2, 2) }},
		opCase{name: "Contiguous/transposed", op: "Tensor.Contiguous", f: func(x ...*Tensor) *Tensor { return x[0].T().Contiguous() }, gradgrad: true},
		opCase{name: "Mul/transposed", op: "Tensor.Mul", f: func(x ...*Tensor) *Tensor { return x[0].T().Mul(x[1]) }, gradgrad: true},
		opCase{name: "Add/expanded", op: "Tensor.Add", f: func(x ...*Tensor) *Tensor { return x[0].Expand(3, 4).Add(x[1].T()) }, gradgrad: true},
		opCase{name: "Exp/transposed", op: "Tensor.Exp", f: func(x ...*Tensor) *Tensor { return x[0].T().Exp() }, gradgrad: true},
		opCase{name: "Relu/sliced", op: "Tensor.Relu", f: func(x ...*Tensor) *Tensor { return x[0].Slice(1, 0, 4, 2).Relu() }, gradgrad: true},
		opCase{name: "Tanh/narrowed", op: "Tensor.Tanh", f: func(x ...*Tensor) *Tensor { return x[0].Narrow(1, 1, 2).Tanh() }, gradgrad: true},
		opCase{name: "Sum/dim=0_transposed", op: "Tensor.Sum", f: func(x ...*Tensor) *Tensor { return x[0].T().Sum(0) }, gradgrad: true},
		opCase{name: "Softmax/transposed", op: "Tensor.Softmax", f: func(x ...*Tensor) *Tensor { return x[0].T().Softmax(1) }, gradgrad: true},
		opCase{name: "MatMul/2d·2d_transposed", op: "MatMul", f: func(x ...*Tensor) *Tensor { return tensor.MatMul(x[0].T(), x[1].T()) }, gradgrad: true},
		opCase{name: "MatMul/3d·3d_transposed", op: "MatMul", f: func(x ...*Tensor) *Tensor { return tensor.MatMul(x[0].Transpose(1, 2), x[1]) }, gradgrad: true},
		opCase{name: "MatMul/2d·2d_sliced", op: "MatMul", f: func(x ...*Tensor) *Tensor { return tensor.MatMul(x[0].Slice(1, 1, 5, 1), x[1].Slice(0, 0, 8, 2)) }, gradgrad: true},
		// From float64 the result is float32, whose resolution (6e-8) swamps a central
		// difference with step 1e-6; step 1e-3 keeps the rounding error near 1e-4,
		// and To is linear, so the larger step costs nothing.
		opCase{name: "To/other", op: "Tensor.To", f: func(x ...*Tensor) *Tensor { return x[0].To(otherFloat(x[0].DType())) },
			gradcheck: &tensor.GradCheckOptions{Eps: 1e-3}},
	)

	// Softmax; "large" has logits of ±1000, which overflow exp unless shifted.
	add(
		opCase{name: "Softmax/dim=1", op: "Tensor.Softmax", f: func(x ...*Tensor) *Tensor { return x[0].Softmax(1) }, gradgrad: true},
		opCase{name: "Softmax/dim=0", op: "Tensor.Softmax", f: func(x ...*Tensor) *Tensor { return x[0].Softmax(0) }, gradgrad: true},
		opCase{name: "Softmax/dim=-2", op: "Tensor.Softmax", f: func(x ...*Tensor) *Tensor { return x[0].Softmax(-2) }, gradgrad: true},
		opCase{name: "Softmax/large", op: "Tensor.Softmax", f: func(x ...*Tensor) *Tensor { return x[0].Softmax(1) }, gradgrad: true},
		opCase{name: "Softmax/0-d", op: "Tensor.Softmax", f: func(x ...*Tensor) *Tensor { return x[0].Softmax(0) }},
		opCase{name: "LogSoftmax/dim=1", op: "Tensor.LogSoftmax", f: func(x ...*Tensor) *Tensor { return x[0].LogSoftmax(1) }, gradgrad: true},
		opCase{name: "LogSoftmax/dim=0", op: "Tensor.LogSoftmax", f: func(x ...*Tensor) *Tensor { return x[0].LogSoftmax(0) }, gradgrad: true},
		opCase{name: "LogSoftmax/dim=-2", op: "Tensor.LogSoftmax", f: func(x ...*Tensor) *Tensor { return x[0].LogSoftmax(-2) }, gradgrad: true},
		opCase{name: "LogSoftmax/large", op: "Tensor.LogSoftmax", f: func(x ...*Tensor) *Tensor { return x[0].LogSoftmax(1) }, gradgrad: true},
		opCase{name: "LogSoftmax/0-d", op: "Tensor.LogSoftmax", f: func(x ...*Tensor) *Tensor { return x[0].LogSoftmax(-1) }},
	)

	// nn/functional.
	add(
		opCase{name: "functional.Relu", op: "functional.Relu", f: func(x ...*Tensor) *Tensor { return functional.Relu(x[0]) }},
		opCase{name: "functional.Sigmoid", op: "functional.Sigmoid", f: func(x ...*Tensor) *Tensor { return functional.Sigmoid(x[0]) }},
		opCase{name: "functional.Tanh", op: "functional.Tanh", f: func(x ...*Tensor) *Tensor { return functional.Tanh(x[0]) }},
		opCase{name: "functional.Softmax", op: "functional.Softmax", f: func(x ...*Tensor) *Tensor { return functional.Softmax(x[0], 1) }},
		opCase{name: "functional.LogSoftmax", op: "functional.LogSoftmax", f: func(x ...*Tensor) *Tensor { return functional.LogSoftmax(x[0], 1) }},
	)
	reductions := []struct {
		tag string
		r   functional.Reduction
	}{{"mean", functional.Mean}, {"sum", functional.Sum}, {"none", functional.None}}
	for _, red := range reductions {
		r := red.r
		add(
			opCase{name: "MSELoss/" + red.tag, op: "functional.MSELoss", f: func(x ...*Tensor) *Tensor { return functional.MSELoss(x[0], x[1], r) }, gradgrad: true},
			opCase{name: "BinaryCrossEntropy/" + red.tag, op: "functional.BinaryCrossEntropy", f: func(x ...*Tensor) *Tensor { return functional.BinaryCrossEntropy(x[0], x[1], r) }, gradgrad: true},
			opCase{name: "BinaryCrossEntropyWithLogits/" + red.tag, op: "functional.BinaryCrossEntropyWithLogits", f: func(x ...*Tensor) *Tensor { return functional.BinaryCrossEntropyWithLogits(x[0], x[1], r) }, gradgrad: true},
			opCase{name: "BinaryCrossEntropyWithLogits/±100/" + red.tag, op: "functional.BinaryCrossEntropyWithLogits", f: func(x ...*Tensor) *Tensor { return functional.BinaryCrossEntropyWithLogits(x[0], x[1], r) }, gradgrad: true},
			opCase{name: "CrossEntropy/" + red.tag, op: "functional.CrossEntropy", f: func(x ...*Tensor) *Tensor { return functional.CrossEntropy(x[0], x[1], r) }, gradgrad: true},
			opCase{name: "NLLLoss/" + red.tag, op: "functional.NLLLoss", f: func(x ...*Tensor) *Tensor { return functional.NLLLoss(x[0], x[1], r) }},
		)
	}
	add(
		// Without a reduction argument: Mean.
		opCase{name: "MSELoss/const_target", op: "functional.MSELoss", f: func(x ...*Tensor) *Tensor { return functional.MSELoss(x[0], x[1]) }},
		opCase{name: "BinaryCrossEntropy/const_target", op: "functional.BinaryCrossEntropy", f: func(x ...*Tensor) *Tensor { return functional.BinaryCrossEntropy(x[0], x[1]) }},
		opCase{name: "BinaryCrossEntropy/at_kinks", op: "functional.BinaryCrossEntropy", f: func(x ...*Tensor) *Tensor { return functional.BinaryCrossEntropy(x[0], x[1], functional.None) }, kink: true},
		opCase{name: "CrossEntropy/unbatched", op: "functional.CrossEntropy", f: func(x ...*Tensor) *Tensor { return functional.CrossEntropy(x[0], x[1]) }},
		opCase{name: "NLLLoss/unbatched", op: "functional.NLLLoss", f: func(x ...*Tensor) *Tensor { return functional.NLLLoss(x[0], x[1]) }},
	)
	add(libraryRows()...) // optable_lib_test.go
	return rows
}()

// onCopy returns a row's f for an in-place op: op applied to y = x[0]·1, given the
// other inputs; the result is y.
func onCopy(op func(y *Tensor, x ...*Tensor)) func(x ...*Tensor) *Tensor {
	return func(x ...*Tensor) *Tensor {
		y := x[0].MulScalar(1)
		op(y, x[1:]...)
		return y
	}
}

func otherFloat(d tensor.DType) tensor.DType {
	if d == tensor.Float32 {
		return tensor.Float64
	}
	return tensor.Float32
}

// Golden data, as written by gen_ops_golden.py.

type goldenInput struct {
	Shape []int      `json:"shape"`
	DType string     `json:"dtype"` // "float" (the run's dtype), "float32", "float64", "int64" or "bool"
	Grad  bool       `json:"grad"`  // requires grad
	Data  jsonFloats `json:"data"`
}

type goldenRun struct {
	OutDType string       `json:"out_dtype"`
	Shape    []int        `json:"shape"`
	Data     jsonFloats   `json:"data"`
	GradFn   string       `json:"grad_fn"` // "" when the result is the (leaf) input itself
	Grads    []jsonFloats `json:"grads"`   // per input; nil where it needs no gradient
}

// jsonFloats are numbers as gen_ops_golden.py writes them: JSON numbers, or the
// strings "nan", "inf" and "-inf", which JSON has no numbers for.
type jsonFloats []float64

func (f *jsonFloats) UnmarshalJSON(b []byte) error {
	var raw []any
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		*f = nil
		return nil
	}
	out := make([]float64, len(raw))
	for i, v := range raw {
		switch v := v.(type) {
		case float64:
			out[i] = v
		case string:
			switch v {
			case "nan":
				out[i] = math.NaN()
			case "inf":
				out[i] = math.Inf(1)
			case "-inf":
				out[i] = math.Inf(-1)
			default:
				return fmt.Errorf("bad number %q", v)
			}
		default:
			return fmt.Errorf("bad number %v", v)
		}
	}
	*f = out
	return nil
}

type goldenCase struct {
	Name     string        `json:"name"`
	Inputs   []goldenInput `json:"inputs"`
	Upstream jsonFloats    `json:"upstream"` // nil when the result is not a float tensor
	Float32  goldenRun     `json:"float32"`
	Float64  goldenRun     `json:"float64"`
}

var opsGolden = sync.OnceValues(func() (map[string]*goldenCase, error) {
	b, err := os.ReadFile("testdata/ops_golden.json")
	if err != nil {
		return nil, err
	}
	var file struct {
		Cases []*goldenCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		return nil, err
	}
	m := make(map[string]*goldenCase, len(file.Cases))
	for _, c := range file.Cases {
		m[c.Name] = c
	}
	return m, nil
})

func goldenFor(t *testing.T, name string) *goldenCase {
	t.Helper()
	cases, err := opsGolden()
	if err != nil {
		t.Fatal(err)
	}
	c := cases[name]
	if c == nil {
		t.Fatalf("no case %q in testdata/ops_golden.json; rerun gen_ops_golden.py", name)
	}
	return c
}

// goldenTensor returns data as a leaf of dtype dt and the given shape (0-d for an
// empty shape).
func goldenTensor(data []float64, shape []int, dt tensor.DType) *Tensor {
	var x *Tensor
	switch dt {
	case tensor.Int64:
		v := make([]int64, len(data))
		for i, f := range data {
			v[i] = int64(f)
		}
		x = tensor.New(v)
	case tensor.Bool:
		v := make([]bool, len(data))
		for i, f := range data {
			v[i] = f != 0
		}
		x = tensor.NewBool(v)
	default:
		x = tensor.New(data).To(dt)
	}
	return x.Reshape(shape...)
}

// inputs returns the case's inputs with float ones of dtype dt, requiring grad as
// the case says.
func (c *goldenCase) inputs(dt tensor.DType) []*Tensor {
	xs := make([]*Tensor, len(c.Inputs))
	for i, in := range c.Inputs {
		switch in.DType {
		case "int64":
			xs[i] = goldenTensor(in.Data, in.Shape, tensor.Int64)
		case "bool":
			xs[i] = goldenTensor(in.Data, in.Shape, tensor.Bool)
		case "float32":
			xs[i] = goldenTensor(in.Data, in.Shape, tensor.Float32).SetRequiresGrad(in.Grad)
		case "float64":
			xs[i] = goldenTensor(in.Data, in.Shape, tensor.Float64).SetRequiresGrad(in.Grad)
		default:
			xs[i] = goldenTensor(in.Data, in.Shape, dt).SetRequiresGrad(in.Grad)
		}
	}
	return xs
}

// opTol is a comparison tolerance: |got - want| <= atol + rtol·|want|.
type opTol struct{ rtol, atol float64 }

// Tolerances against PyTorch, about 10× looser than the tightest that held on
// amd64 with and without the purego tag (float64 rtol 1e-12 atol 1e-14; float32
// rtol 1e-6 atol 3e-7), so that other kernels' rounding has room. float64: both
// sides compute in float64 and differ in summation order and libm only. float32:
// PyTorch computes in float32 while some gograd ops go through float64 and round
// once; the worst rows are Tanh's gradient (1 - y² cancels near ±1) and the sum
// over broadcast batches of MatMul's gradient.
var (
	tolFloat64 = opTol{rtol: 1e-11, atol: 1e-13}
	tolFloat32 = opTol{rtol: 2e-6, atol: 5e-7}
)

// mismatch returns a description of the worst element of got outside tolerance of
// want, or "" when all are within it.
func (tl opTol) mismatch(got, want []float64) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d values, want %d", len(got), len(want))
	}
	worst, excess := -1, 0.0
	for i := range got {
		if got[i] == want[i] || math.IsNaN(got[i]) && math.IsNaN(want[i]) {
			continue // also equal infinities, whose difference is NaN
		}
		d := math.Abs(got[i] - want[i])
		e := d - (tl.atol + tl.rtol*math.Abs(want[i]))
		if e > excess || math.IsNaN(d) {
			worst, excess = i, e
			if math.IsNaN(d) {
				break
			}
		}
	}
	if worst < 0 {
		return ""
	}
	return fmt.Sprintf("element %d: got %.17g, want %.17g (diff %.3g)", worst, got[worst], want[worst], math.Abs(got[worst]-want[worst]))
}

func TestOpsGradCheck(t *testing.T) {
	for _, row := range opTable {
		if row.kink || row.nocheck != "" {
			continue
		}
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			c := goldenFor(t, row.name)
			if !isFloatName(c.Float64.OutDType) || !slices.ContainsFunc(c.Inputs, func(in goldenInput) bool { return in.Grad }) {
				return // no gradient (bool or int64 results, int64 inputs); TestOpsGolden checks the values
			}
			var opts []tensor.GradCheckOptions
			if row.gradcheck != nil {
				opts = append(opts, *row.gradcheck)
			}
			var fails failures
			var err error
			if p := tensor.Maybe(func() { err = tensor.GradCheck(row.f, c.inputs(tensor.Float64), opts...) }); p != nil {
				err = p
			}
			if err != nil {
				fails.Errorf("GradCheck: %v", err)
			}
			if row.gradgrad {
				if p := tensor.Maybe(func() { err = tensor.GradGradCheck(row.f, c.inputs(tensor.Float64), opts...) }); p != nil {
					err = p
				}
				if err != nil {
					fails.Errorf("GradGradCheck: %v", err)
				}
			}
			fails.report(t)
		})
	}
}

func TestOpsGolden(t *testing.T) {
	for _, row := range opTable {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			c := goldenFor(t, row.name)
			var fails failures
			tl32 := tolFloat32
			if row.tol32 != nil {
				tl32 = *row.tol32
			}
			checkGolden(&fails, row, c, tensor.Float32, &c.Float32, tl32)
			checkGolden(&fails, row, c, tensor.Float64, &c.Float64, tolFloat64)
			fails.report(t)
		})
	}
}

// failures collects a row's mismatches, to report them together.
type failures []string

func (f *failures) Errorf(format string, args ...any) { *f = append(*f, fmt.Sprintf(format, args...)) }

func (f failures) report(t *testing.T) {
	t.Helper()
	for _, m := range f {
		t.Error(m)
	}
}

func checkGolden(t *failures, row opCase, c *goldenCase, dt tensor.DType, want *goldenRun, tl opTol) {
	if want.OutDType == "float32" && dt != tensor.Float32 {
		tl = tolFloat32 // the result's precision decides (a float32 result of float64 inputs)
	}
	xs := c.inputs(dt)
	var out *Tensor
	if err := tensor.Maybe(func() { out = row.f(xs...) }); err != nil {
		t.Errorf("%v: forward: %v", dt, err)
		return
	}
	if got := out.DType().String(); got != want.OutDType {
		t.Errorf("%v: result dtype %s, want %s", dt, got, want.OutDType)
		return
	}
	if !slices.Equal(out.Shape(), want.Shape) {
		t.Errorf("%v: result shape %v, want %v", dt, out.Shape(), want.Shape)
		return
	}
	if m := tl.mismatch(out.Values(), want.Data); m != "" {
		t.Errorf("%v: forward: %s", dt, m)
	}
	gotFn := ""
	if out.GradFn() != nil {
		gotFn = out.GradFn().Name()
	}
	if gotFn != want.GradFn {
		t.Errorf("%v: grad_fn %q, want %q", dt, gotFn, want.GradFn)
	}
	if c.Upstream == nil {
		if out.RequiresGrad() {
			t.Errorf("%v: result requires grad; PyTorch's does not", dt)
		}
		return
	}
	up := goldenTensor(c.Upstream, want.Shape, out.DType())
	if err := tensor.Maybe(func() { out.Backward(tensor.BackwardOptions{Gradient: up}) }); err != nil {
		t.Errorf("%v: Backward: %v", dt, err)
		return
	}
	for i, x := range xs {
		wg := want.Grads[i]
		g := x.Grad()
		switch {
		case wg == nil && g == nil:
		case wg == nil:
			t.Errorf("%v: input %d got a gradient, want none", dt, i)
		case g == nil:
			t.Errorf("%v: input %d got no gradient", dt, i)
		case g.DType() != x.DType() || !slices.Equal(g.Shape(), x.Shape()):
			t.Errorf("%v: input %d gradient is %v %v, want %v %v", dt, i, g.DType(), g.Shape(), x.DType(), x.Shape())
		default:
			if m := tl.mismatch(g.Values(), wg); m != "" {
				t.Errorf("%v: gradient of input %d: %s", dt, i, m)
			}
		}
	}
}

func isFloatName(dt string) bool { return dt == "float32" || dt == "float64" }

// notDifferentiable lists the exported functions and methods returning a tensor
// that need no row: they create tensors, change them in place outside the graph,
// or give access to the graph rather than computing on it.
var notDifferentiable = map[string]string{
	// Creation: new leaves from data, constants or random numbers.
	"New": "creation", "FromSlice": "creation", "Scalar": "creation", "Zeros": "creation", "Ones": "creation",
	"Full": "creation", "Arange": "creation", "Eye": "creation",
	"ZerosLike": "creation", "OnesLike": "creation", "FullLike": "creation",
	"Rand": "creation", "Randn": "creation", "RandLike": "creation", "RandnLike": "creation",
	"DType.Scalar": "creation", "DType.Zeros": "creation", "DType.Ones": "creation",
	"DType.Full": "creation", "DType.Arange": "creation", "DType.Eye": "creation",
	"DType.Rand": "creation", "DType.Randn": "creation",
	"Generator.Uniform": "fills in place, not recorded",
	"Generator.Normal":  "fills in place, not recorded",

	// Graph and storage plumbing.
	"Tensor.Detach":          "cuts the graph",
	"Tensor.SetRequiresGrad": "marks a leaf",
	"Tensor.Grad":            "accessor of the accumulated gradient",
	"Node.Variable":          "accessor of an AccumulateGrad node's leaf",
	"Apply":                  "runs a custom Function; every loss row goes through it",
	"ApplyMulti":             "runs a custom MultiFunction; TestApplyMulti (function_test.go) checks it against PyTorch",
	"MakeDual":               "forward AD: primal's view with a tangent (TestForwardAD*)",
	"UnpackDual":             "forward AD: reads a tangent (TestForwardAD*)",

	// Layers tested outside the golden files.
	"functional.Dropout":              "random: TestDropout checks the kept share, the scaling and the gradient",
	"functional.Dropout2d":            "random: TestDropout2d checks whole channels are kept or dropped",
	"functional.MaxPool2dWithIndices": "TestLayersGolden compares the indices of every max_pool2d case",
	"functional.CausalMask":           "creation: a constant additive mask (the sdpa_causal case uses it)",
	"functional.BoolMask":             "creation: a constant additive mask (the sdpa_bool_mask case uses it)",
	"functional.AdditiveMask":         "creation: a bool mask as a constant additive one (the sdpa_bool_tensor case and mha.json's bool masks use it)",
	"functional.AlphaDropout":         "random: TestAlphaDropoutStatistics checks the dropped share, the values, mean, variance and gradient",
	"functional.FeatureAlphaDropout":  "random: TestFeatureAlphaDropout checks whole channels are kept or dropped",
	"functional.EmbeddingRenorm_":     "in place, not recorded: the embedding_max_norm cases check the weight it leaves",

	// out= variants: never recorded (TestOutVariants checks them against the ops).
	"AddOut": "out=", "SubOut": "out=", "MulOut": "out=", "DivOut": "out=", "MatMulOut": "out=",
	"SumOut": "out=", "MeanOut": "out=", "ExpOut": "out=", "SigmoidOut": "out=", "TanhOut": "out=", "ReluOut": "out=",

	// Indices: integer results, no gradient (TestArgmax checks the values).
	"Tensor.Argmax": "returns int64 indices",
}

// exportedTensorFuncs parses the non-test Go files of dir and returns the exported
// functions, and exported methods of exported types, with a result of type
// *Tensor (when qual is "") or *tensor.Tensor (when qual is "tensor"), named
// "Func" or "Type.Method" and prefixed by prefix.
func exportedTensorFuncs(t *testing.T, dir, qual, prefix string) []string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var isTensor func(e ast.Expr) bool
	isTensor = func(e ast.Expr) bool {
		if arr, ok := e.(*ast.ArrayType); ok {
			return isTensor(arr.Elt) // []*Tensor: Split, Unbind, Meshgrid
		}
		star, ok := e.(*ast.StarExpr)
		if !ok {
			return false
		}
		switch x := star.X.(type) {
		case *ast.Ident:
			return qual == "" && x.Name == "Tensor"
		case *ast.SelectorExpr:
			pkg, ok := x.X.(*ast.Ident)
			return ok && pkg.Name == qual && x.Sel.Name == "Tensor"
		}
		return false
	}
	var names []string
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || !fn.Name.IsExported() || fn.Type.Results == nil {
				continue
			}
			if !slices.ContainsFunc(fn.Type.Results.List, func(r *ast.Field) bool { return isTensor(r.Type) }) {
				continue
			}
			name := fn.Name.Name
			if fn.Recv != nil {
				recv := fn.Recv.List[0].Type
				if s, ok := recv.(*ast.StarExpr); ok {
					recv = s.X
				}
				id, ok := recv.(*ast.Ident)
				if !ok || !id.IsExported() {
					continue // methods of unexported types (a Function's Forward) are not API
				}
				name = id.Name + "." + name
			}
			names = append(names, prefix+name)
		}
	}
	return names
}

// layerGoldenOps returns the nn/functional ops that have cases in the layer golden
// files nn/testdata/*.json ({"cases": [{"op": "max_pool2d", ...}]}), whose tests in
// nn/functional compare each case with PyTorch in float32 and float64 and
// gradcheck it in float64: the op table's successor for layers. A case's op is
// PyTorch's snake_case name; it names the exported function whose name, in lower
// case, is the op without underscores ("max_pool2d" is functional.MaxPool2d,
// "rms_norm" is functional.RMSNorm).
func layerGoldenOps(t *testing.T, exported []string) map[string]bool {
	byKey := map[string]string{}
	for _, name := range exported {
		if f, ok := strings.CutPrefix(name, "functional."); ok {
			byKey[strings.ToLower(f)] = name
		}
	}
	files, err := filepath.Glob("../nn/testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var golden struct {
			Cases []struct {
				Op string `json:"op"`
			} `json:"cases"`
		}
		if json.Unmarshal(b, &golden) != nil {
			continue // not a layer golden file
		}
		for _, c := range golden.Cases {
			if name, ok := byKey[strings.ToLower(strings.ReplaceAll(c.Op, "_", ""))]; ok {
				ops[name] = true
			}
		}
	}
	return ops
}

func TestOpTableCoverage(t *testing.T) {
	exported := exportedTensorFuncs(t, ".", "", "")
	exported = append(exported, exportedTensorFuncs(t, "../nn/functional", "tensor", "functional.")...)

	covered := layerGoldenOps(t, exported)
	rowNames := map[string]bool{}
	for _, row := range opTable {
		covered[row.op] = true
		if rowNames[row.name] {
			t.Errorf("two rows named %q", row.name)
		}
		rowNames[row.name] = true
		if !slices.Contains(exported, row.op) {
			t.Errorf("row %q covers %q, which is not an exported function returning a tensor", row.name, row.op)
		}
		if _, ok := notDifferentiable[row.op]; ok {
			t.Errorf("%q has a row and is listed in notDifferentiable", row.op)
		}
	}
	for _, name := range exported {
		_, exempt := notDifferentiable[name]
		if !covered[name] && !exempt {
			t.Errorf("exported %s returns a tensor but has no row in opTable (add a case to "+
				"testdata/gen_ops_golden.py and a row here, or list it in notDifferentiable saying why)", name)
		}
	}
	for name := range notDifferentiable {
		if !slices.Contains(exported, name) {
			t.Errorf("notDifferentiable lists %s, which is not an exported function returning a tensor", name)
		}
	}

	cases, err := opsGolden()
	if err != nil {
		t.Fatal(err)
	}
	for name := range cases {
		if !rowNames[name] {
			t.Errorf("ops_golden.json has case %q with no row in opTable", name)
		}
	}
}

// errorCases are calls that must panic with a *tensor.Error carrying exactly this
// message: the op's name and the shapes involved.
type errorCase struct {
	name string
	f    func()
	want string
}

var errorCases = []errorCase{
	{"Mul/broadcast", func() { tensor.Ones(2, 3).Mul(tensor.Ones(3, 2)) },
		"tensor: Mul: shapes [2 3] and [3 2] do not broadcast"},
	{"Maximum/broadcast", func() { tensor.Maximum(tensor.Ones(2, 3), tensor.Ones(4)) },
		"tensor: Maximum: shapes [2 3] and [4] do not broadcast"},
	{"PowTensor/broadcast", func() { tensor.Ones(2, 3).PowTensor(tensor.Ones(2)) },
		"tensor: PowTensor: shapes [2 3] and [2] do not broadcast"},
	{"Frac/int64", func() { tensor.New([]int64{1, 2}).Frac() },
		"tensor: Frac: op needs a float tensor, got dtype int64 (shape [2])"},
	{"MatMul/inner", func() { tensor.MatMul(tensor.Ones(2, 3), tensor.Ones(2, 3)) },
		"tensor: MatMul: shapes [2 3] and [2 3] cannot be multiplied (3 != 2)"},
	{"MatMul/0-d", func() { tensor.Scalar(1).MatMul(tensor.Ones(3)) },
		"tensor: MatMul: both arguments need at least 1 dim, got shapes [] and [3]"},
	{"MatMul/batch", func() { tensor.MatMul(tensor.Ones(2, 3, 4), tensor.Ones(3, 4, 5)) },
		"tensor: MatMul: shapes [2 3 4] and [3 4 5] do not broadcast (batch dims [2] and [3])"},
	{"Sum/dim", func() { tensor.Ones(2, 3).Sum(5) },
		"tensor: Sum: dim 5 out of range for shape [2 3]"},
	{"Sum/repeated", func() { tensor.Ones(2, 3).Sum(1, -1) },
		"tensor: Sum: dim 1 appears more than once in [1 -1]"},
	{"MeanKeepDim/dim", func() { tensor.Ones(2, 3).MeanKeepDim(-3) },
		"tensor: MeanKeepDim: dim -3 out of range for shape [2 3]"},
	{"LogSoftmax/dim", func() { tensor.Ones(2, 3).LogSoftmax(2) },
		"tensor: LogSoftmax: dim 2 out of range for shape [2 3]"},
	{"Reshape/count", func() { tensor.Ones(2, 3).Reshape(4, -1) },
		"tensor: Reshape: shape [4 -1] is invalid for input of shape [2 3]"},
	{"View/count", func() { tensor.Ones(2, 3).View(4, 2) },
		"tensor: View: shape [4 2] is invalid for input of shape [2 3]"},
	{"Expand", func() { tensor.Ones(3, 2).Expand(3, 4) },
		"tensor: Expand: cannot expand shape [3 2] to [3 4]"},
	{"Permute/rank", func() { tensor.Ones(2, 3).Permute(0) },
		"tensor: Permute: dims [0] do not match shape [2 3]"},
	{"Transpose/dim", func() { tensor.Ones(2, 3).Transpose(0, 2) },
		"tensor: Transpose: dim 2 out of range for shape [2 3]"},
	{"T/3d", func() { tensor.Ones(2, 3, 4).T() },
		"tensor: T: expects a tensor with <= 2 dims, got shape [2 3 4]"},
	{"Unsqueeze/dim", func() { tensor.Ones(2, 3).Unsqueeze(4) },
		"tensor: Unsqueeze: dim 4 out of range for shape [2 3]"},
	{"Backward/non-scalar", func() { tensor.Ones(2, 3).SetRequiresGrad(true).MulScalar(2).Backward() },
		"tensor: Backward: grad can be implicitly created only for one-element outputs, got shape [2 3]; pass a gradient"},
	{"Backward/no-grad", func() { tensor.Ones(2, 3).Sum().Backward() },
		"tensor: Backward: element 0 of tensors does not require grad and does not have a grad_fn"},
	{"Backward/gradient-shape", func() {
		tensor.Ones(2, 3).SetRequiresGrad(true).MulScalar(2).Backward(tensor.BackwardOptions{Gradient: tensor.Ones(3)})
	}, "tensor: Backward: gradient shape [3] does not match output shape [2 3]"},
	{"Backward/twice", func() {
		x := tensor.Ones(2).SetRequiresGrad(true)
		y := x.Mul(x).Sum()
		y.Backward()
		y.Backward()
	}, "tensor: Backward: trying to backward through the graph a second time (MulBackward0 has freed its saved values); " +
		"pass RetainGraph: true the first time if you need to backward twice"},
	{"SetRequiresGrad/int64", func() { tensor.New([]int64{1}).SetRequiresGrad(true) },
		"tensor: SetRequiresGrad: only float tensors can require gradients, got dtype int64"},
	{"functional.MSELoss/shapes", func() { functional.MSELoss(tensor.Ones(2, 3), tensor.Ones(3, 2)) },
		"functional: MSELoss: input shape [2 3] and target shape [3 2] differ"},
	{"functional.BinaryCrossEntropyWithLogits/dtypes", func() {
		functional.BinaryCrossEntropyWithLogits(tensor.Ones(2), tensor.Float64.Ones(2))
	}, "functional: BinaryCrossEntropyWithLogits: input dtype float32 and target dtype float64 differ"},
	{"functional.NLLLoss/target-range", func() { functional.NLLLoss(tensor.Ones(2, 5), tensor.New([]int64{1, 5})) },
		"functional: NLLLoss: target 5 is out of bounds for 5 classes"},
	{"functional.NLLLoss/target-dtype", func() { functional.NLLLoss(tensor.Ones(2, 5), tensor.Ones(2)) },
		"functional: NLLLoss: target must hold int64 class indices, got dtype float32"},
	{"functional.CrossEntropy/shapes", func() { functional.CrossEntropy(tensor.Ones(2, 5), tensor.New([]int64{1, 2, 3})) },
		"functional: CrossEntropy: input shape [2 5] and target shape [3] do not match: want (N, C, d...) and (N, d...), or (C) and ()"},
}

func TestOpsErrors(t *testing.T) {
	for _, c := range errorCases {
		t.Run(c.name, func(t *testing.T) {
			err := tensor.Maybe(c.f)
			var e *tensor.Error
			if !errors.As(err, &e) {
				t.Fatalf("want a *tensor.Error panic, got %v", err)
			}
			if e.Error() != c.want {
				t.Errorf("message\n%q\nwant\n%q", e.Error(), c.want)
			}
		})
	}
}
