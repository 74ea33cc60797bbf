package tensor_test

import (
	"fmt"
	"os"

	"github.com/gograd/gograd/tensor"
)

func ExampleTensor_Backward() {
	x := tensor.Scalar(30)
	W := tensor.Scalar(40).SetRequiresGrad(true)
	b := tensor.Scalar(50).SetRequiresGrad(true)
	z := W.Mul(x).Add(b)
	z.Backward()
	fmt.Println(z)
	fmt.Println(W.Grad(), b.Grad())
	// Output:
	// tensor(1250., grad_fn=<AddBackward0>)
	// tensor(30.) tensor(1.)
}

func ExampleGrad() {
	x := tensor.Float64.Scalar(2).SetRequiresGrad(true)
	y := x.Pow(3)
	dy := tensor.Grad([]*tensor.Tensor{y}, []*tensor.Tensor{x}, tensor.GradOptions{CreateGraph: true})[0]
	d2y := tensor.Grad([]*tensor.Tensor{dy}, []*tensor.Tensor{x})[0]
	fmt.Println(dy.Item(), d2y.Item())
	// Output: 12 12
}

func ExampleNoGrad() {
	w := tensor.Ones(2).SetRequiresGrad(true)
	var y *tensor.Tensor
	tensor.NoGrad(func() { y = w.MulScalar(2) })
	fmt.Println(y, y.RequiresGrad())
	// Output: tensor([2., 2.]) false
}

func ExampleMaybe() {
	err := tensor.Maybe(func() { tensor.Ones(2, 3).Add(tensor.Ones(3, 2)) })
	fmt.Println(err)
	// Output: tensor: Add: shapes [2 3] and [3 2] do not broadcast
}

// cube is a custom op, x³, with its own backward.
type cube struct{}

func (cube) Name() string { return "CubeBackward" }

func (cube) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	ctx.SaveForBackward(in[0])
	return in[0].Pow(3)
}

func (cube) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	x := ctx.Saved()[0]
	return []*tensor.Tensor{g.Mul(x.Mul(x)).MulScalar(3)} // dx: 3x² grad
}

func ExampleApply() {
	x := tensor.Float64.Scalar(2).SetRequiresGrad(true)
	y := tensor.Apply(cube{}, x)
	y.Backward()
	fmt.Println(y.GradFn().Name(), y.Item(), x.Grad().Item())
	err := tensor.GradCheck(func(in ...*tensor.Tensor) *tensor.Tensor { return tensor.Apply(cube{}, in...) },
		[]*tensor.Tensor{tensor.Float64.Randn(3).SetRequiresGrad(true)})
	fmt.Println("gradcheck:", err)
	// Output:
	// CubeBackward 8 12
	// gradcheck: <nil>
}

// FromSlice hands a slice to a tensor without copying it, as torch.from_numpy
// does: the two share their values.
func ExampleFromSlice() {
	pixels := []float32{0, 51, 255, 102}
	t := tensor.FromSlice(pixels, 2, 2)
	pixels[0] = 255
	fmt.Println(t.Shape(), t.Values())
	// Output: [2 2] [255 51 255 102]
}

func ExampleWriteGraph() {
	w := tensor.Ones(2, 3).SetRequiresGrad(true)
	x := tensor.Ones(3)
	y := tensor.MatMul(w, x).Sum()
	names := map[*tensor.Tensor]string{w: "w", y: "y"}
	if err := tensor.WriteGraph(os.Stdout, []*tensor.Tensor{y}, tensor.GraphOptions{Names: names, HideSaved: true}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// digraph {
	// 	graph [size="12,12"]
	// 	node [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]
	// 	n0 [label="y\n()" fillcolor=darkolivegreen1]
	// 	n1 -> n0
	// 	n1 [label="SumBackward0" fillcolor=lightgrey]
	// 	n2 -> n1
	// 	n2 [label="MvBackward0" fillcolor=lightgrey]
	// 	n3 -> n2
	// 	n3 [label="MmBackward0" fillcolor=lightgrey]
	// 	n4 -> n3
	// 	n4 [label="AccumulateGrad" fillcolor=lightgrey]
	// 	n5 [label="w\n(2, 3)" fillcolor=lightblue]
	// 	n5 -> n4
	// }
}
