// Package nn holds gograd's neural-network layers, the counterpart of torch.nn:
// modules that own parameters (Linear, Bilinear, Conv1d, Conv2d, Conv3d,
// ConvTranspose (1d, 2d, 3d), BatchNorm, GroupNorm, InstanceNorm, LayerNorm,
// RMSNorm, Embedding, EmbeddingBag, RNN, LSTM, GRU and their cells,
// MultiheadAttention, TransformerEncoderLayer, TransformerDecoderLayer, the
// TransformerEncoder and TransformerDecoder stacks, Transformer, PReLU), layers
// without them (MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d,
// AdaptiveMaxPool1d/2d, Unfold, Fold, Dropout, Dropout2d, AlphaDropout,
// FeatureAlphaDropout, Upsample, UpsamplingNearest2d, UpsamplingBilinear2d,
// PixelShuffle, Flatten, Unflatten, Identity), containers (Sequential,
// ModuleList, ModuleDict, ParameterList, ParameterDict), the activations of
// torch.nn as modules (ReLU, ReLU6, LeakyReLU, ELU, SELU, CELU, GELU, SiLU, Mish,
// Softplus, Hardtanh, Hardsigmoid, Hardswish, LogSigmoid, Softsign, Tanhshrink,
// Tanh, Sigmoid, Threshold, Hardshrink, Softshrink, GLU, RReLU, Softmin, Softmax,
// Softmax2d, LogSoftmax) and losses as modules (MSELoss, L1Loss,
// CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss, CTCLoss and
// the others of torch.nn). The stateless functions they call live in
// nn/functional, the initialisers in nn/init (package nninit); the optimizers
// that update their parameters live in optim.
//
// # Overview
//
// A Module maps an input tensor to an output tensor with Forward and lists the
// tensors it trains with Parameters. A training step reads as it does in PyTorch:
//
//	model := nn.Sequential{nn.NewLinear(4, 8), nn.ReLU{}, nn.NewLinear(8, 3)}
//	opt := optim.NewSGD(model.Parameters(), optim.SGDOptions{LR: 0.01})
//	for range steps {
//		opt.ZeroGrad()
//		loss := nn.MSELoss{}.Forward(model.Forward(x), y)
//		loss.Backward()
//		opt.Step()
//	}
//
// NamedParameters gives the parameters with the names PyTorch's state_dict uses
// ("0.weight", "2.bias"), so that weights can be moved between the two by name.
//
// A model written as a struct implements Parent (NamedChildren names its parts);
// NamedModules, NamedParameters, NamedBuffers, StateDict, Train, Eval, Apply,
// ZeroGrad, RequiresGrad_, Format and Summary walk that tree as PyTorch's module
// methods of the same names do.
//
// # Invariants
//
// Parameters are leaves that require grad, created float32 unless WithDType says
// otherwise. Layers draw their initial values from tensor.DefaultGenerator unless
// WithGenerator gives another; the distributions are PyTorch's, the random streams
// are gograd's own.
//
// # Panics
//
// Misuse (an input whose last dim is not a Linear's in_features, a dtype mismatch,
// a negative size) panics with a *tensor.Error whose Pkg is "nn"; tensor.Maybe turns
// such panics into an error.
package nn

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/gograd/gograd/internal/access"
	"github.com/gograd/gograd/tensor"
)

// Module is a layer or a network: Forward computes its output from x, recording
// the computation for autograd when x or a parameter requires grad, and Parameters
// returns the tensors an optimizer trains, in a fixed order.
type Module interface {
	Forward(x *tensor.Tensor) *tensor.Tensor
	Parameters() []*tensor.Tensor
}

// NamedParameter is a parameter with the name PyTorch gives it in state_dict, such
// as "weight" for a Linear or "2.bias" inside a Sequential.
type NamedParameter struct {
	Name   string
	Tensor *tensor.Tensor
}

func fail(op, format string, args ...any) {
	panic(tensor.Errorf("nn", op, format, args...))
}

