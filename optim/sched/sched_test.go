package sched

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gograd/gograd/optim"
	"github.com/gograd/gograd/tensor"
)

// Tolerances against PyTorch for the learning rates and momenta. The
// schedulers do PyTorch's float64 operations in its order, so the differences
// come from libm (Go's math.Cos and math.Pow against C's, within an ulp or
// two) carried through the chainable forms' products. When this was set, 28
// of the 44 runs matched bit for bit and the others within a few ulps.
const rtol, atol = 1e-12, 1e-15

// golden is testdata/sched.json, written by gen_sched.py.
type golden struct {
	Steps, Manual int
	Metrics       []float64
	Runs          []struct {
		Name    string
		Epochs  []float64
		LRs     [][]float64 `json:"lrs"`
		Momenta [][]float64
		State   json.RawMessage
	}
}

// newSGD returns gen_sched.py's sgd: two groups, rates 0.1 and 0.05,
// momentum 0.9.
func newSGD() *optim.SGD {
	opt := optim.NewSGD([]*tensor.Tensor{tensor.Zeros(2).SetRequiresGrad(true)},
		optim.SGDOptions{LR: 0.1, Momentum: 0.9})
	o := opt.Defaults()
	o.LR = 0.05
	opt.AddParamGroup([]*tensor.Tensor{tensor.Zeros(3).SetRequiresGrad(true)}, o)
	return opt
}

// newAdam returns gen_sched.py's adam.
func newAdam() *optim.Adam {
	opt := optim.NewAdam([]*tensor.Tensor{tensor.Zeros(2).SetRequiresGrad(true)}, optim.AdamOptions{LR: 0.1})
	opt.AddParamGroup([]*tensor.Tensor{tensor.Zeros(3).SetRequiresGrad(true)}, optim.AdamOptions{LR: 0.05})
	return opt
}

// optimizer is what the test needs of an optimizer.
type optimizer interface {
	optim.MomentumGroups
	optim.Stateful
}

