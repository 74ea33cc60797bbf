package nn

import (
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestSelfAttentionFused checks the fused self-attention node against its
// composed form (functional.ScaledDotProductAttention on permuted views), with
// and without the causal mask, in float64: the result and the gradient of the
// packed projections for a random upstream gradient.
func TestSelfAttentionFused(t *testing.T) {
	const n, l, e, heads = 2, 5, 6, 3
	for _, causal := range []bool{false, true} {
		g := tensor.NewGenerator(7)
		qkv := g.Normal(tensor.Float64.Zeros(n, l, 3*e), 0, 1).SetRequiresGrad(true)
		up := g.Normal(tensor.Float64.Zeros(n, l, e), 0, 1)
		f := &selfAttention{n: n, l: l, e: e, heads: heads, causal: causal}
		fused := tensor.Apply(f, qkv)
		want := f.composite(qkv)
		if d := fused.Sub(want).Abs().Max().Item(); d > 1e-14 {
			t.Errorf("causal=%v: forward differs from the composite by %g", causal, d)
		}
		gf := tensor.Grad([]*tensor.Tensor{fused}, []*tensor.Tensor{qkv}, tensor.GradOptions{GradOutputs: []*tensor.Tensor{up}})[0]
		gw := tensor.Grad([]*tensor.Tensor{want}, []*tensor.Tensor{qkv}, tensor.GradOptions{GradOutputs: []*tensor.Tensor{up}})[0]
		if d := gf.Sub(gw).Abs().Max().Item(); d > 1e-14 {
			t.Errorf("causal=%v: gradient differs from the composite's by %g", causal, d)
		}
	}
}

// TestSelfAttentionGradGradCheck checks second derivatives through
// MultiheadAttention's fused self-attention path (gradgradcheck, float64): a
// recorded backward pass differentiates the composite instead of the raw
// kernels.
func TestSelfAttentionGradGradCheck(t *testing.T) {
	const n, l, e, heads = 1, 3, 4, 2
	g := tensor.NewGenerator(8)
	m := NewMultiheadAttention(e, heads, 0, WithDType(tensor.Float64), WithGenerator(g))
	x := g.Normal(tensor.Float64.Zeros(n, l, e), 0, 1).SetRequiresGrad(true)
	f := func(in ...*tensor.Tensor) *tensor.Tensor {
		m.InProjWeight = in[1]
		y := m.Attend(in[0], in[0], in[0], &AttendOptions{Causal: true})
		return y.Mul(y).Sum()
	}
	if err := tensor.GradGradCheck(f, []*tensor.Tensor{x, m.InProjWeight}); err != nil {
		t.Error(err)
	}
}
