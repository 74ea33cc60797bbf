package tensor

import (
	"math"
	"slices"
	"sort"

	"github.com/gograd/gograd/internal/vec"
)

// Reductions over dims. Each computes its result from float64 lanes (the values
// along the reduced dims), then records a backward written with tensor ops. The
// ones that select values (Max, Amax, Median, Kthvalue, Topk, Sort, Cummax and
// their kin) also take int64 and bool tensors, exactly for int64 values below
// 2^53 in magnitude.

// lanes returns t's values with the (sorted, normalised) dims moved last, as
// rows·r float64 values: row j holds the r values reduced into output element j.
// They are gathered in one strided pass over t (through a permuted view), with
// no dense copies.
func (t *Tensor) lanes(dims []int) (vals []float64, rows, r int) {
	rest := make([]int, 0, len(t.shape))
	rows, r = 1, 1
	for d, n := range t.shape {
		if slices.Contains(dims, d) {
			r *= n
		} else {
			rest = append(rest, d)
			rows *= n
		}
	}
	x := t
	if len(t.shape) > 0 {
		x = t.permuted(append(rest, dims...))
	}
	vals = make([]float64, rows*r)
	x.valuesInto(vals)
	return vals, rows, r
}

// reduceF computes f over each lane of t along dims into a tensor of dtype dt
// with the reduced dims kept (size 1) or removed, not recorded. An empty lane is
// passed as an empty slice.
func (t *Tensor) reduceF(op string, dims []int, keep bool, dt DType, f func(lane []float64) float64) (*Tensor, []int) {
	nonNil(op, t)
	ds := t.dimSet(op, dims)
	if len(t.shape) == 0 {
		ds = nil
	}
	vals, rows, r := t.lanes(ds)
	out := empty(dt, keptShape(t.shape, ds, keep))
	for j := range rows {
		out.setFlat(j, f(vals[j*r:(j+1)*r]))
	}
	return out, ds
}

// keepDims returns g with the reduced dims ds restored as size 1, so that it
// broadcasts against the input (recorded; g itself when keepdim was set).
func keepDims(g *Tensor, in []int, ds []int, keep bool) *Tensor {
	if keep || len(in) == 0 {
		return g
	}
	return g.Reshape(keptShape(in, ds, true)...)
}

func laneMax(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		if x != x {
			return x
		}
		m = max(m, x)
	}
	return m
}

func laneMin(v []float64) float64 {
	m := math.Inf(1)
	for _, x := range v {
		if x != x {
			return x
		}
		m = min(m, x)
	}
	return m
}

// extremeAll is Amax/Amin and Max()/Min(): the gradient is shared evenly among the
// elements equal to the result (NaN matching NaN), as PyTorch's
// evenly_distribute_backward and scale_grad_by_count.
func (t *Tensor) extremeAll(def *opDef, op string, dims []int, keep bool, fold int, f func([]float64) float64) *Tensor {
	if t.Numel() == 0 {
		fail(op, "cannot reduce an empty tensor of shape %v", t.shape)
	}
	var out *Tensor
	var ds []int
	if fold != 0 && t.dtype.IsFloat() {
		out, ds = t.foldDims(op, dims, keep, fold > 0)
	} else {
		out, ds = t.reduceF(op, dims, keep, t.dtype, f)
	}
	if tracked(t) {
		def.recordWith(out, 0, &reducedDims{shape: t.shape, ds: ds, keep: keep}, nil, t)
	}
	return out
}

// reducedDims is the geometry a reduction's node keeps: the input's shape, the
// reduced dims and whether they were kept.
type reducedDims struct {
	shape, ds []int
	keep      bool
}

// kept returns g (shaped as the reduction's result) with the reduced dims as 1.
func (r *reducedDims) kept(g *Tensor) *Tensor { return keepDims(g, r.shape, r.ds, r.keep) }

// dims returns the geometry a reduction recorded.
func (b bwd) dims() *reducedDims { return b.aux().(*reducedDims) }

// savesInOut saves a reduction's input and result.
var savesInOut = []saveRule{{0, always}, {output, always}}

// The entries of Max(), Min(), Amax, Amin and Median().
var (
	maxAllDef = &opDef{name: "MaxBackward1", save: savesInOut}
	minAllDef = &opDef{name: "MinBackward1", save: savesInOut}
	amaxDef   = &opDef{name: "AmaxBackward0", save: savesInOut}
	aminDef   = &opDef{name: "AminBackward0", save: savesInOut}

	medianAllDef = &opDef{name: "MedianBackward0", save: savesInOut}
)

func init() {
	for _, d := range []*opDef{maxAllDef, minAllDef, amaxDef, aminDef, medianAllDef} {
		d.grad = func(b bwd) {
			r, t := b.dims(), b.in(0)
			ok := r.kept(b.out().detached())
			mask := t.detached().Eq(ok).LogicalOr(t.detached().IsNaN().LogicalAnd(ok.IsNaN()))
			w := mask.To(b.g.dtype)
			w = w.Div(w.SumKeepDim(r.ds...)) // dt: grad shared by the elements equal to the result
			if len(t.shape) == 0 {
				w = OnesLike(b.g)
			}
			b.gi[0] = r.kept(b.g).Mul(w)
		}
	}
}

