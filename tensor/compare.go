package tensor

import (
	"math"
	"slices"
)

// cmpOp names a comparison.
type cmpOp uint8

const (
	cmpEq cmpOp = iota
	cmpNe
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

func cmpValues[T int64 | float32 | float64](op cmpOp, x, y T) bool {
	switch op {
	case cmpEq:
		return x == y
	case cmpNe:
		return x != y
	case cmpLt:
		return x < y
	case cmpLe:
		return x <= y
	case cmpGt:
		return x > y
	}
	return x >= y
}

// compare returns the bool tensor of a op b, broadcasting, after promoting both to
// their ResultType; int64 and bool compare exactly as integers.
func compare(name string, op cmpOp, a, b *Tensor) *Tensor {
	a, b = promoteData(name, a, b)
	shape := broadcastShapes(name, a.shape, b.shape)
	if slices.Equal(shape, a.shape) && (slices.Equal(a.shape, b.shape) || b.Numel() == 1) {
		out := empty(Bool, shape)
		switch a.dtype { // the common cases, same shapes or a scalar, without copies
		case Float32:
			cmpInto(op, out.i64, a.dense().f32, b.dense().f32)
		case Float64:
			cmpInto(op, out.i64, a.dense().f64, b.dense().f64)
		default:
			cmpInto(op, out.i64, a.dense().i64, b.dense().i64)
		}
		return out
	}
	x, y := broadcastData(a, shape), broadcastData(b, shape)
	out := empty(Bool, shape)
	if !x.dtype.IsFloat() {
		for i, u := range x.i64 {
			out.i64[i] = bit(cmpValues(op, u, y.i64[i]))
		}
		return out
	}
	for i := range out.i64 {
		out.i64[i] = bit(cmpValues(op, x.flat(i), y.flat(i)))
	}
	return out
}

// cmpInto sets dst[i] to x[i] op y[i], or x[i] op y[0] when y has one element.
func cmpInto[T int64 | float32 | float64](op cmpOp, dst []int64, x, y []T) {
	if len(y) == 1 && len(x) != 1 {
		s := y[0]
		for i, v := range x {
			dst[i] = bit(cmpValues(op, v, s))
		}
		return
	}
	for i, v := range x {
		dst[i] = bit(cmpValues(op, v, y[i]))
	}
}

func bit(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// promoteData is promote without recording: for ops whose result has no gradient.
func promoteData(op string, a, b *Tensor) (*Tensor, *Tensor) {
	nonNil(op, a, b)
	if a.dtype == b.dtype {
		return a, b
	}
	d := ResultType(a, b)
	return a.Detach().To(d), b.Detach().To(d)
}

// Eq returns the bool tensor of t == o elementwise, broadcasting (mixed dtypes
// compare after promotion, as PyTorch). NaN equals nothing. Not differentiable.
func (t *Tensor) Eq(o *Tensor) *Tensor { return compare("Eq", cmpEq, t, o) }

// Ne returns the bool tensor of t != o elementwise, broadcasting.
func (t *Tensor) Ne(o *Tensor) *Tensor { return compare("Ne", cmpNe, t, o) }

// Lt returns the bool tensor of t < o elementwise, broadcasting.
func (t *Tensor) Lt(o *Tensor) *Tensor { return compare("Lt", cmpLt, t, o) }

// Le returns the bool tensor of t <= o elementwise, broadcasting.
func (t *Tensor) Le(o *Tensor) *Tensor { return compare("Le", cmpLe, t, o) }

// Gt returns the bool tensor of t > o elementwise, broadcasting.
func (t *Tensor) Gt(o *Tensor) *Tensor { return compare("Gt", cmpGt, t, o) }

// Ge returns the bool tensor of t >= o elementwise, broadcasting.
func (t *Tensor) Ge(o *Tensor) *Tensor { return compare("Ge", cmpGe, t, o) }

// EqScalar returns the bool tensor of t == s elementwise.
func (t *Tensor) EqScalar(s float64) *Tensor {
	return compare("EqScalar", cmpEq, t, scalarOperand(t, s))
}

// NeScalar returns the bool tensor of t != s elementwise.
func (t *Tensor) NeScalar(s float64) *Tensor {
	return compare("NeScalar", cmpNe, t, scalarOperand(t, s))
}

// LtScalar returns the bool tensor of t < s elementwise.
func (t *Tensor) LtScalar(s float64) *Tensor {
	return compare("LtScalar", cmpLt, t, scalarOperand(t, s))
}

// LeScalar returns the bool tensor of t <= s elementwise.
func (t *Tensor) LeScalar(s float64) *Tensor {
	return compare("LeScalar", cmpLe, t, scalarOperand(t, s))
}

// GtScalar returns the bool tensor of t > s elementwise.
func (t *Tensor) GtScalar(s float64) *Tensor {
	return compare("GtScalar", cmpGt, t, scalarOperand(t, s))
}

// GeScalar returns the bool tensor of t >= s elementwise.
func (t *Tensor) GeScalar(s float64) *Tensor {
	return compare("GeScalar", cmpGe, t, scalarOperand(t, s))
}

// predicate returns the bool tensor of f over t's values (as float64).
func predicate(t *Tensor, f func(float64) bool) *Tensor {
	t = t.dense()
	out := empty(Bool, t.shape)
	for i := range out.i64 {
		out.i64[i] = bit(f(t.flat(i)))
	}
	return out
}

// IsNaN returns the bool tensor saying where t is NaN (never for int64 and bool).
func (t *Tensor) IsNaN() *Tensor { return predicate(t, math.IsNaN) }

// IsInf returns the bool tensor saying where t is +Inf or -Inf.
func (t *Tensor) IsInf() *Tensor {
	return predicate(t, func(v float64) bool { return math.IsInf(v, 0) })
}

// IsFinite returns the bool tensor saying where t is neither NaN nor ±Inf.
func (t *Tensor) IsFinite() *Tensor {
	return predicate(t, func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) })
}

