package nn_test

import (
	"math"
	"testing"

	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/tensor"
)

// TestLinearBackwardBatched checks Linear's batched derivative (Grad with
// IsGradsBatched, 3 rows of gradients) against one pass per row, for inputs of
// 1, 2 and 3 dims, with and without bias, first and second order.
func TestLinearBackwardBatched(t *testing.T) {
	gen := tensor.NewGenerator(5)
	for _, shape := range [][]int{{4}, {3, 4}, {2, 3, 4}} {
		for _, bias := range []bool{true, false} {
			l := nn.NewLinear(4, 5, nn.WithDType(tensor.Float64), nn.WithGenerator(gen), nn.WithBias(bias))
			x := gen.Normal(tensor.Float64.Zeros(shape...), 0, 1).SetRequiresGrad(true)
			ins := append([]*tensor.Tensor{x}, l.Parameters()...)
			y := l.Forward(x).Tanh()
			g := gen.Normal(tensor.Float64.Zeros(append([]int{3}, y.Shape()...)...), 0, 1)
			for _, create := range []bool{false, true} {
				got := tensor.Grad([]*tensor.Tensor{y}, ins, tensor.GradOptions{GradOutputs: []*tensor.Tensor{g}, IsGradsBatched: true, RetainGraph: true, CreateGraph: create})
				for r := range 3 {
					want := tensor.Grad([]*tensor.Tensor{y}, ins, tensor.GradOptions{GradOutputs: []*tensor.Tensor{g.Select(0, r)}, RetainGraph: true})
					for i := range ins {
						gv, wv := got[i].Select(0, r).Contiguous().Float64s(), want[i].Contiguous().Float64s()
						for k := range wv {
							if math.Abs(gv[k]-wv[k]) > 1e-12*max(1, math.Abs(wv[k])) {
								t.Fatalf("x %v, bias %v, create %v: input %d, row %d [%d]: batched %v, one pass %v", shape, bias, create, i, r, k, gv[k], wv[k])
							}
						}
					}
				}
			}
		}
	}
}
