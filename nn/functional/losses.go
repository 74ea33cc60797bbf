package functional

import (
	"math"

	"github.com/gograd/gograd/tensor"
)

// The losses in this file are compositions of tensor ops where PyTorch 1.13
// composes them too (so their grad_fn names are PyTorch's and they can be
// differentiated twice); SmoothL1Loss, HuberLoss, MultiMarginLoss and CTCLoss
// are nodes of their own, as in PyTorch.

// L1Loss returns the mean (or another Reduction's) absolute error |input -
// target|, as torch.nn.functional.l1_loss. It panics if the shapes or dtypes
// differ.
func L1Loss(input, target *tensor.Tensor, reduction ...Reduction) *tensor.Tensor {
	r := reductionOf("L1Loss", reduction)
	sameShape("L1Loss", input, target)
	return reduce(input.Sub(target).Abs(), r)
}

// SmoothL1Loss returns torch.nn.functional.smooth_l1_loss: per element,
// 0.5 d²/beta where |d| < beta and |d| - 0.5 beta elsewhere, d = input - target
// (the L1 loss when beta is 0). It panics if the shapes or dtypes differ or beta
// is negative.
func SmoothL1Loss(input, target *tensor.Tensor, beta float64, reduction ...Reduction) *tensor.Tensor {
	return piecewise("SmoothL1Loss", input, target, beta, false, reduction)
}

// HuberLoss returns torch.nn.functional.huber_loss: per element, 0.5 d² where
// |d| <= delta and delta (|d| - 0.5 delta) elsewhere, d = input - target. It
// panics if the shapes or dtypes differ or delta is not positive.
func HuberLoss(input, target *tensor.Tensor, delta float64, reduction ...Reduction) *tensor.Tensor {
	return piecewise("HuberLoss", input, target, delta, true, reduction)
}

func piecewise(op string, input, target *tensor.Tensor, k float64, huber bool, reduction []Reduction) *tensor.Tensor {
	r := reductionOf(op, reduction)
	sameShape(op, input, target)
	if k < 0 || huber && k == 0 || math.IsNaN(k) {
		panic(tensor.Errorf("functional", op, "beta/delta %v out of range", k))
	}
	return tensor.Apply(&piecewiseLoss{r: r, k: k, huber: huber}, input, target)
}

type piecewiseLoss struct {
	r     Reduction
	k     float64 // beta or delta
	huber bool
}

func (f *piecewiseLoss) Name() string {
	if f.huber {
		return "HuberLossBackward0"
	}
	return "SmoothL1LossBackward0"
}

func (f *piecewiseLoss) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	ctx.SaveForBackward(in[0], in[1])
	d := in[0].Sub(in[1]).Contiguous()
	l := tensor.ZerosLike(d).To(tensor.Float64)
	lv, k := l.Float64s(), f.k
	for i, v := range d.Values() {
		a := math.Abs(v)
		switch {
		case f.huber && a <= k:
			lv[i] = 0.5 * v * v
		case f.huber:
			lv[i] = k * (a - 0.5*k)
		case a < k:
			lv[i] = 0.5 * v * v / k
		default:
			lv[i] = a - 0.5*k
		}
	}
	return reduce(l.To(d.DType()), f.r)
}

// Backward: dinput = grad clamp(d/beta, -1, 1) (SmoothL1, sign(d) when beta is 0)
// or grad clamp(d, -delta, delta) (Huber), over N for Mean; dtarget = -dinput.
func (f *piecewiseLoss) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	s := ctx.Saved()
	d := s[0].Sub(s[1])
	var slope *tensor.Tensor
	switch {
	case f.huber:
		slope = d.Clamp(-f.k, f.k)
	case f.k == 0:
		slope = d.Sign()
	default:
		slope = d.DivScalar(f.k).Clamp(-1, 1)
	}
	gx := slope.Mul(scaleGrad(g, f.r, d.Numel()))
	var gy *tensor.Tensor
	if ctx.NeedsInputGrad(1) {
		gy = gx.Neg()
	}
	return []*tensor.Tensor{gx, gy}
}

