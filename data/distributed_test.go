package data

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestDistributedSamplerGolden compares every rank's indices with those of
// PyTorch 1.13's DistributedSampler (testdata/gen_distributed_sampler.py),
// including shuffled orders, which match torch.randperm's.
func TestDistributedSamplerGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/distributed_sampler.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Cases []struct {
			N, Replicas int
			Shuffle     bool
			DropLast    bool `json:"drop_last"`
			Seed        uint64
			Epoch       int
			Indices     [][]int
		}
	}
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	if len(golden.Cases) < 100 {
		t.Fatalf("only %d golden cases", len(golden.Cases))
	}
	for _, c := range golden.Cases {
		for rank, want := range c.Indices {
			s := NewDistributedSampler(c.N, c.Replicas, rank, DistributedSamplerOptions{Shuffle: c.Shuffle, Seed: c.Seed, DropLast: c.DropLast})
			s.SetEpoch(c.Epoch)
			got := slices.Collect(s.All())
			if !slices.Equal(got, want) || s.Len() != len(want) {
				t.Errorf("n=%d replicas=%d rank=%d shuffle=%v drop_last=%v seed=%d epoch=%d: got %v (Len %d), want %v",
					c.N, c.Replicas, rank, c.Shuffle, c.DropLast, c.Seed, c.Epoch, got, s.Len(), want)
			}
		}
	}
}

// TestDistributedSamplerPartition checks that the ranks' indices of an epoch
// together are every sample once, plus (without DropLast) the fewest repeats
// that make the count a multiple of the ranks, or (with it) all but fewer
// than that many samples.
func TestDistributedSamplerPartition(t *testing.T) {
	for _, n := range []int{0, 1, 5, 97, 100} {
		for _, replicas := range []int{1, 2, 3, 4, 8} {
			for _, dropLast := range []bool{false, true} {
				count := make([]int, n)
				for rank := range replicas {
					s := NewDistributedSampler(n, replicas, rank, DistributedSamplerOptions{Shuffle: true, Seed: 9, DropLast: dropLast})
					for _, i := range s.Indices(3) {
						count[i]++
					}
				}
				total, lo, hi := 0, math.MaxInt, 0
				for _, c := range count {
					total, lo, hi = total+c, min(lo, c), max(hi, c)
				}
				want := (n + replicas - 1) / replicas * replicas
				if dropLast {
					want = n / replicas * replicas
				}
				// Repeats go round the order, so counts differ by at most one;
				// without DropLast every sample is visited.
				okCounts := n == 0 || hi-lo <= 1 && (dropLast && hi <= 1 || !dropLast && lo >= 1)
				if total != want || !okCounts {
					t.Errorf("n=%d replicas=%d drop_last=%v: %d indices (want %d), per-sample counts from %d to %d",
						n, replicas, dropLast, total, want, lo, hi)
				}
			}
		}
	}
}

func TestDistributedSamplerMisuse(t *testing.T) {
	for _, f := range []func(){
		func() { NewDistributedSampler(10, 0, 0, DistributedSamplerOptions{}) },
		func() { NewDistributedSampler(10, 2, 2, DistributedSamplerOptions{}) },
		func() { NewDistributedSampler(-1, 2, 0, DistributedSamplerOptions{}) },
	} {
		if err := tensor.Maybe(f); err == nil {
			t.Error("no error")
		}
	}
}

// TestTorchRandpermMT19937 checks the generator against the
// reference MT19937 for seed 5489 (C++ std::mt19937's default seed, whose
// 10000th output the standard gives as 4123659995).
func TestTorchRandpermMT19937(t *testing.T) {
	m := newMT19937(5489)
	var v uint32
	for range 10000 {
		v = m.next()
	}
	if v != 4123659995 {
		t.Errorf("10000th output %d, want 4123659995", v)
	}
}

func ExampleDistributedSampler() {
	// Rank 1 of 3 of a 10-sample dataset; the 2 missing samples are repeats.
	s := NewDistributedSampler(10, 3, 1, DistributedSamplerOptions{})
	fmt.Println(s.Len(), s.Indices(0))
	// Output: 4 [1 4 7 0]
}