// Max returns the largest of t's elements as a 0-d tensor (NaN if any is NaN).
// Its gradient is shared evenly among the elements equal to it (MaxBackward1). It
// panics on an empty tensor.
func (t *Tensor) Max() *Tensor { return t.extremeAll(maxAllDef, "Max", nil, false, 1, laneMax) }

// Min returns the smallest of t's elements as a 0-d tensor (NaN if any is NaN).
func (t *Tensor) Min() *Tensor { return t.extremeAll(minAllDef, "Min", nil, false, -1, laneMin) }

// Amax returns the largest values over dims (every dim if none), which are
// removed; at ties the gradient is shared evenly (AmaxBackward0).
func (t *Tensor) Amax(dims ...int) *Tensor {
	return t.extremeAll(amaxDef, "Amax", dims, false, 1, laneMax)
}

// AmaxKeepDim is Amax keeping the reduced dims as size 1.
func (t *Tensor) AmaxKeepDim(dims ...int) *Tensor {
	return t.extremeAll(amaxDef, "AmaxKeepDim", dims, true, 1, laneMax)
}

// Amin returns the smallest values over dims (every dim if none), which are
// removed; at ties the gradient is shared evenly (AminBackward0).
func (t *Tensor) Amin(dims ...int) *Tensor {
	return t.extremeAll(aminDef, "Amin", dims, false, -1, laneMin)
}

// AminKeepDim is Amin keeping the reduced dims as size 1.
func (t *Tensor) AminKeepDim(dims ...int) *Tensor {
	return t.extremeAll(aminDef, "AminKeepDim", dims, true, -1, laneMin)
}

// selectAlong computes, for each lane along dim d, an index into the lane; the
// values at those indices and the indices (int64) are returned with dim kept or
// removed. The values' gradient goes to the selected elements only (name). With
// fold 1 or -1 pick is firstExtreme's, which a float tensor's lanes get from
// argExtremeInto, read in place in their dtype.
func (t *Tensor) selectAlong(op, name string, dim int, keep bool, fold int, pick func(lane []float64) int) (values, indices *Tensor) {
	nonNil(op, t)
	d := t.normDimOrScalar(op, dim)
	outer, r, inner := t.splitAt(d)
	if r == 0 && outer*inner > 0 {
		fail(op, "cannot reduce the empty dim %d of shape %v", d, t.shape)
	}
	ds := []int{d}
	if len(t.shape) == 0 {
		ds = nil
	}
	shape := keptShape(t.shape, ds, keep)
	values, indices = empty(t.dtype, shape), empty(Int64, slices.Clone(shape))
	switch {
	case fold != 0 && len(t.shape) > 0 && t.dtype == Float32:
		argExtremeInto(values.f32, indices.i64, t.f32, t.shape, t.layout(), d, fold > 0)
	case fold != 0 && len(t.shape) > 0 && t.dtype == Float64:
		argExtremeInto(values.f64, indices.i64, t.f64, t.shape, t.layout(), d, fold > 0)
	default:
		t.eachLane(d, func(lane []float64, o, i int) {
			k := pick(lane)
			values.setFlat(o*inner+i, lane[k])
			indices.i64[o*inner+i] = int64(k)
		})
	}
	values.recordPicked(pickedDef, name, t, d, indices, !keep)
	return values, indices
}

// recordPicked records values (entry def, named name) as elements of t picked
// along dim d at indices (with d removed when squeezed): its gradient is
// scattered back there.
func (values *Tensor) recordPicked(def *opDef, name string, t *Tensor, d int, indices *Tensor, squeezed bool) {
	if tracked(t) {
		def.recordAs(name, values, float64(d), &reducedDims{shape: t.shape, keep: !squeezed}, []*Tensor{indices}, t)
	}
}

// The entries of the ops that pick elements along a dim (Max(dim), Median,
// Sort, ...; named by each op): they save the indices, and pickedInDef the input
// too (as PyTorch's cummax_backward reads it; its gradient does not). arg is the
// dim.
var (
	pickedDef   = &opDef{save: []saveRule{{extra(0), always}}}
	pickedInDef = &opDef{save: []saveRule{{extra(0), always}, {0, always}}}
)

func init() {
	pickedDef.grad = func(b bwd) {
		r, d, g := b.dims(), int(b.arg()), b.g
		if len(r.shape) == 0 {
			b.gi[0] = g // dt: grad (a 0-d input is its own only element)
			return
		}
		idx := b.extra(0)
		if !r.keep {
			g, idx = g.Unsqueeze(d), idx.withShape(keptShape(r.shape, []int{d}, true))
		}
		b.gi[0] = g.dtype.Zeros(r.shape...).ScatterAdd(d, idx, g) // dt: grad at the picked indices
	}
	pickedInDef.grad = pickedDef.grad
}

// firstExtreme returns the index of the first largest (sgn 1) or smallest (sgn -1)
// value, a NaN counting as the extreme (the first NaN wins).
func firstExtreme(sgn float64) func([]float64) int {
	return func(lane []float64) int {
		best := 0
		for k, v := range lane {
			if v != v {
				return k
			}
			if (v-lane[best])*sgn > 0 {
				best = k
			}
		}
		return best
	}
}

