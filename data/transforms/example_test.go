package transforms_test

import (
	"fmt"

	"github.com/gograd/gograd/data/transforms"
	"github.com/gograd/gograd/tensor"
)

func ExampleCompose() {
	// A 2×3 grey image as bytes, converted to a (1, 2, 3) tensor in [0, 1].
	img := transforms.ToTensor([]uint8{0, 51, 102, 153, 204, 255}, 2, 3, 1)
	augment := transforms.Compose(
		transforms.RandomHorizontalFlip(1), // always, to show it
		transforms.Normalize([]float64{0.5}, []float64{0.5}),
	)
	fmt.Println(augment(img, tensor.NewGenerator(0)).Values())
	// Output: [-0.19999998807907104 -0.6000000238418579 -1 1 0.6000000238418579 0.20000004768371582]
}

func ExamplePad() {
	img := tensor.New([]float32{1, 2, 3}, 1, 3)
	fmt.Println(transforms.Pad(img, transforms.Padding{Left: 2, Right: 2}, 0, transforms.Reflect).Values())
	fmt.Println(transforms.Pad(img, transforms.Padding{Left: 2, Right: 2}, 0, transforms.Symmetric).Values())
	// Output:
	// [3 2 1 2 3 2 1]
	// [2 1 1 2 3 3 2]
}
