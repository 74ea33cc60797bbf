package tensor_test

import (
	"math"
	"slices"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestRandom checks the random creation ops by their defining properties (ranges,
// permutations, frequencies) and that a seed reproduces them. Their sequences are
// gograd's own, so there are no PyTorch goldens. Frequency bounds are 6 standard
// deviations of the binomial count, so a correct sampler fails with probability
// below 1e-8.
func TestRandom(t *testing.T) {
	g := tensor.NewGenerator(7)
	const n = 20000
	within := func(name string, count, n int, p float64) {
		t.Helper()
		sd := math.Sqrt(float64(n) * p * (1 - p))
		if d := math.Abs(float64(count) - float64(n)*p); d > 6*sd {
			t.Errorf("%s: count %d of %d, want about %.0f (±%.0f)", name, count, n, float64(n)*p, 6*sd)
		}
	}

	r := g.RandInt(-3, 4, n)
	if !slices.Equal(r.Shape(), []int{n}) || r.DType() != tensor.Int64 {
		t.Fatalf("RandInt: %v %v", r.DType(), r.Shape())
	}
	counts := map[int64]int{}
	for _, v := range r.Int64s() {
		counts[v]++
	}
	for v := int64(-3); v < 4; v++ {
		within("RandInt value", counts[v], n, 1.0/7)
	}
	if len(counts) != 7 {
		t.Errorf("RandInt drew values outside [-3, 4): %v", counts)
	}

	p := g.RandPerm(50).Int64s()
	sorted := slices.Clone(p)
	slices.Sort(sorted)
	for i, v := range sorted {
		if v != int64(i) {
			t.Fatalf("RandPerm(50) = %v is not a permutation", p)
		}
	}

	b := g.Bernoulli(tensor.Full(0.3, n))
	ones := 0
	for _, v := range b.Float32s() {
		if v != 0 && v != 1 {
			t.Fatalf("Bernoulli drew %v", v)
		}
		if v == 1 {
			ones++
		}
	}
	within("Bernoulli(0.3)", ones, n, 0.3)

	w := tensor.New([]float32{1, 0, 3})
	m := g.Multinomial(w, n, true).Int64s()
	mc := map[int64]int{}
	for _, v := range m {
		mc[v]++
	}
	if mc[1] != 0 {
		t.Errorf("Multinomial drew a category of weight 0 %d times", mc[1])
	}
	within("Multinomial category 2", mc[2], n, 0.75)
	rows := g.Multinomial(tensor.New([]float64{1, 2, 3, 4, 0, 0, 5, 1}, 2, 4), 2, false)
	if !slices.Equal(rows.Shape(), []int{2, 2}) {
		t.Fatalf("Multinomial rows: shape %v", rows.Shape())
	}
	v := rows.Int64s()
	if v[0] == v[1] || v[2] == v[3] || v[2] < 2 || v[3] < 2 {
		t.Errorf("Multinomial without replacement: %v (row 1 has weight only at 2 and 3)", v)
	}
	if err := tensor.Maybe(func() { g.Multinomial(tensor.New([]float32{1, 0, 0}), 2, false) }); err == nil {
		t.Error("Multinomial drew 2 without replacement from one nonzero weight")
	}

	x := tensor.Zeros(n).Normal_(2, 0.5).Float32s()
	var sum float64
	for _, v := range x {
		sum += float64(v)
	}
	if mean := sum / n; math.Abs(mean-2) > 6*0.5/math.Sqrt(n) {
		t.Errorf("Normal_(2, 0.5) mean %v", mean)
	}
	u := tensor.Zeros(n).Uniform_(-1, 3).Float32s()
	if slices.Min(u) < -1 || slices.Max(u) >= 3 {
		t.Errorf("Uniform_(-1, 3) range [%v, %v]", slices.Min(u), slices.Max(u))
	}
	if s := tensor.Normal(0, 1, 2, 3).Shape(); !slices.Equal(s, []int{2, 3}) {
		t.Errorf("Normal shape %v", s)
	}

	// The same seed gives the same tensors.
	a1 := tensor.NewGenerator(3).RandInt(0, 100, 10).Int64s()
	a2 := tensor.NewGenerator(3).RandInt(0, 100, 10).Int64s()
	if !slices.Equal(a1, a2) {
		t.Errorf("RandInt with one seed: %v and %v", a1, a2)
	}
	if e := tensor.Empty(2, 3); !slices.Equal(e.Shape(), []int{2, 3}) {
		t.Errorf("Empty shape %v", e.Shape())
	}
}
