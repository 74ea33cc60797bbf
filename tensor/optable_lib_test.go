package tensor_test

import (
	"math"

	"github.com/gograd/gograd/tensor"
)

// Rows of the op table for the op library (issue 7 §2), kept in their own file;
// the cases are in the second part of testdata/gen_ops_golden.py.

func libraryRows() []opCase {
	var rows []opCase
	add := func(r ...opCase) { rows = append(rows, r...) }
	fn1 := func(f func(x *Tensor) *Tensor) func(x ...*Tensor) *Tensor {
		return func(x ...*Tensor) *Tensor { return f(x[0]) }
	}
	fn2 := func(f func(x, y *Tensor) *Tensor) func(x ...*Tensor) *Tensor {
		return func(x ...*Tensor) *Tensor { return f(x[0], x[1]) }
	}
	const mixed = "an input has a fixed float32 dtype; the float64 rows of the same op check gradients"

	// Dtypes.
	add(
		opCase{name: "Add/int64", op: "Tensor.Add", f: fn2((*Tensor).Add)},
		opCase{name: "Sub/int64", op: "Tensor.Sub", f: fn2((*Tensor).Sub)},
		opCase{name: "Mul/int64", op: "Tensor.Mul", f: fn2((*Tensor).Mul)},
		opCase{name: "Div/int64", op: "Tensor.Div", f: fn2((*Tensor).Div)},
		opCase{name: "Add/bool", op: "Tensor.Add", f: fn2((*Tensor).Add)},
		opCase{name: "Mul/bool_int64", op: "Tensor.Mul", f: fn2((*Tensor).Mul)},
		opCase{name: "Add/int64_float", op: "Tensor.Add", f: fn2((*Tensor).Add)},
		opCase{name: "Mul/float_float64", op: "Tensor.Mul", f: fn2((*Tensor).Mul), gradgrad: true},
		opCase{name: "Add/float32_float64_0-d", op: "Tensor.Add", f: fn2((*Tensor).Add), nocheck: mixed},
		opCase{name: "Sub/int64_float64_0-d", op: "Tensor.Sub", f: fn2((*Tensor).Sub)},
		opCase{name: "AddScalar/int64", op: "Tensor.AddScalar", f: fn1(func(x *Tensor) *Tensor { return x.AddScalar(3) })},
		opCase{name: "MulScalar/int64_by_fraction", op: "Tensor.MulScalar", f: fn1(func(x *Tensor) *Tensor { return x.MulScalar(2.5) })},
		opCase{name: "To/bool", op: "Tensor.To", f: fn1(func(x *Tensor) *Tensor { return x.To(tensor.Bool) })},
		opCase{name: "To/int64", op: "Tensor.To", f: fn1(func(x *Tensor) *Tensor { return x.To(tensor.Int64) })},
	)

	// Comparisons and logical ops.
	cmps := []struct {
		name   string
		f      func(x, y *Tensor) *Tensor
		scalar func(x *Tensor, s float64) *Tensor
	}{
		{"Eq", (*Tensor).Eq, (*Tensor).EqScalar},
		{"Ne", (*Tensor).Ne, (*Tensor).NeScalar},
		{"Lt", (*Tensor).Lt, (*Tensor).LtScalar},
		{"Le", (*Tensor).Le, (*Tensor).LeScalar},
		{"Gt", (*Tensor).Gt, (*Tensor).GtScalar},
		{"Ge", (*Tensor).Ge, (*Tensor).GeScalar},
	}
	for _, c := range cmps {
		op := "Tensor." + c.name
		sc := c.scalar
		add(
			opCase{name: c.name, op: op, f: fn2(c.f)},
			opCase{name: c.name + "/broadcast", op: op, f: fn2(c.f)},
			opCase{name: c.name + "/int64_float", op: op, f: fn2(c.f)},
			opCase{name: c.name + "Scalar", op: op + "Scalar", f: fn1(func(x *Tensor) *Tensor { return sc(x, 0.5) })},
		)
	}
	add(
		opCase{name: "IsNaN", op: "Tensor.IsNaN", f: fn1((*Tensor).IsNaN)},
		opCase{name: "IsInf", op: "Tensor.IsInf", f: fn1((*Tensor).IsInf)},
		opCase{name: "IsFinite", op: "Tensor.IsFinite", f: fn1((*Tensor).IsFinite)},
		opCase{name: "IsNaN/int64", op: "Tensor.IsNaN", f: fn1((*Tensor).IsNaN)},
		opCase{name: "LogicalAnd", op: "Tensor.LogicalAnd", f: fn2((*Tensor).LogicalAnd)},
		opCase{name: "LogicalOr", op: "Tensor.LogicalOr", f: fn2((*Tensor).LogicalOr)},
		opCase{name: "LogicalXor", op: "Tensor.LogicalXor", f: fn2((*Tensor).LogicalXor)},
		opCase{name: "LogicalAnd/float_int64", op: "Tensor.LogicalAnd", f: fn2((*Tensor).LogicalAnd)},
		opCase{name: "LogicalNot", op: "Tensor.LogicalNot", f: fn1((*Tensor).LogicalNot)},
		opCase{name: "LogicalNot/bool", op: "Tensor.LogicalNot", f: fn1((*Tensor).LogicalNot)},
	)

	// Where, MaskedFill, ClampTensor.
	where := func(x ...*Tensor) *Tensor { return tensor.Where(x[0], x[1], x[2]) }
	add(
		opCase{name: "Where", op: "Where", f: where, gradgrad: true},
		opCase{name: "Where/broadcast", op: "Where", f: where, gradgrad: true},
		opCase{name: "Where/mixed_dtypes", op: "Where", f: where},
		opCase{name: "Where/int64", op: "Where", f: where},
		opCase{name: "MaskedFill", op: "Tensor.MaskedFill", f: func(x ...*Tensor) *Tensor { return x[0].MaskedFill(x[1], -1.5) }, gradgrad: true},
		opCase{name: "MaskedFill/broadcast_mask", op: "Tensor.MaskedFill", f: func(x ...*Tensor) *Tensor { return x[0].MaskedFill(x[1], 2) }},
		opCase{name: "MaskedFill/inf", op: "Tensor.MaskedFill", f: func(x ...*Tensor) *Tensor { return x[0].MaskedFill(x[1], math.Inf(-1)) },
			nocheck: "central differences of the filled -inf are NaN; the MaskedFill row checks the gradient"},
		opCase{name: "ClampTensor", op: "Tensor.ClampTensor", f: func(x ...*Tensor) *Tensor { return x[0].ClampTensor(x[1], x[2]) }, gradgrad: true},
		opCase{name: "ClampTensor/min_only", op: "Tensor.ClampTensor", f: func(x ...*Tensor) *Tensor { return x[0].ClampTensor(x[1], nil) }},
		opCase{name: "ClampTensor/max_only", op: "Tensor.ClampTensor", f: func(x ...*Tensor) *Tensor { return x[0].ClampTensor(nil, x[1]) }},
		opCase{name: "ClampTensor/lo_above_hi", op: "Tensor.ClampTensor", f: func(x ...*Tensor) *Tensor { return x[0].ClampTensor(x[1], x[2]) }},
	)
	return rows
}

