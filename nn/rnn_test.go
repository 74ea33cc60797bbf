package nn

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// Golden modules of testdata/rnn.json, written from PyTorch 1.13 by
// testdata/gen_rnn.py.
type rnnTensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

func (r rnnTensor) to(dt tensor.DType) *tensor.Tensor { return tensor.New(r.Data, r.Shape...).To(dt) }

type rnnRun struct {
	Outputs map[string]rnnTensor `json:"outputs"`
	Grads   map[string][]float64 `json:"grads"`
}

type rnnCase struct {
	Name      string               `json:"name"`
	Module    string               `json:"module"`
	Kwargs    map[string]any       `json:"kwargs"`
	StateDict map[string]rnnTensor `json:"state_dict"`
	Inputs    map[string]rnnTensor `json:"inputs"`
	Upstream  map[string]rnnTensor `json:"upstream"`
	Float64   rnnRun               `json:"float64"`
	Float32   rnnRun               `json:"float32"`
	Print     string               `json:"print"`
}

var rnnCases = sync.OnceValues(func() ([]*rnnCase, error) {
	b, err := os.ReadFile("testdata/rnn.json")
	if err != nil {
		return nil, err
	}
	var file struct{ Modules []*rnnCase }
	return file.Modules, json.Unmarshal(b, &file)
})

// rnnModule builds the case's module in dt with PyTorch's constructor arguments
// and loads its state dict. It returns the module and a function running it on
// x, h0, c0 (nil when absent) that returns the outputs by the golden names.
func (c *rnnCase) module(t *testing.T, dt tensor.DType) (Module, func(x, h0, c0 *tensor.Tensor) map[string]*tensor.Tensor) {
	kw := c.Kwargs
	in, hidden := int(kw["input_size"].(float64)), int(kw["hidden_size"].(float64))
	opts := []Option{WithDType(dt), WithGenerator(tensor.NewGenerator(1))}
	if b, ok := kw["bias"].(bool); ok {
		opts = append(opts, WithBias(b))
	}
	o := RNNOptions{BatchFirst: flag(kw, "batch_first"), Bidirectional: flag(kw, "bidirectional")}
	if n, ok := kw["num_layers"].(float64); ok {
		o.NumLayers = int(n)
	}
	if d, ok := kw["dropout"].(float64); ok {
		o.Dropout = d
	}
	o.Nonlinearity, _ = kw["nonlinearity"].(string)
	var m Module
	var run func(x, h0, c0 *tensor.Tensor) map[string]*tensor.Tensor
	switch c.Module {
	case "RNN", "GRU":
		var f func(x, h0 *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor)
		if c.Module == "RNN" {
			r := NewRNN(in, hidden, o, opts...)
			m, f = r, r.ForwardState
		} else {
			r := NewGRU(in, hidden, o, opts...)
			m, f = r, r.ForwardState
		}
		run = func(x, h0, _ *tensor.Tensor) map[string]*tensor.Tensor {
			out, hn := f(x, h0)
			return map[string]*tensor.Tensor{"out": out, "hn": hn}
		}
	case "LSTM":
		r := NewLSTM(in, hidden, o, opts...)
		m = r
		run = func(x, h0, c0 *tensor.Tensor) map[string]*tensor.Tensor {
			out, hn, cn := r.ForwardState(x, h0, c0)
			return map[string]*tensor.Tensor{"out": out, "hn": hn, "cn": cn}
		}
	case "RNNCell", "GRUCell":
		var f func(x, h *tensor.Tensor) *tensor.Tensor
		if c.Module == "RNNCell" {
			r := NewRNNCell(in, hidden, o.Nonlinearity, opts...)
			m, f = r, r.Step
		} else {
			r := NewGRUCell(in, hidden, opts...)
			m, f = r, r.Step
		}
		run = func(x, h0, _ *tensor.Tensor) map[string]*tensor.Tensor {
			return map[string]*tensor.Tensor{"hn": f(x, h0)}
		}
	case "LSTMCell":
		r := NewLSTMCell(in, hidden, opts...)
		m = r
		run = func(x, h0, c0 *tensor.Tensor) map[string]*tensor.Tensor {
			hn, cn := r.Step(x, h0, c0)
			return map[string]*tensor.Tensor{"hn": hn, "cn": cn}
		}
	default:
		t.Fatalf("no module %s", c.Module)
	}
	sd := make(map[string]*tensor.Tensor)
	for k, v := range c.StateDict {
		sd[k] = v.to(dt)
	}
	if err := LoadStateDict(m, sd); err != nil {
		t.Fatal(err)
	}
	Eval(m)
	return m, run
}

