package tensor

import (
	"fmt"
	"testing"
)

// chain applies 1000 ops alternating y+w and y*w, the workload of
// shared/bench/pytorch/op_overhead.py.
func chain(x, w *Tensor) *Tensor {
	y := x
	for i := range 1000 {
		if i%2 == 0 {
			y = y.Add(w)
		} else {
			y = y.Mul(w)
		}
	}
	return y
}

// BenchmarkOpOverhead measures the cost per op of recording a chain of 1000 ops and
// running backward through it (the "total" of op_overhead.py), and of the same
// chain under NoGrad. The reported metric is µs per op.
func BenchmarkOpOverhead(b *testing.B) {
	for _, c := range []struct {
		name  string
		shape []int
	}{{"scalar", nil}, {"vec1000", []int{1000}}} {
		b.Run(c.name+"/total", func(b *testing.B) {
			x := Full(1, c.shape...).SetRequiresGrad(true)
			w := Full(0.5, c.shape...).SetRequiresGrad(true)
			b.ReportAllocs()
			for b.Loop() {
				x.SetGrad(nil)
				w.SetGrad(nil)
				chain(x, w).Sum().Backward()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "µs/op")
		})
		b.Run(c.name+"/fwd_nograd", func(b *testing.B) {
			x := Full(1, c.shape...).SetRequiresGrad(true)
			w := Full(0.5, c.shape...).SetRequiresGrad(true)
			b.ReportAllocs()
			NoGrad(func() {
				for b.Loop() {
					chain(x, w)
				}
			})
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "µs/op")
		})
	}
}

// BenchmarkMatMul measures float32 square matrix products, forward only and forward
// plus backward (both inputs require grad).
func BenchmarkMatMul(b *testing.B) {
	for _, n := range []int{64, 256, 512} {
		a, c := Randn(n, n), Randn(n, n)
		b.Run(fmt.Sprintf("fwd/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				MatMul(a, c)
			}
			b.ReportMetric(2*float64(n*n*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(fmt.Sprintf("fwdbwd/%d", n), func(b *testing.B) {
			ag, cg := a.Detach().SetRequiresGrad(true), c.Detach().SetRequiresGrad(true)
			b.ReportAllocs()
			for b.Loop() {
				ag.SetGrad(nil)
				cg.SetGrad(nil)
				MatMul(ag, cg).Sum().Backward()
			}
			b.ReportMetric(6*float64(n*n*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