// schedulers builds the scheduler of each run of gen_sched.py, by name.
var schedulers = map[string]func(opt optim.Groups) any{
	"step":               func(o optim.Groups) any { return NewStepLR(o, StepLROptions{StepSize: 7, Gamma: 0.5}) },
	"step_default_gamma": func(o optim.Groups) any { return NewStepLR(o, StepLROptions{StepSize: 3}) },
	"multistep": func(o optim.Groups) any {
		return NewMultiStepLR(o, MultiStepLROptions{Milestones: []int{30, 5, 12, 12}, Gamma: 0.3})
	},
	"exponential": func(o optim.Groups) any { return NewExponentialLR(o, 0.93) },
	"cosine": func(o optim.Groups) any {
		return NewCosineAnnealingLR(o, CosineAnnealingLROptions{TMax: 20, EtaMin: 0.001})
	},
	"cosine_t7": func(o optim.Groups) any { return NewCosineAnnealingLR(o, CosineAnnealingLROptions{TMax: 7}) },
	"cosine_manual": func(o optim.Groups) any {
		return NewCosineAnnealingLR(o, CosineAnnealingLROptions{TMax: 20, EtaMin: 0.001})
	},
	"warm_restarts": func(o optim.Groups) any {
		return NewCosineAnnealingWarmRestarts(o, CosineAnnealingWarmRestartsOptions{T0: 10})
	},
	"warm_restarts_mult": func(o optim.Groups) any {
		return NewCosineAnnealingWarmRestarts(o, CosineAnnealingWarmRestartsOptions{T0: 5, TMult: 2, EtaMin: 0.01})
	},
	"cyclic_triangular": func(o optim.Groups) any {
		return NewCyclicLR(o, CyclicLROptions{BaseLR: []float64{0.01}, MaxLR: []float64{0.1}, StepSizeUp: 5})
	},
	"cyclic_triangular2": func(o optim.Groups) any {
		return NewCyclicLR(o, CyclicLROptions{BaseLR: []float64{0.01, 0.02}, MaxLR: []float64{0.1, 0.3},
			StepSizeUp: 4, StepSizeDown: 8, Mode: "triangular2",
			BaseMomentum: []float64{0.7, 0.8}, MaxMomentum: []float64{0.95}})
	},
	"cyclic_exp_range": func(o optim.Groups) any {
		return NewCyclicLR(o, CyclicLROptions{BaseLR: []float64{0.01}, MaxLR: []float64{0.1}, StepSizeUp: 6,
			Mode: "exp_range", Gamma: 0.97})
	},
	"cyclic_scale_fn": func(o optim.Groups) any {
		return NewCyclicLR(o, CyclicLROptions{BaseLR: []float64{0.01}, MaxLR: []float64{0.1}, StepSizeUp: 5,
			ScaleFn: func(x float64) float64 { return 1 / (1 + 0.1*x) }, ScaleMode: "iterations", NoCycleMomentum: true})
	},
	"onecycle": func(o optim.Groups) any {
		return NewOneCycleLR(o, OneCycleLROptions{MaxLR: []float64{0.5, 0.2}, TotalSteps: 61})
	},
	"onecycle_three_phase_linear": func(o optim.Groups) any {
		return NewOneCycleLR(o, OneCycleLROptions{MaxLR: []float64{0.3}, Epochs: 6, StepsPerEpoch: 11,
			ThreePhase: true, AnnealStrategy: "linear", PctStart: 0.2})
	},
	"onecycle_adam": func(o optim.Groups) any {
		return NewOneCycleLR(o, OneCycleLROptions{MaxLR: []float64{0.01}, TotalSteps: 60, PctStart: 0.25,
			DivFactor: 10, FinalDivFactor: 100, BaseMomentum: []float64{0.8}, MaxMomentum: []float64{0.9}})
	},
	"linear": func(o optim.Groups) any {
		return NewLinearLR(o, LinearLROptions{StartFactor: 0.25, TotalIters: 10})
	},
	"linear_down": func(o optim.Groups) any {
		return NewLinearLR(o, LinearLROptions{StartFactor: 1, EndFactor: 0.1, TotalIters: 20})
	},
	"linear_manual": func(o optim.Groups) any {
		return NewLinearLR(o, LinearLROptions{StartFactor: 0.25, TotalIters: 20})
	},
	"constant":           func(o optim.Groups) any { return NewConstantLR(o, ConstantLROptions{Factor: 0.5, TotalIters: 8}) },
	"constant_default":   func(o optim.Groups) any { return NewConstantLR(o, ConstantLROptions{}) },
	"polynomial":         func(o optim.Groups) any { return NewPolynomialLR(o, PolynomialLROptions{TotalIters: 30, Power: 2}) },
	"polynomial_default": func(o optim.Groups) any { return NewPolynomialLR(o, PolynomialLROptions{}) },
	"lambda": func(o optim.Groups) any {
		return NewLambdaLR(o, []func(int) float64{func(e int) float64 { return math.Pow(0.95, float64(e)) },
			func(e int) float64 { return 1 / float64(1+e) }})
	},
	"multiplicative": func(o optim.Groups) any {
		return NewMultiplicativeLR(o, []func(int) float64{func(int) float64 { return 0.9 }})
	},
	"multiplicative_groups": func(o optim.Groups) any {
		return NewMultiplicativeLR(o, []func(int) float64{func(int) float64 { return 0.9 },
			func(e int) float64 { return 1 - 0.01*float64(e) }})
	},
	"sequential": func(o optim.Groups) any {
		return NewSequentialLR(o, []Scheduler{NewLinearLR(o, LinearLROptions{StartFactor: 0.1, TotalIters: 5}),
			NewCosineAnnealingLR(o, CosineAnnealingLROptions{TMax: 20})}, []int{5})
	},
	"sequential_three": func(o optim.Groups) any {
		return NewSequentialLR(o, []Scheduler{NewConstantLR(o, ConstantLROptions{Factor: 0.5, TotalIters: 4}),
			NewExponentialLR(o, 0.9), NewStepLR(o, StepLROptions{StepSize: 5, Gamma: 0.5})}, []int{6, 20})
	},
	"chained": func(o optim.Groups) any {
		return NewChainedScheduler(NewConstantLR(o, ConstantLROptions{Factor: 0.1, TotalIters: 5}), NewExponentialLR(o, 0.9))
	},
	"chained_cosine_step": func(o optim.Groups) any {
		return NewChainedScheduler(NewCosineAnnealingLR(o, CosineAnnealingLROptions{TMax: 10}),
			NewStepLR(o, StepLROptions{StepSize: 7, Gamma: 0.5}))
	},
	"plateau": func(o optim.Groups) any { return NewReduceLROnPlateau(o, ReduceLROnPlateauOptions{Patience: 3}) },
	"plateau_max_abs": func(o optim.Groups) any {
		return NewReduceLROnPlateau(o, ReduceLROnPlateauOptions{Mode: "max", Factor: 0.5, Patience: 2, Threshold: 0.01,
			ThresholdMode: "abs", Cooldown: 3, MinLR: []float64{0.01, 0.02}})
	},
	"plateau_zero_patience": func(o optim.Groups) any {
		return NewReduceLROnPlateau(o, ReduceLROnPlateauOptions{ZeroPatience: true, Factor: 0.7, MinLR: []float64{0.003}})
	},
}

