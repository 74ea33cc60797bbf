package functional

import (
	"math"

	"github.com/gograd/gograd/internal/parallel"
	"github.com/gograd/gograd/tensor"
)

// BatchNormOptions are the arguments of BatchNorm besides the tensors, as
// torch.nn.functional.batch_norm takes them.
type BatchNormOptions struct {
	// Training normalises by the statistics of the batch (and updates the running
	// ones, if given); otherwise by the running statistics.
	Training bool
	// Momentum is the weight of the batch in each update of the running statistics:
	// running = (1 - Momentum)·running + Momentum·batch (PyTorch uses 0.1).
	Momentum float64
	// Eps is added to the variance before its square root (PyTorch uses 1e-5).
	Eps float64
}

// BatchNorm normalises input (N, C) or (N, C, ...) per channel, as
// torch.nn.functional.batch_norm: y = (x - mean) / √(var + eps) · weight + bias.
// In training, mean and var are those of the batch (var biased) and, when
// runningMean and runningVar are given, those are updated in place with the batch
// mean and the unbiased batch variance; in evaluation they are the running ones,
// which must then be given. weight and bias (C) may be nil (affine=False).
//
// Its node is NativeBatchNormBackward0, PyTorch's; its backward is a fused raw
// kernel, or differentiable ops when the backward pass creates a graph. It panics
// on shapes or dtypes that do not fit, or in training on a batch with one value
// per channel.
func BatchNorm(input, runningMean, runningVar, weight, bias *tensor.Tensor, o BatchNormOptions) *tensor.Tensor {
	x := input
	if x.Dim() < 2 || !x.DType().IsFloat() {
		panic(tensor.Errorf("functional", "BatchNorm", "want a float input (N, C, ...), got shape %v dtype %v", x.Shape(), x.DType()))
	}
	c := x.Size(1)
	for _, t := range []*tensor.Tensor{runningMean, runningVar, weight, bias} {
		if t != nil && (t.Dim() != 1 || t.Size(0) != c || t.DType() != x.DType()) {
			panic(tensor.Errorf("functional", "BatchNorm", "running statistics, weight and bias must have shape [%d] and dtype %v, got %v %v", c, x.DType(), t.Shape(), t.DType()))
		}
	}
	if (runningMean == nil) != (runningVar == nil) || !o.Training && runningMean == nil {
		panic(tensor.Errorf("functional", "BatchNorm", "give both running statistics, or neither in training"))
	}
	m := x.Numel() / max(c, 1)
	if o.Training && m <= 1 {
		panic(tensor.Errorf("functional", "BatchNorm", "expected more than 1 value per channel when training, got input shape %v", x.Shape()))
	}
	f := &batchNorm{o: o, c: c, inner: x.Numel() / max(x.Size(0)*c, 1), mean: make([]float64, c), invstd: make([]float64, c)}
	if o.Training || runningMean == nil {
		f.batchStats(x.Contiguous())
		if runningMean != nil {
			f.update(runningMean, runningVar, m)
		}
	} else {
		rm, rv := runningMean.Contiguous().Values(), runningVar.Contiguous().Values()
		for i := range c {
			f.mean[i], f.invstd[i] = rm[i], 1/math.Sqrt(rv[i]+o.Eps)
		}
	}
	inputs := []*tensor.Tensor{x}
	if weight != nil {
		f.affine = true
		inputs = append(inputs, weight)
		if bias == nil {
			bias = tensor.ZerosLike(weight)
		}
		inputs = append(inputs, bias)
	} else if bias != nil {
		f.affine = true
		inputs = append(inputs, tensor.OnesLike(bias), bias)
	}
	return tensor.Apply(f, inputs...)
}

type batchNorm struct {
	o            BatchNormOptions
	c, inner     int
	affine       bool
	mean, invstd []float64 // per channel, as used by the forward pass
	batchVar     []float64 // biased, in training
}

func (*batchNorm) Name() string { return "NativeBatchNormBackward0" }

// channels runs f over the channels, split across threads.
func (f *batchNorm) channels(fn func(c int)) {
	parallel.For(f.c, 1, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			fn(c)
		}
	})
}

