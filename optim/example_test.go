package optim_test

import (
	"fmt"

	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/optim"
	"github.com/gograd/gograd/tensor"
)

// A PyTorch training script often gives the pretrained body a smaller learning
// rate than a new head: one parameter group each.
func ExampleSGD_AddParamGroup() {
	body := nn.NewLinear(4, 8, nn.WithGenerator(tensor.NewGenerator(1)))
	head := nn.NewLinear(8, 2, nn.WithGenerator(tensor.NewGenerator(2)))
	// optim.SGD([{"params": body.parameters(), "lr": 1e-3},
	//            {"params": head.parameters()}], lr=1e-2, momentum=0.9)
	opt := optim.NewSGD(head.Parameters(), optim.SGDOptions{LR: 1e-2, Momentum: 0.9})
	o := opt.Defaults()
	o.LR = 1e-3
	opt.AddParamGroup(body.Parameters(), o)
	for i, g := range opt.ParamGroups() {
		fmt.Printf("group %d: %d tensors, lr %g, momentum %g\n", i, len(g.Params), g.Options.LR, g.Options.Momentum)
	}
	// Output:
	// group 0: 2 tensors, lr 0.01, momentum 0.9
	// group 1: 2 tensors, lr 0.001, momentum 0.9
}

// StateDict and LoadStateDict carry an optimizer's state across a
// checkpoint: the resumed run continues exactly where the first stopped.
func ExampleAdam_StateDict() {
	train := func(w *tensor.Tensor, opt *optim.Adam, steps int) {
		for range steps {
			opt.ZeroGrad()
			w.Sub(tensor.New([]float32{3, -1})).Pow(2).Sum().Backward()
			opt.Step()
		}
	}
	w := tensor.New([]float32{0, 0}).SetRequiresGrad(true)
	opt := optim.NewAdam([]*tensor.Tensor{w}, optim.AdamOptions{LR: 0.1})
	train(w, opt, 10)
	sd := opt.StateDict()
	fmt.Println(sd["state"].(map[int]map[string]any)[0]["step"])

	// A fresh process: the same model and optimizer, then the saved state.
	w2 := w.Detach().Clone().SetRequiresGrad(true)
	opt2 := optim.NewAdam([]*tensor.Tensor{w2}, optim.AdamOptions{LR: 0.1})
	if err := opt2.LoadStateDict(sd); err != nil {
		fmt.Println(err)
	}
	train(w, opt, 5)
	train(w2, opt2, 5)
	fmt.Println(w.Values()[0] == w2.Values()[0], w.Values()[1] == w2.Values()[1])
	// Output:
	// tensor(10.)
	// true true
}

// LBFGS needs a closure that re-evaluates the loss and its gradient.
func ExampleLBFGS() {
	xy := tensor.Float64.Zeros(2).SetRequiresGrad(true)
	opt := optim.NewLBFGS([]*tensor.Tensor{xy}, optim.LBFGSOptions{LineSearchFn: "strong_wolfe"})
	rosenbrock := func() *tensor.Tensor { // (1-x)² + 100(y-x²)²
		opt.ZeroGrad()
		v := xy.Values()
		x, y := v[0], v[1]
		loss := tensor.Float64.Scalar((1-x)*(1-x) + 100*(y-x*x)*(y-x*x))
		xy.SetGrad(tensor.New([]float64{-2*(1-x) - 400*x*(y-x*x), 200 * (y - x*x)}))
		return loss
	}
	for range 5 {
		opt.Step(rosenbrock)
	}
	v := xy.Values()
	fmt.Printf("minimum at (%.4f, %.4f)\n", v[0], v[1])
	// Output: minimum at (1.0000, 1.0000)
}
