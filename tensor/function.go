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

// BatchedBackward is implemented by a Function whose Backward has a batched
// form, which Grad with IsGradsBatched (and so a vectorised Jacobian) uses
// instead of calling Backward once per batch row (what PyTorch's
// autograd.Function gets from its vmap staticmethod). BackwardBatched gets the
// gradients of the result for B rows stacked along a new dim 0 (shape B
// followed by the result's) and returns each input's gradients for those rows
// stacked likewise, nil where ctx.NeedsInputGrad is false; a gradient may have
// a shape that broadcasts to the input's after the batch dim. The rest is as
// for Backward.
type BatchedBackward interface {
	BackwardBatched(ctx *Context, grad *Tensor) []*Tensor
}

// MultiFunction is a Function with several results (the counterpart of a
// torch.autograd.Function whose forward returns a tuple). ApplyMulti runs it and
// records one node for all of its results.
type MultiFunction interface {
	// Name returns the node's name as GradFn reports it for each result.
	Name() string
	// Forward computes the results from the inputs, as Function's Forward.
	Forward(ctx *Context, inputs ...*Tensor) []*Tensor
	// Backward returns one gradient per input, given one gradient per result, as
	// Function's Backward. A result that got no gradient in the pass (not used
	// on the way to what backward started from, or non-differentiable) gets
	// zeros of its shape and dtype, or nil after ctx.SetMaterializeGrads(false).
	// Backward runs when at least one result got a gradient.
	Backward(ctx *Context, grads ...*Tensor) []*Tensor
}

// Context carries values from a Function's Forward to its Backward.
type Context struct {
	name    string
	saved   []*Tensor
	needs   []bool
	freed   bool
	dirty   []*Tensor
	nonDiff []*Tensor

	noMaterialize bool
	once          bool                                    // the Function is OnceDifferentiable
	creating      bool                                    // this Backward's pass records itself
	inputs        []*Tensor                               // what Backward's gradients must not be
	backward      func(c *Context, g []*Tensor) []*Tensor // calls the Function's Backward with c
}

// SetMaterializeGrads sets whether the gradients a MultiFunction's Backward gets
// for results that received none are zeros of the result's shape (on, the
// default) or nil (PyTorch's set_materialize_grads). Call it in Forward. A
// Function with one result runs only when that result got a gradient, so it
// never sees one missing.
func (c *Context) SetMaterializeGrads(on bool) { c.noMaterialize = !on }

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

// CreatingGraph reports, inside Backward, whether the backward pass records
// itself (CreateGraph) for this Function, so that a Backward written with raw
// kernels can switch to differentiable ops. Inside Backward IsGradEnabled tells
// the same for a Function that is not OnceDifferentiable (the engine runs a pass
// with custom Functions in grad mode CreateGraph, as PyTorch does). It is false
// outside Backward and for a OnceDifferentiable Function.
func (c *Context) CreatingGraph() bool { return c.creating }

// Apply runs f on inputs and returns its result, recorded in the graph with
// f's Backward when any input requires grad and recording is on. Forward gets
// inputs that do not require grad (aliases of the caller's, sharing their
// storage), so that its ops are not recorded; tensors Forward saves, marks or
// returns stand for the caller's inputs.
func Apply(f Function, inputs ...*Tensor) *Tensor {
	nonNil("Apply", inputs...)
	ctx, on := newContext(f.Name(), inputs)
	det, back := detachInputs(inputs)
	out := back(f.Forward(ctx, det...))
	ctx.undetach(back)
	out, diff := ctx.result("Apply", out, inputs, on)
	if !diff {
		return out
	}
	if n := record(f.Name(), out, inputs...); n != nil {
		backward := func(c *Context, g []*Tensor) []*Tensor { return f.Backward(c, g[0]) }
		ctx.attach(n, f, inputs, backward)
		n.x.withTask = func(t *graphTask, g *Tensor, gi []*Tensor) {
			ctx.runBackward(n, f, ctx.backward, []*Tensor{g}, gi, t.create)
		}
		if bf, ok := f.(BatchedBackward); ok {
			batched := func(c *Context, g []*Tensor) []*Tensor { return bf.BackwardBatched(c, g[0]) }
			n.x.batched = func(g *Tensor, gi []*Tensor, create bool) { ctx.runBackward(n, f, batched, []*Tensor{g}, gi, create) }
		}
	}
	return out
}

