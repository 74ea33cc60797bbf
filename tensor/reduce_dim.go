package tensor

import (
	"math"
	"slices"
	"sort"
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
func (t *Tensor) extremeAll(op, name string, dims []int, keep bool, f func([]float64) float64) *Tensor {
	if t.Numel() == 0 {
		fail(op, "cannot reduce an empty tensor of shape %v", t.shape)
	}
	out, ds := t.reduceF(op, dims, keep, t.dtype, f)
	if n := record(name, out, false, t); n != nil {
		n.save(t, out)
		n.backward = func(g *Tensor, gi []*Tensor) {
			ok := keepDims(out.Detach(), t.shape, ds, keep)
			mask := t.Detach().Eq(ok).LogicalOr(t.Detach().IsNaN().LogicalAnd(ok.IsNaN()))
			w := mask.To(g.dtype)
			w = w.Div(w.SumKeepDim(ds...)) // dt: grad shared by the elements equal to the result
			if len(t.shape) == 0 {
				w = OnesLike(g)
			}
			gi[0] = keepDims(g, t.shape, ds, keep).Mul(w)
		}
	}
	return out
}

// Max returns the largest of t's elements as a 0-d tensor (NaN if any is NaN).
// Its gradient is shared evenly among the elements equal to it (MaxBackward1). It
// panics on an empty tensor.
func (t *Tensor) Max() *Tensor { return t.extremeAll("Max", "MaxBackward1", nil, false, laneMax) }

// Min returns the smallest of t's elements as a 0-d tensor (NaN if any is NaN).
func (t *Tensor) Min() *Tensor { return t.extremeAll("Min", "MinBackward1", nil, false, laneMin) }

// Amax returns the largest values over dims (every dim if none), which are
// removed; at ties the gradient is shared evenly (AmaxBackward0).
func (t *Tensor) Amax(dims ...int) *Tensor {
	return t.extremeAll("Amax", "AmaxBackward0", dims, false, laneMax)
}

// AmaxKeepDim is Amax keeping the reduced dims as size 1.
func (t *Tensor) AmaxKeepDim(dims ...int) *Tensor {
	return t.extremeAll("AmaxKeepDim", "AmaxBackward0", dims, true, laneMax)
}

// Amin returns the smallest values over dims (every dim if none), which are
// removed; at ties the gradient is shared evenly (AminBackward0).
func (t *Tensor) Amin(dims ...int) *Tensor {
	return t.extremeAll("Amin", "AminBackward0", dims, false, laneMin)
}

// AminKeepDim is Amin keeping the reduced dims as size 1.
func (t *Tensor) AminKeepDim(dims ...int) *Tensor {
	return t.extremeAll("AminKeepDim", "AminBackward0", dims, true, laneMin)
}

// selectAlong computes, for each lane along dim d, an index into the lane; the
// values at those indices and the indices (int64) are returned with dim kept or
// removed. The values' gradient goes to the selected elements only (name).
func (t *Tensor) selectAlong(op, name string, dim int, keep bool, pick func(lane []float64) int) (values, indices *Tensor) {
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
	t.eachLane(d, func(lane []float64, o, i int) {
		k := pick(lane)
		values.setFlat(o*inner+i, lane[k])
		indices.i64[o*inner+i] = int64(k)
	})
	values.recordPicked(name, t, d, indices, !keep)
	return values, indices
}

// recordPicked records values as elements of t picked along dim d at indices
// (with d removed when squeezed): its gradient is scattered back there.
func (values *Tensor) recordPicked(name string, t *Tensor, d int, indices *Tensor, squeezed bool) *Node {
	n := record(name, values, false, t)
	if n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) {
			if len(t.shape) == 0 {
				gi[0] = g // dt: grad (a 0-d input is its own only element)
				return
			}
			idx := indices
			if squeezed {
				g, idx = g.Unsqueeze(d), indices.withShape(keptShape(t.shape, []int{d}, true))
			}
			gi[0] = ZerosLike(t).ScatterAdd(d, idx, g) // dt: grad at the picked indices
		}
	}
	return n
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
	return t.selectAlong("MaxDim", "MaxBackward0", dim, keepdim, firstExtreme(1))
}

// MinDim returns the smallest values along dim and their indices, as
// torch.min(t, dim, keepdim) (MinBackward0).
func (t *Tensor) MinDim(dim int, keepdim bool) (values, indices *Tensor) {
	return t.selectAlong("MinDim", "MinBackward0", dim, keepdim, firstExtreme(-1))
}

