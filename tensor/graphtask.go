package tensor

import (
	"slices"
	"sync"
)

// graphTask is the state of one backward pass (PyTorch's GraphTask): the nodes
// it runs, in order, the gradient summed so far for each of them (PyTorch's
// InputBuffer), the execution plan when only some inputs want gradients, and the
// gradients that reached leaves. Nothing a pass writes lives in the graph, so
// passes in several goroutines can walk one retained graph at once.
type graphTask struct {
	op      string
	retain  bool // keep the graph's saved values
	create  bool // record the pass, for higher-order gradients
	ep      uint32
	inputs  []*Tensor // Grad's inputs or Backward's Inputs; nil: every leaf
	collect bool      // return the inputs' gradients (Grad) instead of accumulating
	anomaly bool      // check every gradient for NaN and Inf (DetectAnomaly)

	order  []*Node         // the graph's function nodes, latest first
	buf    []inputBuffer   // the gradient summed so far for order[i]
	shared map[*Node]int32 // positions of nodes another pass has claimed
	gi     []*Tensor       // scratch for a node's input gradients

	// The execution plan, with inputs: the nodes that lead to an input (runs) and
	// the non-leaf inputs' own nodes (isTarget), whose gradients are captured.
	targets  []*Node
	runs     []bool
	isTarget []bool
	captured []*Tensor

	leaves leafGrads
}

// inputBuffer is the gradient a node has received so far in a pass, and whether
// the engine made it (so that the next one may be added in place).
type inputBuffer struct {
	g     *Tensor
	owned bool
}

// run is the engine behind Backward and Grad: one graphTask, in named steps.
func run(op string, roots, rootGrads []*Tensor, retain, create bool, inputs []*Tensor, collect, allowUnused bool) []*Tensor {
	nonNil(op, roots...)
	nonNil(op, inputs...)
	seeds := seedGrads(op, roots, rootGrads)
	t := tasks.Get().(*graphTask)
	t.op, t.retain, t.create, t.inputs, t.collect = op, retain, create, inputs, collect
	t.ep = uint32(epochCounter.Add(1)) &^ sharedMark
	t.leaves = leafGrads{create: create}
	t.anomaly = anomalyModes.changed.Load() != 0 && anomalyModes.get()
	defer t.release()
	t.discover(roots)
	t.plan()
	withGradMode(create, func() { t.execute(roots, seeds) })
	if !retain && inputs == nil {
		freeHeld(t.order)
	}
	return t.finish(allowUnused)
}

// seedGrads returns the gradients backward starts from, one per root: 1 for a
// one-element root without one, else a copy of the caller's.
func seedGrads(op string, roots, rootGrads []*Tensor) []*Tensor {
	seeds := make([]*Tensor, len(roots))
	for i, r := range roots {
		if !r.requiresGrad {
			fail(op, "element %d of tensors does not require grad and does not have a grad_fn", i)
		}
		g := rootGrads[i]
		if g == nil {
			if r.Numel() != 1 {
				fail(op, "grad can be implicitly created only for one-element outputs, got shape %v; pass a gradient", r.shape)
			}
			g = OnesLike(r)
		} else if !slices.Equal(g.shape, r.shape) {
			failKind(ErrShape, op, "gradient shape %v does not match output shape %v", g.shape, r.shape)
		} else if g.dtype != r.dtype {
			failKind(ErrDType, op, "gradient dtype %v does not match output dtype %v", g.dtype, r.dtype)
		} else {
			g = g.Clone() // the caller keeps g; the engine may keep and add into its seeds
		}
		seeds[i] = g
	}
	return seeds
}

// claim marks n as reached by this pass and reports whether it was already.
func (t *graphTask) claim(n *Node) bool {
	if n.task.Load() == t {
		return true
	}
	if n.task.CompareAndSwap(nil, t) {
		return false
	}
	if _, ok := t.shared[n]; ok { // another pass holds n: keep its index here
		return true
	}
	if t.shared == nil {
		t.shared = make(map[*Node]int32)
	}
	t.shared[n] = -1
	return false
}

// slotOf returns n's position in order, -1 if the pass does not run n.
func (t *graphTask) slotOf(n *Node) int32 {
	if n.task.Load() == t {
		return n.slot
	}
	if i, ok := t.shared[n]; ok {
		return i
	}
	return -1
}

// tasks recycles graphTasks, so that a training loop's backward passes reuse the
// order and buffer slices of the last one. Only tasks of graphs up to
// maxPooledNodes nodes go back: the pool holds at most that much per P.
var tasks = sync.Pool{New: func() any { return new(graphTask) }}

const maxPooledNodes = 1 << 16

