package functional

import (
	"math"

	"github.com/gograd/gograd/internal/access"
	"github.com/gograd/gograd/internal/parallel"
	"github.com/gograd/gograd/internal/vec"
	"github.com/gograd/gograd/tensor"
)

// crossEntropyRows is CrossEntropy for the common case as one node: logits
// (N, C) and int64 class indices (N), no class weights, no label smoothing.
// It is its own node for speed (BenchmarkTransformerStep, whose loss is over a
// vocabulary of 96 for 1024 positions): one pass per row computes the softmax
// with internal/vec's exp and the row's loss, and the backward pass is one
// pass, (softmax - one-hot)·grad, where LogSoftmax then NLLLoss took two nodes,
// a scalar exp per element and a mask as large as the input. Its grad_fn is
// nll_loss's, NllLossBackward0, as PyTorch reports for cross_entropy; when the
// backward pass is itself recorded, Backward writes the same formula with
// differentiable ops, so higher-order gradients are right.
type crossEntropyRows struct {
	r      Reduction
	ignore int64
	count  int            // rows whose target is not ignored: Mean's denominator
	p      *tensor.Tensor // the saved softmax, until handed to FreeWithGraph
}

func (*crossEntropyRows) Name() string { return "NllLossBackward0" }

// crossEntropyIndices returns CrossEntropy(input, target) for input (N, C) and
// target (N) holding class indices in [0, C) or c.ignoreIndex. It panics with
// nll_loss's message on a class index out of range.
func crossEntropyIndices(op string, input, target *tensor.Tensor, c lossConfig) *tensor.Tensor {
	n := input.Size(1)
	f := &crossEntropyRows{r: c.r, ignore: c.ignoreIndex}
	for _, t := range target.Contiguous().Int64s() {
		if t == c.ignoreIndex {
			continue
		}
		if t < 0 || t >= int64(n) {
			panic(tensor.NewError(tensor.ErrIndex, "functional", op, "target %d is out of bounds for %d classes", t, n))
		}
		f.count++
	}
	loss := tensor.Apply(f, input, target)
	access.FreeWithGraph(loss, f.p) // only the node holds it: back to the pool with the graph
	f.p = nil
	return loss
}

func (f *crossEntropyRows) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	x, t := in[0].Contiguous(), in[1].Contiguous()
	p := uninitLike(x, x.Shape()...) // the softmax of each row, for Backward
	losses := make([]float64, x.Size(0))
	if x.DType() == tensor.Float32 {
		ceForward(p.Float32s(), x.Float32s(), t.Int64s(), losses, f.ignore)
	} else {
		ceForward(p.Float64s(), x.Float64s(), t.Int64s(), losses, f.ignore)
	}
	ctx.SaveForBackward(in[0], p, t)
	f.p = p
	if f.r == None {
		return tensor.FromSlice(losses).To(x.DType())
	}
	s := 0.0
	for _, l := range losses {
		s += l
	}
	if f.r == Mean {
		s /= float64(f.count) // NaN when every target is ignored, as PyTorch's 0/0
	}
	return x.DType().Scalar(s)
}

// ceForward sets each row of p (rows of len(p)/len(t) classes) to the softmax of
// that row of x and losses[i] to -log p[i, t[i]] (0 where t[i] is ignore). The
// log-probability is (x - max) - log Σ exp(x - max), as LogSoftmax computes it.
func ceForward[T float32 | float64](p, x []T, t []int64, losses []float64, ignore int64) {
	c := len(x) / max(len(t), 1)
	parallel.For(len(t), max(1, 4096/max(c, 1)), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xs := x[i*c : (i+1)*c]
			m, s := vec.SoftmaxInto(p[i*c:(i+1)*c], xs)
			if t[i] != ignore {
				losses[i] = math.Log(float64(s)) - float64(xs[t[i]]-m)
			}
		}
	})
}

// Backward: dinput[i] = (softmax(input[i]) - onehot(t[i]))·g_i, with g_i the
// gradient of row i's loss (grad, grad/count for Mean, grad[i] for None) and 0
// for ignored rows; no gradient for the target.
func (f *crossEntropyRows) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	s := ctx.Saved()
	x, p, t := s[0], s[1], s[2]
	if ctx.CreatingGraph() {
		return []*tensor.Tensor{f.gradGraph(x, t, g), nil}
	}
	rows := p.Size(0)
	gs := make([]float64, rows)
	if f.r == None {
		copy(gs, g.Contiguous().Values())
	} else {
		v := g.Item()
		if f.r == Mean {
			v /= float64(f.count)
		}
		for i := range gs {
			gs[i] = v
		}
	}
	dx := uninitLike(p, p.Shape()...)
	if p.DType() == tensor.Float32 {
		ceBackward(dx.Float32s(), p.Float32s(), t.Int64s(), gs, f.ignore)
	} else {
		ceBackward(dx.Float64s(), p.Float64s(), t.Int64s(), gs, f.ignore)
	}
	return []*tensor.Tensor{dx, nil}
}

func ceBackward[T float32 | float64](dx, p []T, t []int64, gs []float64, ignore int64) {
	c := len(p) / max(len(t), 1)
	parallel.For(len(t), max(1, 4096/max(c, 1)), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			ds := dx[i*c : (i+1)*c]
			if t[i] == ignore {
				clear(ds)
				continue
			}
			vec.MulScalar(ds, p[i*c:(i+1)*c], T(gs[i]))
			ds[t[i]] -= T(gs[i])
		}
	})
}

// gradGraph is Backward's formula as differentiable ops, for a recorded
// backward pass: (softmax(x)·keep - onehot)·g, with keep zero on ignored rows.
func (f *crossEntropyRows) gradGraph(x, t, g *tensor.Tensor) *tensor.Tensor {
	rows, n := x.Size(0), x.Size(1)
	ts := t.Int64s()
	hot, keep := make([]float64, rows*n), make([]float64, rows)
	for i, c := range ts {
		if c != f.ignore {
			hot[i*n+int(c)], keep[i] = 1, 1
		}
	}
	dt := x.DType()
	d := x.Softmax(1).Mul(tensor.FromSlice(keep, rows, 1).To(dt)).Sub(tensor.FromSlice(hot, rows, n).To(dt))
	switch f.r {
	case None:
		return d.Mul(g.Unsqueeze(1))
	case Mean:
		return d.Mul(g.DivScalar(float64(f.count)))
	}
	return d.Mul(g)
}
