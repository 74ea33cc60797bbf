package tensor

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/gograd/gograd/internal/access"
)

// Node is a node of the backward graph: it turns the gradient of one op's output
// into gradients of the op's inputs. A result's GradFn is the node of the op that
// made it; each input that requires grad is reached through NextFunctions, ending
// at AccumulateGrad nodes, one per leaf, which add into the leaf's Grad.
type Node struct {
	name     string
	next     []*Node
	nextBuf  [2]*Node
	shape    []int // shape of the tensor this node differentiates
	seq      uint64
	slot     int32 // the node's position in the plan of the pass that claimed it (task)
	saves    bool  // backward reads saved values, freed after use
	freed    bool
	saved    []savedVar // what backward reads, with the versions it was saved at
	savedBuf [2]savedVar
	def      *opDef                    // the op table entry: the node's derivative
	arg      float64                   // the number the entry's derivative reads (a transpose's dims too)
	aux      any                       // the other parameters it reads (dims, shapes; never a tensor)
	variable *Tensor                   // AccumulateGrad only: the leaf
	retained *Tensor                   // non-leaf output whose grad is retained
	hooks    atomic.Pointer[nodeHooks] // nil until a hook is registered
	x        *nodeExtra                // what few nodes have (onFree, frees, site)

	// The id of the backward pass (graphTask) that claimed this node, 0 for none;
	// its position in that pass's plan is slot, an index the pass looks up instead
	// of a map. All other state of a pass lives in its graphTask; a pass that finds
	// a node claimed by another (two goroutines walking one retained graph) keeps
	// its index in a map. A number, not a pointer, so that claiming and releasing
	// nodes costs no write barrier while the collector runs.
	task atomic.Uint64
}

// nodeExtra holds what few nodes have, out of line so that every op's node stays
// small.
type nodeExtra struct {
	onFree func()    // releases what a custom Function's Context holds
	frees  []*Tensor // tensors only this graph holds, pooled once a pass frees it
	site   string    // where the node was made, under DetectAnomaly

	// withTask, set where def is not, is the derivative of a node that runs user
	// code: a custom Function's Backward, a checkpoint's recomputation. It reads
	// the pass (whether it creates a graph; the reentrant checkpoint refuses
	// Grad). Every other node's derivative is its op table entry (def).
	withTask func(t *graphTask, g *Tensor, gi []*Tensor)

	// A MultiFunction's node has its results' shapes and dtypes; each of those
	// results has a port of its own as GradFn, which passes the result's
	// gradient on to slot nr of the node (port).
	results []resultMeta
	port    *Node
	nr      int

	custom  bool                                       // the node of a Function or MultiFunction (Apply)
	batched func(g *Tensor, gi []*Tensor, create bool) // a Function's BackwardBatched, for batched passes
}

// fn returns the node n stands for: the MultiFunction node of a port, else n.
// The API shows that node, never a port, as PyTorch shows one node for all of
// a Function's results.
func (n *Node) fn() *Node {
	if n != nil && n.x != nil && n.x.port != nil {
		return n.x.port
	}
	return n
}

// ext returns n's extra fields, making them if needed (while n is being set up).
func (n *Node) ext() *nodeExtra {
	if n.x == nil {
		n.x = &nodeExtra{}
	}
	return n.x
}

// Name returns the node's PyTorch name, such as "MulBackward0" or "AccumulateGrad".
func (n *Node) Name() string { return n.name }

// String returns the name in angle brackets, as PyTorch prints grad_fn.
func (n *Node) String() string { return "<" + n.name + ">" }

// NextFunctions returns the nodes the gradient flows to, one per input of the op,
// with nil for inputs that do not require grad.
func (n *Node) NextFunctions() []*Node {
	next := slices.Clone(n.fn().next)
	for i, nx := range next {
		next[i] = nx.fn()
	}
	return next
}

// Variable returns the leaf an AccumulateGrad node accumulates into, nil for
// other nodes.
func (n *Node) Variable() *Tensor { return n.variable }

func (n *Node) needs(i int) bool { return n.next[i] != nil }

