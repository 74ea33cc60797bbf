package nn

import (
	"reflect"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gograd/gograd/tensor"
)

// Module hooks (PyTorch's register_forward_pre_hook, register_forward_hook and
// register_full_backward_hook) run when a module is called through Call, as
// containers such as Sequential call their modules; calling m.Forward directly
// runs none. They are kept by module identity, so a module must be a pointer
// (&seq for a Sequential) to carry hooks.

// ForwardPreHook is called with the module and its input before Forward; a
// non-nil result replaces the input.
type ForwardPreHook func(m Module, input *tensor.Tensor) *tensor.Tensor

// ForwardHook is called with the module, its input and its output after
// Forward; a non-nil result replaces the output.
type ForwardHook func(m Module, input, output *tensor.Tensor) *tensor.Tensor

// BackwardHook is called when the gradient with respect to the module's input
// has been computed, with that gradient (gradInput; nil when the input does not
// require grad) and the gradient of the output (gradOutput); a non-nil result,
// of the same length, replaces gradInput.
type BackwardHook func(m Module, gradInput, gradOutput []*tensor.Tensor) []*tensor.Tensor

type moduleHooks struct {
	pre  []hookEntry[ForwardPreHook]
	fwd  []hookEntry[ForwardHook]
	bwd  []hookEntry[BackwardHook]
	some bool
}

type hookEntry[F any] struct {
	id uint64
	fn F
}

var registry struct {
	sync.RWMutex
	count atomic.Int32 // modules with hooks: Call costs one atomic load while 0
	ids   uint64
	m     map[Module]*moduleHooks
}

// addHook appends fn to the list sel picks from m's hooks, and returns the handle
// that removes it.
func addHook[F any](op string, m Module, fn F, sel func(*moduleHooks) *[]hookEntry[F]) *tensor.RemovableHandle {
	nonNilModule(op, m)
	if reflect.ValueOf(m).Kind() != reflect.Pointer {
		fail(op, "hooks are kept by module identity: pass a pointer, got %T", m)
	}
	if reflect.ValueOf(fn).IsNil() {
		panic(tensor.NewError(tensor.ErrNil, "nn", op, "got a nil hook for %T", m))
	}
	registry.Lock()
	defer registry.Unlock()
	if registry.m == nil {
		registry.m = make(map[Module]*moduleHooks)
	}
	h := registry.m[m]
	if h == nil {
		h = new(moduleHooks)
		registry.m[m] = h
		registry.count.Add(1)
	}
	registry.ids++
	id := registry.ids
	l := sel(h)
	*l = append(slices.Clip(*l), hookEntry[F]{id, fn}) // copy on write: Call reads a snapshot
	return tensor.NewRemovableHandle(func() {
		registry.Lock()
		defer registry.Unlock()
		l := sel(h)
		if i := slices.IndexFunc(*l, func(e hookEntry[F]) bool { return e.id == id }); i >= 0 {
			*l = slices.Delete(slices.Clone(*l), i, i+1)
		}
		if len(h.pre)+len(h.fwd)+len(h.bwd) == 0 && registry.m[m] == h {
			delete(registry.m, m)
			registry.count.Add(-1)
		}
	})
}

// RegisterForwardPreHook adds a hook that Call runs before m's Forward. It
// panics if m is not a pointer or hook is nil.
func RegisterForwardPreHook(m Module, hook ForwardPreHook) *tensor.RemovableHandle {
	return addHook("RegisterForwardPreHook", m, hook, func(h *moduleHooks) *[]hookEntry[ForwardPreHook] { return &h.pre })
}

// RegisterForwardHook adds a hook that Call runs after m's Forward. It panics if
// m is not a pointer or hook is nil.
func RegisterForwardHook(m Module, hook ForwardHook) *tensor.RemovableHandle {
	return addHook("RegisterForwardHook", m, hook, func(h *moduleHooks) *[]hookEntry[ForwardHook] { return &h.fwd })
}

