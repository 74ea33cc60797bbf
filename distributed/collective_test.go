package distributed

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gograd/gograd/data"
	"github.com/gograd/gograd/tensor"
)

var dtypes = []tensor.DType{tensor.Float32, tensor.Float64, tensor.Int64}

// contribution returns what rank r contributes to a test collective: small
// integers (exact in every dtype, so sums in any order are exact), in 1..3
// for Product so that products stay small, varying with rank and position.
func contribution(d tensor.DType, r int, op ReduceOp, shape ...int) *tensor.Tensor {
	t := d.Zeros(shape...)
	v := make([]float64, t.Numel())
	for i := range v {
		if op == Product {
			v[i] = float64(1 + (r+i)%3)
		} else {
			v[i] = float64((r+1)*(i%7) - 3*((i+r)%5))
		}
	}
	return fill(t, v)
}

func fill(t *tensor.Tensor, v []float64) *tensor.Tensor {
	return t.Copy_(tensor.Float64.Zeros(len(v)).Copy_(tensor.New(v)))
}

// reference reduces the contributions of every rank in rank order, in float64.
func reference(d tensor.DType, size int, op ReduceOp, shape ...int) []float64 {
	acc := contribution(d, 0, op, shape...).Values()
	for r := 1; r < size; r++ {
		for i, v := range contribution(d, r, op, shape...).Values() {
			switch op {
			case Sum, Avg:
				acc[i] += v
			case Max:
				acc[i] = max(acc[i], v)
			case Min:
				acc[i] = min(acc[i], v)
			case Product:
				acc[i] *= v
			}
		}
	}
	if op == Avg {
		for i := range acc {
			acc[i] /= float64(size)
		}
	}
	return acc
}

func TestWorld(t *testing.T) {
	size, rank := WorldSize(), Rank()
	want := 1
	if s := os.Getenv("OMPI_COMM_WORLD_SIZE"); s != "" {
		want, _ = strconv.Atoi(s)
	}
	if size != want || rank < 0 || rank >= size {
		t.Fatalf("rank %d of %d, want a rank of %d", rank, size, want)
	}
	ranks := tensor.Int64.Zeros(size)
	AllGather(ranks, tensor.New([]int64{int64(rank)}))
	for r, got := range ranks.Int64s() {
		if got != int64(r) {
			t.Errorf("AllGather of ranks: %v", ranks.Int64s())
			break
		}
	}
	if err := Init(); err == nil {
		t.Error("a second Init succeeded")
	}
}

func TestAllReduce(t *testing.T) {
	for _, d := range dtypes {
		for _, op := range []ReduceOp{Sum, Avg, Max, Min, Product} {
			if op == Avg && d == tensor.Int64 {
				continue
			}
			for _, shape := range [][]int{{}, {5}, {3, 4}, {0}} {
				x := contribution(d, Rank(), op, shape...)
				AllReduce(x, op)
				if want := reference(d, WorldSize(), op, shape...); !slices.Equal(x.Values(), want) {
					t.Errorf("%v %v %v: got %v, want %v", d, op, shape, x.Values(), want)
				}
			}
		}
	}
	if err := tensor.Maybe(func() { AllReduce(tensor.Int64.Zeros(2), Avg) }); err == nil || !strings.Contains(err.Error(), "AVG needs a float tensor") {
		t.Errorf("Avg of int64: %v", err)
	}
}

// TestAllReduceRandom reduces non-integer values, whose sum depends on the
// order MPI adds them in: the result is the rank-order sum to within one
// rounding per addition.
func TestAllReduceRandom(t *testing.T) {
	const n = 1 << 16
	for _, d := range []tensor.DType{tensor.Float32, tensor.Float64} {
		gen := func(r int) *tensor.Tensor { return tensor.NewGenerator(uint64(100+r)).Normal(d.Zeros(n), 0, 1) }
		x := gen(Rank())
		AllReduce(x, Sum)
		want := make([]float64, n)
		for r := range WorldSize() {
			for i, v := range gen(r).Values() {
				want[i] += v
			}
		}
		eps := 0x1p-52
		if d == tensor.Float32 {
			eps = 0x1p-23
		}
		for i, v := range x.Values() {
			// Each of the size-1 additions rounds once, by at most eps/2 of a
			// partial sum, which is at most the sum of magnitudes (under 6 per
			// rank for 65536 normal draws).
			if tol := float64(WorldSize()) * 6 * eps; math.Abs(v-want[i]) > tol {
				t.Fatalf("%v element %d: %g, want %g within %g", d, i, v, want[i], tol)
			}
		}
	}
}

