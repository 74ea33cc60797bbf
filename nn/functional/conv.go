package functional

import (
	"github.com/gograd/gograd/internal/access"
	"github.com/gograd/gograd/internal/blas"
	dconv "github.com/gograd/gograd/internal/conv"
	"github.com/gograd/gograd/internal/parallel"
	"github.com/gograd/gograd/internal/vec"
	"github.com/gograd/gograd/tensor"
)

// ConvOptions are the arguments of Conv1d and Conv2d besides input, weight and bias,
// as torch.nn.functional.conv2d takes them. The zero value is PyTorch's default:
// stride 1, no padding, dilation 1, one group. A field holds one value per spatial
// dim (height, width for Conv2d; Conv1d reads index 0 only); a zero entry means the
// default.
type ConvOptions struct {
	Stride   [2]int
	Padding  [2]int // zeros added on both sides of each spatial dim
	Dilation [2]int
	Groups   int
	// Same pads so that the output has the input's size (padding="same"; stride
	// must be 1), with the extra zero of an odd total on the far side as PyTorch
	// does. Padding is then ignored. padding="valid" is the zero Padding.
	Same bool
}

// convGeom is the geometry of one convolution or pooling, with 1-d treated as 2-d of
// height 1.
type convGeom struct {
	n, c, h, w     int // input
	o, kh, kw      int // output channels, kernel
	oh, ow         int // output size
	sh, sw         int // stride
	ph, pw         int // padding before (top, left)
	dh, dw         int // dilation
	groups         int
	oneD           bool
	padAfterH, pAW int // padding after (bottom, right)
}

func orOne(v int) int {
	if v == 0 {
		return 1
	}
	return v
}

// outSize returns the output length of a sliding window over n elements padded
// by lo and hi, as PyTorch's convolution and pooling size formula.
func outSize(n, lo, hi, k, s, d int, ceil bool) int {
	span := n + lo + hi - d*(k-1) - 1
	if span < 0 {
		return 0
	}
	if !ceil {
		return span/s + 1
	}
	o := (span+s-1)/s + 1
	if (o-1)*s >= n+lo { // the last window must start inside the input or its left padding
		o--
	}
	return o
}

// Conv2d returns the 2-d convolution (cross-correlation, as in PyTorch) of input
// (N, C, H, W) or unbatched (C, H, W) with weight (O, C/groups, kH, kW), plus bias (O) unless bias is nil,
// as torch.nn.functional.conv2d. The result has shape (N, O, H', W') with H' =
// ⌊(H + 2·padding - dilation·(kH-1) - 1) / stride⌋ + 1.
//
// The forward and backward passes unfold each image into columns (im2col) and
// multiply them by the weight with internal/blas's GEMM, one image per thread. The
// backward pass is a raw kernel, unless it creates a graph (CreateGraph): then the
// gradients are a transposed convolution and a weight-gradient node, recorded and
// differentiable to any order.
//
// It panics if the shapes, dtypes or options do not fit together.
func Conv2d(input, weight, bias *tensor.Tensor, opts ConvOptions) *tensor.Tensor {
	return conv("Conv2d", 2, input, weight, bias, opts)
}

// Conv1d returns the 1-d convolution of input (N, C, L) or (C, L) with weight
// (O, C/groups, k), plus bias (O) unless bias is nil, as
// torch.nn.functional.conv1d; options are read from index 0 of ConvOptions'
// fields. See Conv2d.
func Conv1d(input, weight, bias *tensor.Tensor, opts ConvOptions) *tensor.Tensor {
	return conv("Conv1d", 1, input, weight, bias, opts)
}

func conv(op string, dims int, x, w, b *tensor.Tensor, o ConvOptions) *tensor.Tensor {
	return batchOfOne(x, dims, func(x *tensor.Tensor) *tensor.Tensor { return conv2d(op, dims, x, w, b, o) })
}

