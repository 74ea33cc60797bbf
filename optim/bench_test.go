package optim_test

import (
	"fmt"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// BenchmarkStep times one Step over a single parameter of n elements; bytes are
// those of the parameter.
func BenchmarkStep(b *testing.B) {
	configs := []struct {
		name string
		o    options
	}{
		{"SGD", options{LR: 0.01}},
		{"SGDMomentum", options{LR: 0.01, Momentum: 0.9, WeightDecay: 1e-4}},
		{"Adam", options{LR: 1e-3}},
		{"AdamW", options{LR: 1e-3}},
	}
	for _, c := range configs {
		opt := c.name
		if opt == "SGDMomentum" {
			opt = "SGD"
		}
		for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
			for _, n := range []int{1 << 10, 1 << 20} {
				b.Run(fmt.Sprintf("%s/%v/%d", c.name, dt, n), func(b *testing.B) {
					p := dt.Ones(n).SetRequiresGrad(true)
					p.SetGrad(dt.Full(1e-3, n))
					o := c.o.build(opt, []*tensor.Tensor{p})
					o.Step()
					b.SetBytes(int64(n) * int64(map[tensor.DType]int{tensor.Float32: 4, tensor.Float64: 8}[dt]))
					b.ReportAllocs()
					for b.Loop() {
						o.Step()
					}
				})
			}
		}
	}
}
