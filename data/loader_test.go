package data

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gograd/gograd/tensor"
)

// slow is a dataset whose Get keeps a core busy for delay, or with sleep
// waits for it, and counts its calls: sample i is {[i, -i], i} from
// dataset(n).
type slow struct {
	TensorDataset
	delay time.Duration
	sleep bool
	calls *atomic.Int64
}

func (s slow) Get(i int) []*tensor.Tensor {
	s.calls.Add(1)
	if s.sleep {
		time.Sleep(s.delay)
	} else {
		busy(s.delay)
	}
	return s.TensorDataset.Get(i)
}

func newSlow(n int, delay time.Duration) slow {
	return slow{TensorDataset: dataset(n), delay: delay, calls: new(atomic.Int64)}
}

// augmented maps dataset(n) through a random shift drawn from g, so that a
// sample's input tells which draw it got.
func augmented(n int) *Mapped[[]*tensor.Tensor, []*tensor.Tensor] {
	return Map(Dataset[[]*tensor.Tensor](dataset(n)), func(s []*tensor.Tensor, g *tensor.Generator) []*tensor.Tensor {
		return []*tensor.Tensor{s[0].AddScalar(float64(g.Intn(1000))), s[1]}
	})
}

// batches returns the values of every batch of one pass, as strings.
func batches(l *Loader[[]*tensor.Tensor, []*tensor.Tensor]) []string {
	var out []string
	for b := range l.All() {
		out = append(out, fmt.Sprint(b[0].Values(), b[1].Values()))
	}
	return out
}

func TestLoaderWorkersDeterministic(t *testing.T) {
	for _, c := range []struct {
		name string
		ds   func() Dataset[[]*tensor.Tensor]
	}{
		{"TensorDataset", func() Dataset[[]*tensor.Tensor] { return dataset(103) }},
		{"Get", func() Dataset[[]*tensor.Tensor] { return newSlow(103, 0) }},
		{"Map", func() Dataset[[]*tensor.Tensor] { return augmented(103) }},
	} {
		var want [][]string
		for _, workers := range []int{0, 1, 4} {
			l := NewLoader(c.ds(), LoaderOptions{BatchSize: 8, Shuffle: true, Generator: tensor.NewGenerator(5), Workers: workers})
			got := [][]string{batches(l), batches(l)} // two passes: two orders
			if slices.Equal(got[0], got[1]) {
				t.Errorf("%s, %d workers: two passes gave the same batches", c.name, workers)
			}
			if len(got[0]) != 13 {
				t.Errorf("%s, %d workers: %d batches, want 13", c.name, workers, len(got[0]))
			}
			if want == nil {
				want = got
			} else if !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("%s: %d workers gave other batches than 0 workers:\n%v\nwant\n%v", c.name, workers, got[0][:2], want[0][:2])
			}
		}
	}
}

// waitGoroutines waits up to a second for the number of goroutines to fall to n.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	for range 100 {
		if runtime.NumGoroutine() <= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("%d goroutines are left, %d before the loader ran", runtime.NumGoroutine(), n)
}

func TestLoaderWorkersStopEarly(t *testing.T) {
	before := runtime.NumGoroutine()
	ds := newSlow(1000, 100*time.Microsecond)
	l := NewLoader(ds, LoaderOptions{BatchSize: 10, Workers: 4})
	n := 0
	for b := range l.All() {
		if b[1].Int64s()[0] != int64(10*n) {
			t.Fatalf("batch %d starts with sample %d", n, b[1].Int64s()[0])
		}
		if n++; n == 3 {
			break
		}
	}
	// All has returned: its workers are gone, and they loaded no more than
	// the 3 batches taken plus the 4·2 prefetched.
	waitGoroutines(t, before)
	if calls := ds.calls.Load(); calls > 10*(3+8) {
		t.Errorf("Get was called %d times for 3 batches", calls)
	}
}

// panicky panics in Get for sample 25.
type panicky struct{ TensorDataset }

func (p panicky) Get(i int) []*tensor.Tensor {
	if i == 25 {
		panic(tensor.Errorf("data", "test", "sample %d is broken", i))
	}
	return p.TensorDataset.Get(i)
}

func TestLoaderWorkerPanic(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, workers := range []int{0, 3} {
		n := 0
		err := tensor.Maybe(func() {
			for range NewLoader(panicky{dataset(40)}, LoaderOptions{BatchSize: 10, Workers: workers}).All() {
				n++
			}
		})
		if err == nil || !strings.Contains(err.Error(), "sample 25 is broken") || n != 2 {
			t.Errorf("%d workers: %d batches, then error %v; want 2, then the panic of sample 25", workers, n, err)
		}
	}
	waitGoroutines(t, before)
}