func TestAllReduceAsync(t *testing.T) {
	xs := make([]*tensor.Tensor, 5)
	works := make([]*Work, len(xs))
	for i := range xs {
		xs[i] = contribution(tensor.Float64, Rank()+i, Sum, 100+i)
		works[i] = AllReduceAsync(xs[i], Sum)
	}
	for i, w := range works {
		w.Wait()
		want := make([]float64, 100+i)
		for r := range WorldSize() {
			for j, v := range contribution(tensor.Float64, r+i, Sum, 100+i).Values() {
				want[j] += v
			}
		}
		if !slices.Equal(xs[i].Values(), want) {
			t.Errorf("work %d: got %v, want %v", i, xs[i].Values()[:5], want[:5])
		}
	}
}

func TestBroadcast(t *testing.T) {
	for _, d := range dtypes {
		for root := range WorldSize() {
			x := contribution(d, Rank(), Sum, 2, 3)
			Broadcast(x, root)
			if want := contribution(d, root, Sum, 2, 3).Values(); !slices.Equal(x.Values(), want) {
				t.Errorf("%v from %d: got %v, want %v", d, root, x.Values(), want)
			}
		}
	}
}

// stacked returns every rank's contribution, in rank order, as one slice.
func stacked(d tensor.DType, op ReduceOp, shape ...int) []float64 {
	var all []float64
	for r := range WorldSize() {
		all = append(all, contribution(d, r, op, shape...).Values()...)
	}
	return all
}

func TestAllGather(t *testing.T) {
	size := WorldSize()
	for _, d := range dtypes {
		for _, dst := range []*tensor.Tensor{d.Zeros(size*2, 3), d.Zeros(size, 2, 3)} {
			AllGather(dst, contribution(d, Rank(), Sum, 2, 3))
			if want := stacked(d, Sum, 2, 3); !slices.Equal(dst.Values(), want) {
				t.Errorf("%v into %v: got %v, want %v", d, dst.Shape(), dst.Values(), want)
			}
		}
	}
}

func TestReduceScatter(t *testing.T) {
	size, rank := WorldSize(), Rank()
	for _, d := range dtypes {
		for _, op := range []ReduceOp{Sum, Avg, Max, Min, Product} {
			if op == Avg && d == tensor.Int64 {
				continue
			}
			src := contribution(d, rank, op, size*4, 2)
			dst := d.Zeros(4, 2)
			ReduceScatter(dst, src, op)
			want := reference(d, size, op, size*4, 2)[rank*8 : (rank+1)*8]
			if !slices.Equal(dst.Values(), want) {
				t.Errorf("%v %v: got %v, want %v", d, op, dst.Values(), want)
			}
		}
	}
}

func TestGatherScatter(t *testing.T) {
	size, rank := WorldSize(), Rank()
	for _, d := range dtypes {
		for root := range size {
			var dst *tensor.Tensor
			if rank == root {
				dst = d.Zeros(size, 3)
			}
			Gather(dst, contribution(d, rank, Sum, 3), root)
			if want := stacked(d, Sum, 3); rank == root && !slices.Equal(dst.Values(), want) {
				t.Errorf("Gather %v at %d: got %v, want %v", d, root, dst.Values(), want)
			}

			var src *tensor.Tensor
			if rank == root {
				src = contribution(d, root, Sum, size*3)
			}
			part := d.Zeros(3)
			Scatter(part, src, root)
			if want := contribution(d, root, Sum, size*3).Values()[rank*3 : rank*3+3]; !slices.Equal(part.Values(), want) {
				t.Errorf("Scatter %v from %d: got %v, want %v", d, root, part.Values(), want)
			}
		}
	}
}

func TestBarrier(t *testing.T) {
	// Rank 0 writes a file before the barrier; every rank must see it after.
	path := sharedDir(t) + "/barrier"
	if Rank() == 0 {
		if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	Barrier()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("rank %d after Barrier: %v", Rank(), err)
	}
	Barrier() // rank 0 must not let the test end and remove the directory first
}

