package autograd_test

import (
	"testing"

	"github.com/gograd/gograd/autograd"
	"github.com/gograd/gograd/tensor"
)

// BenchmarkJacobian256 computes the 256×64 Jacobian of tanh(W·x) (W 256×64),
// with one backward pass per output row (loop) and with one batched pass
// (vectorize).
func BenchmarkJacobian256(b *testing.B) {
	g := tensor.NewGenerator(1)
	w := g.Normal(tensor.Zeros(256, 64), 0, 0.1)
	x := g.Normal(tensor.Zeros(64), 0, 1)
	f := autograd.Single(func(x *tensor.Tensor) *tensor.Tensor {
		// x (64) or a batch (m, 64): (x·Wᵀ).tanh() row by row.
		return tensor.MatMul(x, w.T()).Tanh()
	})
	for _, c := range []struct {
		name string
		vec  bool
	}{{"loop", false}, {"vectorize", true}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				autograd.Jacobian(f, []*tensor.Tensor{x}, autograd.Options{Vectorize: c.vec})
			}
		})
	}
}
