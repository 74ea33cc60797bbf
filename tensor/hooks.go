package tensor

import (
	"slices"
	"sync"
	"sync/atomic"
)

// RemovableHandle is what registering a hook returns (PyTorch's RemovableHandle):
// Remove unregisters the hook. Removing twice is harmless.
type RemovableHandle struct {
	once   sync.Once
	remove func()
}

// Remove unregisters the hook the handle was returned for. A backward pass
// already running may still call it.
func (h *RemovableHandle) Remove() { h.once.Do(h.remove) }

// NewRemovableHandle returns a handle whose Remove calls remove once; for
// packages that keep hooks of their own (nn's module hooks).
func NewRemovableHandle(remove func()) *RemovableHandle {
	return &RemovableHandle{remove: remove}
}

var hookIDs atomic.Uint64

// hookList is an ordered list of hooks that registration and Remove replace as a
// whole (copy on write), so that a backward pass reads a stable snapshot.
type hookList[F any] struct {
	mu  sync.Mutex
	ids []uint64
	fns []F
}

func (l *hookList[F]) add(f F) *RemovableHandle {
	id := hookIDs.Add(1)
	l.mu.Lock()
	l.ids = append(slices.Clip(l.ids), id)
	l.fns = append(slices.Clip(l.fns), f)
	l.mu.Unlock()
	return NewRemovableHandle(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if i := slices.Index(l.ids, id); i >= 0 {
			l.ids = slices.Delete(slices.Clone(l.ids), i, i+1)
			l.fns = slices.Delete(slices.Clone(l.fns), i, i+1)
		}
	})
}

// list returns the hooks in registration order; nil for a nil list.
func (l *hookList[F]) list() []F {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fns
}

// nodeHooks are the hooks of one node, made on first registration.
type nodeHooks struct {
	tensor hookList[func(*Tensor) *Tensor]                             // the output tensor's (Tensor.RegisterHook)
	pre    hookList[func(gradOutputs []*Tensor) []*Tensor]             // RegisterPrehook
	post   hookList[func(gradInputs, gradOutputs []*Tensor) []*Tensor] // RegisterHook
}

var hooksMu sync.Mutex // makes nodeHooks

func (n *Node) hookSet() *nodeHooks {
	if h := n.hooks.Load(); h != nil {
		return h
	}
	hooksMu.Lock()
	defer hooksMu.Unlock()
	if h := n.hooks.Load(); h != nil {
		return h
	}
	h := new(nodeHooks)
	n.hooks.Store(h)
	return h
}

// RegisterPrehook adds a hook that backward calls with the gradient of the node's
// output (gradOutputs, one tensor) before the node runs; a non-nil result, of the
// same length, shapes and dtypes, replaces it. Hooks run in registration order,
// after the output tensor's own hooks (Tensor.RegisterHook). It panics if hook is
// nil.
func (n *Node) RegisterPrehook(hook func(gradOutputs []*Tensor) []*Tensor) *RemovableHandle {
	if hook == nil {
		failKind(ErrNil, "RegisterPrehook", "got a nil hook for %s", n.name)
	}
	return n.fn().hookSet().pre.add(hook)
}

// RegisterHook adds a hook that backward calls after the node has run, with the
// gradients it computed for its inputs (gradInputs, one per NextFunctions entry,
// nil where none flows; empty for AccumulateGrad) and the gradient of its output
// (gradOutputs); a non-nil result, of gradInputs' length, replaces gradInputs. It
// panics if hook is nil.
func (n *Node) RegisterHook(hook func(gradInputs, gradOutputs []*Tensor) []*Tensor) *RemovableHandle {
	if hook == nil {
		failKind(ErrNil, "RegisterHook", "got a nil hook for %s", n.name)
	}
	return n.fn().hookSet().post.add(hook)
}

// RegisterPostAccumulateGradHook adds a hook that backward calls with the leaf t
// after a gradient has been accumulated into t.Grad (PyTorch 2.1's
// register_post_accumulate_grad_hook), for optimizers that step a parameter as
// soon as its gradient is ready. It panics if t is not a leaf that requires grad,
// or hook is nil.
func (t *Tensor) RegisterPostAccumulateGradHook(hook func(t *Tensor)) *RemovableHandle {
	nonNil("RegisterPostAccumulateGradHook", t)
	if hook == nil {
		failKind(ErrNil, "RegisterPostAccumulateGradHook", "got a nil hook for a tensor of shape %v", t.shape)
	}
	if !t.requiresGrad || t.gradFn != nil {
		fail("RegisterPostAccumulateGradHook", "post accumulate grad hooks can only be registered on leaf tensors that require grad")
	}
	return t.ag.post.add(hook)
}

// runPrehooks runs the hooks of the tensor n made, then n's pre-hooks, on g, and
// returns the gradient n should use.
func runPrehooks(op string, n *Node, h *nodeHooks, g *Tensor) *Tensor {
	for k, f := range h.tensor.list() {
		if r := f(g); r != nil && r != g {
			checkHookResult(op, k, "the tensor made by "+n.name, g, r)
			g = r.Clone() // the hook may keep r: the engine must own what it passes on
		}
	}
	for k, f := range h.pre.list() {
		if r := f([]*Tensor{g}); r != nil {
			if len(r) != 1 {
				fail(op, "pre-hook %d of %s returned %d gradients for 1 output", k, n.name, len(r))
			}
			if r[0] != nil && r[0] != g {
				checkHookResult(op, k, "node "+n.name, g, r[0])
				g = r[0].Clone()
			}
		}
	}
	return g
}

// runPosthooks runs n's post-hooks on its input gradients outs, given the
// gradients of its results g, replacing outs by what a hook returns.
func runPosthooks(op string, n *Node, h *nodeHooks, g []*Tensor, outs []*Tensor) {
	for k, f := range h.post.list() {
		r := f(slices.Clone(outs), slices.Clone(g))
		if r == nil {
			continue
		}
		if len(r) != len(outs) {
			fail(op, "hook %d of %s returned %d gradients for %d inputs", k, n.name, len(r), len(outs))
		}
		for j := range outs {
			if r[j] != nil && outs[j] != nil {
				checkHookResult(op, k, "node "+n.name, outs[j], r[j])
			}
			outs[j] = r[j]
		}
	}
}
