package functional

import (
	"github.com/gograd/gograd/internal/parallel"
	"github.com/gograd/gograd/tensor"
)

// FoldOptions are the sliding-window arguments of Unfold and Fold, as
// torch.nn.functional.unfold takes them: each field holds (height, width).
// Kernel is required; a zero Stride or Dilation entry means 1.
type FoldOptions struct {
	Kernel, Dilation, Padding, Stride [2]int
}

// Unfold returns the sliding blocks of input (N, C, H, W) or (C, H, W) as columns
// (im2col), as torch.nn.functional.unfold: a result (N, C·kH·kW, L) whose column
// l holds block l (blocks in row-major order of their positions, L in all), its
// rows ordered by channel, then kernel row, then kernel column; padding reads as
// zero. Its gradient is Fold, and Fold's is Unfold, so both are differentiable to
// any order. It panics on a bad shape or options.
func Unfold(input *tensor.Tensor, o FoldOptions) *tensor.Tensor {
	n, sh := batchOf("Unfold", input, 3)
	g := foldGeom("Unfold", n, sh[0], [2]int{sh[1], sh[2]}, o)
	return tensor.Apply(&im2colFn{g: g, unbatched: n == 0}, input)
}

// Fold sums columns input (N, C·kH·kW, L) or (C·kH·kW, L) into an image (N, C,
// outputSize...) (col2im), as torch.nn.functional.fold: the adjoint of Unfold,
// each column's values added at the positions of its block. L must be the
// number of blocks Unfold finds in an image of outputSize. It panics on a bad
// shape or options.
func Fold(input *tensor.Tensor, outputSize [2]int, o FoldOptions) *tensor.Tensor {
	n, sh := batchOf("Fold", input, 2)
	k := o.Kernel[0] * o.Kernel[1]
	if k < 1 || sh[0]%k != 0 {
		panic(tensor.Errorf("functional", "Fold", "input shape %v: size(1) must be divisible by the kernel's size %v", input.Shape(), o.Kernel))
	}
	g := foldGeom("Fold", n, sh[0]/k, outputSize, o)
	if vol(g.out) != sh[1] {
		panic(tensor.Errorf("functional", "Fold", "input shape %v: want %d blocks (%v) for output size %v, kernel %v, dilation %v, padding %v, stride %v, got %d",
			input.Shape(), vol(g.out), g.out[1:], outputSize, o.Kernel, o.Dilation, o.Padding, o.Stride, sh[1]))
	}
	return tensor.Apply(&im2colFn{g: g, fold: true, unbatched: n == 0}, input)
}

// batchOf returns the batch size of x, 0 when it is unbatched (has dims dims,
// not dims+1), and its other sizes; it panics unless x is a float tensor with dims
// or dims+1 dims.
func batchOf(op string, x *tensor.Tensor, dims int) (int, []int) {
	switch {
	case !x.DType().IsFloat():
		panic(tensor.Errorf("functional", op, "want a float input, got %v", x.DType()))
	case x.Dim() == dims+1:
		return x.Size(0), x.Shape()[1:]
	case x.Dim() == dims:
		return 0, x.Shape()
	}
	panic(tensor.Errorf("functional", op, "want a %d-d or (unbatched) %d-d input, got shape %v", dims+1, dims, x.Shape()))
}

// foldGeom returns the 2-d geometry of n images (0: one, unbatched) of c channels and size hw.
func foldGeom(op string, n, c int, hw [2]int, o FoldOptions) volGeom {
	g := volGeom{n: max(n, 1), c: c, o: c, groups: 1, dims: 2, in: [3]int{1, hw[0], hw[1]}, k: [3]int{1, o.Kernel[0], o.Kernel[1]},
		stride: [3]int{1, orOne(o.Stride[0]), orOne(o.Stride[1])}, dil: [3]int{1, orOne(o.Dilation[0]), orOne(o.Dilation[1])},
		lo: [3]int{0, o.Padding[0], o.Padding[1]}, hi: [3]int{0, o.Padding[0], o.Padding[1]}}
	if min(o.Kernel[0], o.Kernel[1], g.stride[1], g.stride[2], g.dil[1], g.dil[2]) < 1 || min(o.Padding[0], o.Padding[1]) < 0 {
		panic(tensor.Errorf("functional", op, "kernel, stride and dilation must be positive and padding non-negative, got %+v", o))
	}
	if !g.setOut() {
		panic(tensor.Errorf("functional", op, "image size %v (padded by %v) is smaller than the dilated kernel %v", hw, o.Padding, o.Kernel))
	}
	return g
}

// im2colFn is Unfold (im2col), or with fold Fold (col2im): each the other's
// adjoint, and so its gradient.
type im2colFn struct {
	g         volGeom
	fold      bool
	unbatched bool // the tensors have no batch dim (and g one image)
}

// Name returns PyTorch's names, Im2ColBackward0 and Col2ImBackward0.
func (f *im2colFn) Name() string {
	if f.fold {
		return "Col2ImBackward0"
	}
	return "Im2ColBackward0"
}

func (f *im2colFn) Forward(_ *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	x := in[0].Contiguous()
	k, l := f.g.c*vol(f.g.k), vol(f.g.out)
	shape := []int{f.g.n, k, l}
	if f.fold {
		shape = f.g.shape(f.g.n, f.g.c, f.g.in)
	}
	if f.unbatched {
		shape = shape[1:]
	}
	y := x.DType().Zeros(shape...)
	if x.DType() == tensor.Float32 {
		im2colKernel(&f.g, f.fold, y.Float32s(), x.Float32s())
	} else {
		im2colKernel(&f.g, f.fold, y.Float64s(), x.Float64s())
	}
	return y
}

func im2colKernel[T float32 | float64](g *volGeom, fold bool, y, x []T) {
	cols, img := g.c*vol(g.k)*vol(g.out), g.c*vol(g.in)
	parallel.For(g.n, 1, func(lo, hi int) {
		for n := lo; n < hi; n++ {
			if fold {
				volCols(g, x[n*cols:(n+1)*cols], y[n*img:(n+1)*img], 0, g.c, true)
			} else {
				volCols(g, y[n*cols:(n+1)*cols], x[n*img:(n+1)*img], 0, g.c, false)
			}
		}
	})
}

// Backward: Unfold's gradient is Fold of grad, Fold's Unfold of grad.
func (f *im2colFn) Backward(_ *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{tensor.Apply(&im2colFn{g: f.g, fold: !f.fold, unbatched: f.unbatched}, g)}
}
