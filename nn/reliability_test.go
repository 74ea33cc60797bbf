package nn_test

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/optim"
	"github.com/gograd/gograd/safetensors"
	"github.com/gograd/gograd/tensor"
)

// batch returns a fixed batch of n inputs of 64 features and class targets.
func batch(n int) (*tensor.Tensor, *tensor.Tensor) {
	g := tensor.NewGenerator(7)
	x := g.Normal(tensor.Zeros(n, 64), 0, 1)
	y := make([]int64, n)
	for i := range y {
		y[i] = int64(g.Intn(10))
	}
	return x, tensor.New(y)
}

// mlp returns a 64-128-10 classifier drawn from seed.
func mlp(seed uint64) nn.Sequential {
	g := tensor.NewGenerator(seed)
	return nn.Sequential{nn.NewLinear(64, 128, nn.WithGenerator(g)), nn.ReLU{}, nn.NewLinear(128, 10, nn.WithGenerator(g))}
}

// train runs steps of Adam on a fixed batch and returns the final loss.
func train(model nn.Sequential, steps int, x, y *tensor.Tensor, every int, check func(step int)) float64 {
	opt := optim.NewAdam(model.Parameters(), optim.AdamOptions{LR: 1e-3})
	var loss float64
	for step := range steps {
		opt.ZeroGrad()
		l := functional.CrossEntropy(model.Forward(x), y)
		l.Backward()
		opt.Step()
		loss = l.Item()
		if check != nil && (step+1)%every == 0 {
			check(step + 1)
		}
	}
	return loss
}

// TestSoak trains for many steps (3000 by default, GOGRAD_SOAK_STEPS to change),
// saving and reloading the weights at each of ten checkpoints, and fails if the
// live heap or the goroutine count grows after the first checkpoint.
func TestSoak(t *testing.T) {
	defer tensor.SetGCFloor(tensor.SetGCFloor(0)) // its ballast would make up for a growing live heap
	steps := 3000
	if s := os.Getenv("GOGRAD_SOAK_STEPS"); s != "" {
		var err error
		if steps, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	x, y := batch(32)
	model := mlp(1)
	path := filepath.Join(t.TempDir(), "soak.safetensors")
	var heap []uint64
	var goroutines []int
	loss := train(model, steps, x, y, steps/10, func(step int) {
		if err := safetensors.Save(path, nn.StateDict(model), nil); err != nil {
			t.Fatal(err)
		}
		sd, _, err := safetensors.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := nn.LoadStateDict(model, sd); err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap = append(heap, ms.HeapAlloc)
		goroutines = append(goroutines, runtime.NumGoroutine())
	})
	t.Logf("%d steps, final loss %.4g; live heap at the checkpoints (KiB): %v; goroutines: %v",
		steps, loss, kib(heap), goroutines)
	if last := heap[len(heap)-1]; last > heap[0]+1<<20 {
		t.Errorf("live heap grew from %d to %d bytes", heap[0], last)
	}
	if slices.Max(goroutines) > goroutines[0] {
		t.Errorf("goroutines grew: %v", goroutines)
	}
}

func kib(bs []uint64) []uint64 {
	out := make([]uint64, len(bs))
	for i, b := range bs {
		out[i] = b >> 10
	}
	return out
}

// TestConcurrentTrainingAndInference trains four models in four goroutines while
// two more run inference on a shared trained model: every trained model must
// equal, bit for bit, one trained alone, and every inference the one made alone.
// CI runs it under -race.
func TestConcurrentTrainingAndInference(t *testing.T) {
	const steps = 40
	x, y := batch(16)
	alone := mlp(3)
	train(alone, steps, x, y, 1, nil)
	want := params(alone)
	shared := mlp(4)
	var ref *tensor.Tensor
	tensor.NoGrad(func() { ref = shared.Forward(x) })

	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for range 4 {
		wg.Go(func() {
			m := mlp(3)
			train(m, steps, x, y, 1, nil)
			if !slices.Equal(params(m), want) {
				errs <- "a model trained beside others differs from one trained alone"
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for range 3 * steps {
				var out *tensor.Tensor
				tensor.NoGrad(func() { out = shared.Forward(x) })
				if !slices.Equal(out.Values(), ref.Values()) {
					errs <- "inference beside training differs from inference alone"
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// params returns every parameter's values, in order.
func params(m nn.Module) []float64 {
	var out []float64
	for _, p := range m.Parameters() {
		out = append(out, p.Values()...)
	}
	return out
}