// TestMisuse checks the errors each rank finds on its own.
func TestMisuse(t *testing.T) {
	size := WorldSize()
	x := tensor.Zeros(4)
	for _, c := range []struct {
		f    func()
		want string
	}{
		{func() { Broadcast(x, size) }, fmt.Sprintf("root rank %d is out of range for a world of size %d", size, size)},
		{func() { Broadcast(x, -1) }, "root rank -1 is out of range"},
		{func() { AllGather(tensor.Zeros(size*4+1), x) }, "cannot hold"},
		{func() { AllGather(tensor.Float64.Zeros(size*4), x) }, "dtypes float64 and float32 differ"},
		{func() { AllGather(x, x) }, ""},
		{func() { ReduceScatter(tensor.Zeros(3), tensor.Zeros(size*4), Sum) }, "cannot hold"},
		{func() { AllReduce(nil, Sum) }, "tensor is nil"},
		{func() { AllReduce(x, ReduceOp(9)) }, "unknown reduction ReduceOp(9)"},
	} {
		err := tensor.Maybe(c.f)
		if err == nil || !strings.HasPrefix(err.Error(), "distributed: ") || !strings.Contains(err.Error(), c.want) {
			if size == 1 && c.want == "" { // AllGather(x, x) is a copy onto itself in a world of one
				continue
			}
			t.Errorf("got %v, want an error containing %q", err, c.want)
		}
	}
}

// TestMismatch checks that ranks calling a collective with different shapes
// all panic with the same message, instead of MPI's undefined behaviour.
func TestMismatch(t *testing.T) {
	if WorldSize() == 1 {
		t.Skip("needs several ranks; TestMPI runs it on 2 and 4")
	}
	x := tensor.Zeros(2 + Rank()%2)
	err := tensor.Maybe(func() { AllReduce(x, Sum) })
	want := "distributed: AllReduce: ranks called collectives that do not match: rank 0: AllReduce of float32 [2] with SUM; rank 1: AllReduce of float32 [3] with SUM"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v, want %q", err, want)
	}
	err = tensor.Maybe(func() {
		if Rank() == 0 {
			Broadcast(tensor.Float64.Zeros(2), 0)
		} else {
			AllReduce(tensor.Zeros(2), Max)
		}
	})
	want = "distributed: Broadcast: ranks called collectives that do not match: rank 0: Broadcast of float64 [2] at root 0; rank 1: AllReduce of float32 [2] with MAX"
	if Rank() != 0 {
		want = strings.Replace(want, "Broadcast: ranks", "AllReduce: ranks", 1)
	}
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v, want %q", err, want)
	}
}

// TestSamplerPartition checks across the ranks of the job that
// data.DistributedSampler gives each epoch's samples out exactly: every sample
// once, plus the fewest repeats that even out the ranks' shares.
func TestSamplerPartition(t *testing.T) {
	size := WorldSize()
	for _, n := range []int{1797, 1438, 10, 3} {
		s := data.NewDistributedSampler(n, size, Rank(), data.DistributedSamplerOptions{Shuffle: true, Seed: 5})
		for epoch := range 3 {
			mine := s.Indices(epoch)
			all := tensor.Int64.Zeros(size * len(mine))
			local := make([]int64, len(mine))
			for i, v := range mine {
				local[i] = int64(v)
			}
			AllGather(all, tensor.New(local))
			count := make([]int, n)
			for _, i := range all.Int64s() {
				count[i]++
			}
			repeats := len(all.Int64s()) - n
			for i, c := range count {
				if c < 1 || c > 2 || c == 2 && repeats <= 0 {
					t.Fatalf("n=%d epoch %d: sample %d visited %d times by %d ranks", n, epoch, i, c, size)
				}
			}
			if repeats < 0 || repeats >= size {
				t.Errorf("n=%d epoch %d: %d repeats on %d ranks", n, epoch, repeats, size)
			}
		}
	}
}

func ExampleAllReduce() {
	// Each rank contributes its rank + 1; every rank gets the sum.
	x := tensor.Float64.Full(float64(Rank()+1), 3)
	AllReduce(x, Sum)
	fmt.Println(x.Values(), WorldSize())
	// Output: [1 1 1] 1
}

// TestStridedViews runs collectives on views whose elements are not
// contiguous: the results must land in the viewed storage, and only there.
func TestStridedViews(t *testing.T) {
	base := contribution(tensor.Float64, Rank(), Sum, 3, 2)
	v := base.T()
	if v.IsContiguous() {
		t.Fatal("a transposed view is contiguous")
	}
	AllReduce(v, Sum)
	if want := reference(tensor.Float64, WorldSize(), Sum, 3, 2); !slices.Equal(base.Values(), want) {
		t.Errorf("AllReduce of a transposed view: base %v, want %v", base.Values(), want)
	}

	base = contribution(tensor.Float32, Rank(), Sum, 4, 3)
	before := base.Values()
	Broadcast(base.Narrow(1, 0, 2), 0)
	root := contribution(tensor.Float32, 0, Sum, 4, 3).Values()
	for i, got := range base.Values() {
		want := root[i]
		if i%3 == 2 {
			want = before[i] // outside the view
		}
		if got != want {
			t.Fatalf("Broadcast into columns 0-1: element %d is %v, want %v (all %v)", i, got, want, base.Values())
		}
	}
}
