// Package sched holds gograd's learning-rate schedulers, the counterpart of
// torch.optim.lr_scheduler (the Go package name has no underscore): StepLR,
// MultiStepLR, ExponentialLR, CosineAnnealingLR, CosineAnnealingWarmRestarts,
// CyclicLR, OneCycleLR, LinearLR, ConstantLR, PolynomialLR, LambdaLR,
// MultiplicativeLR, SequentialLR, ChainedScheduler and ReduceLROnPlateau.
//
// # Overview
//
// A scheduler changes the learning rate of every parameter group of an
// optimizer (any optim.Groups; every optimizer in package optim is one). It
// is made after the optimizer and stepped once per epoch (or per batch, for
// CyclicLR and OneCycleLR), after the optimizer's Step:
//
//	opt := optim.NewSGD(model.Parameters(), optim.SGDOptions{LR: 0.1, Momentum: 0.9})
//	s := sched.NewStepLR(opt, sched.StepLROptions{StepSize: 30, Gamma: 0.1})
//	for epoch := range 100 {
//		train(opt)
//		s.Step()
//	}
//
// # Matching PyTorch
//
// Each scheduler computes PyTorch 1.13's learning rates in the same order of
// float64 operations: Step uses PyTorch's chainable form (the new rate from
// the group's current one, so schedulers compose and a rate changed by hand
// carries on), StepTo(epoch) the closed form where PyTorch has one (what
// PyTorch's deprecated step(epoch) does). Like PyTorch, a scheduler stores
// "initial_lr" (and OneCycleLR its other bounds) in the optimizer's groups,
// where the optimizer's state dict carries them.
//
// # Resuming and verbose output
//
// Every constructor takes, after its own options, any of LastEpoch(k) and
// Verbose(w): PyTorch's last_epoch and verbose arguments. With LastEpoch the
// schedule continues from epoch k (the first step makes it k+1), from the
// base rates in the groups' "initial_lr" entries, which must be there (load
// the optimizer's state dict first); Verbose writes PyTorch's "Adjusting
// learning rate of group ..." line for every group at every step to w.
//
// # Panics
//
// Invalid arguments (a factor out of range, a list with the wrong number of
// groups) panic in the constructor with a *tensor.Error whose Pkg is "sched",
// with PyTorch's message where it has one. LoadStateDict returns an error.
package sched

import (
	"fmt"
	"io"
	"slices"

	"github.com/gograd/gograd/optim"
	"github.com/gograd/gograd/tensor"
)

// Scheduler is a learning-rate scheduler stepped without arguments (all but
// ReduceLROnPlateau).
type Scheduler interface {
	// Step advances the schedule by one epoch and sets the groups' rates.
	Step()
	// LastLR returns the learning rates the last step set, one per group
	// (PyTorch's get_last_lr()).
	LastLR() []float64
	optim.Stateful
}

func fail(op, format string, args ...any) {
	panic(tensor.Errorf("sched", op, format, args...))
}

// scheduler is what the shared code needs of each scheduler.
type scheduler interface {
	attached
	core() *base
	// lr returns the rates of epoch core().lastEpoch, chainable form
	// (PyTorch's get_lr).
	lr() []float64
	// closedForm returns them in closed form, if the scheduler has one.
	closedForm() ([]float64, bool)
	// step is PyTorch's step(epoch), with a nil epoch for step().
	step(epoch *int)
	// fields lists the scheduler's own entries of its state dict.
	fields() []field
}

// Option is a setting every scheduler's constructor takes after its own
// options: LastEpoch or Verbose.
type Option func(*settings)

// settings are the options' values.
type settings struct {
	op        string // the constructor, for messages
	lastEpoch int
	verbose   io.Writer
	resumed   bool // LastEpoch was given
}

// LastEpoch makes a scheduler continue a schedule from epoch k, k ≥ -1
// (PyTorch's last_epoch argument; -1, the default, starts it). Unless k is
// -1, every group of the optimizer must hold "initial_lr" (and OneCycleLR's
// other entries), as a loaded optimizer state dict does, or the constructor
// panics with PyTorch's message; the first step is then epoch k+1, computed
// from the groups' current rates in the chainable form.
func LastEpoch(k int) Option {
	return func(s *settings) { s.lastEpoch, s.resumed = k, true }
}

