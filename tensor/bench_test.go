package tensor

import (
	"fmt"
	"testing"
)

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
