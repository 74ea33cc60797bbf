package optim_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/gograd/gograd/internal/memtest"
	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/optim"
	"github.com/gograd/gograd/tensor"
)

// Tolerances against PyTorch, for the loss and every parameter after each step.
// The optimizers round as torch's kernels do, so what differs is the gradients:
// the matrix products sum in another order. Every run of testdata/golden.json
// passed at rtol 2e-7, atol 1e-8 in float32 (two ulps) and rtol 5e-15, atol 1e-16
// in float64 when these were set; they leave room for kernels that change the
// order of a sum.
var tolerances = map[string]struct{ rtol, atol float64 }{
	"float32": {1e-6, 5e-8},
	"float64": {2e-14, 1e-16},
}

// run is one training run of testdata/golden.json, written by gen_golden.py.
type run struct {
	Name         string
	DType        string
	Optimizer    string
	Options      options
	Sizes        [3]int
	Loss         string
	ZeroGradLast bool `json:"zero_grad_last"`
	X, Y         []float64
	Init         map[string][]float64
	Steps        []struct {
		Loss   float64
		Params map[string][]float64
	}
}

// options holds torch.optim's keyword arguments under their PyTorch names.
type options struct {
	LR          float64    `json:"lr"`
	Momentum    float64    `json:"momentum"`
	Dampening   float64    `json:"dampening"`
	WeightDecay float64    `json:"weight_decay"`
	Nesterov    bool       `json:"nesterov"`
	Maximize    bool       `json:"maximize"`
	Betas       [2]float64 `json:"betas"`
	Eps         float64    `json:"eps"`
	AMSGrad     bool       `json:"amsgrad"`
}

func (o options) build(name string, params []*tensor.Tensor) optim.Optimizer {
	switch name {
	case "SGD":
		return optim.NewSGD(params, optim.SGDOptions{LR: o.LR, Momentum: o.Momentum, Dampening: o.Dampening,
			WeightDecay: o.WeightDecay, Nesterov: o.Nesterov, Maximize: o.Maximize})
	case "Adam":
		return optim.NewAdam(params, optim.AdamOptions{LR: o.LR, Betas: o.Betas, Eps: o.Eps,
			WeightDecay: o.WeightDecay, AMSGrad: o.AMSGrad, Maximize: o.Maximize})
	case "AdamW":
		return optim.NewAdamW(params, optim.AdamWOptions{LR: o.LR, Betas: o.Betas, Eps: o.Eps,
			WeightDecay: o.WeightDecay, AMSGrad: o.AMSGrad, Maximize: o.Maximize})
	}
	panic("unknown optimizer " + name)
}

func loadGolden(t *testing.T) []run {
	t.Helper()
	b, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct{ Runs []run }
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Runs) == 0 {
		t.Fatal("no runs in testdata/golden.json")
	}
	return g.Runs
}

func dtypeOf(name string) tensor.DType {
	if name == "float64" {
		return tensor.Float64
	}
	return tensor.Float32
}

// relErr returns |got-want| in units of the tolerance atol + rtol·|want|.
func relErr(got, want, rtol, atol float64) float64 {
	return math.Abs(got-want) / (atol + rtol*math.Abs(want))
}

