package tensor_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// kindCases are misuses with the kind, op and shapes their *tensor.Error carries.
var kindCases = []struct {
	name   string
	f      func()
	kind   error
	op     string
	shapes [][]int
}{
	{"broadcast", func() { tensor.Ones(2, 3).Mul(tensor.Ones(3, 2)) }, tensor.ErrShape, "Mul", [][]int{{2, 3}, {3, 2}}},
	{"matmul", func() { tensor.MatMul(tensor.Ones(2, 3), tensor.Ones(2, 3)) }, tensor.ErrShape, "MatMul", [][]int{{2, 3}, {2, 3}}},
	{"reshape", func() { tensor.Ones(2, 3).Reshape(4, 2) }, tensor.ErrShape, "Reshape", [][]int{{4, 2}, {2, 3}}},
	{"expand", func() { tensor.Ones(3, 2).Expand(3, 4) }, tensor.ErrShape, "Expand", [][]int{{3, 2}, {3, 4}}},
	{"negative", func() { tensor.Zeros(2, -1) }, tensor.ErrShape, "Zeros", [][]int{{2, -1}}},
	{"dim", func() { tensor.Ones(2, 3).Sum(5) }, tensor.ErrDim, "Sum", [][]int{{2, 3}}},
	{"dim repeated", func() { tensor.Ones(2, 3).Sum(1, -1) }, tensor.ErrDim, "Sum", [][]int{{1, -1}}},
	{"dtype", func() { tensor.Dot(tensor.Ones(2), tensor.Float64.Ones(2)) }, tensor.ErrDType, "Dot", [][]int{{2}, {2}}},
	{"int64 softmax", func() { tensor.New([]int64{1, 2}).Softmax(0) }, tensor.ErrDType, "Softmax", [][]int{{2}}},
	{"index", func() { functional.NLLLoss(tensor.Ones(2, 5), tensor.New([]int64{1, 5})) }, tensor.ErrIndex, "NLLLoss", nil},
	{"freed", func() {
		x := tensor.Ones(2).SetRequiresGrad(true)
		y := x.Mul(x).Sum()
		y.Backward()
		y.Backward()
	}, tensor.ErrFreedGraph, "Backward", nil},
	{"step", func() { tensor.Arange(0, 1, 0) }, tensor.ErrInvalid, "Arange", nil},
}

func TestErrorKinds(t *testing.T) {
	for _, c := range kindCases {
		t.Run(c.name, func(t *testing.T) {
			err := tensor.Maybe(c.f)
			if !errors.Is(err, c.kind) {
				t.Fatalf("got %v, want kind %v", err, c.kind)
			}
			for _, other := range []error{tensor.ErrShape, tensor.ErrDim, tensor.ErrIndex, tensor.ErrDType, tensor.ErrFreedGraph, tensor.ErrNil, tensor.ErrInvalid} {
				if other != c.kind && errors.Is(err, other) {
					t.Errorf("%v is also of kind %v", err, other)
				}
			}
			var e *tensor.Error
			errors.As(err, &e)
			if e.Op != c.op || !slices.EqualFunc(e.Shapes, c.shapes, slices.Equal) {
				t.Errorf("Op %q Shapes %v, want %q %v", e.Op, e.Shapes, c.op, c.shapes)
			}
		})
	}
}

// misuseDeepInside is a named frame that must show in the stack Maybe keeps.
func misuseDeepInside() { tensor.Ones(2, 3).Add(tensor.Ones(3, 2)) }

func TestMaybeKeepsTheStackOfThePanic(t *testing.T) {
	err := tensor.Maybe(misuseDeepInside)
	var e *tensor.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v", err)
	}
	for _, frame := range []string{"tensor_test.misuseDeepInside", "tensor.broadcastShapes"} {
		if !bytes.Contains(e.Stack, []byte(frame)) {
			t.Errorf("stack lacks %s:\n%s", frame, e.Stack)
		}
	}
	// The error is still the *Error callers type-assert to, with its message.
	if _, ok := err.(*tensor.Error); !ok || err.Error() != "tensor: Add: shapes [2 3] and [3 2] do not broadcast" {
		t.Errorf("got %T %q", err, err)
	}
}

// nilFunction is a Function for the nil-input case of Apply.
type nilFunction struct{}

func (nilFunction) Name() string { return "NilBackward" }
func (nilFunction) Forward(_ *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	return in[0]
}
func (nilFunction) Backward(_ *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{g}
}

