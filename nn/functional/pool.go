package functional

import (
	"math"
	"unsafe"

	dconv "github.com/gograd/gograd/internal/conv"
	"github.com/gograd/gograd/internal/parallel"
	"github.com/gograd/gograd/tensor"
)

// PoolOptions are the arguments of MaxPool2d and AvgPool2d besides the input, as
// torch.nn.functional.max_pool2d takes them: each field holds (height, width).
// Kernel is required; a zero Stride means Kernel (PyTorch's default), a zero
// Dilation means 1.
type PoolOptions struct {
	Kernel, Stride, Padding, Dilation [2]int
	// CeilMode rounds the output size up instead of down, as ceil_mode=True: a last
	// window that starts inside the input (or its left padding) is kept.
	CeilMode bool
	// ExcludePad divides each average by the number of input elements in its
	// window rather than by the window's size: count_include_pad=False (AvgPool2d
	// only; PyTorch's default count_include_pad=True is the zero value).
	ExcludePad bool
}

// poolGeom checks x and o and returns the pooling geometry.
func poolGeom(op string, x *tensor.Tensor, o PoolOptions, dilation bool) convGeom {
	if x.Dim() != 4 && x.Dim() != 3 {
		panic(tensor.Errorf("functional", op, "want an input (N, C, H, W) or (C, H, W), got shape %v", x.Shape()))
	}
	if !x.DType().IsFloat() {
		panic(tensor.Errorf("functional", op, "want a float input, got %v", x.DType()))
	}
	s := o.Stride
	if s == [2]int{} {
		s = o.Kernel
	}
	d := [2]int{orOne(o.Dilation[0]), orOne(o.Dilation[1])}
	if !dilation && d != [2]int{1, 1} {
		panic(tensor.Errorf("functional", op, "dilation is not an argument of this op, got %v", o.Dilation))
	}
	if min(o.Kernel[0], o.Kernel[1], s[0], s[1], d[0], d[1]) < 1 || min(o.Padding[0], o.Padding[1]) < 0 ||
		2*o.Padding[0] > o.Kernel[0] || 2*o.Padding[1] > o.Kernel[1] {
		panic(tensor.Errorf("functional", op, "kernel %v and stride %v must be positive and padding %v at most half the kernel", o.Kernel, s, o.Padding))
	}
	sh := x.Shape()
	g := convGeom{c: sh[len(sh)-3], h: sh[len(sh)-2], w: sh[len(sh)-1], kh: o.Kernel[0], kw: o.Kernel[1],
		sh: s[0], sw: s[1], ph: o.Padding[0], pw: o.Padding[1], padAfterH: o.Padding[0], pAW: o.Padding[1], dh: d[0], dw: d[1], groups: 1}
	g.n = x.Numel() / max(g.c*g.h*g.w, 1)
	g.oh = outSize(g.h, g.ph, g.ph, g.kh, g.sh, g.dh, o.CeilMode)
	g.ow = outSize(g.w, g.pw, g.pw, g.kw, g.sw, g.dw, o.CeilMode)
	if g.oh < 1 || g.ow < 1 {
		panic(tensor.Errorf("functional", op, "input shape %v is too small for kernel %v with padding %v", x.Shape(), o.Kernel, o.Padding))
	}
	return g
}

func (g *convGeom) poolShape(x *tensor.Tensor) []int {
	sh := x.Shape()
	sh[len(sh)-2], sh[len(sh)-1] = g.oh, g.ow
	return sh
}

// MaxPool2d returns the maximum of each window of input (N, C, H, W) or (C, H, W),
// as torch.nn.functional.max_pool2d. Padding counts as -Inf. A NaN in a window is
// its maximum. Its gradient goes to the position of each window's maximum (the
// first one on ties), as MaxPool2DWithIndicesBackward0 does. It panics on a bad
// shape or options.
func MaxPool2d(input *tensor.Tensor, o PoolOptions) *tensor.Tensor {
	out, _ := maxPool2d(input, o)
	return out
}

// MaxPool2dWithIndices returns MaxPool2d's result and, as int64 of the same shape,
// the flat index within its (H, W) plane of each maximum, as max_pool2d with
// return_indices=True.
func MaxPool2dWithIndices(input *tensor.Tensor, o PoolOptions) (out, indices *tensor.Tensor) {
	out, f := maxPool2d(input, o)
	return out, f.indices(input)
}