// TestGolden trains Sequential(Linear, ReLU, Linear) with every optimizer
// configuration of testdata/golden.json and compares the loss and every parameter
// after every step with PyTorch's.
func TestGolden(t *testing.T) {
	for _, r := range loadGolden(t) {
		t.Run(r.Name, func(t *testing.T) {
			dt := dtypeOf(r.DType)
			tol := tolerances[r.DType]
			model := nn.Sequential{
				nn.NewLinear(r.Sizes[0], r.Sizes[1], nn.WithDType(dt)),
				nn.ReLU{},
				nn.NewLinear(r.Sizes[1], r.Sizes[2], nn.WithDType(dt)),
			}
			named := nn.NamedParameters(model)
			for _, p := range named {
				vs, ok := r.Init[p.Name]
				if !ok {
					t.Fatalf("no initial value for %s", p.Name)
				}
				tensor.NoGrad(func() { p.Tensor.Copy_(tensor.New(vs)) })
			}
			batch := len(r.X) / r.Sizes[0]
			x := dt.Zeros(batch, r.Sizes[0]).Copy_(tensor.New(r.X))
			y := dt.Zeros(batch, r.Sizes[2]).Copy_(tensor.New(r.Y))
			opt := r.Options.build(r.Optimizer, model.Parameters())

			for s, want := range r.Steps {
				if !r.ZeroGradLast {
					opt.ZeroGrad()
				}
				pred := model.Forward(x)
				var loss *tensor.Tensor
				if r.Loss == "mse" {
					loss = nn.MSELoss{}.Forward(pred, y)
				} else { // seed 002: loss = (ideal - prediction).pow(2).sum()
					loss = y.Sub(pred).Pow(2).Sum()
				}
				if e := relErr(loss.Item(), want.Loss, tol.rtol, tol.atol); !(e <= 1) {
					t.Errorf("step %d: loss %.9g, torch %.9g", s+1, loss.Item(), want.Loss)
				}
				loss.Backward()
				opt.Step()
				if r.ZeroGradLast {
					opt.ZeroGrad()
					for _, p := range named {
						if p.Tensor.Grad() != nil {
							t.Fatalf("%s: ZeroGrad left a gradient", p.Name)
						}
					}
				}
				for _, p := range named {
					got, ref := p.Tensor.Values(), want.Params[p.Name]
					if len(got) != len(ref) {
						t.Fatalf("%s: %d values, torch %d", p.Name, len(got), len(ref))
					}
					for i := range got {
						if e := relErr(got[i], ref[i], tol.rtol, tol.atol); !(e <= 1) {
							t.Fatalf("step %d: %s[%d] = %.9g, torch %.9g (diff %.3g)",
								s+1, p.Name, i, got[i], ref[i], got[i]-ref[i])
						}
					}
				}
			}
		})
	}
}

// TestNilGradSkipped checks that a parameter without a gradient is left alone and
// that its state does not advance: as in PyTorch, Adam counts steps per parameter,
// so a parameter that first gets a gradient at the optimizer's third step takes
// its first step then.
func TestNilGradSkipped(t *testing.T) {
	grads := [][]float64{{0.5, -1}, {0.25, 2}}
	for _, name := range []string{"SGD", "Adam", "AdamW"} {
		o := options{LR: 0.1, Momentum: 0.9}
		late := tensor.Float64.Zeros(2).Copy_(tensor.New([]float64{1, 2})).SetRequiresGrad(true)
		other := tensor.Float64.Zeros(1).SetRequiresGrad(true)
		optLate := o.build(name, []*tensor.Tensor{other, late})
		fresh := tensor.Float64.Zeros(2).Copy_(tensor.New([]float64{1, 2})).SetRequiresGrad(true)
		optFresh := o.build(name, []*tensor.Tensor{fresh})

		// Two steps in which only other has a gradient.
		for range 2 {
			other.SetGrad(tensor.Float64.Ones(1))
			optLate.Step()
			optLate.ZeroGrad()
		}
		if v := late.Values(); v[0] != 1 || v[1] != 2 {
			t.Errorf("%s: parameter without grad changed to %v", name, v)
		}
		for _, g := range grads {
			late.SetGrad(tensor.New(g))
			optLate.Step()
			fresh.SetGrad(tensor.New(g))
			optFresh.Step()
		}
		if a, b := late.Values(), fresh.Values(); a[0] != b[0] || a[1] != b[1] {
			t.Errorf("%s: late parameter %v, fresh %v: its state advanced without a gradient", name, a, b)
		}
	}
}

// TestMixedDTypes steps a float32 and a float64 parameter in one optimizer; each
// must move as it would alone.
func TestMixedDTypes(t *testing.T) {
	for _, name := range []string{"SGD", "Adam", "AdamW"} {
		o := options{LR: 0.1, Momentum: 0.5}
		p32 := tensor.New([]float32{1, -2}).SetRequiresGrad(true)
		p64 := tensor.New([]float64{1, -2}).SetRequiresGrad(true)
		opt := o.build(name, []*tensor.Tensor{p32, p64})
		for range 3 {
			p32.SetGrad(tensor.New([]float32{0.5, 0.25}))
			p64.SetGrad(tensor.New([]float64{0.5, 0.25}))
			opt.Step()
		}
		a, b := p32.Values(), p64.Values()
		for i, init := range []float64{1, -2} {
			if math.Abs(a[i]-b[i]) > 1e-6 || a[i] == init {
				t.Errorf("%s: float32 %v, float64 %v, started at [1 -2]", name, a, b)
			}
		}
	}
}

