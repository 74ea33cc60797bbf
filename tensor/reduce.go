package tensor

import (
	"slices"

	"github.com/gograd/gograd/internal/vec"
)

// dimSet normalises dims (negative counts from the end), sorts them and panics on
// duplicates or out-of-range dims. No dims means every dim.
func (t *Tensor) dimSet(op string, dims []int) []int {
	if len(dims) == 0 {
		all := make([]int, len(t.shape))
		for i := range all {
			all[i] = i
		}
		return all
	}
	out := make([]int, len(dims))
	for i, d := range dims {
		out[i] = t.normDim(op, d)
	}
	slices.Sort(out)
	for i := 1; i < len(out); i++ {
		if out[i] == out[i-1] {
			failKind(ErrDim, op, "dim %d appears more than once in %v", out[i], slices.Clone(dims)) // a copy, so that dims does not escape
		}
	}
	return out
}

// keptShape returns shape with the given sorted dims set to 1 (keepdim) or removed.
func keptShape(shape, dims []int, keep bool) []int {
	out := make([]int, 0, len(shape))
	for i, d := range shape {
		if slices.Contains(dims, i) {
			if keep {
				out = append(out, 1)
			}
			continue
		}
		out = append(out, d)
	}
	return out
}

// sumDims sums t over the sorted dims, keeping them as size 1 (not recorded). A
// contiguous t is summed a run of adjacent dims at a time, as [outer, r, inner]
// rows; a strided one in one pass over its memory (sumInto), without a dense copy.
func (t *Tensor) sumDims(dims []int) *Tensor {
	if t.strides() != nil {
		return t.sumStrided(dims)
	}
	cur := t
	if len(dims) == 0 { // a 0-d tensor: the sum is a copy, never t itself
		out := empty(cur.dtype, cur.shape)
		copyValues(out, cur)
		return out
	}
	// Reduce runs of adjacent dims at once, viewing the tensor as [outer, r, inner].
	for i := 0; i < len(dims); {
		j := i + 1
		for j < len(dims) && dims[j] == dims[j-1]+1 {
			j++
		}
		lo, hi := dims[i], dims[j-1]+1
		outer, r, inner := numel(cur.shape[:lo]), numel(cur.shape[lo:hi]), numel(cur.shape[hi:])
		shape := slices.Clone(cur.shape)
		for d := lo; d < hi; d++ {
			shape[d] = 1
		}
		next := empty(cur.dtype, shape)
		if cur.dtype == Float32 {
			sumRows(next.f32, cur.f32, outer, r, inner)
		} else {
			sumRows(next.f64, cur.f64, outer, r, inner)
		}
		cur = next
		i = j
	}
	return cur
}

// sumStrided is sumDims for a strided t.
func (t *Tensor) sumStrided(dims []int) *Tensor {
	shape := slices.Clone(t.shape)
	for _, d := range dims {
		shape[d] = 1
	}
	out := empty(t.dtype, shape) // zeros, which the sums accumulate into
	if numel(t.shape) == 0 {
		return out // the sums of empty dims
	}
	ds := contiguousStrides(shape)
	for _, d := range dims {
		ds[d] = 0
	}
	if t.dtype == Float32 {
		sumInto(out.f32, t.f32, t.shape, ds, t.strides())
	} else {
		sumInto(out.f64, t.f64, t.shape, ds, t.strides())
	}
	return out
}

// sumRows computes dst[o*inner+i] = Σ_k src[(o*r+k)*inner+i].
func sumRows[T vec.Float](dst, src []T, outer, r, inner int) {
	if r == 0 {
		return // the sums of empty dims are the zeros dst holds
	}
	for o := range outer {
		block := src[o*r*inner : (o+1)*r*inner]
		if inner == 1 {
			dst[o] = vec.Sum(block)
			continue
		}
		d := dst[o*inner : (o+1)*inner]
		copy(d, block[:inner])
		for k := 1; k < r; k++ {
			vec.Add(d, d, block[k*inner:(k+1)*inner])
		}
	}
}

// Sum returns the sum of t's elements over dims, which are removed from the shape;
// with no dims, the sum of every element as a 0-d tensor. Sums of int64 and bool
// tensors are int64 (counting a mask's true elements), as in PyTorch. It panics on
// a dim out of range or repeated.
func (t *Tensor) Sum(dims ...int) *Tensor { return t.reduce("Sum", dims, false, false) }

