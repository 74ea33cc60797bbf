package tensor

import "slices"

// Function is a differentiable operation defined outside this package, with its own
// backward (the counterpart of torch.autograd.Function). Apply runs it and records
// it in the graph. nn/functional defines its losses this way.
type Function interface {
	// Name returns the node's name as GradFn reports it, such as
	// "BinaryCrossEntropyWithLogitsBackward0".
	Name() string
	// Forward computes the result from the inputs. It runs with recording off, and
	// saves what Backward needs with ctx.SaveForBackward.
	Forward(ctx *Context, inputs ...*Tensor) *Tensor
	// Backward returns one gradient per input, given the gradient of the result;
	// nil where ctx.NeedsInputGrad is false or the input has no gradient. Written
	// with tensor ops, it can itself be differentiated (CreateGraph). A gradient may
	// have a shape that broadcasts to its input's: it is summed down to it. Each
	// gradient must be a new tensor, grad itself, or a view of grad (Reshape): the
	// engine may keep a new tensor as a leaf's Grad and add into it later, so return
	// a Clone of anything else you hold.
	Backward(ctx *Context, grad *Tensor) []*Tensor
}

// OnceDifferentiable is implemented by a Function whose Backward is not itself
// differentiable (PyTorch's @once_differentiable): Backward then runs with
// recording off, and differentiating its gradients again (CreateGraph) panics
// with a clear error instead of giving wrong higher-order gradients.
type OnceDifferentiable interface {
	Function
	OnceDifferentiable()
}

// Context carries values from a Function's Forward to its Backward.
type Context struct {
	name    string
	saved   []*Tensor
	needs   []bool
	freed   bool
	dirty   []*Tensor
	nonDiff []*Tensor
}

// MarkDirty declares that Forward modified these inputs in place (PyTorch's
// mark_dirty). Forward must then return the modified input itself: Apply bumps
// its version and makes it the result, with the Function's node as its history.
// Apply panics, as PyTorch, if a dirty input is a leaf that requires grad or a
// view of a tensor that requires grad, while grad mode is on.
func (c *Context) MarkDirty(ts ...*Tensor) { c.dirty = append(c.dirty, ts...) }

// MarkNonDifferentiable declares that the result is not differentiable (PyTorch's
// mark_non_differentiable), such as an index or a mask: it does not require grad
// and no node is recorded.
func (c *Context) MarkNonDifferentiable(ts ...*Tensor) { c.nonDiff = append(c.nonDiff, ts...) }

// SaveForBackward keeps tensors for Backward; they are released after a backward
// pass that does not retain the graph.
func (c *Context) SaveForBackward(ts ...*Tensor) { c.saved = append(c.saved, ts...) }

// Saved returns the tensors given to SaveForBackward, in order. It panics if they
// were freed by an earlier backward pass.
func (c *Context) Saved() []*Tensor {
	if c.freed {
		failKind(ErrFreedGraph, "Saved", "%s: saved tensors were freed by an earlier backward pass; pass RetainGraph: true the first time", c.name)
	}
	return c.saved
}

// NeedsInputGrad reports whether input i of the Function needs a gradient.
func (c *Context) NeedsInputGrad(i int) bool { return c.needs[i] }

// Apply runs f on inputs and returns its result, recorded in the graph with
// f's Backward when any input requires grad and recording is on. Forward gets
// inputs that do not require grad (aliases of the caller's, sharing their
// storage), so that its ops are not recorded; tensors Forward saves, marks or
// returns stand for the caller's inputs.
func Apply(f Function, inputs ...*Tensor) *Tensor {
	nonNil("Apply", inputs...)
	ctx := &Context{name: f.Name(), needs: make([]bool, len(inputs))}
	on := IsGradEnabled()
	for i, in := range inputs {
		ctx.needs[i] = on && in.requiresGrad
	}
	out := forwardDetached(f, ctx, inputs)
	dirty := slices.Contains(ctx.dirty, out)
	switch {
	case dirty:
		if !slices.Contains(inputs, out) {
			fail("Apply", "%s: MarkDirty got a tensor Forward returned that is not one of its inputs", f.Name())
		}
		if on && out.requiresGrad && out.gradFn == nil && out.viewBase() == nil {
			fail("Apply", "%s: a leaf Variable that requires grad has been used in an in-place operation (shape %v)", f.Name(), out.shape)
		}
		if b := out.viewBase(); on && b != nil && b.requiresGrad {
			fail("Apply", "%s: MarkDirty on a view of a tensor that requires grad is not supported (shape %v, base shape %v); pass the base", f.Name(), out.shape, b.shape)
		}
		out.bumpVersion()
	case slices.Contains(ctx.nonDiff, out):
		if slices.Contains(inputs, out) || out.requiresGrad {
			out = out.Detach()
		}
		return out
	case slices.Contains(inputs, out) || out.gradFn != nil || out.requiresGrad:
		out = out.Detach() // a result that is an input, or was built with grad, gets its own node
	}
	_, once := f.(OnceDifferentiable)
	if n := record(f.Name(), out, inputs...); n != nil {
		n.def = applyDef
		n.aux = &applied{f: f, ctx: ctx, inputs: inputs, once: once}
		n.save(ctx.saved...)
		n.ext().onFree = func() { ctx.saved, ctx.freed = nil, true }
	}
	return out
}

