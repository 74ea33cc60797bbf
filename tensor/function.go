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

// Context carries values from a Function's Forward to its Backward.
type Context struct {
	name  string
	saved []*Tensor
	needs []bool
	freed bool
}

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
// f's Backward when any input requires grad and recording is on.
func Apply(f Function, inputs ...*Tensor) *Tensor {
	nonNil("Apply", inputs...)
	ctx := &Context{name: f.Name(), needs: make([]bool, len(inputs))}
	on := IsGradEnabled()
	for i, in := range inputs {
		ctx.needs[i] = on && in.requiresGrad
	}
	var out *Tensor
	NoGrad(func() { out = f.Forward(ctx, inputs...) })
	if slices.Contains(inputs, out) || out.gradFn != nil || out.requiresGrad {
		out = out.Detach() // a result that is an input, or was built with grad, gets its own node
	}
	if n := record(f.Name(), out, len(ctx.saved) > 0, inputs...); n != nil {
		n.save(ctx.saved...)
		n.backward = func(g *Tensor, gi []*Tensor) {
			grads := f.Backward(ctx, g)
			if len(grads) != len(gi) {
				fail("Apply", "%s: Backward returned %d gradients for %d inputs", f.Name(), len(grads), len(gi))
			}
			for i, gr := range grads {
				if gr != nil && n.needs(i) {
					if slices.Contains(ctx.saved, gr) || slices.Contains(inputs, gr) {
						gr = gr.Clone() // not the engine's to keep
					}
					gi[i] = gr
				}
			}
		}
		n.ext().onFree = func() { ctx.saved, ctx.freed = nil, true }
	}
	return out
}
