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

// Views share their base's storage: a write through a column of a transposed
// matrix shows in the matrix, and the version counter records it.
func ExampleTensor_Select() {
	m := tensor.Arange(0, 6, 1).Reshape(2, 3)
	col := m.T().Select(0, 1) // m[:, 1], no copy
	col.Fill_(-1)
	fmt.Println(m.Values(), col.IsContiguous(), m.Version())
	// Output: [0 -1 2 3 -1 5] false 1
}

// Modifying a value that backward needs is caught when backward runs, with
// PyTorch's facts.
func ExampleTensor_Version() {
	x := tensor.New([]float32{1, 2, 3}).SetRequiresGrad(true)
	y := x.MulScalar(1).Exp() // ExpBackward0 saves y
	y.AddScalar_(1)
	fmt.Println(tensor.Maybe(func() { y.Sum().Backward() }))
	// Output: tensor: Backward: one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [3]], which is output 0 of ExpBackward0, is at version 1; expected version 0 instead (needed by ExpBackward0)
}

// The out= variants write into tensors the caller keeps, so a loop can run
// without allocating.
func ExampleAddOut() {
	a, b := tensor.New([]float32{1, 2}), tensor.New([]float32{10, 20})
	dst := tensor.Zeros(2)
	for range 3 {
		tensor.AddOut(dst, dst, a)
	}
	tensor.MulOut(dst, dst, b)
	fmt.Println(dst.Values())
	// Output: [30 120]
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
	// 	n3 [label="AccumulateGrad" fillcolor=lightgrey]
	// 	n4 [label="w\n(2, 3)" fillcolor=lightblue]
	// 	n4 -> n3
	// }
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

// sinCosFn is a MultiFunction of two results, sin(x) and cos(x).
type sinCosFn struct{}

func (sinCosFn) Name() string { return "SinCosBackward" }
func (sinCosFn) Forward(ctx *tensor.Context, in ...*tensor.Tensor) []*tensor.Tensor {
	ctx.SetMaterializeGrads(false) // Backward gets nil for a result that got no gradient
	ctx.SaveForBackward(in[0])
	return []*tensor.Tensor{in[0].Sin(), in[0].Cos()}
}
func (sinCosFn) Backward(ctx *tensor.Context, g ...*tensor.Tensor) []*tensor.Tensor {
	x := ctx.Saved()[0]
	gx := tensor.ZerosLike(x)
	if g[0] != nil {
		gx = gx.Add(g[0].Mul(x.Cos())) // d sin = cos
	}
	if g[1] != nil {
		gx = gx.Sub(g[1].Mul(x.Sin())) // d cos = -sin
	}
	return []*tensor.Tensor{gx}
}

func ExampleApplyMulti() {
	x := tensor.Float64.Scalar(0).SetRequiresGrad(true)
	r := tensor.ApplyMulti(sinCosFn{}, x)
	fmt.Println(r[0].GradFn() == r[1].GradFn(), r[0].GradFn())
	r[0].Backward() // only sin(x) is used: Backward gets nil for cos(x)
	fmt.Println(x.Grad())
	// Output:
	// true <SinCosBackward>
	// tensor(1., dtype=torch.float64)
}
