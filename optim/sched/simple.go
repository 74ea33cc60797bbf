package sched

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/gograd/gograd/optim"
)

// StepLROptions configures StepLR.
type StepLROptions struct {
	// StepSize is the number of epochs between decays; it is required.
	StepSize int
	// Gamma is the decay factor; 0 means the default 0.1.
	Gamma float64
}

// StepLR multiplies each group's learning rate by Gamma every StepSize epochs
// (torch.optim.lr_scheduler.StepLR): lr = base·Gamma^⌊epoch/StepSize⌋.
type StepLR struct {
	base
	stepSize int
	gamma    float64
}

// NewStepLR returns a StepLR for opt and takes its first step. It panics if
// StepSize is not positive.
func NewStepLR(opt optim.Groups, o StepLROptions, opts ...Option) *StepLR {
	if o.StepSize <= 0 {
		fail("NewStepLR", "StepSize must be positive, got %d", o.StepSize)
	}
	s := &StepLR{stepSize: o.StepSize, gamma: or(o.Gamma, 0.1)}
	s.init(s, opt, settingsOf("NewStepLR", opts))
	return s
}

func (s *StepLR) lr() []float64 {
	if s.lastEpoch == 0 || s.lastEpoch%s.stepSize != 0 {
		return currentLRs(s.opt)
	}
	return s.scaled(func(lr float64) float64 { return lr * s.gamma })
}

func (s *StepLR) closedForm() ([]float64, bool) {
	return s.fromBase(func(b float64) float64 { return b * pow(s.gamma, floorDiv(s.lastEpoch, s.stepSize)) }), true
}

func (s *StepLR) validate() error { return positive("step_size", s.stepSize) }

// positive returns an error unless v > 0.
func positive(name string, v int) error {
	if v <= 0 {
		return fmt.Errorf("%s is %d, not positive", name, v)
	}
	return nil
}

func (s *StepLR) fields() []field {
	return []field{{"step_size", &s.stepSize}, {"gamma", &s.gamma}}
}

// MultiStepLROptions configures MultiStepLR.
type MultiStepLROptions struct {
	// Milestones are the epochs at which the rate decays; an epoch listed
	// twice decays twice (PyTorch counts them).
	Milestones []int
	// Gamma is the decay factor; 0 means the default 0.1.
	Gamma float64
}

// MultiStepLR multiplies each group's learning rate by Gamma at each milestone
// (torch.optim.lr_scheduler.MultiStepLR). Its state dict keeps "milestones"
// as a sorted list, with repeats, rather than PyTorch's Counter.
type MultiStepLR struct {
	base
	milestones []int
	gamma      float64
}

// NewMultiStepLR returns a MultiStepLR for opt and takes its first step.
func NewMultiStepLR(opt optim.Groups, o MultiStepLROptions, opts ...Option) *MultiStepLR {
	m := slices.Clone(o.Milestones)
	sort.Ints(m)
	s := &MultiStepLR{milestones: m, gamma: or(o.Gamma, 0.1)}
	s.init(s, opt, settingsOf("NewMultiStepLR", opts))
	return s
}

func (s *MultiStepLR) lr() []float64 {
	n := 0
	for _, m := range s.milestones {
		if m == s.lastEpoch {
			n++
		}
	}
	if n == 0 {
		return currentLRs(s.opt)
	}
	return s.scaled(func(lr float64) float64 { return lr * pow(s.gamma, n) })
}

func (s *MultiStepLR) closedForm() ([]float64, bool) {
	n := sort.Search(len(s.milestones), func(i int) bool { return s.milestones[i] > s.lastEpoch }) // bisect_right
	return s.fromBase(func(b float64) float64 { return b * pow(s.gamma, n) }), true
}

func (s *MultiStepLR) validate() error {
	if !sort.IntsAreSorted(s.milestones) {
		return fmt.Errorf("milestones %v are not sorted", s.milestones)
	}
	return nil
}

func (s *MultiStepLR) fields() []field {
	return []field{{"milestones", &s.milestones}, {"gamma", &s.gamma}}
}

// ExponentialLR multiplies each group's learning rate by Gamma every epoch
// (torch.optim.lr_scheduler.ExponentialLR): lr = base·Gamma^epoch.
type ExponentialLR struct {
	base
	gamma float64
}

// NewExponentialLR returns an ExponentialLR for opt with decay factor gamma
// and takes its first step.
func NewExponentialLR(opt optim.Groups, gamma float64, opts ...Option) *ExponentialLR {
	s := &ExponentialLR{gamma: gamma}
	s.init(s, opt, settingsOf("NewExponentialLR", opts))
	return s
}

func (s *ExponentialLR) lr() []float64 {
	if s.lastEpoch == 0 {
		return currentLRs(s.opt)
	}
	return s.scaled(func(lr float64) float64 { return lr * s.gamma })
}

