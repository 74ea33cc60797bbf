package sched

import (
	"fmt"
	"math"

	"github.com/gograd/gograd/optim"
)

// CyclicLROptions configures CyclicLR. BaseLR and MaxLR hold one value for
// every group or one per group.
type CyclicLROptions struct {
	// BaseLR is the lower bound of the cycle; required.
	BaseLR []float64
	// MaxLR is the upper bound of the cycle; required.
	MaxLR []float64
	// StepSizeUp is the number of steps of the rising half; 0 means the
	// default 2000.
	StepSizeUp int
	// StepSizeDown is the number of steps of the falling half; 0 means
	// StepSizeUp.
	StepSizeDown int
	// Mode is "triangular" (the default, for ""), "triangular2" (the
	// amplitude halves every cycle) or "exp_range" (it is scaled by
	// Gamma^step). ScaleFn replaces it.
	Mode string
	// Gamma is exp_range's factor; 0 means the default 1.
	Gamma float64
	// ScaleFn, if set, scales the amplitude: ScaleFn(cycle) or, with
	// ScaleMode "iterations", ScaleFn(step).
	ScaleFn func(x float64) float64
	// ScaleMode is "cycle" (the default) or "iterations"; used with ScaleFn.
	ScaleMode string
	// NoCycleMomentum turns off cycling the momentum inversely to the rate
	// (PyTorch's cycle_momentum=False).
	NoCycleMomentum bool
	// BaseMomentum and MaxMomentum bound the momentum's cycle; nil means the
	// defaults 0.8 and 0.9.
	BaseMomentum, MaxMomentum []float64
}

// CyclicLR cycles each group's learning rate between BaseLR and MaxLR, and
// the momentum inversely between MaxMomentum and BaseMomentum
// (torch.optim.lr_scheduler.CyclicLR; step it after every batch). The
// optimizer must have a momentum to cycle it (optim.MomentumGroups); for the
// Adam family that is β1, which PyTorch 1.13 refuses and later versions
// accept.
type CyclicLR struct {
	base
	maxLRs                     []float64
	totalSize, stepRatio       float64
	mode, scaleMode            string
	gamma                      float64
	scaleFn                    func(float64) float64
	cycleMomentum              bool
	mom                        optim.MomentumGroups
	baseMomentums, maxMomentum []float64
}

// NewCyclicLR returns a CyclicLR for opt, sets each group's rate to BaseLR
// (and momentum to BaseMomentum) and takes its first step. It panics if a
// list has the wrong length, Mode is unknown, or momentum is cycled on an
// optimizer without one.
func NewCyclicLR(opt optim.Groups, o CyclicLROptions, opts ...Option) *CyclicLR {
	const op = "NewCyclicLR"
	st := settingsOf(op, opts)
	baseLRs := perGroup(op, "base_lr", opt, o.BaseLR)
	if st.fresh() {
		for i, lr := range baseLRs {
			opt.SetLR(i, lr)
		}
	}
	s := &CyclicLR{maxLRs: perGroup(op, "max_lr", opt, o.MaxLR), gamma: or(o.Gamma, 1)}
	up := float64(orInt(o.StepSizeUp, 2000))
	down := up
	if o.StepSizeDown != 0 {
		down = float64(o.StepSizeDown)
	}
	s.totalSize = up + down
	s.stepRatio = up / s.totalSize
	s.mode = o.Mode
	if s.mode == "" {
		s.mode = "triangular"
	}
	s.scaleFn, s.scaleMode = o.ScaleFn, o.ScaleMode
	if s.scaleFn == nil {
		switch s.mode {
		case "triangular", "triangular2":
			s.scaleMode = "cycle"
		case "exp_range":
			s.scaleMode = "iterations"
		default:
			fail(op, "mode is invalid and scale_fn is None")
		}
	} else if s.scaleMode == "" {
		s.scaleMode = "cycle"
	}
	s.cycleMomentum = !o.NoCycleMomentum
	if s.cycleMomentum {
		mom := momentumOf(op, opt)
		s.mom = mom
		baseM := perGroup(op, "base_momentum", opt, orList(o.BaseMomentum, 0.8))
		for i, m := range baseM {
			if st.fresh() {
				mom.SetMomentum(i, m)
			}
			baseM[i], _ = mom.Momentum(i) // PyTorch's base_momentums are the groups' momenta
		}
		s.baseMomentums = baseM
		s.maxMomentum = perGroup(op, "max_momentum", opt, orList(o.MaxMomentum, 0.9))
	}
	s.init(s, opt, st)
	s.baseLRs = baseLRs
	return s
}

