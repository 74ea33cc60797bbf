package optim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// stateful optimizers as the robustness tests build them: two parameters in
// two groups (one group for LBFGS), each stepped a few times.
func steppedOptimizers(t *testing.T) map[string]stepper {
	t.Helper()
	runs, _ := loadSteps(t)
	out := map[string]stepper{}
	for _, r := range runs {
		if _, seen := out[r.Optimizer]; seen || r.DType != "float64" {
			continue
		}
		groups := decodeJSON(t, r.ParamGroups).([]any)
		ps := newParams(&r, r.Init)
		opt := mustBuild(t, r.Optimizer, groups, ps)
		for s := range 3 {
			setGrads(&r, ps, s)
			opt.Step()
		}
		out[r.Optimizer] = opt
	}
	x := tensor.Float64.Zeros(3).Copy_(tensor.New([]float64{-1.5, 0.5, -0.8})).SetRequiresGrad(true)
	l := NewLBFGS([]*tensor.Tensor{x}, LBFGSOptions{LineSearchFn: "strong_wolfe", HistorySize: 4})
	closure := func() *tensor.Tensor {
		x.SetGrad(nil)
		loss := x.RSubScalar(1).Pow(2).Sum()
		loss.Backward()
		return loss
	}
	l.Step(closure)
	out["LBFGS"] = lbfgsStepper{l, closure}
	return out
}

// lbfgsStepper gives LBFGS the Step of the other optimizers.
type lbfgsStepper struct {
	*LBFGS
	closure func() *tensor.Tensor
}

func (l lbfgsStepper) Step() { l.LBFGS.Step(l.closure) }

// copyTree returns a deep copy of a state dict value.
func copyTree(v any) any {
	switch v := v.(type) {
	case *tensor.Tensor:
		if v == nil {
			return v
		}
		return v.Detach().Clone()
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = copyTree(x)
		}
		return m
	case map[int]map[string]any:
		m := make(map[int]map[string]any, len(v))
		for k, x := range v {
			m[k] = copyTree(x).(map[string]any)
		}
		return m
	case []map[string]any:
		out := make([]map[string]any, len(v))
		for i, x := range v {
			out[i] = copyTree(x).(map[string]any)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = copyTree(x)
		}
		return out
	case []int:
		return append([]int(nil), v...)
	case []float64:
		return append([]float64(nil), v...)
	}
	return v
}

// slot is a place in a state dict tree that a mutation can change.
type slot struct {
	path string
	get  func() any
	set  func(any) // nil value with del set: delete
	del  func()
}

// slots lists every place in v.
func slots(path string, v any) []slot {
	var out []slot
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			out = append(out, slot{path + "/" + k, func() any { return v[k] }, func(y any) { v[k] = y }, func() { delete(v, k) }})
			out = append(out, slots(path+"/"+k, x)...)
		}
	case map[int]map[string]any:
		for k, x := range v {
			out = append(out, slot{fmt.Sprintf("%s/%d", path, k), func() any { return v[k] },
				func(y any) {
					if m, ok := y.(map[string]any); ok {
						v[k] = m
					} else {
						v[k+1000] = nil
					}
				}, func() { delete(v, k) }})
			out = append(out, slots(fmt.Sprintf("%s/%d", path, k), x)...)
		}
	case []map[string]any:
		for i, x := range v {
			out = append(out, slot{fmt.Sprintf("%s[%d]", path, i), func() any { return v[i] },
				func(y any) {
					if m, ok := y.(map[string]any); ok {
						v[i] = m
					}
				}, nil})
			out = append(out, slots(fmt.Sprintf("%s[%d]", path, i), x)...)
		}
	case []any:
		for i, x := range v {
			out = append(out, slot{fmt.Sprintf("%s[%d]", path, i), func() any { return v[i] }, func(y any) { v[i] = y }, nil})
			out = append(out, slots(fmt.Sprintf("%s[%d]", path, i), x)...)
		}
	case []int:
		for i := range v {
			out = append(out, slot{fmt.Sprintf("%s[%d]", path, i), func() any { return v[i] },
				func(y any) {
					if n, ok := y.(int); ok {
						v[i] = n
					}
				}, nil})
		}
	}
	return out
}

// hostile returns values to put where they do not belong.
func hostile(r *rand.Rand) any {
	vals := []any{nil, "x", -1, 0, 7, 1 << 40, -3.5, math.NaN(), math.Inf(1), true,
		[]int{0, 0}, []int{}, []float64{1}, []any{}, []any{nil, "y"}, map[string]any{},
		map[int]map[string]any{5: nil}, []map[string]any{{}},
		tensor.Zeros(7), tensor.Float64.Zeros(2, 2), tensor.Scalar(3), tensor.New([]int64{1, 2})}
	return vals[r.IntN(len(vals))]
}

