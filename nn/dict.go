package nn

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gograd/gograd/tensor"
)

// ModuleDict holds modules by name, in the order they were added
// (torch.nn.ModuleDict): a parent calls them itself; the dict registers them for
// NamedParameters, StateDict ("layers.conv.weight"), Train and Eval. Calling its
// Forward panics. The zero value is an empty dict.
type ModuleDict struct {
	keys []string
	mods map[string]Module
}

// NewModuleDict returns a ModuleDict holding ms in order. It panics if a name
// repeats or a module is nil.
func NewModuleDict(ms ...NamedModule) *ModuleDict {
	d := &ModuleDict{}
	for _, m := range ms {
		if slices.Contains(d.keys, m.Name) {
			fail("NewModuleDict", "name %q given twice", m.Name)
		}
		d.Set(m.Name, m.Module)
	}
	return d
}

// Set adds m under name (d[name] = m), replacing in place a module of the same
// name. It panics if m is nil or name is empty or holds a dot.
func (d *ModuleDict) Set(name string, m Module) {
	nonNilModule("ModuleDict", m)
	if name == "" || strings.Contains(name, ".") {
		fail("ModuleDict", "module name %q must be non-empty and hold no dot", name)
	}
	if d.mods == nil {
		d.mods = make(map[string]Module)
	}
	if _, ok := d.mods[name]; !ok {
		d.keys = append(d.keys, name)
	}
	d.mods[name] = m
}

// Get returns the module named name, and whether there is one.
func (d *ModuleDict) Get(name string) (Module, bool) {
	m, ok := d.mods[name]
	return m, ok
}

// Delete removes the module named name, if any (del d[name]).
func (d *ModuleDict) Delete(name string) {
	if _, ok := d.mods[name]; ok {
		delete(d.mods, name)
		d.keys = slices.DeleteFunc(d.keys, func(k string) bool { return k == name })
	}
}

// Keys returns the names in order.
func (d *ModuleDict) Keys() []string { return slices.Clone(d.keys) }

// Len returns the number of modules.
func (d *ModuleDict) Len() int { return len(d.keys) }

// Forward panics: a ModuleDict is not called, its modules are.
func (d *ModuleDict) Forward(*tensor.Tensor) *tensor.Tensor {
	fail("ModuleDict", "a ModuleDict has no forward; call its modules")
	return nil
}

// Parameters returns the parameters of every module, each tensor once.
func (d *ModuleDict) Parameters() []*tensor.Tensor { return Parameters(d) }

// NamedChildren returns the modules by name, in order.
func (d *ModuleDict) NamedChildren() []NamedModule {
	out := make([]NamedModule, len(d.keys))
	for i, k := range d.keys {
		out[i] = NamedModule{k, d.mods[k]}
	}
	return out
}

// ParameterList holds parameters that a parent uses itself, named "0", "1", ...
// in its state dict (torch.nn.ParameterList): "bias.0". Calling its Forward
// panics.
type ParameterList []*tensor.Tensor

// Forward panics: a ParameterList is not called.
func (l ParameterList) Forward(*tensor.Tensor) *tensor.Tensor {
	fail("ParameterList", "a ParameterList has no forward; use its parameters")
	return nil
}

// Parameters returns the tensors of l.
func (l ParameterList) Parameters() []*tensor.Tensor { return tensors(l.NamedParameters()) }

// NamedParameters returns the tensors named by their index.
func (l ParameterList) NamedParameters() []NamedParameter {
	out := make([]NamedParameter, len(l))
	for i, p := range l {
		out[i] = NamedParameter{strconv.Itoa(i), p}
	}
	return out
}

// String returns l as PyTorch 1.13 prints it, one line per parameter:
// "(0): Parameter containing: [torch.float32 of size 3x4]".
func (l ParameterList) String() string {
	return parameterLines("ParameterList", l.NamedParameters(), func(t *tensor.Tensor) string { return "torch." + t.DType().String() })
}