// batchOfOne returns f(x) for a batched x, and for an unbatched one (dims+1 dims:
// (C, spatial...)) f of x given a batch of one, with that batch removed from the
// result, as PyTorch's convolutions take unbatched inputs (its result's grad_fn
// is SqueezeBackward1 then, as PyTorch's).
func batchOfOne(x *tensor.Tensor, dims int, f func(*tensor.Tensor) *tensor.Tensor) *tensor.Tensor {
	if x.Dim() != dims+1 {
		return f(x)
	}
	return f(x.Unsqueeze(0)).Squeeze(0)
}

func conv2d(op string, dims int, x, w, b *tensor.Tensor, o ConvOptions) *tensor.Tensor {
	if x.Dim() != dims+2 || w.Dim() != dims+2 {
		panic(tensor.Errorf("functional", op, "want a %d-d input (N, C, ...) or %d-d (C, ...) and weight (O, C/groups, ...), got shapes %v and %v", dims+2, dims+1, x.Shape(), w.Shape()))
	}
	if !x.DType().IsFloat() || x.DType() != w.DType() || b != nil && b.DType() != x.DType() {
		panic(tensor.Errorf("functional", op, "input, weight and bias need one float dtype, got %v and %v", x.DType(), w.DType()))
	}
	g := convGeom{n: x.Size(0), c: x.Size(1), h: 1, o: w.Size(0), kh: 1, groups: orOne(o.Groups), oneD: dims == 1,
		sh: 1, dh: 1, sw: orOne(o.Stride[0]), dw: orOne(o.Dilation[0]), pw: o.Padding[0], pAW: o.Padding[0]}
	g.w, g.kw = x.Size(-1), w.Size(-1)
	if dims == 2 {
		g.h, g.kh = x.Size(2), w.Size(2)
		g.sh, g.sw = orOne(o.Stride[0]), orOne(o.Stride[1])
		g.dh, g.dw = orOne(o.Dilation[0]), orOne(o.Dilation[1])
		g.ph, g.padAfterH, g.pw, g.pAW = o.Padding[0], o.Padding[0], o.Padding[1], o.Padding[1]
	}
	if o.Same {
		if g.sh != 1 || g.sw != 1 {
			panic(tensor.Errorf("functional", op, "padding \"same\" needs stride 1, got %v", o.Stride))
		}
		th, tw := g.dh*(g.kh-1), g.dw*(g.kw-1)
		g.ph, g.padAfterH, g.pw, g.pAW = th/2, th-th/2, tw/2, tw-tw/2
	}
	if g.groups < 1 || g.c%g.groups != 0 || g.o%g.groups != 0 || w.Size(1) != g.c/g.groups {
		panic(tensor.Errorf("functional", op, "input shape %v, weight shape %v and groups %d do not fit: want C and O divisible by groups and weight.size(1) = C/groups",
			x.Shape(), w.Shape(), g.groups))
	}
	if b != nil && (b.Dim() != 1 || b.Size(0) != g.o) {
		panic(tensor.Errorf("functional", op, "bias shape %v does not fit weight shape %v", b.Shape(), w.Shape()))
	}
	if min(g.sh, g.sw, g.dh, g.dw) < 1 || min(g.ph, g.pw) < 0 {
		panic(tensor.Errorf("functional", op, "stride, dilation must be positive and padding non-negative, got %+v", o))
	}
	g.oh = outSize(g.h, g.ph, g.padAfterH, g.kh, g.sh, g.dh, false)
	g.ow = outSize(g.w, g.pw, g.pAW, g.kw, g.sw, g.dw, false)
	if g.oh < 1 || g.ow < 1 {
		panic(tensor.Errorf("functional", op, "input shape %v (padded by %v) is smaller than the dilated kernel of weight shape %v", x.Shape(), o.Padding, w.Shape()))
	}
	f := &convFn{g: g, bias: b != nil, direct: x.DType() == tensor.Float32 && g.direct()}
	var y *tensor.Tensor
	if b == nil {
		y = tensor.Apply(f, x, w)
	} else {
		y = tensor.Apply(f, x, w, b)
	}
	if f.cols != nil {
		// Only y's node holds the columns: their memory goes back to the pool once
		// a backward pass has freed the graph, for the next step's forward pass
		// (BenchmarkCNNStep: 9.6 MB allocated per step without this).
		access.FreeWithGraph(y, f.cols)
		f.cols = nil
	}
	return y
}

