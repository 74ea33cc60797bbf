package autograd_test

import (
	"math"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gograd/gograd/autograd"
	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/tensor"
)

// deepMLP is a stack of Linear, Tanh and Dropout blocks whose dropout draws from
// its own generator.
type deepMLP struct {
	blocks []nn.Sequential
	gen    *tensor.Generator
}

func newDeepMLP(depth, width int, dt tensor.DType) *deepMLP {
	m := &deepMLP{gen: tensor.NewGenerator(7)}
	init := tensor.NewGenerator(3)
	for range depth {
		lin := nn.NewLinear(width, width, nn.WithDType(dt), nn.WithGenerator(init))
		m.blocks = append(m.blocks, nn.Sequential{lin, nn.Tanh{}, &nn.Dropout{P: 0.1, Generator: m.gen}})
	}
	return m
}

func (m *deepMLP) params() []*tensor.Tensor {
	var ps []*tensor.Tensor
	for _, b := range m.blocks {
		ps = append(ps, b.Parameters()...)
	}
	return ps
}

// loss runs the model on x, checkpointing segments of `every` blocks after the
// first (0: none), reentrant or not, and returns the mean square of the output.
func (m *deepMLP) loss(x *tensor.Tensor, every int, reentrant bool) *tensor.Tensor {
	h := m.blocks[0].Forward(x)
	for i := 1; i < len(m.blocks); {
		n := max(every, 1)
		seg := m.blocks[i:min(i+n, len(m.blocks))]
		run := func(in ...*tensor.Tensor) *tensor.Tensor {
			y := in[0]
			for _, b := range seg {
				y = b.Forward(y)
			}
			return y
		}
		if every > 0 {
			h = autograd.Checkpoint(run, []*tensor.Tensor{h}, autograd.CheckpointOptions{Generators: []*tensor.Generator{m.gen}, Reentrant: reentrant})
		} else {
			h = run(h)
		}
		i += n
	}
	return h.Pow(2).Mean()
}

// TestCheckpointGradientsBitIdentical checks that checkpointed segments, with
// dropout drawing from a generator, give the gradients of the plain model bit
// for bit, parameters and input alike, in both forms.
func TestCheckpointGradientsBitIdentical(t *testing.T) {
	for _, c := range []struct {
		every     int
		reentrant bool
	}{{1, false}, {3, false}, {1, true}, {3, true}} {
		every := c.every
		var grads [2][][]float64
		for k, ev := range []int{0, every} {
			m := newDeepMLP(7, 16, tensor.Float64)
			x := tensor.NewGenerator(5).Normal(tensor.Float64.Zeros(4, 16), 0, 1).SetRequiresGrad(true)
			loss := m.loss(x, ev, c.reentrant)
			loss.Backward()
			for _, p := range append(m.params(), x) {
				grads[k] = append(grads[k], p.Grad().Values())
			}
		}
		for i := range grads[0] {
			if !slices.Equal(grads[0][i], grads[1][i]) {
				t.Errorf("segments of %d (reentrant %v): gradient %d differs from the plain model's", every, c.reentrant, i)
			}
		}
	}
}

// TestCheckpointMemory checks that the memory a deep MLP holds between forward
// and backward (its saved activations, measured after a garbage collection)
// is much smaller with checkpointed segments of 4 blocks.
func TestCheckpointMemory(t *testing.T) {
	defer tensor.SetGCFloor(tensor.SetGCFloor(0)) // its ballast follows the live heap
	for _, reentrant := range []bool{false, true} {
		held := func(every int) uint64 {
			m := newDeepMLP(24, 256, tensor.Float32)
			x := tensor.NewGenerator(5).Normal(tensor.Zeros(64, 256), 0, 1)
			prev := tensor.SetPoolLimit(0)
			defer tensor.SetPoolLimit(prev)
			// Recycled buffers (on under GOGRAD_DEBUG_POOL=poison) would
			// move between the pool and the heap during the measurement.
			prevRecycle := tensor.SetRecycleLimit(0)
			defer tensor.SetRecycleLimit(prevRecycle)
			// A saved activation carved out of a chunk would hold the
			// whole chunk.
			defer tensor.SetChunkLimit(tensor.SetChunkLimit(0))
			before := liveHeap()
			loss := m.loss(x, every, reentrant)
			after := liveHeap()
			loss.Backward()
			return after - before
		}
		plain, ckpt := held(0), held(4)
		t.Logf("reentrant %v: held between forward and backward: plain %d KiB, checkpointed %d KiB", reentrant, plain>>10, ckpt>>10)
		if ckpt*2 > plain {
			t.Errorf("reentrant %v: checkpointed model holds %d bytes, plain %d: want less than half", reentrant, ckpt, plain)
		}
	}
}

func liveHeap() uint64 {
	// A dead buffer the pool watches (GOGRAD_DEBUG_POOL=poison recycles) survives
	// the collection that finds it, until its finalizer has run: collect until
	// the live heap stops shrinking.
	var ms runtime.MemStats
	last := uint64(math.MaxUint64)
	for range 8 {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc >= last {
			break
		}
		last = ms.HeapAlloc
		time.Sleep(time.Millisecond) // let the finalizer goroutine run
	}
	return ms.HeapAlloc
}

// peakHeap runs f while sampling the heap every 20 µs and returns the highest
// HeapAlloc seen above the live heap before f, with the collector made eager
// (GOGC=10) so that garbage does not hide the live peak.
func peakHeap(f func()) uint64 {
	old := debug.SetGCPercent(10)
	defer debug.SetGCPercent(old)
	base := liveHeap()
	var peak atomic.Uint64
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for !stop.Load() {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			time.Sleep(20 * time.Microsecond)
		}
	}()
	f()
	stop.Store(true)
	wg.Wait()
	return peak.Load() - min(base, peak.Load())
}

// BenchmarkCheckpointStep reports the peak heap of one forward and backward step
// of a 16-block MLP (width 256, batch 1024, float32: activations, not weights, dominate), plain and with checkpointed
// segments of 4 blocks.
func BenchmarkCheckpointStep(b *testing.B) {
	defer tensor.SetGCFloor(tensor.SetGCFloor(0))       // its ballast follows the live heap
	defer tensor.SetChunkLimit(tensor.SetChunkLimit(0)) // a saved activation carved out of a chunk would hold the whole chunk
	for _, c := range []struct {
		name  string
		every int
	}{{"plain", 0}, {"checkpoint4", 4}} {
		b.Run(c.name, func(b *testing.B) {
			m := newDeepMLP(16, 256, tensor.Float32)
			x := tensor.NewGenerator(5).Normal(tensor.Zeros(1024, 256), 0, 1)
			prev := tensor.SetPoolLimit(0)
			defer tensor.SetPoolLimit(prev)
			var peak uint64
			for b.Loop() {
				peak = max(peak, peakHeap(func() { m.loss(x, c.every, false).Backward() }))
				for _, p := range m.params() {
					p.SetGrad(nil)
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
		})
	}
}
