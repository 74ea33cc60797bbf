package tensor

import (
	"math"
	"slices"
	"sync"
	"testing"
)

// TestConcurrentBackwardSharedGraph runs backward passes over one retained graph
// from several goroutines at once (run it under -race): each pass keeps its state
// in its own graphTask, so all get the same gradients.
func TestConcurrentBackwardSharedGraph(t *testing.T) {
	x := New([]float64{1, 2, 3}).SetRequiresGrad(true)
	w := New([]float64{0.5, -1, 2}).SetRequiresGrad(true)
	h := x.Mul(w).Exp()
	y := h.Mul(h).Add(h).Sum() // fan-in at h: its gradient is summed from two uses
	want := Grad([]*Tensor{y}, []*Tensor{x, w}, GradOptions{RetainGraph: true})
	const workers, passes = 4, 20
	var wg sync.WaitGroup
	errs := make(chan string, workers*passes)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range passes {
				got := Grad([]*Tensor{y}, []*Tensor{x, w}, GradOptions{RetainGraph: true})
				for i := range got {
					if !slices.Equal(got[i].Float64s(), want[i].Float64s()) {
						errs <- "gradient " + got[i].String() + " want " + want[i].String()
						return
					}
				}
				y.Backward(BackwardOptions{RetainGraph: true}) // accumulates under the leaves' locks
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	// Every Backward added want into Grad.
	for i, g := range want[0].Float64s() {
		if got, w := x.Grad().Float64s()[i], g*workers*passes; math.Abs(got-w) > 1e-9*math.Abs(w) {
			t.Fatalf("x.grad[%d] = %v, want %d × %v", i, got, workers*passes, g)
		}
	}
}