// SumKeepDim is Sum keeping the reduced dims as size 1 (keepdim=True).
func (t *Tensor) SumKeepDim(dims ...int) *Tensor { return t.reduce("SumKeepDim", dims, true, false) }

// Mean returns the mean of t's elements over dims, which are removed from the shape;
// with no dims, the mean of every element as a 0-d tensor.
func (t *Tensor) Mean(dims ...int) *Tensor { return t.reduce("Mean", dims, false, true) }

// MeanKeepDim is Mean keeping the reduced dims as size 1 (keepdim=True).
func (t *Tensor) MeanKeepDim(dims ...int) *Tensor { return t.reduce("MeanKeepDim", dims, true, true) }

// reduce sums t over dims (every dim when none are given), dividing by the count
// of summed elements for a mean. PyTorch names the all-elements form
// SumBackward0/MeanBackward0 and the form with dims SumBackward1/MeanBackward1.
func (t *Tensor) reduce(op string, dims []int, keep, mean bool) *Tensor {
	nonNil(op, t)
	if !mean && !t.dtype.IsFloat() {
		return t.sumInt(op, dims, keep)
	}
	t.wantFloat(op)
	def := reduceDefs[b2i(mean)][b2i(len(dims) != 0 || keep)]
	ds := t.dimSet(op, dims)
	out := t.sumDims(ds)
	out.shape = keptShape(t.shape, ds, keep)
	count := 1.0
	if mean {
		for _, d := range ds {
			count *= float64(t.shape[d])
		}
		if out.dtype == Float32 {
			for i := range out.f32 {
				out.f32[i] /= float32(count)
			}
		} else {
			for i := range out.f64 {
				out.f64[i] /= count
			}
		}
	}
	if tracked(t) {
		def.recordWith(out, 0, &reduced{kept: keptShape(t.shape, ds, true), in: t.shape, count: count}, nil, t)
	}
	return out
}

// reduceDefs are the entries of Sum and Mean: [mean][with dims or keepdim].
// Their nodes keep shapes; MeanBackward1 saves its input too, unread, as
// PyTorch 1.13's does, so that modifying the input in place before backward
// fails there as in PyTorch.
var reduceDefs = [2][2]*opDef{
	{{name: "SumBackward0"}, {name: "SumBackward1"}},
	{{name: "MeanBackward0"}, {name: "MeanBackward1", save: savesIn}},
}

// reduced is what a reduction's node keeps: the input's shape with the reduced
// dims kept as 1 and as it was, and the number of elements each result summed
// (for a mean; 1 for a sum).
type reduced struct {
	kept, in []int
	count    float64
}

func init() {
	for _, ds := range reduceDefs {
		for _, d := range ds {
			d.grad = func(b bwd) {
				r, g := b.aux().(*reduced), b.g
				if r.count != 1 {
					g = g.DivScalar(r.count) // dt: grad / count, broadcast back
				}
				b.gi[0] = g.Reshape(r.kept...).Expand(r.in...) // dt: grad broadcast back
			}
		}
	}
}

// b2i returns 1 for true, 0 for false.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Argmax returns the indices of the largest values along dim, as an int64 tensor
// of t's shape without dim (torch.argmax(t, dim)). Where several values are
// largest it gives the first, and a NaN counts as largest, as in PyTorch. It is
// not differentiable. It panics if dim is out of range or t is a bool tensor
// (as PyTorch), or if dim has size 0.
func (t *Tensor) Argmax(dim int) *Tensor {
	nonNil("Argmax", t)
	t.wantNotBool("Argmax")
	d := t.normDim("Argmax", dim)
	outer, n, inner := numel(t.shape[:d]), t.shape[d], numel(t.shape[d+1:])
	if n == 0 && outer*inner > 0 {
		failKind(ErrIndex, "Argmax", "cannot take the argmax of an empty dim %d of shape %v", d, t.shape)
	}
	out := make([]int64, outer*inner)
	for o := range outer {
		for i := range inner {
			best, bestV := 0, t.flat(o*n*inner+i)
			for k := 1; k < n && bestV == bestV; k++ { // stop at the first NaN
				if v := t.flat((o*n+k)*inner + i); v > bestV || v != v {
					best, bestV = k, v
				}
			}
			out[o*inner+i] = int64(best)
		}
	}
	return &Tensor{shape: keptShape(t.shape, []int{d}, false), dtype: Int64, i64: out}
}