// batchStats sets mean and invstd to the batch's, with the variance in batchVar.
func (f *batchNorm) batchStats(x *tensor.Tensor) {
	f.batchVar = make([]float64, f.c)
	if x.DType() == tensor.Float32 {
		stats(f, x.Float32s())
	} else {
		stats(f, x.Float64s())
	}
}

func stats[T float32 | float64](f *batchNorm, x []T) {
	n := len(x) / (f.c * f.inner)
	m := float64(n * f.inner)
	f.channels(func(c int) {
		var s float64
		for b := range n {
			for _, v := range x[(b*f.c+c)*f.inner : (b*f.c+c+1)*f.inner] {
				s += float64(v)
			}
		}
		mean := s / m
		var ss float64
		for b := range n {
			for _, v := range x[(b*f.c+c)*f.inner : (b*f.c+c+1)*f.inner] {
				d := float64(v) - mean
				ss += d * d
			}
		}
		f.mean[c], f.batchVar[c] = mean, ss/m
		f.invstd[c] = 1 / math.Sqrt(ss/m+f.o.Eps)
	})
}

// update moves the running statistics towards the batch's by the momentum.
func (f *batchNorm) update(rm, rv *tensor.Tensor, m int) {
	mo := f.o.Momentum
	means, vars := make([]float64, f.c), make([]float64, f.c)
	rmv, rvv := rm.Contiguous().Values(), rv.Contiguous().Values()
	for c := range f.c {
		means[c] = (1-mo)*rmv[c] + mo*f.mean[c]
		vars[c] = (1-mo)*rvv[c] + mo*f.batchVar[c]*float64(m)/float64(m-1)
	}
	tensor.NoGrad(func() {
		rm.Copy_(tensor.FromSlice(means))
		rv.Copy_(tensor.FromSlice(vars))
	})
}

func (f *batchNorm) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	x, w, b := saveAffine(ctx, in, f.affine)
	y := tensor.ZerosLike(x)
	if x.DType() == tensor.Float32 {
		bnForward(f, y.Float32s(), x.Float32s(), f32s(w), f32s(b))
	} else {
		bnForward(f, y.Float64s(), x.Float64s(), f64s(w), f64s(b))
	}
	return y
}

// affineInputs returns the inputs of a normalisation node: x, then weight and
// bias when either is given (the missing one as ones or zeros), and whether there
// are any.
func affineInputs(x, weight, bias *tensor.Tensor) ([]*tensor.Tensor, bool) {
	if weight == nil && bias == nil {
		return []*tensor.Tensor{x}, false
	}
	if weight == nil {
		weight = tensor.OnesLike(bias)
	}
	if bias == nil {
		bias = tensor.ZerosLike(weight)
	}
	return []*tensor.Tensor{x, weight, bias}, true
}

// saveAffine returns a normalisation's input x and, when affine, its weight and
// bias (the inputs after x), contiguous, saving the input and weight themselves
// for Backward (whose gradients, when differentiated again, reach them).
func saveAffine(ctx *tensor.Context, in []*tensor.Tensor, affine bool) (x, w, b *tensor.Tensor) {
	x = in[0].Contiguous()
	ctx.SaveForBackward(in[0])
	if affine {
		w, b = in[1].Contiguous(), in[2].Contiguous()
		ctx.SaveForBackward(in[1])
	}
	return x, w, b
}

func bnForward[T float32 | float64](f *batchNorm, y, x, w, b []T) {
	n := len(x) / max(f.c*f.inner, 1)
	f.channels(func(c int) {
		scale, shift := f.invstd[c], -f.mean[c]*f.invstd[c]
		if w != nil {
			scale, shift = scale*float64(w[c]), shift*float64(w[c])+float64(b[c])
		}
		s, t := T(scale), T(shift)
		for bi := range n {
			off := (bi*f.c + c) * f.inner
			dst := y[off : off+f.inner]
			for i, v := range x[off : off+f.inner] {
				dst[i] = v*s + t
			}
		}
	})
}