// detachInputs returns aliases of inputs that do not require grad, for a
// Function's Forward, and the map from an alias back to its input (other
// tensors map to themselves).
func detachInputs(inputs []*Tensor) ([]*Tensor, func(*Tensor) *Tensor) {
	det := make([]*Tensor, len(inputs))
	for i, in := range inputs {
		det[i] = in
		if in.requiresGrad {
			det[i] = in.detached()
		}
	}
	return det, func(t *Tensor) *Tensor {
		if i := slices.Index(det, t); i >= 0 {
			return inputs[i]
		}
		return t
	}
}

// undetach maps the aliases of the inputs that Forward saved or marked back to
// the inputs.
func (ctx *Context) undetach(back func(*Tensor) *Tensor) {
	for _, ts := range [][]*Tensor{ctx.saved, ctx.dirty, ctx.nonDiff} {
		for i, t := range ts {
			ts[i] = back(t)
		}
	}
}

// ApplyMulti runs f on inputs and returns its results, recorded in the graph with
// f's Backward when any input requires grad and recording is on. Each result's
// GradFn is named f.Name(), and is one node for them all, whose NextFunctions
// are the inputs' nodes. It panics if Forward returns no result or a nil one, or
// if an input carries a forward-mode tangent (a MultiFunction has no forward
// derivative).
func ApplyMulti(f MultiFunction, inputs ...*Tensor) []*Tensor {
	nonNil("ApplyMulti", inputs...)
	ctx, on := newContext(f.Name(), inputs)
	det, back := detachInputs(inputs)
	outs := f.Forward(ctx, det...)
	ctx.undetach(back)
	if len(outs) == 0 {
		fail("ApplyMulti", "%s: Forward returned no results", f.Name())
	}
	for r, out := range outs {
		if out == nil {
			failKind(ErrNil, "ApplyMulti", "%s: Forward returned a nil result %d", f.Name(), r)
		}
	}
	if dualLevels.Load() != 0 && hasTangent(inputs) {
		failKind(ErrNoForwardGrad, "ApplyMulti", "trying to use forward AD with %s, a MultiFunction, which has no forward derivative", f.Name())
	}
	outs = slices.Clone(outs)
	for r, out := range outs {
		outs[r] = back(out)
	}
	diff := make([]bool, len(outs))
	meta := make([]resultMeta, len(outs))
	for r, out := range outs {
		if slices.Contains(outs[:r], out) {
			out = out.Detach() // the same tensor twice: each result gets its own history
		}
		outs[r], diff[r] = ctx.result("ApplyMulti", out, inputs, on)
		meta[r] = resultMeta{shape: outs[r].shape, dtype: outs[r].dtype}
	}
	if !slices.Contains(diff, true) {
		return outs
	}
	// The node has no tensor of its own: a placeholder stands for it, and each
	// differentiable result gets a port, a node that passes its gradient on to
	// the node's slot for that result (graphTask.runMulti).
	holder := &Tensor{shape: []int{0}, dtype: Float32}
	n := record(f.Name(), holder, inputs...)
	if n == nil {
		return outs
	}
	ctx.attach(n, f, inputs, func(c *Context, g []*Tensor) []*Tensor { return f.Backward(c, g...) })
	x := n.ext()
	x.results = meta
	x.withTask = func(t *graphTask, _ *Tensor, gi []*Tensor) {
		gs := t.resultGrads
		for r, g := range gs {
			if g == nil && !ctx.noMaterialize {
				gs[r] = meta[r].dtype.Zeros(meta[r].shape...)
			}
		}
		ctx.runBackward(n, f, ctx.backward, gs, gi, t.create)
	}
	for r, out := range outs {
		if diff[r] {
			p := record(f.Name(), out, holder)
			p.ext().port, p.x.nr = n, r
		}
	}
	return outs
}

// newContext returns the Context of a Function named name applied to inputs,
// and whether recording is on.
func newContext(name string, inputs []*Tensor) (*Context, bool) {
	ctx := &Context{name: name, needs: make([]bool, len(inputs))}
	on := IsGradEnabled()
	for i, in := range inputs {
		ctx.needs[i] = on && in.requiresGrad
	}
	return ctx, on
}

