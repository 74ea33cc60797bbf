package sched

import (
	"fmt"
	"slices"
	"sort"

	"github.com/gograd/gograd/optim"
)

// attached is a scheduler that knows its optimizer.
type attached interface {
	Scheduler
	optimizer() optim.Groups
}

func (b *base) optimizer() optim.Groups { return b.opt }

// SequentialLR runs schedulers one after another, switching at the milestones
// (torch.optim.lr_scheduler.SequentialLR): scheduler k runs from milestone k-1
// on, restarted at epoch 0 in closed form.
type SequentialLR struct {
	opt        optim.Groups
	scheds     []scheduler
	milestones []int
	lastEpoch  int
	lastLR     []float64
}

// NewSequentialLR returns a SequentialLR for opt over schedulers, which must
// all have been made for opt, with one milestone fewer than schedulers. As
// PyTorch does, it resets each group's rate to its "initial_lr", moves every
// scheduler back one epoch and restarts the first. LastEpoch(k) starts its
// own epoch count at k+1, as PyTorch's last_epoch does (the schedulers keep
// theirs); Verbose does nothing here, as in PyTorch (give it to the
// schedulers). It panics if the schedulers are not this package's, belong to
// another optimizer, or the counts do not fit.
func NewSequentialLR(opt optim.Groups, schedulers []Scheduler, milestones []int, opts ...Option) *SequentialLR {
	const op = "NewSequentialLR"
	st := settingsOf(op, opts)
	s := &SequentialLR{opt: opt, milestones: slices.Clone(milestones), lastEpoch: st.lastEpoch + 1}
	for i, x := range schedulers {
		in, ok := x.(scheduler)
		if !ok || in.optimizer() != opt {
			fail(op, "Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at index %d to be different than the optimizer passed in.", i)
		}
		s.scheds = append(s.scheds, in)
	}
	if len(milestones) != len(schedulers)-1 {
		fail(op, "Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers %d and the number of milestones to be equal to %d", len(schedulers), len(milestones))
	}
	for i := range opt.NumParamGroups() {
		if v, ok := opt.GroupExtra(i, "initial_lr"); ok {
			opt.SetLR(i, v)
		}
	}
	for _, x := range s.scheds {
		x.core().lastEpoch--
	}
	initialStep(s.scheds[0])
	s.lastLR = s.scheds[0].LastLR()
	return s
}

func (s *SequentialLR) optimizer() optim.Groups { return s.opt }

// Step advances by one epoch: the scheduler whose span holds the new epoch
// steps, restarting at epoch 0 on its milestone.
func (s *SequentialLR) Step() {
	s.lastEpoch++
	idx := sort.Search(len(s.milestones), func(i int) bool { return s.milestones[i] > s.lastEpoch })
	x := s.scheds[idx]
	if idx > 0 && s.milestones[idx-1] == s.lastEpoch {
		zero := 0
		x.step(&zero)
	} else {
		x.step(nil)
	}
	s.lastLR = x.LastLR()
}

// LastLR returns the learning rates the last step set, one per group.
func (s *SequentialLR) LastLR() []float64 { return slices.Clone(s.lastLR) }

// StateDict returns the state with PyTorch's keys: "_schedulers" holds each
// scheduler's state dict.
func (s *SequentialLR) StateDict() map[string]any { return dictOf(s.fields()) }

// LoadStateDict replaces the state, the schedulers' included, with sd's.
func (s *SequentialLR) LoadStateDict(sd map[string]any) error {
	return loadFields(sd, s.fields(), s.opt.NumParamGroups(), func() error {
		if len(s.milestones) != len(s.scheds)-1 {
			return fmt.Errorf("%d milestones for %d schedulers", len(s.milestones), len(s.scheds))
		}
		return nil
	})
}

func (s *SequentialLR) fields() []field {
	return append([]field{{"_milestones", &s.milestones}, {"last_epoch", &s.lastEpoch}, {"_last_lr", &s.lastLR}},
		nested(s.scheds)...)
}

// nested returns the fields of the schedulers' state dicts, written as PyTorch
// writes them: a list under "_schedulers".
func nested[S optim.Stateful](scheds []S) []field {
	list := make([]optim.Stateful, len(scheds))
	for i, x := range scheds {
		list[i] = x
	}
	return []field{{"_schedulers", statefuls(list)}}
}

// ChainedScheduler steps several schedulers of one optimizer together, each
// applying its chainable form to the rate the one before it set
// (torch.optim.lr_scheduler.ChainedScheduler).
type ChainedScheduler struct {
	opt    optim.Groups
	scheds []attached
	lastLR []float64
}

// NewChainedScheduler returns a ChainedScheduler over schedulers. It panics if
// there are none, or they are not this package's or belong to different
// optimizers.
func NewChainedScheduler(schedulers ...Scheduler) *ChainedScheduler {
	const op = "NewChainedScheduler"
	s := &ChainedScheduler{}
	for i, x := range schedulers {
		a, ok := x.(attached)
		if !ok || i > 0 && a.optimizer() != s.opt {
			fail(op, "ChainedScheduler expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and %d to be different", i)
		}
		s.opt = a.optimizer()
		s.scheds = append(s.scheds, a)
	}
	if len(s.scheds) == 0 {
		fail(op, "no schedulers")
	}
	s.lastLR = currentLRs(s.opt)
	return s
}

func (s *ChainedScheduler) optimizer() optim.Groups { return s.opt }

// Step steps every scheduler, in order.
func (s *ChainedScheduler) Step() {
	for _, x := range s.scheds {
		x.Step()
	}
	s.lastLR = currentLRs(s.opt)
}

// LastLR returns the learning rates the last step set, one per group.
func (s *ChainedScheduler) LastLR() []float64 { return slices.Clone(s.lastLR) }

// StateDict returns the state with PyTorch's keys: "_schedulers" holds each
// scheduler's state dict.
func (s *ChainedScheduler) StateDict() map[string]any { return dictOf(s.fields()) }

// LoadStateDict replaces the state, the schedulers' included, with sd's.
func (s *ChainedScheduler) LoadStateDict(sd map[string]any) error {
	return loadFields(sd, s.fields(), s.opt.NumParamGroups(), nil)
}

func (s *ChainedScheduler) fields() []field {
	return append([]field{{"_last_lr", &s.lastLR}}, nested(s.scheds)...)
}
