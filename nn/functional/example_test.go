package functional_test

import (
	"fmt"

	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// A 3×3 image convolved with a 2×2 kernel that sums each window, then max-pooled.
func ExampleConv2d() {
	x := tensor.Arange(1, 10, 1).Reshape(1, 1, 3, 3)
	w := tensor.Ones(1, 1, 2, 2)
	y := functional.Conv2d(x, w, nil, functional.ConvOptions{})
	fmt.Println(y.Values())
	fmt.Println(functional.MaxPool2d(y, functional.PoolOptions{Kernel: [2]int{2, 2}}).Values())
	// Output:
	// [12 16 24 28]
	// [28]
}

func ExampleScaledDotProductAttention() {
	q := tensor.New([]float32{1, 0, 0, 1}, 1, 2, 2)
	v := tensor.New([]float32{1, 2, 3, 4}, 1, 2, 2)
	// With a causal mask the first query sees only the first value; the second
	// weighs the two by softmax(0, 1/√2) = (0.330, 0.670).
	y := functional.ScaledDotProductAttention(q, q, v, functional.AttentionOptions{Causal: true})
	fmt.Printf("%.3f\n", y.Values())
	// Output: [1.000 2.000 2.340 3.340]
}

// Cross-entropy with PyTorch's keyword arguments as LossOptions: class weights
// and label smoothing (4.1733 is torch.nn.functional.cross_entropy's value).
func ExampleCrossEntropy() {
	logits := tensor.New([]float64{2, 0, -1, 0.5, 1.5, 0}, 2, 3)
	target := tensor.New([]int64{0, 2})
	loss := functional.CrossEntropy(logits, target,
		functional.Weight(tensor.New([]float64{1, 1, 2})), functional.LabelSmoothing(0.1), functional.Sum)
	fmt.Printf("%.4f\n", loss.Item())
	// Output:
	// 4.1733
}
