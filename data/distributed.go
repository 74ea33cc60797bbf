package data

import (
	"iter"
	"math"
)

// DistributedSamplerOptions configures NewDistributedSampler.
type DistributedSamplerOptions struct {
	// Shuffle draws a new order of the samples each epoch, from Seed+epoch.
	// PyTorch's DistributedSampler shuffles by default; here the zero value
	// does not, so set it for training.
	Shuffle bool
	// Seed is the seed of the shuffle, the same on every rank.
	Seed uint64
	// DropLast leaves out the samples beyond the largest multiple of the
	// number of replicas, instead of repeating samples to reach the next one.
	DropLast bool
}

// DistributedSampler gives each of numReplicas processes (the ranks of a
// distributed job) its share of a dataset's samples for an epoch, the
// counterpart of torch.utils.data.DistributedSampler with PyTorch 1.13's index
// order. Every rank builds the same order, an identity or a permutation drawn
// as torch.randperm draws it from torch.manual_seed(Seed+epoch), so its
// indices are the same as PyTorch's for the same arguments. Without DropLast
// the order is extended by repeating it from its start until its length is a
// multiple of numReplicas (each sample then appears at most once more than any
// other); with DropLast it is cut to that multiple. Rank r then takes the
// positions r, r+numReplicas, r+2·numReplicas, ...: over the ranks, each epoch
// visits every position once.
//
// Len and All are the methods of a sampler a loader iterates (Len() int,
// All() iter.Seq[int]); Indices and SetEpoch are PyTorch's epoch handling.
// Call SetEpoch at the start of each epoch, as in PyTorch, so that All gives a
// new order; or call Indices(epoch) directly.
type DistributedSampler struct {
	n, replicas, rank int
	opts              DistributedSamplerOptions
	epoch             int
}

// NewDistributedSampler returns the sampler of rank's share of n samples split
// over numReplicas ranks. It panics if n is negative, numReplicas is not
// positive, or rank is not in [0, numReplicas).
func NewDistributedSampler(n, numReplicas, rank int, opts DistributedSamplerOptions) *DistributedSampler {
	switch {
	case n < 0:
		fail("NewDistributedSampler", "negative dataset size %d", n)
	case numReplicas < 1:
		fail("NewDistributedSampler", "num_replicas must be positive, got %d", numReplicas)
	case rank < 0 || rank >= numReplicas:
		fail("NewDistributedSampler", "Invalid rank %d, rank should be in the interval [0, %d]", rank, numReplicas-1)
	}
	return &DistributedSampler{n: n, replicas: numReplicas, rank: rank, opts: opts}
}

// Len returns the number of indices each rank gets per epoch: n/numReplicas
// rounded up, or down with DropLast.
func (s *DistributedSampler) Len() int {
	if s.opts.DropLast {
		return s.n / s.replicas
	}
	return (s.n + s.replicas - 1) / s.replicas
}

// SetEpoch sets the epoch whose indices All returns.
func (s *DistributedSampler) SetEpoch(epoch int) { s.epoch = epoch }

// All returns an iterator over Indices of the epoch last given to SetEpoch (0
// if none).
func (s *DistributedSampler) All() iter.Seq[int] {
	return func(yield func(int) bool) {
		for _, i := range s.Indices(s.epoch) {
			if !yield(i) {
				return
			}
		}
	}
}

// Indices returns this rank's Len() sample indices for epoch, in order.
func (s *DistributedSampler) Indices(epoch int) []int {
	var order []int
	if s.opts.Shuffle {
		order = torchRandperm(s.n, s.opts.Seed+uint64(epoch))
	}
	at := func(k int) int { // position k of the order, repeated cyclically
		if order == nil {
			return k % s.n
		}
		return order[k%s.n]
	}
	out := make([]int, s.Len())
	for j := range out {
		out[j] = at(s.rank + j*s.replicas)
	}
	return out
}

// torchRandperm returns torch.randperm(n, generator=g) for a CPU generator g
// seeded with torch.manual_seed-style seed: PyTorch 1.13's randperm_cpu over
// its mt19937 engine.
func torchRandperm(n int, seed uint64) []int {
	mt := newMT19937(seed)
	r := make([]int, n)
	if n < math.MaxUint32/20 {
		// The swap loop PyTorch keeps for all but huge n.
		for i := range r {
			r[i] = i
		}
		for i := 0; i < n-1; i++ {
			z := int(uint64(mt.next()) % uint64(n-i))
			r[i], r[z+i] = r[z+i], r[i]
		}
		return r
	}
	// PyTorch's inside-out Fisher-Yates with 64-bit draws for n of the order
	// of 2^32 / 20 or more (not covered by this package's golden tests).
	for i := range r {
		hi, lo := uint64(mt.next()), uint64(mt.next())
		z := int((hi<<32 | lo) % uint64(i+1))
		r[i] = r[z]
		r[z] = i
	}
	return r
}

// mt19937 is the 32-bit Mersenne Twister as PyTorch's CPU generator runs it
// (at::mt19937): seeded with the low 32 bits of the seed.
type mt19937 struct {
	state [624]uint32
	i     int
}

func newMT19937(seed uint64) *mt19937 {
	m := &mt19937{i: 624}
	m.state[0] = uint32(seed)
	for j := 1; j < 624; j++ {
		prev := m.state[j-1]
		m.state[j] = 1812433253*(prev^(prev>>30)) + uint32(j)
	}
	return m
}

// next returns the next 32-bit output.
func (m *mt19937) next() uint32 {
	if m.i >= 624 {
		for j := range 624 {
			y := m.state[j]&0x80000000 | m.state[(j+1)%624]&0x7fffffff
			v := m.state[(j+397)%624] ^ y>>1
			if y&1 != 0 {
				v ^= 0x9908b0df
			}
			m.state[j] = v
		}
		m.i = 0
	}
	y := m.state[m.i]
	m.i++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}
