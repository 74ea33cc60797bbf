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
// their ResultType; int64 and bool compare exactly as integers. Strided and
// broadcast operands are read in place (broadcastRows).
func compare(name string, op cmpOp, a, b *Tensor) *Tensor {
	a, b = promoteData(name, a, b)
	shape := broadcastShapes(name, a.shape, b.shape)
	out := empty(Bool, shape)
	switch a.dtype {
	case Float32:
		cmpStrided(op, out.i64, a.f32, b.f32, shape, a, b)
	case Float64:
		cmpStrided(op, out.i64, a.f64, b.f64, shape, a, b)
	default:
		cmpStrided(op, out.i64, a.i64, b.i64, shape, a, b)
	}
	return out
}

// cmpStrided sets dst (contiguous, of shape) to x op y, x and y being the
// element slices of a and b, which broadcast to shape.
func cmpStrided[T int64 | float32 | float64](op cmpOp, dst []int64, x, y []T, shape []int, a, b *Tensor) {
	broadcastRows(shape, []*Tensor{a, b}, func(d int, o []int, n int, s []int) {
		cmpRow(op, dst[d:d+n], x, o[0], s[0], y, o[1], s[1])
	})
}

// cmpRow sets r[i] to x[px+i·sx] op y[py+i·sy]. (A function of its own, not
// part of cmpStrided's closure, so that cmpValues is inlined in its loops.)
func cmpRow[T int64 | float32 | float64](op cmpOp, r []int64, x []T, px, sx int, y []T, py, sy int) {
	n := len(r)
	switch {
	case sx == 1 && sy == 1:
		xs, ys := x[px:px+n], y[py:py+n]
		for i := range r {
			r[i] = bit(cmpValues(op, xs[i], ys[i]))
		}
	case sx == 1 && sy == 0:
		xs, v := x[px:px+n], y[py]
		for i := range r {
			r[i] = bit(cmpValues(op, xs[i], v))
		}
	default:
		for i := range r {
			r[i] = bit(cmpValues(op, x[px+i*sx], y[py+i*sy]))
		}
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
	return a.detached().To(d), b.detached().To(d)
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

// predOp names a test of one value.
type predOp uint8

const (
	predNaN predOp = iota
	predInf
	predFinite
	predZero
)

// predicate returns the bool tensor of op over t's values, walking t's strides.
func predicate(t *Tensor, op predOp) *Tensor {
	out := empty(Bool, t.shape)
	switch t.dtype {
	case Float32:
		predStrided(op, out.i64, t.f32, t)
	case Float64:
		predStrided(op, out.i64, t.f64, t)
	default:
		predStrided(op, out.i64, t.i64, t)
	}
	return out
}

func predStrided[T int64 | float32 | float64](op predOp, dst []int64, x []T, t *Tensor) {
	broadcastRows(t.shape, []*Tensor{t}, func(d int, o []int, n int, s []int) {
		predRow(op, dst[d:d+n], x, o[0], s[0])
	})
}

// predRow sets r[i] to op of x[p+i·s].
func predRow[T int64 | float32 | float64](op predOp, r []int64, x []T, p, s int) {
	for i := range r {
		v := float64(x[p+i*s])
		var b bool
		switch op {
		case predNaN:
			b = v != v
		case predInf:
			b = math.IsInf(v, 0)
		case predFinite:
			b = v-v == 0 // false for NaN and ±Inf
		default:
			b = v == 0
		}
		r[i] = bit(b)
	}
}

// IsNaN returns the bool tensor saying where t is NaN (never for int64 and bool).
func (t *Tensor) IsNaN() *Tensor { return predicate(t, predNaN) }

// IsInf returns the bool tensor saying where t is +Inf or -Inf.
func (t *Tensor) IsInf() *Tensor { return predicate(t, predInf) }

// IsFinite returns the bool tensor saying where t is neither NaN nor ±Inf.
func (t *Tensor) IsFinite() *Tensor { return predicate(t, predFinite) }

// logical returns the bool tensor of f(a != 0, b != 0), broadcasting; any dtypes.
func logical(name string, a, b *Tensor, f func(x, y bool) bool) *Tensor {
	shape := broadcastShapes(name, a.shape, b.shape)
	out := empty(Bool, shape)
	broadcastRows(shape, []*Tensor{a, b}, func(d int, o []int, n int, s []int) {
		for i := range n {
			out.i64[d+i] = bit(f(a.atPos(o[0]+i*s[0]) != 0, b.atPos(o[1]+i*s[1]) != 0))
		}
	})
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
func (t *Tensor) LogicalNot() *Tensor { return predicate(t, predZero) }

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
	out := uninit(a.dtype, shape) // every element is written
	switch a.dtype {
	case Float32:
		pickStrided(out.f32, cond.i64, a.f32, b.f32, shape, cond, a, b)
	case Float64:
		pickStrided(out.f64, cond.i64, a.f64, b.f64, shape, cond, a, b)
	default:
		pickStrided(out.i64, cond.i64, a.i64, b.i64, shape, cond, a, b)
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

// pickStrided sets dst (contiguous, of shape) to x where c is true and y
// elsewhere, c, x and y being the element slices of ct, a and b, which
// broadcast to shape.
func pickStrided[T Element](dst []T, c []int64, x, y []T, shape []int, ct, a, b *Tensor) {
	broadcastRows(shape, []*Tensor{ct, a, b}, func(d int, o []int, n int, s []int) {
		pickRow(dst[d:d+n], c, o[0], s[0], x, o[1], s[1], y, o[2], s[2])
	})
}

// pickRow sets r[i] to x[px+i·sx] where c[pc+i·sc] is true, else y[py+i·sy].
func pickRow[T Element](r []T, c []int64, pc, sc int, x []T, px, sx int, y []T, py, sy int) {
	n := len(r)
	if sc == 1 && sx == 1 && sy == 1 {
		cs, xs, ys := c[pc:pc+n], x[px:px+n], y[py:py+n]
		for i := range r {
			if cs[i] != 0 {
				r[i] = xs[i]
			} else {
				r[i] = ys[i]
			}
		}
		return
	}
	for i := range r {
		if c[pc+i*sc] != 0 {
			r[i] = x[px+i*sx]
		} else {
			r[i] = y[py+i*sy]
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
	out := uninit(t.dtype, slices.Clone(t.shape))
	copyValues(out, t)
	switch out.dtype {
	case Float32:
		fillWhere(out.f32, float32(value), out.shape, mask)
	case Float64:
		fillWhere(out.f64, value, out.shape, mask)
	case Int64:
		fillWhere(out.i64, int64(value), out.shape, mask)
	default:
		fillWhere(out.i64, boolBit(value), out.shape, mask)
	}
	return maskedFillDef.recordWith(out, 0, nil, []*Tensor{mask}, t)
}

// fillWhere sets the elements of dst (contiguous, of shape) to v where mask,
// which broadcasts to shape, is true.
func fillWhere[T Element](dst []T, v T, shape []int, mask *Tensor) {
	broadcastRows(shape, []*Tensor{mask}, func(d int, o []int, n int, s []int) {
		for i := range n {
			if mask.i64[o[0]+i*s[0]] != 0 {
				dst[d+i] = v
			}
		}
	})
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
	xd := x.detached()
	out := xd
	if l != nil {
		out = Where(out.Lt(l), l.detached(), out)
	}
	if h != nil {
		out = Where(out.Gt(h), h.detached(), out)
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
		x := b.in(0).detached()
		var l, h *Tensor
		k := 1
		if bounds&1 != 0 {
			l, k = b.in(k).detached(), k+1
		}
		if bounds&2 != 0 {
			h = b.in(k).detached()
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
