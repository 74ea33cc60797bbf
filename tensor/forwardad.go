package tensor

import (
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gograd/gograd/internal/goroutine"
)

// Forward-mode AD (torch.autograd.forward_ad). Inside DualLevel, MakeDual
// attaches a tangent to a tensor; every op applied to tensors with tangents
// gives its result the tangent J·t, which UnpackDual reads.
//
// The forward derivative of an op is not written a second time: it is the
// linear transpose of the op's reverse derivative, the one in the op table (or
// the node's backward), which habit 3 writes with differentiable ops and which
// is linear in the upstream gradient u. With u a zero tensor that requires grad,
// s = Σᵢ ⟨backward(u)ᵢ, tᵢ⟩ = ⟨u, J·t⟩, so J·t = ∂s/∂u: one recorded backward
// formula and one small backward pass per op (torch's "double backward trick",
// applied op by op). An op whose derivative is computed by raw kernels that
// cannot be recorded has no forward derivative: using it on a dual panics with
// ErrNoForwardGrad.
//
// The tangent of an op's result is computed when the result is used by the
// next op or read by UnpackDual, after the op has set up its node. Tangents
// flow only through ops run by a goroutine inside DualLevel (ops in other
// goroutines ignore them), and a dual, like a tensor being written, must not be
// shared with other goroutines while its level is open.

// ErrNoForwardGrad is the Kind of the *Error raised when an op on a tensor with a
// tangent has no forward-mode derivative.
var ErrNoForwardGrad = errors.New("no forward-mode derivative")

// dualLevels counts the dual levels open in all goroutines; while it is zero,
// ops pay one atomic load for forward mode.
var dualLevels atomic.Int32

// fwState is a tensor's tangent, or the node and inputs that give it.
type fwState struct {
	level   *dualLevel
	tangent *Tensor
	node    *Node     // the op that made the tensor, while its tangent is not computed
	inputs  []*Tensor // the op's inputs
}

// dualLevel is one DualLevel call; tangents made in it are void once it ends.
type dualLevel struct{ closed atomic.Bool }

// fwGoroutines maps a goroutine inside DualLevel to its innermost level, and a
// goroutine computing a tangent to nil (forward mode off while it does).
var fwGoroutines sync.Map // uintptr -> *dualLevel

// DualLevel calls f with a dual level open in the calling goroutine (the
// counterpart of `with torch.autograd.forward_ad.dual_level():`): inside f,
// MakeDual may attach tangents. When f returns (or panics) the level ends and
// the tangents made in it are dropped: UnpackDual then returns nil tangents.
func DualLevel(f func()) {
	lv := &dualLevel{}
	dualLevels.Add(1)
	defer func() {
		lv.closed.Store(true)
		dualLevels.Add(-1)
	}()
	withLevel(lv, f)
}

// withLevel calls f with lv as the calling goroutine's dual level (nil: forward
// mode suspended), restoring the previous one after.
func withLevel(lv *dualLevel, f func()) {
	id := goroutine.ID()
	prev, had := fwGoroutines.Load(id)
	fwGoroutines.Store(id, lv)
	defer func() {
		if had {
			fwGoroutines.Store(id, prev)
		} else {
			fwGoroutines.Delete(id)
		}
	}()
	f()
}

// currentLevel returns the calling goroutine's dual level, nil outside one or
// while forward mode is suspended.
func currentLevel() *dualLevel {
	v, ok := fwGoroutines.Load(goroutine.ID())
	if !ok {
		return nil
	}
	return v.(*dualLevel)
}

// MakeDual returns a tensor with primal's values (sharing its storage, and its
// place in the backward graph when primal requires grad) carrying tangent as its
// forward-mode derivative (torch.autograd.forward_ad.make_dual). It panics
// outside DualLevel, or if tangent's shape or dtype differs from primal's.
func MakeDual(primal, tangent *Tensor) *Tensor {
	nonNil("MakeDual", primal, tangent)
	lv := currentLevel()
	if lv == nil {
		fail("MakeDual", "make_dual must be called inside DualLevel")
	}
	if !slices.Equal(primal.shape, tangent.shape) {
		failKind(ErrShape, "MakeDual", "tangent of shape %v for a primal of shape %v; they must be the same", tangent.shape, primal.shape)
	}
	if primal.dtype != tangent.dtype || !primal.dtype.IsFloat() {
		failKind(ErrDType, "MakeDual", "tangent of dtype %v for a primal of dtype %v; both must be the same float dtype", tangent.dtype, primal.dtype)
	}
	var d *Tensor
	if primal.requiresGrad && IsGradEnabled() {
		d = primal.view("MakeDual", "ViewBackward0", primal.shape)
	} else {
		d = primal.Detach()
	}
	d.state().fw = &fwState{level: lv, tangent: tangent}
	return d
}

// UnpackDual returns t's primal (t's values, sharing its storage and its place in
// the backward graph) and its tangent, nil if t has none in an open dual level
// (torch.autograd.forward_ad.unpack_dual). It panics with ErrFreedGraph if the
// tangent is still to be computed from an op whose graph a backward pass has
// freed: unpack before Backward.
func UnpackDual(t *Tensor) (primal, tangent *Tensor) {
	nonNil("UnpackDual", t)
	tangent = t.tangent()
	if tangent == nil {
		return t, nil
	}
	if t.requiresGrad {
		primal = t.view("UnpackDual", "AliasBackward0", t.shape)
		primal.ag.fw = nil // the view's tangent, attached by recording it
	} else {
		primal = t.Detach()
	}
	return primal, tangent
}