// Verbose makes a scheduler write, at every step, PyTorch's line for each
// group's new rate to w ("Adjusting learning rate of group 0 to
// 1.0000e-01.", or "Epoch 00005: adjusting ..." from StepTo; PyTorch's
// verbose=True prints them). A nil w writes nothing.
func Verbose(w io.Writer) Option {
	return func(s *settings) { s.verbose = w }
}

// settingsOf applies opts to the defaults; it panics if the epoch is below -1.
func settingsOf(op string, opts []Option) settings {
	s := settings{op: op, lastEpoch: -1}
	for _, o := range opts {
		o(&s)
	}
	if s.lastEpoch < -1 {
		fail(op, "last_epoch must be -1 or more, got %d", s.lastEpoch)
	}
	return s
}

// fresh reports whether the schedule starts from its beginning.
func (s settings) fresh() bool { return s.lastEpoch == -1 }

// base holds what PyTorch's _LRScheduler holds.
type base struct {
	self      scheduler
	opt       optim.Groups
	baseLRs   []float64
	lastEpoch int
	stepCount int
	lastLR    []float64
	verbose   io.Writer
}

// init attaches the scheduler to opt as PyTorch's _LRScheduler.__init__
// does: for last_epoch -1 each group's "initial_lr" is set to its rate
// unless a scheduler set it before, otherwise it must be there; it becomes
// the base rate, and the first step runs.
func (b *base) init(self scheduler, opt optim.Groups, st settings) {
	b.self, b.opt, b.verbose = self, opt, st.verbose
	n := opt.NumParamGroups()
	b.baseLRs = make([]float64, n)
	for i := range n {
		v, ok := opt.GroupExtra(i, "initial_lr")
		if !ok && !st.fresh() {
			fail(st.op, "param 'initial_lr' is not specified in param_groups[%d] when resuming an optimizer", i)
		}
		if !ok {
			v = opt.LR(i)
			opt.SetGroupExtra(i, "initial_lr", v)
		}
		b.baseLRs[i] = v
	}
	b.lastEpoch = st.lastEpoch
	initialStep(self)
}

// initialStep is PyTorch's _initial_step.
func initialStep(s scheduler) {
	s.core().stepCount = 0
	s.step(nil)
}

func (b *base) core() *base { return b }

// closedForm reports that the scheduler has no closed form.
func (b *base) closedForm() ([]float64, bool) { return nil, false }

// fields lists no entries of the scheduler's own.
func (b *base) fields() []field { return nil }

// Step advances the schedule by one epoch and sets each group's learning
// rate (PyTorch's step()).
func (b *base) Step() { b.self.step(nil) }

// StepTo sets the epoch to epoch and each group's learning rate to the
// schedule's value there, in closed form where PyTorch has one (PyTorch's
// deprecated step(epoch)).
func (b *base) StepTo(epoch int) { b.self.step(&epoch) }

// LastLR returns the learning rates the last step set, one per group.
func (b *base) LastLR() []float64 { return slices.Clone(b.lastLR) }

// LastEpoch returns the number of steps taken since the first (PyTorch's
// last_epoch): 0 after construction.
func (b *base) LastEpoch() int { return b.lastEpoch }

// step is PyTorch's _LRScheduler.step.
func (b *base) step(epoch *int) {
	b.stepCount++
	var lrs []float64
	label := ""
	if epoch == nil {
		b.lastEpoch++
		lrs = b.self.lr()
	} else {
		b.lastEpoch = *epoch
		label = intEpoch(*epoch)
		var ok bool
		if lrs, ok = b.self.closedForm(); !ok {
			lrs = b.self.lr()
		}
	}
	b.setLRs(lrs, label)
}

// setLRs sets each group's rate and records them as the last rates. With a
// verbose writer it writes PyTorch's print_lr line for each, the
// "Epoch ...:" form when epoch is not "".
func (b *base) setLRs(lrs []float64, epoch string) {
	for i, lr := range lrs {
		b.opt.SetLR(i, lr)
		if b.verbose == nil {
			continue
		}
		if epoch == "" {
			fmt.Fprintf(b.verbose, "Adjusting learning rate of group %d to %.4e.\n", i, lr)
		} else {
			fmt.Fprintf(b.verbose, "Epoch %s: adjusting learning rate of group %d to %.4e.\n", epoch, i, lr)
		}
	}
	b.recordLR()
}

