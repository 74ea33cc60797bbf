package data

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

func TestSequentialSampler(t *testing.T) {
	got := slices.Collect(SequentialSampler{5}.All())
	if !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
		t.Errorf("SequentialSampler{5} yields %v", got)
	}
}

func TestRandomSampler(t *testing.T) {
	for _, c := range []struct {
		n    int
		opts RandomSamplerOptions
	}{
		{10, RandomSamplerOptions{}},
		{10, RandomSamplerOptions{NumSamples: 4}},
		{10, RandomSamplerOptions{NumSamples: 25}},
		{10, RandomSamplerOptions{Replacement: true, NumSamples: 1000}},
	} {
		c.opts.Generator = tensor.NewGenerator(3)
		s := NewRandomSampler(c.n, c.opts)
		first := slices.Collect(s.All())
		want := c.opts.NumSamples
		if want == 0 {
			want = c.n
		}
		if len(first) != want || s.Len() != want {
			t.Errorf("%+v: %d indices and Len %d, want %d", c.opts, len(first), s.Len(), want)
		}
		counts := make([]int, c.n)
		for _, i := range first {
			counts[i]++
		}
		for i, k := range counts {
			if c.opts.Replacement {
				// 1000 draws of 10: each index expected 100 times, sd 9.5; 50 is > 5 sd.
				if k < 50 || k > 150 {
					t.Errorf("%+v: index %d drawn %d times", c.opts, i, k)
				}
			} else if lo := want / c.n; k < lo || k > lo+1 {
				// Whole permutations, then part of one: each index lo or lo+1 times.
				t.Errorf("%+v: index %d drawn %d times, want %d or %d", c.opts, i, k, lo, lo+1)
			}
		}
		if second := slices.Collect(s.All()); slices.Equal(first, second) {
			t.Errorf("%+v: two passes drew the same order %v", c.opts, first)
		}
		c.opts.Generator = tensor.NewGenerator(3)
		if again := slices.Collect(NewRandomSampler(c.n, c.opts).All()); !slices.Equal(first, again) {
			t.Errorf("%+v: the same seed drew %v, then %v", c.opts, first, again)
		}
	}
}

func TestWeightedRandomSampler(t *testing.T) {
	weights := []float64{1, 0, 3, 6}
	const draws = 20000
	s := NewWeightedRandomSampler(weights, draws, true, tensor.NewGenerator(1))
	counts := make([]float64, len(weights))
	for i := range s.All() {
		counts[i]++
	}
	for i, w := range weights {
		// Binomial(20000, p): sd at most 71, so 4 sd is 0.015 of the draws.
		if p := w / 10; math.Abs(counts[i]/draws-p) > 0.015 {
			t.Errorf("index %d drawn %v times, want about %v", i, counts[i], p*draws)
		}
	}
	// Without replacement: every pass holds 3 distinct non-zero indices; the
	// first drawn is index i with probability w_i / 10.
	s = NewWeightedRandomSampler(weights, 3, false, tensor.NewGenerator(2))
	first := make([]float64, len(weights))
	const passes = 20000
	for range passes {
		got := slices.Collect(s.All())
		sorted := slices.Sorted(slices.Values(got))
		if !slices.Equal(sorted, []int{0, 2, 3}) {
			t.Fatalf("a pass without replacement drew %v", got)
		}
		first[got[0]]++
	}
	for i, w := range weights {
		if p := w / 10; math.Abs(first[i]/passes-p) > 0.015 {
			t.Errorf("index %d drawn first %v times, want about %v", i, first[i], p*passes)
		}
	}
	for _, c := range []struct {
		weights     []float64
		n           int
		replacement bool
		want        string
	}{
		{[]float64{1, -1}, 1, true, "non-negative"},
		{[]float64{1, math.NaN()}, 1, true, "non-negative"},
		{[]float64{0, 0}, 1, true, "sum of probabilities"},
		{[]float64{1, 0}, 2, false, "without replacement"},
		{[]float64{1}, 0, true, "num_samples"},
	} {
		err := tensor.Maybe(func() { NewWeightedRandomSampler(c.weights, c.n, c.replacement, nil) })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("weights %v, %d samples: error %v, want one mentioning %q", c.weights, c.n, err, c.want)
		}
	}
}

func TestBatchSampler(t *testing.T) {
	for _, c := range []struct {
		dropLast bool
		want     [][]int
	}{
		{false, [][]int{{0, 1, 2}, {3, 4, 5}, {6}}},
		{true, [][]int{{0, 1, 2}, {3, 4, 5}}},
	} {
		b := NewBatchSampler(SequentialSampler{7}, 3, c.dropLast)
		got := slices.Collect(b.All())
		if !slices.EqualFunc(got, c.want, slices.Equal) || b.Len() != len(c.want) {
			t.Errorf("drop_last %v: batches %v and Len %d, want %v", c.dropLast, got, b.Len(), c.want)
		}
	}
	if err := tensor.Maybe(func() { NewBatchSampler(SequentialSampler{3}, 0, false) }); err == nil {
		t.Error("batch size 0: no panic")
	}
}