// TestNilTensorsAreErrors passes nil tensors (as argument and as receiver) and a
// nil hook to ops: each is an ErrNil *tensor.Error naming the op, not a nil
// dereference that Maybe cannot catch.
func TestNilTensorsAreErrors(t *testing.T) {
	var null *tensor.Tensor
	x := tensor.Ones(2)
	cases := []struct {
		op string
		f  func()
	}{
		{"Add", func() { x.Add(nil) }},
		{"Add", func() { null.Add(x) }},
		{"Mul", func() { x.Mul(nil) }},
		{"Div", func() { null.Div(nil) }},
		{"MulScalar", func() { null.MulScalar(2) }},
		{"Exp", func() { null.Exp() }},
		{"Relu", func() { null.Relu() }},
		{"Clamp", func() { null.Clamp(0, 1) }},
		{"Sum", func() { null.Sum() }},
		{"LogSoftmax", func() { null.LogSoftmax(0) }},
		{"Transpose", func() { null.Transpose(0, 1) }},
		{"MatMul", func() { tensor.MatMul(x, nil) }},
		{"MatMul", func() { tensor.MatMul(nil, x) }},
		{"Maximum", func() { tensor.Maximum(x, nil) }},
		{"PowTensor", func() { x.PowTensor(nil) }},
		{"Copy_", func() { x.Copy_(nil) }},
		{"Float32s", func() { null.Float32s() }},
		{"Shape", func() { null.Shape() }},
		{"Backward", func() { null.Backward() }},
		{"Grad", func() {
			w := tensor.Ones(2).SetRequiresGrad(true)
			tensor.Grad([]*tensor.Tensor{w.Sum()}, []*tensor.Tensor{nil})
		}},
		{"Apply", func() { tensor.Apply(nilFunction{}, nil) }},
		{"SetGrad", func() { null.SetGrad(x) }},
		{"RegisterHook", func() { tensor.Ones(2).SetRequiresGrad(true).RegisterHook(nil) }},
		{"RegisterHook", func() { tensor.Ones(2).SetRequiresGrad(true).Mul(x).RegisterHook(nil) }},
		{"DType", func() { functional.CrossEntropy(tensor.Ones(2, 3), nil) }},
	}
	for _, c := range cases {
		err := tensor.Maybe(c.f)
		var e *tensor.Error
		if !errors.As(err, &e) || !errors.Is(err, tensor.ErrNil) || e.Op != c.op {
			t.Errorf("%s: got %v, want an ErrNil *tensor.Error for %s", c.op, err, c.op)
		}
	}
}

// TestHookResultIsChecked: a hook that returns a gradient of another shape or dtype
// is an error naming the hook's tensor, as PyTorch's "hook has changed the size of
// value", and the leaf's Grad is left untouched instead of taking the bad shape.
func TestHookResultIsChecked(t *testing.T) {
	cases := []struct {
		name  string
		hook  func(*tensor.Tensor) *tensor.Tensor
		leaf  bool
		kind  error
		whose string
	}{
		{"leaf shape", func(*tensor.Tensor) *tensor.Tensor { return tensor.Ones(3) }, true, tensor.ErrShape, "leaf tensor (shape [2])"},
		{"leaf dtype", func(g *tensor.Tensor) *tensor.Tensor { return g.To(tensor.Float64) }, true, tensor.ErrDType, "leaf tensor (shape [2])"},
		{"node shape", func(*tensor.Tensor) *tensor.Tensor { return tensor.Ones(2, 1) }, false, tensor.ErrShape, "made by MulBackward0 (shape [2])"},
		{"node dtype", func(g *tensor.Tensor) *tensor.Tensor { return g.To(tensor.Float64) }, false, tensor.ErrDType, "made by MulBackward0 (shape [2])"},
	}
	for _, c := range cases {
		w := tensor.New([]float32{1, 2}).SetRequiresGrad(true)
		y := w.MulScalar(3)
		if c.leaf {
			w.RegisterHook(c.hook)
		} else {
			y = w.Mul(w)
			y.RegisterHook(c.hook)
		}
		err := tensor.Maybe(func() { y.Sum().Backward() })
		var e *tensor.Error
		if !errors.As(err, &e) || !errors.Is(err, c.kind) || e.Op != "Backward" || !strings.Contains(e.Msg, c.whose) {
			t.Errorf("%s: got %v, want a %v error naming %q", c.name, err, c.kind, c.whose)
		}
		if g := w.Grad(); g != nil {
			t.Errorf("%s: Grad became %v", c.name, g)
		}
	}
}

// ExampleError branches on the kind of a misuse, and reads its op and shapes.
func ExampleError() {
	err := tensor.Maybe(func() { tensor.Ones(2, 3).MatMul(tensor.Ones(2, 3)) })
	var e *tensor.Error
	if errors.Is(err, tensor.ErrShape) && errors.As(err, &e) {
		fmt.Println(e.Op, e.Shapes)
	}
	fmt.Println(err)
	// Output:
	// MatMul [[2 3] [2 3]]
	// tensor: MatMul: shapes [2 3] and [2 3] cannot be multiplied (3 != 2)
}
