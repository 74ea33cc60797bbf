// Seed003 reproduces the seed tutorial "Automatic Differentiation with
// torch.autograd": a one-layer network z = x·w + b with a binary cross-entropy
// loss on the logits, its grad_fn names and the gradients of w and b.
package main

import (
	"fmt"
	"io"

	"github.com/gograd/gograd/examples/internal/graphfile"
	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

func main() { graphfile.Main(run) }

// w and b are what torch.manual_seed(0); torch.randn(5, 3); torch.randn(3) draw,
// copied here so that the output can be compared with PyTorch's line for line.
var (
	wInit = []float32{
		1.5409961, -0.2934289, -2.1787894,
		0.56843126, -1.0845224, -1.3985955,
		0.40334684, 0.83802634, -0.7192576,
		-0.40334353, -0.59663534, 0.18203649,
		-0.8566746, 1.1006042, -1.0711874,
	}
	bInit = []float32{0.12270124, -0.5663175, 0.37311465}
)

func run(out io.Writer, draw graphfile.Draw) {
	x := tensor.Ones(5)  // input tensor
	y := tensor.Zeros(3) // expected output
	w := tensor.New(wInit, 5, 3).SetRequiresGrad(true)
	b := tensor.New(bInit, 3).SetRequiresGrad(true)
	z := tensor.MatMul(x, w).Add(b)
	loss := functional.BinaryCrossEntropyWithLogits(z, y)
	fmt.Fprintln(out, loss)

	fmt.Fprintf(out, "Gradient function for z = %v\n", z.GradFn())
	fmt.Fprintf(out, "Gradient function for loss = %v\n", loss.GradFn())

	draw.Call(map[*tensor.Tensor]string{w: "w", b: "b", loss: "loss"}, loss)
	loss.Backward()
	fmt.Fprintln(out, w.Grad())
	fmt.Fprintln(out, b.Grad())
}