// TestStepAllocs checks that Step allocates nothing once the state exists.
func TestStepAllocs(t *testing.T) {
	for _, name := range []string{"SGD", "Adam", "AdamW"} {
		o := options{LR: 0.01, Momentum: 0.9, AMSGrad: true, WeightDecay: 0.1}
		p := tensor.Ones(1000).SetRequiresGrad(true)
		q := tensor.Float64.Ones(10, 10).SetRequiresGrad(true)
		p.SetGrad(tensor.Full(0.5, 1000))
		q.SetGrad(tensor.Float64.Full(0.5, 10, 10))
		opt := o.build(name, []*tensor.Tensor{p, q})
		opt.Step()
		if n := testing.AllocsPerRun(10, opt.Step); n != 0 {
			t.Errorf("%s: Step allocates %v times", name, n)
		}
	}
}

func TestInvalidOptions(t *testing.T) {
	p := func() []*tensor.Tensor { return []*tensor.Tensor{tensor.Ones(2).SetRequiresGrad(true)} }
	nonLeaf := tensor.Ones(2).SetRequiresGrad(true).MulScalar(2)
	shared := tensor.Ones(2).SetRequiresGrad(true)
	cases := []struct {
		name string
		f    func()
	}{
		{"SGD without LR", func() { optim.NewSGD(p(), optim.SGDOptions{}) }},
		{"SGD negative LR", func() { optim.NewSGD(p(), optim.SGDOptions{LR: -0.1}) }},
		{"SGD NaN LR", func() { optim.NewSGD(p(), optim.SGDOptions{LR: math.NaN()}) }},
		{"SGD negative momentum", func() { optim.NewSGD(p(), optim.SGDOptions{LR: 0.1, Momentum: -1}) }},
		{"SGD negative weight decay", func() { optim.NewSGD(p(), optim.SGDOptions{LR: 0.1, WeightDecay: -1}) }},
		{"SGD nesterov without momentum", func() { optim.NewSGD(p(), optim.SGDOptions{LR: 0.1, Nesterov: true}) }},
		{"SGD nesterov with dampening", func() {
			optim.NewSGD(p(), optim.SGDOptions{LR: 0.1, Momentum: 0.9, Dampening: 0.1, Nesterov: true})
		}},
		{"Adam negative LR", func() { optim.NewAdam(p(), optim.AdamOptions{LR: -1}) }},
		{"Adam negative eps", func() { optim.NewAdam(p(), optim.AdamOptions{Eps: -1}) }},
		{"Adam beta1 = 1", func() { optim.NewAdam(p(), optim.AdamOptions{Betas: [2]float64{1, 0.999}}) }},
		{"Adam beta2 < 0", func() { optim.NewAdam(p(), optim.AdamOptions{Betas: [2]float64{0.9, -0.1}}) }},
		{"Adam negative weight decay", func() { optim.NewAdam(p(), optim.AdamOptions{WeightDecay: -1}) }},
		{"AdamW negative weight decay", func() { optim.NewAdamW(p(), optim.AdamWOptions{WeightDecay: -1}) }},
		{"AdamW beta1 > 1", func() { optim.NewAdamW(p(), optim.AdamWOptions{Betas: [2]float64{1.5, 0.9}}) }},
		{"empty parameter list", func() { optim.NewAdam(nil, optim.AdamOptions{}) }},
		{"nil parameter", func() { optim.NewAdam([]*tensor.Tensor{nil}, optim.AdamOptions{}) }},
		{"non-leaf parameter", func() { optim.NewSGD([]*tensor.Tensor{nonLeaf}, optim.SGDOptions{LR: 1}) }},
		{"int64 parameter", func() { optim.NewSGD([]*tensor.Tensor{tensor.New([]int64{1})}, optim.SGDOptions{LR: 1}) }},
		{"duplicate parameter", func() { optim.NewAdamW([]*tensor.Tensor{shared, shared}, optim.AdamWOptions{}) }},
		{"gradient dtype", func() {
			q := tensor.Ones(2).SetRequiresGrad(true)
			q.SetGrad(tensor.Float64.Ones(2))
			optim.NewAdam([]*tensor.Tensor{q}, optim.AdamOptions{}).Step()
		}},
	}
	for _, c := range cases {
		err := tensor.Maybe(c.f)
		e, ok := err.(*tensor.Error)
		if !ok {
			t.Errorf("%s: got %v, want a *tensor.Error", c.name, err)
			continue
		}
		if e.Pkg != "optim" {
			t.Errorf("%s: error from package %q, want optim: %v", c.name, e.Pkg, e)
		}
	}
	// Valid edge values do not panic: beta1 = 0, Nesterov with momentum.
	for _, f := range []func(){
		func() { optim.NewAdam(p(), optim.AdamOptions{Betas: [2]float64{0, 0.999}}) },
		func() { optim.NewSGD(p(), optim.SGDOptions{LR: 0.1, Momentum: 0.9, Nesterov: true}) },
	} {
		if err := tensor.Maybe(f); err != nil {
			t.Errorf("valid options panicked: %v", err)
		}
	}
}

