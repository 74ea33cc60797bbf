package optim

import (
	"fmt"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// BenchmarkStepAll times one Step of every optimizer but LBFGS, with PyTorch's
// default options, over one float32 parameter of 1M elements; bytes are the
// parameter's.
func BenchmarkStepAll(b *testing.B) {
	const n = 1 << 20
	makers := []struct {
		name string
		new  func([]*tensor.Tensor) interface{ Step() }
	}{
		{"SGD", func(p []*tensor.Tensor) interface{ Step() } { return NewSGD(p, SGDOptions{LR: 0.01, Momentum: 0.9}) }},
		{"Adam", func(p []*tensor.Tensor) interface{ Step() } { return NewAdam(p, AdamOptions{}) }},
		{"AdamAMSGrad", func(p []*tensor.Tensor) interface{ Step() } { return NewAdam(p, AdamOptions{AMSGrad: true}) }},
		{"AdamW", func(p []*tensor.Tensor) interface{ Step() } { return NewAdamW(p, AdamWOptions{}) }},
		{"Adamax", func(p []*tensor.Tensor) interface{ Step() } { return NewAdamax(p, AdamaxOptions{}) }},
		{"NAdam", func(p []*tensor.Tensor) interface{ Step() } { return NewNAdam(p, NAdamOptions{}) }},
		{"RAdam", func(p []*tensor.Tensor) interface{ Step() } { return NewRAdam(p, RAdamOptions{}) }},
		{"RMSprop", func(p []*tensor.Tensor) interface{ Step() } { return NewRMSprop(p, RMSpropOptions{}) }},
		{"Adagrad", func(p []*tensor.Tensor) interface{ Step() } { return NewAdagrad(p, AdagradOptions{}) }},
		{"Adadelta", func(p []*tensor.Tensor) interface{ Step() } { return NewAdadelta(p, AdadeltaOptions{}) }},
		{"ASGD", func(p []*tensor.Tensor) interface{ Step() } { return NewASGD(p, ASGDOptions{}) }},
		{"Rprop", func(p []*tensor.Tensor) interface{ Step() } { return NewRprop(p, RpropOptions{}) }},
	}
	for _, m := range makers {
		b.Run(fmt.Sprintf("%s/float32/%d", m.name, n), func(b *testing.B) {
			p := tensor.Ones(n).SetRequiresGrad(true)
			p.SetGrad(tensor.Full(1e-3, n))
			opt := m.new([]*tensor.Tensor{p})
			opt.Step()
			b.SetBytes(4 * n)
			b.ReportAllocs()
			for b.Loop() {
				opt.Step()
			}
		})
	}
}
