package functional

import (
	"github.com/gograd/gograd/internal/blas"
	"github.com/gograd/gograd/internal/parallel"
	"github.com/gograd/gograd/tensor"
)

// volGeom is the geometry of a convolution over up to three spatial dims (depth,
// height, width), as the forward convolution sees it: an input u (N, C, in...)
// and a weight (O, C/groups, k...) give an output v (N, O, out...). A 2-d
// convolution has depth 1, a 1-d one height 1 too. The transposed convolution
// and the weight gradient run on the same geometry (see convNd).
type volGeom struct {
	n, c, o, groups int
	dims            int    // the tensors' spatial dims: 1, 2 or 3
	in, k, out      [3]int // input, kernel and output sizes
	stride, dil     [3]int
	lo, hi          [3]int // padding before and after
}

func vol(s [3]int) int { return s[0] * s[1] * s[2] }

// spatial returns the last g.dims entries of s, the sizes as the tensors hold them.
func (g *volGeom) spatial(s [3]int) []int { return append([]int(nil), s[3-g.dims:]...) }

// shape returns (n, c, s...) with g's spatial dims.
func (g *volGeom) shape(n, c int, s [3]int) []int { return append([]int{n, c}, g.spatial(s)...) }

// setOut sets the output sizes from the others, and reports whether each is positive.
func (g *volGeom) setOut() bool {
	for i := range 3 {
		g.out[i] = outSize(g.in[i], g.lo[i], g.hi[i], g.k[i], g.stride[i], g.dil[i], false)
		if g.out[i] < 1 {
			return false
		}
	}
	return true
}

// volCols moves data between image x (C, in...), channels [c0, c0+cg), and its
// column matrix col: cg·vol(k) rows of vol(out), where row (c, a, i, j) holds
// x[c, oz·sd-pd+a·dd, oy·sh-ph+i·dh, ox·sw-pw+j·dw], zero in the padding. It
// writes col from x (im2col), or with add adds col into x (col2im, its adjoint).
func volCols[T float32 | float64](g *volGeom, col, x []T, c0, cg int, add bool) {
	l, plane := vol(g.out), vol(g.in)
	ow, iw, sw := g.out[2], g.in[2], g.stride[2]
	r := 0
	for c := c0; c < c0+cg; c++ {
		xc := x[c*plane : (c+1)*plane]
		for a := range g.k[0] {
			for i := range g.k[1] {
				for j := range g.k[2] {
					row := col[r*l : (r+1)*l]
					r++
					off := j*g.dil[2] - g.lo[2]
					lo, hi := validRange(ow, iw, sw, off)
					for oz := range g.out[0] {
						iz := oz*g.stride[0] - g.lo[0] + a*g.dil[0]
						for oy := range g.out[1] {
							iy := oy*g.stride[1] - g.lo[1] + i*g.dil[1]
							piece := row[(oz*g.out[1]+oy)*ow : (oz*g.out[1]+oy+1)*ow]
							if iz < 0 || iz >= g.in[0] || iy < 0 || iy >= g.in[1] {
								if !add {
									clear(piece)
								}
								continue
							}
							src := xc[(iz*g.in[1]+iy)*iw : (iz*g.in[1]+iy+1)*iw]
							switch {
							case add && sw == 1:
								d, s := src[lo+off:hi+off], piece[lo:hi]
								for k := range d {
									d[k] += s[k]
								}
							case add:
								for ox := lo; ox < hi; ox++ {
									src[ox*sw+off] += piece[ox]
								}
							default:
								clear(piece[:lo])
								clear(piece[hi:])
								if sw == 1 {
									copy(piece[lo:hi], src[lo+off:hi+off])
									continue
								}
								for ox := lo; ox < hi; ox++ {
									piece[ox] = src[ox*sw+off]
								}
							}
						}
					}
				}
			}
		}
	}
}

// perImage runs f(n, col) over the images, split across threads, with a column
// buffer of one group per thread.
func perImage[T float32 | float64](g *volGeom, f func(n int, col []T)) {
	parallel.For(g.n, 1, func(lo, hi int) {
		col := make([]T, g.c/g.groups*vol(g.k)*vol(g.out))
		for n := lo; n < hi; n++ {
			f(n, col)
		}
	})
}