func init() {
	// The closed-form runs use the schedulers of the runs without the suffix.
	for _, name := range []string{"step", "multistep", "exponential", "cosine", "linear", "constant", "polynomial",
		"lambda", "warm_restarts_mult"} {
		schedulers[name+"_epochs"] = schedulers[name]
	}
	schedulers["warm_restarts_frac_epochs"] = schedulers["warm_restarts_mult"]
	schedulers["warm_restarts_frac1_epochs"] = func(o optim.Groups) any {
		return NewCosineAnnealingWarmRestarts(o, CosineAnnealingWarmRestartsOptions{T0: 4})
	}
}

func loadGolden(t *testing.T) *golden {
	t.Helper()
	b, err := os.ReadFile("testdata/sched.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Runs) == 0 {
		t.Fatal("no runs in testdata/sched.json")
	}
	return &g
}

// setup makes the run's optimizer and scheduler.
func setup(name string) (optimizer, any) {
	var opt optimizer = newSGD()
	if name == "onecycle_adam" {
		opt = newAdam()
	}
	return opt, schedulers[name](opt)
}

// stepRun takes step t (0-based) of run name: PyTorch's optimizer.step() is a
// no-op here, as no parameter has a gradient.
func stepRun(g *golden, name string, opt optimizer, s any, t int, epochs []float64) {
	if epochs != nil {
		switch s := s.(type) {
		case *CosineAnnealingWarmRestarts:
			s.StepFrac(epochs[t])
		case interface{ StepTo(int) }:
			s.StepTo(int(epochs[t]))
		}
		return
	}
	if len(name) > 7 && name[len(name)-7:] == "_manual" && t+1 == g.Manual {
		for i := range opt.NumParamGroups() {
			opt.SetLR(i, opt.LR(i)*0.5)
		}
	}
	switch s := s.(type) {
	case *ReduceLROnPlateau:
		s.Step(g.Metrics[t])
	case Scheduler:
		s.Step()
	}
}

func lastLR(s any) []float64 { return s.(interface{ LastLR() []float64 }).LastLR() }

func closeTo(got, want []float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !(math.Abs(got[i]-want[i]) <= atol+rtol*math.Abs(want[i])) {
			return false
		}
	}
	return true
}

// TestGolden runs every scheduler of testdata/sched.json and compares the
// learning rates it sets, and the momenta, after construction and every step
// with PyTorch's. Halfway it saves the optimizer's and the scheduler's state
// dicts, loads them into a fresh pair, and checks that the fresh pair then
// sets the same rates and momenta, bit for bit, as the original. At the end
// its StateDict must match PyTorch's state_dict(), and PyTorch's must load.
func TestGolden(t *testing.T) {
	g := loadGolden(t)
	for _, r := range g.Runs {
		t.Run(r.Name, func(t *testing.T) {
			if schedulers[r.Name] == nil {
				t.Fatalf("no Go scheduler for run %s", r.Name)
			}
			opt, s := setup(r.Name)
			defer func() {
				if !t.Failed() {
					checkTorchState(t, r.Name, s.(optim.Stateful).StateDict(), r.State)
				}
			}()
			var opt2 optimizer
			var s2 any
			n := len(r.LRs) - 1
			for t0 := 0; t0 <= n; t0++ {
				if t0 > 0 {
					stepRun(g, r.Name, opt, s, t0-1, r.Epochs)
					if s2 != nil {
						stepRun(g, r.Name, opt2, s2, t0-1, r.Epochs)
					}
				}
				var moms []float64
				for i := range opt.NumParamGroups() {
					m, _ := opt.Momentum(i)
					moms = append(moms, m)
				}
				if got := lastLR(s); !closeTo(got, r.LRs[t0]) {
					t.Fatalf("step %d: lr %v, torch %v", t0, got, r.LRs[t0])
				}
				if !closeTo(currentLRs(opt), r.LRs[t0]) {
					t.Fatalf("step %d: the groups' lr %v, torch %v", t0, currentLRs(opt), r.LRs[t0])
				}
				if !closeTo(moms, r.Momenta[t0]) {
					t.Fatalf("step %d: momentum %v, torch %v", t0, moms, r.Momenta[t0])
				}
				if s2 != nil {
					a, b := lastLR(s), lastLR(s2)
					for i := range a {
						m1, _ := opt.Momentum(i)
						m2, _ := opt2.Momentum(i)
						if a[i] != b[i] || m1 != m2 || opt.LR(i) != opt2.LR(i) {
							t.Fatalf("step %d: resumed lr %v momentum %v, uninterrupted %v %v", t0, b, m2, a, m1)
						}
					}
				}
				if t0 == n/2 {
					opt2, s2 = setup(r.Name)
					if err := opt2.LoadStateDict(opt.StateDict()); err != nil {
						t.Fatal(err)
					}
					if err := s2.(optim.Stateful).LoadStateDict(s.(optim.Stateful).StateDict()); err != nil {
						t.Fatal(err)
					}
				}
			}
		})
	}
}