// Argmin returns the indices of the smallest values along dim as an int64 tensor
// (the first among ties, NaN as smallest), as torch.argmin(t, dim).
func (t *Tensor) Argmin(dim int) *Tensor {
	_, idx := t.Detach().MinDim(dim, false)
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
	return t.selectAlong("MedianDim", "MedianBackward1", dim, keepdim, func(lane []float64) int {
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
	return t.extremeAll("Median", "MedianBackward0", nil, false, func(v []float64) float64 {
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
	d := t.normDimOrScalar("Kthvalue", dim)
	if n := max(t.size0(d), 1); k < 1 || k > n {
		fail("Kthvalue", "k %d out of range for dim %d of shape %v", k, d, t.shape)
	}
	return t.selectAlong("Kthvalue", "KthvalueBackward0", dim, keepdim, func(lane []float64) int {
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
	values.recordPicked(name, t, d, indices, false)
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
	_, idx := t.Detach().Sort(dim, descending)
	return idx
}

// Topk returns the k largest (or smallest) values along dim, sorted, and their
// indices, as torch.topk(sorted=True) (TopkBackward0). Among equal values the
// lower index comes first (PyTorch leaves that order unspecified). It panics unless 0 <= k <= the dim's size.
func (t *Tensor) Topk(k, dim int, largest bool) (values, indices *Tensor) {
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
	return t.moment("Var", "VarBackward0", correction, keepdim, dims, false)
}

// Std returns the standard deviation: the square root of Var (StdBackward0).
func (t *Tensor) Std(correction int, keepdim bool, dims ...int) *Tensor {
	return t.moment("Std", "StdBackward0", correction, keepdim, dims, true)
}

// VarMean returns Var and the mean over the same dims, as torch.var_mean; both
// are recorded as VarMeanBackward0.
func (t *Tensor) VarMean(correction int, keepdim bool, dims ...int) (variance, mean *Tensor) {
	v := t.moment("VarMean", "VarMeanBackward0", correction, keepdim, dims, false)
	var m *Tensor
	if keepdim {
		m = t.MeanKeepDim(dims...)
	} else {
		m = t.Mean(dims...)
	}
	m = m.Detach()
	if n := record("VarMeanBackward0", m, false, t); n != nil {
		ds := t.dimSet("VarMean", dims)
		count := float64(numel(t.shape) / max(numel(keptShape(t.shape, ds, false)), 1))
		n.backward = func(g *Tensor, gi []*Tensor) {
			gi[0] = keepDims(g, t.shape, ds, keepdim).DivScalar(count).Expand(t.shape...) // dt: grad / N
		}
	}
	return v, m
}

func (t *Tensor) moment(op, name string, correction int, keep bool, dims []int, std bool) *Tensor {
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
	if n := record(name, out, false, t); n != nil {
		count := 1
		for _, d := range ds {
			count *= t.shape[d]
		}
		div := float64(count - correction)
		n.save(t)
		if std {
			n.save(out)
		}
		n.backward = func(g *Tensor, gi []*Tensor) {
			centred := t.Sub(t.MeanKeepDim(ds...))
			gk := keepDims(g, t.shape, ds, keep)
			if std { // dt: grad (x - mean) / ((N - c) std)
				gi[0] = gk.Mul(centred).Div(keepDims(out, t.shape, ds, keep).MulScalar(div))
				return
			}
			gi[0] = gk.Mul(centred).MulScalar(2 / div) // dt: 2 grad (x - mean) / (N - c)
		}
	}
	return out
}

// LogSumExp returns log Σ exp(t) over dims (every dim if none), computed stably by
// shifting with the maximum, finite for inputs of any finite size
// (LogsumexpBackward0).
func (t *Tensor) LogSumExp(keepdim bool, dims ...int) *Tensor {
	t.wantFloat("LogSumExp")
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
	if n := record("LogsumexpBackward0", out, false, t); n != nil {
		n.save(t, out)
		n.backward = func(g *Tensor, gi []*Tensor) { // dt: grad exp(t - out)
			gi[0] = keepDims(g, t.shape, ds, keepdim).Mul(t.Sub(keepDims(out, t.shape, ds, keepdim)).Exp())
		}
	}
	return out
}

// VectorNorm returns the p-norm over dims (every dim if none), as
// torch.linalg.vector_norm: (Σ|x|^p)^(1/p); p = +Inf is max|x|, -Inf min|x|, 0
// the count of nonzeros. Where the norm is 0 the gradient is 0 (PyTorch's
// subgradient), not NaN (LinalgVectorNormBackward0).
func (t *Tensor) VectorNorm(p float64, keepdim bool, dims ...int) *Tensor {
	return t.norm("VectorNorm", "LinalgVectorNormBackward0", p, keepdim, dims)
}

// Norm returns the p-norm over dims, as torch.norm(t, p, dims, keepdim): the same
// values as VectorNorm, recorded as NormBackward1.
func (t *Tensor) Norm(p float64, keepdim bool, dims ...int) *Tensor {
	return t.norm("Norm", "NormBackward1", p, keepdim, dims)
}

func (t *Tensor) norm(op, name string, p float64, keep bool, dims []int) *Tensor {
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
	if n := record(name, out, false, t); n != nil {
		n.save(t, out)
		n.backward = func(g *Tensor, gi []*Tensor) {
			gk := keepDims(g, t.shape, ds, keep)
			ok := keepDims(out, t.shape, ds, keep)
			zero := ok.Detach().EqScalar(0)
			safe := ok.MaskedFill(zero, 1)
			var d *Tensor
			switch {
			case p == 0:
				return // dt: none (PyTorch gives no gradient)
			case p == 1:
				d = gk.Mul(t.Sign()) // dt: grad sign(t)
			case math.IsInf(p, 0): // dt: grad sign(t), shared among the |t| equal to the norm
				mask := t.Detach().Abs().Eq(ok.Detach()).To(g.dtype)
				d = gk.Mul(t.Sign()).Mul(mask.Div(mask.SumKeepDim(ds...)))
			case p == 2:
				d = Where(zero, g.dtype.Scalar(0), gk.Mul(t).Div(safe)) // dt: grad t / norm, 0 at norm 0
			default: // dt: grad t |t|^(p-2) / norm^(p-1), 0 at norm 0
				d = Where(zero, g.dtype.Scalar(0), gk.Mul(t).Mul(t.Abs().Pow(p-2)).Div(safe.Pow(p-1)))
			}
			if !slices.Equal(d.shape, t.shape) {
				d = d.Expand(t.shape...)
			}
			gi[0] = d
		}
	}
	return out
}

// Prod returns the product of all of t's elements as a 0-d tensor
// (ProdBackward0). Zeros are handled as PyTorch does: the gradient of each
// element is the product of the others.
func (t *Tensor) Prod() *Tensor { return t.prod("Prod", "ProdBackward0", nil, false) }

// ProdDim returns the products along dim (ProdBackward1).
func (t *Tensor) ProdDim(dim int, keepdim bool) *Tensor {
	return t.prod("ProdDim", "ProdBackward1", []int{dim}, keepdim)
}

func (t *Tensor) prod(op, name string, dims []int, keep bool) *Tensor {
	t.wantFloat(op)
	out, ds := t.reduceF(op, dims, keep, t.dtype, func(v []float64) float64 {
		p := 1.0
		for _, x := range v {
			p *= x
		}
		return p
	})
	if n := record(name, out, false, t); n != nil {
		n.save(t, out)
		n.backward = func(g *Tensor, gi []*Tensor) {
			gk := keepDims(g, t.shape, ds, keep)
			if t.Detach().EqScalar(0).Any().Item() == 0 {
				gi[0] = gk.Mul(keepDims(out, t.shape, ds, keep)).Div(t) // dt: grad prod / t
				return
			}
			gi[0] = gk.Mul(t.prodOthers(ds)) // dt: grad times the product of the others

		}
	}
	return out
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
// is nonzero (torch.all).
func (t *Tensor) All(dims ...int) *Tensor {
	out, _ := t.reduceF("All", dims, false, Bool, func(v []float64) float64 {
		for _, x := range v {
			if x == 0 {
				return 0
			}
		}
		return 1
	})
	return out
}

// Any reports, as a bool tensor, whether some element over dims (all if none) is
// nonzero (torch.any).
func (t *Tensor) Any(dims ...int) *Tensor {
	out, _ := t.reduceF("Any", dims, false, Bool, func(v []float64) float64 {
		for _, x := range v {
			if x != 0 {
				return 1
			}
		}
		return 0
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
	if n := record("CumsumBackward0", out, false, t); n != nil {
		n.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g.reverseCumsum(d) } // dt: sums of grad from each place to the end
	}
	return out
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
	if n := record("CumprodBackward0", out, false, t); n != nil {
		n.save(t, out)
		n.backward = func(g *Tensor, gi []*Tensor) {
			if t.Detach().EqScalar(0).Any().Item() == 0 {
				gi[0] = g.Mul(out).reverseCumsum(d).Div(t) // dt: Σ_{i>=k} grad_i out_i / t_k
				return
			}
			gi[0] = g.cumprodGrad(t, d) // the same sum, without division
		}
	}
	return out
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
	if n := values.recordPicked(name, t, d, idx, false); n != nil {
		n.save(t) // as PyTorch's cummax_backward, which reads t (its gradient does not)
	}
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
	ds := t.dimSet(op, dims)
	if len(t.shape) == 0 {
		ds = nil
	}
	x, r := t.dimsLast(ds)
	out := empty(Int64, keptShape(t.shape, ds, keep))
	for j := range out.i64 {
		var s int64
		for _, v := range x.i64[j*r : (j+1)*r] {
			s += v
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