// release hands the nodes this pass claimed back, for the next pass, and the
// task to the pool.
func (t *graphTask) release() {
	for _, n := range t.order {
		n.task.CompareAndSwap(t, nil)
	}
	if cap(t.order) > maxPooledNodes {
		return
	}
	clear(t.order[:cap(t.order)])
	clear(t.buf[:cap(t.buf)])
	clear(t.gi)
	*t = graphTask{order: t.order[:0], buf: t.buf[:0], gi: t.gi[:0]}
	tasks.Put(t)
}

// discover collects the function nodes reachable from the roots (not the shared
// AccumulateGrad nodes), iteratively, and orders them by decreasing sequence
// number: a topological order, since every op's inputs exist before its output.
func (t *graphTask) discover(roots []*Tensor) {
	var stack []*Node
	for _, r := range roots {
		if n := r.gradFn; n != nil && !t.claim(n) {
			stack = append(stack, n)
		}
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		t.order = append(t.order, n)
		for _, nx := range n.next {
			if nx != nil && nx.variable == nil && !t.claim(nx) {
				stack = append(stack, nx)
			}
		}
	}
	slices.SortFunc(t.order, func(a, b *Node) int {
		if a.seq > b.seq {
			return -1
		}
		return 1
	})
	maxIn := 0
	for i, n := range t.order {
		if n.task.Load() == t {
			n.slot = int32(i)
		} else {
			t.shared[n] = int32(i)
		}
		maxIn = max(maxIn, len(n.next))
	}
	t.buf = slices.Grow(t.buf[:0], len(t.order))[:len(t.order)]
	t.gi = slices.Grow(t.gi[:0], maxIn)[:maxIn]
}

// plan decides, when only some inputs want gradients, which nodes run: those
// from which an input can be reached.
func (t *graphTask) plan() {
	if t.inputs == nil {
		return
	}
	t.targets = make([]*Node, len(t.inputs))
	t.runs = make([]bool, len(t.order))
	t.isTarget = make([]bool, len(t.order))
	t.captured = make([]*Tensor, len(t.order))
	for i, in := range t.inputs {
		tn := in.gradNode()
		t.targets[i] = tn
		if tn.variable == nil {
			if j := t.slotOf(tn); j >= 0 {
				t.isTarget[j] = true
			}
		}
	}
	for i := len(t.order) - 1; i >= 0; i-- {
		for _, nx := range t.order[i].next {
			if nx == nil {
				continue
			}
			if nx.variable != nil && slices.Contains(t.targets, nx) ||
				nx.variable == nil && (t.isTarget[t.slotOf(nx)] || t.runs[t.slotOf(nx)]) {
				t.runs[i] = true
				break
			}
		}
	}
}

// execute runs the nodes in order: each sums what reached it, runs its hooks and
// its backward, and routes its input gradients on (route).
func (t *graphTask) execute(roots, seeds []*Tensor) {
	for i, r := range roots {
		if n := r.gradFn; n != nil {
			b := &t.buf[t.slotOf(n)]
			b.g, b.owned = accumulate(b.g, b.owned, seeds[i], false, t.create)
		} else {
			t.leaves.add(r.gradNode(), seeds[i], false)
		}
	}
	for i, n := range t.order {
		b := &t.buf[i]
		g, owned := b.g, b.owned
		*b = inputBuffer{}
		if g == nil {
			continue
		}
		for k, h := range n.hooks {
			if r := h(g); r != nil && r != g {
				checkHookResult(t.op, k, "the tensor made by "+n.name, g, r)
				g = r.Clone() // the hook may keep r: the engine must own what it passes on
			}
		}
		if g.published&^sharedMark != t.ep {
			g.published = t.ep // seen by this node; keeps sharedMark if it has it
		}
		if n.retained != nil {
			n.retained.accumulateGrad(g, false, t.create)
		}
		if t.inputs != nil {
			if t.isTarget[i] {
				t.captured[i] = g
			}
			if !t.runs[i] {
				continue
			}
		}
		outs := t.call(n, g)
		release := owned && !t.create && len(n.hooks) == 0 && n.retained == nil &&
			(t.inputs == nil || !t.isTarget[i]) && g.published == t.ep
		if t.route(n, g, outs) {
			release = false
		}
		if release {
			pool.put(g) // consumed: nothing holds it any more
		}
		if !t.retain && n.saves {
			n.free()
		}
	}
}

