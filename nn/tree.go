package nn

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/gograd/gograd/tensor"
)

// NamedModule is a module with its dotted path from the root of a model, as
// PyTorch's named_modules gives it: "" for the root, "features.0" for the first
// layer of a child named features.
type NamedModule struct {
	Name   string
	Module Module
}

// Parent is a module that holds other modules: Sequential, and the structs users
// build models from. NamedChildren returns the direct children with their names
// (the field or index PyTorch would use: "conv1", "0"), in a fixed order. nn's
// tree functions (NamedModules, NamedParameters, StateDict, Train, Eval, Apply)
// reach every module through it. A Parent's own parameters, if it has any besides
// its children's, come from a LocalParameters method.
type Parent interface {
	Module
	NamedChildren() []NamedModule
}

// LocalParameterer is a Parent with parameters of its own besides its children's,
// such as a learned position embedding held directly by a GPT model.
type LocalParameterer interface {
	LocalParameters() []NamedParameter
}

// Bufferer is a module with buffers: tensors that are part of its state (saved in
// its state dict) but not trained, such as BatchNorm's running statistics.
// NamedBuffers returns the module's own buffers with their local names.
type Bufferer interface {
	NamedBuffers() []NamedParameter
}

// Trainable is a module whose behaviour differs between training and evaluation
// (Dropout, BatchNorm). Train and Eval set the mode of every such module in a
// model; modules start in training mode, as in PyTorch.
type Trainable interface {
	SetTraining(on bool)
	Training() bool
}

