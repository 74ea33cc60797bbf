package nn_test

import (
	"fmt"

	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/tensor"
)

func ExampleLinear() {
	l := nn.NewLinear(3, 2) // weight (2, 3), bias (2), drawn from U(-1/√3, 1/√3)
	tensor.NoGrad(func() {  // parameters require grad: set them outside autograd
		l.Weight.Copy_(tensor.New([]float32{1, 0, -1, 0.5, 0.5, 0.5}, 2, 3))
		l.Bias.Copy_(tensor.New([]float32{0, 1}))
	})

	x := tensor.New([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	y := l.Forward(x) // x·Wᵀ + b
	fmt.Println(y)

	y.Sum().Backward()
	fmt.Println(l.Weight.Grad())
	fmt.Println(l.Bias.Grad())
	// Output:
	// tensor([[-2.0000,  4.0000],
	//         [-2.0000,  8.5000]], grad_fn=<AddmmBackward0>)
	// tensor([[5., 7., 9.],
	//         [5., 7., 9.]])
	// tensor([2., 2.])
}

func ExampleSequential() {
	model := nn.Sequential{nn.NewLinear(2, 3), nn.ReLU{}, nn.NewLinear(3, 1)}
	fmt.Println(model)
	for _, p := range nn.NamedParameters(model) {
		fmt.Println(p.Name, p.Tensor.Shape())
	}

	// Load known weights by name, as from a PyTorch state_dict.
	weights := map[string][]float32{
		"0.weight": {1, -1, 0.5, 0.5, -1, 1},
		"0.bias":   {0, 0, 0.5},
		"2.weight": {1, 2, 3},
		"2.bias":   {-1},
	}
	tensor.NoGrad(func() {
		for _, p := range nn.NamedParameters(model) {
			p.Tensor.Copy_(tensor.New(weights[p.Name]))
		}
	})
	x := tensor.New([]float32{2, 1}, 1, 2)
	fmt.Println(model.Forward(x))
	// Output:
	// Sequential(
	//   (0): Linear(in_features=2, out_features=3, bias=True)
	//   (1): ReLU()
	//   (2): Linear(in_features=3, out_features=1, bias=True)
	// )
	// 0.weight [3 2]
	// 0.bias [3]
	// 2.weight [1 3]
	// 2.bias [1]
	// tensor([[3.]], grad_fn=<AddmmBackward0>)
}

// A model built as a struct: NamedChildren gives Train, Eval, NamedParameters,
// StateDict and Format the tree.
type net struct {
	Conv *nn.Conv2d
	BN   *nn.BatchNorm
	Head *nn.Linear
}

func (n *net) Forward(x *tensor.Tensor) *tensor.Tensor {
	h := nn.ReLU{}.Forward(n.BN.Forward(n.Conv.Forward(x)))
	return n.Head.Forward(nn.Flatten{}.Forward(h))
}
func (n *net) Parameters() []*tensor.Tensor { return nn.Parameters(n) }
func (n *net) NamedChildren() []nn.NamedModule {
	return []nn.NamedModule{{Name: "conv", Module: n.Conv}, {Name: "bn", Module: n.BN}, {Name: "head", Module: n.Head}}
}

func ExampleParent() {
	m := &net{nn.NewConv2d(1, 2, 3), nn.NewBatchNorm2d(2), nn.NewLinear(8, 3)}
	fmt.Println(nn.Format(m))
	nn.Eval(m)
	fmt.Println(m.BN.Training(), len(nn.StateDict(m)))
	// Output:
	// net(
	//   (conv): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))
	//   (bn): BatchNorm2d(2, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
	//   (head): Linear(in_features=8, out_features=3, bias=True)
	// )
	// false 9
}

func ExampleRegisterForwardHook() {
	l := nn.NewLinear(2, 1)
	tensor.NoGrad(func() {
		l.Weight.Copy_(tensor.New([]float32{1, 2}, 1, 2))
		l.Bias.Fill_(0)
	})
	h := nn.RegisterForwardHook(l, func(m nn.Module, in, out *tensor.Tensor) *tensor.Tensor {
		fmt.Println("Linear output", out.Float32s())
		return nil
	})
	defer h.Remove()
	nn.Call(l, tensor.New([]float32{3, 4}, 1, 2)) // Sequential calls its modules this way too
	// Output: Linear output [11]
}

func ExamplePixelShuffle() {
	x := tensor.Arange(0, 8, 1).Reshape(1, 4, 1, 2) // 4 channels = 1 · 2²
	y := nn.PixelShuffle{UpscaleFactor: 2}.Forward(x)
	fmt.Println(y.Shape(), y.Values())
	fmt.Println(nn.PixelUnshuffle{DownscaleFactor: 2}.Forward(y).Values())
	// Output:
	// [1 1 2 4] [0 2 1 3 4 6 5 7]
	// [0 1 2 3 4 5 6 7]
}

// An LSTM over a batch of sequences, batch first, with its final states.
func ExampleLSTM() {
	lstm := nn.NewLSTM(8, 16, nn.RNNOptions{NumLayers: 2, BatchFirst: true})
	x := tensor.Randn(4, 10, 8) // batch 4, 10 steps, 8 features
	out, hn, cn := lstm.ForwardState(x, nil, nil)
	fmt.Println(out.Shape(), hn.Shape(), cn.Shape())
	fmt.Println(nn.NamedParameters(lstm)[0].Name)
	// Output:
	// [4 10 16] [2 4 16] [2 4 16]
	// weight_ih_l0
}