func TestLoaderOptions(t *testing.T) {
	ds := dataset(10)
	// A BatchSampler gives the batches as they are.
	bs := NewBatchSampler(SequentialSampler{4}, 3, false)
	var got [][]int64
	for b := range NewLoader(ds, LoaderOptions{BatchSampler: bs}).All() {
		got = append(got, b[1].Int64s())
	}
	if !slices.EqualFunc(got, [][]int64{{0, 1, 2}, {3}}, slices.Equal) {
		t.Errorf("BatchSampler batches %v", got)
	}
	// A Sampler chooses the samples.
	got = nil
	l := NewLoader(ds, LoaderOptions{BatchSize: 2, Sampler: NewWeightedRandomSampler([]float64{0, 0, 0, 1}, 4, true, nil)})
	for b := range l.All() {
		got = append(got, b[1].Int64s())
	}
	if !slices.EqualFunc(got, [][]int64{{3, 3}, {3, 3}}, slices.Equal) || l.Len() != 2 {
		t.Errorf("weighted sampler batches %v", got)
	}
	for _, c := range []struct {
		opts LoaderOptions
		want string
	}{
		{LoaderOptions{BatchSize: 2, Shuffle: true, Sampler: SequentialSampler{10}}, "mutually exclusive with shuffle"},
		{LoaderOptions{BatchSize: 2, BatchSampler: bs}, "batch_sampler option is mutually exclusive"},
		{LoaderOptions{BatchSize: 2, Workers: -1}, "must not be negative"},
	} {
		if err := tensor.Maybe(func() { NewLoader(ds, c.opts) }); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", c.opts, err, c.want)
		}
	}
	err := tensor.Maybe(func() { NewLoader(Dataset[int](ints(3)), LoaderOptions{BatchSize: 2}) })
	if err == nil || !strings.Contains(err.Error(), "cannot batch samples of type int") {
		t.Errorf("a dataset of ints: error %v", err)
	}
}

// ints is a dataset of the ints 0..n-1.
type ints int

func (n ints) Len() int      { return int(n) }
func (n ints) Get(i int) int { return i }
func sum(samples []int) (s int) {
	for _, v := range samples {
		s += v
	}
	return s
}

func TestLoaderFunc(t *testing.T) {
	var got []int
	for b := range NewLoaderFunc(Dataset[int](ints(7)), sum, LoaderOptions{BatchSize: 3, Workers: 2}).All() {
		got = append(got, b)
	}
	if !slices.Equal(got, []int{0 + 1 + 2, 3 + 4 + 5, 6}) {
		t.Errorf("batch sums %v", got)
	}
}

// BenchmarkLoader measures passes over 512 samples in batches of 32, whose Get
// takes 50 µs: keeping a core busy (get=cpu, as decoding or augmenting would;
// spin=50µs reports what that work takes on this machine),
// or waiting (get=wait, as reading a file would; time.Sleep, which waits about
// 1 ms on VMs with a coarse timer). The consumer either takes the batches as
// they come (step=0) or spends 1.6 ms of CPU on each, as a training step would;
// workers load the next batches during the step.
func BenchmarkLoader(b *testing.B) {
	const n, batch = 512, 32
	b.Run("spin=50µs", func(b *testing.B) { // what busy(50 µs) takes here
		for b.Loop() {
			busy(50 * time.Microsecond)
		}
	})
	for _, get := range []string{"cpu", "wait"} {
		for _, step := range []time.Duration{0, batch * 50 * time.Microsecond} {
			for _, workers := range []int{0, 1, 2, 4} {
				b.Run(fmt.Sprintf("get=%s/step=%v/workers=%d", get, step, workers), func(b *testing.B) {
					ds := newSlow(n, 50*time.Microsecond)
					ds.sleep = get == "wait"
					l := NewLoader(ds, LoaderOptions{BatchSize: batch, Shuffle: true, Workers: workers})
					for b.Loop() {
						for range l.All() {
							busy(step)
						}
					}
					b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "samples/s")
				})
			}
		}
	}
}

// busy keeps a core busy for about d, with work rather than by watching the
// clock (on a shared VM a clock-watching loop measures the clock's cost, not
// the work's): spinPerMicrosecond dependent multiply-adds per microsecond, a
// rate BenchmarkLoader/spin measures.
func busy(d time.Duration) {
	spin(int(d.Microseconds() * spinPerMicrosecond))
}

// spinPerMicrosecond is about the number of spin iterations in a microsecond
// at 3 GHz (4 cycles per dependent multiply-add).
const spinPerMicrosecond = 750

// spin runs n dependent floating-point multiply-adds.
func spin(n int) {
	x := 1.0
	for range n {
		x = x*1.0000001 + 1e-9
	}
	if x < 1 { // never: uses x so that the loop is not dropped
		panic(x)
	}
}