// maxPool2d returns MaxPool2d's result and its node, which holds the indices
// (MaxPool2d itself leaves them as they are, not converted to int64).
func maxPool2d(input *tensor.Tensor, o PoolOptions) (*tensor.Tensor, *maxPool) {
	g := poolGeom("MaxPool2d", input, o, true)
	f := &maxPool{g: g, idx: make([]int32, g.n*g.c*g.oh*g.ow)}
	return tensor.Apply(f, input), f
}

type maxPool struct {
	g   convGeom
	idx []int32 // the argmax of each output within its plane
}

func (*maxPool) Name() string { return "MaxPool2DWithIndicesBackward0" }

func (f *maxPool) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	x := in[0].Contiguous()
	y := uninitLike(x, f.g.poolShape(x)...) // maxPoolForward writes every element
	if x.DType() == tensor.Float32 {
		maxPoolForward(&f.g, y.Float32s(), x.Float32s(), f.idx)
	} else {
		maxPoolForward(&f.g, y.Float64s(), x.Float64s(), f.idx)
	}
	ctx.SaveForBackward(x) // for its shape and dtype only; no copy
	return y
}

// Backward: dx[argmax] += grad, window by window: a raw kernel, or when the
// backward pass creates a graph the differentiable gradGraph (poolgrad.go).
func (f *maxPool) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	x := ctx.Saved()[0]
	if ctx.CreatingGraph() {
		return []*tensor.Tensor{f.gradGraph(f.Name(), x, g)}
	}
	g = g.Contiguous()
	var dx *tensor.Tensor
	if f.g.tiles2x2() {
		dx = uninitLike(x, x.Shape()...) // tileGrad2x2 writes every element
		if x.DType() == tensor.Float32 {
			tileGrad2x2(&f.g, dx.Float32s(), g.Float32s(), f.idx)
		} else {
			tileGrad2x2(&f.g, dx.Float64s(), g.Float64s(), f.idx)
		}
		return []*tensor.Tensor{dx}
	}
	dx = tensor.ZerosLike(x)
	if x.DType() == tensor.Float32 {
		scatterPlanes(&f.g, dx.Float32s(), g.Float32s(), f.idx)
	} else {
		scatterPlanes(&f.g, dx.Float64s(), g.Float64s(), f.idx)
	}
	return []*tensor.Tensor{dx}
}

// planes runs f over the n·c planes of g, split across threads.
func planes(g *convGeom, f func(p int)) {
	parallel.For(g.n*g.c, max(1, 4096/max(g.h*g.w, 1)), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			f(p)
		}
	})
}

func maxPoolForward[T float32 | float64](g *convGeom, y, x []T, idx []int32) {
	hw, ol := g.h*g.w, g.oh*g.ow
	inside := g.ph == 0 && g.pw == 0 && (g.oh-1)*g.sh+(g.kh-1)*g.dh < g.h && (g.ow-1)*g.sw+(g.kw-1)*g.dw < g.w
	planes(g, func(p int) {
		src := x[p*hw : (p+1)*hw]
		if inside {
			maxPoolInside(g, y[p*ol:(p+1)*ol], idx[p*ol:(p+1)*ol], src)
			return
		}
		for oy := range g.oh {
			for ox := range g.ow {
				best, at := T(math.Inf(-1)), int32(-1)
				for i := range g.kh {
					iy := oy*g.sh - g.ph + i*g.dh
					if iy < 0 || iy >= g.h {
						continue
					}
					for j := range g.kw {
						ix := ox*g.sw - g.pw + j*g.dw
						if ix < 0 || ix >= g.w {
							continue
						}
						v := src[iy*g.w+ix]
						if v > best || v != v || at < 0 {
							best, at = v, int32(iy*g.w+ix)
							if v != v {
								goto done
							}
						}
					}
				}
			done:
				y[p*ol+oy*g.ow+ox] = best
				idx[p*ol+oy*g.ow+ox] = at
			}
		}
	})
}

