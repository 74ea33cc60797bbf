package nn_test

import (
	"fmt"

	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// An encoder-decoder Transformer reading a source of 5 steps and a target of 4,
// batch first, the target masked causally as generate_square_subsequent_mask
// does.
func ExampleTransformer() {
	tr := nn.NewTransformer(16, 4, 2, 2, 32, 0.1, nn.ReLU{}, false, nn.WithGenerator(tensor.NewGenerator(1)))
	tr.BatchFirst = true
	nn.Eval(tr)
	src, tgt := tensor.Randn(3, 5, 16), tensor.Randn(3, 4, 16)
	y := tr.Transform(src, tgt, &nn.TransformerOptions{Tgt: nn.AttendOptions{Causal: true}})
	fmt.Println(y.Shape(), len(nn.StateDict(tr)))
	// Output: [3 4 16] 64
}

// Activations with arguments have PyTorch's defaults through their New
// functions, and print as PyTorch prints them.
func ExampleLeakyReLU() {
	m := nn.Sequential{nn.NewLeakyReLU(), nn.NewHardtanh(), nn.NewPReLU(1, 0.25)}
	fmt.Println(m)
	fmt.Println(m.Forward(tensor.New([]float32{-4, 0.5, 3})).Values())
	// Output:
	// Sequential(
	//   (0): LeakyReLU(negative_slope=0.01)
	//   (1): Hardtanh(min_val=-1.0, max_val=1.0)
	//   (2): PReLU(num_parameters=1)
	// )
	// [-0.009999999776482582 0.5 1]
}

// Modules by name in a ModuleDict, named by their keys in the state dict.
func ExampleModuleDict() {
	d := nn.NewModuleDict(nn.NamedModule{Name: "proj", Module: nn.NewLinear(4, 2)}, nn.NamedModule{Name: "act", Module: nn.ReLU{}})
	for _, p := range nn.NamedParameters(d) {
		fmt.Println(p.Name, p.Tensor.Shape())
	}
	m, _ := d.Get("act")
	fmt.Println(m.Forward(tensor.New([]float32{-1, 2})).Values())
	// Output:
	// proj.weight [2 4]
	// proj.bias [2]
	// [0 2]
}

// Upsample doubles an image's size with bilinear interpolation.
func ExampleUpsample() {
	up := nn.Upsample{InterpolateOptions: functional.InterpolateOptions{ScaleFactor: []float64{2}, Mode: "bilinear", AlignCorners: true}}
	fmt.Println(up)
	fmt.Println(up.Forward(tensor.New([]float32{0, 3}, 1, 1, 1, 2)).Values())
	// Output:
	// Upsample(scale_factor=2.0, mode=bilinear)
	// [0 1 2 3 0 1 2 3]
}