// MaxDim returns the largest values along dim and their indices, as
// torch.max(t, dim, keepdim): the first index among ties, NaN as largest. The
// values' gradient goes to those indices (MaxBackward0).
func (t *Tensor) MaxDim(dim int, keepdim bool) (values, indices *Tensor) {
	return t.selectAlong("MaxDim", "MaxBackward0", dim, keepdim, 1, firstExtreme(1))
}

// MinDim returns the smallest values along dim and their indices, as
// torch.min(t, dim, keepdim) (MinBackward0).
func (t *Tensor) MinDim(dim int, keepdim bool) (values, indices *Tensor) {
	return t.selectAlong("MinDim", "MinBackward0", dim, keepdim, -1, firstExtreme(-1))
}

// Argmin returns the indices of the smallest values along dim as an int64 tensor
// (the first among ties, NaN as smallest), as torch.argmin(t, dim).
func (t *Tensor) Argmin(dim int) *Tensor {
	nonNil("Argmin", t)
	t.wantNotBool("Argmin")
	_, idx := t.detached().MinDim(dim, false)
	return idx
}

// lessNaNLast orders values ascending with NaN after everything, as PyTorch sorts.
func lessNaNLast(a, b float64) bool { return a < b || b != b && a == a }

// sortedOrder returns the stable order of lane (ascending, NaN last; descending
// reverses the order of values, keeping ties in index order).
func sortedOrder(lane []float64, descending bool) []int {
	idx := identityMap(len(lane))
	sort.SliceStable(idx, func(a, b int) bool {
		x, y := lane[idx[a]], lane[idx[b]]
		if descending {
			return lessNaNLast(y, x)
		}
		return lessNaNLast(x, y)
	})
	return idx
}

// MedianDim returns the medians along dim (the lower of the two middle values for
// an even count; NaN if the lane has one) and an index of each, as
// torch.median(t, dim, keepdim) (MedianBackward1). Which index PyTorch reports
// among equal values is unspecified; this gives the first in sorted order.
func (t *Tensor) MedianDim(dim int, keepdim bool) (values, indices *Tensor) {
	nonNil("MedianDim", t)
	t.wantNotBool("MedianDim")
	return t.selectAlong("MedianDim", "MedianBackward1", dim, keepdim, 0, func(lane []float64) int {
		for k, v := range lane {
			if v != v {
				return k
			}
		}
		return sortedOrder(lane, false)[(len(lane)-1)/2]
	})
}

// Median returns the median of all of t's elements (the lower middle value for an
// even count) as a 0-d tensor; the gradient is shared evenly among the elements
// equal to it (MedianBackward0).
func (t *Tensor) Median() *Tensor {
	nonNil("Median", t)
	t.wantNotBool("Median")
	return t.extremeAll(medianAllDef, "Median", nil, false, 0, func(v []float64) float64 {
		for _, x := range v {
			if x != x {
				return x
			}
		}
		s := slices.Clone(v)
		slices.Sort(s)
		return s[(len(s)-1)/2]
	})
}

// Kthvalue returns the k-th smallest values along dim (k from 1) and their
// indices, as torch.kthvalue (KthvalueBackward0). It panics unless 1 <= k <= the
// dim's size.
func (t *Tensor) Kthvalue(k, dim int, keepdim bool) (values, indices *Tensor) {
	nonNil("Kthvalue", t)
	t.wantNotBool("Kthvalue")
	d := t.normDimOrScalar("Kthvalue", dim)
	if n := max(t.size0(d), 1); k < 1 || k > n {
		fail("Kthvalue", "k %d out of range for dim %d of shape %v", k, d, t.shape)
	}
	return t.selectAlong("Kthvalue", "KthvalueBackward0", dim, keepdim, 0, func(lane []float64) int {
		return sortedOrder(lane, false)[k-1]
	})
}

// size0 returns the size of dim d, 1 for a 0-d tensor.
func (t *Tensor) size0(d int) int {
	if len(t.shape) == 0 {
		return 1
	}
	return t.shape[d]
}

// sortAlong returns the first k values of each lane along dim in the order given
// by order, and their indices; the values' gradient is scattered back (name).
func (t *Tensor) sortAlong(op, name string, dim, k int, order func([]float64) []int) (values, indices *Tensor) {
	nonNil(op, t)
	d := t.normDimOrScalar(op, dim)
	_, _, inner := t.splitAt(d)
	shape := slices.Clone(t.shape)
	if len(shape) > 0 {
		shape[d] = k
	}
	values, indices = empty(t.dtype, shape), empty(Int64, slices.Clone(shape))
	t.eachLane(d, func(lane []float64, o, i int) {
		for j, src := range order(lane)[:k] {
			values.setFlat((o*k+j)*inner+i, lane[src])
			indices.i64[(o*k+j)*inner+i] = int64(src)
		}
	})
	values.recordPicked(pickedDef, name, t, d, indices, false)
	return values, indices
}

// Sort returns t's values sorted along dim, ascending (NaN last) or descending,
// and the indices they came from, as torch.sort(stable=True) (SortBackward1).
func (t *Tensor) Sort(dim int, descending bool) (values, indices *Tensor) {
	d := t.normDimOrScalar("Sort", dim)
	return t.sortAlong("Sort", "SortBackward1", dim, t.size0(d), func(l []float64) []int { return sortedOrder(l, descending) })
}