// intEpoch formats an integer epoch as Python's "%.5d" does.
func intEpoch(e int) string { return fmt.Sprintf("%.5d", e) }

// recordLR records the groups' current rates as the last rates.
func (b *base) recordLR() { b.lastLR = currentLRs(b.opt) }

// currentLRs returns each group's learning rate.
func currentLRs(opt optim.Groups) []float64 {
	lrs := make([]float64, opt.NumParamGroups())
	for i := range lrs {
		lrs[i] = opt.LR(i)
	}
	return lrs
}

// groupLRs returns each group's learning rate times f(i, lr).
func (b *base) scaled(f func(lr float64) float64) []float64 {
	lrs := currentLRs(b.opt)
	for i := range lrs {
		lrs[i] = f(lrs[i])
	}
	return lrs
}

// fromBase returns f(base rate) for each group.
func (b *base) fromBase(f func(base float64) float64) []float64 {
	lrs := make([]float64, len(b.baseLRs))
	for i, v := range b.baseLRs {
		lrs[i] = f(v)
	}
	return lrs
}

func (b *base) allFields() []field {
	return append([]field{
		{"base_lrs", &b.baseLRs}, {"last_epoch", &b.lastEpoch}, {"_step_count", &b.stepCount},
		{"_last_lr", &b.lastLR}, {"verbose", constant{b.verbose != nil}}, {"_get_lr_called_within_step", constant{false}},
	}, b.self.fields()...)
}

// StateDict returns the scheduler's state with PyTorch's keys: "base_lrs",
// "last_epoch", "_step_count", "_last_lr" and the scheduler's own settings
// and counters under PyTorch's attribute names.
func (b *base) StateDict() map[string]any { return dictOf(b.allFields()) }

// LoadStateDict replaces the scheduler's state with sd's (PyTorch's
// load_state_dict); the optimizer's learning rates are not changed (load the
// optimizer's state dict for them). It returns an error, and changes nothing,
// if an entry is missing or has the wrong type or length.
func (b *base) LoadStateDict(sd map[string]any) error {
	var check func() error
	if v, ok := b.self.(interface{ validate() error }); ok {
		check = v.validate
	}
	return loadFields(sd, b.allFields(), b.opt.NumParamGroups(), check)
}

// field is one entry of a state dict and the variable it comes from: a
// *float64, *int, *bool, *string, *[]float64, *[]int, or a constant.
type field struct {
	key string
	ptr any
}

// constant is a state dict entry that is written but never read back.
type constant struct{ v any }

func dictOf(fs []field) map[string]any {
	d := make(map[string]any, len(fs))
	for _, f := range fs {
		switch p := f.ptr.(type) {
		case *float64:
			d[f.key] = *p
		case *int:
			d[f.key] = *p
		case *bool:
			d[f.key] = *p
		case *string:
			d[f.key] = *p
		case *[]float64:
			d[f.key] = slices.Clone(*p)
		case *[]int:
			d[f.key] = slices.Clone(*p)
		case statefuls:
			list := make([]any, len(p))
			for i, x := range p {
				list[i] = x.StateDict()
			}
			d[f.key] = list
		case constant:
			d[f.key] = p.v
		case custom:
			d[f.key] = p.dict()
		}
	}
	return d
}

// custom is a field that writes and reads itself.
type custom interface {
	dict() any
	load(v any) error
}

// statefuls is a field holding nested schedulers' state dicts, as a list.
type statefuls []optim.Stateful

// loadFields sets each field from sd, checking types, that per-group lists
// have n entries and, if check is not nil, what check checks; on error it
// restores every field.
func loadFields(sd map[string]any, fs []field, n int, check func() error) error {
	saved := dictOf(fs)
	err := setFields(sd, fs, n)
	if err == nil && check != nil {
		err = check()
	}
	if err != nil {
		if rerr := setFields(saved, fs, n); rerr != nil {
			panic(rerr) // restoring what dictOf wrote cannot fail
		}
		return fmt.Errorf("sched: LoadStateDict: %w", err)
	}
	return nil
}