// convFn is a convolution as one graph node (ConvolutionBackward0, PyTorch's name):
// its own node for speed, the columns of each image going through one GEMM.
type convFn struct {
	g      convGeom
	bias   bool
	direct bool           // float32 through internal/conv's direct kernels (convGeom.direct)
	cols   *tensor.Tensor // the columns Forward kept for Backward, until conv hands them to the pool
}

func (*convFn) Name() string { return "ConvolutionBackward0" }

func (f *convFn) outShape() []int {
	if f.g.oneD {
		return []int{f.g.n, f.g.o, f.g.ow}
	}
	return []int{f.g.n, f.g.o, f.g.oh, f.g.ow}
}

func (f *convFn) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	x, w := in[0].Contiguous(), in[1].Contiguous()
	ctx.SaveForBackward(in[0], in[1])   // themselves: a gradient differentiated again reaches them
	y := uninitLike(x, f.outShape()...) // convForward writes every element
	if f.direct {
		var b []float32
		if len(in) == 3 {
			b = in[2].Contiguous().Float32s()
		}
		directForward(&f.g, y.Float32s(), x.Float32s(), w.Float32s(), b)
		return y
	}
	// The weight's gradient reads every image's columns again: keep them rather
	// than unfold twice (im2col was half of BenchmarkCNNStep).
	var cols *tensor.Tensor
	if ctx.NeedsInputGrad(1) && !f.g.pointwise() {
		cols = uninitLike(x, f.g.n*f.g.c*f.g.kh*f.g.kw*f.g.oh*f.g.ow) // im2col writes every element
		ctx.SaveForBackward(cols)
		f.cols = cols
	}
	if x.DType() == tensor.Float32 {
		var b []float32
		if len(in) == 3 {
			b = in[2].Contiguous().Float32s()
		}
		convForward(&f.g, y.Float32s(), x.Float32s(), w.Float32s(), b, f32s(cols))
	} else {
		var b []float64
		if len(in) == 3 {
			b = in[2].Contiguous().Float64s()
		}
		convForward(&f.g, y.Float64s(), x.Float64s(), w.Float64s(), b, f64s(cols))
	}
	return y
}

// Backward: dx = col2im(Wᵀ·dy), dW = Σ_n dy·colᵀ, db = Σ dy over batch and space,
// per group. A raw kernel, or when the backward pass creates a graph a transposed
// convolution (dx) and a weight-gradient node (dW), differentiable again
// (convnd.go).
func (f *convFn) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	if ctx.CreatingGraph() {
		return (&convNd{g: f.g.vol(), kind: kindConv, bias: f.bias}).Backward(ctx, g)
	}
	s := ctx.Saved()
	x, w := s[0].Contiguous(), s[1].Contiguous()
	var cols *tensor.Tensor
	if len(s) > 2 {
		cols = s[2]
	}
	g = g.Contiguous()
	grads := make([]*tensor.Tensor, 2, 3)
	var dx, dw *tensor.Tensor
	if ctx.NeedsInputGrad(0) {
		if f.direct {
			dx = uninitLike(x, x.Shape()...) // directBackward clears each image's part before adding into it
		} else {
			dx = tensor.ZerosLike(x)
		}
		grads[0] = dx
	}
	if ctx.NeedsInputGrad(1) {
		dw = tensor.ZerosLike(w)
		grads[1] = dw
	}
	switch {
	case f.direct:
		directBackward(&f.g, g.Float32s(), x.Float32s(), w.Float32s(), f32s(dx), f32s(dw))
	case x.DType() == tensor.Float32:
		convBackward(&f.g, g.Float32s(), x.Float32s(), w.Float32s(), f32s(dx), f32s(dw), f32s(cols))
	default:
		convBackward(&f.g, g.Float64s(), x.Float64s(), w.Float64s(), f64s(dx), f64s(dw), f64s(cols))
	}
	if f.bias {
		grads = append(grads, nil)
		if ctx.NeedsInputGrad(2) {
			grads[2] = g.Reshape(f.g.n, f.g.o, -1).Sum(0, 2)
		}
	}
	return grads
}