// Argsort returns the indices that sort t along dim, as torch.argsort(stable=True).
func (t *Tensor) Argsort(dim int, descending bool) *Tensor {
	_, idx := t.detached().Sort(dim, descending)
	return idx
}

// Topk returns the k largest (or smallest) values along dim, sorted, and their
// indices, as torch.topk(sorted=True) (TopkBackward0). Among equal values the
// lower index comes first (PyTorch leaves that order unspecified). It panics unless 0 <= k <= the dim's size.
func (t *Tensor) Topk(k, dim int, largest bool) (values, indices *Tensor) {
	nonNil("Topk", t)
	t.wantNotBool("Topk")
	d := t.normDimOrScalar("Topk", dim)
	if k < 0 || k > t.size0(d) {
		fail("Topk", "k %d out of range for dim %d of shape %v", k, d, t.shape)
	}
	return t.sortAlong("Topk", "TopkBackward0", dim, k, func(l []float64) []int { return sortedOrder(l, largest) })
}

// Var returns the variance over dims (every dim if none) with Bessel's correction
// generalised: Σ(x - mean)² / (N - correction), as torch.var(dims, correction,
// keepdim) (VarBackward0).
func (t *Tensor) Var(correction int, keepdim bool, dims ...int) *Tensor {
	return t.moment(varDef, "Var", correction, keepdim, dims)
}

// Std returns the standard deviation: the square root of Var (StdBackward0).
func (t *Tensor) Std(correction int, keepdim bool, dims ...int) *Tensor {
	return t.moment(stdDef, "Std", correction, keepdim, dims)
}

// VarMean returns Var and the mean over the same dims, as torch.var_mean; both
// are recorded as VarMeanBackward0.
func (t *Tensor) VarMean(correction int, keepdim bool, dims ...int) (variance, mean *Tensor) {
	v := t.moment(varMeanDef, "VarMean", correction, keepdim, dims)
	var m *Tensor
	if keepdim {
		m = t.MeanKeepDim(dims...)
	} else {
		m = t.Mean(dims...)
	}
	m = m.Detach()
	if tracked(t) {
		ds := t.dimSet("VarMean", dims)
		count := float64(numel(t.shape) / max(numel(keptShape(t.shape, ds, false)), 1))
		varMeanMeanDef.recordWith(m, count, &reducedDims{shape: t.shape, ds: ds, keep: keepdim}, nil, t)
	}
	return v, m
}

// varMeanMeanDef is the entry of VarMean's mean; arg is the count of each mean.
var varMeanMeanDef = &opDef{name: "VarMeanBackward0"}

func init() {
	varMeanMeanDef.grad = func(b bwd) { // dt: grad / N
		r := b.dims()
		b.gi[0] = r.kept(b.g).DivScalar(b.arg()).Expand(r.shape...)
	}
}

func (t *Tensor) moment(def *opDef, op string, correction int, keep bool, dims []int) *Tensor {
	std := def == stdDef
	t.wantFloat(op)
	out, ds := t.reduceF(op, dims, keep, t.dtype, func(v []float64) float64 {
		var mean float64
		for _, x := range v {
			mean += x
		}
		mean /= float64(len(v))
		var s float64
		for _, x := range v {
			s += (x - mean) * (x - mean)
		}
		r := s / float64(len(v)-correction)
		if std {
			return math.Sqrt(r)
		}
		return r
	})
	if tracked(t) {
		count := 1
		for _, d := range ds {
			count *= t.shape[d]
		}
		def.recordWith(out, float64(count-correction), &reducedDims{shape: t.shape, ds: ds, keep: keep}, nil, t)
	}
	return out
}

// The entries of Var, Std and VarMean's variance; arg is N - correction.
var (
	varDef     = &opDef{name: "VarBackward0", save: savesIn}
	stdDef     = &opDef{name: "StdBackward0", save: savesInOut}
	varMeanDef = &opDef{name: "VarMeanBackward0", save: savesIn}
)

func init() {
	varDef.grad = func(b bwd) { // dt: 2 grad (x - mean) / (N - c)
		r, t := b.dims(), b.in(0)
		b.gi[0] = r.kept(b.g).Mul(t.Sub(t.MeanKeepDim(r.ds...))).MulScalar(2 / b.arg())
	}
	varMeanDef.grad = varDef.grad
	stdDef.grad = func(b bwd) { // dt: grad (x - mean) / ((N - c) std)
		r, t := b.dims(), b.in(0)
		b.gi[0] = r.kept(b.g).Mul(t.Sub(t.MeanKeepDim(r.ds...))).Div(r.kept(b.out()).MulScalar(b.arg()))
	}
}

// LogSumExp returns log Σ exp(t) over dims (every dim if none), computed stably by
// shifting with the maximum, finite for inputs of any finite size
// (LogsumexpBackward0).
func (t *Tensor) LogSumExp(keepdim bool, dims ...int) *Tensor {
	t = t.floatInput("LogSumExp")
	out, ds := t.reduceF("LogSumExp", dims, keepdim, t.dtype, func(v []float64) float64 {
		m := laneMax(v)
		if math.IsInf(m, 0) || m != m {
			m = 0
		}
		var s float64
		for _, x := range v {
			s += math.Exp(x - m)
		}
		return m + math.Log(s)
	})
	if tracked(t) {
		logsumexpDef.recordWith(out, 0, &reducedDims{shape: t.shape, ds: ds, keep: keepdim}, nil, t)
	}
	return out
}