// KLDiv returns torch.nn.functional.kl_div: per element target·(log target -
// input), input holding log-probabilities, or with logTarget, target holding
// them too, exp(target)·(target - input). Reductions: Mean (the default, over
// every element, as PyTorch's), Sum, None and BatchMean (the sum over the batch
// size, the true KL divergence). It panics if the shapes or dtypes differ.
func KLDiv(input, target *tensor.Tensor, logTarget bool, opts ...LossOption) *tensor.Tensor {
	c := configOf("KLDiv", opts, optBatchMean)
	sameShape("KLDiv", input, target)
	var l *tensor.Tensor
	if logTarget {
		l = target.Exp().Mul(target.Sub(input))
	} else {
		// xlogy(t, t): a target of 0 contributes 0 (its log is clamped, times 0).
		tiny := math.SmallestNonzeroFloat64
		if target.DType() == tensor.Float32 {
			tiny = math.SmallestNonzeroFloat32
		}
		l = target.Mul(target.Clamp(tiny, math.Inf(1)).Log()).Sub(target.Mul(input))
	}
	if c.r == BatchMean {
		b := 1
		if input.Dim() > 0 {
			b = input.Size(0)
		}
		return l.Sum().DivScalar(float64(b))
	}
	return reduce(l, c.r)
}

// PoissonNLLLoss returns torch.nn.functional.poisson_nll_loss: per element
// exp(input) - target·input with logInput, else input - target·log(input + eps);
// with full, Stirling's approximation target·log(target) - target +
// 0.5·log(2π·target) is added where target > 1. No gradient flows to the target.
// It panics if the shapes or dtypes differ.
func PoissonNLLLoss(input, target *tensor.Tensor, logInput, full bool, eps float64, reduction ...Reduction) *tensor.Tensor {
	r := reductionOf("PoissonNLLLoss", reduction)
	sameShape("PoissonNLLLoss", input, target)
	y := target.Detach()
	var l *tensor.Tensor
	if logInput {
		l = input.Exp().Sub(y.Mul(input))
	} else {
		l = input.Sub(y.Mul(input.AddScalar(eps).Log()))
	}
	if full {
		var st *tensor.Tensor
		tensor.NoGrad(func() {
			st = y.Mul(y.Log()).Sub(y).Add(y.MulScalar(2 * math.Pi).Log().MulScalar(0.5))
			st = st.Mul(y.SubScalar(1).Sign().Relu()) // 0 where target <= 1
		})
		l = l.Add(st)
	}
	return reduce(l, r)
}

