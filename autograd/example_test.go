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