// forwardDetached runs f's Forward on aliases of inputs that do not require
// grad, and maps the aliases Forward saved, marked or returned back to the
// inputs they stand for.
func forwardDetached(f Function, ctx *Context, inputs []*Tensor) *Tensor {
	det := make([]*Tensor, len(inputs))
	for i, in := range inputs {
		det[i] = in
		if in.requiresGrad {
			det[i] = in.Detach()
		}
	}
	back := func(t *Tensor) *Tensor {
		if i := slices.Index(det, t); i >= 0 {
			return inputs[i]
		}
		return t
	}
	out := f.Forward(ctx, det...)
	for _, ts := range [][]*Tensor{ctx.saved, ctx.dirty, ctx.nonDiff} {
		for i, t := range ts {
			ts[i] = back(t)
		}
	}
	return back(out)
}

// applied is what a custom Function's node keeps besides its saved values: the
// Function, its Context, and its inputs, only to recognise one returned as a
// gradient.
type applied struct {
	f      Function
	ctx    *Context
	inputs []*Tensor
	once   bool
}

// applyDef is the op table entry of every custom Function's node (named by the
// Function): its derivative is the Function's Backward, which reads ctx.Saved()
// unpacked for the pass as an op table entry's saved values are.
var applyDef = &opDef{}

func init() { applyDef.grad = applyGrad }

func applyGrad(b bwd) {
	a := b.aux().(*applied)
	f, n := a.f, b.n
	record := b.create && !a.once // whether Backward's ops are recorded
	ctx := *a.ctx                 // this pass's view of the Context: two passes may share the node
	if !ctx.freed && len(ctx.saved) > 0 {
		ctx.saved = make([]*Tensor, len(n.saved))
		for i := range n.saved {
			ctx.saved[i] = n.saved[i].unpack(record)
		}
	}
	var grads []*Tensor
	if a.once && b.create {
		grads = f.Backward(&ctx, b.g.Detach())
		for i, gr := range grads {
			if gr != nil {
				grads[i] = delayedError(f.Name(), gr.Detach(), b.g)
			}
		}
	} else {
		grads = f.Backward(&ctx, b.g)
	}
	if len(grads) != len(b.gi) {
		fail("Apply", "%s: Backward returned %d gradients for %d inputs", f.Name(), len(grads), len(b.gi))
	}
	for i, gr := range grads {
		if gr != nil && n.needs(i) {
			if slices.Contains(ctx.saved, gr) || slices.Contains(a.ctx.saved, gr) || slices.Contains(a.inputs, gr) {
				gr = gr.Detach().Clone() // not the engine's to keep
			}
			b.gi[i] = gr
		}
	}
}

// delayedError returns gr, computed by the Backward of the OnceDifferentiable
// Function named name from the upstream gradient g, recorded (when g requires
// grad) so that differentiating it panics: PyTorch's DelayedError, whose node it
// names torch::autograd::Error.
func delayedError(name string, gr, g *Tensor) *Tensor {
	return errorDef.recordWith(gr, 0, name, nil, g)
}

// errorDef is the entry of PyTorch's DelayedError node; aux is the Function's
// name.
var errorDef = &opDef{name: "torch::autograd::Error"}

func init() {
	errorDef.grad = func(b bwd) {
		fail("Backward", "trying to differentiate twice a function that was marked with @once_differentiable (%s implements tensor.OnceDifferentiable)", b.aux())
	}
}
