package functional

import (
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/gograd/gograd/internal/parallel"
	"github.com/gograd/gograd/tensor"
)

// BenchmarkLeNetLayers times the convolutions and poolings of BenchmarkCNNStep
// (bench/) one at a time at its shapes (batch 64), forward and backward with a
// fixed output gradient: conv1 1→6 channels 28×28 kernel 5 (its input needs no
// gradient), pool1 6×24×24, conv2 6→16 channels 12×12, pool2 16×8×8. Besides
// ns/op it reports the fastest and the median iteration (min-us, med-us): on a
// shared machine the fastest is the steadiest. -cpu sets the kernels' thread
// count (parallel.SetThreads) as well as GOMAXPROCS.
func BenchmarkLeNetLayers(b *testing.B) {
	defer parallel.SetThreads(parallel.Threads())
	parallel.SetThreads(runtime.GOMAXPROCS(0)) // -cpu sets the kernels' threads too
	g := tensor.NewGenerator(1)
	randn := func(shape ...int) *tensor.Tensor { return g.Normal(tensor.Zeros(shape...), 0, 1) }
	x1 := randn(64, 1, 28, 28)
	w1, b1 := randn(6, 1, 5, 5).SetRequiresGrad(true), randn(6).SetRequiresGrad(true)
	x2 := randn(64, 6, 12, 12).SetRequiresGrad(true)
	w2, b2 := randn(16, 6, 5, 5).SetRequiresGrad(true), randn(16).SetRequiresGrad(true)
	p1, p2 := randn(64, 6, 24, 24).SetRequiresGrad(true), randn(64, 16, 8, 8).SetRequiresGrad(true)
	pool := PoolOptions{Kernel: [2]int{2, 2}}
	layers := []struct {
		name   string
		f      func() *tensor.Tensor
		dy     *tensor.Tensor
		params []*tensor.Tensor
	}{
		{"conv1", func() *tensor.Tensor { return Conv2d(x1, w1, b1, ConvOptions{}) }, randn(64, 6, 24, 24), []*tensor.Tensor{w1, b1}},
		{"pool1", func() *tensor.Tensor { return MaxPool2d(p1, pool) }, randn(64, 6, 12, 12), []*tensor.Tensor{p1}},
		{"conv2", func() *tensor.Tensor { return Conv2d(x2, w2, b2, ConvOptions{}) }, randn(64, 16, 8, 8), []*tensor.Tensor{x2, w2, b2}},
		{"pool2", func() *tensor.Tensor { return MaxPool2d(p2, pool) }, randn(64, 16, 4, 4), []*tensor.Tensor{p2}},
	}
	for _, l := range layers {
		b.Run(l.name+"/forward", func(b *testing.B) {
			timed(b, func() {
				tensor.NoGrad(func() { l.f() })
			})
		})
		b.Run(l.name+"/step", func(b *testing.B) {
			timed(b, func() {
				for _, p := range l.params {
					p.SetGrad(nil)
				}
				l.f().Backward(tensor.BackwardOptions{Gradient: l.dy})
			})
		})
	}
}

// timed runs f b.N times and reports the fastest and the median run.
func timed(b *testing.B, f func()) {
	b.ReportAllocs()
	var ts []time.Duration
	for b.Loop() {
		t0 := time.Now()
		f()
		ts = append(ts, time.Since(t0))
	}
	slices.Sort(ts)
	b.ReportMetric(float64(ts[0].Nanoseconds())/1e3, "min-us")
	b.ReportMetric(float64(ts[len(ts)/2].Nanoseconds())/1e3, "med-us")
}
