package nn

import (
	"fmt"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// BenchmarkLinear compares Linear.Forward, one node with Wᵀ passed to the kernel
// as a flag, with the composite x.MatMul(W.T()).Add(b), which copies Wᵀ and adds
// the bias in a second pass; forward alone and forward+backward.
func BenchmarkLinear(b *testing.B) {
	for _, s := range []struct{ n, in, out int }{{64, 784, 128}, {256, 256, 256}, {32, 64, 10}} {
		g := tensor.NewGenerator(1)
		l := NewLinear(s.in, s.out, WithGenerator(g))
		x := g.Normal(tensor.Zeros(s.n, s.in), 0, 1)
		composite := func(x *tensor.Tensor) *tensor.Tensor { return x.MatMul(l.Weight.T()).Add(l.Bias) }
		for _, impl := range []struct {
			name string
			f    func(*tensor.Tensor) *tensor.Tensor
		}{{"Linear", l.Forward}, {"MatMulT", composite}} {
			name := fmt.Sprintf("%s/%dx%dx%d", impl.name, s.n, s.in, s.out)
			b.Run(name+"/forward", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					impl.f(x)
				}
			})
			b.Run(name+"/backward", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					impl.f(x).Sum().Backward()
					l.Weight.SetGrad(nil)
					l.Bias.SetGrad(nil)
				}
			})
		}
	}
}
