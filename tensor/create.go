package tensor

import (
	"math"
	"slices"
)

// Creation ops beyond tensor.go's: spaced ranges and random tensors. Random ones
// draw from a Generator (the default one for the package functions), so a seed
// reproduces them; their sequences are gograd's own, not PyTorch's.

// Linspace returns the 1-d float32 tensor of steps values evenly spaced from
// start to end inclusive (torch.linspace). It panics if steps < 0.
func Linspace(start, end float64, steps int) *Tensor { return Float32.Linspace(start, end, steps) }

// Linspace returns Linspace's values in dtype d, computed as PyTorch does: from
// start for the first half and back from end for the second, so both ends are
// exact.
func (d DType) Linspace(start, end float64, steps int) *Tensor {
	if steps < 0 {
		fail("Linspace", "number of steps must be non-negative, got %d", steps)
	}
	t := empty(d, []int{steps})
	step := 0.0
	if steps > 1 {
		step = (end - start) / float64(steps-1)
	}
	half := steps / 2
	for i := range steps {
		if i < half || steps == 1 {
			t.setFlat(i, start+step*float64(i))
		} else {
			t.setFlat(i, end-step*float64(steps-1-i))
		}
	}
	return t
}

// Logspace returns the 1-d float32 tensor base^v for steps values v evenly spaced
// from start to end (torch.logspace).
func Logspace(start, end float64, steps int, base float64) *Tensor {
	return Float32.Logspace(start, end, steps, base)
}

// Logspace returns Logspace's values in dtype d.
func (d DType) Logspace(start, end float64, steps int, base float64) *Tensor {
	e := Float64.Linspace(start, end, steps)
	t := empty(d, []int{steps})
	for i, v := range e.f64 {
		t.setFlat(i, math.Pow(base, v))
	}
	return t
}

// Empty returns a float32 tensor of the given shape. Go has no uninitialised
// memory, so its elements are zero, but callers should not rely on it
// (torch.empty).
func Empty(shape ...int) *Tensor { return Float32.Empty(shape...) }

// Empty returns a tensor of dtype d and the given shape (zero, as Empty).
func (d DType) Empty(shape ...int) *Tensor { return empty(d, checkShape("Empty", shape)) }

// RandInt returns an int64 tensor of the given shape with values uniform in
// [lo, hi) from g (torch.randint). It panics unless lo < hi.
func (g *Generator) RandInt(lo, hi int64, shape ...int) *Tensor {
	if lo >= hi {
		fail("RandInt", "lo %d must be less than hi %d", lo, hi)
	}
	t := empty(Int64, checkShape("RandInt", shape))
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := range t.i64 {
		t.i64[i] = lo + g.rng.Int64N(hi-lo)
	}
	return t
}

// RandInt is Generator.RandInt on the default generator.
func RandInt(lo, hi int64, shape ...int) *Tensor { return defaultGen.RandInt(lo, hi, shape...) }

// RandPerm returns a random permutation of 0..n-1 as an int64 tensor
// (torch.randperm).
func (g *Generator) RandPerm(n int) *Tensor {
	if n < 0 {
		fail("RandPerm", "n must be non-negative, got %d", n)
	}
	return New(toInt64(g.Perm(n)))
}

// RandPerm is Generator.RandPerm on the default generator.
func RandPerm(n int) *Tensor { return defaultGen.RandPerm(n) }

// Normal returns a float32 tensor of the given shape with values from
// N(mean, std²) (torch.normal(mean, std, size)), from the default generator.
func Normal(mean, std float64, shape ...int) *Tensor {
	return defaultGen.Normal(Float32.Zeros(shape...), mean, std)
}

// Uniform_ fills t in place with values uniform in [lo, hi) from the default
// generator and returns t (torch.Tensor.uniform_); not recorded.
func (t *Tensor) Uniform_(lo, hi float64) *Tensor { return defaultGen.Uniform(t, lo, hi) }

// Normal_ fills t in place with values from N(mean, std²) from the default
// generator and returns t (torch.Tensor.normal_); not recorded.
func (t *Tensor) Normal_(mean, std float64) *Tensor { return defaultGen.Normal(t, mean, std) }

// Bernoulli returns a tensor of p's shape and dtype holding 1 with probability p
// and 0 otherwise, elementwise (torch.bernoulli). It panics unless every p is in
// [0, 1]. The result is not differentiable.
func (g *Generator) Bernoulli(p *Tensor) *Tensor {
	p.wantFloat("Bernoulli")
	pd := p.dense()
	out := empty(p.dtype, slices.Clone(p.shape))
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := range out.Numel() {
		q := pd.flat(i)
		if !(q >= 0 && q <= 1) {
			fail("Bernoulli", "probability %v at element %d is outside [0, 1] (shape %v)", q, i, p.shape)
		}
		if g.rng.Float64() < q {
			out.setFlat(i, 1)
		}
	}
	return out
}

// Bernoulli is Generator.Bernoulli on the default generator.
func Bernoulli(p *Tensor) *Tensor { return defaultGen.Bernoulli(p) }

// Multinomial returns n category indices per row of probs (1-d, or 2-d for one
// draw set per row) drawn with probabilities proportional to the row's weights,
// as an int64 tensor of shape [n] or [rows, n] (torch.multinomial). Without
// replacement a category is drawn at most once. It panics on negative or
// non-finite weights, a row summing to 0, or n larger than the number of
// categories with nonzero weight when drawing without replacement.
func (g *Generator) Multinomial(probs *Tensor, n int, replacement bool) *Tensor {
	probs.wantFloat("Multinomial")
	if len(probs.shape) != 1 && len(probs.shape) != 2 {
		fail("Multinomial", "probs must be 1-d or 2-d, got shape %v", probs.shape)
	}
	rows, cats := 1, probs.shape[len(probs.shape)-1]
	if len(probs.shape) == 2 {
		rows = probs.shape[0]
	}
	if n < 0 || !replacement && n > cats {
		fail("Multinomial", "cannot draw %d samples from %d categories without replacement", n, cats)
	}
	pd := probs.dense()
	out := make([]int64, 0, rows*n)
	w := make([]float64, cats)
	g.mu.Lock()
	defer g.mu.Unlock()
	for r := range rows {
		sum, nonzero := 0.0, 0
		for c := range cats {
			w[c] = pd.flat(r*cats + c)
			if w[c] < 0 || math.IsNaN(w[c]) || math.IsInf(w[c], 0) {
				fail("Multinomial", "weight %v of row %d is negative or not finite", w[c], r)
			}
			if w[c] > 0 {
				nonzero++
			}
			sum += w[c]
		}
		if sum == 0 {
			fail("Multinomial", "the weights of row %d sum to 0", r)
		}
		if !replacement && n > nonzero {
			fail("Multinomial", "cannot draw %d samples without replacement from row %d with %d nonzero weights", n, r, nonzero)
		}
		for range n {
			u := g.rng.Float64() * sum
			c := 0
			for ; c < cats-1; c++ {
				if u < w[c] {
					break
				}
				u -= w[c]
			}
			for w[c] == 0 { // rounding left u past the last nonzero weight
				c--
			}
			out = append(out, int64(c))
			if !replacement {
				sum -= w[c]
				w[c] = 0
			}
		}
	}
	shape := []int{n}
	if len(probs.shape) == 2 {
		shape = []int{rows, n}
	}
	return wrap("Multinomial", out, shape)
}

// Multinomial is Generator.Multinomial on the default generator.
func Multinomial(probs *Tensor, n int, replacement bool) *Tensor {
	return defaultGen.Multinomial(probs, n, replacement)
}