// requireExtras panics unless group i of opt holds each key, as PyTorch's
// OneCycleLR fails (with a KeyError) when it resumes without them.
func requireExtras(op string, opt optim.Groups, i int, keys ...string) {
	for _, k := range keys {
		if _, ok := opt.GroupExtra(i, k); !ok {
			fail(op, "param %q is not specified in param_groups[%d] when resuming an optimizer", k, i)
		}
	}
}

// momentumOf returns opt's momentum, panicking if it has none.
func momentumOf(op string, opt optim.Groups) optim.MomentumGroups {
	mom, ok := opt.(optim.MomentumGroups)
	if ok {
		_, ok = mom.Momentum(0)
	}
	if !ok {
		fail(op, "optimizer must support momentum with `cycle_momentum` option enabled")
	}
	return mom
}

// orList returns vs, or {def} when vs is empty.
func orList(vs []float64, def float64) []float64 {
	if len(vs) == 0 {
		return []float64{def}
	}
	return vs
}

func (s *CyclicLR) scale(x float64) float64 {
	switch {
	case s.scaleFn != nil:
		return s.scaleFn(x)
	case s.mode == "triangular2":
		return 1 / math.Pow(2., x-1)
	case s.mode == "exp_range":
		return math.Pow(s.gamma, x)
	}
	return 1.
}

func (s *CyclicLR) lr() []float64 {
	e := float64(s.lastEpoch)
	cycle := math.Floor(1 + e/s.totalSize)
	x := 1. + e/s.totalSize - cycle
	var f float64
	if x <= s.stepRatio {
		f = x / s.stepRatio
	} else {
		f = (x - 1) / (s.stepRatio - 1)
	}
	at := cycle
	if s.scaleMode != "cycle" {
		at = e
	}
	lrs := make([]float64, len(s.baseLRs))
	for i, b := range s.baseLRs {
		lrs[i] = b + (s.maxLRs[i]-b)*f*s.scale(at)
	}
	if s.cycleMomentum {
		for i, b := range s.baseMomentums {
			s.mom.SetMomentum(i, s.maxMomentum[i]-(s.maxMomentum[i]-b)*f*s.scale(at))
		}
	}
	return lrs
}

func (s *CyclicLR) validate() error {
	n := len(s.baseLRs)
	if len(s.maxLRs) != n || s.cycleMomentum && (s.mom == nil || len(s.baseMomentums) != n || len(s.maxMomentum) != n) {
		return fmt.Errorf("max_lrs, base_momentums or max_momentums do not fit %d groups, or cycle_momentum is set for an optimizer without momentum", n)
	}
	switch s.mode {
	case "triangular", "triangular2", "exp_range":
	default:
		if s.scaleFn == nil {
			return fmt.Errorf("mode %q is invalid and there is no ScaleFn", s.mode)
		}
	}
	return nil
}

// fields lists CyclicLR's entries; "_scale_fn_ref" and "_scale_fn_custom",
// which hold functions in PyTorch, are written as nil.
func (s *CyclicLR) fields() []field {
	fs := []field{{"max_lrs", &s.maxLRs}, {"total_size", &s.totalSize}, {"step_ratio", &s.stepRatio},
		{"mode", &s.mode}, {"gamma", &s.gamma}, {"scale_mode", &s.scaleMode},
		{"cycle_momentum", &s.cycleMomentum}, {"_scale_fn_ref", constant{nil}}, {"_scale_fn_custom", constant{nil}}}
	if s.cycleMomentum {
		fs = append(fs, field{"base_momentums", &s.baseMomentums}, field{"max_momentums", &s.maxMomentum})
	}
	return fs
}

