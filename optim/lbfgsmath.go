package optim

import (
	"math"
	"slices"

	"github.com/gograd/gograd/tensor"
)

// LBFGS follows PyTorch 1.13's lbfgs.py with the types its values have
// there. Its vectors (the gradient, the direction, the history) are tensors
// of the parameters' dtype, and so are the scalars computed from them (dot
// products, ys, ro, H_diag, al, the directional derivatives and, once
// computed from one, the step length t), while the loss, the tolerances and
// the constants are Python floats. An operation with a tensor among its
// operands is done in the tensor's dtype (a Python float rounded to it
// first), and a Python float divided by a tensor is the tensor's reciprocal
// times it (Python's __rtruediv__), so every scalar here is a num that knows
// which it is. The kernels are mirrored too: a dot product of float32
// vectors adds float32 products in float64 (OpenBLAS's sdot below 32
// elements; float64 ones add in order), add_(x, alpha) is a fused
// multiply-add, and a sum of fewer than 8 elements adds as PyTorch's row_sum
// does. In float32 the difference matters: the least change of rounding
// moves Rosenbrock's iterates within a Step. TestLBFGSGolden compares every
// iterate with PyTorch's, bit for bit.

// num is a scalar of lbfgs.py: a Python float or a 0-d tensor.
type num struct {
	v   float64
	ten bool // a 0-d tensor
	f32 bool // of dtype float32 (v then holds a float32 value)
}

// pyf is a Python float (or int).
func pyf(v float64) num { return num{v: v} }

// kernel holds the vector operations of one run, in the parameters' dtype.
type kernel struct{ f32 bool }

// round rounds v to the run's dtype.
func (k kernel) round(v float64) float64 {
	if k.f32 {
		return float64(float32(v))
	}
	return v
}

// ten is a 0-d tensor of the run's dtype holding v (rounded).
func (k kernel) ten(v float64) num { return num{v: k.round(v), ten: true, f32: k.f32} }

// conv returns a's value as an operation with a tensor of dtype float32 (f32)
// or float64 converts it.
func (a num) conv(f32 bool) float64 {
	if f32 {
		return float64(float32(a.v))
	}
	return a.v
}

// op applies f in float64 to two Python floats or, if either is a tensor, to
// their values in the tensor's dtype, rounding the result to it (exact for +,
// -, · and / of float32 values).
func op(a, b num, f func(x, y float64) float64) num {
	if !a.ten && !b.ten {
		return pyf(f(a.v, b.v))
	}
	k := kernel{a.ten && a.f32 || b.ten && b.f32}
	return k.ten(f(a.conv(k.f32), b.conv(k.f32)))
}

func add(a, b num) num { return op(a, b, func(x, y float64) float64 { return x + y }) }
func sub(a, b num) num { return op(a, b, func(x, y float64) float64 { return x - y }) }
func mul(a, b num) num { return op(a, b, func(x, y float64) float64 { return x * y }) }

// div is a / b; a Python float over a tensor is b.reciprocal()·a.
func div(a, b num) num {
	if b.ten && !a.ten {
		return mul(kernel{b.f32}.ten(1/b.v), a)
	}
	return op(a, b, func(x, y float64) float64 { return x / y })
}

func (a num) neg() num { return num{-a.v, a.ten, a.f32} }
func (a num) abs() num { return num{math.Abs(a.v), a.ten, a.f32} }

// sqrt is a tensor's sqrt() (a Python float's math.sqrt).
func (a num) sqrt() num { return op(a, a, func(x, _ float64) float64 { return math.Sqrt(x) }) }

// cmp returns a and b as a comparison sees them: in the tensor's dtype if
// either is a tensor.
func cmp(a, b num) (float64, float64) {
	f32 := a.ten && a.f32 || b.ten && b.f32
	return a.conv(f32), b.conv(f32)
}

func lt(a, b num) bool { x, y := cmp(a, b); return x < y }
func le(a, b num) bool { x, y := cmp(a, b); return x <= y }

// pyMax and pyMin are Python's max(a, b) and min(a, b): the first unless the
// second compares greater (less).
func pyMax(a, b num) num {
	if lt(a, b) {
		return b
	}
	return a
}

func pyMin(a, b num) num {
	if lt(b, a) {
		return b
	}
	return a
}

// dot is x.dot(y): for float32, products rounded to float32 and added in
// float64 in order (OpenBLAS's sdot below 32 elements); for float64, added
// in order.
func (k kernel) dot(x, y []float64) num {
	s := 0.0
	for i := range x {
		s += k.round(x[i] * y[i])
	}
	return k.ten(s)
}