// libraryNotDifferentiable extends notDifferentiable for the op library.
var libraryNotDifferentiable = map[string]string{
	"NewBool":           "creation",
	"Grad":              "the autograd API, returning gradients (engine tests cover it)",
	"Context.Saved":     "accessor of a custom Function's saved tensors",
	"Tensor.Contiguous": "returns t itself until strided views exist",
}

// libraryErrors extends errorCases.
var libraryErrors = []errorCase{
	{"Where/condition", func() { tensor.Where(tensor.Ones(2), tensor.Ones(2), tensor.Ones(2)) },
		"tensor: Where: condition must be a bool tensor, got dtype float32 (shape [2])"},
	{"MaskedFill/mask-shape", func() { tensor.Ones(2, 3).MaskedFill(tensor.NewBool([]bool{true, false, true, true}, 2, 2), 0) },
		"tensor: MaskedFill: shapes [2 3] and [2 2] do not broadcast"},
	{"MaskedFill/mask-larger", func() { tensor.Ones(3).MaskedFill(tensor.NewBool(make([]bool, 6), 2, 3), 0) },
		"tensor: MaskedFill: mask of shape [2 3] does not broadcast to the shape [3] of the tensor"},
	{"Sub/bool", func() { tensor.NewBool([]bool{true}).Sub(tensor.NewBool([]bool{true})) },
		"tensor: Sub: subtraction of two bool tensors is not supported (shapes [1] and [1]); use LogicalXor"},
	{"Eq/broadcast", func() { tensor.Ones(2, 3).Eq(tensor.Ones(2)) },
		"tensor: Eq: shapes [2 3] and [2] do not broadcast"},
	{"ClampTensor/none", func() { tensor.Ones(2).ClampTensor(nil, nil) },
		"tensor: ClampTensor: at least one of lo and hi must be given"},
}

func init() {
	for k, v := range libraryNotDifferentiable {
		notDifferentiable[k] = v
	}
	errorCases = append(errorCases, libraryErrors...)
}
