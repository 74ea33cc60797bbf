package autograd

import (
	"github.com/gograd/gograd/tensor"
)

// CheckpointOptions adjusts Checkpoint.
type CheckpointOptions struct {
	// Generators are the random generators the segment draws from (a Dropout's
	// Generator), whose states are saved before the forward pass and restored
	// around the recomputation, so that it draws the same numbers (PyTorch's
	// preserve_rng_state). tensor.DefaultGenerator() is always among them.
	Generators []*tensor.Generator
}

// Checkpoint returns fn(inputs...) without keeping the values fn's ops save for
// backward (the counterpart of torch.utils.checkpoint.checkpoint, in its default
// reentrant form): fn runs with recording off, and when the gradient reaches
// the result, backward runs fn again, recording, on the same inputs and random
// generator states, and backpropagates through that graph. Activations inside
// the segment then live only while its gradient is computed, trading one more
// forward pass of the segment for memory; the gradients are bit for bit those
// without Checkpoint.
//
// As PyTorch's reentrant checkpoint, the parameters fn uses (leaves it closes
// over) receive their gradients by accumulation into Grad during the pass,
// so Checkpoint is for Backward, not for tensor.Grad with parameters among its
// inputs; and fn must be deterministic given its inputs and generators. Checkpoint
// panics if recording is on and no input requires grad (PyTorch only warns, and
// then leaves fn's parameters without gradients).
func Checkpoint(fn func(inputs ...*tensor.Tensor) *tensor.Tensor, inputs []*tensor.Tensor, opts ...CheckpointOptions) *tensor.Tensor {
	const op = "Checkpoint"
	var o CheckpointOptions
	if len(opts) > 1 {
		fail(op, "at most one CheckpointOptions, got %d", len(opts))
	}
	if len(opts) == 1 {
		o = opts[0]
	}
	if tensor.IsGradEnabled() {
		needs := false
		for _, in := range inputs {
			needs = needs || in != nil && in.RequiresGrad()
		}
		if !needs {
			fail(op, "none of the %d inputs requires grad, so the checkpointed segment would be left out of the graph "+
				"and its parameters without gradients; checkpoint a segment whose input requires grad", len(inputs))
		}
	}
	gens := append([]*tensor.Generator{tensor.DefaultGenerator()}, o.Generators...)
	return tensor.Apply(&checkpointFn{fn: fn, gens: gens}, inputs...)
}

// checkpointFn is the recorded Checkpoint node: it keeps the inputs and the
// generators' states, not fn's activations.
type checkpointFn struct {
	fn     func(inputs ...*tensor.Tensor) *tensor.Tensor
	gens   []*tensor.Generator
	states [][]byte
}

func (*checkpointFn) Name() string { return "CheckpointFunctionBackward" }

func (c *checkpointFn) Forward(ctx *tensor.Context, inputs ...*tensor.Tensor) *tensor.Tensor {
	c.states = make([][]byte, len(c.gens))
	for i, g := range c.gens {
		c.states[i] = g.State()
	}
	ctx.SaveForBackward(inputs...)
	var out *tensor.Tensor
	// Forward's inputs do not require grad, but fn's parameters do: recording
	// is turned off so that the segment keeps no activations.
	tensor.NoGrad(func() { out = c.fn(inputs...) })
	if out == nil {
		panic(tensor.NewError(tensor.ErrNil, "autograd", "Checkpoint", "the checkpointed function returned nil"))
	}
	return out
}

// Backward recomputes the segment from detached inputs and backpropagates g
// through it.
func (c *checkpointFn) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	saved := ctx.Saved()
	in := make([]*tensor.Tensor, len(saved))
	for i, s := range saved {
		in[i] = s.Detach()
		if ctx.NeedsInputGrad(i) {
			in[i].SetRequiresGrad(true)
		}
	}
	now := make([][]byte, len(c.gens))
	for i, gen := range c.gens {
		now[i] = gen.State()
		setState(gen, c.states[i])
	}
	var out *tensor.Tensor
	func() {
		defer func() {
			for i, gen := range c.gens {
				setState(gen, now[i])
			}
		}()
		tensor.EnableGrad(func() { out = c.fn(in...) })
	}()
	grads := make([]*tensor.Tensor, len(in))
	if !out.RequiresGrad() {
		return grads
	}
	tensor.EnableGrad(func() { out.Backward(tensor.BackwardOptions{Gradient: g}) })
	for i, x := range in {
		if ctx.NeedsInputGrad(i) {
			grads[i] = x.Grad()
		}
	}
	return grads
}

func setState(g *tensor.Generator, state []byte) {
	if err := g.SetState(state); err != nil {
		panic(err) // a state the generator itself gave: cannot happen
	}
}
