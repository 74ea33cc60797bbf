// Seed002 reproduces the training loop of the seed tutorial "torch.autograd":
//
//	optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
//	prediction = model(some_input)
//	loss = (ideal_output - prediction).pow(2).sum()
//	loss.backward()
//	optimizer.step()
//	optimizer.zero_grad()
//
// on a small network, printing the loss as it falls.
package main

import (
	"fmt"
	"io"
	"math"

	"github.com/gograd/gograd/examples/internal/graphfile"
	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/optim"
	"github.com/gograd/gograd/tensor"
)

func main() { graphfile.Main(run) }

// fill sets t's i-th element to f(i): deterministic weights and data, so that the
// PyTorch original (examples/testdata/gen_want.py) starts from the same values.
func fill(t *tensor.Tensor, f func(i int) float64) *tensor.Tensor {
	v := t.Float32s()
	for i := range v {
		v[i] = float32(f(i))
	}
	return t
}

func run(w io.Writer, draw graphfile.Draw) {
	model := nn.Sequential{nn.NewLinear(3, 4), nn.ReLU{}, nn.NewLinear(4, 2)}
	for k, p := range model.Parameters() {
		fill(p, func(i int) float64 { return 0.5 * math.Sin(float64(10*k+i+1)) })
	}
	someInput := fill(tensor.Zeros(5, 3), func(i int) float64 { return math.Cos(float64(i)) })
	idealOutput := fill(tensor.Zeros(5, 2), func(i int) float64 { return float64(i%3) - 1 })

	optimizer := optim.NewSGD(model.Parameters(), optim.SGDOptions{LR: 0.001})
	for step := range 5 {
		prediction := model.Forward(someInput)
		loss := idealOutput.Sub(prediction).Pow(2).Sum()
		fmt.Fprintf(w, "step %d loss %v\n", step, loss)
		draw.Call(paramNames(model, loss), loss)
		loss.Backward()
		optimizer.Step()
		optimizer.ZeroGrad()
	}
	fmt.Fprintln(w, "final prediction:", model.Forward(someInput))
}

// paramNames labels the model's parameters with their state_dict names, and the
// loss, for the picture of the graph.
func paramNames(model nn.Module, loss *tensor.Tensor) map[*tensor.Tensor]string {
	names := map[*tensor.Tensor]string{loss: "loss"}
	for _, p := range nn.NamedParameters(model) {
		names[p.Tensor] = p.Name
	}
	return names
}
