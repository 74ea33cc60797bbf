package nn

import (
	"math"

	"github.com/gograd/gograd/internal/access"
	"github.com/gograd/gograd/internal/blas"
	"github.com/gograd/gograd/internal/parallel"
	"github.com/gograd/gograd/internal/vec"
	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// selfAttention is multi-head scaled dot-product self-attention over packed
// projections as one graph node: input qkv (N, L, 3E) holds each position's
// query, key and value (E = heads·d values each, head h in columns [h·d,
// (h+1)·d) of its part), the result (N, L, E) each position's attention output
// in the same head layout, which is what MultiheadAttention's output projection
// reads. Per batch entry and head, S = QKᵀ/√d (causal: keys after the query
// masked out), P = softmax(S) by rows, O = PV, all on strided slices of qkv with
// no permuted copies; P is kept for the backward pass. It is its own node for
// speed (BenchmarkTransformerStep: the composed form's softmax, mask, scaling
// and permute copies were a fifth of the step). Its backward is raw GEMMs;
// when the backward pass is itself recorded (CreateGraph), Backward
// differentiates the composed form instead (composite), so higher-order
// gradients are right.
type selfAttention struct {
	n, l, e, heads int
	causal         bool
	p              *tensor.Tensor // the saved weights, until apply hands them to FreeWithGraph
}

// apply runs the node on qkv, recorded, and lets the saved attention weights
// go back to the tensor pool with the graph: only this node holds them.
func (f *selfAttention) apply(qkv *tensor.Tensor) *tensor.Tensor {
	out := tensor.Apply(f, qkv)
	access.FreeWithGraph(out, f.p)
	f.p = nil
	return out
}

func (*selfAttention) Name() string { return "SelfAttentionBackward" }

func (f *selfAttention) d() int { return f.e / f.heads }

func (f *selfAttention) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	qkv := in[0].Contiguous()
	dt := qkv.DType()
	out := uninit(dt, f.n, f.l, f.e)        // the kernels write every element,
	p := uninit(dt, f.n, f.heads, f.l, f.l) // the causal mask's zeros too
	if dt == tensor.Float32 {
		attnForward(f, out.Float32s(), p.Float32s(), qkv.Float32s())
	} else {
		attnForward(f, out.Float64s(), p.Float64s(), qkv.Float64s())
	}
	ctx.SaveForBackward(in[0], qkv, p)
	f.p = p
	return out
}

// triangles returns what blas.GemmTri may assume of P and dS (lower
// triangular when causal: the masked weights are zeros) and of their
// transposes. The products run on one goroutine each, inside the loop over
// batch entries and heads.
func (f *selfAttention) triangles() (lower, upper blas.Tri) {
	if f.causal {
		return blas.Lower, blas.Upper
	}
	return blas.Full, blas.Full
}

// attnForward fills out and the attention weights p (N, heads, L, L) from qkv.
func attnForward[T float32 | float64](f *selfAttention, out, p, qkv []T) {
	l, e, d := f.l, f.e, f.d()
	scale := T(1 / math.Sqrt(float64(d)))
	lower, _ := f.triangles()
	parallel.For(f.n*f.heads, 1, func(lo, hi int) {
		for nh := lo; nh < hi; nh++ {
			n, h := nh/f.heads, nh%f.heads
			base := n * l * 3 * e
			q, k, v := qkv[base+h*d:], qkv[base+e+h*d:], qkv[base+2*e+h*d:]
			s := p[nh*l*l : (nh+1)*l*l]
			blas.GemmTri(blas.Full, false, true, l, l, d, scale, q, 3*e, k, 3*e, 0, s, l)
			for i := range l {
				row := s[i*l : (i+1)*l]
				if f.causal {
					clear(row[i+1:])
					row = row[:i+1]
				}
				vec.SoftmaxRow(row)
			}
			blas.GemmTri(lower, false, false, l, d, l, 1, s, l, v, 3*e, 0, out[n*l*e+h*d:], e)
		}
	})
}

// Backward, per batch entry and head with dO the gradient of O:
// dP = dO Vᵀ; dS = P ⊙ (dP - rowsum(dP ⊙ P)) / √d; dQ = dS K; dK = dSᵀ Q;
// dV = Pᵀ dO, written into the matching columns of dqkv.
func (f *selfAttention) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	s := ctx.Saved()
	if ctx.CreatingGraph() { // the raw kernels below would cut the graph
		return compositeGrads(ctx, s[:1], g, func(in []*tensor.Tensor) *tensor.Tensor { return f.composite(in[0]) })
	}
	qkv, p := s[1], s[2]
	g = g.Contiguous()
	dqkv := uninit(qkv.DType(), qkv.Shape()...) // every element written, beta 0
	if g.DType() == tensor.Float32 {
		attnBackward(f, dqkv.Float32s(), g.Float32s(), p.Float32s(), qkv.Float32s())
	} else {
		attnBackward(f, dqkv.Float64s(), g.Float64s(), p.Float64s(), qkv.Float64s())
	}
	return []*tensor.Tensor{dqkv}
}

func attnBackward[T float32 | float64](f *selfAttention, dqkv, dout, p, qkv []T) {
	l, e, d := f.l, f.e, f.d()
	scale := T(1 / math.Sqrt(float64(d)))
	lower, upper := f.triangles()
	parallel.For(f.n*f.heads, 1, func(lo, hi int) {
		ds := make([]T, l*l)
		for nh := lo; nh < hi; nh++ {
			n, h := nh/f.heads, nh%f.heads
			base := n * l * 3 * e
			q, k, v := qkv[base+h*d:], qkv[base+e+h*d:], qkv[base+2*e+h*d:]
			dq, dk, dv := dqkv[base+h*d:], dqkv[base+e+h*d:], dqkv[base+2*e+h*d:]
			do := dout[n*l*e+h*d:]
			pr := p[nh*l*l : (nh+1)*l*l]
			blas.GemmTri(blas.Full, false, true, l, l, d, 1, do, e, v, 3*e, 0, ds, l) // dP
			for i := range l {
				w := l
				if f.causal {
					w = i + 1
				}
				vec.SoftmaxGrad(ds[i*l:i*l+w], pr[i*l:i*l+w], scale)
				clear(ds[i*l+w : (i+1)*l])
				if i == 0 && nh+1 < hi { // the next head's weights, written long before in Forward
					vec.Prefetch(p[(nh+1)*l*l : (nh+2)*l*l])
				}
			}
			blas.GemmTri(lower, false, false, l, d, l, 1, ds, l, k, 3*e, 0, dq, 3*e)
			blas.GemmTri(upper, true, false, l, d, l, 1, ds, l, q, 3*e, 0, dk, 3*e) // dSᵀ is upper triangular
			blas.GemmTri(upper, true, false, l, d, l, 1, pr, l, do, e, 0, dv, 3*e)
		}
	})
}

// composite is selfAttention written with tensor ops (as functional's
// ScaledDotProductAttention composes it), for the recorded backward pass.
func (f *selfAttention) composite(qkv *tensor.Tensor) *tensor.Tensor {
	part := func(i int) *tensor.Tensor {
		return qkv.Narrow(2, i*f.e, f.e).Reshape(f.n, f.l, f.heads, f.d()).Permute(0, 2, 1, 3)
	}
	o := functional.ScaledDotProductAttention(part(0), part(1), part(2), functional.AttentionOptions{Causal: f.causal})
	return o.Permute(0, 2, 1, 3).Reshape(f.n, f.l, f.e)
}