// Backward, with x̂ = (x - mean)·invstd and M values per channel:
// training: dx = w·invstd·(dy - Σdy/M - x̂·Σ(dy·x̂)/M); evaluation: dx = w·invstd·dy;
// dweight = Σ dy·x̂; dbias = Σ dy. A fused raw kernel, or when the backward pass
// creates a graph the same formulas as differentiable ops (normgrad.go).
func (f *batchNorm) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	if tensor.IsGradEnabled() {
		return f.gradGraph(ctx, g)
	}
	s := ctx.Saved()
	x := s[0].Contiguous()
	g = g.Contiguous()
	grads := make([]*tensor.Tensor, 1, 3)
	sums := make([]float64, 2*f.c) // Σdy, Σdy·x̂ per channel
	var dx *tensor.Tensor
	if ctx.NeedsInputGrad(0) {
		dx = tensor.ZerosLike(x)
		grads[0] = dx
	}
	var w []float64
	if f.affine {
		w = s[1].Values()
	}
	if x.DType() == tensor.Float32 {
		bnBackward(f, f32s(dx), g.Float32s(), x.Float32s(), w, sums)
	} else {
		bnBackward(f, f64s(dx), g.Float64s(), x.Float64s(), w, sums)
	}
	if f.affine {
		grads = append(grads, nil, nil)
		if ctx.NeedsInputGrad(1) {
			grads[1] = tensor.FromSlice(sums[f.c:]).To(x.DType())
		}
		if ctx.NeedsInputGrad(2) {
			grads[2] = tensor.FromSlice(sums[:f.c]).To(x.DType())
		}
	}
	return grads
}

func bnBackward[T float32 | float64](f *batchNorm, dx, dy, x []T, w, sums []float64) {
	n := len(x) / max(f.c*f.inner, 1)
	m := float64(n * f.inner)
	f.channels(func(c int) {
		mean, invstd := f.mean[c], f.invstd[c]
		var sdy, sdyx float64
		for b := range n {
			off := (b*f.c + c) * f.inner
			xs := x[off : off+f.inner]
			for i, g := range dy[off : off+f.inner] {
				sdy += float64(g)
				sdyx += float64(g) * (float64(xs[i]) - mean)
			}
		}
		sdyx *= invstd
		sums[c], sums[f.c+c] = sdy, sdyx
		if dx == nil {
			return
		}
		k := invstd
		if w != nil {
			k *= w[c]
		}
		if !f.o.Training {
			kk := T(k)
			for b := range n {
				off := (b*f.c + c) * f.inner
				dst := dx[off : off+f.inner]
				for i, g := range dy[off : off+f.inner] {
					dst[i] = g * kk
				}
			}
			return
		}
		// dx = k·dy - k·Σdy/M - k·x̂·Σ(dy·x̂)/M, with x̂ = (x - mean)·invstd.
		a, bb := T(k), T(-k*sdy/m+k*invstd*mean*sdyx/m)
		cx := T(-k * invstd * sdyx / m)
		for b := range n {
			off := (b*f.c + c) * f.inner
			dst := dx[off : off+f.inner]
			xs := x[off : off+f.inner]
			for i, g := range dy[off : off+f.inner] {
				dst[i] = a*g + cx*xs[i] + bb
			}
		}
	})
}

// Dropout zeroes each element of input with probability p and scales the rest by
// 1/(1-p) when training, as torch.nn.functional.dropout; it returns input itself
// when not training or p is 0. The mask is drawn from gen (nil:
// tensor.DefaultGenerator()). Its gradient is grad times the same scaled mask,
// written with tensor ops (differentiable again). It panics unless 0 ≤ p ≤ 1.
func Dropout(input *tensor.Tensor, p float64, training bool, gen *tensor.Generator) *tensor.Tensor {
	return dropout("Dropout", input, p, training, gen, input.Shape())
}