// nonNilModule panics with an ErrNil *tensor.Error naming op if m is nil or a nil
// pointer (an empty Sequential, even a nil one, is a valid module).
func nonNilModule(op string, m Module) {
	if m == nil {
		panic(tensor.NewError(tensor.ErrNil, "nn", op, "got a nil Module"))
	}
	if v := reflect.ValueOf(m); v.Kind() == reflect.Pointer && v.IsNil() {
		panic(tensor.NewError(tensor.ErrNil, "nn", op, "got a nil %T", m))
	}
}

// Sequential is a module that applies its modules in order, each to the output of
// the one before (the counterpart of torch.nn.Sequential):
//
//	model := nn.Sequential{nn.NewLinear(4, 8), nn.ReLU{}, nn.NewLinear(8, 3)}
type Sequential []Module

// Forward returns x passed through each module in turn; x itself for an empty
// Sequential.
//
// A tensor passed from one of nn's own layers (Linear, ReLU, Sigmoid, Tanh) to
// another is seen by no one else, so its memory is recycled as soon as nothing
// needs it: at once if no graph node saved it, otherwise when a backward pass
// frees the graph. A training loop then reuses its activations' memory from one
// step to the next instead of leaving it to the garbage collector.
func (s Sequential) Forward(x *tensor.Tensor) *tensor.Tensor {
	var held []*tensor.Tensor // inner tensors that the graph holds
	for i, m := range s {
		y := Call(m, x)
		if i > 0 {
			prev, next := saves(s[i-1]), saves(m)
			switch {
			case prev == foreign || next == foreign, hooksOf(s[i-1]) != nil || hooksOf(m) != nil: // hooks may keep x
			case x.GradFn() == nil && y.GradFn() == nil, prev == savesInput && next == savesOutput:
				access.Free(x) // no node saved x
			default:
				held = append(held, x)
			}
		}
		x = y
	}
	for _, t := range held {
		access.FreeWithGraph(x, t)
	}
	return x
}

// layerSaves says what a layer's graph node keeps of the tensors it sees.
type layerSaves int

const (
	foreign     layerSaves = iota // not one of nn's own layers: it may keep anything
	savesInput                    // an own layer whose node saves its input (Linear)
	savesOutput                   // an own layer whose node saves its result (the activations)
)

// saves describes m. nn's own layers return new storage and keep no reference to
// their input or result beyond what their graph node saves.
func saves(m Module) layerSaves {
	switch m.(type) {
	case *Linear, *Conv2d, *Conv1d, *BatchNorm, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d:
		return savesInput
	case ReLU, Sigmoid, Tanh:
		return savesOutput
	}
	return foreign
}

// Parameters returns the parameters of every module in order, each tensor once
// even if several modules share it (as PyTorch's parameters() does).
func (s Sequential) Parameters() []*tensor.Tensor { return Parameters(s) }

// NamedParameters returns the parameters of every module in order, named by the
// module's index and the parameter's name within it ("0.weight", "0.bias",
// "2.weight", ...), as PyTorch's named_parameters(). A tensor shared by several
// modules appears once, under its first name.
func (s Sequential) NamedParameters() []NamedParameter { return NamedParameters(s) }

// NamedChildren returns the modules named by their index, "0", "1", ...
func (s Sequential) NamedChildren() []NamedModule { return ModuleList(s).NamedChildren() }

// String returns the modules one per line, as PyTorch prints a Sequential.
func (s Sequential) String() string { return Format(s) }

// ReLU is the module form of Tensor.Relu: max(x, 0) elementwise. It has no
// parameters; use it as a value, nn.ReLU{}.
type ReLU struct{}

// Forward returns max(x, 0) elementwise.
func (ReLU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Relu() }

// Parameters returns nil: ReLU has none.
func (ReLU) Parameters() []*tensor.Tensor { return nil }

// String returns "ReLU()".
func (ReLU) String() string { return "ReLU()" }

// Sigmoid is the module form of Tensor.Sigmoid: 1 / (1 + e^-x) elementwise.
type Sigmoid struct{}

