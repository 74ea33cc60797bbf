package tensor

import (
	"fmt"
	"testing"
)

// Benchmarks of the op library at the sizes a small transformer layer uses
// (batch 8, 128 tokens, width 256: 262144 elements), forward and forward plus
// backward, float32. They are the baseline for tuning the float64-per-element
// paths these ops start with.
func BenchmarkLibrary(b *testing.B) {
	const rows, width = 8 * 128, 256
	x := Randn(rows, width)
	idx := RandInt(0, rows, 512)
	ops := []struct {
		name string
		f    func(x *Tensor) *Tensor
	}{
		{"Gelu", func(x *Tensor) *Tensor { return x.Gelu("none") }},
		{"Silu", func(x *Tensor) *Tensor { return x.Silu() }},
		{"Where", func(x *Tensor) *Tensor { return Where(x.GtScalar(0), x, Scalar(0)) }},
		{"Cat", func(x *Tensor) *Tensor { return Cat([]*Tensor{x, x}, 1) }},
		{"IndexSelect", func(x *Tensor) *Tensor { return x.IndexSelect(0, idx) }},
		{"Amax", func(x *Tensor) *Tensor { return x.Amax(1) }},
		{"LogSumExp", func(x *Tensor) *Tensor { return x.LogSumExp(false, 1) }},
		{"Var", func(x *Tensor) *Tensor { return x.Var(1, false, 1) }},
		{"Einsum/attention", func(x *Tensor) *Tensor {
			q := x.Reshape(8, 4, 128, 64)
			return Einsum("bhqd,bhkd->bhqk", q, q)
		}},
	}
	for _, op := range ops {
		b.Run(fmt.Sprintf("fwd/%s", op.name), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				op.f(x)
			}
			b.ReportMetric(float64(x.Numel()*4)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
		b.Run(fmt.Sprintf("fwdbwd/%s", op.name), func(b *testing.B) {
			xg := x.Detach().SetRequiresGrad(true)
			b.ReportAllocs()
			for b.Loop() {
				xg.SetGrad(nil)
				op.f(xg).Sum().Backward()
			}
		})
	}
}
