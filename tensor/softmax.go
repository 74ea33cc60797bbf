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
	out := uninit(t.dtype, t.shape)
	outer, r, inner := t.splitAt(d)
	x := softmaxInput(t, out)
	if t.dtype == Float32 {
		logSoftmaxRows(out.f32, x.f32, outer, r, inner)
	} else {
		logSoftmaxRows(out.f64, x.f64, outer, r, inner)
	}
	return logSoftmaxDef.record(out, float64(d), t)
}

// The softmax entries save their result; arg is the dim.
var (
	logSoftmaxDef = &opDef{name: "LogSoftmaxBackward0", save: []saveRule{{output, always}}}
	softmaxDef    = &opDef{name: "SoftmaxBackward0", save: []saveRule{{output, always}}}
)

func init() {
	logSoftmaxDef.grad = func(b bwd) { // dt: grad - exp(out) * Σ_dim grad
		b.gi[0] = b.g.Sub(b.out().Exp().Mul(sumAlong(b.g, int(b.arg()))))
	}
	softmaxDef.grad = func(b bwd) { // dt: out * (grad - Σ_dim grad * out)
		out := b.out()
		b.gi[0] = out.Mul(b.g.Sub(sumAlong(b.g.Mul(out), int(b.arg()))))
	}
}

// Softmax returns exp(t) / Σ exp(t) along dim, computed stably.
func (t *Tensor) Softmax(dim int) *Tensor {
	t.wantFloat("Softmax")
	d := t.normDimOrScalar("Softmax", dim)
	out := uninit(t.dtype, t.shape)
	outer, r, inner := t.splitAt(d)
	x := softmaxInput(t, out)
	if t.dtype == Float32 {
		logSoftmaxRows(out.f32, x.f32, outer, r, inner)
		vec.Exp(out.f32, out.f32)
	} else {
		logSoftmaxRows(out.f64, x.f64, outer, r, inner)
		vec.Exp(out.f64, out.f64)
	}
	return softmaxDef.record(out, float64(d), t)
}

// softmaxInput returns what logSoftmaxRows reads t's rows from: t itself when it
// is contiguous, else out holding t's values, copied by walking t's strides, so
// that the rows are computed in place (logSoftmaxRows reads each element before
// writing it) and no dense temporary is made.
func softmaxInput(t, out *Tensor) *Tensor {
	if t.strides() == nil {
		return t
	}
	copyValues(out, t)
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
