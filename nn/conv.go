package nn

import (
	"fmt"

	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// WithStride sets a convolution's stride: one value for every spatial dim, or
// one per dim (PyTorch's stride argument). Unset, it is 1.
func WithStride(s ...int) Option { return func(c *config) { c.spatial.stride = s } }

// WithPadding sets the padding a convolution adds on both sides of each spatial
// dim (zeros, or as WithPaddingMode says): one value, or one per dim. Unset, it
// is 0 (padding="valid").
func WithPadding(p ...int) Option { return func(c *config) { c.spatial.padding = p } }

// WithPaddingSame pads a stride-1 convolution so that its output has its input's
// size (padding="same").
func WithPaddingSame() Option { return func(c *config) { c.conv.Same = true } }

// WithDilation sets a convolution's dilation: one value, or one per dim.
func WithDilation(d ...int) Option { return func(c *config) { c.spatial.dilation = d } }

// WithGroups splits a convolution's channels into g groups (PyTorch's groups).
func WithGroups(g int) Option { return func(c *config) { c.conv.Groups = g } }

// WithKernelSize sets a convolution's kernel size one value per spatial dim, such
// as (height, width) for NewConv2d, replacing the cubic one of its kernel
// argument.
func WithKernelSize(k ...int) Option { return func(c *config) { c.spatial.kernel = k } }

// pairOf returns the first two values of v.
func pairOf(v [3]int) [2]int { return [2]int{v[0], v[1]} }

// Conv2d is a 2-d convolution layer over inputs (N, C, H, W) or unbatched (C,
// H, W) (torch.nn.Conv2d).
// Weight has shape (OutChannels, InChannels/Groups, kH, kW) and Bias, nil when the
// layer has none, shape (OutChannels).
type Conv2d struct {
	InChannels, OutChannels int
	KernelSize              [2]int
	Options                 functional.ConvOptions
	// PaddingMode is how the input is padded (PyTorch's padding_mode): zeros
	// (tensor.PadConstant, the zero value), or reflect, replicate or circular, for
	// which Forward pads the input with tensor's Pad and convolves it unpadded.
	PaddingMode  tensor.PadMode
	Weight, Bias *tensor.Tensor
	dims         int // 2, or 1 for a Conv1d
}

// Conv1d is a 1-d convolution layer over inputs (N, C, L) or (C, L)
// (torch.nn.Conv1d), with
// weight (OutChannels, InChannels/Groups, k). It is a Conv2d whose options and
// kernel size hold one value (index 0).
type Conv1d struct{ Conv2d }

// NewConv2d returns a Conv2d from in to out channels with a kernel×kernel kernel
// (WithKernelSize for another shape), stride, padding, dilation and groups as the
// options say (1, 0, 1, 1 unless given), with a bias unless WithBias(false).
// Weight and bias are drawn as PyTorch's Conv2d draws them: kaiming_uniform with
// a = √5 over fan_in = in/groups·kH·kW, then the bias from U(-1/√fan_in, 1/√fan_in).
// It panics if a size is not positive or groups does not divide in and out.
func NewConv2d(in, out, kernel int, opts ...Option) *Conv2d {
	return newConv(2, in, out, kernel, opts)
}

// NewConv1d returns a Conv1d from in to out channels with a kernel of the given
// length; the options are those of NewConv2d, one value each.
func NewConv1d(in, out, kernel int, opts ...Option) *Conv1d {
	return &Conv1d{*newConv(1, in, out, kernel, opts)}
}

func newConv(dims, in, out, kernel int, opts []Option) *Conv2d {
	c := newConfig(opts)
	s := c.spatial.resolve("NewConv", dims, kernel)
	k := pairOf(s.kernel)
	c.conv.Stride, c.conv.Padding, c.conv.Dilation = pairOf(s.stride), pairOf(s.padding), pairOf(s.dilation)
	g := max(c.conv.Groups, 1)
	c.conv.Groups = g
	if in < 1 || out < 1 || !positive(s.kernel, dims) || in%g != 0 || out%g != 0 {
		fail("NewConv", "in_channels %d, out_channels %d, kernel %v and groups %d do not fit", in, out, k, g)
	}
	l := &Conv2d{InChannels: in, OutChannels: out, KernelSize: k, Options: c.conv, PaddingMode: c.spatial.mode, dims: dims}
	if dims == 1 {
		l.Weight, l.Bias = c.weightAndBias(out, in/g, k[0])
	} else {
		l.Weight, l.Bias = c.weightAndBias(out, in/g, k[0], k[1])
	}
	return l
}

// Forward returns the convolution of x with the layer's weight, plus its bias:
// functional.Conv2d (or Conv1d). It panics if x's shape does not fit.
func (l *Conv2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	o := l.Options
	if l.PaddingMode != tensor.PadConstant {
		x = padInput(x, l.PaddingMode, l.dims, l.KernelSize[:], o.Padding[:], o.Dilation[:], o.Same)
		o.Padding, o.Same = [2]int{}, false
	}
	if l.dims == 1 {
		return functional.Conv1d(x, l.Weight, l.Bias, o)
	}
	return functional.Conv2d(x, l.Weight, l.Bias, o)
}

// Parameters returns the weight, then the bias if there is one.
func (l *Conv2d) Parameters() []*tensor.Tensor { return weightBias(l.Weight, l.Bias) }

// NamedParameters returns "weight", then "bias" if there is one.
func (l *Conv2d) NamedParameters() []NamedParameter { return namedWeightBias(l.Weight, l.Bias) }

// String returns the layer as PyTorch prints it, such as
// "Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))".
func (l *Conv2d) String() string {
	name := "Conv2d"
	if l.dims == 1 {
		name = "Conv1d"
	}
	o := l.Options
	three := func(v [2]int) [3]int { return [3]int{v[0], v[1]} }
	r := resolved{kernel: three(l.KernelSize), stride: three(o.Stride), padding: three(o.Padding), dilation: three(o.Dilation)}
	return convRepr(name, l.InChannels, l.OutChannels, l.dims, r, o.Same, o.Groups, l.Bias != nil, l.PaddingMode)
}

// MaxPool2d is the module form of functional.MaxPool2d (torch.nn.MaxPool2d).
// Its zero Stride is the kernel size, as in PyTorch.
type MaxPool2d struct{ functional.PoolOptions }

// NewMaxPool2d returns a MaxPool2d with a kernel×kernel window and stride kernel.
func NewMaxPool2d(kernel int) MaxPool2d {
	return MaxPool2d{functional.PoolOptions{Kernel: [2]int{kernel, kernel}}}
}

// Forward returns functional.MaxPool2d(x, p.PoolOptions).
func (p MaxPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.MaxPool2d(x, p.PoolOptions)
}

// Parameters returns nil: MaxPool2d has none.
func (MaxPool2d) Parameters() []*tensor.Tensor { return nil }

// String returns the layer as PyTorch prints it, such as
// "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)".
func (p MaxPool2d) String() string {
	o := p.PoolOptions
	return fmt.Sprintf("MaxPool2d(kernel_size=%s, stride=%s, padding=%s, dilation=%s, ceil_mode=%s)",
		intOrPair(o.Kernel, 0), intOrPair(stride(o), 0), intOrPair(o.Padding, 0), intOrPair(o.Dilation, 1), pyBool(o.CeilMode))
}

// AvgPool2d is the module form of functional.AvgPool2d (torch.nn.AvgPool2d).
type AvgPool2d struct{ functional.PoolOptions }

// NewAvgPool2d returns an AvgPool2d with a kernel×kernel window and stride kernel.
func NewAvgPool2d(kernel int) AvgPool2d {
	return AvgPool2d{functional.PoolOptions{Kernel: [2]int{kernel, kernel}}}
}

// Forward returns functional.AvgPool2d(x, p.PoolOptions).
func (p AvgPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.AvgPool2d(x, p.PoolOptions)
}

// Parameters returns nil: AvgPool2d has none.
func (AvgPool2d) Parameters() []*tensor.Tensor { return nil }

// String returns the layer as PyTorch prints it: "AvgPool2d(kernel_size=2,
// stride=2, padding=0)".
func (p AvgPool2d) String() string {
	o := p.PoolOptions
	return fmt.Sprintf("AvgPool2d(kernel_size=%s, stride=%s, padding=%s)", intOrPair(o.Kernel, 0), intOrPair(stride(o), 0), intOrPair(o.Padding, 0))
}

func stride(o functional.PoolOptions) [2]int {
	if o.Stride == [2]int{} {
		return o.Kernel
	}
	return o.Stride
}

// intOrPair prints v as PyTorch prints an argument given as an int when both
// values agree, as a tuple otherwise.
func intOrPair(v [2]int, def int) string {
	if v == [2]int{} {
		v = [2]int{def, def}
	}
	if v[0] == v[1] {
		return fmt.Sprint(v[0])
	}
	return fmt.Sprintf("(%d, %d)", v[0], v[1])
}

func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// AdaptiveAvgPool2d is the module form of functional.AdaptiveAvgPool2d
// (torch.nn.AdaptiveAvgPool2d): it averages its input down to OutputSize
// (height, width).
type AdaptiveAvgPool2d struct{ OutputSize [2]int }

// Forward returns functional.AdaptiveAvgPool2d(x, OutputSize[0], OutputSize[1]).
func (p AdaptiveAvgPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.AdaptiveAvgPool2d(x, p.OutputSize[0], p.OutputSize[1])
}

// Parameters returns nil: AdaptiveAvgPool2d has none.
func (AdaptiveAvgPool2d) Parameters() []*tensor.Tensor { return nil }

// String returns "AdaptiveAvgPool2d(output_size=(2, 2))".
func (p AdaptiveAvgPool2d) String() string {
	return fmt.Sprintf("AdaptiveAvgPool2d(output_size=(%d, %d))", p.OutputSize[0], p.OutputSize[1])
}

// MaxPool1d is the module form of functional.MaxPool1d (torch.nn.MaxPool1d); it
// reads index 0 of its options' fields.
type MaxPool1d struct{ functional.PoolOptions }

// NewMaxPool1d returns a MaxPool1d with windows of kernel values and stride kernel.
func NewMaxPool1d(kernel int) MaxPool1d {
	return MaxPool1d{functional.PoolOptions{Kernel: [2]int{kernel}}}
}

// Forward returns functional.MaxPool1d(x, p.PoolOptions).
func (p MaxPool1d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.MaxPool1d(x, p.PoolOptions)
}

// Parameters returns nil: MaxPool1d has none.
func (MaxPool1d) Parameters() []*tensor.Tensor { return nil }

// String returns the layer as PyTorch prints it, such as
// "MaxPool1d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)".
func (p MaxPool1d) String() string {
	o := p.PoolOptions
	return fmt.Sprintf("MaxPool1d(kernel_size=%d, stride=%d, padding=%d, dilation=%d, ceil_mode=%s)",
		o.Kernel[0], stride(o)[0], o.Padding[0], orOne(o.Dilation[0]), pyBool(o.CeilMode))
}

// AvgPool1d is the module form of functional.AvgPool1d (torch.nn.AvgPool1d); it
// reads index 0 of its options' fields.
type AvgPool1d struct{ functional.PoolOptions }

// NewAvgPool1d returns an AvgPool1d with windows of kernel values and stride kernel.
func NewAvgPool1d(kernel int) AvgPool1d {
	return AvgPool1d{functional.PoolOptions{Kernel: [2]int{kernel}}}
}

// Forward returns functional.AvgPool1d(x, p.PoolOptions).
func (p AvgPool1d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.AvgPool1d(x, p.PoolOptions)
}

// Parameters returns nil: AvgPool1d has none.
func (AvgPool1d) Parameters() []*tensor.Tensor { return nil }

// String returns "AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))".
func (p AvgPool1d) String() string {
	o := p.PoolOptions
	return fmt.Sprintf("AvgPool1d(kernel_size=(%d,), stride=(%d,), padding=(%d,))", o.Kernel[0], stride(o)[0], o.Padding[0])
}

// AdaptiveAvgPool1d is the module form of functional.AdaptiveAvgPool1d
// (torch.nn.AdaptiveAvgPool1d).
type AdaptiveAvgPool1d struct{ OutputSize int }

// Forward returns functional.AdaptiveAvgPool1d(x, p.OutputSize).
func (p AdaptiveAvgPool1d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return functional.AdaptiveAvgPool1d(x, p.OutputSize)
}

// Parameters returns nil: AdaptiveAvgPool1d has none.
func (AdaptiveAvgPool1d) Parameters() []*tensor.Tensor { return nil }

// String returns "AdaptiveAvgPool1d(output_size=4)".
func (p AdaptiveAvgPool1d) String() string {
	return fmt.Sprintf("AdaptiveAvgPool1d(output_size=%d)", p.OutputSize)
}

func orOne(v int) int { return max(v, 1) }