// NamedModules returns m and every module below it, depth first with each parent
// before its children, named by their dotted paths (m itself is ""), as PyTorch's
// named_modules.
func NamedModules(m Module) []NamedModule {
	var out []NamedModule
	var walk func(prefix string, m Module)
	walk = func(prefix string, m Module) {
		out = append(out, NamedModule{prefix, m})
		if p, ok := m.(Parent); ok {
			for _, c := range p.NamedChildren() {
				walk(join(prefix, c.Name), c.Module)
			}
		}
	}
	walk("", m)
	return out
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// localParameters returns the parameters m holds itself, not through children.
func localParameters(m Module) []NamedParameter {
	if l, ok := m.(LocalParameterer); ok {
		return l.LocalParameters()
	}
	if _, ok := m.(Parent); ok {
		return nil
	}
	if n, ok := m.(interface{ NamedParameters() []NamedParameter }); ok {
		return n.NamedParameters()
	}
	ps := m.Parameters()
	out := make([]NamedParameter, len(ps))
	for i, p := range ps {
		out[i] = NamedParameter{strconv.Itoa(i), p}
	}
	return out
}

// NamedParameters returns the parameters of m and every module below it with
// their dotted names, the keys of PyTorch's state_dict ("0.weight",
// "features.3.bias"): for each module of NamedModules in turn, the parameters it
// holds itself (its NamedParameters method for a module that is not a Parent,
// LocalParameters for a Parent, else "0", "1", ... in the order of Parameters). A
// tensor shared by several modules appears once, under its first name, as in
// PyTorch's named_parameters().
func NamedParameters(m Module) []NamedParameter {
	nonNilModule("NamedParameters", m)
	var out []NamedParameter
	seen := make(map[*tensor.Tensor]bool)
	for _, nm := range NamedModules(m) {
		for _, p := range localParameters(nm.Module) {
			if seen[p.Tensor] {
				continue
			}
			seen[p.Tensor] = true
			out = append(out, NamedParameter{join(nm.Name, p.Name), p.Tensor})
		}
	}
	return out
}

// Parameters returns the tensors of NamedParameters(m) in the same order: what a
// Parent's Parameters method returns, so that a model struct can write
//
//	func (n *Net) Parameters() []*tensor.Tensor { return nn.Parameters(n) }
func Parameters(m Module) []*tensor.Tensor {
	named := NamedParameters(m)
	out := make([]*tensor.Tensor, len(named))
	for i, p := range named {
		out[i] = p.Tensor
	}
	return out
}

// NamedBuffers returns the buffers of m and every module below it with their
// dotted names ("bn1.running_mean"), as PyTorch's named_buffers().
func NamedBuffers(m Module) []NamedParameter {
	var out []NamedParameter
	for _, nm := range NamedModules(m) {
		if b, ok := nm.Module.(Bufferer); ok {
			for _, p := range b.NamedBuffers() {
				out = append(out, NamedParameter{join(nm.Name, p.Name), p.Tensor})
			}
		}
	}
	return out
}

// Apply calls fn on every module below m, then on m itself, as PyTorch's
// module.apply(fn) (children first), and returns m. A custom initialisation of a
// model's layers is one call:
//
//	nn.Apply(model, func(m nn.Module) {
//		if l, ok := m.(*nn.Linear); ok {
//			nninit.XavierUniform_(l.Weight, 1, nil)
//		}
//	})
func Apply(m Module, fn func(Module)) Module {
	if p, ok := m.(Parent); ok {
		for _, c := range p.NamedChildren() {
			Apply(c.Module, fn)
		}
	}
	fn(m)
	return m
}

// Train puts m and every module below it in training mode (model.train() in
// PyTorch): Dropout drops, BatchNorm normalises by batch statistics and updates its
// running ones. It returns m.
func Train(m Module) Module { return setTraining(m, true) }

// Eval puts m and every module below it in evaluation mode (model.eval()): Dropout
// passes its input through, BatchNorm normalises by its running statistics. It
// returns m.
func Eval(m Module) Module { return setTraining(m, false) }

func setTraining(m Module, on bool) Module {
	for _, nm := range NamedModules(m) {
		if t, ok := nm.Module.(Trainable); ok {
			t.SetTraining(on)
		}
	}
	return m
}

// ZeroGrad clears the gradient of every parameter of m (sets it to nil, as
// PyTorch's zero_grad(set_to_none=True)), so that the next backward pass starts
// afresh and the memory of a gradient no one was handed is recycled.
func ZeroGrad(m Module) {
	for _, p := range NamedParameters(m) {
		p.Tensor.SetGrad(nil)
	}
}

// RequiresGrad_ sets whether every parameter of m requires grad (PyTorch's
// module.requires_grad_(on)), freezing a model or part of one with false, and
// returns m.
func RequiresGrad_(m Module, on bool) Module {
	for _, p := range NamedParameters(m) {
		p.Tensor.SetRequiresGrad(on)
	}
	return m
}

// typeName returns the name PyTorch would print for m's class: its Go type's name
// without package or pointer.
func typeName(m Module) string {
	t := reflect.TypeOf(m)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// Format returns m as PyTorch's print(model) shows it: a module that is not a
// Parent as its String method gives it (its type name and "()" without one), a
// Parent as its type name and its children, one per line, "(name): child",
// indented by two spaces per level.
func Format(m Module) string {
	p, ok := m.(Parent)
	if !ok {
		if s, ok := m.(fmt.Stringer); ok {
			return s.String()
		}
		return typeName(m) + "()"
	}
	children := p.NamedChildren()
	if len(children) == 0 {
		return typeName(m) + "()"
	}
	var b strings.Builder
	b.WriteString(typeName(m) + "(\n")
	for _, c := range children {
		s := strings.ReplaceAll(Format(c.Module), "\n", "\n  ")
		fmt.Fprintf(&b, "  (%s): %s\n", c.Name, s)
	}
	b.WriteString(")")
	return b.String()
}

// Summary returns Format(m) followed by a table of the modules that hold
// parameters or buffers, with the number of parameters each holds itself, and
// the totals: all parameters, those that require grad, and the elements of the
// buffers. Counts are of elements, as sum(p.numel() for p in model.parameters()).
func Summary(m Module) string {
	var b strings.Builder
	b.WriteString(Format(m))
	b.WriteString("\n\n")
	rows := [][2]string{}
	width := len("module")
	seen := make(map[*tensor.Tensor]bool)
	total, trainable := 0, 0
	for _, nm := range NamedModules(m) {
		n := 0
		for _, p := range localParameters(nm.Module) {
			if seen[p.Tensor] {
				continue
			}
			seen[p.Tensor] = true
			n += p.Tensor.Numel()
			if p.Tensor.RequiresGrad() {
				trainable += p.Tensor.Numel()
			}
		}
		total += n
		if n > 0 {
			name := nm.Name
			if name == "" {
				name = "(root)"
			}
			name += " (" + typeName(nm.Module) + ")"
			rows = append(rows, [2]string{name, commas(n)})
			width = max(width, len(name))
		}
	}
	buffers := 0
	for _, p := range NamedBuffers(m) {
		buffers += p.Tensor.Numel()
	}
	fmt.Fprintf(&b, "%-*s  %s\n", width, "module", "params")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-*s  %s\n", width, r[0], r[1])
	}
	fmt.Fprintf(&b, "Total params: %s\nTrainable params: %s\nNon-trainable params: %s\nBuffer elements: %s",
		commas(total), commas(trainable), commas(total-trainable), commas(buffers))
	return b.String()
}

// commas writes n with thousands separators, 1,234,567.
func commas(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