// hostile returns values to put where they do not belong.
func hostile(r *rand.Rand) any {
	vals := []any{nil, "x", -1, 0, 7, 1 << 40, -3.5, math.NaN(), math.Inf(1), true, "max", "exp_range",
		[]int{0, 0}, []int{}, []int{5, 1}, []float64{1}, []float64{}, []any{}, []any{nil, "y"}, []any{map[string]any{}},
		map[string]any{}}
	return vals[r.IntN(len(vals))]
}

// mutate deletes or replaces one entry of sd, or of a nested scheduler's.
func mutate(r *rand.Rand, sd map[string]any) string {
	if list, ok := sd["_schedulers"].([]any); ok && r.IntN(2) == 0 {
		i := r.IntN(len(list))
		return fmt.Sprintf("_schedulers[%d]/", i) + mutate(r, list[i].(map[string]any))
	}
	keys := slices.Sorted(maps.Keys(sd))
	k := keys[r.IntN(len(keys))]
	if r.IntN(3) == 0 {
		delete(sd, k)
		return "delete " + k
	}
	sd[k] = hostile(r)
	return fmt.Sprintf("%s = %v", k, sd[k])
}

// copyDict returns a deep copy of a scheduler's state dict.
func copyDict(sd map[string]any) map[string]any {
	out := make(map[string]any, len(sd))
	for k, v := range sd {
		switch v := v.(type) {
		case []float64:
			out[k] = slices.Clone(v)
		case []int:
			out[k] = slices.Clone(v)
		case []any:
			list := make([]any, len(v))
			for i, x := range v {
				if m, ok := x.(map[string]any); ok {
					list[i] = copyDict(m)
				} else {
					list[i] = x
				}
			}
			out[k] = list
		default:
			out[k] = v
		}
	}
	return out
}

// TestLoadStateDictHostile loads hundreds of corrupted state dicts into each
// scheduler: LoadStateDict must never panic, and must leave the scheduler as
// it was when it returns an error; after a load it accepts, Step may panic
// only with a *tensor.Error (OneCycleLR stepped past its end), never with a
// runtime error.
func TestLoadStateDictHostile(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, name := range slices.Sorted(maps.Keys(schedulers)) {
		if strings.HasSuffix(name, "_epochs") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			opt, s := setup(name)
			st := s.(interface {
				optim.Stateful
				LastLR() []float64
			})
			g := &golden{Metrics: make([]float64, 10)}
			for i := range 5 {
				stepRun(g, name, opt, s, i, nil)
			}
			good := st.StateDict()
			refused := 0
			for range 300 {
				sd := copyDict(good)
				what := mutate(r, sd)
				before := st.StateDict()
				var err error
				func() {
					defer func() {
						if p := recover(); p != nil {
							t.Fatalf("LoadStateDict panicked after %s: %v", what, p)
						}
					}()
					err = st.LoadStateDict(sd)
				}()
				if err != nil {
					refused++
					if after := st.StateDict(); !reflect.DeepEqual(after, before) {
						t.Fatalf("a failed LoadStateDict (%s: %v) changed the state:\n%v\n%v", what, err, after, before)
					}
					continue
				}
				func() {
					defer func() {
						if p := recover(); p != nil {
							if _, ok := p.(*tensor.Error); !ok {
								t.Fatalf("Step after loading (%s) panicked: %v", what, p)
							}
						}
					}()
					stepRun(g, name, opt, s, 0, nil)
				}()
				if err := st.LoadStateDict(good); err != nil {
					t.Fatal(err)
				}
			}
			if refused < 50 {
				t.Errorf("only %d of 300 corrupted state dicts refused", refused)
			}
		})
	}
}