// result checks out, a result Forward returned, against what ctx was told
// (MarkDirty, MarkNonDifferentiable), and returns it ready to be given the
// Function's node, and whether it is differentiable.
func (ctx *Context) result(op string, out *Tensor, inputs []*Tensor, on bool) (*Tensor, bool) {
	switch {
	case slices.Contains(ctx.dirty, out):
		if !slices.Contains(inputs, out) {
			fail(op, "%s: MarkDirty got a tensor Forward returned that is not one of its inputs", ctx.name)
		}
		if on && out.requiresGrad && out.gradFn == nil && out.viewBase() == nil {
			fail(op, "%s: a leaf Variable that requires grad has been used in an in-place operation (shape %v)", ctx.name, out.shape)
		}
		if b := out.viewBase(); on && b != nil && b.requiresGrad {
			fail(op, "%s: MarkDirty on a view of a tensor that requires grad is not supported (shape %v, base shape %v); pass the base", ctx.name, out.shape, b.shape)
		}
		out.bumpVersion()
	case slices.Contains(ctx.nonDiff, out):
		if slices.Contains(inputs, out) || out.requiresGrad {
			out = out.Detach()
		}
		return out, false
	case slices.Contains(inputs, out) || out.gradFn != nil || out.requiresGrad:
		out = out.Detach() // a result that is an input, or was built with grad, gets its own node
	}
	return out, true
}

// attach gives n, the node of Function f (a Function or a MultiFunction)
// applied to inputs, what ctx saved, and keeps backward, the call of f's
// Backward, for runBackward.
func (ctx *Context) attach(n *Node, f interface{ Name() string }, inputs []*Tensor, backward func(c *Context, g []*Tensor) []*Tensor) {
	n.save(ctx.saved...)
	ctx.inputs, ctx.backward = inputs, backward
	_, ctx.once = f.(interface{ OnceDifferentiable() })
	n.ext().onFree = func() { ctx.saved, ctx.freed, ctx.inputs, ctx.backward = nil, true, nil, nil }
	n.x.custom = true
}

// runBackward runs backward, the Backward of the Function whose node is n (or
// its BackwardBatched), on the gradients of its results, g, and sets gi, the
// gradients of its inputs. create
// says that the pass records itself: Backward then sees the saved tensors as
// saved (unless the Function is OnceDifferentiable), else detached, so that
// its ops record nothing whatever the goroutine's grad mode.
func (ctx *Context) runBackward(n *Node, f interface{ Name() string }, backward func(c *Context, g []*Tensor) []*Tensor, g []*Tensor, gi []*Tensor, create bool) {
	record := create && !ctx.once
	c := *ctx // this pass's view of the Context: two passes may share the node
	c.creating = record
	if !c.freed && len(n.saved) > 0 {
		c.saved = make([]*Tensor, len(n.saved))
		for i := range n.saved {
			c.saved[i] = n.saved[i].unpack(record)
		}
	}
	var grads []*Tensor
	if ctx.once && create {
		gd := make([]*Tensor, len(g))
		for i, x := range g {
			if x != nil {
				gd[i] = x.detached()
			}
		}
		withGradMode(false, func() { grads = backward(&c, gd) }) // as @once_differentiable's no_grad
		for i, gr := range grads {
			if gr != nil {
				grads[i] = delayedError(f.Name(), gr.detached(), g)
			}
		}
	} else {
		grads = backward(&c, g)
	}
	if len(grads) != len(gi) {
		fail("Apply", "%s: Backward returned %d gradients for %d inputs", f.Name(), len(grads), len(gi))
	}
	for i, gr := range grads {
		if gr != nil && n.needs(i) {
			if slices.Contains(c.saved, gr) || slices.Contains(ctx.saved, gr) || slices.Contains(ctx.inputs, gr) {
				gr = gr.detached().Clone() // not the engine's to keep
			}
			gi[i] = gr
		}
	}
}

// resultMeta is what a MultiFunction's node keeps of a result: enough to make
// its zero gradient.
type resultMeta struct {
	shape []int
	dtype DType
}

// delayedError returns gr, computed by the Backward of the OnceDifferentiable
// Function named name from the upstream gradients g, recorded (when one of them
// requires grad) so that differentiating it panics: PyTorch's DelayedError,
// whose node it names torch::autograd::Error.
func delayedError(name string, gr *Tensor, g []*Tensor) *Tensor {
	return errorDef.recordWith(gr, 0, name, nil, presentOnly(g)...)
}

// errorDef is the entry of PyTorch's DelayedError node; aux is the Function's
// name.
var errorDef = &opDef{name: "torch::autograd::Error"}

func init() {
	errorDef.grad = func(b bwd) {
		fail("Backward", "trying to differentiate twice a function that was marked with @once_differentiable (%s implements tensor.OnceDifferentiable)", b.aux())
	}
}
