package nn_test

import (
	"fmt"

	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/tensor"
)

// ClipGradNorm_ has no Example of its own: go vet reads the underscore as the
// start of a suffix. This package example shows it.
func Example_clipGradNorm() {
	w := tensor.Zeros(2).SetRequiresGrad(true)
	w.SetGrad(tensor.New([]float32{3, 4})) // norm 5
	total, err := nn.ClipGradNorm_([]*tensor.Tensor{w}, 1, 2, true)
	fmt.Println(total, err)
	fmt.Println(w.Grad()) // scaled by 1/(5+1e-6)
	// Output:
	// 5 <nil>
	// tensor([0.6000, 0.8000])
}

func ExampleParametersToVector() {
	l := nn.NewLinear(2, 1)
	v := nn.ParametersToVector(l.Parameters()) // weight (1, 2), then bias (1)
	fmt.Println(v.Shape(), v.GradFn().Name())
	nn.VectorToParameters(tensor.New([]float32{1, 2, 3}), l.Parameters())
	fmt.Println(l.Weight, l.Bias)
	// Output:
	// [3] CatBackward0
	// tensor([[1., 2.]], requires_grad=True) tensor([3.], requires_grad=True)
}

func ExampleWeightNorm() {
	l := nn.NewLinear(2, 2)
	tensor.NoGrad(func() { l.Weight.Copy_(tensor.New([]float32{3, 4, 0, 2}, 2, 2)) })
	w := nn.WeightNorm(l, "weight", 0) // weight = g·v/‖v‖, one norm per output row
	fmt.Println(w.G)
	for _, p := range nn.NamedParameters(w) {
		fmt.Println(p.Name, p.Tensor.Shape())
	}
	// Output:
	// tensor([[5.],
	//         [2.]], requires_grad=True)
	// bias [2]
	// weight_g [2 1]
	// weight_v [2 2]
}

func ExampleSpectralNorm() {
	l := nn.NewLinear(2, 2)
	tensor.NoGrad(func() { l.Weight.Copy_(tensor.New([]float32{3, 0, 0, 1}, 2, 2)) }) // singular values 3 and 1
	s := nn.SpectralNorm(l, "weight", nn.SpectralNormOptions{Generator: tensor.NewGenerator(0)})
	fmt.Println(s.Weight()) // divided by σ = 3
	// Output:
	// tensor([[1.0000, 0.0000],
	//         [0.0000, 0.3333]], grad_fn=<DivBackward0>)
}