// GaussianNLLLoss returns torch.nn.functional.gaussian_nll_loss:
// 0.5·(log v + (input - target)²/v) per element (+ 0.5·log 2π with full), v the
// variance clamped below at eps (the clamp passes gradients through unchanged, as
// PyTorch's no-grad clamp does). v has the input's shape, or that shape without
// its last dimension, or with 1 there. It panics on other shapes.
func GaussianNLLLoss(input, target, variance *tensor.Tensor, full bool, eps float64, reduction ...Reduction) *tensor.Tensor {
	const op = "GaussianNLLLoss"
	r := reductionOf(op, reduction)
	sameShape(op, input, target)
	v := variance
	is, vs := input.Shape(), v.Shape()
	switch {
	case equalInts(is, vs):
	case input.Dim() > 0 && equalInts(is[:len(is)-1], vs):
		v = v.Unsqueeze(-1)
	case input.Dim() > 0 && len(vs) == len(is) && equalInts(is[:len(is)-1], vs[:len(vs)-1]) && vs[len(vs)-1] == 1:
	default:
		panic(tensor.NewError(tensor.ErrShape, "functional", op, "variance shape %v does not fit input shape %v", vs, is))
	}
	var lift *tensor.Tensor
	tensor.NoGrad(func() { lift = v.Clamp(eps, math.Inf(1)).Sub(v) })
	v = v.Add(lift)
	d := input.Sub(target)
	l := v.Log().Add(d.Mul(d).Div(v)).MulScalar(0.5)
	if full {
		l = l.AddScalar(0.5 * math.Log(2*math.Pi))
	}
	return reduce(l, r)
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sign returns the ±1 labels y as constant float masks of dtype dt: where y is 1
// and where y is -1.
func labelMasks(op string, y *tensor.Tensor, dt tensor.DType) (pos, neg *tensor.Tensor) {
	ys := y.Contiguous().Values()
	p, n := make([]float64, len(ys)), make([]float64, len(ys))
	for i, v := range ys {
		switch v {
		case 1:
			p[i] = 1
		case -1:
			n[i] = 1
		}
	}
	return tensor.New(p, y.Shape()...).To(dt), tensor.New(n, y.Shape()...).To(dt)
}

// CosineEmbeddingLoss returns torch.nn.functional.cosine_embedding_loss: per
// row, 1 - cos(x1, x2) where y is 1 and max(0, cos(x1, x2) - margin) where y is
// -1 (0 for other labels), cos computed as PyTorch does with 1e-12 added to each
// squared norm. x1 and x2 are (N, D) or (D), y (N) or (). It panics on shapes
// that do not match.
func CosineEmbeddingLoss(x1, x2, y *tensor.Tensor, margin float64, reduction ...Reduction) *tensor.Tensor {
	const op = "CosineEmbeddingLoss"
	r := reductionOf(op, reduction)
	sameShape(op, x1, x2)
	if x1.Dim() < 1 || x1.Dim() > 2 || y.Dim() != x1.Dim()-1 || y.Dim() == 1 && y.Size(0) != x1.Size(0) {
		panic(tensor.NewError(tensor.ErrShape, "functional", op, "inputs %v and target %v: want (N, D) and (N), or (D) and ()", x1.Shape(), y.Shape()))
	}
	d := x1.Dim() - 1
	const eps = 1e-12
	prod := x1.Mul(x2).Sum(d)
	m1 := x1.Mul(x1).Sum(d).AddScalar(eps)
	m2 := x2.Mul(x2).Sum(d).AddScalar(eps)
	cos := prod.Div(m1.Mul(m2).Sqrt())
	pos, neg := labelMasks(op, y, x1.DType())
	l := cos.RSubScalar(1).Mul(pos).Add(cos.SubScalar(margin).Relu().Mul(neg))
	return reduce(l, r)
}

// MarginRankingLoss returns torch.nn.functional.margin_ranking_loss:
// max(0, -y·(x1 - x2) + margin) per element, y holding 1 or -1. It panics if the
// shapes or dtypes differ.
func MarginRankingLoss(x1, x2, y *tensor.Tensor, margin float64, reduction ...Reduction) *tensor.Tensor {
	r := reductionOf("MarginRankingLoss", reduction)
	sameShape("MarginRankingLoss", x1, x2)
	sameShape("MarginRankingLoss", x1, y)
	return reduce(clampMin0(y.Detach().Neg().Mul(x1.Sub(x2)).AddScalar(margin)), r)
}

// HingeEmbeddingLoss returns torch.nn.functional.hinge_embedding_loss: per
// element, x where y is 1 and max(0, margin - x) where y is -1. It panics if the
// shapes or dtypes differ.
func HingeEmbeddingLoss(x, y *tensor.Tensor, margin float64, reduction ...Reduction) *tensor.Tensor {
	const op = "HingeEmbeddingLoss"
	r := reductionOf(op, reduction)
	sameShape(op, x, y)
	pos, neg := labelMasks(op, y, x.DType())
	// PyTorch keeps x where y != -1 and the margin term where y != 1.
	notNeg, notPos := neg.RSubScalar(1), pos.RSubScalar(1)
	return reduce(x.RSubScalar(margin).Relu().Mul(notPos).Add(x.Mul(notNeg)), r)
}

// TripletMarginLoss returns torch.nn.functional.triplet_margin_loss:
// max(0, margin + d(a, p) - d(a, n)) per row, d the p-norm distance of
// torch.pairwise_distance (‖x1 - x2 + eps‖_p over the last dimension); with swap,
// d(a, n) is replaced by d(p, n) where that is smaller. The inputs are (N, D) or
// (D) of one shape. It panics if their shapes or dtypes differ or p is not
// positive.
func TripletMarginLoss(anchor, positive, negative *tensor.Tensor, margin, p, eps float64, swap bool, reduction ...Reduction) *tensor.Tensor {
	const op = "TripletMarginLoss"
	r := reductionOf(op, reduction)
	sameShape(op, anchor, positive)
	sameShape(op, anchor, negative)
	if !(p > 0) || anchor.Dim() < 1 || anchor.Dim() > 2 {
		panic(tensor.Errorf("functional", op, "want p > 0 and (N, D) or (D) inputs, got p %v and shape %v", p, anchor.Shape()))
	}
	dPos := pairwiseDistance(anchor, positive, p, eps)
	dNeg := pairwiseDistance(anchor, negative, p, eps)
	if swap {
		dNeg = tensor.Minimum(dNeg, pairwiseDistance(positive, negative, p, eps))
	}
	return reduce(clampMin0(dPos.Sub(dNeg).AddScalar(margin)), r)
}

// pairwiseDistance returns ‖x1 - x2 + eps‖_p over the last dimension.
func pairwiseDistance(x1, x2 *tensor.Tensor, p, eps float64) *tensor.Tensor {
	d := x1.Sub(x2).AddScalar(eps)
	if p == 2 {
		return d.Mul(d).Sum(-1).Sqrt()
	}
	return d.Abs().Pow(p).Sum(-1).Pow(1 / p)
}

// MultiLabelSoftMarginLoss returns torch.nn.functional.multilabel_soft_margin_loss:
// per row, the mean over the C classes of -w·(y log σ(x) + (1-y) log σ(-x)), x
// and y (N, C) or (C). Options: a Reduction and Weight (C). It panics if the
// shapes or dtypes differ.
func MultiLabelSoftMarginLoss(input, target *tensor.Tensor, opts ...LossOption) *tensor.Tensor {
	const op = "MultiLabelSoftMarginLoss"
	c := configOf(op, opts, optWeight)
	sameShape(op, input, target)
	if input.Dim() == 0 {
		panic(tensor.NewError(tensor.ErrShape, "functional", op, "input is a scalar"))
	}
	// log σ(x) = -log(1 + e^-x), log σ(-x) = -x - log(1 + e^-x).
	sp := softplusNeg(input)
	l := target.Mul(sp).Add(target.RSubScalar(1).Mul(input.Add(sp)))
	if c.weight != nil {
		l = l.Mul(expandedTo(op, c.weight, input))
	}
	n := input.Size(-1)
	return reduce(l.Sum(-1).DivScalar(float64(n)), c.r)
}

// MultiMarginLoss returns torch.nn.functional.multi_margin_loss, the multi-class
// hinge loss: per row, Σ_{j≠y} w[y]·max(0, margin - x[y] + x[j])^p / C for input
// (N, C) or (C) and int64 class indices target (N) or (). p is 1 or 2. Options: a
// Reduction and Weight (C). It panics on shapes that do not match, p outside
// {1, 2} or a class index out of range.
func MultiMarginLoss(input, target *tensor.Tensor, p int, margin float64, opts ...LossOption) *tensor.Tensor {
	const op = "MultiMarginLoss"
	c := configOf(op, opts, optWeight)
	if p != 1 && p != 2 {
		panic(tensor.Errorf("functional", op, "p must be 1 or 2, got %d", p))
	}
	if target.DType() != tensor.Int64 || !(input.Dim() == 2 && target.Dim() == 1 && target.Size(0) == input.Size(0) || input.Dim() == 1 && target.Dim() == 0) {
		panic(tensor.NewError(tensor.ErrShape, "functional", op, "input %v and int64 target %v (dtype %v): want (N, C) and (N), or (C) and ()", input.Shape(), target.Shape(), target.DType()))
	}
	n := input.Size(-1)
	var w []float64
	if c.weight != nil {
		w = classWeight(op, c.weight, input, input.Dim()-1).Contiguous().Values()
	}
	for _, t := range target.Contiguous().Int64s() {
		if t < 0 || t >= int64(n) {
			panic(tensor.NewError(tensor.ErrIndex, "functional", op, "target %d is out of bounds for %d classes", t, n))
		}
	}
	return tensor.Apply(&multiMargin{r: c.r, p: p, margin: margin, w: w}, input, target)
}

// multiMargin is multi_margin_loss as one node, with PyTorch's grad_fn name. Its
// gradient is the saved coefficient tensor (so it cannot be differentiated twice
// for p = 2).
type multiMargin struct {
	r      Reduction
	p      int
	margin float64
	w      []float64
}

func (*multiMargin) Name() string { return "MultiMarginLossBackward0" }

func (f *multiMargin) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	x, t := in[0].Contiguous(), in[1].Contiguous()
	n := x.Size(-1)
	xs, ts := x.Values(), t.Int64s()
	coef := make([]float64, len(xs)) // dloss_i/dx per element
	loss := make([]float64, len(ts))
	for i, y := range ts {
		row := xs[i*n : (i+1)*n]
		wy := 1.0
		if f.w != nil {
			wy = f.w[y]
		}
		for j, v := range row {
			z := f.margin - row[y] + v
			if j == int(y) || z <= 0 {
				continue
			}
			h, dh := z, 1.0
			if f.p == 2 {
				h, dh = z*z, 2*z
			}
			loss[i] += wy * h / float64(n)
			coef[i*n+j] += wy * dh / float64(n)
			coef[i*n+int(y)] -= wy * dh / float64(n)
		}
	}
	c := tensor.New(coef, x.Shape()...).To(x.DType())
	if f.r == Mean {
		c = c.DivScalar(float64(len(ts)))
	}
	ctx.SaveForBackward(c)
	return reduce(tensor.New(loss, t.Shape()...).To(x.DType()), f.r)
}

