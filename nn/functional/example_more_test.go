package functional_test

import (
	"fmt"

	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// A 1×2 image doubled in size: nearest repeats each pixel, bilinear (without
// align_corners) blends neighbours by their distance from each output pixel's
// centre.
func ExampleInterpolate() {
	x := tensor.New([]float32{0, 4}, 1, 1, 1, 2)
	nearest := functional.Interpolate(x, functional.InterpolateOptions{ScaleFactor: []float64{2}})
	bilinear := functional.Interpolate(x, functional.InterpolateOptions{ScaleFactor: []float64{2}, Mode: "bilinear"})
	fmt.Println(nearest.Shape(), nearest.Values()[:4])
	fmt.Println(bilinear.Values()[:4])
	// Output:
	// [1 1 2 4] [0 0 4 4]
	// [0 1 3 4]
}

// Two bags of word indices, given by offsets into one list, summed and averaged.
func ExampleEmbeddingBag() {
	w := tensor.New([]float32{1, 0, 0, 1, 1, 1}, 3, 2)
	idx := tensor.New([]int64{0, 1, 2, 2})
	offsets := tensor.New([]int64{0, 3})
	sum := functional.EmbeddingBag(idx, w, functional.EmbeddingBagOptions{Offsets: offsets, Mode: "sum"})
	mean := functional.EmbeddingBag(idx, w, functional.EmbeddingBagOptions{Offsets: offsets})
	fmt.Println(sum.Values(), mean.Values())
	// Output: [2 2 1 1] [0.6666666865348816 0.6666666865348816 1 1]
}

func ExampleHardshrink() {
	x := tensor.New([]float32{-1, -0.3, 0.2, 0.8})
	fmt.Println(functional.Hardshrink(x, 0.5).Values(), functional.Softshrink(x, 0.5).Values())
	// Output: [-1 0 0 0.800000011920929] [-0.5 0 0 0.30000001192092896]
}

// AdditiveMask turns a bool attention mask into the float one added to the
// scores, by MultiheadAttention's rule (true masks out) or
// ScaledDotProductAttention's (true attends); both ops take bool masks as they
// are and call it themselves.
func ExampleAdditiveMask() {
	m := tensor.NewBool([]bool{true, false}, 1, 2)
	fmt.Println(functional.AdditiveMask(m, tensor.Float32, true).Values())
	fmt.Println(functional.AdditiveMask(m, tensor.Float32, false).Values())
	// Output:
	// [-Inf 0]
	// [0 -Inf]
}
