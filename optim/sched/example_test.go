package sched_test

import (
	"fmt"
	"os"

	"github.com/gograd/gograd/optim"
	"github.com/gograd/gograd/optim/sched"
	"github.com/gograd/gograd/tensor"
)

func params() []*tensor.Tensor { return []*tensor.Tensor{tensor.Zeros(3).SetRequiresGrad(true)} }

func ExampleStepLR() {
	opt := optim.NewSGD(params(), optim.SGDOptions{LR: 0.1, Momentum: 0.9})
	s := sched.NewStepLR(opt, sched.StepLROptions{StepSize: 2, Gamma: 0.5})
	for epoch := range 6 {
		// train one epoch with opt here, then:
		s.Step()
		fmt.Printf("epoch %d: lr %g\n", epoch, s.LastLR()[0])
	}
	// Output:
	// epoch 0: lr 0.1
	// epoch 1: lr 0.05
	// epoch 2: lr 0.05
	// epoch 3: lr 0.025
	// epoch 4: lr 0.025
	// epoch 5: lr 0.0125
}

// Warm up linearly for 3 epochs, then anneal along a cosine: PyTorch's
// SequentialLR([LinearLR(...), CosineAnnealingLR(...)], milestones=[3]).
func ExampleSequentialLR() {
	opt := optim.NewAdamW(params(), optim.AdamWOptions{LR: 1e-3})
	s := sched.NewSequentialLR(opt, []sched.Scheduler{
		sched.NewLinearLR(opt, sched.LinearLROptions{StartFactor: 0.25, TotalIters: 3}),
		sched.NewCosineAnnealingLR(opt, sched.CosineAnnealingLROptions{TMax: 5}),
	}, []int{3})
	fmt.Printf("%.3g", opt.LR(0))
	for range 8 {
		s.Step()
		fmt.Printf(" %.3g", opt.LR(0))
	}
	fmt.Println()
	// Output: 0.00025 0.0005 0.00075 0.001 0.000905 0.000655 0.000345 9.55e-05 0
}

// OneCycleLR is stepped after every batch; it also cycles the momentum
// (β1 for Adam) against the rate.
func ExampleOneCycleLR() {
	opt := optim.NewAdam(params(), optim.AdamOptions{})
	s := sched.NewOneCycleLR(opt, sched.OneCycleLROptions{MaxLR: []float64{0.01}, TotalSteps: 10})
	for step := range 10 {
		beta1, _ := opt.Momentum(0)
		fmt.Printf("step %d: lr %.5f beta1 %.3f\n", step, opt.LR(0), beta1)
		if step < 9 {
			s.Step()
		}
	}
	// Output:
	// step 0: lr 0.00040 beta1 0.950
	// step 1: lr 0.00520 beta1 0.900
	// step 2: lr 0.01000 beta1 0.850
	// step 3: lr 0.00950 beta1 0.855
	// step 4: lr 0.00812 beta1 0.869
	// step 5: lr 0.00611 beta1 0.889
	// step 6: lr 0.00389 beta1 0.911
	// step 7: lr 0.00188 beta1 0.931
	// step 8: lr 0.00050 beta1 0.945
	// step 9: lr 0.00000 beta1 0.950
}

// ReduceLROnPlateau watches a validation metric.
func ExampleReduceLROnPlateau() {
	opt := optim.NewSGD(params(), optim.SGDOptions{LR: 0.1})
	s := sched.NewReduceLROnPlateau(opt, sched.ReduceLROnPlateauOptions{Patience: 2, Factor: 0.5})
	for epoch, loss := range []float64{1.0, 0.8, 0.81, 0.82, 0.83, 0.7, 0.71, 0.72, 0.73} {
		s.Step(loss)
		fmt.Printf("epoch %d: loss %.2f lr %g\n", epoch, loss, s.LastLR()[0])
	}
	// Output:
	// epoch 0: loss 1.00 lr 0.1
	// epoch 1: loss 0.80 lr 0.1
	// epoch 2: loss 0.81 lr 0.1
	// epoch 3: loss 0.82 lr 0.1
	// epoch 4: loss 0.83 lr 0.05
	// epoch 5: loss 0.70 lr 0.05
	// epoch 6: loss 0.71 lr 0.05
	// epoch 7: loss 0.72 lr 0.05
	// epoch 8: loss 0.73 lr 0.025
}

// Continue a StepLR schedule at epoch 5 from a group whose "initial_lr" is
// 0.1 (a loaded optimizer state dict puts it there), printing PyTorch's
// verbose lines: PyTorch's StepLR(opt, 2, 0.5, last_epoch=4, verbose=True).
func ExampleLastEpoch() {
	opt := optim.NewSGD(params(), optim.SGDOptions{LR: 0.025})
	opt.SetGroupExtra(0, "initial_lr", 0.1)
	s := sched.NewStepLR(opt, sched.StepLROptions{StepSize: 2, Gamma: 0.5},
		sched.LastEpoch(4), sched.Verbose(os.Stdout))
	s.Step()
	fmt.Println(s.LastEpoch())
	// Output:
	// Adjusting learning rate of group 0 to 2.5000e-02.
	// Adjusting learning rate of group 0 to 1.2500e-02.
	// 6
}