func (s *ExponentialLR) closedForm() ([]float64, bool) {
	return s.fromBase(func(b float64) float64 { return b * pow(s.gamma, s.lastEpoch) }), true
}

func (s *ExponentialLR) fields() []field { return []field{{"gamma", &s.gamma}} }

// ConstantLROptions configures ConstantLR.
type ConstantLROptions struct {
	// Factor multiplies the rate until TotalIters; 0 means the default 1/3.
	Factor float64
	// TotalIters is the number of epochs at the reduced rate; 0 means the
	// default 5.
	TotalIters int
}

// ConstantLR multiplies each group's learning rate by Factor for the first
// TotalIters epochs (torch.optim.lr_scheduler.ConstantLR).
type ConstantLR struct {
	base
	factor     float64
	totalIters int
}

// NewConstantLR returns a ConstantLR for opt and takes its first step. It
// panics if Factor is outside [0, 1].
func NewConstantLR(opt optim.Groups, o ConstantLROptions, opts ...Option) *ConstantLR {
	f := or(o.Factor, 1.0/3)
	if f > 1 || f < 0 {
		fail("NewConstantLR", "Constant multiplicative factor expected to be between 0 and 1.")
	}
	s := &ConstantLR{factor: f, totalIters: orInt(o.TotalIters, 5)}
	s.init(s, opt, settingsOf("NewConstantLR", opts))
	return s
}

func (s *ConstantLR) lr() []float64 {
	switch {
	case s.lastEpoch == 0:
		return s.scaled(func(lr float64) float64 { return lr * s.factor })
	case s.lastEpoch != s.totalIters:
		return currentLRs(s.opt)
	}
	return s.scaled(func(lr float64) float64 { return lr * (1.0 / s.factor) })
}

func (s *ConstantLR) closedForm() ([]float64, bool) {
	done := 0.0
	if s.lastEpoch >= s.totalIters {
		done = 1
	}
	return s.fromBase(func(b float64) float64 { return b * (s.factor + done*(1-s.factor)) }), true
}

func (s *ConstantLR) fields() []field {
	return []field{{"factor", &s.factor}, {"total_iters", &s.totalIters}}
}

// LinearLROptions configures LinearLR. Zero fields take PyTorch's defaults,
// so a factor of exactly 0 cannot be given: use 1e-300.
type LinearLROptions struct {
	// StartFactor multiplies the rate at epoch 0; 0 means the default 1/3.
	StartFactor float64
	// EndFactor multiplies it from TotalIters on; 0 means the default 1.
	EndFactor float64
	// TotalIters is the number of epochs of the ramp; 0 means the default 5.
	TotalIters int
}

// LinearLR ramps each group's learning rate linearly from StartFactor·base to
// EndFactor·base over TotalIters epochs (torch.optim.lr_scheduler.LinearLR).
type LinearLR struct {
	base
	start, end float64
	totalIters int
}

// NewLinearLR returns a LinearLR for opt and takes its first step. It panics
// if a factor is outside [0, 1].
func NewLinearLR(opt optim.Groups, o LinearLROptions, opts ...Option) *LinearLR {
	s := &LinearLR{start: or(o.StartFactor, 1.0/3), end: or(o.EndFactor, 1), totalIters: orInt(o.TotalIters, 5)}
	if s.start > 1 || s.start < 0 {
		fail("NewLinearLR", "Starting multiplicative factor expected to be between 0 and 1.")
	}
	if s.end > 1 || s.end < 0 {
		fail("NewLinearLR", "Ending multiplicative factor expected to be between 0 and 1.")
	}
	s.init(s, opt, settingsOf("NewLinearLR", opts))
	return s
}

func (s *LinearLR) lr() []float64 {
	switch {
	case s.lastEpoch == 0:
		return s.scaled(func(lr float64) float64 { return lr * s.start })
	case s.lastEpoch > s.totalIters:
		return currentLRs(s.opt)
	}
	d := s.end - s.start
	f := 1. + d/(float64(s.totalIters)*s.start+float64(s.lastEpoch-1)*d)
	return s.scaled(func(lr float64) float64 { return lr * f })
}

func (s *LinearLR) closedForm() ([]float64, bool) {
	t := float64(min(s.totalIters, s.lastEpoch))
	return s.fromBase(func(b float64) float64 {
		return b * (s.start + (s.end-s.start)*t/float64(s.totalIters))
	}), true
}

func (s *LinearLR) fields() []field {
	return []field{{"start_factor", &s.start}, {"end_factor", &s.end}, {"total_iters", &s.totalIters}}
}

// PolynomialLROptions configures PolynomialLR.
type PolynomialLROptions struct {
	// TotalIters is the number of epochs of the decay; 0 means the default 5.
	TotalIters int
	// Power is the polynomial's power; 0 means the default 1.
	Power float64
}