// savedVar is a tensor a node keeps for its backward (PyTorch's SavedVariable): the
// version of its storage when it was saved, and whether it is the node's own
// output, to name it if an in-place op modifies it before backward reads it.
type savedVar struct {
	t       *Tensor
	version uint32
	tag     int8 // which value of an op table entry (opDef) it is
	output  bool // t was made by the node that saved it
}

// unpack returns the saved value for a backward pass (PyTorch's
// SavedVariable::unpack): the tensor itself when the pass records its own
// computation (create), so that the derivative's ops are recorded through it,
// else an alias that does not require grad, so that they record nothing. This,
// not the goroutine's grad mode, keeps a plain backward pass from building a
// graph.
func (s *savedVar) unpack(create bool) *Tensor {
	if create || !s.t.requiresGrad {
		return s.t
	}
	return s.t.detached()
}

// save declares that n's backward reads ts: the only way a node keeps a tensor,
// so that what backward holds is visible and checked. Backward panics, with
// PyTorch's facts, if one of them was modified in place in between.
func (n *Node) save(ts ...*Tensor) {
	if len(ts) == 0 {
		return
	}
	if n.saved == nil {
		n.saved = n.savedBuf[:0]
	}
	for _, t := range ts {
		n.saved = append(n.saved, savedVar{t: t, version: t.version(), output: t.gradFn == n})
	}
	n.saves = true
}

// saveFor saves t when input i needs a gradient: the value input i's derivative
// reads (as PyTorch saves mat2 of mm only for self's gradient).
func (n *Node) saveFor(i int, t *Tensor) {
	if n.needs(i) {
		n.save(t)
	}
}

// checkSaved panics if a value n saved was modified in place since.
func (n *Node) checkSaved(op string) {
	for _, s := range n.saved {
		v := s.t.version()
		if v == s.version {
			continue
		}
		// As PyTorch, name the node that made a saved output when it was saved, and
		// a saved input's current one.
		fn := s.t.gradFn
		if s.output {
			fn = n
		}
		var of string
		if fn != nil {
			name := fn.name
			if name == "CopySlices" {
				name = "torch::autograd::CopySlices" // what its name() says
			}
			of = fmt.Sprintf(", which is output 0 of %s,", name)
		}
		fail(op, "one of the variables needed for gradient computation has been modified by an inplace operation: "+
			"[%s %s]%s is at version %d; expected version %d instead (needed by %s)", s.t.torchType(), torchSizes(s.t.shape), of, v, s.version, n.name)
	}
}

// torchType returns the legacy type name PyTorch prints for t, such as
// "torch.FloatTensor".
func (t *Tensor) torchType() string {
	switch t.dtype {
	case Float32:
		return "torch.FloatTensor"
	case Float64:
		return "torch.DoubleTensor"
	case Bool:
		return "torch.BoolTensor"
	}
	return "torch.LongTensor"
}

// torchSizes formats a shape as PyTorch prints sizes: "[2, 3]".
func torchSizes(shape []int) string {
	s := strings.Trim(fmt.Sprint(shape), "[]")
	return "[" + strings.ReplaceAll(s, " ", ", ") + "]"
}

// sharedMark, set in a tensor's published field with the pass's epoch, says that
// the gradient reached more than one consumer, so none of them may reuse it.
const sharedMark = 1 << 31

var (
	seqCounter   atomic.Uint64 // creation order of nodes: the order backward runs them in
	epochCounter atomic.Uint64 // one per backward pass, to mark the gradients it has seen
)

// record makes out the result of an op named name with the given inputs when any
// input requires grad and recording is on, and returns its node, whose derivative
// the caller sets (opDef); otherwise it returns nil. What the derivative reads is
// declared with n.save, which makes the node one whose saved values are freed
// after a backward pass that does not retain the graph.
func record(name string, out *Tensor, inputs ...*Tensor) *Node {
	if !recording(inputs...) {
		if dualLevels.Load() != 0 && hasTangent(inputs) {
			return forwardNode(name, out, inputs) // forward mode only (forwardad.go)
		}
		return nil
	}
	for _, in := range inputs {
		if in.lay != nil && in.requiresGrad {
			in.refreshView() // before n's sequence number: the view's node must run after n
		}
	}
	n := &Node{name: name, shape: out.shape, seq: seqCounter.Add(1)}
	if dualLevels.Load() != 0 && hasTangent(inputs) {
		attachForward(out, n, inputs)
	}
	if len(inputs) <= len(n.nextBuf) {
		n.next = n.nextBuf[:len(inputs)]
	} else {
		n.next = make([]*Node, len(inputs))
	}
	for i, in := range inputs {
		if in.requiresGrad {
			n.next[i] = in.gradNode()
		}
	}
	out.requiresGrad = true
	out.gradFn = n
	if anomalyModes.changed.Load() != 0 && anomalyModes.get() {
		n.ext().site = callerSite()
	}
	return n
}

