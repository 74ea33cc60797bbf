package functional

import "github.com/gograd/gograd/tensor"

// Conv3dOptions are the arguments of Conv3d besides input, weight and bias, as
// torch.nn.functional.conv3d takes them: each field holds (depth, height,
// width), a zero entry meaning PyTorch's default (stride 1, padding 0, dilation
// 1, one group).
type Conv3dOptions struct {
	Stride   [3]int
	Padding  [3]int // zeros added on both sides of each spatial dim
	Dilation [3]int
	Groups   int
	// Same pads so that the output has the input's size (padding="same"; stride
	// must be 1), the extra zero of an odd total on the far side, as PyTorch.
	Same bool
}

// ConvTransposeOptions are the arguments of ConvTranspose1d, 2d and 3d besides
// input, weight and bias, as torch.nn.functional.conv_transpose2d takes them.
// Each field holds one value per spatial dim (ConvTranspose1d reads index 0,
// ConvTranspose2d indices 0 and 1); a zero entry means PyTorch's default: stride
// 1, padding 0, output_padding 0, dilation 1, one group.
type ConvTransposeOptions struct {
	Stride  [3]int
	Padding [3]int // dilation·(k-1) - Padding zeros are added on both sides of the input
	// OutputPadding adds rows and columns on the far side of the output, to pick
	// one of the input sizes a strided convolution maps onto the same output size.
	// Each must be smaller than its stride or its dilation.
	OutputPadding [3]int
	Dilation      [3]int
	Groups        int
}

// Conv3d returns the 3-d convolution (cross-correlation) of input (N, C, D, H,
// W) or unbatched (C, D, H, W) with weight (O, C/groups, kD, kH, kW), plus bias (O) unless bias is nil, as
// torch.nn.functional.conv3d. Each image's columns go through internal/blas's
// GEMM. Its gradients are a transposed convolution (input) and a convolution of
// the input by the output gradient (weight), recorded when the backward pass
// creates a graph, so it can be differentiated again to any order. It panics if
// the shapes, dtypes or options do not fit together.
func Conv3d(input, weight, bias *tensor.Tensor, o Conv3dOptions) *tensor.Tensor {
	return batchOfOne(input, 3, func(x *tensor.Tensor) *tensor.Tensor { return conv3d(x, weight, bias, o) })
}

func conv3d(input, weight, bias *tensor.Tensor, o Conv3dOptions) *tensor.Tensor {
	const op = "Conv3d"
	checkConvInputs(op, 3, input, weight, bias)
	g := volGeom{n: input.Size(0), c: input.Size(1), o: weight.Size(0), groups: orOne(o.Groups), dims: 3}
	for i := range 3 {
		g.in[i], g.k[i] = input.Size(2+i), weight.Size(2+i)
		g.stride[i], g.dil[i], g.lo[i], g.hi[i] = orOne(o.Stride[i]), orOne(o.Dilation[i]), o.Padding[i], o.Padding[i]
		if o.Same {
			if g.stride[i] != 1 {
				panic(tensor.Errorf("functional", op, "padding \"same\" needs stride 1, got %v", o.Stride))
			}
			t := g.dil[i] * (g.k[i] - 1)
			g.lo[i], g.hi[i] = t/2, t-t/2
		}
	}
	checkGroups(op, &g, input, weight, bias, weight.Size(1)*g.groups, g.o)
	if min(g.stride[0], g.stride[1], g.stride[2], g.dil[0], g.dil[1], g.dil[2]) < 1 || min(g.lo[0], g.lo[1], g.lo[2]) < 0 {
		panic(tensor.Errorf("functional", op, "stride, dilation must be positive and padding non-negative, got %+v", o))
	}
	if !g.setOut() {
		panic(tensor.Errorf("functional", op, "input shape %v (padded by %v) is smaller than the dilated kernel of weight shape %v", input.Shape(), o.Padding, weight.Shape()))
	}
	return applyConv(&convNd{g: g, kind: kindConv, bias: bias != nil}, input, weight, bias)
}

// ConvTranspose2d returns the 2-d transposed convolution of input (N, Cin, H, W)
// or unbatched (Cin, H, W) with weight (Cin, Cout/groups, kH, kW), plus bias (Cout) unless bias is nil, as
// torch.nn.functional.conv_transpose2d: the adjoint of Conv2d in its input (its
// input gradient). The result has shape (N, Cout, H', W') with H' = (H-1)·stride
// - 2·padding + dilation·(kH-1) + output_padding + 1. It runs as Wᵀ·x per image
// through internal/blas's GEMM, the columns then summed into the output (col2im).
// Its gradients are a convolution (input) and the weight gradient of one,
// recorded when the backward pass creates a graph, so it can be differentiated
// again to any order. It panics if the shapes, dtypes or options do not fit.
func ConvTranspose2d(input, weight, bias *tensor.Tensor, o ConvTransposeOptions) *tensor.Tensor {
	return convTranspose("ConvTranspose2d", 2, input, weight, bias, o)
}