// checkTorchState checks a scheduler's final StateDict against PyTorch's
// state_dict(), then loads PyTorch's into a fresh scheduler of the run, whose
// StateDict must then match it too.
func checkTorchState(t *testing.T, name string, got map[string]any, raw json.RawMessage) {
	t.Helper()
	var want map[string]any
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	checkState(t, got, want)
	_, fresh := setup(name)
	if err := fresh.(optim.Stateful).LoadStateDict(torchState(t, raw)); err != nil {
		t.Fatalf("loading PyTorch's state_dict: %v", err)
	}
	checkState(t, fresh.(optim.Stateful).StateDict(), want)
}

// torchState decodes a golden state_dict as a checkpoint reader would give it:
// ints as int, floats as float64, "inf" as an infinity, lists as []any, and
// without the entries that hold functions in PyTorch.
func torchState(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v map[string]any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	var conv func(any) any
	conv = func(x any) any {
		switch x := x.(type) {
		case json.Number:
			if strings.ContainsAny(string(x), ".eE") {
				f, _ := x.Float64()
				return f
			}
			n, _ := x.Int64()
			return int(n)
		case string:
			switch x {
			case "inf":
				return math.Inf(1)
			case "-inf":
				return math.Inf(-1)
			}
		case []any:
			for i := range x {
				x[i] = conv(x[i])
			}
		case map[string]any:
			for k, y := range x {
				if y == "<other>" {
					delete(x, k)
				} else {
					x[k] = conv(y)
				}
			}
		}
		return x
	}
	return conv(v).(map[string]any)
}

// checkState compares a scheduler's StateDict with PyTorch's state_dict() at
// the end of a run: the same keys, except those PyTorch holds a function in
// ("<other>" in the golden file), and the same values.
func checkState(t *testing.T, got, want map[string]any) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if w == "<other>" {
			if ok && g != nil {
				t.Errorf("state %q: gograd writes %v where PyTorch keeps a function", k, g)
			}
			continue
		}
		if !ok {
			t.Errorf("state: no %q (PyTorch: %v)", k, w)
			continue
		}
		if err := sameJSON(g, w); err != nil {
			t.Errorf("state %q: %v", k, err)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("state: %q, which PyTorch does not have", k)
		}
	}
}