// Dropout2d zeroes whole channels: each (n, c) plane of input (N, C, H, W) with
// probability p, scaling the rest by 1/(1-p), when training, as
// torch.nn.functional.dropout2d. See Dropout.
func Dropout2d(input *tensor.Tensor, p float64, training bool, gen *tensor.Generator) *tensor.Tensor {
	if input.Dim() != 4 {
		panic(tensor.Errorf("functional", "Dropout2d", "want an input (N, C, H, W), got shape %v", input.Shape()))
	}
	return dropout("Dropout2d", input, p, training, gen, []int{input.Size(0), input.Size(1), 1, 1})
}

func dropout(op string, x *tensor.Tensor, p float64, training bool, gen *tensor.Generator, maskShape []int) *tensor.Tensor {
	if !(p >= 0 && p <= 1) {
		panic(tensor.Errorf("functional", op, "dropout probability has to be between 0 and 1, but got %v", p))
	}
	if !training || p == 0 {
		return x
	}
	if gen == nil {
		gen = tensor.DefaultGenerator()
	}
	mask := gen.Uniform(x.DType().Zeros(maskShape...), 0, 1)
	scale := 0.0
	if p < 1 {
		scale = 1 / (1 - p)
	}
	if mask.DType() == tensor.Float32 {
		keep(mask.Float32s(), float32(p), float32(scale))
	} else {
		keep(mask.Float64s(), p, scale)
	}
	return tensor.Apply(&dropoutFn{}, x, mask)
}

// keep turns uniform draws u into the scaled mask: scale where u ≥ p, else 0.
func keep[T float32 | float64](u []T, p, scale T) {
	for i, v := range u {
		if v >= p {
			u[i] = scale
		} else {
			u[i] = 0
		}
	}
}

// dropoutFn multiplies its input by a mask (broadcast over spatial dims for
// Dropout2d), as PyTorch's NativeDropoutBackward0 node.
type dropoutFn struct{}

func (dropoutFn) Name() string { return "NativeDropoutBackward0" }

func (dropoutFn) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	ctx.SaveForBackward(in[1])
	return in[0].Mul(in[1])
}

// Backward: dx = grad·mask.
func (dropoutFn) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{g.Mul(ctx.Saved()[0]), nil}
}

// GroupNorm normalises input (N, C, ...) over groups of C/groups channels, as
// torch.nn.functional.group_norm: each sample's group is normalised by its own
// mean and (biased) variance, then scaled and shifted per channel by weight and
// bias (C), which may be nil. Its node is NativeGroupNormBackward0; its backward is
// a fused raw kernel, or differentiable ops when the backward pass creates a
// graph. It panics unless groups divides C.
func GroupNorm(input *tensor.Tensor, groups int, weight, bias *tensor.Tensor, eps float64) *tensor.Tensor {
	x := input
	if x.Dim() < 2 || !x.DType().IsFloat() || groups < 1 || x.Size(1)%groups != 0 {
		panic(tensor.Errorf("functional", "GroupNorm", "want a float input (N, C, ...) with C divisible by %d groups, got shape %v dtype %v", groups, x.Shape(), x.DType()))
	}
	c := x.Size(1)
	for _, t := range []*tensor.Tensor{weight, bias} {
		if t != nil && (t.Dim() != 1 || t.Size(0) != c || t.DType() != x.DType()) {
			panic(tensor.Errorf("functional", "GroupNorm", "weight and bias must have shape [%d] and dtype %v, got %v %v", c, x.DType(), t.Shape(), t.DType()))
		}
	}
	f := &groupNorm{groups: groups, c: c, inner: x.Numel() / max(x.Size(0)*c, 1), eps: eps}
	var inputs []*tensor.Tensor
	inputs, f.affine = affineInputs(x, weight, bias)
	return tensor.Apply(f, inputs...)
}

type groupNorm struct {
	groups, c, inner int
	eps              float64
	affine           bool
	mean, invstd     []float64 // per (sample, group)
}

func (*groupNorm) Name() string { return "NativeGroupNormBackward0" }

// span returns the flat range of group r (sample r/groups, group r%groups) and
// its first channel.
func (f *groupNorm) span(r int) (lo, hi, c0 int) {
	cg := f.c / f.groups
	n, g := r/f.groups, r%f.groups
	c0 = g * cg
	lo = (n*f.c + c0) * f.inner
	return lo, lo + cg*f.inner, c0
}