// uninitLike returns a tensor of x's dtype and the given shape whose elements
// are undefined, for a kernel that writes all of them: it saves the pool's
// clearing of a buffer that is overwritten at once (memclrNoHeapPointers was 9 %
// of BenchmarkCNNStep's profile).
func uninitLike(x *tensor.Tensor, shape ...int) *tensor.Tensor {
	return uninitOf(x.DType(), shape...)
}

// uninitOf returns a tensor of dtype dt and the given shape whose elements are
// undefined (see uninitLike).
func uninitOf(dt tensor.DType, shape ...int) *tensor.Tensor {
	return access.Uninit(dt, shape).(*tensor.Tensor)
}

func f32s(t *tensor.Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.Float32s()
}

func f64s(t *tensor.Tensor) []float64 {
	if t == nil {
		return nil
	}
	return t.Float64s()
}

// colRows moves data between image x (C, H, W), channels [c0, c0+cg), and its
// column matrix col: (cg·kh·kw) rows of oh·ow, where row (c, i, j) holds
// x[c, oy·sh-ph+i·dh, ox·sw-pw+j·dw], zero in the padding. It writes col from x
// (im2col), or with add adds col into x (col2im, the adjoint). One function
// without a callback: the rows' pieces are short (LeNet's are 8 and 24 values),
// so a call per piece cost more than the copying (BenchmarkCNNStep).
func colRows[T float32 | float64](g *convGeom, col, x []T, c0, cg int, add bool) {
	l := g.oh * g.ow
	r := 0
	for c := c0; c < c0+cg; c++ {
		plane := x[c*g.h*g.w : (c+1)*g.h*g.w]
		for i := range g.kh {
			for j := range g.kw {
				row := col[r*l : (r+1)*l]
				r++
				off := j*g.dw - g.pw
				lo, hi := validRange(g.ow, g.w, g.sw, off)
				for oy := range g.oh {
					iy := oy*g.sh - g.ph + i*g.dh
					piece := row[oy*g.ow : (oy+1)*g.ow]
					if iy < 0 || iy >= g.h {
						if !add {
							clear(piece)
						}
						continue
					}
					src := plane[iy*g.w : (iy+1)*g.w]
					switch {
					case add && g.sw == 1:
						d, s := src[lo+off:hi+off], piece[lo:hi]
						for k := range d {
							d[k] += s[k]
						}
					case add:
						for ox := lo; ox < hi; ox++ {
							src[ox*g.sw+off] += piece[ox]
						}
					default:
						if lo > 0 || hi < g.ow {
							clear(piece[:lo])
							clear(piece[hi:])
						}
						d := piece[lo:hi]
						if g.sw == 1 {
							copyShort(d, src[lo+off:hi+off])
						} else {
							for k := range d {
								d[k] = src[(lo+k)*g.sw+off]
							}
						}
					}
				}
			}
		}
	}
}