// sameJSON compares a state dict value with one decoded from JSON: numbers
// within the golden tolerance, lists and maps element by element.
func sameJSON(got, want any) error {
	switch w := want.(type) {
	case float64:
		var g float64
		switch x := got.(type) {
		case float64:
			g = x
		case int:
			g = float64(x)
		default:
			return fmt.Errorf("got %v (%T), want %v", got, got, want)
		}
		if !closeTo([]float64{g}, []float64{w}) && !(math.IsInf(g, 0) && g == w) {
			return fmt.Errorf("got %v, want %v", g, w)
		}
	case []any:
		var gs []any
		switch x := got.(type) {
		case []float64:
			for _, v := range x {
				gs = append(gs, v)
			}
		case []int:
			for _, v := range x {
				gs = append(gs, v)
			}
		case []any:
			gs = x
		default:
			return fmt.Errorf("got %v (%T), want the list %v", got, got, want)
		}
		if len(gs) != len(w) {
			return fmt.Errorf("got %v, want %v", got, want)
		}
		for i := range w {
			if err := sameJSON(gs[i], w[i]); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("got %v (%T), want a map", got, got)
		}
		for k := range w {
			if err := sameJSON(g[k], w[k]); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
		if len(g) != len(w) {
			return fmt.Errorf("keys of %v, want those of %v", g, w)
		}
	case string:
		if g, ok := got.(float64); ok && (w == "inf" && math.IsInf(g, 1) || w == "-inf" && math.IsInf(g, -1)) {
			return nil
		}
		if got != want {
			return fmt.Errorf("got %v (%T), want %v (%T)", got, got, want, want)
		}
	default:
		if got != want {
			return fmt.Errorf("got %v (%T), want %v (%T)", got, got, want, want)
		}
	}
	return nil
}

// TestInvalidArguments checks that constructors panic with a sched
// *tensor.Error on PyTorch's invalid arguments.
func TestInvalidArguments(t *testing.T) {
	sgd := func() optim.Groups { return newSGD() }
	adagrad := optim.NewAdagrad([]*tensor.Tensor{tensor.Zeros(1).SetRequiresGrad(true)}, optim.AdagradOptions{})
	other := newSGD()
	cases := map[string]func(){
		"StepLR step size":       func() { NewStepLR(sgd(), StepLROptions{}) },
		"ConstantLR factor":      func() { NewConstantLR(sgd(), ConstantLROptions{Factor: 2}) },
		"LinearLR start":         func() { NewLinearLR(sgd(), LinearLROptions{StartFactor: 1.5}) },
		"LinearLR end":           func() { NewLinearLR(sgd(), LinearLROptions{EndFactor: -1}) },
		"CosineAnnealingLR TMax": func() { NewCosineAnnealingLR(sgd(), CosineAnnealingLROptions{}) },
		"WarmRestarts T0":        func() { NewCosineAnnealingWarmRestarts(sgd(), CosineAnnealingWarmRestartsOptions{}) },
		"WarmRestarts TMult":     func() { NewCosineAnnealingWarmRestarts(sgd(), CosineAnnealingWarmRestartsOptions{T0: 2, TMult: -1}) },
		"WarmRestarts epoch":     func() { NewCosineAnnealingWarmRestarts(sgd(), CosineAnnealingWarmRestartsOptions{T0: 2}).StepFrac(-1) },
		"CyclicLR mode":          func() { NewCyclicLR(sgd(), CyclicLROptions{BaseLR: []float64{0.1}, MaxLR: []float64{1}, Mode: "sine"}) },
		"CyclicLR groups":        func() { NewCyclicLR(sgd(), CyclicLROptions{BaseLR: []float64{0.1, 0.2, 0.3}, MaxLR: []float64{1}}) },
		"CyclicLR momentum":      func() { NewCyclicLR(adagrad, CyclicLROptions{BaseLR: []float64{0.1}, MaxLR: []float64{1}}) },
		"OneCycleLR steps":       func() { NewOneCycleLR(sgd(), OneCycleLROptions{MaxLR: []float64{1}}) },
		"OneCycleLR pct":         func() { NewOneCycleLR(sgd(), OneCycleLROptions{MaxLR: []float64{1}, TotalSteps: 5, PctStart: 2}) },
		"OneCycleLR anneal": func() {
			NewOneCycleLR(sgd(), OneCycleLROptions{MaxLR: []float64{1}, TotalSteps: 5, AnnealStrategy: "exp"})
		},
		"OneCycleLR past the end": func() {
			s := NewOneCycleLR(sgd(), OneCycleLROptions{MaxLR: []float64{1}, TotalSteps: 2})
			for range 3 {
				s.Step()
			}
		},
		"LambdaLR count":           func() { NewLambdaLR(sgd(), make([]func(int) float64, 3)) },
		"ReduceLROnPlateau factor": func() { NewReduceLROnPlateau(sgd(), ReduceLROnPlateauOptions{Factor: 1}) },
		"ReduceLROnPlateau mode":   func() { NewReduceLROnPlateau(sgd(), ReduceLROnPlateauOptions{Mode: "mean"}) },
		"ReduceLROnPlateau min_lr": func() { NewReduceLROnPlateau(sgd(), ReduceLROnPlateauOptions{MinLR: []float64{1, 2, 3}}) },
		"SequentialLR milestones": func() {
			o := sgd()
			NewSequentialLR(o, []Scheduler{NewExponentialLR(o, 0.9), NewExponentialLR(o, 0.8)}, []int{1, 2})
		},
		"SequentialLR optimizer": func() {
			NewSequentialLR(sgd(), []Scheduler{NewExponentialLR(other, 0.9), NewExponentialLR(other, 0.8)}, []int{1})
		},
		"ChainedScheduler optimizers": func() { NewChainedScheduler(NewExponentialLR(other, 0.9), NewExponentialLR(sgd(), 0.9)) },
		"ChainedScheduler empty":      func() { NewChainedScheduler() },
	}
	for name, f := range cases {
		err := tensor.Maybe(f)
		if e, ok := err.(*tensor.Error); !ok || e.Pkg != "sched" {
			t.Errorf("%s: got %v, want a sched *tensor.Error", name, err)
		}
	}
}