// absSum is x.abs().sum(): PyTorch's row_sum with four partial sums for
// fewer than 8 elements, a float64 sum rounded once otherwise.
func (k kernel) absSum(x []float64) num {
	s := 0.0
	if len(x) >= 8 {
		for _, v := range x {
			s += math.Abs(v)
		}
		return k.ten(s)
	}
	var p [4]float64
	n := len(x) / 4 * 4
	for i := range n {
		p[i%4] = k.round(p[i%4] + math.Abs(x[i]))
	}
	for i := n; i < len(x); i++ {
		p[0] = k.round(p[0] + math.Abs(x[i]))
	}
	for i := 1; i < 4; i++ {
		p[0] = k.round(p[0] + p[i])
	}
	return k.ten(p[0])
}

// absMax is x.abs().max().
func (k kernel) absMax(x []float64) num {
	m := 0.0
	for _, v := range x {
		m = max(m, math.Abs(v))
	}
	return k.ten(m)
}

// scale returns x.mul(c).
func (k kernel) scale(x []float64, c num) []float64 {
	out := make([]float64, len(x))
	a := c.conv(k.f32)
	for i, v := range x {
		out[i] = k.round(v * a)
	}
	return out
}

// sub returns x - y.
func (k kernel) sub(x, y []float64) []float64 {
	out := make([]float64, len(x))
	for i := range x {
		out[i] = k.round(x[i] - y[i])
	}
	return out
}

// axpy is y.add_(x, alpha=alpha): one fused multiply-add per element.
func (k kernel) axpy(y []float64, alpha num, x []float64) {
	a := alpha.conv(k.f32)
	for i := range y {
		y[i] = k.round(math.FMA(x[i], a, y[i]))
	}
}

// strongWolfe is PyTorch's _strong_wolfe line search (c1 1e-4, c2 0.9, at
// most 25 evaluations) from the point where the loss is f (a Python float),
// the gradient g and the directional derivative gtd (a tensor), along d with
// initial step t. It returns the loss, gradient and step it settles on and
// the evaluations it made.
func (k kernel) strongWolfe(obj func(t num) (float64, []float64), t num, d []float64, f float64, g []float64, gtd, tolChange num) (float64, []float64, num, int) {
	c1, c2 := pyf(1e-4), pyf(0.9)
	const maxLS = 25
	dNorm := k.absMax(d)
	g = slices.Clone(g)
	fNew, gNew := obj(t)
	evals := 1
	gtdNew := k.dot(gNew, d)
	tPrev, fPrev, gPrev, gtdPrev := pyf(0), f, g, gtd
	done := false
	iter := 0
	// armijoFails is f_new > (f + c1 * t * gtd).
	armijoFails := func(fNew float64, t num) bool { return lt(add(pyf(f), mul(mul(c1, t), gtd)), pyf(fNew)) }
	// curvatureHolds is abs(gtd_new) <= -c2 * gtd.
	curvatureHolds := func(gtdNew num) bool { return le(gtdNew.abs(), mul(c2.neg(), gtd)) }
	var br, brGtd []num
	var brF []float64
	var brG [][]float64
	for iter < maxLS {
		if armijoFails(fNew, t) || iter > 1 && fNew >= fPrev {
			br, brF, brG, brGtd = []num{tPrev, t}, []float64{fPrev, fNew}, [][]float64{gPrev, slices.Clone(gNew)}, []num{gtdPrev, gtdNew}
			break
		}
		if curvatureHolds(gtdNew) {
			br, brF, brG = []num{t}, []float64{fNew}, [][]float64{gNew}
			done = true
			break
		}
		if le(pyf(0), gtdNew) {
			br, brF, brG, brGtd = []num{tPrev, t}, []float64{fPrev, fNew}, [][]float64{gPrev, slices.Clone(gNew)}, []num{gtdPrev, gtdNew}
			break
		}
		minStep := add(t, mul(pyf(0.01), sub(t, tPrev)))
		maxStep := mul(t, pyf(10))
		tmp := t
		t = cubicInterpolate(tPrev, pyf(fPrev), gtdPrev, t, pyf(fNew), gtdNew, &[2]num{minStep, maxStep})
		tPrev, fPrev, gPrev, gtdPrev = tmp, fNew, slices.Clone(gNew), gtdNew
		fNew, gNew = obj(t)
		evals++
		gtdNew = k.dot(gNew, d)
		iter++
	}
	if iter == maxLS {
		br, brF, brG = []num{pyf(0), t}, []float64{f, fNew}, [][]float64{g, gNew}
	}
	insufProgress := false
	low, high := 0, 1
	if brF[0] > brF[len(brF)-1] {
		low, high = 1, 0
	}
	for !done && iter < maxLS {
		if lt(mul(sub(br[1], br[0]).abs(), dNorm), tolChange) {
			break
		}
		t = cubicInterpolate(br[0], pyf(brF[0]), brGtd[0], br[1], pyf(brF[1]), brGtd[1], nil)
		hi, lo := pyMax(br[0], br[1]), pyMin(br[0], br[1])
		eps := mul(pyf(0.1), sub(hi, lo))
		if lt(pyMin(sub(hi, t), sub(t, lo)), eps) {
			if insufProgress || le(hi, t) || le(t, lo) {
				if lt(sub(t, hi).abs(), sub(t, lo).abs()) {
					t = sub(hi, eps)
				} else {
					t = add(lo, eps)
				}
				insufProgress = false
			} else {
				insufProgress = true
			}
		} else {
			insufProgress = false
		}
		fNew, gNew = obj(t)
		evals++
		gtdNew = k.dot(gNew, d)
		iter++
		if armijoFails(fNew, t) || fNew >= brF[low] {
			br[high], brF[high], brG[high], brGtd[high] = t, fNew, slices.Clone(gNew), gtdNew
			if brF[0] <= brF[1] {
				low, high = 0, 1
			} else {
				low, high = 1, 0
			}
		} else {
			if curvatureHolds(gtdNew) {
				done = true
			} else if le(pyf(0), mul(gtdNew, sub(br[high], br[low]))) {
				br[high], brF[high], brG[high], brGtd[high] = br[low], brF[low], brG[low], brGtd[low]
			}
			br[low], brF[low], brG[low], brGtd[low] = t, fNew, slices.Clone(gNew), gtdNew
		}
	}
	return brF[low], brG[low], br[low], evals
}