// Backward: dinput = grad·coef (grad broadcast over the classes).
func (f *multiMargin) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	c := ctx.Saved()[0]
	if f.r == None && c.Dim() == 2 {
		g = g.Unsqueeze(1)
	}
	return []*tensor.Tensor{c.Mul(g), nil}
}

// CTCLoss returns torch.nn.functional.ctc_loss, the connectionist temporal
// classification loss -log p(target | input) summed over all alignments, for
// logProbs (T, N, C) (log-probabilities, as from LogSoftmax(x, 2)), int64 targets
// padded to (N, S) or concatenated into one (Σ target lengths) vector, and each
// sequence's input and target length. Reductions:
// Mean (the default) divides each loss by its target length (at least 1) and
// averages over the batch; Sum; None gives the N losses. zeroInfinity turns
// infinite losses (no alignment fits) and their gradients into 0.
//
// The gradient is PyTorch's: exp(logProbs) - Σ_alignments posterior, which is the
// true gradient once composed with a log-softmax over the classes (the exp term
// then cancels), not the partial derivative for unnormalised inputs.
//
// It panics on shapes or lengths that do not fit, or a target equal to blank.
func CTCLoss(logProbs, targets *tensor.Tensor, inputLengths, targetLengths []int, blank int, zeroInfinity bool, reduction ...Reduction) *tensor.Tensor {
	const op = "CTCLoss"
	r := reductionOf(op, reduction)
	if targets != nil && targets.Dim() == 1 && targets.DType() == tensor.Int64 {
		targets = padTargets(op, targets, targetLengths)
	}
	if logProbs.Dim() != 3 || targets.DType() != tensor.Int64 || targets.Dim() != 2 || targets.Size(0) != logProbs.Size(1) ||
		len(inputLengths) != logProbs.Size(1) || len(targetLengths) != logProbs.Size(1) {
		panic(tensor.NewError(tensor.ErrShape, "functional", op, "log_probs %v, int64 targets %v (dtype %v) and %d, %d lengths: want (T, N, C), (N, S) and N lengths each",
			logProbs.Shape(), targets.Shape(), targets.DType(), len(inputLengths), len(targetLengths)))
	}
	T, C := logProbs.Size(0), logProbs.Size(2)
	if blank < 0 || blank >= C {
		panic(tensor.NewError(tensor.ErrIndex, "functional", op, "blank %d is out of bounds for %d classes", blank, C))
	}
	ts := targets.Contiguous().Int64s()
	S := targets.Size(1)
	for n := range inputLengths {
		if inputLengths[n] < 0 || inputLengths[n] > T || targetLengths[n] < 0 || targetLengths[n] > S {
			panic(tensor.NewError(tensor.ErrShape, "functional", op, "sequence %d: input length %d (T %d) or target length %d (S %d) out of range",
				n, inputLengths[n], T, targetLengths[n], S))
		}
		for _, l := range ts[n*S : n*S+targetLengths[n]] {
			if l < 0 || l >= int64(C) || l == int64(blank) {
				panic(tensor.NewError(tensor.ErrIndex, "functional", op, "target %d of sequence %d is blank or out of bounds for %d classes", l, n, C))
			}
		}
	}
	f := &ctc{targets: ts, s: S, inLen: inputLengths, tgtLen: targetLengths, blank: blank, zeroInf: zeroInfinity}
	loss := tensor.Apply(f, logProbs)
	switch r {
	case Sum:
		return loss.Sum()
	case None:
		return loss
	}
	div := make([]float64, len(targetLengths))
	for i, l := range targetLengths {
		div[i] = float64(max(l, 1))
	}
	return loss.Div(tensor.New(div).To(logProbs.DType())).Mean()
}

