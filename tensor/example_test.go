package tensor_test

import (
	"fmt"

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

func ExampleDetectAnomaly() {
	x := tensor.Float64.Scalar(0).SetRequiresGrad(true)
	defer func() {
		e := recover().(*tensor.Error)
		fmt.Println(e.Msg[:len("Function 'SqrtBackward0' returned nan values in its 0th output")])
	}()
	tensor.DetectAnomaly(func() {
		y := x.Sqrt().Mul(tensor.Float64.Scalar(0)) // d√x/dx at 0 is Inf; times 0 gives NaN
		y.Backward()
	})
	// Output: Function 'SqrtBackward0' returned nan values in its 0th output
}

func ExampleTensor_RegisterHook() {
	x := tensor.New([]float64{1, 2}).SetRequiresGrad(true)
	h := x.RegisterHook(func(g *tensor.Tensor) *tensor.Tensor { return g.MulScalar(10) })
	x.MulScalar(3).Sum().Backward()
	fmt.Println(x.Grad())
	h.Remove()
	x.SetGrad(nil)
	x.MulScalar(3).Sum().Backward()
	fmt.Println(x.Grad())
	// Output:
	// tensor([30., 30.], dtype=torch.float64)
	// tensor([3., 3.], dtype=torch.float64)
}
