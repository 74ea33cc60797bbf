package tensor

import "fmt"

// Error is the value gograd panics with when a caller misuses the API: shapes that
// do not broadcast, a dim out of range, backward through a freed graph. Its message
// names the package, the op and the shapes involved, for example
//
//	tensor: Mul: shapes [2 3] and [3 2] do not broadcast
//
// Other gograd packages (nn, optim, ...) panic with the same type, setting Pkg to
// their own name. Use Maybe to turn such panics into an error.
type Error struct {
	Pkg string // package that raised it, such as "tensor" or "nn"
	Op  string // operation, such as "Mul" or "Backward"
	Msg string // what went wrong, with the shapes involved
}

// Error returns "pkg: op: msg".
func (e *Error) Error() string { return e.Pkg + ": " + e.Op + ": " + e.Msg }

// Errorf returns an *Error for package pkg and operation op with a formatted message.
// Packages that build on tensor use it to panic in the same style.
func Errorf(pkg, op, format string, args ...any) *Error {
	return &Error{Pkg: pkg, Op: op, Msg: fmt.Sprintf(format, args...)}
}

func fail(op, format string, args ...any) {
	panic(Errorf("tensor", op, format, args...))
}

// Maybe calls f and returns the *Error that f panicked with, or nil. Panics of any
// other kind (a runtime error, a nil dereference) are not caught: they are bugs, not
// misuse, and continue to unwind.
func Maybe(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			err = e
		}
	}()
	f()
	return nil
}
