package tensor

import (
	"slices"

	"github.com/gograd/gograd/internal/vec"
)

// checkInPlace panics, with PyTorch's words, if op may not write into t in place:
// t is a leaf that requires grad, or a view of one, while grad mode is on (the
// write would bypass autograd); or two of t's indices name one element (an
// expanded view).
func (t *Tensor) checkInPlace(op string) {
	if t.requiresGrad && t.gradFn == nil && t.viewBase() == nil && IsGradEnabled() {
		fail(op, "a leaf Variable that requires grad is being used in an in-place operation (shape %v); wrap it in NoGrad", t.shape)
	}
	if b := t.viewBase(); b != nil && b.requiresGrad && b.gradFn == nil && IsGradEnabled() {
		fail(op, "a view of a leaf Variable that requires grad is being used in an in-place operation (shape %v, base shape %v); wrap it in NoGrad", t.shape, b.shape)
	}
	if t.overlaps() {
		fail(op, "unsupported operation: more than one element of the written-to tensor refers to a single memory location (shape %v, strides %v); Clone the tensor first", t.shape, t.strides())
	}
}

// In-place ops write their result into the tensor they are called on and return
// it, as PyTorch's ops with a trailing underscore. Each bumps the version counter
// of the tensor's storage, which nodes that saved the tensor (or any view of its
// storage) check in backward. When the op is recorded (grad mode on and the tensor
// or another input requires grad), it is computed as its out-of-place op on the
// tensor's old value and history, recorded as usual under the out-of-place op's
// grad_fn name, and the tensor takes over that history; on a view, the history of
// the view's base is rebased as PyTorch does, through a CopySlices node, so the
// gradients are those of PyTorch. Unrecorded, the op runs its kernel in place.
//
// In-place ops panic, as PyTorch refuses them, on a leaf that requires grad or a
// view of one while grad mode is on, and on a tensor whose elements alias (an
// expanded view).

// inPlace runs the in-place form of an op on t. others are its other tensor
// inputs. f computes the op out of place from a tensor holding t's old value and
// history (a copy when readsSelf says that the op's backward reads it, else an
// alias). kernel, if not nil, writes the unrecorded result into t directly.
func (t *Tensor) inPlace(op string, readsSelf bool, others []*Tensor, f func(self *Tensor) *Tensor, kernel func()) *Tensor {
	t.checkInPlace(op)
	if dualLevels.Load() != 0 && (hasTangent([]*Tensor{t}) || hasTangent(others)) {
		failKind(ErrNoForwardGrad, op, "in-place op on a tensor with a forward-mode tangent; forward AD supports out-of-place ops only")
	}
	if !recording(t) && !recording(others...) {
		if kernel != nil {
			kernel()
		} else {
			r := f(t)
			copyValues(t, r)
			pool.put(r)
		}
		t.bumpVersion()
		return t
	}
	old := t.alias()
	old.requiresGrad, old.gradFn = t.requiresGrad, t.gradFn
	if readsSelf {
		old = t.dense()
		if old == t {
			old = empty(t.dtype, t.shape)
			copyValues(old, t)
		}
		old.requiresGrad, old.gradFn = t.requiresGrad, t.gradFn
	}
	r := f(old)
	copyValues(t, r)
	t.bumpVersion()
	fn := r.gradFn
	// The node saved its result r; it is t now (PyTorch saves self), so that a later
	// in-place write to t is caught.
	for i := range fn.saved {
		if fn.saved[i].t == r {
			fn.saved[i] = savedVar{t: t, version: t.version(), tag: fn.saved[i].tag, output: true}
		}
	}
	if t.viewBase() != nil {
		t.rebaseView(fn)
	} else {
		t.gradFn, t.requiresGrad = fn, true
	}
	return t
}

// rebaseView makes fn, the node of an in-place op on the view t, part of the
// history of t's base b: b's gradient now flows through a CopySlices node, which
// sends the part of it that t covers to fn and the rest to b's old history, and t
// becomes a view of the new b again (AsStridedBackward0), as in PyTorch. Other
// views of b made before keep their old history.
func (t *Tensor) rebaseView(fn *Node) {
	b := t.viewBase()
	if b.strides() != nil {
		fail("inplace", "in-place op on a view of a non-contiguous base of shape %v", b.shape)
	}
	region := t.regionOf(b)
	cs := &Node{name: "CopySlices", shape: b.shape, seq: seqCounter.Add(1)}
	cs.next = cs.nextBuf[:2]
	if b.requiresGrad {
		cs.next[0] = b.gradNode()
	}
	cs.next[1] = fn
	cs.def, cs.aux = copySlicesDef, region
	b.gradFn, b.requiresGrad = cs, true
	t.gradFn, t.requiresGrad = t.viewNode(b, region), true
	t.lay.version = t.version()
}

