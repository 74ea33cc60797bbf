package data

import (
	"math"
	"slices"
	"sort"

	"github.com/gograd/gograd/tensor"
)

// Dataset is a collection of samples indexed 0 to Len()-1: the counterpart of a
// map-style torch.utils.data.Dataset. Get returns sample i, typically a
// []*tensor.Tensor such as (input, target) or a struct of tensors; the Loader
// batches samples with Collate, which keeps the type: a batch of
// []*tensor.Tensor{x, y} samples is a []*tensor.Tensor{X, Y}.
//
// A Loader calls Get from several goroutines at once when it has Workers, so Get
// must be safe for concurrent use (reading from memory is).
type Dataset[T any] interface {
	Len() int
	Get(i int) T
}

// RandomDataset is a Dataset whose samples involve chance, such as random
// augmentation (see Map). A Loader calls GetRandom with a generator seeded for
// each batch from the Loader's own generator, in batch order, so that a seed
// gives the same batches whatever the number of Workers.
type RandomDataset[T any] interface {
	Dataset[T]
	GetRandom(i int, g *tensor.Generator) T
}

// Get returns sample i of the TensorDataset: Inputs[i] and Targets[i], as new
// tensors. It panics if i is out of range.
func (d TensorDataset) Get(i int) []*tensor.Tensor {
	checkIndex("TensorDataset", i, d.Len())
	return []*tensor.Tensor{row(d.Inputs, i), row(d.Targets, i)}
}

// getBatch returns the samples at indices stacked along a new first dim, as
// Collate would stack the samples Get returns, copying each row once.
func (d TensorDataset) getBatch(indices []int) []*tensor.Tensor {
	for _, i := range indices {
		checkIndex("TensorDataset", i, d.Len())
	}
	return []*tensor.Tensor{rows(d.Inputs, indices), rows(d.Targets, indices)}
}

// batchFunc returns a function that loads a batch of ds as Collate of its samples
// would, in one copy, for a TensorDataset or a Subset of one; nil for other
// datasets. It tests the concrete type, not a method, so that a type embedding a
// TensorDataset to change its Get is read through its Get.
func batchFunc[T any](ds Dataset[T]) func(indices []int) T {
	var f func([]int) []*tensor.Tensor
	switch d := any(ds).(type) {
	case TensorDataset:
		f = d.getBatch
	case Subset[[]*tensor.Tensor]:
		if inner := batchFunc(d.Dataset); inner != nil {
			f = func(indices []int) []*tensor.Tensor {
				mapped := make([]int, len(indices))
				for k, i := range indices {
					checkIndex("Subset", i, len(d.Indices))
					mapped[k] = d.Indices[i]
				}
				return inner(mapped)
			}
		}
	}
	if f == nil {
		return nil
	}
	return any(f).(func([]int) T)
}

func checkIndex(op string, i, n int) {
	if i < 0 || i >= n {
		fail(op, "index %d is out of range for %d samples", i, n)
	}
}

// row returns t[i] as a new tensor of shape t.Shape()[1:].
func row(t *tensor.Tensor, i int) *tensor.Tensor {
	return rows(t, []int{i}).Reshape(t.Shape()[1:]...)
}

// rows returns the samples idx[0], idx[1], ... of t (along its first dim) as a
// new tensor.
func rows(t *tensor.Tensor, idx []int) *tensor.Tensor {
	t = t.Contiguous()
	shape := t.Shape()
	shape[0] = len(idx)
	switch t.DType() {
	case tensor.Float32:
		return tensor.FromSlice(gather(t.Float32s(), t.Size(0), idx), shape...)
	case tensor.Float64:
		return tensor.FromSlice(gather(t.Float64s(), t.Size(0), idx), shape...)
	default:
		return tensor.FromSlice(gather(t.Int64s(), t.Size(0), idx), shape...)
	}
}

// gather copies the rows idx of src, which holds n rows.
func gather[T tensor.Element](src []T, n int, idx []int) []T {
	if n == 0 {
		return nil
	}
	w := len(src) / n
	out := make([]T, 0, len(idx)*w)
	for _, i := range idx {
		out = append(out, src[i*w:(i+1)*w]...)
	}
	return out
}

// Subset is the part of Dataset at Indices: sample i is Dataset's sample
// Indices[i] (torch's Subset).
type Subset[T any] struct {
	Dataset Dataset[T]
	Indices []int
}

// Len returns len(Indices).
func (s Subset[T]) Len() int { return len(s.Indices) }

// Get returns the sample at Indices[i]. It panics if i is out of range.
func (s Subset[T]) Get(i int) T {
	checkIndex("Subset", i, len(s.Indices))
	return s.Dataset.Get(s.Indices[i])
}