func flag(p map[string]any, key string) bool { b, _ := p[key].(bool); return b }

// rnnTol: sums of at most a few dozen products per step, through up to six steps
// and three layers, in another order than ATen's. Worst seen: 3e-6 relative in
// float32 (GRU weight gradients), 2e-15 in float64.
var rnnTol = map[tensor.DType][2]float64{tensor.Float32: {5e-5, 5e-6}, tensor.Float64: {1e-11, 1e-12}}

// TestRNNGolden loads PyTorch's state dict into each module of rnn.json and
// compares the outputs, final states and the gradients of the input, the initial
// states and every parameter with PyTorch's, in float32 and float64.
func TestRNNGolden(t *testing.T) {
	cases, err := rnnCases()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
			want := c.Float32
			if dt == tensor.Float64 {
				want = c.Float64
			}
			tol := rnnTol[dt]
			t.Run(c.Name+"/"+dt.String(), func(t *testing.T) {
				m, run := c.module(t, dt)
				if got := Format(m); got != c.Print {
					t.Errorf("printed %q, want %q", got, c.Print)
				}
				in := map[string]*tensor.Tensor{}
				for k, v := range c.Inputs {
					in[k] = v.to(dt).SetRequiresGrad(true)
				}
				outs := run(in["x"], in["h0"], in["c0"])
				for k, w := range want.Outputs {
					o := outs[k]
					if !slices.Equal(o.Shape(), w.Shape) {
						t.Fatalf("%s shape %v, want %v", k, o.Shape(), w.Shape)
					}
					if err := within(o.Values(), w.Data, tol[0], tol[1]); err != nil {
						t.Errorf("%s: %v", k, err)
					}
				}
				c.loss(outs, dt).Backward()
				grads := map[string]*tensor.Tensor{}
				for k, v := range in {
					grads[k] = v.Grad()
				}
				for _, p := range NamedParameters(m) {
					grads[p.Name] = p.Tensor.Grad()
				}
				for k, w := range want.Grads {
					if grads[k] == nil {
						t.Errorf("no gradient for %s", k)
						continue
					}
					if err := within(grads[k].Values(), w, tol[0], tol[1]); err != nil {
						t.Errorf("gradient of %s: %v", k, err)
					}
				}
			})
		}
	}
}

// TestRNNGradCheck checks the gradients of every golden module's outputs with
// respect to its input, initial states and parameters against central
// differences in float64.
func TestRNNGradCheck(t *testing.T) {
	cases, err := rnnCases()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			m, run := c.module(t, tensor.Float64)
			names := []string{"x", "h0", "c0"}
			var xs []*tensor.Tensor
			var present []string
			for _, k := range names {
				if v, ok := c.Inputs[k]; ok {
					xs = append(xs, v.to(tensor.Float64).SetRequiresGrad(true))
					present = append(present, k)
				}
			}
			slots := paramSlots(m)
			for _, p := range slots {
				xs = append(xs, *p)
			}
			if err := tensor.GradCheck(func(args ...*tensor.Tensor) *tensor.Tensor {
				in := map[string]*tensor.Tensor{}
				for i, k := range present {
					in[k] = args[i]
				}
				for i, p := range slots {
					*p = args[len(present)+i]
				}
				return c.loss(run(in["x"], in["h0"], in["c0"]), tensor.Float64)
			}, xs); err != nil {
				t.Error(err)
			}
		})
	}
}

