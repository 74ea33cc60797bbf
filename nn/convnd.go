package nn

import (
	"fmt"
	"strings"

	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// spatialArgs are a convolution's per-dim options as the Option functions got
// them: one value for every spatial dim, one per dim, or none (the default).
type spatialArgs struct {
	kernel, stride, padding, dilation, outputPadding []int
	mode                                             tensor.PadMode
	biasLen                                          int // a transposed convolution's bias size; 0: the weight's first dim
}

// resolved holds spatialArgs for a layer of known dims: index i < dims is spatial
// dim i; a zero means the functional default.
type resolved struct{ kernel, stride, padding, dilation, outputPadding [3]int }

// resolve returns a's values for a layer of dims spatial dims whose kernel
// argument is kernel (used where WithKernelSize is not given). It panics (as op)
// on an option with a count of values other than 1 or dims.
func (a spatialArgs) resolve(op string, dims, kernel int) resolved {
	perDim := func(v []int, def int) [3]int {
		var r [3]int
		switch len(v) {
		case 0:
			for i := range dims {
				r[i] = def
			}
		case 1:
			for i := range dims {
				r[i] = v[0]
			}
		case dims:
			copy(r[:], v)
		default:
			fail(op, "want 1 or %d values for a %d-d option, got %v", dims, dims, v)
		}
		return r
	}
	return resolved{kernel: perDim(a.kernel, kernel), stride: perDim(a.stride, 0), padding: perDim(a.padding, 0),
		dilation: perDim(a.dilation, 0), outputPadding: perDim(a.outputPadding, 0)}
}

// positive reports whether the first dims values of v are positive.
func positive(v [3]int, dims int) bool {
	for _, x := range v[:dims] {
		if x < 1 {
			return false
		}
	}
	return true
}

// biasSize returns the size of the bias of a layer whose weight has shape.
func (c config) biasSize(shape []int) int {
	if c.spatial.biasLen > 0 {
		return c.spatial.biasLen
	}
	return shape[0]
}

// WithOutputPadding sets a transposed convolution's output_padding: one value, or
// one per dim. Unset, it is 0.
func WithOutputPadding(p ...int) Option { return func(c *config) { c.spatial.outputPadding = p } }

// WithPaddingMode sets how a convolution pads its input (PyTorch's padding_mode):
// tensor.PadConstant is "zeros" (the default); tensor.PadReflect, PadReplicate and
// PadCircular pad the input with tensor's Pad before an unpadded convolution, as
// PyTorch does.
func WithPaddingMode(m tensor.PadMode) Option { return func(c *config) { c.spatial.mode = m } }

// padInput returns x padded for a convolution of dims spatial dims in mode: by
// padding on both sides of each dim, or with same as padding="same" does (the
// extra one of an odd total on the far side). Pad takes the last dim first.
func padInput(x *tensor.Tensor, mode tensor.PadMode, dims int, kernel, padding, dilation []int, same bool) *tensor.Tensor {
	pads := make([]int, 0, 2*dims)
	for i := dims - 1; i >= 0; i-- {
		lo, hi := padding[i], padding[i]
		if same {
			t := max(dilation[i], 1) * (kernel[i] - 1)
			lo, hi = t/2, t-t/2
		}
		pads = append(pads, lo, hi)
	}
	return x.Pad(pads, mode, 0)
}

// paddingModeString returns ", padding_mode=reflect" as PyTorch prints a layer,
// or "" for zeros.
func paddingModeString(m tensor.PadMode) string {
	if m == tensor.PadConstant {
		return ""
	}
	return ", padding_mode=" + m.String()
}

// convRepr returns a convolution layer as PyTorch prints it, for dims spatial
// dims (zeros in stride and dilation meaning 1), with output padding for a
// transposed one.
func convRepr(name string, in, out, dims int, r resolved, same bool, groups int, bias bool, mode tensor.PadMode) string {
	tuple := func(v [3]int, def int) string {
		parts := make([]string, dims)
		for i := range dims {
			if v[i] == 0 {
				v[i] = def
			}
			parts[i] = fmt.Sprint(v[i])
		}
		if dims == 1 {
			return "(" + parts[0] + ",)"
		}
		return "(" + strings.Join(parts, ", ") + ")"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s(%d, %d, kernel_size=%s, stride=%s", name, in, out, tuple(r.kernel, 1), tuple(r.stride, 1))
	switch {
	case same:
		b.WriteString(", padding=same")
	case r.padding != [3]int{}:
		b.WriteString(", padding=" + tuple(r.padding, 0))
	}
	if d := tuple(r.dilation, 1); d != tuple([3]int{}, 1) {
		b.WriteString(", dilation=" + d)
	}
	if r.outputPadding != [3]int{} {
		b.WriteString(", output_padding=" + tuple(r.outputPadding, 0))
	}
	if groups > 1 {
		fmt.Fprintf(&b, ", groups=%d", groups)
	}
	if !bias {
		b.WriteString(", bias=False")
	}
	b.WriteString(paddingModeString(mode) + ")")
	return b.String()
}

// Conv3d is a 3-d convolution layer over inputs (N, C, D, H, W) or unbatched
// (C, D, H, W) (torch.nn.Conv3d): functional.Conv3d, after padding the input itself for a
// PaddingMode other than zeros. Weight has shape (OutChannels,
// InChannels/Groups, kD, kH, kW) and Bias, nil when the layer has none, shape
// (OutChannels).
type Conv3d struct {
	InChannels, OutChannels int
	KernelSize              [3]int
	Options                 functional.Conv3dOptions
	PaddingMode             tensor.PadMode // see Conv2d.PaddingMode
	Weight, Bias            *tensor.Tensor
}

// NewConv3d returns a Conv3d from in to out channels with a kernel of
// kernel×kernel×kernel (WithKernelSize for another shape), stride, padding,
// dilation, groups and padding mode as the options say, with a bias unless
// WithBias(false), drawn as PyTorch's Conv3d draws them (see NewConv2d). It
// panics if a size is not positive or groups does not divide in and out.
func NewConv3d(in, out, kernel int, opts ...Option) *Conv3d {
	c := newConfig(opts)
	r := c.spatial.resolve("NewConv3d", 3, kernel)
	g := max(c.conv.Groups, 1)
	if in < 1 || out < 1 || !positive(r.kernel, 3) || in%g != 0 || out%g != 0 {
		fail("NewConv3d", "in_channels %d, out_channels %d, kernel %v and groups %d do not fit", in, out, r.kernel, g)
	}
	l := &Conv3d{InChannels: in, OutChannels: out, KernelSize: r.kernel, PaddingMode: c.spatial.mode,
		Options: functional.Conv3dOptions{Stride: r.stride, Padding: r.padding, Dilation: r.dilation, Groups: g, Same: c.conv.Same}}
	l.Weight, l.Bias = c.weightAndBias(out, in/g, r.kernel[0], r.kernel[1], r.kernel[2])
	return l
}

// Forward returns the convolution of x with the layer's weight, plus its bias.
// It panics if x's shape does not fit.
func (l *Conv3d) Forward(x *tensor.Tensor) *tensor.Tensor {
	o := l.Options
	if l.PaddingMode != tensor.PadConstant {
		x = padInput(x, l.PaddingMode, 3, l.KernelSize[:], o.Padding[:], o.Dilation[:], o.Same)
		o.Padding, o.Same = [3]int{}, false
	}
	return functional.Conv3d(x, l.Weight, l.Bias, o)
}

// Parameters returns the weight, then the bias if there is one.
func (l *Conv3d) Parameters() []*tensor.Tensor { return weightBias(l.Weight, l.Bias) }

// NamedParameters returns "weight", then "bias" if there is one.
func (l *Conv3d) NamedParameters() []NamedParameter { return namedWeightBias(l.Weight, l.Bias) }

// String returns the layer as PyTorch prints it, such as "Conv3d(2, 4,
// kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=(1, 1, 1), bias=False,
// padding_mode=reflect)".
func (l *Conv3d) String() string {
	o := l.Options
	r := resolved{kernel: l.KernelSize, stride: o.Stride, padding: o.Padding, dilation: o.Dilation}
	return convRepr("Conv3d", l.InChannels, l.OutChannels, 3, r, o.Same, o.Groups, l.Bias != nil, l.PaddingMode)
}

// ConvTranspose is a transposed convolution layer over inputs (N, C, ...), or
// unbatched (C, ...), of 1,
// 2 or 3 spatial dims (torch.nn.ConvTranspose1d, 2d and 3d, made by
// NewConvTranspose1d, 2d and 3d): functional.ConvTranspose1d, 2d or 3d. Weight
// has shape (InChannels, OutChannels/Groups, k...) and Bias, nil when the layer
// has none, shape (OutChannels). KernelSize and Options hold one value per
// spatial dim (from index 0). PyTorch allows only zeros padding here, and so does
// gograd.
type ConvTranspose struct {
	InChannels, OutChannels int
	KernelSize              [3]int
	Options                 functional.ConvTransposeOptions
	Weight, Bias            *tensor.Tensor
	dims                    int
}

// NewConvTranspose2d returns a ConvTranspose over inputs (N, C, H, W) from in to
// out channels with a kernel×kernel kernel (WithKernelSize for another shape),
// stride, padding, output padding, dilation and groups as the options say, with
// a bias unless WithBias(false). Weight and bias are drawn as PyTorch's draws
// them: kaiming_uniform with a = √5 over fan_in = out/groups·kH·kW (the weight's
// size(1) times its kernel), then the bias from U(-1/√fan_in, 1/√fan_in). It
// panics if a size is not positive, groups does not divide in and out, or the
// padding mode is not zeros.
func NewConvTranspose2d(in, out, kernel int, opts ...Option) *ConvTranspose {
	return newConvTranspose(2, in, out, kernel, opts)
}

// NewConvTranspose1d returns a ConvTranspose over inputs (N, C, L); see
// NewConvTranspose2d.
func NewConvTranspose1d(in, out, kernel int, opts ...Option) *ConvTranspose {
	return newConvTranspose(1, in, out, kernel, opts)
}

// NewConvTranspose3d returns a ConvTranspose over inputs (N, C, D, H, W); see
// NewConvTranspose2d.
func NewConvTranspose3d(in, out, kernel int, opts ...Option) *ConvTranspose {
	return newConvTranspose(3, in, out, kernel, opts)
}

func newConvTranspose(dims, in, out, kernel int, opts []Option) *ConvTranspose {
	c := newConfig(opts)
	op := fmt.Sprintf("NewConvTranspose%dd", dims)
	r := c.spatial.resolve(op, dims, kernel)
	g := max(c.conv.Groups, 1)
	if in < 1 || out < 1 || !positive(r.kernel, dims) || in%g != 0 || out%g != 0 {
		fail(op, "in_channels %d, out_channels %d, kernel %v and groups %d do not fit", in, out, r.kernel, g)
	}
	if c.spatial.mode != tensor.PadConstant || c.conv.Same {
		fail(op, "only zeros padding (given as numbers) is supported for a transposed convolution, as in PyTorch")
	}
	l := &ConvTranspose{InChannels: in, OutChannels: out, KernelSize: r.kernel, dims: dims,
		Options: functional.ConvTransposeOptions{Stride: r.stride, Padding: r.padding, OutputPadding: r.outputPadding, Dilation: r.dilation, Groups: g}}
	c.spatial.biasLen = out
	l.Weight, l.Bias = c.weightAndBias(append([]int{in, out / g}, r.kernel[:dims]...)...)
	return l
}

// Forward returns the transposed convolution of x with the layer's weight, plus
// its bias. It panics if x's shape does not fit.
func (l *ConvTranspose) Forward(x *tensor.Tensor) *tensor.Tensor {
	f := [...]func(x, w, b *tensor.Tensor, o functional.ConvTransposeOptions) *tensor.Tensor{
		functional.ConvTranspose1d, functional.ConvTranspose2d, functional.ConvTranspose3d}[l.dims-1]
	return f(x, l.Weight, l.Bias, l.Options)
}

// ForwardOutputSize is Forward with the output's spatial size given, as
// PyTorch's forward(input, output_size): it picks the output padding (each
// smaller than its stride or dilation) that gives size, one value per spatial
// dim. It panics if no output padding gives size.
func (l *ConvTranspose) ForwardOutputSize(x *tensor.Tensor, size ...int) *tensor.Tensor {
	o := l.Options
	if len(size) != l.dims || x.Dim() != l.dims+2 && x.Dim() != l.dims+1 {
		fail("ConvTranspose.ForwardOutputSize", "want %d sizes for an input of %d spatial dims, got %v for shape %v", l.dims, l.dims, size, x.Shape())
	}
	for i, want := range size {
		s, d := max(o.Stride[i], 1), max(o.Dilation[i], 1)
		least := (x.Size(x.Dim()-l.dims+i)-1)*s - 2*o.Padding[i] + d*(l.KernelSize[i]-1) + 1
		if want < least || want-least >= max(s, d) {
			fail("ConvTranspose.ForwardOutputSize", "requested an output size of %v, but valid sizes of dim %d range from %d to %d (for an input of shape %v)",
				size, x.Dim()-l.dims+i, least, least+max(s, d)-1, x.Shape())
		}
		o.OutputPadding[i] = want - least
	}
	c := *l
	c.Options = o
	return c.Forward(x)
}

// Parameters returns the weight, then the bias if there is one.
func (l *ConvTranspose) Parameters() []*tensor.Tensor { return weightBias(l.Weight, l.Bias) }

// NamedParameters returns "weight", then "bias" if there is one.
func (l *ConvTranspose) NamedParameters() []NamedParameter { return namedWeightBias(l.Weight, l.Bias) }

// String returns the layer as PyTorch prints it, such as "ConvTranspose2d(2, 4,
// kernel_size=(3, 2), stride=(2, 2), output_padding=(1, 1), groups=2)".
func (l *ConvTranspose) String() string {
	o := l.Options
	r := resolved{kernel: l.KernelSize, stride: o.Stride, padding: o.Padding, dilation: o.Dilation, outputPadding: o.OutputPadding}
	return convRepr(fmt.Sprintf("ConvTranspose%dd", l.dims), l.InChannels, l.OutChannels, l.dims, r, false, o.Groups, l.Bias != nil, tensor.PadConstant)
}

// Unfold is the module form of functional.Unfold (torch.nn.Unfold): it extracts
// sliding blocks of its input as columns.
type Unfold struct{ functional.FoldOptions }

// Forward returns functional.Unfold(x, u.FoldOptions).
func (u Unfold) Forward(x *tensor.Tensor) *tensor.Tensor { return functional.Unfold(x, u.FoldOptions) }

// Parameters returns nil: Unfold has none.
func (Unfold) Parameters() []*tensor.Tensor { return nil }

// String returns "Unfold(kernel_size=2, dilation=1, padding=0, stride=1)".
func (u Unfold) String() string { return "Unfold(" + foldRepr(u.FoldOptions) + ")" }

// Fold is the module form of functional.Fold (torch.nn.Fold): it sums columns
// into an image of OutputSize (height, width).
type Fold struct {
	OutputSize [2]int
	functional.FoldOptions
}

// Forward returns functional.Fold(x, f.OutputSize, f.FoldOptions).
func (f Fold) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.Fold(x, f.OutputSize, f.FoldOptions)
}

// Parameters returns nil: Fold has none.
func (Fold) Parameters() []*tensor.Tensor { return nil }

// String returns "Fold(output_size=(4, 5), kernel_size=(2, 3), dilation=1,
// padding=1, stride=1)".
func (f Fold) String() string {
	return fmt.Sprintf("Fold(output_size=%s, %s)", intOrPair(f.OutputSize, 0), foldRepr(f.FoldOptions))
}

func foldRepr(o functional.FoldOptions) string {
	return fmt.Sprintf("kernel_size=%s, dilation=%s, padding=%s, stride=%s",
		intOrPair(o.Kernel, 0), intOrPair(o.Dilation, 1), intOrPair(o.Padding, 0), intOrPair(o.Stride, 1))
}

// AdaptiveMaxPool2d is the module form of functional.AdaptiveMaxPool2d
// (torch.nn.AdaptiveMaxPool2d): it takes the maximum of its input over windows
// tiling it into OutputSize (height, width).
type AdaptiveMaxPool2d struct{ OutputSize [2]int }

// Forward returns functional.AdaptiveMaxPool2d(x, OutputSize[0], OutputSize[1]).
func (p AdaptiveMaxPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.AdaptiveMaxPool2d(x, p.OutputSize[0], p.OutputSize[1])
}

// Parameters returns nil: AdaptiveMaxPool2d has none.
func (AdaptiveMaxPool2d) Parameters() []*tensor.Tensor { return nil }

// String returns "AdaptiveMaxPool2d(output_size=(3, 2))".
func (p AdaptiveMaxPool2d) String() string {
	return fmt.Sprintf("AdaptiveMaxPool2d(output_size=(%d, %d))", p.OutputSize[0], p.OutputSize[1])
}

// AdaptiveMaxPool1d is the module form of functional.AdaptiveMaxPool1d
// (torch.nn.AdaptiveMaxPool1d).
type AdaptiveMaxPool1d struct{ OutputSize int }

// Forward returns functional.AdaptiveMaxPool1d(x, p.OutputSize).
func (p AdaptiveMaxPool1d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.AdaptiveMaxPool1d(x, p.OutputSize)
}

// Parameters returns nil: AdaptiveMaxPool1d has none.
func (AdaptiveMaxPool1d) Parameters() []*tensor.Tensor { return nil }

// String returns "AdaptiveMaxPool1d(output_size=4)".
func (p AdaptiveMaxPool1d) String() string {
	return fmt.Sprintf("AdaptiveMaxPool1d(output_size=%d)", p.OutputSize)
}