// recording reports whether an op on these tensors is recorded: one of them
// requires grad and recording is on. A backward formula that is recorded must be
// built of ops, so that it can be differentiated again.
func recording(ts ...*Tensor) bool {
	for _, t := range ts {
		if t.requiresGrad {
			return IsGradEnabled() // looked up only when it matters
		}
	}
	return false
}

// gradNode returns the node a gradient for t flows into: its GradFn, or for a leaf
// its AccumulateGrad node.
func (t *Tensor) gradNode() *Node {
	if t.gradFn != nil {
		return t.gradFn
	}
	st := t.ag // set by SetRequiresGrad, the only way a leaf comes to require grad
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.acc == nil {
		st.acc = &Node{name: "AccumulateGrad", shape: t.shape, variable: t}
	}
	return st.acc
}

// RequiresGrad reports whether operations on t are recorded for autograd.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// SetRequiresGrad sets whether autograd records operations on the leaf t, and
// returns t (the counterpart of requires_grad_). It panics if t is not a leaf, or
// if it asks an int64 tensor to require grad.
func (t *Tensor) SetRequiresGrad(on bool) *Tensor {
	nonNil("SetRequiresGrad", t)
	if t.gradFn != nil {
		fail("SetRequiresGrad", "you can only change requires_grad of leaf tensors; use Detach to get a leaf from %v", t.gradFn)
	}
	if on && !t.dtype.IsFloat() {
		failKind(ErrDType, "SetRequiresGrad", "only float tensors can require gradients, got dtype %v", t.dtype)
	}
	t.requiresGrad = on
	if on {
		t.state()
	}
	return t
}

// IsLeaf reports whether t is a leaf of the graph: a tensor that does not require
// grad, or one the user created with requires_grad set (rather than an op result).
func (t *Tensor) IsLeaf() bool { return t.gradFn == nil }

// GradFn returns the node of the op that created t, or nil for a leaf. For a view
// whose base was since written in place, it is the base's new history
// (AsStridedBackward0), as in PyTorch.
func (t *Tensor) GradFn() *Node {
	if t.lay != nil && t.requiresGrad {
		t.refreshView()
	}
	return t.gradFn.fn()
}