func (f *groupNorm) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	x, w, b := saveAffine(ctx, in, f.affine)
	rows := x.Numel() / max(f.c*f.inner/f.groups, 1)
	f.mean, f.invstd = make([]float64, rows), make([]float64, rows)
	y := tensor.ZerosLike(x)
	if x.DType() == tensor.Float32 {
		gnForward(f, y.Float32s(), x.Float32s(), f32s(w), f32s(b))
	} else {
		gnForward(f, y.Float64s(), x.Float64s(), f64s(w), f64s(b))
	}
	return y
}

func gnForward[T float32 | float64](f *groupNorm, y, x, w, b []T) {
	parallel.For(len(f.mean), 1, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			s, e, c0 := f.span(r)
			var sum float64
			for _, v := range x[s:e] {
				sum += float64(v)
			}
			mean := sum / float64(e-s)
			var ss float64
			for _, v := range x[s:e] {
				d := float64(v) - mean
				ss += d * d
			}
			invstd := 1 / math.Sqrt(ss/float64(e-s)+f.eps)
			f.mean[r], f.invstd[r] = mean, invstd
			for i := s; i < e; i++ {
				v := (float64(x[i]) - mean) * invstd
				if w != nil {
					c := c0 + (i-s)/f.inner
					v = v*float64(w[c]) + float64(b[c])
				}
				y[i] = T(v)
			}
		}
	})
}

// Backward, per group with x̂ = (x - mean)·invstd, ĝ = grad·weight[c] and M values:
// dx = invstd·(ĝ - Σĝ/M - x̂·Σ(ĝ·x̂)/M); dweight[c] = Σ grad·x̂ and dbias[c] = Σ grad
// over the samples and positions of channel c. A fused raw kernel, or when the
// backward pass creates a graph the same formulas as differentiable ops
// (normgrad.go).
func (f *groupNorm) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	if tensor.IsGradEnabled() {
		return f.gradGraph(ctx, g)
	}
	s := ctx.Saved()
	x := s[0].Contiguous()
	g = g.Contiguous()
	var w []float64
	if f.affine {
		w = s[1].Values()
	}
	dx := tensor.ZerosLike(x)
	sums := make([]float64, 2*f.c)
	if x.DType() == tensor.Float32 {
		gnBackward(f, dx.Float32s(), g.Float32s(), x.Float32s(), w, sums)
	} else {
		gnBackward(f, dx.Float64s(), g.Float64s(), x.Float64s(), w, sums)
	}
	if !f.affine {
		return []*tensor.Tensor{dx}
	}
	return []*tensor.Tensor{dx, tensor.FromSlice(sums[:f.c]).To(x.DType()), tensor.FromSlice(sums[f.c:]).To(x.DType())}
}

func gnBackward[T float32 | float64](f *groupNorm, dx, dy, x []T, w, sums []float64) {
	parallel.For(len(f.mean), 1, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			s, e, c0 := f.span(r)
			mean, invstd := f.mean[r], f.invstd[r]
			wt := func(i int) float64 {
				if w == nil {
					return 1
				}
				return w[c0+(i-s)/f.inner]
			}
			var sg, sgx float64
			for i := s; i < e; i++ {
				gh := float64(dy[i]) * wt(i)
				sg += gh
				sgx += gh * (float64(x[i]) - mean) * invstd
			}
			m := float64(e - s)
			for i := s; i < e; i++ {
				xh := (float64(x[i]) - mean) * invstd
				dx[i] = T(invstd * (float64(dy[i])*wt(i) - sg/m - xh*sgx/m))
			}
		}
	})
	if w == nil {
		return
	}
	// Per-channel sums over samples and positions, in order: dweight then dbias.
	for r := range f.mean {
		s, e, c0 := f.span(r)
		mean, invstd := f.mean[r], f.invstd[r]
		for i := s; i < e; i++ {
			c := c0 + (i-s)/f.inner
			sums[c] += float64(dy[i]) * (float64(x[i]) - mean) * invstd
			sums[f.c+c] += float64(dy[i])
		}
	}
}
