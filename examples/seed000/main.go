// Seed000 reproduces the seed tutorial "What is Autograd": a single neuron
// z = W*x + b, its gradients, then the neuron with a sigmoid and a squared-error
// loss, whose gradients autograd computes and the chain rule confirms, followed by
// one step of gradient descent.
package main

import (
	"fmt"
	"io"

	"github.com/gograd/gograd/examples/internal/graphfile"
	"github.com/gograd/gograd/tensor"
)

func main() { graphfile.Main(run) }

func run(w io.Writer, draw graphfile.Draw) {
	// x = torch.tensor(30.); W = torch.tensor(40., requires_grad=True); ...
	x := tensor.Scalar(30)
	W := tensor.Scalar(40).SetRequiresGrad(true)
	b := tensor.Scalar(50).SetRequiresGrad(true)
	fmt.Fprintln(w, "W.is_leaf:", W.IsLeaf(), "x.is_leaf:", x.IsLeaf(), "b.is_leaf:", b.IsLeaf())

	z := W.Mul(x).Add(b)
	fmt.Fprintln(w, "z:", z)
	fmt.Fprintln(w, "z.is_leaf:", z.IsLeaf())

	z.Backward()
	fmt.Fprintln(w, "dz/dW = W.grad:", W.Grad())
	fmt.Fprintln(w, "dz/db = b.grad:", b.Grad())

	// The one-neuron network: ŷ = sigmoid(W*x + b), L = (y - ŷ)², one update with
	// learning rate α. (Small inputs, so that the sigmoid is not saturated.)
	x = tensor.Scalar(1.5)
	y := tensor.Scalar(1)
	W = tensor.Scalar(0.8).SetRequiresGrad(true)
	b = tensor.Scalar(-0.5).SetRequiresGrad(true)
	const alpha = 0.1

	z = W.Mul(x).Add(b)
	yHat := z.Sigmoid()
	loss := y.Sub(yHat).Pow(2)
	fmt.Fprintln(w, "y_hat:", yHat)
	fmt.Fprintln(w, "loss:", loss)
	draw.Call(map[*tensor.Tensor]string{W: "W", b: "b", loss: "loss"}, loss)
	loss.Backward()
	fmt.Fprintln(w, "autograd dL/dW:", W.Grad())
	fmt.Fprintln(w, "autograd dL/db:", b.Grad())

	// The same gradients by the chain rule: dL/dW = dL/dŷ · dŷ/dz · dz/dW.
	tensor.NoGrad(func() {
		dLdYHat := y.Sub(yHat).MulScalar(-2)
		dYHatdZ := yHat.Mul(yHat.RSubScalar(1))
		fmt.Fprintln(w, "dL/dy_hat:", dLdYHat)
		fmt.Fprintln(w, "dy_hat/dz:", dYHatdZ)
		fmt.Fprintln(w, "chain rule dL/dW:", dLdYHat.Mul(dYHatdZ).Mul(x))
		fmt.Fprintln(w, "chain rule dL/db:", dLdYHat.Mul(dYHatdZ))

		// W ← W - α dL/dW, b ← b - α dL/db.
		W.Copy_(W.Sub(W.Grad().MulScalar(alpha)))
		b.Copy_(b.Sub(b.Grad().MulScalar(alpha)))
	})
	fmt.Fprintln(w, "updated W:", W)
	fmt.Fprintln(w, "updated b:", b)
	fmt.Fprintln(w, "new loss:", y.Sub(W.Mul(x).Add(b).Sigmoid()).Pow(2).Detach())
}
