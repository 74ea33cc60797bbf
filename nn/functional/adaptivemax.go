package functional

import (
	"math"

	"github.com/gograd/gograd/tensor"
)

// AdaptiveMaxPool2d returns the maximum of input (N, C, H, W) or (C, H, W) over
// oh×ow windows that tile it, as torch.nn.functional.adaptive_max_pool2d: output
// cell (i, j) covers rows ⌊i·H/oh⌋ to ⌈(i+1)·H/oh⌉ and likewise columns. A NaN in
// a window is its maximum. Its gradient goes to each window's maximum (the first
// on ties). It panics if an output size is not positive.
func AdaptiveMaxPool2d(input *tensor.Tensor, oh, ow int) *tensor.Tensor {
	out, _ := AdaptiveMaxPool2dWithIndices(input, oh, ow)
	return out
}

// AdaptiveMaxPool2dWithIndices returns AdaptiveMaxPool2d's result and, as int64
// of the same shape, the flat index within its (H, W) plane of each maximum, as
// adaptive_max_pool2d with return_indices=True.
func AdaptiveMaxPool2dWithIndices(input *tensor.Tensor, oh, ow int) (out, indices *tensor.Tensor) {
	g, win := adaptiveWindows("AdaptiveMaxPool2d", input, oh, ow)
	f := &adaptiveMax{maxPool: maxPool{g: g, idx: make([]int32, g.n*g.c*oh*ow)}, windows: win}
	out = tensor.Apply(f, input)
	return out, f.indices(input)
}

// AdaptiveMaxPool1d returns the maximum of input (N, C, L) or (C, L) over out
// windows that tile its length, as torch.nn.functional.adaptive_max_pool1d: like
// PyTorch, AdaptiveMaxPool2d over a height of one, which is then removed.
func AdaptiveMaxPool1d(input *tensor.Tensor, out int) *tensor.Tensor {
	return AdaptiveMaxPool2d(unsqueezed("AdaptiveMaxPool1d", input), 1, out).Squeeze(-2)
}

// adaptiveWindows checks an adaptive pooling's input and output size and returns
// its geometry and windows (scaled for averaging).
func adaptiveWindows(op string, input *tensor.Tensor, oh, ow int) (convGeom, []window) {
	if input.Dim() != 4 && input.Dim() != 3 || oh < 1 || ow < 1 || !input.DType().IsFloat() {
		panic(tensor.Errorf("functional", op, "want a float input (N, C, H, W) or (C, H, W) and a positive output size, got shape %v %v and (%d, %d)",
			input.Shape(), input.DType(), oh, ow))
	}
	sh := input.Shape()
	g := convGeom{c: sh[len(sh)-3], h: sh[len(sh)-2], w: sh[len(sh)-1], oh: oh, ow: ow}
	g.n = input.Numel() / max(g.c*g.h*g.w, 1)
	win := make([]window, oh*ow)
	for i := range oh {
		y0, y1 := i*g.h/oh, ((i+1)*g.h+oh-1)/oh
		for j := range ow {
			x0, x1 := j*g.w/ow, ((j+1)*g.w+ow-1)/ow
			win[i*ow+j] = window{y0, y1, x0, x1, 1 / float64((y1-y0)*(x1-x0))}
		}
	}
	return g, win
}

// adaptiveMax is adaptive_max_pool2d: max pooling over its own windows, with max
// pooling's backward.
type adaptiveMax struct {
	maxPool
	windows []window
}

func (*adaptiveMax) Name() string { return "AdaptiveMaxPool2DBackward0" }

func (f *adaptiveMax) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	x := in[0].Contiguous()
	y := x.DType().Zeros(f.g.poolShape(x)...)
	if x.DType() == tensor.Float32 {
		windowMax(&f.g, f.windows, y.Float32s(), x.Float32s(), f.idx)
	} else {
		windowMax(&f.g, f.windows, y.Float64s(), x.Float64s(), f.idx)
	}
	ctx.SaveForBackward(x) // for its shape and dtype only
	return y
}

// windowMax sets y to the maximum of each window of each plane of x (the first
// NaN, or the first maximum) and idx to its position in the plane.
func windowMax[T float32 | float64](g *convGeom, win []window, y, x []T, idx []int32) {
	hw, ol := g.h*g.w, g.oh*g.ow
	planes(g, func(p int) {
		src := x[p*hw : (p+1)*hw]
		for o, w := range win {
			best, at := T(math.Inf(-1)), -1
		scan:
			for iy := w.y0; iy < w.y1; iy++ {
				for ix := w.x0; ix < w.x1; ix++ {
					v := src[iy*g.w+ix]
					if v > best || v != v || at < 0 {
						best, at = v, iy*g.w+ix
						if v != v {
							break scan
						}
					}
				}
			}
			y[p*ol+o], idx[p*ol+o] = best, int32(at)
		}
	})
}

// indices returns the argmax of each output as int64, in the shape of the
// pooling's output for input x.
func (f *maxPool) indices(x *tensor.Tensor) *tensor.Tensor {
	ix := make([]int64, len(f.idx))
	for i, v := range f.idx {
		ix[i] = int64(v)
	}
	return tensor.FromSlice(ix, f.g.poolShape(x)...)
}

// Backward is max pooling's, its graph's node named for adaptive pooling.
func (f *adaptiveMax) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	if tensor.IsGradEnabled() {
		return []*tensor.Tensor{f.gradGraph(f.Name(), ctx.Saved()[0], g)}
	}
	return f.maxPool.Backward(ctx, g)
}
