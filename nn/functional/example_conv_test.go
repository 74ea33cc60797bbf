package functional_test

import (
	"fmt"

	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// A stride-2 transposed convolution with a 2×2 kernel of ones copies each input
// value into its own 2×2 block.
func ExampleConvTranspose2d() {
	x := tensor.New([]float32{1, 2, 3, 4}, 1, 1, 2, 2)
	w := tensor.Ones(1, 1, 2, 2)
	y := functional.ConvTranspose2d(x, w, nil, functional.ConvTransposeOptions{Stride: [3]int{2, 2}})
	fmt.Println(y.Shape(), y.Values())
	// Output:
	// [1 1 4 4] [1 1 2 2 1 1 2 2 3 3 4 4 3 3 4 4]
}

// Unfold lays the 2×2 blocks of a 3×3 image out as columns; Fold sums them back,
// so each pixel comes back times the number of blocks that hold it.
func ExampleUnfold() {
	x := tensor.Arange(1, 10, 1).Reshape(1, 1, 3, 3)
	o := functional.FoldOptions{Kernel: [2]int{2, 2}}
	cols := functional.Unfold(x, o)
	fmt.Println(cols.Shape(), cols.Values())
	fmt.Println(functional.Fold(cols, [2]int{3, 3}, o).Values())
	// Output:
	// [1 4 4] [1 2 4 5 2 3 5 6 4 5 7 8 5 6 8 9]
	// [1 4 3 8 20 12 7 16 9]
}

// The gradient of a convolution's input gradient with respect to its weight
// (CreateGraph): x's gradient sums the kernel over the windows holding each
// pixel, so its own sum is 4·Σw (four 2×2 windows), whose gradient in each
// weight is 4.
func ExampleConv2d_doubleBackward() {
	x := tensor.Arange(1, 10, 1).Reshape(1, 1, 3, 3).SetRequiresGrad(true)
	w := tensor.Ones(1, 1, 2, 2).SetRequiresGrad(true)
	y := functional.Conv2d(x, w, nil, functional.ConvOptions{})
	gx := tensor.Grad([]*tensor.Tensor{y.Sum()}, []*tensor.Tensor{x}, tensor.GradOptions{CreateGraph: true})[0]
	fmt.Println(gx.Values())
	gx.Sum().Backward()
	fmt.Println(w.Grad().Values())
	// Output:
	// [1 2 1 2 4 2 1 2 1]
	// [4 4 4 4]
}