// volForward sets v to the convolution of u with w plus b (nil: none): per image
// and group, v = W·cols(u).
func volForward[T float32 | float64](g *volGeom, v, u, w, b []T) {
	cg, og := g.c/g.groups, g.o/g.groups
	k, l, plane := cg*vol(g.k), vol(g.out), vol(g.in)
	perImage(g, func(n int, col []T) {
		for gr := range g.groups {
			volCols(g, col, u[n*g.c*plane:(n+1)*g.c*plane], gr*cg, cg, false)
			vg := v[(n*g.o+gr*og)*l : (n*g.o+(gr+1)*og)*l]
			blas.Gemm(false, false, og, l, k, 1, w[gr*og*k:], k, col, l, 0, vg, l)
			if b != nil {
				for o := range og {
					row := vg[o*l : (o+1)*l]
					for i := range row {
						row[i] += b[gr*og+o]
					}
				}
			}
		}
	})
}

// volTransposed adds to u the adjoint of the convolution by w applied to v (the
// transposed convolution, and the convolution's input gradient): per image and
// group, u += col2im(Wᵀ·v).
func volTransposed[T float32 | float64](g *volGeom, u, v, w []T) {
	cg, og := g.c/g.groups, g.o/g.groups
	k, l, plane := cg*vol(g.k), vol(g.out), vol(g.in)
	perImage(g, func(n int, col []T) {
		for gr := range g.groups {
			vg := v[(n*g.o+gr*og)*l : (n*g.o+(gr+1)*og)*l]
			blas.Gemm(true, false, k, l, og, 1, w[gr*og*k:], k, vg, l, 0, col, l)
			volCols(g, col, u[n*g.c*plane:(n+1)*g.c*plane], gr*cg, cg, true)
		}
	})
}

// volWeight sets w to the weight gradient of the convolution of u for the output
// gradient v: per group, W = Σ_n v·cols(u)ᵀ.
func volWeight[T float32 | float64](g *volGeom, w, u, v []T) {
	cg, og := g.c/g.groups, g.o/g.groups
	k, l, plane := cg*vol(g.k), vol(g.out), vol(g.in)
	chunks := min(g.n, parallel.Threads())
	partial := make([][]T, chunks) // per thread, summed at the end
	slots := make(chan int, chunks)
	for i := range chunks {
		slots <- i
	}
	perImage(g, func(n int, col []T) {
		slot := <-slots
		defer func() { slots <- slot }()
		if partial[slot] == nil {
			partial[slot] = make([]T, len(w))
		}
		pw := partial[slot]
		for gr := range g.groups {
			volCols(g, col, u[n*g.c*plane:(n+1)*g.c*plane], gr*cg, cg, false)
			vg := v[(n*g.o+gr*og)*l : (n*g.o+(gr+1)*og)*l]
			blas.Gemm(false, true, og, k, l, 1, vg, l, col, l, 1, pw[gr*og*k:], k)
		}
	})
	for _, p := range partial {
		for i, x := range p {
			w[i] += x
		}
	}
}

// convKind says which of the three linear maps of one convolution geometry a
// convNd node computes.
type convKind uint8

const (
	kindConv       convKind = iota // (u, w) → v, the convolution
	kindTransposed                 // (v, w) → u, its adjoint in u: the transposed convolution
	kindWeight                     // (u, v) → w, its adjoint in w: the weight gradient
)

// convNd is one of the three bilinear maps of a convolution geometry as a graph
// node. The gradients of each are the other two, applied through tensor.Apply, so
// they are differentiable again to any order; a plain backward pass runs them as
// raw kernels (Apply records nothing then).
//
//	conv(u, w) = v:        du = transposed(dv, w), dw = weight(u, dv)
//	transposed(v, w) = u:  dv = conv(du, w),       dw = weight(du, v)
//	weight(u, v) = w:      du = transposed(v, dw), dv = conv(u, dw)
//
// conv and transposed add a bias (their third input) when bias is set.
type convNd struct {
	g    volGeom
	kind convKind
	bias bool
	grad bool // made by a Backward: a gradient's node
}

