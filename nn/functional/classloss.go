package functional

import (
	"github.com/gograd/gograd/tensor"
)

// CrossEntropy returns the cross-entropy loss between logits input and target,
// as torch.nn.functional.cross_entropy. The input is (C), (N, C) or
// (N, C, d1, ...) with the classes in dimension 1. The target is either int64
// class indices of the input's shape without the class dimension, or class
// probabilities of the input's shape and dtype. Options: a Reduction (Mean
// unless given), Weight (one per class), IgnoreIndex (class indices only) and
// LabelSmoothing. With indices it is NLLLoss(LogSoftmax(input, 1), target); Mean
// then divides by the summed weights of the targets not ignored. It panics on
// shapes that do not match or a class index out of range.
func CrossEntropy(input, target *tensor.Tensor, opts ...LossOption) *tensor.Tensor {
	const op = "CrossEntropy"
	c := configOf(op, opts, optWeight|optIgnore|optSmoothing)
	if target.DType() == tensor.Int64 && c.weight == nil && c.smoothing == 0 && input.DType().IsFloat() &&
		input.Dim() == 2 && target.Dim() == 1 && target.Size(0) == input.Size(0) {
		return crossEntropyIndices(op, input, target, c) // one fused node (crossentropy.go)
	}
	cdim := classDim(input)
	logp := input.LogSoftmax(cdim)
	n := input.Size(cdim)
	w := classWeight(op, c.weight, input, cdim)
	if target.DType() != tensor.Int64 {
		sameShape(op, input, target)
		if c.set&optIgnore != 0 {
			panic(tensor.Errorf("functional", op, "IgnoreIndex needs class-index targets"))
		}
		// -Σ w·t·log p, with t smoothed first: PyTorch's order of operations.
		t := target
		if c.smoothing > 0 {
			t = t.MulScalar(1 - c.smoothing).AddScalar(c.smoothing / float64(n))
		}
		prod := logp.Mul(t)
		if w != nil {
			prod = prod.Mul(w)
		}
		switch c.r {
		case Sum:
			return prod.Sum().Neg()
		case None:
			return prod.Sum(cdim).Neg()
		}
		return divScalar(prod.Sum().Neg(), float64(input.Numel()/max(n, 1)))
	}
	nll, keep, wsum := nllLoss(op, logp, target, c)
	if c.smoothing == 0 {
		return nll
	}
	// The smoothing term: -Σ_c w_c log p_c per position, zero where ignored.
	smooth := logp
	if w != nil {
		smooth = smooth.Mul(w)
	}
	smooth = smooth.Sum(cdim).Neg().Mul(keep)
	switch c.r {
	case Mean:
		smooth = smooth.Sum().DivScalar(wsum)
	case Sum:
		smooth = smooth.Sum()
	}
	return nll.MulScalar(1 - c.smoothing).Add(smooth.MulScalar(c.smoothing / float64(n)))
}

// classDim returns the class dimension: 0 for an unbatched (C) input, else 1.
func classDim(input *tensor.Tensor) int {
	if input.Dim() == 1 {
		return 0
	}
	return 1
}

// classWeight returns w (C) shaped to broadcast along input's class dimension,
// nil for nil, detached. It panics if w is not (C) of the input's dtype.
func classWeight(op string, w, input *tensor.Tensor, cdim int) *tensor.Tensor {
	if w == nil {
		return nil
	}
	if input.Dim() == 0 || w.Dim() != 1 || w.Size(0) != input.Size(cdim) || w.DType() != input.DType() {
		panic(tensor.NewError(tensor.ErrShape, "functional", op, "weight shape %v dtype %v is not one %v per class of input shape %v",
			w.Shape(), w.DType(), input.DType(), input.Shape()))
	}
	shape := make([]int, input.Dim())
	for i := range shape {
		shape[i] = 1
	}
	shape[cdim] = w.Size(0)
	return w.Detach().Reshape(shape...)
}

// NLLLoss returns the negative log-likelihood loss of log-probabilities input at
// the target class indices, as torch.nn.functional.nll_loss: input (C), (N, C) or
// (N, C, d1, ...), target int64 of the input's shape without dimension 1 (() for
// (C)). Each position contributes -w[t]·input[n, t, ...]. Options: a Reduction
// (Mean, the default, divides by the summed w[t] of the targets not ignored),
// Weight (one per class, 1 when absent) and IgnoreIndex (-100 unless given). It
// panics on shapes that do not match or a class index out of range.
func NLLLoss(input, target *tensor.Tensor, opts ...LossOption) *tensor.Tensor {
	c := configOf("NLLLoss", opts, optWeight|optIgnore)
	out, _, _ := nllLoss("NLLLoss", input, target, c)
	return out
}