// regionOf returns the function selecting, from a tensor of the contiguous base
// b's shape, the elements the view t covers.
func (t *Tensor) regionOf(b *Tensor) func(*Tensor) *Tensor {
	shape, strides, delta := t.shape, t.layout(), t.offset()-b.offset()
	return func(x *Tensor) *Tensor {
		x = x.Contiguous()
		return x.AsStrided(shape, strides, x.offset()+delta)
	}
}

// viewNode returns a node making t a view of b's current history
// (AsStridedBackward0).
func (t *Tensor) viewNode(b *Tensor, region func(*Tensor) *Tensor) *Node {
	v := &Node{name: "AsStridedBackward0", shape: t.shape, seq: seqCounter.Add(1)}
	v.next = v.nextBuf[:1]
	v.next[0] = b.gradNode()
	bshape := b.shape
	v.def, v.aux = viewDef, func(g *Tensor) *Tensor { return viewGrad(g, bshape, "AsStridedBackward0", region) }
	return v
}

// copySlicesDef is the entry of CopySlices; aux is the region function of the
// view written in place (geometry only).
var copySlicesDef = &opDef{name: "CopySlices"}

func init() {
	copySlicesDef.grad = func(b bwd) {
		region := b.aux().(func(*Tensor) *Tensor)
		if b.needs(0) {
			b.gi[0] = zeroRegion(b.g, region) // db: grad outside the view
		}
		if b.needs(1) {
			b.gi[1] = region(b.g) // d(view): grad inside it
		}
	}
}

// refreshView gives t, a view whose storage was written in place since its
// history was recorded, its base's current history, as PyTorch regenerates a
// view's grad_fn when the version counter moved: a write through another view,
// or to the base, may have changed t's values and rebased the base.
func (t *Tensor) refreshView() {
	b := t.lay.base
	if b == nil || t.gradFn == nil || b.gradFn == nil || b.strides() != nil || t.lay.version == t.version() {
		return
	}
	t.gradFn = t.viewNode(b, t.regionOf(b))
	t.lay.version = t.version()
}

// zeroRegion returns g with the part region selects set to zero, differentiably.
func zeroRegion(g *Tensor, region func(*Tensor) *Tensor) *Tensor {
	if recording(g) {
		mask := g.dtype.Ones(g.shape...)
		region(mask).fill(0)
		return g.Mul(mask)
	}
	out := empty(g.dtype, g.shape)
	copyValues(out, g)
	region(out).fill(0)
	return out
}

// wantInPlaceOperand panics unless o's shape broadcasts to t's (t's dtype takes
// any operand whose result it can hold: see binaryInPlace and intInPlace).
func (t *Tensor) wantInPlaceOperand(op string, o *Tensor) {
	if nonNil(op, t, o); !broadcastsTo(o.shape, t.shape) {
		failKind(ErrShape, op, "output with shape %v doesn't match the broadcast shape %v", t.shape, broadcastShapes(op, t.shape, o.shape))
	}
}

// binaryInPlace runs t = t op o in place; out is the out-of-place op.
func (t *Tensor) binaryInPlace(name string, op binOp, o *Tensor, readsSelf bool, out func(a, b *Tensor) *Tensor) *Tensor {
	if nonNil(name, t, o); t.dtype.IsFloat() && !o.dtype.IsFloat() {
		o = o.To(t.dtype) // an integer operand of a float tensor, as PyTorch takes it
	}
	if t.wantInPlaceOperand(name, o); !t.dtype.IsFloat() {
		return t.intInPlace(name, func(self *Tensor) *Tensor { return out(self, o) })
	}
	if o.dtype != t.dtype {
		return t.mixedInPlace(name, readsSelf, o, out)
	}
	return t.inPlace(name, readsSelf, []*Tensor{o}, func(self *Tensor) *Tensor { return out(self, o) }, func() {
		if sharesStorage(t, o) && (o.offset() != t.offset() || !slices.Equal(o.layout(), t.layout())) {
			r := binary(name, op, t, o) // o aliases other elements of t: read it all first
			copyValues(t, r)
			pool.put(r)
			return
		}
		binaryInto(op, t, t, o)
	})
}