// hasTangent reports, for an op run in a goroutine inside DualLevel, whether one
// of ts has a tangent in an open level, first
// computing the tangents still pending (so that the chain of an op's inputs is
// never walked recursively). It is false while the goroutine computes a
// tangent.
func hasTangent(ts []*Tensor) bool {
	found := false
	for _, t := range ts {
		if t != nil && t.ag != nil && t.ag.fw != nil && !t.ag.fw.level.closed.Load() {
			found = true
		}
	}
	if !found {
		return false
	}
	if v, ok := fwGoroutines.Load(goroutine.ID()); !ok || v.(*dualLevel) == nil {
		return false // outside DualLevel, or computing a tangent: these ops carry none
	}
	for _, t := range ts {
		t.tangent()
	}
	return true
}

// forwardNode makes the node of an op whose inputs carry tangents but do not
// require grad: it is not part of any backward graph (out does not require
// grad); it only gives out's tangent.
func forwardNode(name string, out *Tensor, inputs []*Tensor) *Node {
	n := &Node{name: name, shape: out.shape, next: make([]*Node, len(inputs))}
	for i, in := range inputs {
		if in.tangent() != nil {
			n.next[i] = forwardOnly // needs(i): the derivative computes input i's part
		}
	}
	attachForward(out, n, inputs)
	return n
}

// forwardOnly marks inputs of a forward-only node that carry tangents.
var forwardOnly = &Node{name: "ForwardOnly"}

func levelOf(ts []*Tensor) *dualLevel {
	for _, t := range ts {
		if t.ag != nil && t.ag.fw != nil {
			return t.ag.fw.level
		}
	}
	return nil
}

// attachForward records, for the result out of a recorded op n whose inputs
// carry tangents, how to compute out's tangent.
func attachForward(out *Tensor, n *Node, inputs []*Tensor) {
	out.state().fw = &fwState{level: levelOf(inputs), node: n, inputs: slices.Clone(inputs)}
}

// tangent returns t's tangent, computing it from the op that made t if needed;
// nil if it has none or its level has ended.
func (t *Tensor) tangent() *Tensor {
	if t.ag == nil || t.ag.fw == nil {
		return nil
	}
	fw := t.ag.fw
	if fw.level.closed.Load() {
		return nil
	}
	if n := fw.node; n != nil {
		inputs := fw.inputs
		fw.node, fw.inputs = nil, nil // an op may name its result among its inputs
		fw.tangent = n.jvp(t, inputs)
	}
	return fw.tangent
}

// jvp returns J·t for node n, which made out from inputs, given the inputs'
// tangents: the gradient with respect to u of Σᵢ ⟨backwardᵢ(u), tangentᵢ⟩.
func (n *Node) jvp(out *Tensor, inputs []*Tensor) *Tensor {
	if n.freed {
		failKind(ErrFreedGraph, "UnpackDual", "the tangent of a result of %s is computed from its backward formula, which a backward pass has freed; "+
			"read tangents before Backward (or pass RetainGraph: true)", n.name)
	}
	tans := make([]*Tensor, len(inputs))
	for i, in := range inputs {
		if n.needs(i) {
			tans[i] = in.tangent()
		}
	}
	var res *Tensor
	// The formula's own ops carry no tangents.
	withLevel(nil, func() {
		withGradMode(true, func() {
			if n.def == nil && (n.x == nil || !n.x.custom) { // a checkpoint's node, whose backward runs a pass of its own
				failKind(ErrNoForwardGrad, n.name, "trying to use forward AD with %s, which has no forward-mode derivative", n.name)
			}
			u := ZerosLike(out).SetRequiresGrad(true)
			gi := make([]*Tensor, len(n.next))
			(&graphTask{op: "UnpackDual", create: true}).backward(n, u, gi) // a custom Function's too
			var s *Tensor
			for i, g := range gi {
				if g == nil || tans[i] == nil || tans[i].Numel() == 0 {
					continue // an empty input contributes nothing to the tangent
				}
				if !g.requiresGrad {
					if zeroDerivative(n) {
						continue
					}
					failKind(ErrNoForwardGrad, n.name, "trying to use forward AD with %s, whose derivative is not built of recorded ops, "+
						"so it has no forward-mode derivative (input %d, shape %v)", n.name, i, inputs[i].shape)
				}
				if !slices.Equal(g.shape, inputs[i].shape) {
					g = g.sumTo(inputs[i].shape)
				}
				term := g.Mul(tans[i]).Sum()
				if s == nil {
					s = term
				} else {
					s = s.Add(term)
				}
			}
			if s != nil && s.requiresGrad {
				res = Grad([]*Tensor{s}, []*Tensor{u}, GradOptions{AllowUnused: true})[0]
			}
			if res == nil {
				res = ZerosLike(out)
			}
		})
	})
	return res
}

// zeroDerivative reports whether n's derivative is identically zero, which its
// backward returns as a constant: Sign, and Pow with exponent 0.
func zeroDerivative(n *Node) bool {
	return n.name == "SignBackward0" || n.def == powDef && n.arg == 0
}