// copyShort copies src into dst (of the same length) eight elements at a time:
// im2col's pieces are a row of the output wide (LeNet's: 8 and 24 values), and
// copy's call into memmove cost more than moving them (runtime.memmove was a
// quarter of colRows' time in BenchmarkCNNStep's profile).
func copyShort[T float32 | float64](dst, src []T) {
	src = src[:len(dst)]
	k := 0
	for ; k+8 <= len(dst); k += 8 {
		*(*[8]T)(dst[k:]) = *(*[8]T)(src[k:])
	}
	for ; k < len(dst); k++ {
		dst[k] = src[k]
	}
}

// im2col writes the columns of image x for group channels [c0, c0+cg) into col
// (see colRows).
func im2col[T float32 | float64](g *convGeom, col, x []T, c0, cg int) {
	colRows(g, col, x, c0, cg, false)
}

// col2im adds the columns col back into image dx, the adjoint of im2col.
func col2im[T float32 | float64](g *convGeom, dx, col []T, c0, cg int) {
	colRows(g, col, dx, c0, cg, true)
}

// validRange returns the outputs [lo, hi) of n whose input ox·s + off lies in [0, w).
func validRange(n, w, s, off int) (lo, hi int) {
	if off < 0 {
		lo = (-off + s - 1) / s
	}
	hi = n
	if last := (w - 1 - off); last < 0 {
		hi = 0
	} else {
		hi = min(n, last/s+1)
	}
	return lo, max(hi, lo)
}

// newCols returns a column buffer for one group of one image.
func newCols[T float32 | float64](g *convGeom) []T {
	return make([]T, g.c/g.groups*g.kh*g.kw*g.oh*g.ow)
}

// pointwise reports whether the convolution reads each input pixel once, at the
// output's own position (1×1 kernel, stride 1, no padding): the image itself is
// then its column matrix.
func (g *convGeom) pointwise() bool {
	return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 && g.padAfterH == 0 && g.pAW == 0
}

// The products below put the large matrix (the columns, K×L) on GEMM's A side,
// which the kernel reads in place, and the small one (the weight, or the output
// gradient) on the B side, which it packs: the forward pass computes yᵀ (L×O) =
// colᵀ·Wᵀ and transposes the small result, the weight gradient dWᵀ (K×O) =
// col·dyᵀ. With the columns as B, packing them cost more than the product for
// LeNet's shapes (BenchmarkCNNStep: packB was 22% of the step).

// convForward sets y to the convolution of x with w plus b (nil: none), keeping
// each image's columns in saved (one K×L block per image and group) unless it is
// nil.
func convForward[T float32 | float64](g *convGeom, y, x, w, b, saved []T) {
	cg, og := g.c/g.groups, g.o/g.groups
	k, l := cg*g.kh*g.kw, g.oh*g.ow
	parallel.For(g.n, 1, func(lo, hi int) {
		var col []T
		if !g.pointwise() && saved == nil {
			col = newCols[T](g)
		}
		yt := make([]T, l*og)
		for n := lo; n < hi; n++ {
			xn := x[n*g.c*g.h*g.w : (n+1)*g.c*g.h*g.w]
			for gr := range g.groups {
				cols := xn[gr*cg*l:]
				switch {
				case saved != nil:
					cols = saved[(n*g.groups+gr)*k*l : (n*g.groups+gr+1)*k*l]
					im2col(g, cols, xn, gr*cg, cg)
				case col != nil:
					im2col(g, col, xn, gr*cg, cg)
					cols = col
				}
				blas.Gemm(true, true, l, og, k, 1, cols, l, w[gr*og*k:], k, 0, yt, og)
				yg := y[(n*g.o+gr*og)*l : (n*g.o+(gr+1)*og)*l]
				for o := range og {
					var bias T
					if b != nil {
						bias = b[gr*og+o]
					}
					row := yg[o*l : (o+1)*l]
					for i := range row {
						row[i] = yt[i*og+o] + bias
					}
				}
			}
		}
	})
}