// paramSlots returns the places the module keeps its trained tensors, so that
// gradcheck can pass its perturbed copies in.
func paramSlots(m Module) []**tensor.Tensor {
	var slots []**tensor.Tensor
	add := func(p *[4]*tensor.Tensor, bias bool) {
		for j := range p {
			if j < 2 || bias {
				slots = append(slots, &p[j])
			}
		}
	}
	switch m := m.(type) {
	case *RNN:
		for i := range m.params {
			add(&m.params[i], m.Bias)
		}
	case *GRU:
		for i := range m.params {
			add(&m.params[i], m.Bias)
		}
	case *LSTM:
		for i := range m.params {
			add(&m.params[i], m.Bias)
		}
	case *RNNCell:
		add(&m.p, m.Bias)
	case *GRUCell:
		add(&m.p, m.Bias)
	case *LSTMCell:
		add(&m.p, m.Bias)
	}
	return slots
}

// TestRNNInitAndDropout checks PyTorch's initialisation range (every weight and
// bias in ±1/√hidden_size) and that dropout between layers acts in training mode
// only.
func TestRNNInitAndDropout(t *testing.T) {
	m := NewLSTM(3, 16, RNNOptions{NumLayers: 2, Dropout: 0.5, Generator: tensor.NewGenerator(2)}, WithGenerator(tensor.NewGenerator(1)))
	for _, p := range NamedParameters(m) {
		for _, v := range p.Tensor.Values() {
			if v < -0.25 || v > 0.25 { // 1/√16
				t.Fatalf("%s holds %v, outside ±1/√16", p.Name, v)
			}
		}
	}
	if n := len(m.Parameters()); n != 8 {
		t.Errorf("%d parameters, want 8", n)
	}
	x := tensor.Randn(5, 2, 3)
	a, b := m.Forward(x).Values(), m.Forward(x).Values()
	if slices.Equal(a, b) {
		t.Error("training mode: two runs with dropout gave the same output")
	}
	Eval(m)
	if a, b := m.Forward(x).Values(), m.Forward(x).Values(); !slices.Equal(a, b) {
		t.Error("evaluation mode: two runs differ")
	}
}

func TestRNNErrors(t *testing.T) {
	l := NewLSTM(3, 4, RNNOptions{})
	for name, f := range map[string]func(){
		"input size":   func() { l.Forward(tensor.Zeros(2, 2, 5)) },
		"input dims":   func() { l.Forward(tensor.Zeros(2)) },
		"dtype":        func() { l.Forward(tensor.Float64.Zeros(2, 2, 3)) },
		"h0 shape":     func() { l.ForwardState(tensor.Zeros(2, 2, 3), tensor.Zeros(1, 3, 4), nil) },
		"nil":          func() { l.Forward(nil) },
		"cell input":   func() { NewGRUCell(3, 4).Forward(tensor.Zeros(2, 4)) },
		"cell state":   func() { NewGRUCell(3, 4).Step(tensor.Zeros(2, 3), tensor.Zeros(3, 4)) },
		"nonlinearity": func() { NewRNN(3, 4, RNNOptions{Nonlinearity: "sigmoid"}) },
		"lstm relu":    func() { NewLSTM(3, 4, RNNOptions{Nonlinearity: "relu"}) },
		"sizes":        func() { NewGRU(0, 4, RNNOptions{}) },
	} {
		if tensor.Maybe(f) == nil {
			t.Errorf("%s: no panic", name)
		}
	}
}

// loss returns Σ sum(out·upstream) over the case's outputs, the scalar whose
// gradients PyTorch recorded.
func (c *rnnCase) loss(outs map[string]*tensor.Tensor, dt tensor.DType) *tensor.Tensor {
	loss := dt.Zeros()
	for _, k := range []string{"out", "hn", "cn"} {
		if u, ok := c.Upstream[k]; ok {
			loss = loss.Add(outs[k].Mul(u.to(dt)).Sum())
		}
	}
	return loss
}

