package tensor

import (
	"slices"

	"github.com/gograd/gograd/internal/access"
)

// This file holds the engine's side of activation checkpointing
// (autograd.Checkpoint, torch.utils.checkpoint): a node that keeps a segment's
// inputs instead of its activations and, in backward, runs the segment again to
// get them. The RNG states and the user's options live in package autograd, which
// reaches these functions through internal/access.

func init() {
	access.Checkpoint = func(run func(again bool, inputs []any) any, inputs []any, reentrant bool) any {
		ins := make([]*Tensor, len(inputs))
		for i, in := range inputs {
			ins[i] = in.(*Tensor)
		}
		r := func(again bool, in []*Tensor) *Tensor {
			args := make([]any, len(in))
			for i, t := range in {
				args[i] = t
			}
			out, _ := run(again, args).(*Tensor)
			if out == nil {
				panic(NewError(ErrNil, "autograd", "Checkpoint", "the checkpointed function returned nil"))
			}
			return out
		}
		nonNil("Checkpoint", ins...)
		versions := make([]uint32, len(ins))
		for i, in := range ins {
			versions[i] = in.version()
		}
		var out *Tensor
		if reentrant {
			out = checkpointReentrant(r, ins)
		} else {
			out = checkpointSegment(r, ins)
		}
		for i, in := range ins {
			if in.version() != versions[i] {
				checkpointFail("the checkpointed function modified input %d (shape %v) in place; "+
					"its recomputation in backward would start from the modified value", i, in.shape)
			}
		}
		return out
	}
}

// checkpointSegment is the non-reentrant checkpoint (use_reentrant=False). It runs
// the segment recording, so that its graph shows which nodes outside it the
// segment reaches (its boundary: the inputs' nodes and the leaves and tensors it
// closes over, parameters among them), then drops that graph and records one node
// whose edges go to the boundary. In backward the node runs the segment again,
// recording, and backpropagates through the new graph as far as the boundary
// (runBounded), handing the gradients that reach it on to the enclosing pass. The
// parameters thus get their gradients through the ordinary graph, so Grad,
// Backward's Inputs and CreateGraph work as without Checkpoint.
func checkpointSegment(run func(again bool, in []*Tensor) *Tensor, inputs []*Tensor) *Tensor {
	if !IsGradEnabled() {
		return run(false, inputs)
	}
	bound := seqCounter.Load()
	out := run(false, inputs)
	if out.gradFn == nil || out.gradFn.seq <= bound {
		return out // nothing recorded inside the segment
	}
	boundary := segmentBoundary(out.gradFn, bound)
	// The result takes the checkpoint's node as its history, dropping the
	// segment's graph. A view is copied first: it would keep its base alive, and
	// with it the graph (a view's storage identity lives in its base).
	res := out
	if out.lay != nil {
		NoGrad(func() { res = out.Clone() })
	}
	n := &Node{name: "CheckpointBackward", shape: res.shape, seq: seqCounter.Add(1)}
	n.next = boundary
	n.save(presentOnly(inputs)...) // their versions: the segment must run again on the same values
	for _, b := range boundary {
		if b.variable != nil {
			n.save(b.variable)
		}
	}
	n.saves = true
	res.requiresGrad, res.gradFn = true, n
	if anomalyModes.changed.Load() != 0 && anomalyModes.get() {
		n.ext().site = callerSite()
	}
	n.ext().withTask = func(t *graphTask, g *Tensor, gi []*Tensor) {
		var again *Tensor
		withGradMode(true, func() { again = run(true, inputs) })
		if again.gradFn == nil || again.gradFn.seq <= bound {
			checkpointFail("the recomputed segment has no graph of its own (shape %v); "+
				"the checkpointed function must compute the same result from the same inputs each time", again.shape)
		}
		copy(gi, runBounded(again, g, bound, boundary, t.create))
	}
	return res
}

// checkpointFail panics with an error of autograd.Checkpoint, which these
// functions serve.
func checkpointFail(format string, args ...any) {
	panic(NewError(ErrInvalid, "autograd", "Checkpoint", format, args...))
}

