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
	id      uint64 // the pass's number, which marks the nodes it claimed (Node.task)
	retain  bool   // keep the graph's saved values
	create  bool   // record the pass, for higher-order gradients
	ep      uint32
	inputs  []*Tensor // Grad's inputs or Backward's Inputs; nil: every leaf
	collect bool      // return the inputs' gradients (Grad) instead of accumulating
	anomaly bool      // check every gradient for NaN and Inf (DetectAnomaly)
	bound   uint64    // nodes made up to this sequence number are sinks (runBounded)
	user    bool      // the graph has hooks or nodes that run user code (userCode)
	batch   int       // the gradients' leading batch dim (IsGradsBatched); 0: none

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

	// The leaves' AccumulateGrad nodes reached, in discovery order, with the
	// gradient summed for each and the edges still to deliver to it.
	leaves []leafBuffer

	// The gradients summed so far for each result of the MultiFunction nodes
	// reached, by the node's position in order; and those of the one running.
	results     map[int32][]inputBuffer
	resultGrads []*Tensor
}

// leafBuffer is what a pass holds for one leaf: as in PyTorch, a leaf's
// AccumulateGrad runs (hooks, Grad) as soon as every node that feeds it has run.
type leafBuffer struct {
	n *Node
	inputBuffer
	deps    int32 // edges from this pass's nodes not yet run
	flushed bool
}

// inputBuffer is the gradient a node has received so far in a pass, and whether
// the engine made it (so that the next one may be added in place).
type inputBuffer struct {
	g     *Tensor
	owned bool
}

// add sums g, which the engine owns if owned, into the buffer.
func (b *inputBuffer) add(g *Tensor, owned, create bool) {
	if b.g == nil {
		b.g, b.owned = g, owned
	} else {
		b.g, b.owned = accumulate(b.g, b.owned, g, owned, create)
	}
}

// run is the engine behind Backward and Grad: one graphTask, in named steps.
func run(op string, roots, rootGrads []*Tensor, retain, create bool, inputs []*Tensor, collect, allowUnused bool) []*Tensor {
	nonNil(op, roots...)
	nonNil(op, inputs...)
	r, _ := runTask(op, roots, seedGrads(op, roots, rootGrads, create), retain, create, inputs, collect, allowUnused, 0)
	return r
}

// runTask runs a backward pass from roots, seeded with seeds, which it may keep.
// With batch > 0 the seeds, and every gradient, have a leading batch dim of that
// size (batched.go); runTask then reports false, having run nothing, if the
// graph's nodes do not allow it.
func runTask(op string, roots, seeds []*Tensor, retain, create bool, inputs []*Tensor, collect, allowUnused bool, batch int) ([]*Tensor, bool) {
	t := tasks.Get().(*graphTask)
	t.op, t.retain, t.create, t.inputs, t.collect, t.batch = op, retain, create, inputs, collect, batch
	t.number()
	t.anomaly = anomalyModes.changed.Load() != 0 && anomalyModes.get()
	defer t.release()
	t.discover(roots)
	if batch > 0 && !t.batchable() {
		return nil, false
	}
	t.plan()
	t.executeFor(roots, seeds)
	if !retain && inputs == nil {
		freeHeld(t.order)
	}
	return t.finish(allowUnused), true
}

// number gives the pass its id and epoch. Ids are never 0, the mark of a node
// no pass has claimed.
func (t *graphTask) number() {
	t.id = epochCounter.Add(1)
	t.ep = uint32(t.id) &^ sharedMark
}

// executeFor runs the pass with the goroutine's grad mode set as PyTorch's
// engine sets it, to the pass's create flag, but only where it can matter: the
// derivatives of the op table read saved values through bwd, unpacked detached
// unless the pass creates a graph, so they record nothing in a plain pass
// whatever the mode. User code (tensor and node hooks, a custom Function's
// Backward) sees the mode, so a pass whose graph has any sets it once, around
// the whole pass: off for a plain pass (what a hook computes from tensors that
// require grad is not recorded), on for CreateGraph. A pass with no user code
// sets it only for CreateGraph inside NoGrad.
func (t *graphTask) executeFor(roots, seeds []*Tensor) {
	on := IsGradEnabled()
	switch {
	case t.create && !on:
		EnableGrad(func() { t.execute(roots, seeds) })
	case !t.create && on && t.user:
		withGradMode(false, func() { t.execute(roots, seeds) })
	default:
		t.execute(roots, seeds)
	}
}