var logsumexpDef = &opDef{name: "LogsumexpBackward0", save: savesInOut}

func init() {
	logsumexpDef.grad = func(b bwd) { // dt: grad exp(t - out)
		r := b.dims()
		b.gi[0] = r.kept(b.g).Mul(b.in(0).Sub(r.kept(b.out())).Exp())
	}
}

// VectorNorm returns the p-norm over dims (every dim if none), as
// torch.linalg.vector_norm: (Σ|x|^p)^(1/p); p = +Inf is max|x|, -Inf min|x|, 0
// the count of nonzeros. Where the norm is 0 the gradient is 0 (PyTorch's
// subgradient), not NaN (LinalgVectorNormBackward0).
func (t *Tensor) VectorNorm(p float64, keepdim bool, dims ...int) *Tensor {
	return t.norm(vectorNormDef, "VectorNorm", p, keepdim, dims)
}

// Norm returns the p-norm over dims, as torch.norm(t, p, dims, keepdim): the same
// values as VectorNorm, recorded as NormBackward1.
func (t *Tensor) Norm(p float64, keepdim bool, dims ...int) *Tensor {
	return t.norm(normDef, "Norm", p, keepdim, dims)
}

func (t *Tensor) norm(def *opDef, op string, p float64, keep bool, dims []int) *Tensor {
	t.wantFloat(op)
	out, ds := t.reduceF(op, dims, keep, t.dtype, func(v []float64) float64 {
		switch {
		case math.IsInf(p, 1):
			m := 0.0
			for _, x := range v {
				if x != x {
					return x
				}
				m = max(m, math.Abs(x))
			}
			return m
		case math.IsInf(p, -1):
			m := math.Inf(1)
			for _, x := range v {
				if x != x {
					return x
				}
				m = min(m, math.Abs(x))
			}
			return m
		case p == 0:
			c := 0.0
			for _, x := range v {
				if x != 0 {
					c++
				}
			}
			return c
		case p == 1:
			s := 0.0
			for _, x := range v {
				s += math.Abs(x)
			}
			return s
		case p == 2:
			s := 0.0
			for _, x := range v {
				s += x * x
			}
			return math.Sqrt(s)
		}
		s := 0.0
		for _, x := range v {
			s += math.Pow(math.Abs(x), p)
		}
		return math.Pow(s, 1/p)
	})
	if tracked(t) {
		def.recordWith(out, p, &reducedDims{shape: t.shape, ds: ds, keep: keep}, nil, t)
	}
	return out
}

// The entries of VectorNorm and Norm; arg is p.
var (
	vectorNormDef = &opDef{name: "LinalgVectorNormBackward0", save: savesInOut}
	normDef       = &opDef{name: "NormBackward1", save: savesInOut}
)

func init() {
	vectorNormDef.grad = func(b bwd) {
		r, t, g, p := b.dims(), b.in(0), b.g, b.arg()
		gk, ok := r.kept(g), r.kept(b.out())
		zero := ok.detached().EqScalar(0)
		safe := ok.MaskedFill(zero, 1)
		var d *Tensor
		switch {
		case p == 0:
			return // dt: none (PyTorch gives no gradient)
		case p == 1:
			d = gk.Mul(t.Sign()) // dt: grad sign(t)
		case math.IsInf(p, 0): // dt: grad sign(t), shared among the |t| equal to the norm
			mask := t.detached().Abs().Eq(ok.detached()).To(g.dtype)
			d = gk.Mul(t.Sign()).Mul(mask.Div(mask.SumKeepDim(r.ds...)))
		case p == 2:
			d = Where(zero, g.dtype.Scalar(0), gk.Mul(t).Div(safe)) // dt: grad t / norm, 0 at norm 0
		default: // dt: grad t |t|^(p-2) / norm^(p-1), 0 at norm 0
			d = Where(zero, g.dtype.Scalar(0), gk.Mul(t).Mul(t.Abs().Pow(p-2)).Div(safe.Pow(p-1)))
		}
		if !slices.Equal(d.shape, t.shape) {
			d = d.Expand(t.shape...)
		}
		b.gi[0] = d
	}
	normDef.grad = vectorNormDef.grad
}

// Prod returns the product of all of t's elements as a 0-d tensor
// (ProdBackward0). Zeros are handled as PyTorch does: the gradient of each
// element is the product of the others.
func (t *Tensor) Prod() *Tensor { return t.prod(prodDef, "Prod", nil, false) }

// ProdDim returns the products along dim (ProdBackward1).
func (t *Tensor) ProdDim(dim int, keepdim bool) *Tensor {
	return t.prod(prodDimDef, "ProdDim", []int{dim}, keepdim)
}

func (t *Tensor) prod(def *opDef, op string, dims []int, keep bool) *Tensor {
	if nonNil(op, t); !t.dtype.IsFloat() { // int64, as PyTorch's product of integers or bools
		return t.foldInt(op, dims, keep, 1, func(p, v int64) int64 { return p * v })
	}
	out, ds := t.reduceF(op, dims, keep, t.dtype, func(v []float64) float64 {
		p := 1.0
		for _, x := range v {
			p *= x
		}
		return p
	})
	if tracked(t) {
		def.recordWith(out, 0, &reducedDims{shape: t.shape, ds: ds, keep: keep}, nil, t)
	}
	return out
}