// convBackward sets dx and dw (each nil when not wanted) from the output gradient
// dy, reading the forward pass's columns from saved when it kept them.
func convBackward[T float32 | float64](g *convGeom, dy, x, w, dx, dw, saved []T) {
	cg, og := g.c/g.groups, g.o/g.groups
	k, l := cg*g.kh*g.kw, g.oh*g.ow
	// Per-piece weight gradients, transposed per group (K×O/groups), at the
	// index of the piece's first image, summed at the end in that order: the
	// result does not depend on which goroutine ran which piece.
	partial := make([][]T, g.n)
	parallel.For(g.n, 1, func(lo, hi int) {
		col := newCols[T](g)
		var pw []T
		if dw != nil {
			pw = make([]T, len(dw))
			partial[lo] = pw
		}
		for n := lo; n < hi; n++ {
			xn := x[n*g.c*g.h*g.w : (n+1)*g.c*g.h*g.w]
			for gr := range g.groups {
				dyg := dy[(n*g.o+gr*og)*l : (n*g.o+(gr+1)*og)*l]
				if pw != nil {
					cols := xn[gr*cg*l:]
					switch {
					case saved != nil:
						cols = saved[(n*g.groups+gr)*k*l : (n*g.groups+gr+1)*k*l]
					case !g.pointwise():
						im2col(g, col, xn, gr*cg, cg)
						cols = col
					}
					blas.Gemm(false, true, k, og, l, 1, cols, l, dyg, l, 1, pw[gr*og*k:], og)
				}
				if dx != nil {
					blas.Gemm(true, false, k, l, og, 1, w[gr*og*k:], k, dyg, l, 0, col, l)
					col2im(g, dx[n*g.c*g.h*g.w:], col, gr*cg, cg)
				}
			}
		}
	})
	if dw == nil {
		return
	}
	for _, p := range partial {
		if p == nil {
			continue
		}
		for gr := range g.groups {
			pg, dg := p[gr*og*k:(gr+1)*og*k], dw[gr*og*k:(gr+1)*og*k]
			for i := range k {
				for o := range og {
					dg[o*k+i] += pg[i*og+o]
				}
			}
		}
	}
}

// useDirectConv says whether float32 convolutions that internal/conv takes run
// through its direct kernels: where they are assembly (tests switch it to
// compare both paths).
var useDirectConv = dconv.Fast

// direct reports whether the convolution runs through internal/conv: stride 1
// along the width, no padding, an output width that is a multiple of 8, and a
// small group (at most 400 weights per output channel and 64 output channels,
// where the weights a tile broadcasts stay in the L1 cache). LeNet-5's two
// convolutions (BenchmarkCNNStep): 1 and 6 input channels, 5×5 kernels, outputs
// 24 and 8 wide. A 1×1 convolution keeps the GEMM, which reads the image as its
// own column matrix.
func (g *convGeom) direct() bool {
	return useDirectConv && g.sw == 1 && g.ph == 0 && g.pw == 0 && g.padAfterH == 0 && g.pAW == 0 && !g.pointwise() &&
		g.c/g.groups*g.kh*g.kw <= 400 && g.o/g.groups <= 64 && g.dgeom().Supported()
}

// dgeom returns one group's geometry for internal/conv.
func (g *convGeom) dgeom() dconv.Geom {
	return dconv.Geom{C: g.c / g.groups, H: g.h, W: g.w, O: g.o / g.groups, KH: g.kh, KW: g.kw,
		SH: g.sh, DH: g.dh, DW: g.dw, OH: g.oh, OW: g.ow}
}