// OneCycleLROptions configures OneCycleLR.
type OneCycleLROptions struct {
	// MaxLR is the peak rate: one value for every group or one per group.
	MaxLR []float64
	// TotalSteps is the length of the cycle; if 0, Epochs·StepsPerEpoch.
	TotalSteps, Epochs, StepsPerEpoch int
	// PctStart is the fraction of the cycle spent rising; 0 means the default
	// 0.3.
	PctStart float64
	// AnnealStrategy is "cos" (the default, for "") or "linear".
	AnnealStrategy string
	// NoCycleMomentum turns off cycling the momentum (PyTorch's
	// cycle_momentum=False).
	NoCycleMomentum bool
	// BaseMomentum and MaxMomentum bound the momentum; nil means the defaults
	// 0.85 and 0.95.
	BaseMomentum, MaxMomentum []float64
	// DivFactor sets the initial rate MaxLR/DivFactor; 0 means the default 25.
	DivFactor float64
	// FinalDivFactor sets the final rate initial/FinalDivFactor; 0 means the
	// default 1e4.
	FinalDivFactor float64
	// ThreePhase uses a third phase that anneals to the final rate after a
	// symmetric rise and fall.
	ThreePhase bool
}

// OneCycleLR is the 1cycle policy (torch.optim.lr_scheduler.OneCycleLR; step
// it after every batch): the rate rises from MaxLR/DivFactor to MaxLR and
// anneals to a much lower one, while the momentum (β1 for the Adam family)
// moves the other way. It stores "initial_lr", "max_lr", "min_lr" and, when
// cycling momentum, "max_momentum" and "base_momentum" in the optimizer's
// groups, as PyTorch does.
type OneCycleLR struct {
	base
	totalSteps    int
	phases        []phase
	linear        bool
	cycleMomentum bool
	mom           optim.MomentumGroups
}

// phase is one of OneCycleLR's phases: where it ends and the group entries
// its rate and momentum go between.
type phase struct {
	end                  float64
	startLR, endLR       string
	startMomentum, endMo string
}