func ExampleSGD() {
	// Fit w·x to y = 3x: one weight, plain gradient descent.
	w := tensor.New([]float32{0}).SetRequiresGrad(true)
	x := tensor.New([]float32{1, 2, 3})
	y := tensor.New([]float32{3, 6, 9})
	opt := optim.NewSGD([]*tensor.Tensor{w}, optim.SGDOptions{LR: 0.05})
	for step := range 20 {
		opt.ZeroGrad()
		loss := nn.MSELoss{}.Forward(x.Mul(w), y)
		loss.Backward()
		opt.Step()
		if step%5 == 0 {
			fmt.Printf("step %2d: loss %.4f, w %.4f\n", step, loss.Item(), w.Item())
		}
	}
	// Output:
	// step  0: loss 42.0000, w 1.4000
	// step  5: loss 0.0782, w 2.9310
	// step 10: loss 0.0001, w 2.9970
	// step 15: loss 0.0000, w 2.9999
}

func ExampleAdam() {
	model := nn.Sequential{nn.NewLinear(2, 8, nn.WithGenerator(tensor.NewGenerator(1))), nn.Tanh{},
		nn.NewLinear(8, 1, nn.WithGenerator(tensor.NewGenerator(2)))}
	opt := optim.NewAdam(model.Parameters(), optim.AdamOptions{LR: 0.05})
	x := tensor.New([]float32{0, 0, 0, 1, 1, 0, 1, 1}, 4, 2)
	y := tensor.New([]float32{0, 1, 1, 0}, 4, 1) // XOR
	var loss *tensor.Tensor
	for range 300 {
		opt.ZeroGrad()
		loss = nn.MSELoss{}.Forward(model.Forward(x), y)
		loss.Backward()
		opt.Step()
	}
	fmt.Println(loss.Item() < 0.01)
	// Output: true
}

// TestZeroGradRecycles checks that a training loop reuses its gradients' memory:
// Step reads the gradients without taking them, so ZeroGrad hands them back to
// the pool and the next backward pass takes them from there. A step then
// allocates far less than the 1 MiB gradient; a gradient the caller holds from
// Grad keeps its values.
func TestZeroGradRecycles(t *testing.T) {
	for _, name := range []string{"SGD", "Adam"} {
		o := options{LR: 0.01, Momentum: 0.9}
		w := tensor.Full(0.5, 512, 512).SetRequiresGrad(true)
		x := tensor.Full(1, 512)
		opt := o.build(name, []*tensor.Tensor{w})
		step := func() {
			w.MatMul(x).Sum().Backward()
			opt.Step()
			opt.ZeroGrad()
		}
		if perStep := memtest.BytesPerRun(10, step); perStep > 256<<10 {
			t.Errorf("%s: a step allocates %d bytes; its 1 MiB gradient is not reused", name, perStep)
		}

		w.MatMul(x).Sum().Backward()
		held := w.Grad()
		vals := held.Float32s()
		opt.Step()
		opt.ZeroGrad()
		step()
		if len(held.Float32s()) != 512*512 || vals[0] != 1 || vals[len(vals)-1] != 1 {
			t.Errorf("%s: a gradient held from Grad changed after ZeroGrad: %d elements, first %v", name, len(held.Float32s()), vals[0])
		}
	}
}
