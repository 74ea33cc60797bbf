package nn

import (
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestSelfAttentionFused checks the fused self-attention node against its
// composed form (functional.ScaledDotProductAttention on permuted views), with
// and without the causal mask: the result and the gradient of the packed
// projections for a random upstream gradient, in float64 on a short sequence
// and in float32 on one of 40 positions (several strips of the GEMM kernels'
// rows, so the causal products skip work above the diagonal).
func TestSelfAttentionFused(t *testing.T) {
	for _, tc := range []struct {
		n, l, e, heads int
		dt             tensor.DType
		tol            float64
	}{{2, 5, 6, 3, tensor.Float64, 1e-14}, {2, 40, 64, 2, tensor.Float32, 1e-5}} {
		for _, causal := range []bool{false, true} {
			g := tensor.NewGenerator(7)
			qkv := g.Normal(tc.dt.Zeros(tc.n, tc.l, 3*tc.e), 0, 1).SetRequiresGrad(true)
			up := g.Normal(tc.dt.Zeros(tc.n, tc.l, tc.e), 0, 1)
			f := &selfAttention{n: tc.n, l: tc.l, e: tc.e, heads: tc.heads, causal: causal}
			fused := tensor.Apply(f, qkv)
			want := f.composite(qkv)
			if d := fused.Sub(want).Abs().Max().Item(); d > tc.tol {
				t.Errorf("%v l=%d causal=%v: forward differs from the composite by %g", tc.dt, tc.l, causal, d)
			}
			gf := tensor.Grad([]*tensor.Tensor{fused}, []*tensor.Tensor{qkv}, tensor.GradOptions{GradOutputs: []*tensor.Tensor{up}})[0]
			gw := tensor.Grad([]*tensor.Tensor{want}, []*tensor.Tensor{qkv}, tensor.GradOptions{GradOutputs: []*tensor.Tensor{up}})[0]
			if d := gf.Sub(gw).Abs().Max().Item(); d > tc.tol {
				t.Errorf("%v l=%d causal=%v: gradient differs from the composite's by %g", tc.dt, tc.l, causal, d)
			}
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