// segmentBoundary returns the nodes outside a segment that the graph of its result,
// made by the node top, reaches: leaves' AccumulateGrad nodes and nodes made
// before the segment (sequence number at most bound), in the order first found.
func segmentBoundary(top *Node, bound uint64) []*Node {
	var boundary []*Node
	seen := map[*Node]bool{top: true}
	stack := []*Node{top}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, nx := range n.next {
			if nx == nil || seen[nx] {
				continue
			}
			seen[nx] = true
			if nx.variable != nil || nx.seq <= bound {
				boundary = append(boundary, nx)
			} else {
				stack = append(stack, nx)
			}
		}
	}
	return boundary
}

// runBounded backpropagates g from root through the nodes made after sequence
// number bound, stopping at the nodes made before and at leaves (the sinks), and
// returns the gradient that reached each node of boundary, nil where none did. It
// runs no node of boundary and accumulates into no leaf. With create, it records
// the pass (and keeps root's graph).
func runBounded(root, g *Tensor, bound uint64, boundary []*Node, create bool) []*Tensor {
	t := tasks.Get().(*graphTask)
	const op = "Checkpoint"
	t.op, t.retain, t.create, t.collect, t.bound = op, create, create, true, bound
	t.number()
	t.anomaly = anomalyModes.changed.Load() != 0 && anomalyModes.get()
	defer t.release()
	roots := []*Tensor{root}
	t.discover(roots)
	t.executeFor(roots, seedGrads(op, roots, []*Tensor{g}, create))
	if !create {
		freeHeld(t.order)
	}
	for _, l := range t.leaves {
		if l.g != nil && !slices.Contains(boundary, l.n) {
			checkpointFail("the recomputed segment reached %s, which its first run did not; "+
				"the checkpointed function must build the same graph each time and must not make leaves that require grad", l.n.name)
		}
	}
	grads := make([]*Tensor, len(boundary))
	for j, b := range boundary {
		if s := t.slotOf(b); s >= 0 {
			grads[j] = t.leaves[s].g
		}
	}
	return grads
}

// checkpointReentrant is the reentrant checkpoint (use_reentrant=True): the
// segment runs with recording off, and its node (CheckpointFunctionBackward)
// runs it again on detached inputs and calls Backward on that, from inside the
// enclosing pass; the parameters the segment closes over get their gradients by
// accumulation into Grad then. As in PyTorch, that cannot serve Grad or
// Backward with Inputs, which panic.
func checkpointReentrant(run func(again bool, in []*Tensor) *Tensor, inputs []*Tensor) *Tensor {
	var out *Tensor
	NoGrad(func() { out = run(false, inputs) })
	if slices.Contains(inputs, out) || out.requiresGrad {
		out = out.Detach()
	}
	n := record("CheckpointFunctionBackward", out, inputs...)
	if n == nil {
		return out
	}
	n.save(inputs...)
	n.ext().withTask = func(t *graphTask, g *Tensor, gi []*Tensor) {
		if t.inputs != nil {
			fail(t.op, "Checkpointing is not compatible with .grad() or when an `inputs` parameter is passed to .backward(). "+
				"Please use .backward() and do not pass its `inputs` argument. (Checkpoint with Reentrant: true; the default, non-reentrant form supports them)")
		}
		in := make([]*Tensor, len(inputs))
		for i, s := range n.saved[:len(inputs)] {
			in[i] = s.t.detached()
			if n.needs(i) {
				in[i].SetRequiresGrad(true)
			}
		}
		var again *Tensor
		withGradMode(true, func() { again = run(true, in) })
		if !again.requiresGrad {
			fail(t.op, "none of output has requires_grad=True, this checkpoint() is not necessary")
		}
		withGradMode(true, func() { again.Backward(BackwardOptions{Gradient: g}) })
		for i, x := range in {
			if n.needs(i) {
				gi[i] = x.Grad()
			}
		}
	}
	return out
}