// maxPoolInside is maxPoolForward's loop over one plane whose windows all lie
// inside it (no padding, no ceil-mode overhang): no bounds tests per element.
// It takes the first maximum, and the first NaN over any number.
func maxPoolInside[T float32 | float64](g *convGeom, y []T, idx []int32, src []T) {
	if g.kh == 2 && g.kw == 2 && g.dh == 1 && g.dw == 1 {
		if y32, ok := any(y).([]float32); ok {
			x32 := any(src).([]float32)
			// internal/conv's vector kernel where it is assembly (it declines
			// a plane with a NaN, and shapes it does not take).
			if dconv.Fast && g.sh == 2 && g.sw == 2 && dconv.MaxPool2x2(y32, idx, x32, g.oh, g.ow, g.w) {
				return
			}
			maxPool2x2F32(g, y32, idx, x32)
			return
		}
		maxPool2x2(g, y, idx, src)
		return
	}
	for oy := range g.oh {
		for ox := range g.ow {
			start := oy*g.sh*g.w + ox*g.sw
			at, best := start, src[start]
			for i := range g.kh {
				base := start + i*g.dh*g.w
				for j := range g.kw {
					q := base + j*g.dw
					if v := src[q]; v > best || v != v && best == best {
						best, at = v, q
					}
				}
			}
			y[oy*g.ow+ox] = best
			idx[oy*g.ow+ox] = int32(at)
		}
	}
}

// maxPool2x2 is maxPoolInside for 2×2 windows without dilation, unrolled: the
// most common pooling, 20% of BenchmarkCNNStep with the general loop.
func maxPool2x2[T float32 | float64](g *convGeom, y []T, idx []int32, src []T) {
	for oy := range g.oh {
		r0 := oy * g.sh * g.w
		r1 := r0 + g.w
		yr, ir := y[oy*g.ow:(oy+1)*g.ow], idx[oy*g.ow:(oy+1)*g.ow]
		for ox := range yr {
			q := ox * g.sw
			a0, a1, a2, a3 := src[r0+q], src[r0+q+1], src[r1+q], src[r1+q+1]
			// Plain comparisons the compiler turns into conditional moves: which
			// value is largest is a coin toss on real data, a branch on it
			// mispredicts half the time (maxPool2x2 was 15% of BenchmarkCNNStep).
			best, at := a0, r0+q
			if a1 > best {
				best, at = a1, r0+q+1
			}
			if a2 > best {
				best, at = a2, r1+q
			}
			if a3 > best {
				best, at = a3, r1+q+1
			}
			if s := a0 + a1 + a2 + a3; s != s { // a NaN (or opposite infinities): the first NaN wins
				for k, v := range [4]T{a0, a1, a2, a3} {
					if v != v {
						best, at = v, [4]int{r0 + q, r0 + q + 1, r1 + q, r1 + q + 1}[k]
						break
					}
				}
			}
			yr[ox], ir[ox] = best, int32(at)
		}
	}
}

// maxPool2x2F32 is maxPool2x2 for float32 without a float comparison: the
// window's values compare as integers of the same order (ord32 of their bits),
// which the compiler turns into conditional moves, and the maximum is loaded
// from the chosen index. LeNet's first pooling (64×6×24×24 float32, CPU time
// per call, min of 7, same run): 1040 us with maxPool2x2, 870 us with this. A
// plane with a NaN in a window is done again by maxPool2x2.
func maxPool2x2F32(g *convGeom, y []float32, idx []int32, src []float32) {
	w, sh, sw, ow := g.w, g.sh, g.sw, g.ow
	bits := unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(src))), len(src))
	nan := false
	for oy := range g.oh {
		r0 := oy * sh * w
		r1 := r0 + w
		yr, ir := y[oy*ow:(oy+1)*ow], idx[oy*ow:(oy+1)*ow]
		for ox := range yr {
			q := ox * sw
			k0, k1, k2, k3 := ord32(bits[r0+q]), ord32(bits[r0+q+1]), ord32(bits[r1+q]), ord32(bits[r1+q+1])
			at, best := r0+q, k0
			if k1 > best {
				at, best = r0+q+1, k1
			}
			if k2 > best {
				at, best = r1+q, k2
			}
			if k3 > best {
				at, best = r1+q+1, k3
			}
			nan = nan || best > 0x7f800000 || min(k0, k1, k2, k3) < -0x7f800000
			yr[ox], ir[ox] = src[at], int32(at)
		}
	}
	if nan {
		maxPool2x2(g, y, idx, src)
	}
}

// ord32 maps the bits b of a float32 that is not NaN to an int32 of the same
// order, with -0 and +0 equal (as they compare as floats); NaNs map beyond
// ±0x7f800000 (±Inf).
func ord32(b int32) int32 {
	m := b & 0x7fffffff
	if b < 0 {
		return -m
	}
	return m
}

// tiles2x2 reports whether the pooling's windows are 2×2, stride 2, without
// padding or dilation, and tile the input exactly: each input element then lies
// in one window.
func (g *convGeom) tiles2x2() bool {
	return g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.dh == 1 && g.dw == 1 &&
		g.ph == 0 && g.pw == 0 && g.h == 2*g.oh && g.w == 2*g.ow
}