// nllLoss returns NLLLoss and, for CrossEntropy's label smoothing, the mask of
// positions not ignored (target's shape, input's dtype) and the mean's
// denominator.
func nllLoss(op string, input, target *tensor.Tensor, c lossConfig) (out, keep *tensor.Tensor, wsum float64) {
	if target.DType() != tensor.Int64 {
		panic(tensor.NewError(tensor.ErrDType, "functional", op, "target must hold int64 class indices, got dtype %v", target.DType()))
	}
	cdim := classDim(input)
	ok := input.Dim() == 1 && target.Dim() == 0
	if input.Dim() >= 2 && target.Dim() == input.Dim()-1 {
		ok = true
		for i := range target.Dim() {
			j := i
			if i >= 1 {
				j = i + 1
			}
			ok = ok && target.Size(i) == input.Size(j)
		}
	}
	if !ok {
		panic(tensor.NewError(tensor.ErrShape, "functional", op, "input shape %v and target shape %v do not match: want (N, C, d...) and (N, d...), or (C) and ()", input.Shape(), target.Shape()))
	}
	n := input.Size(cdim)
	var w []float64
	if c.weight != nil {
		w = classWeight(op, c.weight, input, cdim).Contiguous().Values()
	}
	ts := target.Contiguous().Int64s()
	keepv := make([]float64, len(ts))
	for i, t := range ts {
		if t == c.ignoreIndex {
			continue
		}
		if t < 0 || t >= int64(n) {
			panic(tensor.NewError(tensor.ErrIndex, "functional", op, "target %d is out of bounds for %d classes", t, n))
		}
		keepv[i] = 1
		if w != nil {
			wsum += w[t]
		} else {
			wsum++
		}
	}
	keep = tensor.New(keepv, target.Shape()...).To(input.DType())
	f := &nll{r: c.r, w: w, ignore: c.ignoreIndex, wsum: wsum, dim: input.Dim()}
	out = tensor.Apply(f, input, target)
	if c.r == None && input.Dim() >= 3 && input.Dim() != 4 {
		out = out.View(target.Shape()...) // PyTorch runs these through nll_loss2d and a view
	}
	return out, keep, wsum
}

// nll is nll_loss as one node: PyTorch's grad_fn name and a gradient that is a
// saved constant mask.
type nll struct {
	r      Reduction
	w      []float64 // class weights, nil for 1
	ignore int64
	wsum   float64
	dim    int
}

func (f *nll) Name() string {
	if f.dim >= 3 {
		return "NllLoss2DBackward0"
	}
	return "NllLossBackward0"
}

func (f *nll) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	x, t := in[0].Contiguous(), in[1].Contiguous() // read through raw slices
	n := x.Size(classDim(x))
	inner := 1 // the size of d1 × d2 × ...
	for d := 2; d < x.Dim(); d++ {
		inner *= x.Size(d)
	}
	// mask holds -w[t]/denominator at each position's target class: the gradient.
	mask := tensor.ZerosLike(x)
	picked := tensor.ZerosLike(t).To(x.DType()).Reshape(t.Numel())
	scale := 1.0
	if f.r == Mean {
		scale = 1 / f.wsum
	}
	for i, cls := range t.Int64s() {
		if cls == f.ignore {
			continue
		}
		wt := 1.0
		if f.w != nil {
			wt = f.w[cls]
		}
		at := (i/inner*n+int(cls))*inner + i%inner
		setFlat(mask, at, -wt*scale)
		setFlat(picked, i, -wt*flat(x, at))
	}
	ctx.SaveForBackward(mask)
	switch f.r {
	case Sum:
		return picked.Sum()
	case None:
		return picked.Reshape(t.Shape()...)
	}
	return picked.Sum().DivScalar(f.wsum)
}

// Backward: dinput = grad·mask (grad broadcast along the class dimension); no
// gradient for the target.
func (f *nll) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	mask := ctx.Saved()[0]
	if f.r == None && mask.Dim() >= 2 {
		g = g.Unsqueeze(1)
	}
	return []*tensor.Tensor{mask.Mul(g), nil}
}