// NewOneCycleLR returns a OneCycleLR for opt and takes its first step. It
// panics if neither TotalSteps nor Epochs and StepsPerEpoch are positive,
// PctStart is outside [0, 1], AnnealStrategy is unknown, a list has the wrong
// length, or momentum is cycled on an optimizer without one.
func NewOneCycleLR(opt optim.Groups, o OneCycleLROptions, opts ...Option) *OneCycleLR {
	const op = "NewOneCycleLR"
	s := &OneCycleLR{totalSteps: o.TotalSteps}
	if s.totalSteps == 0 {
		if o.Epochs <= 0 || o.StepsPerEpoch <= 0 {
			fail(op, "You must define either total_steps OR (epochs AND steps_per_epoch)")
		}
		s.totalSteps = o.Epochs * o.StepsPerEpoch
	} else if s.totalSteps < 0 {
		fail(op, "Expected positive integer total_steps, but got %d", s.totalSteps)
	}
	pct := or(o.PctStart, 0.3)
	if pct < 0 || pct > 1 {
		fail(op, "Expected float between 0 and 1 pct_start, but got %v", pct)
	}
	n := float64(s.totalSteps)
	if o.ThreePhase {
		s.phases = []phase{
			{pct*n - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
			{2*pct*n - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"},
			{n - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"},
		}
	} else {
		s.phases = []phase{
			{pct*n - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
			{n - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"},
		}
	}
	switch o.AnnealStrategy {
	case "", "cos":
	case "linear":
		s.linear = true
	default:
		fail(op, "anneal_strategy must by one of 'cos' or 'linear', instead got %s", o.AnnealStrategy)
	}
	st := settingsOf(op, opts)
	maxLRs := perGroup(op, "max_lr", opt, o.MaxLR)
	div, finalDiv := or(o.DivFactor, 25), or(o.FinalDivFactor, 1e4)
	for i, m := range maxLRs {
		if !st.fresh() {
			requireExtras(op, opt, i, "initial_lr", "max_lr", "min_lr")
			continue
		}
		initial := m / div
		opt.SetGroupExtra(i, "initial_lr", initial)
		opt.SetGroupExtra(i, "max_lr", m)
		opt.SetGroupExtra(i, "min_lr", initial/finalDiv)
	}
	s.cycleMomentum = !o.NoCycleMomentum
	if s.cycleMomentum {
		mom := momentumOf(op, opt)
		s.mom = mom
		maxM := perGroup(op, "max_momentum", opt, orList(o.MaxMomentum, 0.95))
		baseM := perGroup(op, "base_momentum", opt, orList(o.BaseMomentum, 0.85))
		for i := range maxM {
			if !st.fresh() {
				requireExtras(op, opt, i, "max_momentum", "base_momentum")
				continue
			}
			mom.SetMomentum(i, maxM[i])
			opt.SetGroupExtra(i, "max_momentum", maxM[i])
			opt.SetGroupExtra(i, "base_momentum", baseM[i])
		}
	}
	s.init(s, opt, st)
	return s
}

func (s *OneCycleLR) anneal(start, end, pct float64) float64 {
	if s.linear {
		return (end-start)*pct + start
	}
	return end + (start-end)/2.0*(math.Cos(math.Pi*pct)+1)
}

// extra returns the group entry key of group i.
func (s *OneCycleLR) extra(i int, key string) float64 {
	v, _ := s.opt.GroupExtra(i, key)
	return v
}

// lr panics once stepped past TotalSteps, as PyTorch raises then.
func (s *OneCycleLR) lr() []float64 {
	step := float64(s.lastEpoch)
	if s.lastEpoch > s.totalSteps {
		fail("OneCycleLR.Step", "Tried to step %d times. The specified number of total steps is %d", s.lastEpoch+1, s.totalSteps)
	}
	lrs := make([]float64, s.opt.NumParamGroups())
	for i := range lrs {
		start := 0.0
		for k, ph := range s.phases {
			if step <= ph.end || k == len(s.phases)-1 {
				pct := (step - start) / (ph.end - start)
				lrs[i] = s.anneal(s.extra(i, ph.startLR), s.extra(i, ph.endLR), pct)
				if s.cycleMomentum {
					s.mom.SetMomentum(i, s.anneal(s.extra(i, ph.startMomentum), s.extra(i, ph.endMo), pct))
				}
				break
			}
			start = ph.end
		}
	}
	return lrs
}

func (s *OneCycleLR) validate() error {
	if s.cycleMomentum && s.mom == nil {
		return fmt.Errorf("cycle_momentum is set for an optimizer without momentum")
	}
	return positive("total_steps", s.totalSteps)
}

// fields lists OneCycleLR's entries; "anneal_func", a function in PyTorch,
// is left out: the annealing strategy stays the one the scheduler was made
// with, as LambdaLR's functions do.
func (s *OneCycleLR) fields() []field {
	fs := []field{{"total_steps", &s.totalSteps}, {"cycle_momentum", &s.cycleMomentum},
		{"_schedule_phases", (*phases)(&s.phases)}}
	if s.cycleMomentum {
		fs = append(fs, field{"use_beta1", constant{s.mom.HasBetas()}})
	}
	return fs
}

// phases is the field of OneCycleLR's phases, written as PyTorch's list of
// dicts.
type phases []phase

func (ps *phases) dict() any {
	out := make([]any, len(*ps))
	for i, p := range *ps {
		out[i] = map[string]any{"end_step": p.end, "start_lr": p.startLR, "end_lr": p.endLR,
			"start_momentum": p.startMomentum, "end_momentum": p.endMo}
	}
	return out
}

func (ps *phases) load(v any) error {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return fmt.Errorf("a %T, not a list of phases", v)
	}
	out := make([]phase, len(list))
	for i, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			return fmt.Errorf("phase %d is a %T", i, x)
		}
		fs := []field{{"end_step", &out[i].end}, {"start_lr", &out[i].startLR}, {"end_lr", &out[i].endLR},
			{"start_momentum", &out[i].startMomentum}, {"end_momentum", &out[i].endMo}}
		if err := setFields(m, fs, 0); err != nil {
			return fmt.Errorf("phase %d: %w", i, err)
		}
		for _, key := range []string{out[i].startLR, out[i].endLR, out[i].startMomentum, out[i].endMo} {
			switch key {
			case "initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum":
			default:
				return fmt.Errorf("phase %d names %q", i, key)
			}
		}
	}
	*ps = out
	return nil
}
