package tensor

import (
	"fmt"
	"math/rand/v2"
	"sync"
)

// Generator is a seedable source of random numbers for Rand, Randn and the nn
// package's initialisers. Its methods are safe for concurrent use. Its sequence is
// gograd's own (PCG and a ziggurat normal), not PyTorch's: the same seed gives the
// same tensors in gograd, not the same values as torch.manual_seed.
type Generator struct {
	mu  sync.Mutex
	pcg *rand.PCG  // the whole state: rng keeps none of its own
	rng *rand.Rand // draws from pcg
}

// NewGenerator returns a Generator seeded with seed.
func NewGenerator(seed uint64) *Generator {
	g := &Generator{}
	g.Seed(seed)
	return g
}

// Seed resets g to the sequence of NewGenerator(seed).
func (g *Generator) Seed(seed uint64) {
	g.mu.Lock()
	g.pcg = rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
	g.rng = rand.New(g.pcg)
	g.mu.Unlock()
}

// State returns g's state, an opaque byte string (the counterpart of
// torch.Generator.get_state): SetState with it makes g, or another Generator,
// continue with the numbers g would draw next.
func (g *Generator) State() []byte {
	g.mu.Lock()
	defer g.mu.Unlock()
	b, _ := g.pcg.MarshalBinary() // never fails
	return b
}

// SetState restores a state State returned (torch.Generator.set_state). It
// returns an error, and leaves g unchanged, if state is not one.
func (g *Generator) SetState(state []byte) error {
	pcg := new(rand.PCG)
	if err := pcg.UnmarshalBinary(state); err != nil {
		return fmt.Errorf("tensor: Generator.SetState: %w", err)
	}
	g.mu.Lock()
	g.pcg, g.rng = pcg, rand.New(pcg)
	g.mu.Unlock()
	return nil
}

// defaultGen is the generator behind Rand, Randn and ManualSeed.
var defaultGen = NewGenerator(0)

// DefaultGenerator returns the generator that Rand, Randn and nn's initialisers use
// unless given another.
func DefaultGenerator() *Generator { return defaultGen }

// ManualSeed reseeds the default generator (the counterpart of torch.manual_seed).
func ManualSeed(seed uint64) { defaultGen.Seed(seed) }

// Uniform fills t in place with values drawn uniformly from [lo, hi) and returns t.
// It is not recorded in the graph.
func (g *Generator) Uniform(t *Tensor, lo, hi float64) *Tensor {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := range t.Numel() {
		t.setFlat(i, lo+(hi-lo)*g.rng.Float64())
	}
	t.bumpVersion()
	return t
}

// Normal fills t in place with values drawn from N(mean, std²) and returns t. It is
// not recorded in the graph.
func (g *Generator) Normal(t *Tensor, mean, std float64) *Tensor {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := range t.Numel() {
		t.setFlat(i, mean+std*g.rng.NormFloat64())
	}
	t.bumpVersion()
	return t
}

// Intn returns a uniform integer in [0, n).
func (g *Generator) Intn(n int) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.rng.IntN(n)
}

// Perm returns a random permutation of [0, n).
func (g *Generator) Perm(n int) []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.rng.Perm(n)
}

// Rand returns a float32 tensor of the given shape with values uniform in [0, 1),
// from the default generator.
func Rand(shape ...int) *Tensor { return Float32.Rand(shape...) }

// Randn returns a float32 tensor of the given shape with standard normal values,
// from the default generator.
func Randn(shape ...int) *Tensor { return Float32.Randn(shape...) }

// Rand returns a tensor of dtype d with values uniform in [0, 1).
func (d DType) Rand(shape ...int) *Tensor {
	return defaultGen.Uniform(d.Zeros(shape...), 0, 1)
}

// Randn returns a tensor of dtype d with standard normal values.
func (d DType) Randn(shape ...int) *Tensor {
	return defaultGen.Normal(d.Zeros(shape...), 0, 1)
}

// RandLike returns a tensor of x's shape and dtype with values uniform in [0, 1).
func RandLike(x *Tensor) *Tensor { return x.dtype.Rand(x.shape...) }

// RandnLike returns a tensor of x's shape and dtype with standard normal values.
func RandnLike(x *Tensor) *Tensor { return x.dtype.Randn(x.shape...) }