// logical returns the bool tensor of f(a != 0, b != 0), broadcasting; any dtypes.
func logical(name string, a, b *Tensor, f func(x, y bool) bool) *Tensor {
	shape := broadcastShapes(name, a.shape, b.shape)
	x, y := broadcastData(a, shape), broadcastData(b, shape)
	out := empty(Bool, shape)
	for i := range out.i64 {
		out.i64[i] = bit(f(x.flat(i) != 0, y.flat(i) != 0))
	}
	return out
}

// LogicalAnd returns the bool tensor of (t != 0) and (o != 0), broadcasting.
func (t *Tensor) LogicalAnd(o *Tensor) *Tensor {
	return logical("LogicalAnd", t, o, func(x, y bool) bool { return x && y })
}

// LogicalOr returns the bool tensor of (t != 0) or (o != 0), broadcasting.
func (t *Tensor) LogicalOr(o *Tensor) *Tensor {
	return logical("LogicalOr", t, o, func(x, y bool) bool { return x || y })
}

// LogicalXor returns the bool tensor of (t != 0) xor (o != 0), broadcasting.
func (t *Tensor) LogicalXor(o *Tensor) *Tensor {
	return logical("LogicalXor", t, o, func(x, y bool) bool { return x != y })
}

// LogicalNot returns the bool tensor of t == 0 (NaN counts as true, so gives false).
func (t *Tensor) LogicalNot() *Tensor { return predicate(t, func(v float64) bool { return v == 0 }) }

// wantBool panics unless t is a bool tensor, naming op and what t is.
func (t *Tensor) wantBool(op, what string) {
	if t.dtype != Bool {
		failKind(ErrDType, op, "%s must be a bool tensor, got dtype %v (shape %v)", what, t.dtype, t.shape)
	}
}

// Where returns a where cond is true and b elsewhere, broadcasting all three
// (torch.where); a and b promote to their ResultType. Differentiable in a and b
// (WhereBackward0). It panics unless cond is a bool tensor.
func Where(cond, a, b *Tensor) *Tensor {
	cond.wantBool("Where", "condition")
	a, b = promote("Where", a, b)
	shape := broadcastShapes("Where", broadcastShapes("Where", cond.shape, a.shape), b.shape)
	c := broadcastData(cond, shape)
	// Operands of the result's shape or of one element are read in place.
	in := func(t *Tensor) *Tensor {
		if t.Numel() == 1 || slices.Equal(t.shape, shape) {
			return t.dense()
		}
		return broadcastData(t, shape)
	}
	x, y := in(a), in(b)
	out := empty(a.dtype, shape)
	switch a.dtype {
	case Float32:
		pickInto(out.f32, c.i64, x.f32, y.f32)
	case Float64:
		pickInto(out.f64, c.i64, x.f64, y.f64)
	default:
		pickInto(out.i64, c.i64, x.i64, y.i64)
	}
	return whereDef.recordWith(out, 0, nil, []*Tensor{cond}, a, b)
}

var whereDef = &opDef{name: "WhereBackward0", save: []saveRule{{extra(0), always}}}

func init() {
	whereDef.grad = func(b bwd) {
		cond, zero := b.extra(0), b.g.dtype.Scalar(0)
		if b.needs(0) {
			b.gi[0] = Where(cond, b.g, zero) // da: grad where cond
		}
		if b.needs(1) {
			b.gi[1] = Where(cond, zero, b.g) // db: grad where not cond
		}
	}
}

