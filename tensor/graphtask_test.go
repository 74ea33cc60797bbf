package tensor

import (
	"math"
	"slices"
	"strings"
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

// TestBackwardInputs: Backward with Inputs accumulates only into the given
// tensors, a non-leaf among them too (PyTorch's backward(inputs=...)).
func TestBackwardInputs(t *testing.T) {
	x := New([]float64{1, 2}).SetRequiresGrad(true)
	w := New([]float64{3, 4}).SetRequiresGrad(true)
	h := x.Mul(w)
	y := h.Mul(h).Sum()
	y.Backward(BackwardOptions{Inputs: []*Tensor{x}, RetainGraph: true})
	// dy/dx = 2·h·w = 2·x·w² (hand derivation): [18, 64].
	if !slices.Equal(x.Grad().Float64s(), []float64{18, 64}) || w.Grad() != nil {
		t.Fatalf("x.grad %v (want [18 64]), w.grad %v (want nil)", x.Grad(), w.Grad())
	}
	y.Backward(BackwardOptions{Inputs: []*Tensor{h, w}})
	// dy/dh = 2h = [6, 16]; dy/dw = 2·x²·w = [6, 32].
	if !slices.Equal(h.Grad().Float64s(), []float64{6, 16}) || !slices.Equal(w.Grad().Float64s(), []float64{6, 32}) ||
		!slices.Equal(x.Grad().Float64s(), []float64{18, 64}) {
		t.Fatalf("h.grad %v, w.grad %v, x.grad %v", h.Grad(), w.Grad(), x.Grad())
	}
	e := mustPanic(t, func() { x.Mul(w).Sum().Backward(BackwardOptions{Inputs: []*Tensor{}}) })
	if !strings.Contains(e.Msg, "'inputs' argument to backward() cannot be empty") {
		t.Fatalf("message %q", e.Msg)
	}
}

// TestGradBatched: IsGradsBatched gives the rows of the Jacobian for the rows of
// an identity, in one pass whose result's grad_fn is AddBackward0 (the sum of
// the two products' gradients, as PyTorch 1.13 reports it), and they are
// differentiable again.
func TestGradBatched(t *testing.T) {
	x := New([]float64{1, 2, 3}).SetRequiresGrad(true)
	y := x.Mul(x).Mul(x) // dy_i/dx_j = 3x_i² δij
	eye := New([]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}, 3, 3)
	j := Grad([]*Tensor{y}, []*Tensor{x}, GradOptions{GradOutputs: []*Tensor{eye}, IsGradsBatched: true, CreateGraph: true})[0]
	if !slices.Equal(j.Shape(), []int{3, 3}) || !slices.Equal(j.Float64s(), []float64{3, 0, 0, 0, 12, 0, 0, 0, 27}) {
		t.Fatalf("jacobian %v", j)
	}
	if j.GradFn().Name() != "AddBackward0" {
		t.Fatalf("grad_fn %v", j.GradFn())
	}
	// d/dx of the Jacobian's sum: 6x.
	if g := Grad([]*Tensor{j.Sum()}, []*Tensor{x})[0]; !slices.Equal(g.Float64s(), []float64{6, 12, 18}) {
		t.Fatalf("second derivative %v", g)
	}
	e := mustPanic(t, func() {
		Grad([]*Tensor{y}, []*Tensor{x}, GradOptions{GradOutputs: []*Tensor{Ones(3)}, IsGradsBatched: true})
	})
	if e.Kind != ErrShape {
		t.Fatalf("error %v", e)
	}
}