// tileGrad2x2 is scatterPlanes for windows that tile the input (tiles2x2): it
// writes each window whole, the gradient at its argmax and zero elsewhere, so dx
// needs no clearing first.
func tileGrad2x2[T float32 | float64](g *convGeom, dx, dy []T, idx []int32) {
	hw, ol, w, ow := g.h*g.w, g.oh*g.ow, g.w, g.ow
	planes(g, func(p int) {
		dst, src, at := dx[p*hw:(p+1)*hw], dy[p*ol:(p+1)*ol], idx[p*ol:(p+1)*ol]
		if d32, ok := any(dst).([]float32); ok && dconv.Fast && dconv.MaxUnpool2x2(d32, any(src).([]float32), at, g.oh, g.ow, g.w) {
			return // internal/conv's vector kernel, where it is assembly
		}
		for oy := range g.oh {
			r0 := 2 * oy * w
			r1 := r0 + w
			for ox, v := range src[oy*ow : (oy+1)*ow] {
				q := 2 * ox
				dst[r0+q], dst[r0+q+1], dst[r1+q], dst[r1+q+1] = 0, 0, 0, 0
				dst[at[oy*ow+ox]] = v
			}
		}
	})
}

func scatterPlanes[T float32 | float64](g *convGeom, dx, dy []T, idx []int32) {
	hw, ol := g.h*g.w, g.oh*g.ow
	planes(g, func(p int) {
		dst := dx[p*hw : (p+1)*hw]
		for i, v := range dy[p*ol : (p+1)*ol] {
			dst[idx[p*ol+i]] += v
		}
	})
}

// AvgPool2d returns the mean of each window of input (N, C, H, W) or (C, H, W), as
// torch.nn.functional.avg_pool2d: divided by the window's size including padding,
// or by the number of input elements in it with ExcludePad. Options.Dilation must
// be zero. It panics on a bad shape or options.
func AvgPool2d(input *tensor.Tensor, o PoolOptions) *tensor.Tensor {
	g := poolGeom("AvgPool2d", input, o, false)
	return tensor.Apply(&avgPool{g: g, windows: avgWindows(&g, o.ExcludePad), name: "AvgPool2DBackward0"}, input)
}

// AdaptiveAvgPool2d returns the mean of input (N, C, H, W) or (C, H, W) over
// oh×ow windows that tile it, as torch.nn.functional.adaptive_avg_pool2d: output
// cell (i, j) averages rows ⌊i·H/oh⌋ to ⌈(i+1)·H/oh⌉ and likewise columns. It panics
// if an output size is not positive.
func AdaptiveAvgPool2d(input *tensor.Tensor, oh, ow int) *tensor.Tensor {
	g, win := adaptiveWindows("AdaptiveAvgPool2d", input, oh, ow)
	return tensor.Apply(&avgPool{g: g, windows: win, name: "AdaptiveAvgPool2DBackward0"}, input)
}

// window is the input rectangle [y0, y1)×[x0, x1) of one output and its weight.
type window struct {
	y0, y1, x0, x1 int
	scale          float64
}

// avgWindows returns the windows of avg_pool2d, clipped to the input, with the
// divisor PyTorch uses: the window clipped to the padded input, or to the input
// itself with excludePad.
func avgWindows(g *convGeom, excludePad bool) []window {
	win := make([]window, g.oh*g.ow)
	for oy := range g.oh {
		y0 := oy*g.sh - g.ph
		y1 := min(y0+g.kh, g.h+g.ph)
		for ox := range g.ow {
			x0 := ox*g.sw - g.pw
			x1 := min(x0+g.kw, g.w+g.pw)
			size := (y1 - y0) * (x1 - x0)
			w := window{max(y0, 0), min(y1, g.h), max(x0, 0), min(x1, g.w), 0}
			if excludePad {
				size = (w.y1 - w.y0) * (w.x1 - w.x0)
			}
			w.scale = 1 / float64(size)
			win[oy*g.ow+ox] = w
		}
	}
	return win
}

// avgPool is avg_pool2d or adaptive_avg_pool2d: a weighted sum over one window per
// output.
type avgPool struct {
	g       convGeom
	windows []window
	name    string
}

func (f *avgPool) Name() string { return f.name }