// pickInto sets dst[i] to x[i] where c[i] is true and y[i] elsewhere; an x or y
// of one element stands for all.
func pickInto[T Element](dst []T, c []int64, x, y []T) {
	xs, ys := 1, 1
	if len(x) == 1 {
		xs = 0
	}
	if len(y) == 1 {
		ys = 0
	}
	for i, m := range c {
		if m != 0 {
			dst[i] = x[i*xs]
		} else {
			dst[i] = y[i*ys]
		}
	}
}

// MaskedFill returns a copy of t with value wherever mask (broadcast to t's
// shape) is true, as PyTorch's out-of-place masked_fill. Its gradient is zero at
// the filled places (MaskedFillBackward0). It panics unless mask is a bool tensor
// that broadcasts to t's shape.
func (t *Tensor) MaskedFill(mask *Tensor, value float64) *Tensor {
	mask.wantBool("MaskedFill", "mask")
	if s := broadcastShapes("MaskedFill", t.shape, mask.shape); !slices.Equal(s, t.shape) {
		failKind(ErrShape, "MaskedFill", "mask of shape %v does not broadcast to the shape %v of the tensor", mask.shape, t.shape)
	}
	m := broadcastData(mask, t.shape)
	out := t.dense().Detach().Clone()
	for i, b := range m.i64 {
		if b != 0 {
			out.setFlat(i, value)
		}
	}
	return maskedFillDef.recordWith(out, 0, nil, []*Tensor{mask}, t)
}

var maskedFillDef = &opDef{name: "MaskedFillBackward0", save: []saveRule{{extra(0), always}}}

func init() {
	maskedFillDef.grad = func(b bwd) { b.gi[0] = Where(b.extra(0), b.g.dtype.Scalar(0), b.g) } // dt: grad where not mask
}

// ClampTensor returns t limited elementwise to [lo, hi], which are tensors that
// broadcast with t; either may be nil for no bound (torch.clamp with tensor min
// and max). The result is min(max(t, lo), hi), so where lo > hi it is hi, as in
// PyTorch. Differentiable in all three (ClampBackward0): t's gradient passes where
// lo <= t <= hi, lo's where t < lo (and lo < hi), hi's where t > hi or hi < lo.
// It panics if both bounds are nil.
func (t *Tensor) ClampTensor(lo, hi *Tensor) *Tensor {
	if lo == nil && hi == nil {
		fail("ClampTensor", "at least one of lo and hi must be given")
	}
	in := []*Tensor{t}
	if lo != nil {
		in = append(in, lo)
	}
	if hi != nil {
		in = append(in, hi)
	}
	dt := ResultType(in...)
	conv := func(x *Tensor) *Tensor {
		if x == nil {
			return nil
		}
		return x.To(dt)
	}
	x, l, h := t.To(dt), conv(lo), conv(hi)
	xd := x.Detach()
	out := xd
	if l != nil {
		out = Where(out.Lt(l), l.Detach(), out)
	}
	if h != nil {
		out = Where(out.Gt(h), h.Detach(), out)
	}
	bounds := 0.0 // which bounds are inputs: 1 lo, 2 hi
	if l != nil {
		bounds++
	}
	if h != nil {
		bounds += 2
	}
	return clampTensorDef.record(out, bounds, presentOnly([]*Tensor{x, l, h})...)
}

// clampTensorDef is ClampTensor's entry: it saves every input, t then the
// bounds given (arg says which).
var clampTensorDef = &opDef{name: "ClampBackward0", save: []saveRule{{0, always}, {1, always}, {2, always}}}

func init() {
	clampTensorDef.grad = func(b bwd) {
		zero, bounds := b.g.dtype.Scalar(0), int(b.arg())
		x := b.in(0).Detach()
		var l, h *Tensor
		k := 1
		if bounds&1 != 0 {
			l, k = b.in(k).Detach(), k+1
		}
		if bounds&2 != 0 {
			h = b.in(k).Detach()
		}
		k = 0
		for i, v := range []*Tensor{x, l, h} {
			if v == nil {
				continue
			}
			if b.needs(k) {
				var m *Tensor
				switch i {
				case 0: // dt: grad where lo <= t <= hi
					m = OnesLike(x).To(Bool)
					if l != nil {
						m = m.LogicalAnd(x.Ge(l))
					}
					if h != nil {
						m = m.LogicalAnd(x.Le(h))
					}
				case 1: // dlo: grad where t < lo (and lo < hi)
					m = x.Lt(l)
					if h != nil {
						m = m.LogicalAnd(l.Lt(h))
					}
				case 2: // dhi: grad where t > hi (or hi < lo)
					m = x.Gt(h)
					if l != nil {
						m = m.LogicalOr(h.Lt(l))
					}
				}
				b.gi[k] = Where(m, b.g, zero)
			}
			k++
		}
	}
}

func presentOnly(ts []*Tensor) []*Tensor {
	var out []*Tensor
	for _, t := range ts {
		if t != nil {
			out = append(out, t)
		}
	}
	return out
}
