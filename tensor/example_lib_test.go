package tensor_test

import (
	"fmt"

	"github.com/gograd/gograd/tensor"
)

func ExampleWhere() {
	x := tensor.New([]float32{-1, 2, -3, 4})
	fmt.Println(tensor.Where(x.GtScalar(0), x, tensor.Scalar(0)))
	// Output: tensor([0., 2., 0., 4.])
}

func ExampleCat() {
	a := tensor.New([]float32{1, 2, 3, 4}, 2, 2)
	b := tensor.New([]float32{5, 6}, 2, 1)
	fmt.Println(tensor.Cat([]*tensor.Tensor{a, b}, 1))
	// Output:
	// tensor([[1., 2., 5.],
	//         [3., 4., 6.]])
}

func ExampleTensor_MaxDim() {
	x := tensor.New([]float32{1, 5, 2, 7, 3, 7}, 2, 3).SetRequiresGrad(true)
	values, indices := x.MaxDim(1, false)
	fmt.Println(values)
	fmt.Println(indices)
	values.Sum().Backward()
	fmt.Println(x.Grad())
	// Output:
	// tensor([5., 7.], grad_fn=<MaxBackward0>)
	// tensor([1, 0])
	// tensor([[0., 1., 0.],
	//         [1., 0., 0.]])
}

func ExampleTensor_Add_int64() {
	idx := tensor.New([]int64{0, 1, 2})
	fmt.Println(idx.Add(tensor.New([]int64{3, 3, 3})), idx.MulScalar(2.5))
	// Output: tensor([3, 4, 5]) tensor([0.0000, 2.5000, 5.0000])
}
