package tensor

import (
	"math"
	"runtime"
	"testing"
)

// TestPoolUnderGCPressure trains a small model while forcing collections between
// ops, with released gradient buffers poisoned: any storage the engine recycles
// while still in use turns the result into NaN or changes it.
func TestPoolUnderGCPressure(t *testing.T) {
	prev := poisonReleased
	poisonReleased = true
	defer func() { poisonReleased = prev }()
	run := func(gc bool) []float64 {
		g := NewGenerator(3)
		w1 := g.Normal(Zeros(32, 64), 0, 0.1).SetRequiresGrad(true)
		w2 := g.Normal(Zeros(64, 16), 0, 0.1).SetRequiresGrad(true)
		x := g.Normal(Zeros(40, 32), 0, 1)
		var losses []float64
		for range 20 {
			h := MatMul(x, w1).Relu()
			if gc {
				runtime.GC()
			}
			y := MatMul(h, w2).Tanh().Sum(1).Pow(2).Mean()
			if gc {
				runtime.GC()
			}
			y.Backward()
			if gc {
				runtime.GC()
			}
			NoGrad(func() {
				w1.Copy_(w1.Sub(w1.Grad().MulScalar(0.1)))
				w2.Copy_(w2.Sub(w2.Grad().MulScalar(0.1)))
			})
			w1.SetGrad(nil)
			w2.SetGrad(nil)
			losses = append(losses, y.Item())
		}
		return losses
	}
	want, got := run(false), run(true)
	for i := range want {
		if math.IsNaN(got[i]) || got[i] != want[i] {
			t.Fatalf("step %d: loss %v with collections, %v without", i, got[i], want[i])
		}
	}
}