// RandomSplit splits ds into non-overlapping subsets of the given lengths, drawn
// by one random permutation of ds's samples from g (tensor.DefaultGenerator() if
// nil), as torch.utils.data.random_split does. It panics if a length is negative
// or the lengths do not add up to ds.Len().
func RandomSplit[T any](ds Dataset[T], lengths []int, g *tensor.Generator) []Subset[T] {
	total := 0
	for _, n := range lengths {
		if n < 0 {
			fail("RandomSplit", "lengths %v must not be negative", lengths)
		}
		total += n
	}
	if total != ds.Len() {
		fail("RandomSplit", "sum of input lengths %v does not equal the length of the input dataset (%d)", lengths, ds.Len())
	}
	if g == nil {
		g = tensor.DefaultGenerator()
	}
	perm := g.Perm(total)
	out := make([]Subset[T], len(lengths))
	for i, n := range lengths {
		out[i] = Subset[T]{ds, perm[:n:n]}
		perm = perm[n:]
	}
	return out
}

// RandomSplitFractions splits ds like RandomSplit into subsets whose sizes are
// the given fractions of ds.Len(), computed as PyTorch computes them: each
// floor(fraction·n), then the samples left over given one each to the subsets in
// order. It panics if a fraction is outside [0, 1] or they do not add up to 1.
func RandomSplitFractions[T any](ds Dataset[T], fractions []float64, g *tensor.Generator) []Subset[T] {
	sum := 0.0
	for _, f := range fractions {
		if !(f >= 0 && f <= 1) {
			fail("RandomSplitFractions", "fraction %v is not between 0 and 1", f)
		}
		sum += f
	}
	if math.Abs(sum-1) > 1e-9 {
		fail("RandomSplitFractions", "fractions %v add up to %v, not 1", fractions, sum)
	}
	n := ds.Len()
	lengths := make([]int, len(fractions))
	left := n
	for i, f := range fractions {
		lengths[i] = int(math.Floor(float64(n) * f))
		left -= lengths[i]
	}
	for i := range left {
		lengths[i%len(lengths)]++
	}
	return RandomSplit(ds, lengths, g)
}

// ConcatDataset is its datasets one after the other (torch's ConcatDataset):
// sample i is sample i of the first dataset if it has that many, and so on.
type ConcatDataset[T any] struct {
	datasets []Dataset[T]
	ends     []int // ends[k]: the number of samples in datasets[:k+1]
}

// NewConcatDataset returns the datasets concatenated. The datasets are read
// through, not copied; their lengths must not change afterwards.
func NewConcatDataset[T any](datasets ...Dataset[T]) *ConcatDataset[T] {
	c := &ConcatDataset[T]{datasets: slices.Clone(datasets), ends: make([]int, len(datasets))}
	n := 0
	for k, d := range datasets {
		n += d.Len()
		c.ends[k] = n
	}
	return c
}

// Len returns the total number of samples.
func (c *ConcatDataset[T]) Len() int {
	if len(c.ends) == 0 {
		return 0
	}
	return c.ends[len(c.ends)-1]
}

// Get returns sample i. It panics if i is out of range.
func (c *ConcatDataset[T]) Get(i int) T {
	checkIndex("ConcatDataset", i, c.Len())
	k := sort.SearchInts(c.ends, i+1) // the first dataset that ends after i
	start := 0
	if k > 0 {
		start = c.ends[k-1]
	}
	return c.datasets[k].Get(i - start)
}

// Mapped is a Dataset whose samples are those of another passed through a
// function that may draw random numbers; make one with Map.
type Mapped[T, U any] struct {
	ds Dataset[T]
	f  func(sample T, g *tensor.Generator) U
}

// Map returns the dataset whose sample i is f(ds.Get(i), g): the place for
// random augmentation (the transform argument of torchvision's datasets). The
// Loader hands f a generator seeded per batch, which makes a seed give the same
// batches at any number of workers; keep Map outermost (a Subset of a Mapped
// dataset calls Get, which draws from tensor.DefaultGenerator()). f must be safe
// to call from several goroutines, each with its own g.
func Map[T, U any](ds Dataset[T], f func(sample T, g *tensor.Generator) U) *Mapped[T, U] {
	return &Mapped[T, U]{ds, f}
}

// Len returns the number of samples.
func (m *Mapped[T, U]) Len() int { return m.ds.Len() }

// Get returns f of sample i, drawing from tensor.DefaultGenerator().
func (m *Mapped[T, U]) Get(i int) U { return m.GetRandom(i, tensor.DefaultGenerator()) }

// GetRandom returns f of sample i, drawing from g; an inner RandomDataset draws
// from g first.
func (m *Mapped[T, U]) GetRandom(i int, g *tensor.Generator) U {
	var x T
	if r, ok := m.ds.(RandomDataset[T]); ok {
		x = r.GetRandom(i, g)
	} else {
		x = m.ds.Get(i)
	}
	return m.f(x, g)
}
