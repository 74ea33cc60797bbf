// Seed001 reproduces the seed tutorial "PyTorch Autograd and Backpropagation":
// the gradient of z = 2x² + 3 at x = 3, and of the mean of 2x over a vector.
package main

import (
	"fmt"
	"io"

	"github.com/gograd/gograd/examples/internal/graphfile"
	"github.com/gograd/gograd/tensor"
)

func main() { graphfile.Main(run) }

func run(w io.Writer, draw graphfile.Draw) {
	x := tensor.Scalar(3).SetRequiresGrad(true)
	y := x.Pow(2)                    // y = x²
	z := y.MulScalar(2).AddScalar(3) // z = 2x² + 3
	draw.Call(map[*tensor.Tensor]string{x: "x", z: "z"}, z)
	z.Backward() // dz/dx = 4x
	fmt.Fprintf(w, "Gradient of x (dz/dx): %g\n", x.Grad().Item())

	// The tutorial draws x with torch.randn(3); these are the values it printed.
	x = tensor.New([]float32{-2.3873, 1.7180, 0.2499}).SetRequiresGrad(true)
	fmt.Fprintf(w, "x=%v\n", x)
	y = x.MulScalar(2)
	z = y.Mean()
	fmt.Fprintf(w, "z=%v\n", z)
	z.Backward()
	fmt.Fprintf(w, "\ngrad dz/dx = %v\n", x.Grad())
}
