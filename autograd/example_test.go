package autograd_test

import (
	"fmt"

	"github.com/gograd/gograd/autograd"
	"github.com/gograd/gograd/tensor"
)

func ExampleJacobian() {
	// f(x) = x², elementwise: the Jacobian is diag(2x).
	f := autograd.Single(func(x *tensor.Tensor) *tensor.Tensor { return x.Pow(2) })
	x := tensor.New([]float32{1, 2, 3})
	fmt.Println(autograd.Jacobian(f, []*tensor.Tensor{x})[0][0])
	// Output:
	// tensor([[2., 0., 0.],
	//         [0., 4., 0.],
	//         [0., 0., 6.]])
}

func ExampleHessian() {
	// f(x, y) = x²y: the Hessian is [[2y, 2x], [2x, 0]].
	f := func(in ...*tensor.Tensor) []*tensor.Tensor { return []*tensor.Tensor{in[0].Pow(2).Mul(in[1])} }
	h := autograd.Hessian(f, []*tensor.Tensor{tensor.Scalar(3), tensor.Scalar(5)})
	fmt.Println(h[0][0], h[0][1], h[1][0], h[1][1])
	// Output: tensor(10.) tensor(6.) tensor(6.) tensor(0.)
}

func ExampleCheckpoint() {
	// A segment that closes over a parameter w: its activations are recomputed
	// in backward, and w gets its gradient through tensor.Grad as without
	// Checkpoint: d/dw tanh(w·x)² at x = 1, w = 0.5 is 2·tanh(0.5)·(1 - tanh²(0.5))
	// = 0.72686.
	w := tensor.Float64.Scalar(0.5).SetRequiresGrad(true)
	x := tensor.Float64.Scalar(1)
	segment := func(in ...*tensor.Tensor) *tensor.Tensor { return w.Mul(in[0]).Tanh().Pow(2) }
	y := autograd.Checkpoint(segment, []*tensor.Tensor{x})
	g := tensor.Grad([]*tensor.Tensor{y}, []*tensor.Tensor{w})[0]
	fmt.Println(y.GradFn(), g)
	// Output: <CheckpointBackward> tensor(0.7269, dtype=torch.float64)
}

func ExampleOptions_vectorize() {
	// One backward pass computes all rows of the Jacobian of an ordinary
	// function: here a softmax, whose Jacobian is diag(s) - s·sᵀ.
	f := autograd.Single(func(x *tensor.Tensor) *tensor.Tensor { return x.Softmax(0) })
	x := tensor.New([]float64{0, 0})
	fmt.Println(autograd.Jacobian(f, []*tensor.Tensor{x}, autograd.Options{Vectorize: true})[0][0])
	// Output:
	// tensor([[ 0.2500, -0.2500],
	//         [-0.2500,  0.2500]], dtype=torch.float64)
}
