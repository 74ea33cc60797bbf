package tensor

import (
	"math"

	"github.com/gograd/gograd/internal/vec"
)

// LogSoftmax returns log(softmax(t)) along dim, computed stably as
// (t - max) - log(Σ exp(t - max)).
func (t *Tensor) LogSoftmax(dim int) *Tensor {
	t.wantFloat("LogSoftmax")
	d := t.normDimOrScalar("LogSoftmax", dim)
	out := empty(t.dtype, t.shape)
	outer, r, inner := t.splitAt(d)
	x := t.dense()
	if t.dtype == Float32 {
		logSoftmaxRows(out.f32, x.f32, outer, r, inner)
	} else {
		logSoftmaxRows(out.f64, x.f64, outer, r, inner)
	}
	if n := record("LogSoftmaxBackward0", out, true, t); n != nil {
		n.save(out)
		n.arg = float64(d) // for the batched derivative (batched.go)
		// dt: grad - exp(out) * Σ_dim grad
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g.Sub(out.Exp().Mul(sumAlong(g, d))) }
	}
	return out
}

// Softmax returns exp(t) / Σ exp(t) along dim, computed stably.
func (t *Tensor) Softmax(dim int) *Tensor {
	t.wantFloat("Softmax")
	d := t.normDimOrScalar("Softmax", dim)
	out := empty(t.dtype, t.shape)
	outer, r, inner := t.splitAt(d)
	x := t.dense()
	if t.dtype == Float32 {
		logSoftmaxRows(out.f32, x.f32, outer, r, inner)
		vec.Exp(out.f32, out.f32)
	} else {
		logSoftmaxRows(out.f64, x.f64, outer, r, inner)
		vec.Exp(out.f64, out.f64)
	}
	if n := record("SoftmaxBackward0", out, true, t); n != nil {
		n.save(out)
		n.arg = float64(d) // for the batched derivative (batched.go)
		// dt: out * (grad - Σ_dim grad * out)
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = out.Mul(g.Sub(sumAlong(g.Mul(out), d))) }
	}
	return out
}

// sumAlong sums g along dim d keeping it; a 0-d g is its own sum.
func sumAlong(g *Tensor, d int) *Tensor {
	if len(g.shape) == 0 {
		return g
	}
	return g.SumKeepDim(d)
}

// normDimOrScalar is normDim, also accepting dim 0 or -1 for a 0-d tensor.
func (t *Tensor) normDimOrScalar(op string, dim int) int {
	if len(t.shape) == 0 && (dim == 0 || dim == -1) {
		return 0
	}
	return t.normDim(op, dim)
}

// splitAt views t as [outer, shape[d], inner].
func (t *Tensor) splitAt(d int) (outer, r, inner int) {
	if len(t.shape) == 0 {
		return 1, 1, 1
	}
	return numel(t.shape[:d]), t.shape[d], numel(t.shape[d+1:])
}

func logSoftmaxRows[T vec.Float](dst, src []T, outer, r, inner int) {
	for o := range outer {
		for i := range inner {
			base := o*r*inner + i
			m := math.Inf(-1)
			for k := range r {
				m = max(m, float64(src[base+k*inner]))
			}
			if math.IsInf(m, -1) {
				m = 0
			}
			var s float64
			for k := range r {
				s += math.Exp(float64(src[base+k*inner]) - m)
			}
			// (x - m) - log s, not x - (m + log s): for |m| ≥ 1e16, m + log s
			// rounds back to m and the log s term is lost.
			ls := math.Log(s)
			for k := range r {
				dst[base+k*inner] = T((float64(src[base+k*inner]) - m) - ls)
			}
		}
	}
}
