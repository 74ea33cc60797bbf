package functional

import (
	"slices"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestConvOrientations checks Conv2d with 4, 8, 16 and 32 output channels per
// group (the GEMMs' narrow and full tiles), with groups, stride and padding,
// against a plain direct convolution in float64, and the gradients of the
// input, weight and bias by float64 gradcheck. The PyTorch goldens
// (testdata/layers.json) all have fewer than 16 output channels per group.
func TestConvOrientations(t *testing.T) {
	for _, c := range []struct {
		o, groups int
		opts      ConvOptions
	}{
		{4, 1, ConvOptions{}},
		{16, 1, ConvOptions{}},
		{32, 2, ConvOptions{Stride: [2]int{2, 1}, Padding: [2]int{1, 0}, Groups: 2}},
		{8, 2, ConvOptions{Padding: [2]int{1, 1}, Groups: 2}},
	} {
		g := tensor.NewGenerator(11)
		x := g.Normal(tensor.Float64.Zeros(2, 2, 5, 4), 0, 1).SetRequiresGrad(true)
		w := g.Normal(tensor.Float64.Zeros(c.o, 2/c.groups, 2, 3), 0, 1).SetRequiresGrad(true)
		b := g.Normal(tensor.Float64.Zeros(c.o), 0, 1).SetRequiresGrad(true)
		y := Conv2d(x, w, b, c.opts)
		want := directConv(x, w, b, c.opts)
		if !slices.Equal(y.Shape(), want.Shape()) {
			t.Fatalf("O=%d groups=%d: shape %v, want %v", c.o, c.groups, y.Shape(), want.Shape())
		}
		if d := y.Sub(want).Abs().Max().Item(); d > 1e-12 {
			t.Errorf("O=%d groups=%d: result differs from the direct convolution by %g", c.o, c.groups, d)
		}
		if err := tensor.GradCheck(func(in ...*tensor.Tensor) *tensor.Tensor {
			return Conv2d(in[0], in[1], in[2], c.opts)
		}, []*tensor.Tensor{x, w, b}); err != nil {
			t.Errorf("O=%d groups=%d: %v", c.o, c.groups, err)
		}
	}
}

// directConv is the plain 2-d convolution loop (zero padding, no dilation).
func directConv(x, w, b *tensor.Tensor, o ConvOptions) *tensor.Tensor {
	n, c, h, wd := x.Size(0), x.Size(1), x.Size(2), x.Size(3)
	oc, cg, kh, kw := w.Size(0), w.Size(1), w.Size(2), w.Size(3)
	groups := max(o.Groups, 1)
	sh, sw := max(o.Stride[0], 1), max(o.Stride[1], 1)
	ph, pw := o.Padding[0], o.Padding[1]
	oh, ow := (h+2*ph-kh)/sh+1, (wd+2*pw-kw)/sw+1
	xv, wv, bv := x.Contiguous().Float64s(), w.Contiguous().Float64s(), b.Contiguous().Float64s()
	out := make([]float64, n*oc*oh*ow)
	og := oc / groups
	for in := range n {
		for co := range oc {
			gr := co / og
			for oy := range oh {
				for ox := range ow {
					s := bv[co]
					for ci := range cg {
						for i := range kh {
							for j := range kw {
								iy, ix := oy*sh-ph+i, ox*sw-pw+j
								if iy < 0 || iy >= h || ix < 0 || ix >= wd {
									continue
								}
								s += wv[((co*cg+ci)*kh+i)*kw+j] * xv[((in*c+gr*cg+ci)*h+iy)*wd+ix]
							}
						}
					}
					out[((in*oc+co)*oh+oy)*ow+ox] = s
				}
			}
		}
	}
	return tensor.FromSlice(out, n, oc, oh, ow)
}
