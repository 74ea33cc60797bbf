package tensor

import (
	"math"
	"runtime"
	"slices"
	"sync"
	"testing"
)

// scaleBy multiplies its input by a saved tensor; Backward records which saved
// values it saw requiring grad.
type scaleBy struct{ sawGrad []bool }

func (*scaleBy) Name() string { return "ScaleByBackward" }
func (f *scaleBy) Forward(ctx *Context, in ...*Tensor) *Tensor {
	ctx.SaveForBackward(in[0], in[1])
	return in[0].Mul(in[1])
}
func (f *scaleBy) Backward(ctx *Context, g *Tensor) []*Tensor {
	s := ctx.Saved()
	f.sawGrad = append(f.sawGrad, s[0].RequiresGrad())
	return []*Tensor{g.Mul(s[1]), g.Mul(s[0])}
}

// modeGraph is a graph of op table ops of several kinds (elementwise, matmul,
// views, reductions, softmax, indexing), a MultiFunction and a custom Function.
func modeGraph(x, w *Tensor, f *scaleBy) *Tensor {
	y := MatMul(x, w).Mul(x).Exp().Div(w.AddScalar(3)).Sub(x).Gelu("tanh")
	sc := ApplyMulti(&sinCos{materialize: true}, y.Reshape(-1), w.Reshape(-1))
	y = sc[0].Add(sc[1]).Reshape(2, 2)
	y = y.Softmax(1).T().Add(y.LogSumExp(true, 0)).Gather(1, New([]int64{1, 0, 0, 1}).Reshape(2, 2))
	return Apply(f, y, w).Clone().SumKeepDim(1)
}

// TestBackwardLeavesGradModeAlone checks that backward passes and Apply set
// the goroutine's grad mode only where user code can see it: the derivatives
// read their saved values unpacked for the pass (detached unless CreateGraph),
// so that nothing is recorded by a plain pass whatever the mode, and
// everything by a CreateGraph pass. A graph of op table ops alone never sets
// it; one with custom Functions sets it once per plain pass (off, around the
// whole pass, as PyTorch runs user code in a plain pass), not per node.
func TestBackwardLeavesGradModeAlone(t *testing.T) {
	x := FromSlice([]float64{0.1, -0.2, 0.3, 0.4}, 2, 2).SetRequiresGrad(true)
	w := FromSlice([]float64{0.5, 0.6, -0.7, 0.8}, 2, 2).SetRequiresGrad(true)
	before := modeSets.Load()
	p := MatMul(x, w).Mul(x).Exp().Softmax(1).Sum()
	p.Backward(BackwardOptions{RetainGraph: true})
	Grad([]*Tensor{p}, []*Tensor{x}, GradOptions{CreateGraph: true})
	if n := modeSets.Load() - before; n != 0 {
		t.Errorf("passes over op table nodes set the grad mode %d times; want 0", n)
	}
	x.SetGrad(nil)
	f := &scaleBy{}
	before = modeSets.Load()
	y := modeGraph(x, w, f)
	y.Backward(BackwardOptions{Gradient: OnesLike(y), RetainGraph: true})
	gx, gw := x.Grad(), w.Grad()
	if gx.RequiresGrad() || gw.RequiresGrad() {
		t.Error("a plain backward pass recorded the gradients")
	}
	if n := modeSets.Load() - before; n != 1 {
		t.Errorf("Apply and a plain pass through two custom Functions set the grad mode %d times; want 1", n)
	}
	before = modeSets.Load()
	gs := Grad([]*Tensor{y}, []*Tensor{x, w}, GradOptions{GradOutputs: []*Tensor{OnesLike(y)}, CreateGraph: true})
	if !gs[0].RequiresGrad() || !gs[1].RequiresGrad() {
		t.Error("a CreateGraph pass did not record the gradients")
	}
	if n := modeSets.Load() - before; n != 0 {
		t.Errorf("a CreateGraph pass with grad mode on set the grad mode %d times; want 0", n)
	}
	if len(f.sawGrad) != 2 || f.sawGrad[0] || !f.sawGrad[1] {
		t.Errorf("the Function's saved input required grad in (plain, CreateGraph) passes: %v; want [false true]", f.sawGrad)
	}
	if !allClose(gs[0], gx, 1e-12) || !allClose(gs[1], gw, 1e-12) {
		t.Errorf("the passes disagree: %v %v and %v %v", gx, gw, gs[0], gs[1])
	}
	// The first and second derivatives of the closure-free graph pass float64
	// gradcheck.
	fn := func(in ...*Tensor) *Tensor { return modeGraph(in[0], in[1], &scaleBy{}) }
	if err := GradCheck(fn, []*Tensor{x, w}); err != nil {
		t.Error(err)
	}
	if err := GradGradCheck(fn, []*Tensor{x, w}); err != nil {
		t.Error(err)
	}
}

// allClose reports whether a and b have the same shape and values within tol.
func allClose(a, b *Tensor, tol float64) bool {
	if !slices.Equal(a.Shape(), b.Shape()) {
		return false
	}
	av, bv := a.Contiguous().Values(), b.Contiguous().Values()
	for i := range av {
		if math.Abs(av[i]-bv[i]) > tol*(1+math.Abs(bv[i])) {
			return false
		}
	}
	return true
}