// TestLoadStateDictHostile feeds every optimizer thousands of state dicts
// with one entry deleted or replaced by a value of another type or shape:
// LoadStateDict must return an error or succeed, never panic, and leave the
// optimizer unchanged when it fails; after a load it accepts, Step may panic
// only with a *tensor.Error, never with a runtime error.
func TestLoadStateDictHostile(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 10))
	for name, opt := range steppedOptimizers(t) {
		t.Run(name, func(t *testing.T) {
			good := opt.StateDict()
			failures := 0
			for range 1500 {
				sd := copyTree(good).(map[string]any)
				all := slots("", sd)
				s := all[r.IntN(len(all))]
				if s.del != nil && r.IntN(3) == 0 {
					s.del()
				} else {
					s.set(hostile(r))
				}
				before := opt.StateDict()
				var err error
				func() {
					defer func() {
						if p := recover(); p != nil {
							t.Fatalf("LoadStateDict panicked after changing %s: %v", s.path, p)
						}
					}()
					err = opt.LoadStateDict(sd)
				}()
				if err == nil {
					func() {
						defer func() {
							if p := recover(); p != nil {
								if _, ok := p.(*tensor.Error); !ok {
									t.Fatalf("Step after loading a state dict with %s changed panicked: %v", s.path, p)
								}
							}
						}()
						opt.Step()
					}()
					if lerr := opt.LoadStateDict(good); lerr != nil {
						t.Fatalf("reloading the good state dict: %v", lerr)
					}
					continue
				}
				failures++
				if diff := sameStateDictExact(opt.StateDict(), before); diff != nil {
					t.Fatalf("a failed LoadStateDict (changed %s: %v) changed the optimizer: %v", s.path, err, diff)
				}
			}
			if failures < 300 {
				t.Errorf("only %d of 1500 corrupted state dicts were refused", failures)
			}
			opt.Step() // still usable
		})
	}
}

// sameStateDictExact compares two StateDicts of one optimizer exactly.
func sameStateDictExact(got, want map[string]any) error {
	var wg []any
	for _, g := range want["param_groups"].([]map[string]any) {
		wg = append(wg, g)
	}
	w := map[string]any{"state": want["state"], "param_groups": wg}
	gs, ws := got["state"].(map[int]map[string]any), w["state"].(map[int]map[string]any)
	if len(gs) != len(ws) {
		return fmt.Errorf("%d states, want %d", len(gs), len(ws))
	}
	for id := range ws {
		if err := sameValue(gs[id], ws[id], 0, 0); err != nil {
			return err
		}
	}
	var gg []any
	for _, g := range got["param_groups"].([]map[string]any) {
		gg = append(gg, g)
	}
	return sameValue(gg, wg, 0, 0)
}

// TestLoadStateDictErrors checks the mismatches PyTorch names, and that the
// messages say what is wrong.
func TestLoadStateDictErrors(t *testing.T) {
	p := func(shape ...int) *tensor.Tensor { return tensor.Ones(shape...).SetRequiresGrad(true) }
	a, b := p(2), p(3)
	opt := NewAdam([]*tensor.Tensor{a, b}, AdamOptions{})
	a.SetGrad(tensor.Ones(2))
	b.SetGrad(tensor.Ones(3))
	opt.Step()
	sd := opt.StateDict()
	cases := []struct {
		name, want string
		opt        Stateful
	}{
		{"two groups", "parameter groups", func() Stateful {
			o := NewAdam([]*tensor.Tensor{p(2)}, AdamOptions{})
			o.AddParamGroup([]*tensor.Tensor{p(3)}, AdamOptions{})
			return o
		}()},
		{"one parameter", "parameters", NewAdam([]*tensor.Tensor{p(2)}, AdamOptions{})},
		{"shapes", "shape", NewAdam([]*tensor.Tensor{p(2), p(4)}, AdamOptions{})},
		{"another optimizer", "no", NewSGD([]*tensor.Tensor{p(2), p(3)}, SGDOptions{LR: 1})},
	}
	for _, c := range cases {
		err := c.opt.LoadStateDict(sd)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error about %q", c.name, err, c.want)
		}
	}
	// A state dict loads into an optimizer of another dtype, converted.
	c := NewAdam([]*tensor.Tensor{tensor.Float64.Ones(2).SetRequiresGrad(true), tensor.Float64.Ones(3).SetRequiresGrad(true)}, AdamOptions{})
	if err := c.LoadStateDict(sd); err != nil {
		t.Fatal(err)
	}
	if got := c.StateDict()["state"].(map[int]map[string]any)[1]["exp_avg"].(*tensor.Tensor); got.DType() != tensor.Float64 {
		t.Errorf("exp_avg loaded as %v, want the parameter's float64", got.DType())
	}
}