// cubicInterpolate is PyTorch's _cubic_interpolate: the minimum of the cubic
// through (x1, f1) and (x2, f2) with slopes g1 and g2, within bounds (the
// interval between x1 and x2 when nil), with lbfgs.py's types.
func cubicInterpolate(x1, f1, g1, x2, f2, g2 num, bounds *[2]num) num {
	var lo, hi num
	switch {
	case bounds != nil:
		lo, hi = bounds[0], bounds[1]
	case le(x1, x2):
		lo, hi = x1, x2
	default:
		lo, hi = x2, x1
	}
	three, two := pyf(3), pyf(2)
	d1 := sub(add(g1, g2), div(mul(three, sub(f1, f2)), sub(x1, x2)))
	d2sq := sub(mul(d1, d1), mul(g1, g2))
	if !le(pyf(0), d2sq) {
		return div(add(lo, hi), two)
	}
	d2 := d2sq.sqrt()
	var minPos num
	if le(x1, x2) {
		minPos = sub(x2, mul(sub(x2, x1), div(sub(add(g2, d2), d1), add(sub(g2, g1), mul(two, d2)))))
	} else {
		minPos = sub(x1, mul(sub(x1, x2), div(sub(add(g1, d2), d1), add(sub(g1, g2), mul(two, d2)))))
	}
	return pyMin(pyMax(minPos, lo), hi)
}

// kernel returns the kernel of the parameters' dtype: float32 if every
// parameter is float32, else float64 (PyTorch's torch.cat of the gradients
// promotes a mix to float64).
func (l *LBFGS) kernel() kernel {
	for _, p := range l.params {
		if p.DType() != tensor.Float32 {
			return kernel{}
		}
	}
	return kernel{f32: true}
}

// addGrad is _add_grad(t, d): p.add_(d, alpha=t) for each parameter, a fused
// multiply-add per element in the parameter's precision.
func (l *LBFGS) addGrad(t num, d []float64) {
	off := 0
	for _, p := range l.params {
		if p.DType() == tensor.Float32 {
			ps, a := p.Float32s(), t.conv(true)
			for i := range ps {
				ps[i] = float32(math.FMA(d[off+i], a, float64(ps[i])))
			}
			off += len(ps)
			continue
		}
		ps := p.Float64s()
		for i := range ps {
			ps[i] = math.FMA(d[off+i], t.v, ps[i])
		}
		off += len(ps)
	}
}