// TestBackwardInsideNoGrad checks the two passes inside NoGrad: a plain one
// records nothing (without setting the mode); a CreateGraph one records the
// pass, as PyTorch's engine does under no_grad.
func TestBackwardInsideNoGrad(t *testing.T) {
	x := FromSlice([]float64{0.5, -1.5}, 2).SetRequiresGrad(true)
	y := x.Mul(x).Mul(x) // x³
	var g1, g2 []*Tensor
	NoGrad(func() {
		before := modeSets.Load()
		g1 = Grad([]*Tensor{y}, []*Tensor{x}, GradOptions{GradOutputs: []*Tensor{OnesLike(y)}, RetainGraph: true})
		if n := modeSets.Load() - before; n != 0 {
			t.Errorf("a plain pass inside NoGrad set the grad mode %d times; want 0", n)
		}
		g2 = Grad([]*Tensor{y}, []*Tensor{x}, GradOptions{GradOutputs: []*Tensor{OnesLike(y)}, CreateGraph: true})
	})
	if g1[0].RequiresGrad() {
		t.Error("a plain pass recorded the gradient")
	}
	if !g2[0].RequiresGrad() {
		t.Fatal("a CreateGraph pass inside NoGrad did not record the gradient")
	}
	// d²(x³)/dx² = 6x, by hand.
	gg := Grad([]*Tensor{g2[0]}, []*Tensor{x}, GradOptions{GradOutputs: []*Tensor{OnesLike(x)}})[0]
	if want := FromSlice([]float64{3, -9}, 2); !allClose(gg, want, 1e-12) {
		t.Errorf("second derivative %v, want %v", gg, want)
	}
}

// TestBackwardWhileOtherGoroutinesUseNoGrad runs plain and CreateGraph passes
// over one retained graph while other goroutines switch NoGrad on and off: no
// pass is affected by another goroutine's mode (run with -race).
func TestBackwardWhileOtherGoroutinesUseNoGrad(t *testing.T) {
	x := FromSlice([]float64{0.3, 0.7, -0.2}, 3).SetRequiresGrad(true)
	y := x.Exp().Mul(x).Mul(x)
	want := Grad([]*Tensor{y}, []*Tensor{x}, GradOptions{GradOutputs: []*Tensor{OnesLike(y)}, RetainGraph: true})[0]
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					NoGrad(func() { x.Mul(x) })
				}
			}
		}()
	}
	var pw sync.WaitGroup
	for i := range 4 {
		pw.Add(1)
		go func() {
			defer pw.Done()
			for range 20 {
				g := Grad([]*Tensor{y}, []*Tensor{x}, GradOptions{GradOutputs: []*Tensor{OnesLike(y)}, RetainGraph: true, CreateGraph: i%2 == 1})[0]
				if g.RequiresGrad() != (i%2 == 1) || !allClose(g.Detach(), want, 1e-12) {
					t.Errorf("pass %d: gradient %v (requires grad %v), want %v", i, g, g.RequiresGrad(), want)
					return
				}
			}
		}()
	}
	pw.Wait()
	close(stop)
	wg.Wait()
}

// TestSvdRankDeficientU checks that Svd's U is orthonormal for a matrix of rank
// 1 (as LAPACK's is), where one-sided Jacobi leaves a column without a
// direction, and that U·diag(S)·Vh is still the matrix.
func TestSvdRankDeficientU(t *testing.T) {
	a := FromSlice([]float64{1, 2, 3, 2, 4, 6, -1, -2, -3}, 3, 3) // rank 1, by construction
	u, s, vh := Svd(a)
	if !allClose(u.T().MatMul(u), Float64.Eye(3), 1e-12) {
		t.Errorf("UᵀU = %v, want I", u.T().MatMul(u))
	}
	if !allClose(u.Mul(s.Unsqueeze(0)).MatMul(vh), a, 1e-12) {
		t.Errorf("U·diag(S)·Vh = %v, want %v", u.Mul(s.Unsqueeze(0)).MatMul(vh), a)
	}
}

// TestMatMulBroadcastNotMaterialised checks that a batched MatMul whose batch
// dims broadcast in a way no single batch stride describes ([8,1,64,64] by
// [1,8,64,64]) reads the operands through their strides: it allocates about
// its 1 MiB result, where copying the expanded operands would add 2 MiB.
func TestMatMulBroadcastNotMaterialised(t *testing.T) {
	a, b := Randn(8, 1, 64, 64), Randn(1, 8, 64, 64)
	want := MatMul(a.Expand(8, 8, 64, 64).Contiguous(), b.Expand(8, 8, 64, 64).Contiguous())
	if got := MatMul(a, b); !allClose(got, want, 1e-5) {
		t.Fatal("MatMul of broadcast batches differs from the product of the materialised operands")
	}
	const out = 8 * 8 * 64 * 64 * 4
	bytes := uint64(math.MaxUint64)
	for range 3 { // the least: other goroutines' allocations only add
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		MatMul(a, b)
		runtime.ReadMemStats(&m1)
		bytes = min(bytes, m1.TotalAlloc-m0.TotalAlloc)
	}
	if bytes > out*3/2 {
		t.Errorf("MatMul allocated %d bytes for a %d-byte result: the broadcast operands were copied", bytes, out)
	}
}
