package tensor

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// The kinds of misuse an *Error reports. An *Error unwraps to its Kind, so callers
// branch on the kind with errors.Is without parsing the message:
//
//	if errors.Is(tensor.Maybe(f), tensor.ErrShape) { ... }
var (
	// ErrShape: shapes that do not broadcast, do not multiply, do not fit the
	// element count, or overflow the size of a tensor.
	ErrShape = errors.New("shape mismatch")
	// ErrDim: a dim out of range, or repeated where dims must be distinct.
	ErrDim = errors.New("dim out of range")
	// ErrIndex: an index out of range, such as a class index past the classes.
	ErrIndex = errors.New("index out of range")
	// ErrDType: a tensor of the wrong dtype, or two tensors whose dtypes differ.
	ErrDType = errors.New("wrong dtype")
	// ErrFreedGraph: a backward pass through a graph whose saved values an earlier
	// pass freed.
	ErrFreedGraph = errors.New("graph already freed")
	// ErrNil: a nil tensor, or a nil function, where one is needed.
	ErrNil = errors.New("nil argument")
	// ErrInvalid: any other invalid argument (a zero step, a bad option).
	ErrInvalid = errors.New("invalid argument")
)

// Error is the value gograd panics with when a caller misuses the API: shapes that
// do not broadcast, a dim out of range, backward through a freed graph. Its message
// names the package, the op and the shapes involved, for example
//
//	tensor: Mul: shapes [2 3] and [3 2] do not broadcast
//
// Other gograd packages (nn, optim, ...) panic with the same type, setting Pkg to
// their own name. Use Maybe to turn such panics into an error.
type Error struct {
	Pkg  string // package that raised it, such as "tensor" or "nn"
	Op   string // operation, such as "Mul" or "Backward"
	Msg  string // what went wrong, with the shapes involved
	Kind error  // one of ErrShape, ErrDim, ErrIndex, ErrDType, ErrFreedGraph, ErrNil, ErrInvalid

	// Shapes are the shapes the message names, in the order it names them.
	Shapes [][]int

	// Stack is the stack of the goroutine at the panic, as runtime/debug.Stack
	// formats it; Maybe sets it, so that the error still tells where the misuse was.
	Stack []byte
}

// Error returns "pkg: op: msg".
func (e *Error) Error() string { return e.Pkg + ": " + e.Op + ": " + e.Msg }

// Unwrap returns e's Kind, so that errors.Is(err, ErrShape) and the like work.
func (e *Error) Unwrap() error { return e.Kind }

// Errorf returns an *Error of kind ErrInvalid for package pkg and operation op with
// a formatted message; the []int arguments are recorded in Shapes. Packages that
// build on tensor use it to panic in the same style.
func Errorf(pkg, op, format string, args ...any) *Error {
	return NewError(ErrInvalid, pkg, op, format, args...)
}

// NewError is Errorf with the given kind, one of the Err variables of this package.
func NewError(kind error, pkg, op, format string, args ...any) *Error {
	e := &Error{Pkg: pkg, Op: op, Msg: fmt.Sprintf(format, args...), Kind: kind}
	for _, a := range args {
		if s, ok := a.([]int); ok {
			e.Shapes = append(e.Shapes, s)
		}
	}
	return e
}

// fail panics with an *Error of kind ErrInvalid.
func fail(op, format string, args ...any) { failKind(ErrInvalid, op, format, args...) }

// failKind panics with an *Error of the given kind.
func failKind(kind error, op, format string, args ...any) {
	panic(NewError(kind, "tensor", op, format, args...))
}

// nonNil panics with an ErrNil *Error naming op and the position of the first nil
// tensor in ts. Every entry point that reads a tensor's fields (binary, unary,
// wantFloat, normDim, the engine, Apply) calls it first, so that a nil tensor is
// reported at the op it was passed to rather than as a nil dereference later.
func nonNil(op string, ts ...*Tensor) {
	for i, t := range ts {
		if t == nil {
			if len(ts) == 1 {
				failKind(ErrNil, op, "got a nil tensor")
			}
			failKind(ErrNil, op, "argument %d is a nil tensor", i)
		}
	}
}

// Maybe calls f and returns the *Error that f panicked with, or nil. Panics of any
// other kind (a runtime error, a nil dereference) are not caught: they are bugs, not
// misuse, and continue to unwind.
//
// The returned *Error is a copy of the panic's value with Stack set to the stack
// of the panic (as gonum's ErrorStack keeps it), so that the error still shows
// where the misuse happened.
func Maybe(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			c := *e
			if c.Stack == nil {
				// Deferred calls run on top of the panicking frames, so this
				// stack still holds the call that panicked.
				c.Stack = debug.Stack()
			}
			err = &c
		}
	}()
	f()
	return nil
}