// The entries of Prod and ProdDim.
var (
	prodDef    = &opDef{name: "ProdBackward0", save: savesInOut}
	prodDimDef = &opDef{name: "ProdBackward1", save: savesInOut}
)

func init() {
	prodDef.grad = func(b bwd) {
		r, t := b.dims(), b.in(0)
		gk := r.kept(b.g)
		if t.detached().EqScalar(0).Any().Item() == 0 {
			b.gi[0] = gk.Mul(r.kept(b.out())).Div(t) // dt: grad prod / t
			return
		}
		b.gi[0] = gk.Mul(t.prodOthers(r.ds)) // dt: grad times the product of the others
	}
	prodDimDef.grad = prodDef.grad
}

// prodOthers returns, for each element, the product of the other elements of its
// lane along ds (every dim of t for Prod, one for ProdDim), without division:
// the exclusive products from the left times those from the right, each a
// Cumprod of t shifted by one (recorded, so Prod has second derivatives at zeros).
func (t *Tensor) prodOthers(ds []int) *Tensor {
	if len(t.shape) == 0 {
		return OnesLike(t)
	}
	x, d := t, ds[0]
	if len(ds) > 1 { // every dim (Prod): one lane
		x, d = t.Reshape(-1), 0
	}
	if x.shape[d] == 0 {
		return ZerosLike(t)
	}
	return x.exclusiveCumprod(d).Mul(x.Flip(d).exclusiveCumprod(d).Flip(d)).Reshape(t.shape...)
}

// exclusiveCumprod returns Π_{j<k} v_j along d for each k (1 at k = 0): v shifted
// by one, padded with 1, then Cumprod (recorded).
func (v *Tensor) exclusiveCumprod(d int) *Tensor {
	pads := make([]int, 0, 2*(len(v.shape)-d))
	for k := len(v.shape) - 1; k > d; k-- {
		pads = append(pads, 0, 0)
	}
	return v.Pad(append(pads, 1, -1), PadConstant, 1).Cumprod(d)
}

// All reports, as a bool tensor, whether every element over dims (all if none)
// is nonzero (torch.all); the dims are removed. NaN counts as nonzero.
func (t *Tensor) All(dims ...int) *Tensor { return t.allAny("All", dims, false, 0) }

// AllKeepDim is All keeping the reduced dims as size 1 (torch.all(dim,
// keepdim=True)).
func (t *Tensor) AllKeepDim(dims ...int) *Tensor { return t.allAny("AllKeepDim", dims, true, 0) }

// Any reports, as a bool tensor, whether some element over dims (all if none) is
// nonzero (torch.any); the dims are removed.
func (t *Tensor) Any(dims ...int) *Tensor { return t.allAny("Any", dims, false, 1) }

// AnyKeepDim is Any keeping the reduced dims as size 1 (torch.any(dim,
// keepdim=True)).
func (t *Tensor) AnyKeepDim(dims ...int) *Tensor { return t.allAny("AnyKeepDim", dims, true, 1) }

// allAny is All (stop 0: a zero decides) or Any (stop 1: a nonzero decides).
func (t *Tensor) allAny(op string, dims []int, keep bool, stop float64) *Tensor {
	out, _ := t.reduceF(op, dims, keep, Bool, func(v []float64) float64 {
		for _, x := range v {
			if (x != 0) == (stop == 1) {
				return stop
			}
		}
		return 1 - stop
	})
	return out
}

// CountNonzero returns the int64 count of nonzero elements over dims (all if
// none), as torch.count_nonzero.
func (t *Tensor) CountNonzero(dims ...int) *Tensor {
	out, _ := t.reduceF("CountNonzero", dims, false, Int64, func(v []float64) float64 {
		c := 0.0
		for _, x := range v {
			if x != 0 {
				c++
			}
		}
		return c
	})
	return out
}

// scanAlong applies f to each lane along dim d (a copy of the lane, which f
// overwrites with its result), into a tensor of t's shape, not recorded.
func (t *Tensor) scanAlong(op string, dim int, f func(lane []float64)) (*Tensor, int) {
	nonNil(op, t)
	d := t.normDimOrScalar(op, dim)
	_, r, inner := t.splitAt(d)
	out := empty(t.dtype, t.shape)
	t.eachLane(d, func(lane []float64, o, i int) {
		f(lane)
		for k := range r {
			out.setFlat((o*r+k)*inner+i, lane[k])
		}
	})
	return out, d
}

// eachLane calls f with the values of each lane of t along dim d (a reused
// slice) and the lane's outer and inner position, t viewed as [outer, r, inner].
func (t *Tensor) eachLane(d int, f func(lane []float64, o, i int)) {
	_, r, inner := t.splitAt(d)
	vals, rows, _ := t.lanes([]int{d}) // lane j is (o, i) = (j / inner, j % inner)
	lane := make([]float64, r)
	for j := range rows {
		copy(lane, vals[j*r:(j+1)*r]) // f may change its lane
		f(lane, j/inner, j%inner)
	}
}

