package functional

import (
	"fmt"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestConvDirectMatchesGEMM runs float32 convolutions that internal/conv takes
// (convGeom.direct) through it and through the GEMM path, and compares the
// results and the gradients of input, weight and bias: LeNet-5's two
// convolutions, groups, a height stride with dilation, and Conv1d. The GEMM
// path has PyTorch goldens and gradchecks (TestConvOrientations, the layer
// goldens); this ties the direct one to it. It runs internal/conv's assembly
// where there is some and its plain loops elsewhere.
func TestConvDirectMatchesGEMM(t *testing.T) {
	defer func(d bool) { useDirectConv = d }(useDirectConv)
	for _, c := range []struct {
		x, w []int
		opts ConvOptions
	}{
		{[]int{3, 1, 28, 28}, []int{6, 1, 5, 5}, ConvOptions{}},
		{[]int{4, 6, 12, 12}, []int{16, 6, 5, 5}, ConvOptions{}},
		{[]int{2, 4, 10, 10}, []int{6, 2, 3, 3}, ConvOptions{Groups: 2}},
		{[]int{2, 3, 13, 20}, []int{5, 3, 2, 3}, ConvOptions{Stride: [2]int{2, 1}, Dilation: [2]int{2, 2}}},
		{[]int{2, 3, 20}, []int{7, 3, 5}, ConvOptions{}},
	} {
		name := fmt.Sprint(c.x, c.w, c.opts)
		g := tensor.NewGenerator(3)
		x := g.Normal(tensor.Zeros(c.x...), 0, 1)
		w := g.Normal(tensor.Zeros(c.w...), 0, 1)
		b := g.Normal(tensor.Zeros(c.w[0]), 0, 1)
		run := func(direct bool) []*tensor.Tensor {
			useDirectConv = direct
			xs, ws, bs := x.Detach().SetRequiresGrad(true), w.Detach().SetRequiresGrad(true), b.Detach().SetRequiresGrad(true)
			var y *tensor.Tensor
			if len(c.x) == 3 {
				y = Conv1d(xs, ws, bs, c.opts)
			} else {
				y = Conv2d(xs, ws, bs, c.opts)
			}
			y.Mul(y).Sum().Backward()
			return []*tensor.Tensor{y, xs.Grad(), ws.Grad(), bs.Grad()}
		}
		got, want := run(true), run(false)
		for i, what := range []string{"output", "input grad", "weight grad", "bias grad"} {
			scale := want[i].Abs().Max().Item()
			if d := got[i].Sub(want[i]).Abs().Max().Item(); d > 1e-5*scale {
				t.Errorf("%s: %s differs from the GEMM path's by %g (scale %g)", name, what, d, scale)
			}
		}
	}
}

// TestConvDirectTakes checks which convolutions take the direct path, so that
// TestConvDirectMatchesGEMM compares two paths and not one with itself.
func TestConvDirectTakes(t *testing.T) {
	defer func(d bool) { useDirectConv = d }(useDirectConv)
	useDirectConv = true
	for _, c := range []struct {
		g    convGeom
		want bool
	}{
		{convGeom{n: 64, c: 1, h: 28, w: 28, o: 6, kh: 5, kw: 5, oh: 24, ow: 24, sh: 1, sw: 1, dh: 1, dw: 1, groups: 1}, true},
		{convGeom{n: 64, c: 6, h: 12, w: 12, o: 16, kh: 5, kw: 5, oh: 8, ow: 8, sh: 1, sw: 1, dh: 1, dw: 1, groups: 1}, true},
		{convGeom{n: 2, c: 4, h: 10, w: 10, o: 6, kh: 3, kw: 3, oh: 8, ow: 8, sh: 1, sw: 1, dh: 1, dw: 1, groups: 2}, true},
		{convGeom{n: 2, c: 3, h: 13, w: 20, o: 5, kh: 2, kw: 3, oh: 6, ow: 16, sh: 2, sw: 1, dh: 2, dw: 2, groups: 1}, true},
		{convGeom{n: 2, c: 3, h: 1, w: 20, o: 7, kh: 1, kw: 5, oh: 1, ow: 16, sh: 1, sw: 1, dh: 1, dw: 1, groups: 1, oneD: true}, true},
		{convGeom{n: 1, c: 1, h: 28, w: 28, o: 6, kh: 5, kw: 5, oh: 12, ow: 12, sh: 2, sw: 2, dh: 1, dw: 1, groups: 1}, false},               // stride 2
		{convGeom{n: 1, c: 1, h: 28, w: 28, o: 6, kh: 3, kw: 3, oh: 28, ow: 28, sh: 1, sw: 1, dh: 1, dw: 1, ph: 1, pw: 1, groups: 1}, false}, // padding
		{convGeom{n: 1, c: 1, h: 28, w: 28, o: 6, kh: 5, kw: 4, oh: 24, ow: 25, sh: 1, sw: 1, dh: 1, dw: 1, groups: 1}, false},               // width 25
		{convGeom{n: 1, c: 64, h: 12, w: 12, o: 16, kh: 3, kw: 3, oh: 10, ow: 10, sh: 1, sw: 1, dh: 1, dw: 1, groups: 1}, false},             // width 10
		{convGeom{n: 1, c: 64, h: 10, w: 10, o: 16, kh: 3, kw: 3, oh: 8, ow: 8, sh: 1, sw: 1, dh: 1, dw: 1, groups: 1}, false},               // 576 weights per channel
		{convGeom{n: 1, c: 16, h: 8, w: 8, o: 16, kh: 1, kw: 1, oh: 8, ow: 8, sh: 1, sw: 1, dh: 1, dw: 1, groups: 1}, false},                 // 1×1
	} {
		if got := c.g.direct(); got != c.want {
			t.Errorf("%+v: direct %v, want %v", c.g, got, c.want)
		}
	}
}