// ParameterDict holds parameters by name, in the order they were added
// (torch.nn.ParameterDict), named by their keys in its state dict
// ("scales.alpha"). Calling its Forward panics. The zero value is an empty
// dict.
type ParameterDict struct {
	params []NamedParameter
}

// NewParameterDict returns a ParameterDict holding ps in order. It panics if a
// name repeats.
func NewParameterDict(ps ...NamedParameter) *ParameterDict {
	d := &ParameterDict{}
	for _, p := range ps {
		if _, ok := d.Get(p.Name); ok {
			fail("NewParameterDict", "name %q given twice", p.Name)
		}
		d.Set(p.Name, p.Tensor)
	}
	return d
}

// Set adds t under name, replacing in place a parameter of the same name. It
// panics if t is nil or name is empty or holds a dot.
func (d *ParameterDict) Set(name string, t *tensor.Tensor) {
	if t == nil {
		panic(tensor.NewError(tensor.ErrNil, "nn", "ParameterDict", "got a nil parameter for %q", name))
	}
	if name == "" || strings.Contains(name, ".") {
		fail("ParameterDict", "parameter name %q must be non-empty and hold no dot", name)
	}
	for i := range d.params {
		if d.params[i].Name == name {
			d.params[i].Tensor = t
			return
		}
	}
	d.params = append(d.params, NamedParameter{name, t})
}

// Get returns the parameter named name, and whether there is one.
func (d *ParameterDict) Get(name string) (*tensor.Tensor, bool) {
	for _, p := range d.params {
		if p.Name == name {
			return p.Tensor, true
		}
	}
	return nil, false
}

// Delete removes the parameter named name, if any.
func (d *ParameterDict) Delete(name string) {
	d.params = slices.DeleteFunc(d.params, func(p NamedParameter) bool { return p.Name == name })
}

// Keys returns the names in order.
func (d *ParameterDict) Keys() []string {
	out := make([]string, len(d.params))
	for i, p := range d.params {
		out[i] = p.Name
	}
	return out
}

// Len returns the number of parameters.
func (d *ParameterDict) Len() int { return len(d.params) }

// Forward panics: a ParameterDict is not called.
func (d *ParameterDict) Forward(*tensor.Tensor) *tensor.Tensor {
	fail("ParameterDict", "a ParameterDict has no forward; use its parameters")
	return nil
}

// Parameters returns the tensors in order.
func (d *ParameterDict) Parameters() []*tensor.Tensor { return tensors(d.params) }

// NamedParameters returns the parameters by name, in order.
func (d *ParameterDict) NamedParameters() []NamedParameter { return slices.Clone(d.params) }

// String returns d as PyTorch 1.13 prints it, one line per parameter:
// "(alpha): Parameter containing: [torch.FloatTensor of size 3x4]".
func (d *ParameterDict) String() string {
	return parameterLines("ParameterDict", d.params, func(t *tensor.Tensor) string {
		return map[tensor.DType]string{tensor.Float32: "torch.FloatTensor", tensor.Float64: "torch.DoubleTensor",
			tensor.Int64: "torch.LongTensor", tensor.Bool: "torch.BoolTensor"}[t.DType()]
	})
}

// parameterLines prints a parameter container as torch 1.13's Module.__repr__
// prints its extra_repr: one parameter inline, several one per line.
func parameterLines(name string, ps []NamedParameter, typeName func(*tensor.Tensor) string) string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		size := make([]string, p.Tensor.Dim())
		for j, s := range p.Tensor.Shape() {
			size[j] = strconv.Itoa(s)
		}
		lines[i] = fmt.Sprintf("  (%s): Parameter containing: [%s of size %s]", p.Name, typeName(p.Tensor), strings.Join(size, "x"))
	}
	switch len(lines) {
	case 0:
		return name + "()"
	case 1:
		return name + "(" + lines[0] + ")"
	}
	return name + "(\n  " + strings.Join(lines, "\n  ") + "\n)"
}