// userCode reports whether running n calls user code: its hooks, a custom
// Function's Backward or a checkpoint's recomputation, or for a leaf's
// AccumulateGrad node the leaf's hooks.
func userCode(n *Node) bool {
	if n.hooks.Load() != nil || n.x != nil && (n.x.withTask != nil || n.x.batched != nil) {
		return true
	}
	if v := n.variable; v != nil && v.ag != nil {
		return len(v.ag.hooks.list()) > 0 || len(v.ag.post.list()) > 0
	}
	return false
}

// seedGrads returns the gradients backward starts from, one per root: 1 for a
// one-element root without one, else a copy of the caller's.
func seedGrads(op string, roots, rootGrads []*Tensor, create bool) []*Tensor {
	seeds := make([]*Tensor, len(roots))
	for i, r := range roots {
		r.GradFn() // a stale view's history is regenerated first
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
			if !create {
				g = g.detached() // a plain pass records nothing, even from a gradient that requires grad
			}
			g = g.Clone() // the caller keeps g; the engine may keep and add into its seeds
		}
		seeds[i] = g
	}
	return seeds
}

// sink reports whether the pass gathers n's gradient instead of running n: n is
// a leaf's AccumulateGrad node, or (runBounded) a node made before the segment
// the pass goes through.
func (t *graphTask) sink(n *Node) bool { return n.variable != nil || n.seq <= t.bound }