// TestRNNGradGradCheck checks second derivatives (gradgradcheck in float64)
// through every recurrent module and cell: two layers, both directions and a
// batch-first (so strided) input for the networks, with initial states. The
// fused backward's raw kernels would cut the graph, so a recorded backward pass
// differentiates the composite formulation instead.
func TestRNNGradGradCheck(t *testing.T) {
	// Small sizes: gradgradcheck differentiates every element of every input,
	// through a step-by-step graph. With -tags purego the two-layer
	// bidirectional GRU and LSTM took 2 minutes (the default build checks them
	// in seconds, through the same tensor ops), so that build checks the rest.
	const in, hidden, steps, batch = 2, 2, 2, 1
	opt := RNNOptions{NumLayers: 2, Bidirectional: true, BatchFirst: true}
	mods := []struct {
		name string
		m    Module
		c0   bool
	}{
		{"RNN", NewRNN(in, hidden, opt, WithDType(tensor.Float64)), false},
		{"RNNRelu", NewRNN(in, hidden, RNNOptions{Nonlinearity: "relu"}, WithDType(tensor.Float64)), false},
		{"GRU", NewGRU(in, hidden, opt, WithDType(tensor.Float64)), false},
		{"LSTM", NewLSTM(in, hidden, opt, WithDType(tensor.Float64)), true},
		{"RNNCell", NewRNNCell(in, hidden, "tanh", WithDType(tensor.Float64)), false},
		{"GRUCell", NewGRUCell(in, hidden, WithDType(tensor.Float64)), false},
		{"LSTMCell", NewLSTMCell(in, hidden, WithDType(tensor.Float64)), true},
	}
	for _, c := range mods {
		if pureGo && (c.name == "GRU" || c.name == "LSTM") {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			g := tensor.NewGenerator(5)
			cellOnly := strings.HasSuffix(c.name, "Cell")
			xShape, hShape := []int{batch, steps, in}, []int{4, batch, hidden}
			switch {
			case cellOnly:
				xShape, hShape = []int{batch, in}, []int{batch, hidden}
			case c.name == "RNNRelu":
				xShape, hShape = []int{steps, batch, in}, []int{1, batch, hidden}
			}
			inputs := []*tensor.Tensor{
				g.Normal(tensor.Float64.Zeros(xShape...), 0, 1).SetRequiresGrad(true),
				g.Normal(tensor.Float64.Zeros(hShape...), 0, 1).SetRequiresGrad(true),
			}
			if c.c0 {
				inputs = append(inputs, g.Normal(tensor.Float64.Zeros(hShape...), 0, 1).SetRequiresGrad(true))
			}
			slots := paramSlots(c.m)
			if !cellOnly && len(slots) > 4 {
				// Two weights stand for the rest, to keep the test fast: the first
				// layer's w_hh and the last layer's (reverse direction's) w_ih.
				slots = []**tensor.Tensor{slots[1], slots[len(slots)-4]}
			}
			states := len(inputs)
			for _, p := range slots {
				inputs = append(inputs, *p)
			}
			f := func(args ...*tensor.Tensor) *tensor.Tensor {
				for i, p := range slots {
					*p = args[states+i]
				}
				x, h := args[0], args[1]
				var out, hn, cn *tensor.Tensor
				switch m := c.m.(type) {
				case *RNN:
					out, hn = m.ForwardState(x, h)
				case *GRU:
					out, hn = m.ForwardState(x, h)
				case *LSTM:
					out, hn, cn = m.ForwardState(x, h, args[2])
				case *RNNCell:
					out = m.Step(x, h)
				case *GRUCell:
					out = m.Step(x, h)
				case *LSTMCell:
					out, cn = m.Step(x, h, args[2])
				}
				// One output that reads every result, squared so that the second
				// derivative reaches the outputs too.
				y := out.Mul(out).Sum()
				if hn != nil {
					y = y.Add(hn.Mul(hn).Sum())
				}
				if cn != nil {
					y = y.Add(cn.Mul(cn).Sum())
				}
				return y
			}
			if err := tensor.GradGradCheck(f, inputs); err != nil {
				t.Error(err)
			}
		})
	}
}