// PolynomialLR decays each group's learning rate to 0 over TotalIters epochs:
// lr = base·(1 - epoch/TotalIters)^Power (torch.optim.lr_scheduler.PolynomialLR).
type PolynomialLR struct {
	base
	totalIters int
	power      float64
}

// NewPolynomialLR returns a PolynomialLR for opt and takes its first step.
func NewPolynomialLR(opt optim.Groups, o PolynomialLROptions, opts ...Option) *PolynomialLR {
	s := &PolynomialLR{totalIters: orInt(o.TotalIters, 5), power: or(o.Power, 1)}
	s.init(s, opt, settingsOf("NewPolynomialLR", opts))
	return s
}

func (s *PolynomialLR) lr() []float64 {
	if s.lastEpoch == 0 || s.lastEpoch > s.totalIters {
		return currentLRs(s.opt)
	}
	n, e := float64(s.totalIters), float64(s.lastEpoch)
	f := math.Pow((1.0-e/n)/(1.0-(e-1)/n), s.power)
	return s.scaled(func(lr float64) float64 { return lr * f })
}

func (s *PolynomialLR) closedForm() ([]float64, bool) {
	t := float64(min(s.totalIters, s.lastEpoch))
	return s.fromBase(func(b float64) float64 {
		return b * math.Pow(1.0-t/float64(s.totalIters), s.power)
	}), true
}

func (s *PolynomialLR) fields() []field {
	return []field{{"total_iters", &s.totalIters}, {"power", &s.power}}
}

// LambdaLR sets each group's learning rate to its base rate times a function
// of the epoch (torch.optim.lr_scheduler.LambdaLR). The functions are not part
// of its state dict ("lr_lambdas" holds one nil per group, as PyTorch writes
// for plain functions).
type LambdaLR struct{ lambdaBase }

// lambdaBase is what LambdaLR and MultiplicativeLR share: one function of the
// epoch per group, which is not part of the state dict.
type lambdaBase struct {
	base
	fns []func(epoch int) float64
}

func (s *lambdaBase) validate() error {
	if len(s.baseLRs) != len(s.fns) {
		return fmt.Errorf("%d base_lrs for %d functions", len(s.baseLRs), len(s.fns))
	}
	return nil
}

func (s *lambdaBase) fields() []field {
	return []field{{"lr_lambdas", constant{make([]any, len(s.fns))}}}
}

// NewLambdaLR returns a LambdaLR for opt with one function for every group or
// one per group (PyTorch's lr_lambda, a function or a list), and takes its
// first step. It panics if the number of functions is neither.
func NewLambdaLR(opt optim.Groups, fns []func(epoch int) float64, opts ...Option) *LambdaLR {
	s := &LambdaLR{lambdaBase{fns: lambdas("NewLambdaLR", opt, fns)}}
	s.init(s, opt, settingsOf("NewLambdaLR", opts))
	return s
}

func lambdas(op string, opt optim.Groups, fns []func(int) float64) []func(int) float64 {
	n := opt.NumParamGroups()
	switch len(fns) {
	case n:
		return slices.Clone(fns)
	case 1:
		out := make([]func(int) float64, n)
		for i := range out {
			out[i] = fns[0]
		}
		return out
	}
	fail(op, "Expected %d lr_lambdas, but got %d", n, len(fns))
	return nil
}

func (s *LambdaLR) lr() []float64 {
	lrs := make([]float64, len(s.baseLRs))
	for i, b := range s.baseLRs {
		lrs[i] = b * s.fns[i](s.lastEpoch)
	}
	return lrs
}

// MultiplicativeLR multiplies each group's learning rate by a function of the
// epoch at every epoch after the first (torch.optim.lr_scheduler.MultiplicativeLR).
type MultiplicativeLR struct{ lambdaBase }

// NewMultiplicativeLR returns a MultiplicativeLR for opt with one function
// for every group or one per group (PyTorch's lr_lambda, a function or a
// list), and takes its first step. It panics if the number of functions is
// neither.
func NewMultiplicativeLR(opt optim.Groups, fns []func(epoch int) float64, opts ...Option) *MultiplicativeLR {
	s := &MultiplicativeLR{lambdaBase{fns: lambdas("NewMultiplicativeLR", opt, fns)}}
	s.init(s, opt, settingsOf("NewMultiplicativeLR", opts))
	return s
}

func (s *MultiplicativeLR) lr() []float64 {
	lrs := currentLRs(s.opt)
	if s.lastEpoch > 0 {
		for i := range lrs {
			lrs[i] *= s.fns[i](s.lastEpoch)
		}
	}
	return lrs
}

// or returns v, or def when v is zero.
func or(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// orInt returns v, or def when v is zero.
func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// pow returns x^n as Python's float ** int does (C pow).
func pow(x float64, n int) float64 { return math.Pow(x, float64(n)) }

// floorDiv returns ⌊a/b⌋ for b > 0, as Python's // does.
func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