// Forward returns 1 / (1 + e^-x) elementwise.
func (Sigmoid) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Sigmoid() }

// Parameters returns nil: Sigmoid has none.
func (Sigmoid) Parameters() []*tensor.Tensor { return nil }

// String returns "Sigmoid()".
func (Sigmoid) String() string { return "Sigmoid()" }

// Tanh is the module form of Tensor.Tanh: tanh(x) elementwise.
type Tanh struct{}

// Forward returns tanh(x) elementwise.
func (Tanh) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Tanh() }

// Parameters returns nil: Tanh has none.
func (Tanh) Parameters() []*tensor.Tensor { return nil }

// String returns "Tanh()".
func (Tanh) String() string { return "Tanh()" }

// Flatten flattens dims StartDim to EndDim of its input into one
// (torch.nn.Flatten). Its zero value is PyTorch's default, start_dim=1 and
// end_dim=-1, which turns a batch (N, d1, d2, ...) into (N, d1·d2·...); NewFlatten
// gives other dims.
type Flatten struct {
	StartDim, EndDim int
	set              bool // StartDim and EndDim were given; otherwise 1 and -1
}

// NewFlatten returns a Flatten of dims start to end (negative counts from the end).
func NewFlatten(start, end int) Flatten { return Flatten{start, end, true} }

func (f Flatten) dims() (int, int) {
	if !f.set {
		return 1, -1
	}
	return f.StartDim, f.EndDim
}

// Forward returns x with dims StartDim to EndDim merged, sharing its storage. It
// panics if a dim is out of range for x, as PyTorch does.
func (f Flatten) Forward(x *tensor.Tensor) *tensor.Tensor {
	s, e := f.dims()
	n := x.Dim()
	if s < 0 {
		s += n
	}
	if e < 0 {
		e += n
	}
	if s < 0 || e >= n || s > e {
		fail("Flatten", "start_dim %d and end_dim %d are out of range for an input of shape %v", f.StartDim, f.EndDim, x.Shape())
	}
	sh := x.Shape()
	out := append(append(sh[:s:s], -1), sh[e+1:]...)
	if x.Numel() == 0 {
		m := 1
		for _, d := range sh[s : e+1] {
			m *= d
		}
		out[s] = m
	}
	return x.Reshape(out...)
}

// Parameters returns nil: Flatten has none.
func (Flatten) Parameters() []*tensor.Tensor { return nil }

// String returns the layer as PyTorch prints it: "Flatten(start_dim=1, end_dim=-1)".
func (f Flatten) String() string {
	s, e := f.dims()
	return fmt.Sprintf("Flatten(start_dim=%d, end_dim=%d)", s, e)
}

// Unflatten expands dim Dim of its input into Sizes (torch.nn.Unflatten), such as
// (N, 784) into (N, 1, 28, 28) with Dim 1 and Sizes [1 28 28]; one size may be -1.
type Unflatten struct {
	Dim   int
	Sizes []int
}

// Forward returns x with dim Dim reshaped to Sizes, sharing its storage. It panics
// if Sizes does not multiply to that dim's size.
func (u Unflatten) Forward(x *tensor.Tensor) *tensor.Tensor {
	d := u.Dim
	if d < 0 {
		d += x.Dim()
	}
	if d < 0 || d >= x.Dim() {
		fail("Unflatten", "dim %d is out of range for an input of shape %v", u.Dim, x.Shape())
	}
	sh := x.Shape()
	out := append(append(append([]int{}, sh[:d]...), u.Sizes...), sh[d+1:]...)
	return x.Reshape(out...)
}

// Parameters returns nil: Unflatten has none.
func (Unflatten) Parameters() []*tensor.Tensor { return nil }

// String returns "Unflatten(dim=1, unflattened_size=(1, 28, 28))".
func (u Unflatten) String() string {
	s := fmt.Sprint(u.Sizes)
	return fmt.Sprintf("Unflatten(dim=%d, unflattened_size=(%s))", u.Dim, strings.ReplaceAll(s[1:len(s)-1], " ", ", "))
}
