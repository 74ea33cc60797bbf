package autograd_test

import (
	"testing"

	"github.com/gograd/gograd/autograd"
	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/tensor"
)

// BenchmarkJacobian256 computes the 256×64 Jacobian of tanh(W·x) (W 256×64),
// with one backward pass per output row (loop) and with one pass carrying all
// 256 rows (vectorize: tensor.Grad with IsGradsBatched).
func BenchmarkJacobian256(b *testing.B) {
	g := tensor.NewGenerator(1)
	w := g.Normal(tensor.Zeros(256, 64), 0, 0.1)
	x := g.Normal(tensor.Zeros(64), 0, 1)
	f := autograd.Single(func(x *tensor.Tensor) *tensor.Tensor {
		return tensor.MatMul(x, w.T()).Tanh()
	})
	loopAndVectorize(b, func(o autograd.Options) { autograd.Jacobian(f, []*tensor.Tensor{x}, o) })
}

// BenchmarkJacobianMLP computes the 128×64 Jacobian of an nn MLP (Linear 64→128,
// Tanh, Linear 128→128) at one input, looped and vectorised: Linear's node, a
// Function, takes the batch through its BackwardBatched.
func BenchmarkJacobianMLP(b *testing.B) {
	g := tensor.NewGenerator(1)
	m := nn.Sequential{nn.NewLinear(64, 128, nn.WithGenerator(g)), nn.Tanh{}, nn.NewLinear(128, 128, nn.WithGenerator(g))}
	x := g.Normal(tensor.Zeros(64), 0, 1)
	f := autograd.Single(func(x *tensor.Tensor) *tensor.Tensor { return m.Forward(x) })
	loopAndVectorize(b, func(o autograd.Options) { autograd.Jacobian(f, []*tensor.Tensor{x}, o) })
}

// loopAndVectorize runs f as sub-benchmarks without and with Vectorize.
func loopAndVectorize(b *testing.B, f func(autograd.Options)) {
	for _, c := range []struct {
		name string
		vec  bool
	}{{"loop", false}, {"vectorize", true}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f(autograd.Options{Vectorize: c.vec})
			}
		})
	}
}

// BenchmarkHessian64 computes the 64×64 Hessian of sum(tanh(W·x)) + x·x (W
// 128×64), with one backward pass through the gradient's graph per row (loop)
// and with one pass carrying all 64 rows (vectorize).
func BenchmarkHessian64(b *testing.B) {
	g := tensor.NewGenerator(1)
	w := g.Normal(tensor.Zeros(128, 64), 0, 0.1)
	x := g.Normal(tensor.Zeros(64), 0, 1)
	f := autograd.Single(func(x *tensor.Tensor) *tensor.Tensor {
		return w.MatMul(x).Tanh().Sum().Add(tensor.Dot(x, x))
	})
	loopAndVectorize(b, func(o autograd.Options) { autograd.Hessian(f, []*tensor.Tensor{x}, o) })
}
