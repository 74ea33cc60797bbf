package nn

import (
	"fmt"
	"math"
	"strings"

	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// RNNOptions are the arguments of NewRNN, NewLSTM and NewGRU beyond the sizes,
// PyTorch's keyword arguments of the same names. The zero value is PyTorch's
// default: one layer, tanh, sequence-first, one direction, no dropout.
type RNNOptions struct {
	NumLayers     int     // stacked layers, 1 when 0
	Nonlinearity  string  // "tanh" (when empty) or "relu"; NewRNN only
	BatchFirst    bool    // inputs and outputs are (B, T, F) instead of (T, B, F)
	Bidirectional bool    // a second, time-reversed direction per layer
	Dropout       float64 // dropout on each layer's output but the last, in training mode
	// Generator draws the dropout masks; tensor.DefaultGenerator() when nil.
	Generator *tensor.Generator
}

// recurrent is the state and code shared by RNN, LSTM and GRU (PyTorch's
// RNNBase). Its parameters are per layer and direction: w_ih, w_hh, b_ih, b_hh.
type recurrent struct {
	kind                  cellKind
	InputSize, HiddenSize int
	Bias                  bool
	RNNOptions
	params [][4]*tensor.Tensor
	eval   bool
}

func newRecurrent(kind cellKind, inputSize, hiddenSize int, o RNNOptions, opts []Option) recurrent {
	c := newConfig(opts)
	if o.NumLayers == 0 {
		o.NumLayers = 1
	}
	op := kind.module()
	if inputSize <= 0 || hiddenSize <= 0 || o.NumLayers < 0 {
		fail("New"+op, "input_size %d, hidden_size %d and num_layers %d must be positive", inputSize, hiddenSize, o.NumLayers)
	}
	if o.Dropout < 0 || o.Dropout > 1 {
		fail("New"+op, "dropout %v is not in [0, 1]", o.Dropout)
	}
	switch o.Nonlinearity {
	case "", "tanh":
	case "relu":
		if kind == cellTanh {
			kind = cellRelu
			break
		}
		fallthrough
	default:
		fail("New"+op, "unknown nonlinearity %q", o.Nonlinearity)
	}
	r := recurrent{kind: kind, InputSize: inputSize, HiddenSize: hiddenSize, Bias: c.bias, RNNOptions: o}
	g := kind.gates() * hiddenSize
	for l := range o.NumLayers {
		in := inputSize
		if l > 0 {
			in = hiddenSize * r.dirs()
		}
		for range r.dirs() {
			r.params = append(r.params, cellParams(c, in, hiddenSize, g))
		}
	}
	return r
}

// cellParams returns w_ih (g, in), w_hh (g, hidden), b_ih and b_hh (g; zeros that
// do not require grad without bias), drawn in that order from
// U(-1/√hidden, 1/√hidden) as PyTorch's reset_parameters draws every RNN weight.
func cellParams(c config, in, hidden, g int) [4]*tensor.Tensor {
	k := 1 / math.Sqrt(float64(hidden))
	var p [4]*tensor.Tensor
	for i, shape := range [][]int{{g, in}, {g, hidden}, {g}, {g}} {
		if i >= 2 && !c.bias {
			p[i] = c.dtype.Zeros(shape...)
			continue
		}
		p[i] = c.gen.Uniform(c.dtype.Zeros(shape...), -k, k).SetRequiresGrad(true)
	}
	return p
}

func (k cellKind) module() string {
	switch k {
	case cellLSTM:
		return "LSTM"
	case cellGRU:
		return "GRU"
	}
	return "RNN"
}

func (r *recurrent) dirs() int {
	if r.Bidirectional {
		return 2
	}
	return 1
}

// run returns the output and the final hidden (and, for an LSTM, cell) states for
// x and initial states h0, c0 (nil for zeros).
func (r *recurrent) run(x, h0, c0 *tensor.Tensor) (out, hn, cn *tensor.Tensor) {
	op := r.kind.module()
	if x == nil {
		panic(tensor.NewError(tensor.ErrNil, "nn", op, "got a nil input"))
	}
	batched := x.Dim() == 3
	if !batched && x.Dim() != 2 || x.Size(-1) != r.InputSize {
		fail(op, "input shape %v is not (T, B, %d), (B, T, %d) with batch_first, or (T, %d)", x.Shape(), r.InputSize, r.InputSize, r.InputSize)
	}
	if x.DType() != r.params[0][0].DType() {
		fail(op, "input dtype %v differs from the weights' %v", x.DType(), r.params[0][0].DType())
	}
	switch {
	case !batched:
		x = x.Unsqueeze(1)
	case r.BatchFirst:
		x = x.Transpose(0, 1)
	}
	T, B, H := x.Size(0), x.Size(1), r.HiddenSize
	n := r.NumLayers * r.dirs()
	state := func(s *tensor.Tensor, name string) *tensor.Tensor {
		if s == nil {
			return x.DType().Zeros(n, B, H)
		}
		if !batched {
			if s.Dim() != 2 {
				fail(op, "%s shape %v is not (%d, %d) for an unbatched input", name, s.Shape(), n, H)
			}
			s = s.Unsqueeze(1)
		}
		if s.Dim() != 3 || s.Size(0) != n || s.Size(1) != B || s.Size(2) != H || s.DType() != x.DType() {
			fail(op, "%s shape %v dtype %v, want (%d, %d, %d) %v", name, s.Shape(), s.DType(), n, B, H, x.DType())
		}
		return s
	}
	h0 = state(h0, "h0")
	if r.kind == cellLSTM {
		c0 = state(c0, "c0")
	}
	var hs, cs []*tensor.Tensor
	for l := range r.NumLayers {
		if l > 0 && r.Dropout > 0 && !r.eval {
			x = functional.Dropout(x, r.Dropout, true, r.Generator)
		}
		var outs []*tensor.Tensor
		for d := range r.dirs() {
			i := l*r.dirs() + d
			f := &recurLayer{kind: r.kind, reverse: d == 1, t: T, b: B, i: x.Size(2), h: H}
			p := r.params[i]
			args := []*tensor.Tensor{x, p[0], p[1], p[2], p[3], h0.Select(0, i)}
			if r.kind == cellLSTM {
				args = append(args, c0.Select(0, i))
			}
			res := f.apply(args...)
			last := T - 1
			if d == 1 {
				last = 0
			}
			o := res.Select(0, 0)
			outs = append(outs, o)
			hs = append(hs, o.Select(0, last).Unsqueeze(0))
			if r.kind == cellLSTM {
				cs = append(cs, res.Select(0, 1).Select(0, last).Unsqueeze(0))
			}
		}
		x = concat(2, outs...)
	}
	out, hn = x, concat(0, hs...)
	if r.kind == cellLSTM {
		cn = concat(0, cs...)
	}
	switch {
	case !batched:
		out, hn = out.Squeeze(1), hn.Squeeze(1)
		if cn != nil {
			cn = cn.Squeeze(1)
		}
	case r.BatchFirst:
		out = out.Transpose(0, 1)
	}
	return out, hn, cn
}

// Parameters returns the weights and biases in NamedParameters' order.
func (r *recurrent) Parameters() []*tensor.Tensor { return tensors(r.NamedParameters()) }

// NamedParameters returns, per layer k and direction, weight_ih_lk, weight_hh_lk
// and, with bias, bias_ih_lk and bias_hh_lk, with the suffix _reverse for the
// second direction: PyTorch's names, so a state dict loads either way.
func (r *recurrent) NamedParameters() []NamedParameter {
	var named []NamedParameter
	for i, p := range r.params {
		suffix := fmt.Sprintf("_l%d", i/r.dirs())
		if i%r.dirs() == 1 {
			suffix += "_reverse"
		}
		for j, name := range []string{"weight_ih", "weight_hh", "bias_ih", "bias_hh"} {
			if j < 2 || r.Bias {
				named = append(named, NamedParameter{name + suffix, p[j]})
			}
		}
	}
	return named
}

// SetTraining turns dropout between layers on (training mode, the default) or off.
func (r *recurrent) SetTraining(on bool) { r.eval = !on }

// Training reports whether the module is in training mode.
func (r *recurrent) Training() bool { return !r.eval }

// String returns the module as PyTorch 1.13 prints it, such as
// "LSTM(10, 20, num_layers=2, batch_first=True)" (which leaves out the
// nonlinearity of an RNN).
func (r *recurrent) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s(%d, %d", r.kind.module(), r.InputSize, r.HiddenSize)
	if r.NumLayers != 1 {
		fmt.Fprintf(&b, ", num_layers=%d", r.NumLayers)
	}
	if !r.Bias {
		b.WriteString(", bias=False")
	}
	if r.BatchFirst {
		b.WriteString(", batch_first=True")
	}
	if r.Dropout != 0 {
		fmt.Fprintf(&b, ", dropout=%v", r.Dropout)
	}
	if r.Bidirectional {
		b.WriteString(", bidirectional=True")
	}
	b.WriteString(")")
	return b.String()
}

// stateless is a recurrent module whose only state is h: RNN and GRU.
type stateless struct{ recurrent }

// Forward returns the output of the top layer for every step, (T, B, D·H) (or
// batch first, or (T, D·H) for an unbatched (T, I) input), from zero initial
// states.
func (r *stateless) Forward(x *tensor.Tensor) *tensor.Tensor {
	out, _ := r.ForwardState(x, nil)
	return out
}

// ForwardState returns the output and the final hidden states (L·D, B, H) for x
// and initial hidden states h0 (L·D, B, H), zeros when nil. It panics on shapes or
// dtypes that do not fit.
func (r *stateless) ForwardState(x, h0 *tensor.Tensor) (out, hn *tensor.Tensor) {
	out, hn, _ = r.run(x, h0, nil)
	return out, hn
}

// RNN is a multi-layer Elman network with tanh or relu (torch.nn.RNN): per layer,
// h_t = act(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh). Forward and ForwardState
// run it.
type RNN struct{ stateless }

// NewRNN returns an RNN from inputSize features to hiddenSize, with PyTorch's
// initialisation (every weight and bias from U(-1/√hiddenSize, 1/√hiddenSize)).
// opts set the dtype, the generator and WithBias. It panics on sizes that are not
// positive, a dropout outside [0, 1] or an unknown nonlinearity.
func NewRNN(inputSize, hiddenSize int, o RNNOptions, opts ...Option) *RNN {
	return &RNN{stateless{newRecurrent(cellTanh, inputSize, hiddenSize, o, opts)}}
}

// GRU is a multi-layer gated recurrent unit network (torch.nn.GRU), with PyTorch's
// gates r, z, n: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
// h' = (1 - z) ⊙ n + z ⊙ h. Forward and ForwardState run it.
type GRU struct{ stateless }

// NewGRU returns a GRU; see NewRNN.
func NewGRU(inputSize, hiddenSize int, o RNNOptions, opts ...Option) *GRU {
	return &GRU{stateless{newRecurrent(cellGRU, inputSize, hiddenSize, o, opts)}}
}

// LSTM is a multi-layer long short-term memory network (torch.nn.LSTM), with
// PyTorch's gates i, f, g, o: c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c'). Each step
// computes all four gates with one matrix product, and the input projection of all
// steps is one product before the recurrence.
type LSTM struct{ recurrent }

// NewLSTM returns an LSTM; see NewRNN.
func NewLSTM(inputSize, hiddenSize int, o RNNOptions, opts ...Option) *LSTM {
	return &LSTM{newRecurrent(cellLSTM, inputSize, hiddenSize, o, opts)}
}

// Forward returns the output from zero initial states; see RNN.Forward.
func (r *LSTM) Forward(x *tensor.Tensor) *tensor.Tensor {
	out, _, _ := r.ForwardState(x, nil, nil)
	return out
}

// ForwardState returns the output and the final hidden and cell states
// (L·D, B, H) for x and initial states h0 and c0 (zeros when nil). It panics on
// shapes or dtypes that do not fit.
func (r *LSTM) ForwardState(x, h0, c0 *tensor.Tensor) (out, hn, cn *tensor.Tensor) {
	return r.run(x, h0, c0)
}

// cell is the state and code shared by RNNCell, LSTMCell and GRUCell: one step
// of the matching network, run by the same kernel.
type cell struct {
	kind                  cellKind
	InputSize, HiddenSize int
	Bias                  bool
	p                     [4]*tensor.Tensor
}

func newCell(kind cellKind, inputSize, hiddenSize int, nonlinearity string, opts []Option) cell {
	r := newRecurrent(kind, inputSize, hiddenSize, RNNOptions{Nonlinearity: nonlinearity}, opts)
	return cell{r.kind, inputSize, hiddenSize, r.Bias, r.params[0]}
}

// step returns h' (and c' for an LSTM) for input x (B, I) or (I) and states h, c
// (zeros when nil).
func (c *cell) step(x, h, cs *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	op := c.kind.module() + "Cell"
	if x == nil {
		panic(tensor.NewError(tensor.ErrNil, "nn", op, "got a nil input"))
	}
	batched := x.Dim() == 2
	if !batched && x.Dim() != 1 || x.Size(-1) != c.InputSize || x.DType() != c.p[0].DType() {
		fail(op, "input shape %v dtype %v is not (B, %d) or (%d) of %v", x.Shape(), x.DType(), c.InputSize, c.InputSize, c.p[0].DType())
	}
	if !batched {
		x = x.Unsqueeze(0)
	}
	B := x.Size(0)
	state := func(s *tensor.Tensor) *tensor.Tensor {
		if s == nil {
			return x.DType().Zeros(B, c.HiddenSize)
		}
		if !batched {
			s = s.Unsqueeze(0)
		}
		if s.Dim() != 2 || s.Size(0) != B || s.Size(1) != c.HiddenSize || s.DType() != x.DType() {
			fail(op, "state shape %v dtype %v, want (%d, %d) %v", s.Shape(), s.DType(), B, c.HiddenSize, x.DType())
		}
		return s
	}
	args := []*tensor.Tensor{x.Unsqueeze(0), c.p[0], c.p[1], c.p[2], c.p[3], state(h)}
	if c.kind == cellLSTM {
		args = append(args, state(cs))
	}
	res := (&recurLayer{kind: c.kind, t: 1, b: B, i: c.InputSize, h: c.HiddenSize}).apply(args...)
	hn := res.Select(0, 0).Select(0, 0)
	var cn *tensor.Tensor
	if c.kind == cellLSTM {
		cn = res.Select(0, 1).Select(0, 0)
	}
	if !batched {
		hn = hn.Squeeze(0)
		if cn != nil {
			cn = cn.Squeeze(0)
		}
	}
	return hn, cn
}

// Parameters returns weight_ih, weight_hh and, with bias, bias_ih and bias_hh.
func (c *cell) Parameters() []*tensor.Tensor { return tensors(c.NamedParameters()) }

// NamedParameters returns weight_ih, weight_hh and, with bias, bias_ih and
// bias_hh: PyTorch's names.
func (c *cell) NamedParameters() []NamedParameter {
	named := []NamedParameter{{"weight_ih", c.p[0]}, {"weight_hh", c.p[1]}}
	if c.Bias {
		named = append(named, NamedParameter{"bias_ih", c.p[2]}, NamedParameter{"bias_hh", c.p[3]})
	}
	return named
}

// String returns the cell as PyTorch prints it, such as "LSTMCell(10, 20)".
func (c *cell) String() string {
	s := fmt.Sprintf("%sCell(%d, %d", c.kind.module(), c.InputSize, c.HiddenSize)
	if !c.Bias {
		s += ", bias=False"
	}
	if c.kind == cellRelu {
		s += ", nonlinearity=relu"
	}
	return s + ")"
}

// RNNCell is one step of an RNN (torch.nn.RNNCell).
type RNNCell struct{ cell }

// NewRNNCell returns an RNNCell with nonlinearity "tanh" (or "" for it) or
// "relu", initialised as PyTorch does; opts set the dtype, generator and bias.
func NewRNNCell(inputSize, hiddenSize int, nonlinearity string, opts ...Option) *RNNCell {
	return &RNNCell{newCell(cellTanh, inputSize, hiddenSize, nonlinearity, opts)}
}

// Forward returns the next hidden state for x (B, I) or (I) from a zero state.
func (c *RNNCell) Forward(x *tensor.Tensor) *tensor.Tensor { return c.Step(x, nil) }

// Step returns the next hidden state for x and hidden state h (zeros when nil).
// It panics on shapes or dtypes that do not fit.
func (c *RNNCell) Step(x, h *tensor.Tensor) *tensor.Tensor { h, _ = c.step(x, h, nil); return h }

// GRUCell is one step of a GRU (torch.nn.GRUCell).
type GRUCell struct{ cell }

// NewGRUCell returns a GRUCell initialised as PyTorch does.
func NewGRUCell(inputSize, hiddenSize int, opts ...Option) *GRUCell {
	return &GRUCell{newCell(cellGRU, inputSize, hiddenSize, "", opts)}
}

// Forward returns the next hidden state for x from a zero state.
func (c *GRUCell) Forward(x *tensor.Tensor) *tensor.Tensor { return c.Step(x, nil) }

// Step returns the next hidden state for x and h (zeros when nil); see
// RNNCell.Step.
func (c *GRUCell) Step(x, h *tensor.Tensor) *tensor.Tensor { h, _ = c.step(x, h, nil); return h }

// LSTMCell is one step of an LSTM (torch.nn.LSTMCell).
type LSTMCell struct{ cell }

// NewLSTMCell returns an LSTMCell initialised as PyTorch does.
func NewLSTMCell(inputSize, hiddenSize int, opts ...Option) *LSTMCell {
	return &LSTMCell{newCell(cellLSTM, inputSize, hiddenSize, "", opts)}
}

// Forward returns the next hidden state for x from zero states.
func (c *LSTMCell) Forward(x *tensor.Tensor) *tensor.Tensor { h, _ := c.Step(x, nil, nil); return h }

// Step returns the next hidden and cell states for x, h and c (zeros when nil).
// It panics on shapes or dtypes that do not fit.
func (c *LSTMCell) Step(x, h, cs *tensor.Tensor) (hn, cn *tensor.Tensor) { return c.step(x, h, cs) }

// concat joins ts along dim; their other sizes must agree. One tensor is
// returned as it is.
func concat(dim int, ts ...*tensor.Tensor) *tensor.Tensor {
	if len(ts) == 1 {
		return ts[0]
	}
	sizes := make([]int, len(ts))
	for i, t := range ts {
		sizes[i] = t.Size(dim)
	}
	return tensor.Apply(catOp{dim, sizes}, ts...)
}

// catOp is torch.cat for the recurrent modules' outputs.
type catOp struct {
	dim   int
	sizes []int
}

func (catOp) Name() string { return "CatBackward0" }

func (c catOp) Forward(_ *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	shape := in[0].Shape()
	shape[c.dim] = 0
	for _, n := range c.sizes {
		shape[c.dim] += n
	}
	out := in[0].DType().Zeros(shape...)
	off := 0
	for i, t := range in {
		out.Narrow(c.dim, off, c.sizes[i]).Copy_(t)
		off += c.sizes[i]
	}
	return out
}

// Backward: each input's gradient is its slice of grad.
func (c catOp) Backward(_ *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	grads := make([]*tensor.Tensor, len(c.sizes))
	off := 0
	for i, n := range c.sizes {
		grads[i] = g.Narrow(c.dim, off, n)
		off += n
	}
	return grads
}