// padTargets returns the concatenated targets t as rows padded with zeros to the
// longest length.
func padTargets(op string, t *tensor.Tensor, lengths []int) *tensor.Tensor {
	s, total := 0, 0
	for _, l := range lengths {
		if l < 0 {
			panic(tensor.NewError(tensor.ErrShape, "functional", op, "negative target length %d", l))
		}
		s, total = max(s, l), total+l
	}
	if total != t.Size(0) {
		panic(tensor.NewError(tensor.ErrShape, "functional", op, "concatenated targets hold %d labels, the target lengths sum to %d", t.Size(0), total))
	}
	src := t.Contiguous().Int64s()
	padded := make([]int64, len(lengths)*s)
	off := 0
	for n, l := range lengths {
		copy(padded[n*s:], src[off:off+l])
		off += l
	}
	return tensor.New(padded, len(lengths), s)
}

// ctc computes the per-sequence CTC losses by the forward-backward algorithm in
// log space; its gradient is a coefficient saved by the forward pass.
type ctc struct {
	targets       []int64
	s             int
	inLen, tgtLen []int
	blank         int
	zeroInf       bool
}

func (*ctc) Name() string { return "CtcLossBackward0" }

func logAdd(a, b float64) float64 {
	if math.IsInf(a, -1) {
		return b
	}
	if math.IsInf(b, -1) {
		return a
	}
	m := max(a, b)
	return m + math.Log(math.Exp(a-m)+math.Exp(b-m))
}