// mixedInPlace runs t = t op o in place for a float o of the other float dtype:
// as PyTorch, the value is computed in the promoted dtype (float64) and rounded
// into t once. Recorded, the graph is that of the op on o converted to t's dtype
// (o's gradient returns through ToCopyBackward0 in o's dtype), so t's grad_fn is
// the op's own, as PyTorch's.
func (t *Tensor) mixedInPlace(name string, readsSelf bool, o *Tensor, out func(a, b *Tensor) *Tensor) *Tensor {
	return t.inPlace(name, readsSelf, []*Tensor{o}, func(self *Tensor) *Tensor {
		var exact *Tensor
		NoGrad(func() { exact = out(self, o) })
		if !recording(self, o) {
			return exact // copied into t, rounded to its dtype
		}
		r := out(self, o.To(self.dtype))
		copyValues(r, exact)
		pool.put(exact)
		return r
	}, nil)
}

// Add_ adds o (broadcast to t's shape) to t in place and returns t. o may be of
// any dtype whose result t can hold, as PyTorch's: a float32 t takes a float64
// o (the sum is computed in float64 and rounded into t), an int64 or bool one.
func (t *Tensor) Add_(o *Tensor) *Tensor {
	return t.binaryInPlace("Add_", opAdd, o, false, (*Tensor).Add)
}

// Sub_ subtracts o (broadcast to t's shape) from t in place and returns t.
func (t *Tensor) Sub_(o *Tensor) *Tensor {
	return t.binaryInPlace("Sub_", opSub, o, false, (*Tensor).Sub)
}

// Mul_ multiplies t by o (broadcast to t's shape) in place and returns t.
func (t *Tensor) Mul_(o *Tensor) *Tensor {
	return t.binaryInPlace("Mul_", opMul, o, o.requiresGrad, (*Tensor).Mul)
}

// Div_ divides t by o (broadcast to t's shape) in place and returns t.
func (t *Tensor) Div_(o *Tensor) *Tensor {
	return t.binaryInPlace("Div_", opDiv, o, o.requiresGrad, (*Tensor).Div)
}

// scalarInPlace runs t = t op s in place; out is the out-of-place op.
func (t *Tensor) scalarInPlace(name string, op binOp, s float64, out func(*Tensor, float64) *Tensor) *Tensor {
	if nonNil(name, t); !t.dtype.IsFloat() {
		return t.intInPlace(name, func(self *Tensor) *Tensor { return out(self, s) })
	}
	return t.inPlace(name, false, nil, func(self *Tensor) *Tensor { return out(self, s) }, func() {
		switch {
		case t.strides() == nil && t.dtype == Float32:
			binVS(op, t.f32, t.f32, float32(s))
		case t.strides() == nil:
			binVS(op, t.f64, t.f64, s)
		default:
			binaryInto(op, t, t, scalarLike(t, s))
		}
	})
}

// AddScalar_ adds s to t in place and returns t.
func (t *Tensor) AddScalar_(s float64) *Tensor {
	return t.scalarInPlace("AddScalar_", opAdd, s, (*Tensor).AddScalar)
}

// SubScalar_ subtracts s from t in place and returns t.
func (t *Tensor) SubScalar_(s float64) *Tensor {
	return t.scalarInPlace("SubScalar_", opSub, s, (*Tensor).SubScalar)
}

// MulScalar_ multiplies t by s in place and returns t.
func (t *Tensor) MulScalar_(s float64) *Tensor {
	return t.scalarInPlace("MulScalar_", opMul, s, (*Tensor).MulScalar)
}

// DivScalar_ divides t by s in place and returns t.
func (t *Tensor) DivScalar_(s float64) *Tensor {
	return t.scalarInPlace("DivScalar_", opDiv, s, (*Tensor).DivScalar)
}

// unaryInPlace runs an elementwise op in place: with the vector kernels k32 and
// k64 on t's elements when t is contiguous, else through its out-of-place form.
func (t *Tensor) unaryInPlace(name string, readsSelf bool, out func(*Tensor) *Tensor, k32 func(d, a []float32), k64 func(d, a []float64)) *Tensor {
	if nonNil(name, t); !t.dtype.IsFloat() {
		return t.intInPlace(name, out)
	}
	var kernel func()
	if t.strides() == nil && k32 != nil {
		kernel = func() {
			if t.dtype == Float32 {
				k32(t.f32, t.f32)
			} else {
				k64(t.f64, t.f64)
			}
		}
	}
	return t.inPlace(name, readsSelf, nil, out, kernel)
}

// Exp_ sets t to e^t in place and returns t.
func (t *Tensor) Exp_() *Tensor {
	return t.unaryInPlace("Exp_", false, (*Tensor).Exp, vec.Exp[float32], vec.Exp[float64])
}

// Log_ sets t to log(t) in place and returns t.
func (t *Tensor) Log_() *Tensor {
	return t.unaryInPlace("Log_", true, (*Tensor).Log, vec.Log[float32], vec.Log[float64])
}

