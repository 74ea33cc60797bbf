package tensor_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// TestSoftmaxExtremeLogits compares softmax, log_softmax, logsumexp and
// cross-entropy on logits of magnitude 1e12..1e30 with PyTorch 1.13
// (testdata/extreme_golden.json, from gen_extreme_golden.py): log_softmax of
// [M, M, 0] is -log 2 for every such M, which x - (m + log s) loses from M = 1e12
// on. gograd has no logsumexp op; it is checked as mean(x - LogSoftmax(x)) along
// the dim, which equals logsumexp(x) and has its gradient, softmax(x). Its
// gradient is compared with the exact upstream * softmax(x) (grad_exact), since
// PyTorch's own logsumexp backward loses precision at these magnitudes.
func TestSoftmaxExtremeLogits(t *testing.T) {
	raw, err := os.ReadFile("testdata/extreme_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Cases []struct {
			Op, DType                  string
			M                          float64
			Input, Upstream, Out, Grad []float64
			GradExact                  []float64 `json:"grad_exact"`
			Target                     []int64
		}
	}
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	ops := map[string]func(x *tensor.Tensor, target []int64) *tensor.Tensor{
		"softmax":       func(x *tensor.Tensor, _ []int64) *tensor.Tensor { return x.Softmax(1) },
		"log_softmax":   func(x *tensor.Tensor, _ []int64) *tensor.Tensor { return x.LogSoftmax(1) },
		"logsumexp":     func(x *tensor.Tensor, _ []int64) *tensor.Tensor { return x.Sub(x.LogSoftmax(1)).Mean(1) },
		"cross_entropy": func(x *tensor.Tensor, y []int64) *tensor.Tensor { return functional.CrossEntropy(x, tensor.New(y)) },
	}
	for _, c := range golden.Cases {
		dt, tol := tensor.Float64, 1e-12 // float64: both round the same few operations
		if c.DType == "float32" {
			dt, tol = tensor.Float32, 1e-6 // float32 epsilon is 1.2e-7
		}
		x := tensor.Float64.Zeros(2, 3)
		copy(x.Float64s(), c.Input)
		x = x.To(dt).SetRequiresGrad(true)
		out := ops[c.Op](x, c.Target)
		up := tensor.Float64.Zeros(out.Shape()...)
		copy(up.Float64s(), c.Upstream)
		out.Backward(tensor.BackwardOptions{Gradient: up.To(dt)})
		if c.GradExact != nil {
			c.Grad = c.GradExact
		}
		for _, v := range []struct {
			what      string
			got, want []float64
		}{{"out", out.Values(), c.Out}, {"grad", x.Grad().Values(), c.Grad}} {
			for i := range v.want {
				if d := math.Abs(v.got[i] - v.want[i]); d > tol*max(1, math.Abs(v.want[i])) {
					t.Errorf("%s %s M=%g: %s[%d] = %.9g, PyTorch %.9g", c.Op, c.DType, c.M, v.what, i, v.got[i], v.want[i])
				}
			}
		}
	}
	if len(golden.Cases) != 2*8*len(ops) {
		t.Errorf("%d golden cases, want %d", len(golden.Cases), 2*8*len(ops))
	}
}