// directForward is convForward through internal/conv (convGeom.direct): no
// columns, so none are kept for the backward pass either.
func directForward(g *convGeom, y, x, w, b []float32) {
	cg, og := g.c/g.groups, g.o/g.groups
	k, l := cg*g.kh*g.kw, g.oh*g.ow
	plans := make([]*dconv.Plan, g.groups)
	for gr := range plans {
		var bg []float32
		if b != nil {
			bg = b[gr*og:]
		}
		plans[gr] = dconv.NewPlan(g.dgeom(), w[gr*og*k:], bg)
	}
	parallel.For(g.n, 1, func(lo, hi int) {
		for n := lo; n < hi; n++ {
			for gr, p := range plans {
				p.Forward(y[(n*g.o+gr*og)*l:], x[(n*g.c+gr*cg)*g.h*g.w:])
			}
		}
	})
}

// directBackward is convBackward for a convolution that ran through
// internal/conv: the input gradient by a GEMM per image and group (Wᵀ·dy, the
// columns) and internal/conv's Col2im into the image's part of dx, which it
// clears first (dx may hold anything); the weight gradient by internal/conv's
// kernels, as partial sums per piece of images added up in piece order (the
// result does not depend on which goroutine ran which piece). The weight
// gradient's kernels go through a few images at a time (dwImages), for each
// tap in turn, so that their inputs and output gradients stay in cache. The
// pieces' partial sums and columns are one buffer from the tensor pool, given
// back at the end: allocated per piece, their 1 MB a step on 2 threads was
// cleared by the runtime and collected (BenchmarkCNNStep: memclr 7 %).
func directBackward(g *convGeom, dy, x, w, dx, dw []float32) {
	if dx == nil && dw == nil {
		return
	}
	cg, og := g.c/g.groups, g.o/g.groups
	k, l, hw := cg*g.kh*g.kw, g.oh*g.ow, g.h*g.w
	p := dconv.NewPlan(g.dgeom(), nil, nil) // the same for every group: it reads no weights
	pieces := min(g.n, 4*parallel.Threads())
	var accSize, colSize int
	if dw != nil {
		accSize = g.groups * p.AccSize()
	}
	if dx != nil {
		colSize = k * l
	}
	buf := uninitOf(tensor.Float32, pieces*(accSize+colSize))
	defer access.Free(buf)
	slab := buf.Float32s()
	parallel.For(pieces, 1, func(lo, hi int) {
		for pc := lo; pc < hi; pc++ {
			part := slab[pc*(accSize+colSize) : (pc+1)*(accSize+colSize)]
			acc, col := part[:accSize], part[accSize:]
			clear(acc)
			for n0, end := pc*g.n/pieces, (pc+1)*g.n/pieces; n0 < end; n0 += dwImages {
				n1 := min(n0+dwImages, end)
				for gr := range g.groups {
					if dw != nil {
						p.WeightGrad(acc[gr*p.AccSize():], dy[(n0*g.o+gr*og)*l:], x[(n0*g.c+gr*cg)*hw:], n1-n0, g.c*hw, g.o*l)
					}
					if dx == nil {
						continue
					}
					for n := n0; n < n1; n++ {
						blas.Gemm(true, false, k, l, og, 1, w[gr*og*k:], k, dy[(n*g.o+gr*og)*l:], l, 0, col, l)
						dxg := dx[(n*g.c+gr*cg)*hw : (n*g.c+(gr+1)*cg)*hw]
						clear(dxg)
						p.Col2im(dxg, col)
					}
				}
			}
		}
	})
	if dw == nil {
		return
	}
	// The pieces' partial sums added into the first piece's in piece order,
	// then their lanes once (SumWeightGrad over each piece was 4 % of
	// BenchmarkCNNStep's profile on 2 threads).
	acc := slab[:accSize]
	for pc := 1; pc < pieces; pc++ {
		vec.Add(acc, acc, slab[pc*(accSize+colSize):][:accSize])
	}
	for gr := range g.groups {
		p.SumWeightGrad(dw[gr*og*k:], acc[gr*p.AccSize():])
	}
}

// dwImages is how many images directBackward's weight-gradient kernels go
// through at once: LeNet-5's first convolution reads 17 KB per image (input
// and output gradient), so 8 images stay in the L2 cache.
const dwImages = 8