// claim marks n as reached by this pass and reports whether it was already.
func (t *graphTask) claim(n *Node) bool {
	if n.task.Load() == t.id {
		return true
	}
	if n.task.CompareAndSwap(0, t.id) {
		return false
	}
	if _, ok := t.shared[n]; ok { // another pass holds n: keep its position here
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
	if n.task.Load() == t.id {
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

// setSlot records n's position in this pass.
func (t *graphTask) setSlot(n *Node, i int) {
	if n.task.Load() == t.id {
		n.slot = int32(i)
	} else {
		t.shared[n] = int32(i)
	}
}

// leaf returns the position in leaves of the AccumulateGrad node n, adding it on
// first sight.
func (t *graphTask) leaf(n *Node) int32 {
	if t.claim(n) {
		return t.slotOf(n)
	}
	t.setSlot(n, len(t.leaves))
	t.leaves = append(t.leaves, leafBuffer{n: n})
	t.user = t.user || userCode(n)
	return int32(len(t.leaves) - 1)
}

// release hands the nodes this pass claimed back, for the next pass, and the
// task to the pool.
func (t *graphTask) release() {
	for _, n := range t.order {
		n.task.CompareAndSwap(t.id, 0)
	}
	for _, l := range t.leaves {
		l.n.task.CompareAndSwap(t.id, 0)
	}
	if cap(t.order) > maxPooledNodes || cap(t.leaves) > maxPooledNodes {
		return
	}
	clear(t.order[:cap(t.order)])
	for i, b := range t.buf[:cap(t.buf)] {
		if b.g != nil { // left by a pass that stopped early (a panic); runNode empties the rest
			t.buf[i] = inputBuffer{}
		}
	}
	clear(t.gi)
	clear(t.leaves[:cap(t.leaves)])
	*t = graphTask{order: t.order[:0], buf: t.buf[:0], gi: t.gi[:0], leaves: t.leaves[:0]}
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
		} else if n == nil {
			t.user = t.user || userCode(r.gradNode()) // a leaf root's hooks
		}
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		t.order = append(t.order, n)
		t.user = t.user || userCode(n)
		for _, nx := range n.next {
			switch {
			case nx == nil:
			case t.sink(nx):
				t.leaves[t.leaf(nx)].deps++
			case !t.claim(nx):
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
		t.setSlot(n, i)
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
			t.buf[t.slotOf(n)].add(seeds[i], false, t.create)
		} else {
			t.leaves[t.leaf(r.gradNode())].add(seeds[i], false, t.create)
		}
	}
	for i, n := range t.order {
		t.runNode(i, n)
		t.settle(n)
	}
}

// runNode runs order[i], n, if a gradient reached it.
func (t *graphTask) runNode(i int, n *Node) {
	if n.x != nil && n.x.results != nil {
		t.runMulti(i, n)
		return
	}
	b := &t.buf[i]
	g, owned := b.g, b.owned
	*b = inputBuffer{}
	if g == nil {
		return
	}
	if g.published&^sharedMark != t.ep {
		g.published = t.ep // seen by this node; keeps sharedMark if it has it
	}
	// Grad captures a non-leaf input's gradient as it reaches the node, before
	// the tensor's hooks run, and runs them only if the node must run on (PyTorch
	// 1.13's captures); Backward's Inputs, as RetainGrad, get it after the hooks.
	grad := t.collect && t.inputs != nil
	if grad && t.isTarget[i] {
		t.captured[i] = g
	}
	if grad && !t.runs[i] {
		return
	}
	hooks := n.hooks.Load()
	if hooks != nil {
		g = t.detach(runPrehooks(t.op, n, hooks, g))
		if g.published&^sharedMark != t.ep {
			g.published = t.ep
		}
	}
	if n.retained != nil {
		n.retained.accumulateGrad(g, false, t.create)
	}
	if t.inputs != nil && !grad {
		if t.isTarget[i] {
			t.captured[i] = g
		}
		if !t.runs[i] {
			return
		}
	}
	if n.x != nil && n.x.port != nil { // pass g on to its MultiFunction's slot
		j := t.slotOf(n.x.port)
		if t.results == nil {
			t.results = make(map[int32][]inputBuffer)
		}
		rb := t.results[j]
		if rb == nil {
			rb = make([]inputBuffer, len(n.x.port.x.results))
			t.results[j] = rb
		}
		g.published = t.ep | sharedMark // not the engine's to add into any more
		rb[n.x.nr].add(g, false, t.create)
		return
	}
	outs := t.call(n, g)
	if hooks != nil {
		runPosthooks(t.op, n, hooks, []*Tensor{g}, outs)
		for j, o := range outs {
			if o != nil {
				o = t.detach(o)
				o.published = t.ep | sharedMark // the hooks may keep them
				outs[j] = o
			}
		}
	}
	release := owned && !t.create && hooks == nil && n.retained == nil &&
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

// runMulti runs order[i], n, the node of a MultiFunction, if one of its results
// got a gradient: as runNode, with one gradient per result.
func (t *graphTask) runMulti(i int, n *Node) {
	rb := t.results[int32(i)]
	if rb == nil {
		return
	}
	delete(t.results, int32(i))
	gs := make([]*Tensor, len(rb))
	for r := range rb {
		gs[r] = rb[r].g
	}
	hooks := n.hooks.Load()
	if hooks != nil {
		for k, f := range hooks.pre.list() {
			r := f(slices.Clone(gs))
			if r == nil {
				continue
			}
			if len(r) != len(gs) {
				fail(t.op, "pre-hook %d of %s returned %d gradients for %d outputs", k, n.name, len(r), len(gs))
			}
			for j := range gs {
				if r[j] != nil && gs[j] != nil && r[j] != gs[j] {
					checkHookResult(t.op, k, "node "+n.name, gs[j], r[j])
				}
				gs[j] = r[j]
			}
		}
	}
	if t.inputs != nil && !t.runs[i] {
		return
	}
	t.resultGrads = gs
	outs := t.call(n, nil)
	t.resultGrads = nil
	if hooks != nil {
		runPosthooks(t.op, n, hooks, gs, outs)
		for j, o := range outs {
			if o != nil {
				o = t.detach(o)
				o.published = t.ep | sharedMark
				outs[j] = o
			}
		}
	}
	t.route(n, nil, outs)
	if !t.retain && n.saves {
		n.free()
	}
}

// settle counts n's edges to leaves as delivered, and runs the AccumulateGrad of
// each leaf that has got all of its gradient.
func (t *graphTask) settle(n *Node) {
	for _, nx := range n.next {
		if nx == nil || !t.sink(nx) {
			continue
		}
		l := &t.leaves[t.slotOf(nx)]
		if l.deps--; l.deps == 0 {
			t.flush(l)
		}
	}
}

// flush runs a leaf's AccumulateGrad: its hooks, and the addition into Grad,
// unless the pass collects gradients (Grad) or the leaf is not among Backward's
// Inputs.
func (t *graphTask) flush(l *leafBuffer) {
	if l.g == nil || l.flushed || t.collect || t.inputs != nil && !slices.Contains(t.targets, l.n) {
		return
	}
	l.flushed = true
	l.n.variable.accumulateLeaf(l.g, l.owned, t.create)
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
	for j := range outs {
		if outs[j] != nil { // a write only where needed: no barriers while the collector runs
			outs[j] = nil
		}
	}
	if t.batch > 0 {
		t.backwardBatched(n, g, outs)
	} else {
		t.backward(n, g, outs)
	}
	for j, nx := range n.next {
		if o := outs[j]; o != nil && o.requiresGrad && !t.create {
			outs[j] = o.detached()
		}
		switch {
		case nx == nil || outs[j] == nil:
			outs[j] = nil
		case t.batch > 0:
			outs[j] = outs[j].sumToBatched(t.batch, nx.shape, n.name)
		case !slices.Equal(outs[j].shape, nx.shape):
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

// backward runs n's derivative on g, setting gi.
func (t *graphTask) backward(n *Node, g *Tensor, gi []*Tensor) {
	switch {
	case n.def != nil:
		n.def.grad(bwd{n: n, g: g, gi: gi, create: t.create})
	default:
		n.x.withTask(t, g, gi)
	}
}

// detach returns g detached when the pass does not record itself: a gradient a
// hook or a custom Function's Backward computed from tensors that require grad
// (recorded, since the goroutine's grad mode is on) leaves that graph behind.
func (t *graphTask) detach(g *Tensor) *Tensor {
	if g.requiresGrad && !t.create {
		return g.detached()
	}
	return g
}

// route adds n's input gradients into the buffers of the nodes they flow to, or
// to the leaves' gradients, and reports whether one of them shares g's storage
// (g is nil for a MultiFunction's node).
func (t *graphTask) route(n *Node, g *Tensor, outs []*Tensor) (sharesG bool) {
	for j, nx := range n.next {
		gj := outs[j]
		if gj == nil {
			continue
		}
		if g != nil && sharesStorage(gj, g) {
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
		if t.sink(nx) {
			t.leaves[t.slotOf(nx)].add(gj, owned, t.create)
		} else {
			t.buf[t.slotOf(nx)].add(gj, owned, t.create)
		}
	}
	return sharesG
}

// finish hands the pass's results out: it runs the AccumulateGrad of leaves not
// run yet (a root that is a leaf), and of non-leaf Inputs; or (collect) it
// returns the inputs' gradients.
func (t *graphTask) finish(allowUnused bool) []*Tensor {
	for i := range t.leaves {
		t.flush(&t.leaves[i])
	}
	if t.inputs == nil {
		return nil
	}
	if !t.collect { // Backward with Inputs: non-leaves get a Grad too
		for i, tn := range t.targets {
			if tn.variable != nil || slices.Contains(t.targets[:i], tn) {
				continue
			}
			if j := t.slotOf(tn); j >= 0 && t.captured[j] != nil {
				in := t.inputs[i]
				in.state()
				in.accumulateGrad(t.captured[j], false, t.create)
			}
		}
		return nil
	}
	out := make([]*Tensor, len(t.inputs))
	for i, tn := range t.targets {
		if j := t.slotOf(tn); j < 0 {
		} else if tn.variable != nil {
			out[i] = t.leaves[j].g
		} else {
			out[i] = t.captured[j]
		}
		if out[i] == nil && !allowUnused {
			fail(t.op, "One of the differentiated Tensors appears to not have been used in the graph. "+
				"Set allow_unused=True if this is the desired behavior. (input %d, shape %v; AllowUnused in gograd)", i, t.inputs[i].shape)
		}
	}
	return out
}