func (f *ctc) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	x := in[0].Contiguous()
	T, N, C := x.Size(0), x.Size(1), x.Size(2)
	lp := x.Values()
	at := func(t, n, c int) float64 { return lp[(t*N+n)*C+c] }
	losses := make([]float64, N)
	coef := make([]float64, len(lp))
	inf := math.Inf(-1)
	for n := range N {
		tl, L := f.inLen[n], f.tgtLen[n]
		ext := make([]int, 2*L+1) // l': blanks around the labels
		for s := range ext {
			ext[s] = f.blank
			if s%2 == 1 {
				ext[s] = int(f.targets[n*f.s+s/2])
			}
		}
		E := len(ext)
		alpha, beta := make([]float64, tl*E), make([]float64, tl*E)
		for i := range alpha {
			alpha[i], beta[i] = inf, inf
		}
		// skip reports whether a path may jump from s-2 to s (or s+2 to s).
		skip := func(s, o int) bool { return ext[s] != f.blank && o >= 0 && o < E && ext[o] != ext[s] }
		if tl > 0 {
			alpha[0] = at(0, n, ext[0])
			if E > 1 {
				alpha[1] = at(0, n, ext[1])
			}
			for t := 1; t < tl; t++ {
				for s := range E {
					a := alpha[(t-1)*E+s]
					if s >= 1 {
						a = logAdd(a, alpha[(t-1)*E+s-1])
					}
					if skip(s, s-2) {
						a = logAdd(a, alpha[(t-1)*E+s-2])
					}
					if !math.IsInf(a, -1) {
						alpha[t*E+s] = a + at(t, n, ext[s])
					}
				}
			}
			beta[(tl-1)*E+E-1] = at(tl-1, n, ext[E-1])
			if E > 1 {
				beta[(tl-1)*E+E-2] = at(tl-1, n, ext[E-2])
			}
			for t := tl - 2; t >= 0; t-- {
				for s := range E {
					b := beta[(t+1)*E+s]
					if s+1 < E {
						b = logAdd(b, beta[(t+1)*E+s+1])
					}
					if skip(s, s+2) {
						b = logAdd(b, beta[(t+1)*E+s+2])
					}
					if !math.IsInf(b, -1) {
						beta[t*E+s] = b + at(t, n, ext[s])
					}
				}
			}
		}
		ll := inf
		if tl > 0 {
			ll = alpha[(tl-1)*E+E-1]
			if E > 1 {
				ll = logAdd(ll, alpha[(tl-1)*E+E-2])
			}
		}
		nll := -ll
		if math.IsInf(nll, 1) && f.zeroInf {
			continue // loss and gradient 0
		}
		losses[n] = nll
		lcab := make([]float64, C)
		for t := range tl {
			for c := range C {
				lcab[c] = inf
			}
			for s := range E {
				lcab[ext[s]] = logAdd(lcab[ext[s]], alpha[t*E+s]+beta[t*E+s])
			}
			for c := range C {
				v := at(t, n, c)
				coef[(t*N+n)*C+c] = math.Exp(v) - math.Exp(lcab[c]+nll-v)
			}
		}
	}
	ctx.SaveForBackward(tensor.New(coef, T, N, C).To(x.DType()))
	return tensor.New(losses).To(x.DType())
}

