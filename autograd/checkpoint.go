package autograd

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gograd/gograd/internal/access"
	"github.com/gograd/gograd/internal/goroutine"
	"github.com/gograd/gograd/tensor"
)

// CheckpointOptions adjusts Checkpoint.
type CheckpointOptions struct {
	// Generators are the random generators the segment draws from (a Dropout's
	// Generator), whose states are saved before the forward pass and restored
	// around the recomputation, so that it draws the same numbers (PyTorch's
	// preserve_rng_state). tensor.DefaultGenerator() is always among them.
	Generators []*tensor.Generator
	// Reentrant selects PyTorch's reentrant form (use_reentrant=True, the
	// default of PyTorch 1.13), whose node runs a whole backward pass of the
	// segment from inside the enclosing one; the default is the non-reentrant
	// form (use_reentrant=False, the one PyTorch recommends). See Checkpoint.
	Reentrant bool
}

// Checkpoint returns fn(inputs...) without keeping the values fn's ops save for
// backward (the counterpart of torch.utils.checkpoint.checkpoint): when the
// gradient reaches the result, backward runs fn again on the same inputs and
// random generator states, recording, and backpropagates through that graph.
// Activations inside the segment then live only while its gradient is
// computed, trading one more forward pass of the segment for memory; the
// gradients are bit for bit those without Checkpoint. fn must compute the same
// result from the same inputs and generator states each time.
//
// In the default, non-reentrant form, the gradients of everything fn reads
// that requires grad (its inputs and the parameters it closes over) flow
// through the graph as without Checkpoint, so tensor.Grad, Backward's Inputs
// and CreateGraph work, and no input needs to require grad. fn runs recording
// the first time too, to find the tensors it reads; its graph is dropped when
// fn returns. The result's GradFn is a node named CheckpointBackward whose
// NextFunctions are the nodes of those tensors (PyTorch, which records the
// segment and drops only its saved values, shows the segment's last op
// there). The recomputation must not reach leaves that require grad made
// inside fn, nor anything the first run did not reach; backward panics if it
// does.
//
// With Reentrant, fn runs with recording off, the result's GradFn is
// CheckpointFunctionBackward, and its backward calls Backward on the
// recomputed segment, so that the parameters fn closes over receive their
// gradients by accumulation into Grad during the pass. As in PyTorch, a pass
// of tensor.Grad or of Backward with Inputs through it panics, and so does a
// pass with CreateGraph that differentiates it again. Checkpoint with
// Reentrant panics if recording is on and no input requires grad (PyTorch
// only warns, and then leaves fn's parameters without gradients).
//
// Recomputations run one at a time, in whatever goroutines backward passes
// run, each with the generators' states restored around it, since every
// segment draws from tensor.DefaultGenerator. Code in other goroutines that
// draws from a generator a segment uses while it is recomputed sees its state
// jump, as threads do around PyTorch's fork_rng.
func Checkpoint(fn func(inputs ...*tensor.Tensor) *tensor.Tensor, inputs []*tensor.Tensor, opts ...CheckpointOptions) *tensor.Tensor {
	const op = "Checkpoint"
	var o CheckpointOptions
	if len(opts) > 1 {
		fail(op, "at most one CheckpointOptions, got %d", len(opts))
	}
	if len(opts) == 1 {
		o = opts[0]
	}
	for i, in := range inputs {
		if in == nil {
			panic(tensor.NewError(tensor.ErrNil, "autograd", op, "input %d is nil", i))
		}
	}
	if o.Reentrant && tensor.IsGradEnabled() && !slices.ContainsFunc(inputs, (*tensor.Tensor).RequiresGrad) {
		fail(op, "none of the %d inputs requires grad, so the checkpointed segment would be left out of the graph "+
			"and its parameters without gradients; checkpoint a segment whose input requires grad", len(inputs))
	}
	gens := append([]*tensor.Generator{tensor.DefaultGenerator()}, o.Generators...)
	states := make([][]byte, len(gens))
	run := func(again bool, args []any) any {
		in := make([]*tensor.Tensor, len(args))
		for i, a := range args {
			in[i] = a.(*tensor.Tensor)
		}
		if !again {
			for i, g := range gens {
				states[i] = g.State()
			}
			return fn(in...)
		}
		defer lockRecompute()()
		now := make([][]byte, len(gens))
		for i, g := range gens {
			now[i] = g.State()
			setState(g, states[i])
		}
		defer func() {
			for i, g := range gens {
				setState(g, now[i])
			}
		}()
		return fn(in...)
	}
	args := make([]any, len(inputs))
	for i, in := range inputs {
		args[i] = in
	}
	return access.Checkpoint(run, args, o.Reentrant).(*tensor.Tensor)
}

// recomputing makes recomputations, which set generators' states, take turns:
// one goroutine at a time, which may recompute a segment while recomputing
// another (a segment that calls tensor.Grad through a checkpointed part of
// its own).
var recomputing struct {
	sync.Mutex
	owner atomic.Uintptr // the goroutine holding the lock; 0 when none
}

// lockRecompute takes recomputing for the calling goroutine and returns what
// releases it.
func lockRecompute() (unlock func()) {
	id := goroutine.ID()
	if recomputing.owner.Load() == id {
		return func() {} // already ours: the outer recomputation releases it
	}
	recomputing.Lock()
	recomputing.owner.Store(id)
	return func() {
		recomputing.owner.Store(0)
		recomputing.Unlock()
	}
}

func setState(g *tensor.Generator, state []byte) {
	if err := g.SetState(state); err != nil {
		panic(err) // a state the generator itself gave: cannot happen
	}
}
