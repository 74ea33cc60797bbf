package data

import (
	"iter"
	"math"
	"slices"
	"sort"

	"github.com/gograd/gograd/tensor"
)

// Sampler chooses which samples of a dataset one pass visits, and in which
// order: the counterpart of torch.utils.data.Sampler. All returns the indices
// of one pass; a random sampler draws a new order each time All is called, on
// the goroutine that ranges over it, so a Loader's order depends only on its
// generator, never on its Workers. Len is the number of indices a pass yields.
type Sampler interface {
	Len() int
	All() iter.Seq[int]
}

// BatchSampler yields the indices of each batch of one pass: the counterpart of
// torch.utils.data.BatchSampler, and what LoaderOptions.BatchSampler takes. Len
// is the number of batches a pass yields.
type BatchSampler interface {
	Len() int
	All() iter.Seq[[]int]
}

// SequentialSampler yields 0, 1, ..., N-1 (torch's SequentialSampler).
type SequentialSampler struct{ N int }

// Len returns N.
func (s SequentialSampler) Len() int { return s.N }

// All returns the indices 0 to N-1 in order.
func (s SequentialSampler) All() iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range s.N {
			if !yield(i) {
				return
			}
		}
	}
}

// RandomSamplerOptions configures NewRandomSampler. The zero value is PyTorch's
// default: a permutation of all samples from tensor.DefaultGenerator().
type RandomSamplerOptions struct {
	// Replacement draws each index independently, uniformly from [0, n).
	Replacement bool
	// NumSamples is the number of indices a pass yields; 0 means n. Without
	// replacement and with NumSamples > n, a pass is whole permutations followed
	// by the start of one more, as in PyTorch.
	NumSamples int
	Generator  *tensor.Generator
}

// RandomSampler yields the indices of n samples in random order (torch's
// RandomSampler). Make one with NewRandomSampler.
type RandomSampler struct {
	n    int
	opts RandomSamplerOptions
}

// NewRandomSampler returns a sampler over n samples. It panics if n or
// opts.NumSamples is negative, or if n is 0 and a pass should yield samples.
func NewRandomSampler(n int, opts RandomSamplerOptions) *RandomSampler {
	if n < 0 || opts.NumSamples < 0 {
		fail("NewRandomSampler", "num_samples should be a non-negative integer value, but got num_samples=%d for %d samples", opts.NumSamples, n)
	}
	if n == 0 && opts.NumSamples > 0 {
		fail("NewRandomSampler", "cannot draw %d samples from an empty dataset", opts.NumSamples)
	}
	if opts.NumSamples == 0 {
		opts.NumSamples = n
	}
	if opts.Generator == nil {
		opts.Generator = tensor.DefaultGenerator()
	}
	return &RandomSampler{n, opts}
}

// Len returns the number of indices a pass yields.
func (s *RandomSampler) Len() int { return s.opts.NumSamples }

// All returns the indices of one pass, drawn as the pass goes from the
// sampler's generator.
func (s *RandomSampler) All() iter.Seq[int] {
	return func(yield func(int) bool) {
		g, left := s.opts.Generator, s.opts.NumSamples
		if s.opts.Replacement {
			for ; left > 0; left-- {
				if !yield(g.Intn(s.n)) {
					return
				}
			}
			return
		}
		for left > 0 {
			perm := g.Perm(s.n)
			for _, i := range perm[:min(left, s.n)] {
				if !yield(i) {
					return
				}
			}
			left -= min(left, s.n)
		}
	}
}

// WeightedRandomSampler yields indices drawn with probabilities proportional to
// weights (torch's WeightedRandomSampler). Make one with
// NewWeightedRandomSampler.
type WeightedRandomSampler struct {
	weights     []float64
	cum         []float64 // cumulative weights, for draws with replacement
	numSamples  int
	replacement bool
	g           *tensor.Generator
}