// ConvTranspose1d returns the 1-d transposed convolution of input (N, Cin, L) or
// (Cin, L) with weight (Cin, Cout/groups, k), plus bias (Cout) unless bias is
// nil, as torch.nn.functional.conv_transpose1d, reading index 0 of o's fields. See
// ConvTranspose2d.
func ConvTranspose1d(input, weight, bias *tensor.Tensor, o ConvTransposeOptions) *tensor.Tensor {
	return convTranspose("ConvTranspose1d", 1, input, weight, bias, o)
}

// ConvTranspose3d returns the 3-d transposed convolution of input (N, Cin, D, H,
// W) or (Cin, D, H, W) with weight (Cin, Cout/groups, kD, kH, kW), plus bias (Cout) unless bias is
// nil, as torch.nn.functional.conv_transpose3d. See ConvTranspose2d.
func ConvTranspose3d(input, weight, bias *tensor.Tensor, o ConvTransposeOptions) *tensor.Tensor {
	return convTranspose("ConvTranspose3d", 3, input, weight, bias, o)
}

func convTranspose(op string, dims int, x, w, b *tensor.Tensor, o ConvTransposeOptions) *tensor.Tensor {
	return batchOfOne(x, dims, func(x *tensor.Tensor) *tensor.Tensor { return convTransposeNd(op, dims, x, w, b, o) })
}

func convTransposeNd(op string, dims int, x, w, b *tensor.Tensor, o ConvTransposeOptions) *tensor.Tensor {
	checkConvInputs(op, dims, x, w, b)
	// The geometry is that of the convolution this one is the adjoint of: from the
	// result (N, Cout, out...) to x (N, Cin, in...) by the same weight.
	g := volGeom{n: x.Size(0), o: x.Size(1), groups: orOne(o.Groups), dims: dims, in: [3]int{1, 1, 1}, k: [3]int{1, 1, 1},
		out: [3]int{1, 1, 1}, stride: [3]int{1, 1, 1}, dil: [3]int{1, 1, 1}}
	g.c = w.Size(1) * g.groups
	for i := range dims {
		j := 3 - dims + i
		s, d, p, extra := orOne(o.Stride[i]), orOne(o.Dilation[i]), o.Padding[i], o.OutputPadding[i]
		if p < 0 || extra < 0 {
			panic(tensor.Errorf("functional", op, "padding and output_padding must be non-negative, got %+v", o))
		}
		if extra >= s && extra >= d {
			panic(tensor.Errorf("functional", op, "output padding must be smaller than either stride or dilation, got output_padding %v, stride %v and dilation %v",
				o.OutputPadding, o.Stride, o.Dilation))
		}
		g.out[j], g.k[j], g.stride[j], g.dil[j], g.lo[j], g.hi[j] = x.Size(2+i), w.Size(2+i), s, d, p, p
		g.in[j] = (g.out[j]-1)*s - 2*p + d*(g.k[j]-1) + extra + 1
		if min(s, d) < 1 || g.in[j] < 1 {
			panic(tensor.Errorf("functional", op, "stride and dilation must be positive and the output size positive, got input shape %v, weight shape %v and %+v",
				x.Shape(), w.Shape(), o))
		}
	}
	checkGroups(op, &g, x, w, b, g.o, g.c)
	return applyConv(&convNd{g: g, kind: kindTransposed, bias: b != nil}, x, w, b)
}

// checkConvInputs panics unless x and w have dims spatial dims and x, w and b
// (nil: none) one float dtype.
func checkConvInputs(op string, dims int, x, w, b *tensor.Tensor) {
	if x.Dim() != dims+2 || w.Dim() != dims+2 {
		panic(tensor.Errorf("functional", op, "want a %d-d input (N, C, ...) or %d-d (C, ...) and a %[1]d-d weight, got shapes %v and %v", dims+2, dims+1, x.Shape(), w.Shape()))
	}
	if !x.DType().IsFloat() || x.DType() != w.DType() || b != nil && b.DType() != x.DType() {
		panic(tensor.Errorf("functional", op, "input, weight and bias need one float dtype, got %v and %v", x.DType(), w.DType()))
	}
}

// checkGroups panics unless the groups divide the input's and output's channels,
// the weight's first dim is the geometry's O and its second C/groups, and the bias
// has one value per output channel (outC).
func checkGroups(op string, g *volGeom, x, w, b *tensor.Tensor, inC, outC int) {
	if g.groups < 1 || g.c%g.groups != 0 || g.o%g.groups != 0 || x.Size(1) != inC || w.Size(0) != g.o || w.Size(1)*g.groups != g.c {
		panic(tensor.Errorf("functional", op, "input shape %v, weight shape %v and groups %d do not fit", x.Shape(), w.Shape(), g.groups))
	}
	if b != nil && (b.Dim() != 1 || b.Size(0) != outC) {
		panic(tensor.Errorf("functional", op, "bias shape %v does not fit weight shape %v", b.Shape(), w.Shape()))
	}
}

func applyConv(f *convNd, x, w, b *tensor.Tensor) *tensor.Tensor {
	if b == nil {
		return tensor.Apply(f, x, w)
	}
	return tensor.Apply(f, x, w, b)
}