// Cumsum returns the cumulative sums along dim (torch.cumsum; CumsumBackward0);
// those of int64 and bool tensors are int64 (positions from a mask).
func (t *Tensor) Cumsum(dim int) *Tensor {
	t = t.boolAsInt()
	out, d := t.scanAlong("Cumsum", dim, func(l []float64) {
		for k := 1; k < len(l); k++ {
			l[k] += l[k-1]
		}
	})
	return cumsumDef.record(out, float64(d), t)
}

// cumsumDef is Cumsum's entry; arg is the dim.
var cumsumDef = &opDef{name: "CumsumBackward0"}

func init() {
	cumsumDef.grad = func(b bwd) { b.gi[0] = b.g.reverseCumsum(int(b.arg())) } // dt: sums of grad from each place to the end
}

// reverseCumsum returns the sums of g from each place to the end along d.
func (g *Tensor) reverseCumsum(d int) *Tensor {
	if len(g.shape) == 0 {
		return g
	}
	return g.Flip(d).Cumsum(d).Flip(d)
}

// Cumprod returns the cumulative products along dim (torch.cumprod;
// CumprodBackward0); those of int64 and bool tensors are int64. Zeros are handled without dividing by them.
func (t *Tensor) Cumprod(dim int) *Tensor {
	t = t.boolAsInt()
	out, d := t.scanAlong("Cumprod", dim, func(l []float64) {
		for k := 1; k < len(l); k++ {
			l[k] *= l[k-1]
		}
	})
	return cumprodDef.record(out, float64(d), t)
}

// cumprodDef is Cumprod's entry; arg is the dim.
var cumprodDef = &opDef{name: "CumprodBackward0", save: savesInOut}

func init() {
	cumprodDef.grad = func(b bwd) {
		t, d := b.in(0), int(b.arg())
		if t.detached().EqScalar(0).Any().Item() == 0 {
			b.gi[0] = b.g.Mul(b.out()).reverseCumsum(d).Div(t) // dt: Σ_{i>=k} grad_i out_i / t_k
			return
		}
		b.gi[0] = b.g.cumprodGrad(t, d) // the same sum, without division
	}
}

// cumprodGrad returns Σ_{i>=k} g_i Π_{j<=i, j!=k} t_j along d for each k without
// dividing by t: Π_{j<k} t_j times Σ_{i>=k} g_i C_ki, where C_ki = Π_{k<j<=i} t_j
// is a Cumprod of an n×n arrangement of t per lane (O(n²), used only when t has
// a zero). Recorded, so Cumprod has second derivatives at zeros too.
func (g *Tensor) cumprodGrad(t *Tensor, d int) *Tensor {
	if len(t.shape) == 0 {
		return g
	}
	n := t.shape[d]
	x, gl := t.Transpose(d, -1), g.Transpose(d, -1)
	above, from := make([]bool, n*n), make([]bool, n*n) // i > k, i >= k
	for k := range n {
		for i := k; i < n; i++ {
			above[k*n+i] = i > k
			from[k*n+i] = true
		}
	}
	one, zero := t.dtype.Scalar(1), t.dtype.Scalar(0)
	c := Where(NewBool(above, n, n), x.Unsqueeze(-2), one).Cumprod(-1)
	sum := Where(NewBool(from, n, n), gl.Unsqueeze(-2).Mul(c), zero).Sum(-1)
	return x.exclusiveCumprod(len(x.shape)-1).Mul(sum).Transpose(d, -1)
}

// Cummax returns the running maxima along dim and the index of each (the last
// among equal values, as PyTorch), as torch.cummax (CummaxBackward0).
func (t *Tensor) Cummax(dim int) (values, indices *Tensor) {
	return t.cumExtreme("Cummax", "CummaxBackward0", dim, 1)
}

// Cummin returns the running minima along dim and their indices (CumminBackward0).
func (t *Tensor) Cummin(dim int) (values, indices *Tensor) {
	return t.cumExtreme("Cummin", "CumminBackward0", dim, -1)
}

func (t *Tensor) cumExtreme(op, name string, dim int, sgn float64) (values, indices *Tensor) {
	idx := empty(Int64, slices.Clone(t.shape))
	var pos []int64
	values, d := t.scanAlong(op, dim, func(l []float64) {
		best := 0
		for k, v := range l {
			if l[best] == l[best] && (v != v || (v-l[best])*sgn >= 0) {
				best = k
			}
			l[k] = l[best]
			pos = append(pos, int64(best))
		}
	})
	// pos is in lane order; put it in place.
	outer, r, inner := t.splitAt(d)
	for o := range outer {
		for i := range inner {
			for k := range r {
				idx.i64[(o*r+k)*inner+i] = pos[(o*inner+i)*r+k]
			}
		}
	}
	values.recordPicked(pickedInDef, name, t, d, idx, false)
	return values, idx
}

// dimsLast returns a dense copy of t (any dtype) with the sorted dims moved
// after the others, and the number of elements those dims span.
func (t *Tensor) dimsLast(dims []int) (*Tensor, int) {
	rest := make([]int, 0, len(t.shape))
	for d := range t.shape {
		if !slices.Contains(dims, d) {
			rest = append(rest, d)
		}
	}
	x := t
	if len(t.shape) > 0 {
		x = x.permuted(append(rest, dims...))
	}
	r := 1
	for _, d := range dims {
		r *= t.shape[d]
	}
	return x.dense(), r
}