// NewWeightedRandomSampler returns a sampler that yields numSamples indices into
// weights per pass, index i with probability weights[i]/sum(weights): each draw
// independent with replacement, otherwise without repeating an index (as
// torch.multinomial draws them: one after the other, each among the indices not
// yet drawn). g nil means tensor.DefaultGenerator(). It panics if a weight is
// negative or not finite, if all are zero, if numSamples is not positive, or if
// without replacement numSamples exceeds the number of non-zero weights.
func NewWeightedRandomSampler(weights []float64, numSamples int, replacement bool, g *tensor.Generator) *WeightedRandomSampler {
	if numSamples <= 0 {
		fail("NewWeightedRandomSampler", "num_samples should be a positive integer value, but got num_samples=%d", numSamples)
	}
	cum := make([]float64, len(weights))
	total, nonzero := 0.0, 0
	for i, w := range weights {
		if w < 0 || math.IsInf(w, 0) || math.IsNaN(w) {
			fail("NewWeightedRandomSampler", "weight %d is %v: weights must be finite and non-negative", i, w)
		}
		if w > 0 {
			nonzero++
		}
		total += w
		cum[i] = total
	}
	if total <= 0 {
		fail("NewWeightedRandomSampler", "invalid multinomial distribution (sum of probabilities <= 0)")
	}
	if !replacement && numSamples > nonzero {
		fail("NewWeightedRandomSampler", "cannot draw %d samples without replacement from %d non-zero weights", numSamples, nonzero)
	}
	if g == nil {
		g = tensor.DefaultGenerator()
	}
	return &WeightedRandomSampler{slices.Clone(weights), cum, numSamples, replacement, g}
}

// Len returns the number of indices a pass yields.
func (s *WeightedRandomSampler) Len() int { return s.numSamples }

// All returns the indices of one pass, drawn from the sampler's generator.
func (s *WeightedRandomSampler) All() iter.Seq[int] {
	return func(yield func(int) bool) {
		if s.replacement {
			total := s.cum[len(s.cum)-1]
			for range s.numSamples {
				u := uniform(s.g) * total
				// The first index whose cumulative weight exceeds u; never one
				// of weight 0, whose cumulative weight equals its predecessor's.
				i := sort.Search(len(s.cum), func(j int) bool { return s.cum[j] > u })
				if !yield(min(i, len(s.cum)-1)) {
					return
				}
			}
			return
		}
		// Drawing one index after the other, each in proportion to its weight
		// among those left, is the same distribution as keeping the numSamples
		// smallest keys E_i/w_i, E_i exponential (Efraimidis and Spirakis, 2006).
		type keyed struct {
			key float64
			i   int
		}
		keys := make([]keyed, 0, len(s.weights))
		for i, w := range s.weights {
			e := -math.Log(1 - uniform(s.g)) // Exp(1)
			if w > 0 {
				keys = append(keys, keyed{e / w, i})
			}
		}
		slices.SortStableFunc(keys, func(a, b keyed) int {
			switch {
			case a.key < b.key:
				return -1
			case a.key > b.key:
				return 1
			}
			return 0
		})
		for _, k := range keys[:s.numSamples] {
			if !yield(k.i) {
				return
			}
		}
	}
}

// uniform returns a float64 uniform in [0, 1) with 53 random bits.
func uniform(g *tensor.Generator) float64 {
	return float64(g.Intn(1<<53)) / (1 << 53)
}

// batchSampler groups the indices of a Sampler into batches.
type batchSampler struct {
	s         Sampler
	batchSize int
	dropLast  bool
}

// NewBatchSampler returns the BatchSampler that cuts each pass of s into
// batches of batchSize indices, in s's order; the last batch is smaller, or
// left out with dropLast, when batchSize does not divide s.Len() (torch's
// BatchSampler(sampler, batch_size, drop_last)). It panics if batchSize is not
// positive.
func NewBatchSampler(s Sampler, batchSize int, dropLast bool) BatchSampler {
	if batchSize <= 0 {
		fail("NewBatchSampler", "batch_size should be a positive integer value, but got batch_size=%d", batchSize)
	}
	return batchSampler{s, batchSize, dropLast}
}

// Len returns the number of batches in a pass.
func (b batchSampler) Len() int {
	if b.dropLast {
		return b.s.Len() / b.batchSize
	}
	return (b.s.Len() + b.batchSize - 1) / b.batchSize
}

// All returns the batches of one pass. Each batch is a new slice.
func (b batchSampler) All() iter.Seq[[]int] {
	return func(yield func([]int) bool) {
		batch := make([]int, 0, b.batchSize)
		for i := range b.s.All() {
			batch = append(batch, i)
			if len(batch) == b.batchSize {
				if !yield(batch) {
					return
				}
				batch = make([]int, 0, b.batchSize)
			}
		}
		if len(batch) > 0 && !b.dropLast {
			yield(batch)
		}
	}
}