// call runs n's backward on g and returns its input gradients, summed down to
// the inputs' shapes, nil where no gradient flows.
func (t *graphTask) call(n *Node, g *Tensor) []*Tensor {
	if n.freed {
		failKind(ErrFreedGraph, t.op, "trying to backward through the graph a second time (%s has freed its saved values); "+
			"pass RetainGraph: true the first time if you need to backward twice", n.name)
	}
	n.checkSaved(t.op)
	outs := t.gi[:len(n.next)]
	clear(outs)
	if n.def != nil {
		n.def.grad(bwd{n: n, g: g, gi: outs})
	} else {
		n.backward(g, outs)
	}
	for j, nx := range n.next {
		if nx == nil || outs[j] == nil {
			outs[j] = nil
		} else if !slices.Equal(outs[j].shape, nx.shape) {
			outs[j] = outs[j].sumTo(nx.shape)
		}
	}
	if t.anomaly {
		checkFinite(t.op, n, outs)
	}
	// Outputs sharing storage (a gradient and a view of it) are shared.
	for j := range outs {
		for k := j + 1; k < len(outs); k++ {
			if outs[j] != nil && outs[k] != nil && sharesStorage(outs[j], outs[k]) {
				outs[j].published, outs[k].published = t.ep|sharedMark, t.ep|sharedMark
			}
		}
	}
	return outs
}

// route adds n's input gradients into the buffers of the nodes they flow to, or
// to the leaves' gradients, and reports whether one of them shares g's storage.
func (t *graphTask) route(n *Node, g *Tensor, outs []*Tensor) (sharesG bool) {
	for j, nx := range n.next {
		gj := outs[j]
		if gj == nil {
			continue
		}
		if sharesStorage(gj, g) {
			sharesG = true
		}
		// A gradient no one has seen yet (a node's fresh result) may be kept and
		// added to in place; one seen before is shared, and so is a strided view
		// (an expansion may name one element many times).
		owned := gj.published&^sharedMark != t.ep && gj.strides() == nil
		if owned {
			gj.published = t.ep
		} else {
			gj.published = t.ep | sharedMark
		}
		if nx.variable != nil {
			t.leaves.add(nx, gj, owned)
			continue
		}
		b := &t.buf[t.slotOf(nx)]
		if b.g == nil {
			b.g, b.owned = gj, owned
		} else {
			b.g, b.owned = accumulate(b.g, b.owned, gj, owned, t.create)
		}
	}
	return sharesG
}

// finish hands the pass's results out: it accumulates into the leaves' Grad, or
// (collect) returns the inputs' gradients.
func (t *graphTask) finish(allowUnused bool) []*Tensor {
	if t.inputs == nil {
		for i, n := range t.leaves.nodes {
			n.variable.accumulateLeaf(t.leaves.grads[i], t.leaves.owned[i], t.create)
		}
		return nil
	}
	if !t.collect { // Backward with Inputs
		for i, tn := range t.targets {
			if tn.variable != nil {
				if j, ok := t.leaves.index[tn]; ok && !slices.Contains(t.targets[:i], tn) {
					tn.variable.accumulateLeaf(t.leaves.grads[j], t.leaves.owned[j], t.create)
				}
			} else if j := t.slotOf(tn); j >= 0 && t.captured[j] != nil && !slices.Contains(t.targets[:i], tn) {
				in := t.inputs[i]
				in.state()
				in.accumulateGrad(t.captured[j], false, t.create)
			}
		}
		return nil
	}
	out := make([]*Tensor, len(t.inputs))
	for i, tn := range t.targets {
		if tn.variable != nil {
			out[i] = t.leaves.get(tn)
		} else if j := t.slotOf(tn); j >= 0 {
			out[i] = t.captured[j]
		}
		if out[i] == nil && !allowUnused {
			fail(t.op, "One of the differentiated Tensors appears to not have been used in the graph. "+
				"Set allow_unused=True if this is the desired behavior. (input %d, shape %v; AllowUnused in gograd)", i, t.inputs[i].shape)
		}
	}
	return out
}

// leafGrads collects, in first-arrival order, the gradients that reach leaves.
type leafGrads struct {
	nodes  []*Node
	grads  []*Tensor
	owned  []bool // grads[i] was made by the engine, so it may be added to in place
	index  map[*Node]int
	create bool
}

func (l *leafGrads) add(n *Node, g *Tensor, owned bool) {
	i, ok := l.index[n]
	if !ok {
		if l.index == nil {
			l.index = make(map[*Node]int)
		}
		l.index[n] = len(l.nodes)
		l.nodes = append(l.nodes, n)
		l.grads = append(l.grads, g)
		l.owned = append(l.owned, owned)
		return
	}
	l.grads[i], l.owned[i] = accumulate(l.grads[i], l.owned[i], g, owned, l.create)
}

func (l *leafGrads) get(n *Node) *Tensor {
	if i, ok := l.index[n]; ok {
		return l.grads[i]
	}
	return nil
}