// Grad returns the gradient accumulated into t by backward passes: nil until one
// reaches t. Only leaves, and results that called RetainGrad, get one.
func (t *Tensor) Grad() *Tensor {
	st := t.ag
	if st == nil {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.owned = false // the caller may keep it
	return st.grad
}

// free drops the values n saved for backward, after a pass that did not retain
// the graph.
func (n *Node) free() {
	n.freed = true
	n.def = nil
	if n.aux != nil {
		n.aux = nil
	}
	for i := range n.saved { // savedBuf's entries in use, or a longer list's
		n.saved[i].t = nil // each a single write: no bulk barrier while the collector runs
	}
	n.saved = nil
	if n.x != nil {
		n.x.withTask, n.x.batched = nil, nil
		if n.x.onFree != nil {
			n.x.onFree()
		}
	}
}

// freeHeld returns to the pool the tensors that nodes of a graph a pass has just
// freed were the only holders of (see access.FreeWithGraph). The graph's other
// saving nodes, ones the pass did not reach because no gradient flowed into
// them, are freed too, since what they saved may be among those tensors.
func freeHeld(order []*Node) {
	held := false
	for _, n := range order {
		if n.x != nil && len(n.x.frees) > 0 {
			held = true
			break
		}
	}
	if !held {
		return
	}
	for _, n := range order {
		if n.saves && !n.freed {
			n.free()
		}
	}
	for _, n := range order {
		if n.x == nil {
			continue
		}
		for _, t := range n.x.frees {
			pool.put(t)
		}
		n.x.frees = nil
	}
}

func init() {
	access.Free = func(t any) { pool.put(t.(*Tensor)) }
	access.Uninit = func(dt any, shape []int) any { return uninit(dt.(DType), checkShape("Uninit", shape)) }
	access.FreeWithGraph = func(out, t any) {
		if n := out.(*Tensor).gradFn; n != nil {
			n.ext().frees = append(n.ext().frees, t.(*Tensor))
		} else {
			pool.put(t.(*Tensor)) // no graph: nothing holds t
		}
	}
	access.PeekGrad = func(t any) any {
		st := t.(*Tensor).ag
		if st == nil {
			return (*Tensor)(nil)
		}
		st.mu.Lock()
		defer st.mu.Unlock()
		return st.grad
	}
}

// SetGrad replaces t's gradient; SetGrad(nil) clears it, as optimizers' ZeroGrad do.
// It panics if g's shape differs from t's.
//
// A gradient the engine made and no one has been handed (by Grad or a hook) goes
// back to the memory pool when it is replaced, so that a training loop that clears
// its gradients reuses their memory in the next backward pass.
func (t *Tensor) SetGrad(g *Tensor) {
	nonNil("SetGrad", t)
	if g != nil && !slices.Equal(g.shape, t.shape) {
		failKind(ErrShape, "SetGrad", "gradient shape %v does not match tensor shape %v", g.shape, t.shape)
	}
	if g == nil && t.ag == nil {
		return
	}
	st := t.state()
	st.mu.Lock()
	old, owned := st.grad, st.owned
	st.grad, st.owned = g, false
	st.mu.Unlock()
	if owned && old != g {
		pool.put(old)
	}
}

// RetainGrad asks backward to store this non-leaf tensor's gradient in Grad. It has
// no effect on leaves. It panics if t does not require grad.
func (t *Tensor) RetainGrad() {
	if !t.requiresGrad {
		fail("RetainGrad", "can't retain_grad on a tensor that has requires_grad=False")
	}
	if t.gradFn != nil {
		t.state()
		t.retainsGrad = true
		t.gradFn.retained = t
	}
}

// RetainsGrad reports whether t is a non-leaf that called RetainGrad.
func (t *Tensor) RetainsGrad() bool { return t.retainsGrad }

// RegisterHook adds a function that backward calls with t's gradient before using
// it; if the hook returns a non-nil tensor, that replaces the gradient, and must
// have the gradient's shape and dtype. Hooks run in registration order; Remove on
// the returned handle unregisters this one. It panics if hook is nil or t does not
// require grad.
func (t *Tensor) RegisterHook(hook func(grad *Tensor) *Tensor) *RemovableHandle {
	nonNil("RegisterHook", t)
	if hook == nil {
		failKind(ErrNil, "RegisterHook", "got a nil hook for a tensor of shape %v", t.shape)
	}
	if !t.requiresGrad {
		fail("RegisterHook", "cannot register a hook on a tensor that doesn't require gradient")
	}
	if t.gradFn != nil {
		return t.gradFn.hookSet().tensor.add(hook)
	}
	return t.state().hooks.add(hook)
}

// Detach returns a tensor sharing t's storage that is a leaf and does not require
// grad: what is computed from it is not recorded back to t. It shares only the
// storage: it does not keep t, or the graph that made t, alive (so a detached
// loss kept for logging does not hold its graph). For a one-element result
// that has never shared its storage, the first Detach moves the element out of
// t's header into the storage; like an in-place op, that call must not run
// concurrently with other uses of t. (One exception: a view of a one-element
// result keeps that result alive, as a view keeps its base in PyTorch.)
func (t *Tensor) Detach() *Tensor {
	if t.gradFn != nil {
		t.moveInline()
	}
	return t.detached()
}

// detached is Detach for the package's own short-lived aliases (saved values
// unpacked for a pass, gradients, the operands of derivatives and of kernels),
// which live no longer than what holds t: it never moves t's element, so that
// ops and passes in several goroutines may detach one tensor at once.
func (t *Tensor) detached() *Tensor {
	d := t.alias()
	d.lay.base = nil // not a view of t for autograd: in-place writes to it are not t's history
	return d
}

// moveInline moves the element of a one-element tensor that keeps it in its
// header (alloc's inline storage), and has never shared it, into a storage
// object of its own, so that tensors sharing it do not keep t alive.
func (t *Tensor) moveInline() {
	if t.lay != nil || t.own.Load() != nil {
		return
	}
	p := unsafe.Pointer(&t.inline)
	var at unsafe.Pointer
	switch {
	case len(t.f32) == 1:
		at = unsafe.Pointer(&t.f32[0])
	case len(t.f64) == 1:
		at = unsafe.Pointer(&t.f64[0])
	case len(t.i64) == 1:
		at = unsafe.Pointer(&t.i64[0])
	}
	if at != p {
		return
	}
	s := &storage{one: t.inline}
	if !t.own.CompareAndSwap(nil, s) {
		return
	}
	q := unsafe.Pointer(&s.one)
	switch t.dtype {
	case Float32:
		t.f32 = unsafe.Slice((*float32)(q), 1)
	case Float64:
		t.f64 = s.one[:]
	default:
		t.i64 = unsafe.Slice((*int64)(q), 1)
	}
}

// BackwardOptions adjusts Backward.
type BackwardOptions struct {
	// Gradient is the gradient of the tensor Backward is called on; required when it
	// is not a one-element tensor, and of the same shape.
	Gradient *Tensor
	// RetainGraph keeps the values saved by the graph so that it can be walked again.
	RetainGraph bool
	// CreateGraph records the backward pass itself, so that the gradients can be
	// differentiated again (higher-order gradients). It implies RetainGraph.
	CreateGraph bool
	// Inputs, when set, are the only tensors whose Grad the pass accumulates into
	// (leaves, or non-leaves, which then get a Grad too), as PyTorch's inputs=;
	// only the part of the graph that leads to them runs.
	Inputs []*Tensor
}

// Backward computes the gradient of t with respect to every leaf of its graph that
// requires grad, and adds it into the leaves' Grad (gradients accumulate across
// calls until cleared with SetGrad(nil)). With no options t must have one element,
// and the gradient starts at 1. After the pass, the values the graph saved are
// freed unless RetainGraph or CreateGraph is set; walking it again then panics.
//
// Backward panics if t does not require grad, if t has several elements and no
// Gradient is given, or if Gradient's shape differs from t's.
func (t *Tensor) Backward(opts ...BackwardOptions) {
	var o BackwardOptions
	if len(opts) > 1 {
		fail("Backward", "at most one BackwardOptions, got %d", len(opts))
	}
	if len(opts) == 1 {
		o = opts[0]
	}
	if o.Inputs != nil && len(o.Inputs) == 0 {
		fail("Backward", "'inputs' argument to backward() cannot be empty")
	}
	run("Backward", []*Tensor{t}, []*Tensor{o.Gradient}, o.RetainGraph || o.CreateGraph, o.CreateGraph, o.Inputs, false, true)
}

// GradOptions adjusts Grad.
type GradOptions struct {
	// GradOutputs are the gradients of the outputs, one per output; nil entries (or
	// a nil slice) mean 1 for one-element outputs.
	GradOutputs []*Tensor
	// RetainGraph keeps the graph's saved values for another pass.
	RetainGraph bool
	// CreateGraph records the computation of the gradients, for higher-order
	// derivatives. It implies RetainGraph.
	CreateGraph bool
	// AllowUnused returns nil for inputs the outputs do not depend on, instead of
	// panicking.
	AllowUnused bool
	// IsGradsBatched says that each of GradOutputs has a leading batch dimension
	// of the same size B before its output's shape (PyTorch's is_grads_batched):
	// Grad then returns, for each input, the B vector-Jacobian products stacked
	// along a new leading dimension, as the functional API's vectorised Jacobian
	// needs. They are computed in one pass whose gradients carry the batch dim:
	// the nodes of the common ops (elementwise arithmetic and functions,
	// activations, softmax and log-softmax, Mm, Mv, Dot, MatMul's views,
	// reshapes, Expand, T, Transpose, Sum, Mean, and Functions that implement
	// BatchedBackward) compute all B rows at once, any other node one row at a
	// time. Where a node has hooks or a tensor retains its gradient, which
	// expect a gradient of the tensor's own shape, Grad runs one pass per batch
	// row instead.
	IsGradsBatched bool
}

// Grad returns the gradients of the sum of outputs with respect to each of inputs
// (the counterpart of torch.autograd.grad), without changing any tensor's Grad.
// It panics if an output or input does not require grad, or if an input is unused
// and AllowUnused is false.
func Grad(outputs, inputs []*Tensor, opts ...GradOptions) []*Tensor {
	var o GradOptions
	if len(opts) > 1 {
		fail("Grad", "at most one GradOptions, got %d", len(opts))
	}
	if len(opts) == 1 {
		o = opts[0]
	}
	gos := o.GradOutputs
	if gos == nil {
		gos = make([]*Tensor, len(outputs))
	}
	if len(gos) != len(outputs) {
		fail("Grad", "got %d GradOutputs for %d outputs", len(gos), len(outputs))
	}
	nonNil("Grad", outputs...)
	nonNil("Grad", inputs...)
	for i, in := range inputs {
		if !in.requiresGrad {
			fail("Grad", "input %d (shape %v) does not require grad", i, in.shape)
		}
	}
	if o.IsGradsBatched {
		return batchedGrad(outputs, inputs, gos, o)
	}
	return run("Grad", outputs, gos, o.RetainGraph || o.CreateGraph, o.CreateGraph, inputs, true, o.AllowUnused)
}

// batchedGrad is Grad with IsGradsBatched: one pass whose gradients carry the
// batch dim (runBatched) or, where hooks or retained gradients need a gradient
// of a tensor's own shape, one pass per row of the batched GradOutputs, the
// results stacked.
func batchedGrad(outputs, inputs, gos []*Tensor, o GradOptions) []*Tensor {
	nb := -1
	for i, g := range gos {
		if g == nil || len(g.shape) != len(outputs[i].shape)+1 || !slices.Equal(g.shape[1:], outputs[i].shape) {
			var gs []int
			if g != nil {
				gs = g.shape
			}
			failKind(ErrShape, "Grad", "IsGradsBatched: grad output %d has shape %v; want a batch dimension before the output's shape %v", i, gs, outputs[i].shape)
		}
		if nb >= 0 && g.shape[0] != nb {
			failKind(ErrShape, "Grad", "IsGradsBatched: grad outputs have batch sizes %d and %d", nb, g.shape[0])
		}
		nb = g.shape[0]
	}
	if r, ok := runBatched(outputs, inputs, gos, nb, o); ok {
		return r
	}
	rows := make([][]*Tensor, len(inputs)) // rows[i][b]: input i's gradient for batch row b
	row := make([]*Tensor, len(gos))
	for b := range nb {
		for i, g := range gos {
			row[i] = g.Select(0, b)
		}
		retain := o.RetainGraph || o.CreateGraph || b < nb-1
		r := run("Grad", outputs, row, retain, o.CreateGraph, inputs, true, o.AllowUnused)
		for i := range inputs {
			rows[i] = append(rows[i], r[i])
		}
	}
	out := make([]*Tensor, len(inputs))
	for i, in := range inputs {
		if nb > 0 && rows[i][0] != nil {
			out[i] = stackRows(rows[i], in)
		} else if nb == 0 {
			out[i] = empty(in.dtype, append([]int{0}, in.shape...))
		}
	}
	return out
}

// stackRows returns the gradients rows (each of in's shape) stacked along a new
// leading dimension, recorded (StackBackward0) when one of them requires grad.
func stackRows(rows []*Tensor, in *Tensor) *Tensor {
	out := empty(in.dtype, append([]int{len(rows)}, in.shape...))
	st := out.layout()
	for b, r := range rows {
		copyValues(out.makeView(in.shape, st[1:], b*st[0]), r)
	}
	return stackRowsDef.record(out, 0, rows...)
}

// stackRowsDef is stackRows' entry: row b's gradient is grad's row b.
var stackRowsDef = &opDef{name: "StackBackward0"}

func init() {
	stackRowsDef.grad = func(b bwd) {
		for i := range b.gi {
			if b.needs(i) {
				b.gi[i] = b.g.Select(0, i)
			}
		}
	}
}

// accumulate returns sum + g and whether the result belongs to the engine. A sum
// the engine made is added to in place (unless the backward pass is itself being
// recorded); one that may be shared (a gradient some node returned, which can be an
// upstream gradient passed through) is never written. gOwned says that no one else
// holds g, which then goes back to the pool once added in.
func accumulate(sum *Tensor, owned bool, g *Tensor, gOwned, create bool) (*Tensor, bool) {
	switch {
	case sum == nil:
		return g, false
	case owned && !create && !sum.requiresGrad && !g.requiresGrad && slices.Equal(sum.shape, g.shape):
		sum.addInPlace(g)
		if gOwned {
			pool.put(g)
		}
		return sum, true
	}
	return sum.Add(g), !create
}

// checkHookResult panics unless r, what hook i of a tensor (described by whose)
// returned for gradient g, has g's shape and dtype: PyTorch's "hook has changed
// the size of value". A gradient of another shape or dtype would otherwise reach
// Grad and the optimizers.
func checkHookResult(op string, i int, whose string, g, r *Tensor) {
	if !slices.Equal(r.shape, g.shape) {
		failKind(ErrShape, op, "hook %d of %s (shape %v) returned a gradient of shape %v; a hook must not change the gradient's shape",
			i, whose, g.shape, r.shape)
	}
	if r.dtype != g.dtype {
		failKind(ErrDType, op, "hook %d of %s (shape %v) returned a gradient of dtype %v for one of dtype %v",
			i, whose, g.shape, r.dtype, g.dtype)
	}
}

// accumulateLeaf runs t's hooks and its AccumulateGrad node's pre-hooks on g,
// adds it into t's grad, then runs the post-accumulate-grad hooks and the node's
// post-hooks; owned says that no one else holds g.
func (t *Tensor) accumulateLeaf(g *Tensor, owned, create bool) {
	st := t.ag
	for i, h := range st.hooks.list() {
		owned = false // the hook may keep g, or return something it keeps
		if r := h(g); r != nil {
			checkHookResult("Backward", i, "the leaf tensor", g, r)
			g = r
		}
	}
	st.mu.Lock()
	acc := st.acc
	st.mu.Unlock()
	var nh *nodeHooks
	if acc != nil {
		nh = acc.hooks.Load()
	}
	if nh != nil {
		for i, h := range nh.pre.list() {
			owned = false
			if r := h([]*Tensor{g}); len(r) == 1 && r[0] != nil {
				checkHookResult("Backward", i, "node AccumulateGrad", g, r[0])
				g = r[0]
			}
		}
	}
	t.accumulateGrad(g, owned, create)
	for _, h := range st.post.list() {
		h(t)
	}
	if nh != nil {
		for _, h := range nh.post.list() {
			h([]*Tensor{}, []*Tensor{g})
		}
	}
}

// accumulateGrad adds g into t.grad. The first time it keeps g itself if the engine
// owns it, else a copy (so that no two tensors share a gradient's storage); then it
// adds in place, unless the graph of the gradient itself is being recorded.
func (t *Tensor) accumulateGrad(g *Tensor, owned, create bool) {
	st := t.ag
	st.mu.Lock()
	defer st.mu.Unlock()
	switch {
	case st.grad == nil && create:
		if g.strides() != nil {
			g = g.Contiguous() // a gradient's layout is contiguous
		}
		st.grad, st.owned = g, false
	case st.grad == nil && owned && !g.requiresGrad && g.lay == nil:
		st.grad, st.owned = g, true
	case st.grad == nil:
		c := empty(g.dtype, g.shape)
		copyValues(c, g)
		st.grad, st.owned = c, true
	case create:
		st.grad, st.owned = st.grad.Add(g), false
	case st.grad.requiresGrad || g.requiresGrad: // a Grad an earlier pass recorded
		st.grad, st.owned = st.grad.detached().Add(g.detached()), false
	default:
		st.grad.addInPlace(g)
	}
}

// addInPlace adds g into t's storage (same shape and dtype), unrecorded.
func (t *Tensor) addInPlace(g *Tensor) { addValues(t, g) }
