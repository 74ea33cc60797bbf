package autograd

import "github.com/gograd/gograd/tensor"

// Hessian returns the Hessian of f, which must return one one-element tensor, at
// inputs (the counterpart of torch.autograd.functional.hessian): h[i][j] is the
// second derivative with respect to inputs i and j, of shape input i's shape
// followed by input j's. It is the Jacobian of f's gradient (recorded), with the
// same Options; with Vectorize, one batched backward pass through the graph of
// the gradient computes every row.
func Hessian(f Func, inputs []*tensor.Tensor, opts ...Options) [][]*tensor.Tensor {
	const op = "Hessian"
	o := options(op, opts)
	gradient := func(in ...*tensor.Tensor) []*tensor.Tensor {
		outs := call(op, f, in, o.Strict)
		out := outs[0]
		if len(outs) != 1 || out.Numel() != 1 {
			fail(op, "The function given to hessian should return a single Tensor with a single element, got %d outputs, the first of shape %v", len(outs), out.Shape())
		}
		g := fillZeros(op, grad([]*tensor.Tensor{out}, []*tensor.Tensor{nil}, in, true, false), in, o.Strict, "back")
		for j, gj := range g {
			if o.Strict && !gj.RequiresGrad() {
				fail(op, "The hessian of the user-provided function with respect to input %d is independent of the input. "+
					"This is not allowed in strict mode. You should ensure that your function is thrice differentiable and that the hessian depends on the inputs.", j)
			}
		}
		return g
	}
	return jacobian(op, gradient, inputs, o)
}