// TestStepAllocsAll checks that no optimizer but LBFGS (whose Step calls the
// closure) allocates in Step once its state exists.
func TestStepAllocsAll(t *testing.T) {
	for name, opt := range steppedOptimizers(t) {
		if name == "LBFGS" {
			continue
		}
		if n := testing.AllocsPerRun(10, opt.Step); n != 0 {
			t.Errorf("%s: Step allocates %v times", name, n)
		}
	}
}

// TestInvalidOptionsAll checks that each new optimizer's constructor panics
// with an optim *tensor.Error on PyTorch's invalid values, and that groups are
// checked as the constructor is.
func TestInvalidOptionsAll(t *testing.T) {
	p := func() []*tensor.Tensor { return []*tensor.Tensor{tensor.Ones(2).SetRequiresGrad(true)} }
	shared := tensor.Ones(2).SetRequiresGrad(true)
	cases := map[string]func(){
		"Adamax lr":            func() { NewAdamax(p(), AdamaxOptions{LR: -1}) },
		"Adamax beta":          func() { NewAdamax(p(), AdamaxOptions{Betas: [2]float64{0.9, 1}}) },
		"NAdam momentum_decay": func() { NewNAdam(p(), NAdamOptions{MomentumDecay: -1}) },
		"NAdam eps":            func() { NewNAdam(p(), NAdamOptions{Eps: -1}) },
		"RAdam weight_decay":   func() { NewRAdam(p(), RAdamOptions{WeightDecay: -1}) },
		"RMSprop alpha":        func() { NewRMSprop(p(), RMSpropOptions{Alpha: -0.5}) },
		"RMSprop momentum":     func() { NewRMSprop(p(), RMSpropOptions{Momentum: -0.5}) },
		"Adagrad lr_decay":     func() { NewAdagrad(p(), AdagradOptions{LRDecay: -1}) },
		"Adagrad initial":      func() { NewAdagrad(p(), AdagradOptions{InitialAccumulatorValue: -1}) },
		"Adadelta rho":         func() { NewAdadelta(p(), AdadeltaOptions{Rho: 1.5}) },
		"ASGD weight_decay":    func() { NewASGD(p(), ASGDOptions{WeightDecay: -1}) },
		"Rprop etas":           func() { NewRprop(p(), RpropOptions{Etas: [2]float64{1.5, 2}}) },
		"LBFGS line search":    func() { NewLBFGS(p(), LBFGSOptions{LineSearchFn: "backtracking"}) },
		"LBFGS history":        func() { NewLBFGS(p(), LBFGSOptions{HistorySize: -1}) },
		"group with a shared param": func() {
			NewAdam([]*tensor.Tensor{shared}, AdamOptions{}).AddParamGroup([]*tensor.Tensor{shared}, AdamOptions{})
		},
		"group with a bad option": func() { NewSGD(p(), SGDOptions{LR: 1}).AddParamGroup(p(), SGDOptions{LR: 1, Momentum: -1}) },
		"empty group":             func() { NewRprop(p(), RpropOptions{}).AddParamGroup(nil, RpropOptions{}) },
		"group out of range":      func() { NewAdam(p(), AdamOptions{}).SetLR(1, 0.1) },
		"momentum of Adagrad":     func() { NewAdagrad(p(), AdagradOptions{}).SetMomentum(0, 0.9) },
		"extra entry named lr":    func() { NewAdam(p(), AdamOptions{}).SetGroupExtra(0, "lr", 1) },
	}
	for name, f := range cases {
		err := tensor.Maybe(f)
		if e, ok := err.(*tensor.Error); !ok || e.Pkg != "optim" {
			t.Errorf("%s: got %v, want an optim *tensor.Error", name, err)
		}
	}
}

// TestASGDAveraged checks that Averaged returns the average the state dict
// holds ("ax", compared with PyTorch's in TestStepsGolden), counting
// parameters across groups.
func TestASGDAveraged(t *testing.T) {
	a, b := tensor.Ones(2).SetRequiresGrad(true), tensor.Ones(3).SetRequiresGrad(true)
	opt := NewASGD([]*tensor.Tensor{a}, ASGDOptions{T0: 1})
	opt.AddParamGroup([]*tensor.Tensor{b}, ASGDOptions{T0: 1, LR: 0.5})
	if opt.Averaged(1) != nil {
		t.Fatal("an average before the first step")
	}
	for range 4 {
		a.SetGrad(tensor.Full(0.5, 2))
		b.SetGrad(tensor.Full(-0.25, 3))
		opt.Step()
	}
	for i := range 2 {
		want := opt.StateDict()["state"].(map[int]map[string]any)[i]["ax"].(*tensor.Tensor).Values()
		got := opt.Averaged(i).Values()
		if err := closeValues(got, want, 0, 0); err != nil {
			t.Errorf("Averaged(%d): %v", i, err)
		}
	}
	if err := tensor.Maybe(func() { opt.Averaged(2) }); err == nil {
		t.Error("Averaged(2) of two parameters did not panic")
	}
}