func setFields(sd map[string]any, fs []field, n int) error {
	for _, f := range fs {
		if _, ok := f.ptr.(constant); ok {
			continue
		}
		v, ok := sd[f.key]
		if !ok {
			return fmt.Errorf("no %q", f.key)
		}
		bad := fmt.Errorf("%q is a %T", f.key, v)
		switch p := f.ptr.(type) {
		case *float64:
			switch v := v.(type) {
			case float64:
				*p = v
			case int:
				*p = float64(v)
			default:
				return bad
			}
		case *int:
			x, ok := v.(int)
			if !ok {
				return bad
			}
			*p = x
		case *bool:
			x, ok := v.(bool)
			if !ok {
				return bad
			}
			*p = x
		case *string:
			x, ok := v.(string)
			if !ok {
				return bad
			}
			*p = x
		case *[]float64:
			x, err := floats(v)
			if err != nil {
				return fmt.Errorf("%q: %w", f.key, err)
			}
			if len(x) != len(*p) && len(*p) == n {
				return fmt.Errorf("%q has %d entries for %d parameter groups", f.key, len(x), n)
			}
			*p = x
		case *[]int:
			x, err := ints(v)
			if err != nil {
				return fmt.Errorf("%q: %w", f.key, err)
			}
			*p = x
		case custom:
			if err := p.load(v); err != nil {
				return fmt.Errorf("%q: %w", f.key, err)
			}
		case statefuls:
			x, ok := v.([]any)
			if !ok || len(x) != len(p) {
				return fmt.Errorf("%q is a %T, not a list of %d state dicts", f.key, v, len(p))
			}
			for i, e := range x {
				m, ok := e.(map[string]any)
				if !ok {
					return fmt.Errorf("%q[%d] is a %T", f.key, i, e)
				}
				if err := p[i].LoadStateDict(m); err != nil {
					return fmt.Errorf("%q[%d]: %w", f.key, i, err)
				}
			}
		}
	}
	return nil
}

// ints reads a list of integers.
func ints(v any) ([]int, error) {
	switch v := v.(type) {
	case []int:
		return slices.Clone(v), nil
	case []any:
		out := make([]int, len(v))
		for i, x := range v {
			n, ok := x.(int)
			if !ok {
				return nil, fmt.Errorf("element %d is a %T", i, x)
			}
			out[i] = n
		}
		return out, nil
	}
	return nil, fmt.Errorf("a %T, not a list of ints", v)
}

// floats reads a list of numbers.
func floats(v any) ([]float64, error) {
	switch v := v.(type) {
	case []float64:
		return slices.Clone(v), nil
	case []any:
		out := make([]float64, len(v))
		for i, x := range v {
			switch x := x.(type) {
			case float64:
				out[i] = x
			case int:
				out[i] = float64(x)
			default:
				return nil, fmt.Errorf("element %d is a %T", i, x)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("a %T, not a list of numbers", v)
}

// perGroup returns vs if it has one value per group of opt, or its single
// value repeated (PyTorch's _format_param); it panics otherwise.
func perGroup(op, name string, opt optim.Groups, vs []float64) []float64 {
	n := opt.NumParamGroups()
	switch len(vs) {
	case n:
		return slices.Clone(vs)
	case 1:
		out := make([]float64, n)
		for i := range out {
			out[i] = vs[0]
		}
		return out
	}
	fail(op, "expected %d values for %s, got %d", n, name, len(vs))
	return nil
}

// Every scheduler is optim.Stateful.
var (
	_ = []Scheduler{(*StepLR)(nil), (*MultiStepLR)(nil), (*ExponentialLR)(nil), (*CosineAnnealingLR)(nil),
		(*CosineAnnealingWarmRestarts)(nil), (*CyclicLR)(nil), (*OneCycleLR)(nil), (*LinearLR)(nil),
		(*ConstantLR)(nil), (*PolynomialLR)(nil), (*LambdaLR)(nil), (*MultiplicativeLR)(nil),
		(*SequentialLR)(nil), (*ChainedScheduler)(nil)}
	_ optim.Stateful = (*ReduceLROnPlateau)(nil)
)