func (f *avgPool) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	x := in[0].Contiguous()
	ctx.SaveForBackward(x)                  // for its shape and dtype only
	y := uninitLike(x, f.g.poolShape(x)...) // avgForward writes every element
	if x.DType() == tensor.Float32 {
		avgForward(&f.g, f.windows, y.Float32s(), x.Float32s())
	} else {
		avgForward(&f.g, f.windows, y.Float64s(), x.Float64s())
	}
	return y
}

// Backward: each grad is spread evenly (by its window's scale) over its window:
// a raw kernel, or when the backward pass creates a graph the differentiable
// gradGraph (poolgrad.go).
func (f *avgPool) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	x := ctx.Saved()[0]
	if ctx.CreatingGraph() {
		return []*tensor.Tensor{f.gradGraph(x, g)}
	}
	g = g.Contiguous()
	dx := tensor.ZerosLike(x)
	if x.DType() == tensor.Float32 {
		avgBackward(&f.g, f.windows, dx.Float32s(), g.Float32s())
	} else {
		avgBackward(&f.g, f.windows, dx.Float64s(), g.Float64s())
	}
	return []*tensor.Tensor{dx}
}

func avgForward[T float32 | float64](g *convGeom, win []window, y, x []T) {
	hw, ol := g.h*g.w, g.oh*g.ow
	planes(g, func(p int) {
		src := x[p*hw : (p+1)*hw]
		for o, w := range win {
			var s T
			for iy := w.y0; iy < w.y1; iy++ {
				for _, v := range src[iy*g.w+w.x0 : iy*g.w+w.x1] {
					s += v
				}
			}
			y[p*ol+o] = s * T(w.scale)
		}
	})
}

func avgBackward[T float32 | float64](g *convGeom, win []window, dx, dy []T) {
	hw, ol := g.h*g.w, g.oh*g.ow
	planes(g, func(p int) {
		dst := dx[p*hw : (p+1)*hw]
		for o, w := range win {
			v := dy[p*ol+o] * T(w.scale)
			for iy := w.y0; iy < w.y1; iy++ {
				row := dst[iy*g.w+w.x0 : iy*g.w+w.x1]
				for i := range row {
					row[i] += v
				}
			}
		}
	})
}

// pool1d returns the 2-d options of a 1-d pooling: index 0 of each of o's fields
// becomes the width's, the height a window of one.
func pool1d(o PoolOptions) PoolOptions {
	p := PoolOptions{Kernel: [2]int{1, o.Kernel[0]}, Padding: [2]int{0, o.Padding[0]}, Dilation: [2]int{1, orOne(o.Dilation[0])},
		CeilMode: o.CeilMode, ExcludePad: o.ExcludePad}
	if o.Stride[0] != 0 {
		p.Stride = [2]int{1, o.Stride[0]}
	}
	return p
}

// MaxPool1d returns the maximum of each window of input (N, C, L) or (C, L), as
// torch.nn.functional.max_pool1d, reading index 0 of o's fields. Like PyTorch it
// is MaxPool2d on the input with a height of one added, which is then removed
// (its grad_fn is that squeeze's, SqueezeBackward1).
func MaxPool1d(input *tensor.Tensor, o PoolOptions) *tensor.Tensor {
	return MaxPool2d(unsqueezed("MaxPool1d", input), pool1d(o)).Squeeze(-2)
}

// AvgPool1d returns the mean of each window of input (N, C, L) or (C, L), as
// torch.nn.functional.avg_pool1d, reading index 0 of o's fields; see MaxPool1d.
func AvgPool1d(input *tensor.Tensor, o PoolOptions) *tensor.Tensor {
	p := pool1d(o)
	p.Dilation = [2]int{}
	return AvgPool2d(unsqueezed("AvgPool1d", input), p).Squeeze(-2)
}

// AdaptiveAvgPool1d returns the mean of input (N, C, L) or (C, L) over out windows
// that tile its length, as torch.nn.functional.adaptive_avg_pool1d; see MaxPool1d.
func AdaptiveAvgPool1d(input *tensor.Tensor, out int) *tensor.Tensor {
	return AdaptiveAvgPool2d(unsqueezed("AdaptiveAvgPool1d", input), 1, out).Squeeze(-2)
}

func unsqueezed(op string, x *tensor.Tensor) *tensor.Tensor {
	if x.Dim() != 2 && x.Dim() != 3 {
		panic(tensor.Errorf("functional", op, "want an input (N, C, L) or (C, L), got shape %v", x.Shape()))
	}
	return x.Unsqueeze(-2)
}