// Backward: dlog_probs[t, n, c] = grad[n]·coef[t, n, c].
func (f *ctc) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	c := ctx.Saved()[0]
	return []*tensor.Tensor{c.Mul(g.Reshape(1, -1, 1))}
}

// clampMin0 returns max(x, 0) as torch.clamp_min(x, 0): its own node for
// PyTorch's grad_fn name, ClampMinBackward0.
func clampMin0(x *tensor.Tensor) *tensor.Tensor { return tensor.Apply(clampMin{}, x) }

type clampMin struct{}

func (clampMin) Name() string { return "ClampMinBackward0" }

func (clampMin) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	ctx.SaveForBackward(in[0])
	return in[0].Relu()
}

// Backward: dx = grad where x >= 0, else 0.
func (clampMin) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	x := ctx.Saved()[0]
	return []*tensor.Tensor{g.Mul(x.Sign().AddScalar(1).Sign())}
}

// divScalar returns x / k as ATen's div(Tensor, Scalar): its own node for
// PyTorch's grad_fn name, DivBackward1 (tensor's DivScalar reports DivBackward0,
// as a Python scalar does).
func divScalar(x *tensor.Tensor, k float64) *tensor.Tensor { return tensor.Apply(divBy(k), x) }

type divBy float64

func (divBy) Name() string { return "DivBackward1" }

func (k divBy) Forward(_ *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	return in[0].DivScalar(float64(k))
}

// Backward: dx = grad / k.
func (k divBy) Backward(_ *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{g.DivScalar(float64(k))}
}