// Sqrt_ sets t to √t in place and returns t.
func (t *Tensor) Sqrt_() *Tensor {
	k := typedUnary["Sqrt"]
	return t.unaryInPlace("Sqrt_", false, (*Tensor).Sqrt, k.k32, k.k64)
}

// Abs_ sets t to |t| in place and returns t.
func (t *Tensor) Abs_() *Tensor {
	k := typedUnary["Abs"]
	return t.unaryInPlace("Abs_", true, (*Tensor).Abs, k.k32, k.k64)
}

// Reciprocal_ sets t to 1/t in place and returns t.
func (t *Tensor) Reciprocal_() *Tensor {
	return t.unaryInPlace("Reciprocal_", false, (*Tensor).Reciprocal,
		func(d, a []float32) { vec.DivScalarBy(d, a, 1) }, func(d, a []float64) { vec.DivScalarBy(d, a, 1) })
}

// Neg_ sets t to -t in place and returns t.
func (t *Tensor) Neg_() *Tensor {
	return t.unaryInPlace("Neg_", false, (*Tensor).Neg,
		func(d, a []float32) { vec.MulScalar(d, a, -1) }, func(d, a []float64) { vec.MulScalar(d, a, -1) })
}

// Relu_ sets t to max(t, 0) in place and returns t.
func (t *Tensor) Relu_() *Tensor {
	return t.unaryInPlace("Relu_", false, (*Tensor).Relu, vec.Relu[float32], vec.Relu[float64])
}

// Sigmoid_ sets t to 1/(1+e^-t) in place and returns t.
func (t *Tensor) Sigmoid_() *Tensor {
	return t.unaryInPlace("Sigmoid_", false, (*Tensor).Sigmoid, vec.Sigmoid[float32], vec.Sigmoid[float64])
}

// Tanh_ sets t to tanh(t) in place and returns t.
func (t *Tensor) Tanh_() *Tensor {
	return t.unaryInPlace("Tanh_", false, (*Tensor).Tanh, vec.Tanh[float32], vec.Tanh[float64])
}

// Clamp_ limits t's elements to [lo, hi] in place and returns t.
func (t *Tensor) Clamp_(lo, hi float64) *Tensor {
	p := [3]float64{lo, hi}
	return t.unaryInPlace("Clamp_", true, func(x *Tensor) *Tensor { return x.Clamp(lo, hi) }, paramK[float32](pClamp, p), paramK[float64](pClamp, p))
}

// Fill_ sets every element of t to v in place and returns t; in the graph its
// gradient for t's old value is zero (FillBackward2, as torch 1.13 names fill_ with a number).
func (t *Tensor) Fill_(v float64) *Tensor { return t.fillInPlace(fillDef, "Fill_", v) }

// Zero_ sets every element of t to 0 in place and returns t (ZeroBackward0).
func (t *Tensor) Zero_() *Tensor { return t.fillInPlace(zeroDef, "Zero_", 0) }

// The entries of Fill_ and Zero_: the old value's gradient is zero.
var (
	fillDef = &opDef{name: "FillBackward2"}
	zeroDef = &opDef{name: "ZeroBackward0"}
)

func init() {
	fillDef.grad = func(b bwd) { b.gi[0] = ZerosLike(b.g) } // dt: 0
	zeroDef.grad = fillDef.grad
}

func (t *Tensor) fillInPlace(d *opDef, op string, v float64) *Tensor {
	return t.inPlace(op, false, nil, func(self *Tensor) *Tensor {
		return d.record(self.dtype.Full(v, self.shape...), 0, self)
	}, func() { t.fill(v) })
}

// MaskedFill_ sets t's elements to v where mask (a bool tensor that broadcasts to
// t's shape; a float or int64 mask counts as true where nonzero) is true, in
// place, and returns t: MaskedFill done in place (MaskedFillBackward0, the
// gradient passes where mask is false).
func (t *Tensor) MaskedFill_(mask *Tensor, v float64) *Tensor {
	if !broadcastsTo(mask.shape, t.shape) {
		fail("MaskedFill_", "mask of shape %v does not broadcast to shape %v", mask.shape, t.shape)
	}
	if mask.dtype != Bool {
		mask = mask.NeScalar(0)
	}
	return t.inPlace("MaskedFill_", false, nil, func(self *Tensor) *Tensor {
		return self.MaskedFill(mask, v)
	}, func() {
		broadcastRows(t.shape, []*Tensor{mask}, func(d int, o []int, n int, s []int) {
			for i := range n {
				if mask.i64[o[0]+i*s[0]] != 0 {
					t.setFlat(d+i, v)
				}
			}
		})
	})
}
