package nn

import (
	"fmt"
	"strconv"

	"github.com/gograd/gograd/tensor"
)

// Identity returns its input (torch.nn.Identity), a placeholder in a model.
type Identity struct{}

// Forward returns x itself.
func (Identity) Forward(x *tensor.Tensor) *tensor.Tensor { return x }

// Parameters returns nil: Identity has none.
func (Identity) Parameters() []*tensor.Tensor { return nil }

// String returns "Identity()".
func (Identity) String() string { return "Identity()" }

// Softmax is the module form of Tensor.Softmax along Dim (torch.nn.Softmax).
type Softmax struct{ Dim int }

// Forward returns x.Softmax(s.Dim).
func (s Softmax) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Softmax(s.Dim) }

// Parameters returns nil: Softmax has none.
func (Softmax) Parameters() []*tensor.Tensor { return nil }

// String returns "Softmax(dim=1)".
func (s Softmax) String() string { return fmt.Sprintf("Softmax(dim=%d)", s.Dim) }

// LogSoftmax is the module form of Tensor.LogSoftmax along Dim
// (torch.nn.LogSoftmax).
type LogSoftmax struct{ Dim int }

// Forward returns x.LogSoftmax(s.Dim).
func (s LogSoftmax) Forward(x *tensor.Tensor) *tensor.Tensor { return x.LogSoftmax(s.Dim) }

// Parameters returns nil: LogSoftmax has none.
func (LogSoftmax) Parameters() []*tensor.Tensor { return nil }

// String returns "LogSoftmax(dim=1)".
func (s LogSoftmax) String() string { return fmt.Sprintf("LogSoftmax(dim=%d)", s.Dim) }

// ModuleList holds modules that a parent calls itself, in its own order
// (torch.nn.ModuleList): it registers them, named "0", "1", ..., for
// NamedParameters, StateDict, Train and Eval, but has no Forward of its own
// (calling it panics).
type ModuleList []Module

// Forward panics: a ModuleList is not called, its modules are.
func (l ModuleList) Forward(*tensor.Tensor) *tensor.Tensor {
	fail("ModuleList", "a ModuleList has no forward; call its modules")
	return nil
}

// Parameters returns the parameters of every module, each tensor once.
func (l ModuleList) Parameters() []*tensor.Tensor { return Parameters(l) }

// NamedChildren returns the modules named by their index.
func (l ModuleList) NamedChildren() []NamedModule {
	out := make([]NamedModule, len(l))
	for i, m := range l {
		out[i] = NamedModule{strconv.Itoa(i), m}
	}
	return out
}
