package functional

import "github.com/gograd/gograd/tensor"

// The gradients of the normalisations when the backward pass creates a graph (a
// gradient to be differentiated again), written with tensor ops from their
// composite formula, as PyTorch's batchnorm_double_backward and its kin. A plain
// backward pass runs the fused raw kernels of norm.go and transformer.go instead.

// normGradGraph returns the gradients in x, weight and bias of a normalisation
// y = x̂·weight + bias for the output gradient g, where x̂ = (x - mean)·invstd
// with x viewed as view and the statistics taken over its dims. weight (nil:
// none) broadcasts to x as wshape. With fixed (evaluation with running
// statistics) mean and invstd are those constants, broadcast to the view;
// otherwise they are the (biased) batch statistics, computed here as ops of x:
//
//	dx = invstd·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂)), ĝ = g·weight (batch statistics)
//	dx = invstd·ĝ (fixed statistics)
//	dweight = Σ g·x̂, dbias = Σ g, over the dims weight is broadcast along
func normGradGraph(x, g, weight *tensor.Tensor, wshape, view, dims []int, eps float64, fixed bool, mean, invstd *tensor.Tensor) []*tensor.Tensor {
	gh := g
	if weight != nil {
		gh = g.Mul(weight.Reshape(wshape...))
	}
	xv, gv := x.Reshape(view...), gh.Reshape(view...)
	if !fixed {
		mean = xv.MeanKeepDim(dims...)
		invstd = xv.Var(0, true, dims...).AddScalar(eps).Rsqrt()
	}
	xhat := xv.Sub(mean).Mul(invstd)
	var dx *tensor.Tensor
	if fixed {
		dx = gv.Mul(invstd)
	} else {
		dx = invstd.Mul(gv.Sub(gv.MeanKeepDim(dims...)).Sub(xhat.Mul(gv.Mul(xhat).MeanKeepDim(dims...))))
	}
	grads := []*tensor.Tensor{dx.Reshape(x.Shape()...)}
	if weight == nil {
		return grads
	}
	var along []int // the dims of x that weight is broadcast along
	for d, s := range wshape {
		if s == 1 {
			along = append(along, d)
		}
	}
	dw := g.Mul(xhat.Reshape(x.Shape()...)).SumKeepDim(along...).Reshape(weight.Shape()...)
	db := g.SumKeepDim(along...).Reshape(weight.Shape()...)
	return append(grads, dw, db)
}

// channelShape returns (1, C, 1, ...) with x's rank: a per-channel tensor's
// broadcast shape.
func channelShape(x *tensor.Tensor) []int {
	s := make([]int, x.Dim())
	for i := range s {
		s[i] = 1
	}
	s[1] = x.Size(1)
	return s
}

// affineWeight returns the saved weight of a normalisation node with inputs x,
// weight, bias when affine, else nil.
func affineWeight(s []*tensor.Tensor, affine bool) *tensor.Tensor {
	if affine {
		return s[1]
	}
	return nil
}

func (f *batchNorm) gradGraph(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	s := ctx.Saved()
	x := s[0]
	cs := channelShape(x)
	var dims []int
	for d := range x.Dim() {
		if d != 1 {
			dims = append(dims, d)
		}
	}
	var mean, invstd *tensor.Tensor
	fixed := !f.o.Training && f.batchVar == nil
	if fixed {
		mean = tensor.FromSlice(f.mean, cs...).To(x.DType())
		invstd = tensor.FromSlice(f.invstd, cs...).To(x.DType())
	}
	return named(backwardName(f.Name()), normGradGraph(x, g, affineWeight(s, f.affine), cs, x.Shape(), dims, f.o.Eps, fixed, mean, invstd), s...)
}

func (f *groupNorm) gradGraph(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	s := ctx.Saved()
	x := s[0]
	return normGradGraph(x, g, affineWeight(s, f.affine), channelShape(x), []int{x.Size(0), f.groups, -1}, []int{2}, f.eps, false, nil, nil)
}

func (f *layerNorm) gradGraph(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	s := ctx.Saved()
	x := s[0]
	k := 0
	for n := 1; n < f.d; k++ {
		n *= x.Size(x.Dim() - 1 - k)
	}
	if f.d == 1 {
		k = 1 // a normalized shape of ones: any count of trailing dims of size one
	}
	wshape := x.Shape()
	dims := make([]int, 0, k)
	for d := range wshape {
		if d < len(wshape)-k {
			wshape[d] = 1
		} else {
			dims = append(dims, d)
		}
	}
	return named(backwardName(f.Name()), normGradGraph(x, g, affineWeight(s, f.affine), wshape, x.Shape(), dims, f.eps, false, nil, nil), s...)
}

// named returns the gradients gs, computed by recorded composite ops, each as
// the result of one more node, the identity in it, named name, whose other
// inputs are deps (the op's inputs, which get no gradient through it): PyTorch's
// fused double-backward node of that name (NativeBatchNormBackwardBackward0)
// gives each result its name and takes those inputs, so that a gradient that
// does not depend on them (a bias's) still has it as grad_fn. The node exists
// for PyTorch's name only (STYLE.md, habit 2); it costs a copy of each
// gradient, on the graph-creating path only.
func named(name string, gs []*tensor.Tensor, deps ...*tensor.Tensor) []*tensor.Tensor {
	for i, g := range gs {
		if g != nil {
			gs[i] = tensor.Apply(&namedIdentity{name, len(deps) + 1}, append([]*tensor.Tensor{g}, deps...)...)
		}
	}
	return gs
}

// namedIdentity is the identity of its first input, of inputs in all, as a node
// of the given name.
type namedIdentity struct {
	name   string
	inputs int
}

func (f *namedIdentity) Name() string { return f.name }

func (*namedIdentity) Forward(_ *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	return in[0].Clone()
}

// Backward: dg = grad; the other inputs get none.
func (f *namedIdentity) Backward(_ *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	grads := make([]*tensor.Tensor, f.inputs)
	grads[0] = g
	return grads
}