// Name returns PyTorch's names: convolutions and transposed ones are
// ConvolutionBackward0; the maps that compute a convolution's gradients (the
// weight gradient always is one) ConvolutionBackwardBackward0, as PyTorch names
// the node of a gradient computed while creating a graph.
func (f *convNd) Name() string {
	if f.grad || f.kind == kindWeight {
		return "ConvolutionBackwardBackward0"
	}
	return "ConvolutionBackward0"
}

func (f *convNd) outShape() []int {
	switch f.kind {
	case kindConv:
		return f.g.shape(f.g.n, f.g.o, f.g.out)
	case kindTransposed:
		return f.g.shape(f.g.n, f.g.c, f.g.in)
	}
	return append([]int{f.g.o, f.g.c / f.g.groups}, f.g.spatial(f.g.k)...)
}

func (f *convNd) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	ctx.SaveForBackward(in[0], in[1])
	a, b := in[0].Contiguous(), in[1].Contiguous()
	out := a.DType().Zeros(f.outShape()...)
	var bias *tensor.Tensor
	if f.bias {
		bias = in[2].Contiguous()
	}
	if a.DType() == tensor.Float32 {
		convNdKernel(f, out.Float32s(), a.Float32s(), b.Float32s(), f32s(bias))
	} else {
		convNdKernel(f, out.Float64s(), a.Float64s(), b.Float64s(), f64s(bias))
	}
	return out
}

func convNdKernel[T float32 | float64](f *convNd, out, a, b, bias []T) {
	switch f.kind {
	case kindConv:
		volForward(&f.g, out, a, b, bias)
	case kindTransposed:
		volTransposed(&f.g, out, a, b)
		if bias != nil {
			l := vol(f.g.in)
			for i := range f.g.n * f.g.c {
				row := out[i*l : (i+1)*l]
				for j := range row {
					row[j] += bias[i%f.g.c]
				}
			}
		}
	default:
		volWeight(&f.g, out, a, b)
	}
}

// apply runs the map of kind k on the geometry of f.
func (f *convNd) apply(k convKind, a, b *tensor.Tensor) *tensor.Tensor {
	return tensor.Apply(&convNd{g: f.g, kind: k, grad: true}, a, b)
}

// Backward: see convNd. The bias gradient is the output gradient summed over the
// batch and space.
func (f *convNd) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	s := ctx.Saved()
	a, b := s[0], s[1]
	grads := make([]*tensor.Tensor, 2, 3)
	switch f.kind {
	case kindConv:
		if ctx.NeedsInputGrad(0) {
			grads[0] = f.apply(kindTransposed, g, b)
		}
		if ctx.NeedsInputGrad(1) {
			grads[1] = f.apply(kindWeight, a, g)
		}
	case kindTransposed:
		if ctx.NeedsInputGrad(0) {
			grads[0] = f.apply(kindConv, g, b)
		}
		if ctx.NeedsInputGrad(1) {
			grads[1] = f.apply(kindWeight, g, a)
		}
	default:
		if ctx.NeedsInputGrad(0) {
			grads[0] = f.apply(kindTransposed, b, g)
		}
		if ctx.NeedsInputGrad(1) {
			grads[1] = f.apply(kindConv, a, g)
		}
	}
	if f.bias {
		grads = append(grads, nil)
		if ctx.NeedsInputGrad(2) {
			grads[2] = g.Reshape(g.Size(0), g.Size(1), -1).Sum(0, 2)
			if ctx.CreatingGraph() {
				grads[2] = named("ConvolutionBackwardBackward0", grads[2:], a, b)[0]
			}
		}
	}
	return grads
}

// vol returns the geometry of g, a Conv1d's or Conv2d's, as a volGeom.
func (g *convGeom) vol() volGeom {
	v := volGeom{n: g.n, c: g.c, o: g.o, groups: g.groups, dims: 2, in: [3]int{1, g.h, g.w}, k: [3]int{1, g.kh, g.kw},
		out: [3]int{1, g.oh, g.ow}, stride: [3]int{1, g.sh, g.sw}, dil: [3]int{1, g.dh, g.dw},
		lo: [3]int{0, g.ph, g.pw}, hi: [3]int{0, g.padAfterH, g.pAW}}
	if g.oneD {
		v.dims = 1
	}
	return v
}