// RegisterFullBackwardHook adds a hook that backward runs with the gradients of
// m's input and output, for every call of m through Call made with grad enabled
// (PyTorch's register_full_backward_hook; the graph gets
// BackwardHookFunctionBackward nodes around the module). It panics if m is not a
// pointer or hook is nil.
func RegisterFullBackwardHook(m Module, hook BackwardHook) *tensor.RemovableHandle {
	return addHook("RegisterFullBackwardHook", m, hook, func(h *moduleHooks) *[]hookEntry[BackwardHook] { return &h.bwd })
}

// hooksOf returns a snapshot of m's hooks, nil if it has none.
func hooksOf(m Module) *moduleHooks {
	if registry.count.Load() == 0 {
		return nil
	}
	if v := reflect.ValueOf(m); v.Kind() != reflect.Pointer {
		return nil
	}
	registry.RLock()
	defer registry.RUnlock()
	h := registry.m[m]
	if h == nil {
		return nil
	}
	return &moduleHooks{pre: h.pre, fwd: h.fwd, bwd: h.bwd, some: true}
}

// Call returns m.Forward(x) with m's hooks run around it (PyTorch's module
// call): forward pre-hooks, Forward, forward hooks, and, when m has backward
// hooks and grad is enabled, the nodes that call them in backward. Containers
// call their modules through it; call it instead of m.Forward for the hooks of
// the outermost module to run.
func Call(m Module, x *tensor.Tensor) *tensor.Tensor {
	h := hooksOf(m)
	if h == nil {
		return m.Forward(x)
	}
	for _, e := range h.pre {
		if r := e.fn(m, x); r != nil {
			x = r
		}
	}
	var bs *backwardState
	if len(h.bwd) > 0 && tensor.IsGradEnabled() {
		bs = &backwardState{m: m, hooks: h.bwd}
		if x.RequiresGrad() {
			x = tensor.Apply(&hookNode{at: bs.input}, x)
			bs.wrapped = true
		}
	}
	y := m.Forward(x)
	for _, e := range h.fwd {
		if r := e.fn(m, x, y); r != nil {
			y = r
		}
	}
	if bs != nil && y.RequiresGrad() {
		y = tensor.Apply(&hookNode{at: bs.output}, y)
	}
	return y
}

// backwardState joins the gradient of one call's output to that of its input,
// for the module's backward hooks.
type backwardState struct {
	m          Module
	hooks      []hookEntry[BackwardHook]
	gradOutput *tensor.Tensor
	wrapped    bool // the input requires grad and has its hook node
}

func (b *backwardState) output(g *tensor.Tensor) *tensor.Tensor {
	b.gradOutput = g
	if !b.wrapped { // no input gradient will come: call the hooks now, as PyTorch
		b.call(nil)
	}
	return g
}

func (b *backwardState) input(g *tensor.Tensor) *tensor.Tensor { return b.call(g) }

func (b *backwardState) call(g *tensor.Tensor) *tensor.Tensor {
	seen := g
	if g != nil {
		// The engine recycles a gradient it made once the node that received it
		// is done with it; the hooks get a copy that they may keep.
		seen = g.Clone()
	}
	for _, e := range b.hooks {
		if r := e.fn(b.m, []*tensor.Tensor{seen}, []*tensor.Tensor{b.gradOutput}); r != nil {
			if len(r) != 1 {
				fail("Call", "backward hook of %T returned %d gradients for 1 input", b.m, len(r))
			}
			if g != nil && r[0] != nil {
				seen, g = r[0], r[0].Clone() // the hook may keep r[0]: the engine gets its own
			}
		}
	}
	return g
}

// hookNode is the identity whose backward passes the gradient to a hook
// (PyTorch's BackwardHookFunction).
type hookNode struct {
	at func(*tensor.Tensor) *tensor.Tensor
}

func (*hookNode) Name() string { return "BackwardHookFunctionBackward" }

func (*hookNode) Forward(_ *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor { return in[0] }

func (f *hookNode) Backward(_ *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{f.at(g)}
}