// sumInt is Sum of an int64 or bool tensor: exact int64 sums, not recorded.
func (t *Tensor) sumInt(op string, dims []int, keep bool) *Tensor {
	return t.foldInt(op, dims, keep, 0, func(s, v int64) int64 { return s + v })
}

// foldInt folds the int64 or bool elements of t over dims (every dim when none
// are given) into an int64 result, starting each from init: sums and products
// of integers, exact (and wrapping on overflow) as PyTorch's.
func (t *Tensor) foldInt(op string, dims []int, keep bool, init int64, f func(acc, v int64) int64) *Tensor {
	ds := t.dimSet(op, dims)
	if len(t.shape) == 0 {
		ds = nil
	}
	x, r := t.dimsLast(ds)
	out := empty(Int64, keptShape(t.shape, ds, keep))
	for j := range out.i64 {
		s := init
		for _, v := range x.i64[j*r : (j+1)*r] {
			s = f(s, v)
		}
		out.i64[j] = s
	}
	return out
}

// boolAsInt returns a bool tensor converted to int64, other tensors as they are,
// for the ops whose results on bools are integers (as PyTorch's).
func (t *Tensor) boolAsInt() *Tensor {
	if t.dtype == Bool {
		return t.To(Int64)
	}
	return t
}

// foldDims is reduceF for Amax and Amin (isMax, else min) of a float tensor: each
// element is read in place, in its dtype and in memory order (max and min do
// not depend on the order: NaN wins, and +0 is larger than -0, as laneMax and
// laneMin), and folded into its result.
func (t *Tensor) foldDims(op string, dims []int, keep, isMax bool) (*Tensor, []int) {
	ds := t.dimSet(op, dims)
	if len(t.shape) == 0 {
		ds = nil
	}
	out := uninit(t.dtype, keptShape(t.shape, ds, keep))
	st := contiguousStrides(keptShape(t.shape, ds, true)) // the same order, the reduced dims as 1
	for _, d := range ds {
		st[d] = 0
	}
	init := math.Inf(1)
	if isMax {
		init = math.Inf(-1)
	}
	if t.dtype == Float32 {
		foldInto(out.f32, float32(init), t.f32, t.shape, st, t.layout(), isMax)
	} else {
		foldInto(out.f64, init, t.f64, t.shape, st, t.layout(), isMax)
	}
	return out, ds
}

// foldInto sets dst to init, then folds each element of src (of the given shape
// and strides) into dst at the position dstStrides give it (0 along the reduced
// dims) with the builtin max (or min): one pass over src in its memory order.
func foldInto[T vec.Float](dst []T, init T, src []T, shape, dstStrides, srcStrides []int, isMax bool) {
	for i := range dst {
		dst[i] = init
	}
	var it rowIter
	it.initInnerFirst(shape, srcStrides, dstStrides)
	n, ss, ds := it.inner, it.stride(0), it.stride(1)
	for range it.rows {
		foldRow(dst, src, it.off[1], ds, it.off[0], ss, n, isMax)
		it.next()
	}
}

// foldRow folds n elements of src from s (stride ss) into dst from d (stride
// ds, 0 for one result).
func foldRow[T vec.Float](dst, src []T, d, ds, s, ss, n int, isMax bool) {
	if ds == 0 {
		acc := dst[d]
		if isMax {
			for i := range n {
				acc = max(acc, src[s+i*ss])
			}
		} else {
			for i := range n {
				acc = min(acc, src[s+i*ss])
			}
		}
		dst[d] = acc
		return
	}
	for i := range n {
		if isMax {
			dst[d+i*ds] = max(dst[d+i*ds], src[s+i*ss])
		} else {
			dst[d+i*ds] = min(dst[d+i*ds], src[s+i*ss])
		}
	}
}

// argExtremeInto sets vals[j] and idx[j], for each lane j along dim d of x (of
// the given shape and strides, lanes in the row-major order of the other dims),
// to the lane's first largest (isMax) or smallest value and its index, the first
// NaN winning: firstExtreme's pick, read in place in x's dtype.
func argExtremeInto[T vec.Float](vals []T, idx []int64, x []T, shape, strides []int, d int, isMax bool) {
	rest := slices.Clone(shape)
	rest[d] = 1
	var it rowIter
	it.init(rest, contiguousStrides(rest), strides)
	n, is, r, sd := it.inner, it.stride(1), shape[d], strides[d]
	for row := range it.rows {
		j := row * n
		for i := range n {
			vals[j+i], idx[j+i] = argExtremeLane(x, it.off[1]+i*is, sd, r, isMax)
		}
		it.next()
	}
}

// argExtremeLane returns the first largest (isMax) or smallest of the n elements
// of x from off with stride s, and its index; the first NaN wins.
func argExtremeLane[T vec.Float](x []T, off, s, n int, isMax bool) (T, int64) {
	best, bv := 0, x[off]
	for k := range n {
		v := x[off+k*s]
		if v != v {
			return v, int64(k)
		}
		if isMax && v > bv || !isMax && v < bv {
			best, bv = k, v
		}
	}
	return bv, int64(best)
}
