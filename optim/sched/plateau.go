package sched

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/gograd/gograd/optim"
)

// ReduceLROnPlateauOptions configures ReduceLROnPlateau. A zero field takes
// PyTorch's default; ZeroPatience and ZeroThreshold give 0 to the two whose
// defaults are not 0.
type ReduceLROnPlateauOptions struct {
	// Mode is "min" (the default, for "": the metric should fall) or "max".
	Mode string
	// Factor multiplies the rate on a plateau; 0 means the default 0.1.
	Factor float64
	// Patience is the number of epochs without improvement tolerated; 0
	// means the default 10.
	Patience     int
	ZeroPatience bool
	// Threshold is the least change that counts as an improvement; 0 means
	// the default 1e-4.
	Threshold     float64
	ZeroThreshold bool
	// ThresholdMode is "rel" (the default, for "") or "abs".
	ThresholdMode string
	// Cooldown is the number of epochs to wait after a reduction. Default 0.
	Cooldown int
	// MinLR is the lowest rate: one value for every group or one per group.
	// Default 0.
	MinLR []float64
	// Eps is the smallest change of rate applied; 0 means the default 1e-8.
	Eps float64
}

// ReduceLROnPlateau multiplies each group's learning rate by Factor when a
// metric has stopped improving for Patience epochs
// (torch.optim.lr_scheduler.ReduceLROnPlateau). Its Step takes the metric.
type ReduceLROnPlateau struct {
	opt                     optim.Groups
	mode, thresholdMode     string
	factor, threshold, eps  float64
	patience, cooldown      int
	minLRs                  []float64
	best, modeWorse         float64
	numBad, cooldownCounter int
	lastEpoch               int
	lastLR                  []float64
	verbose                 io.Writer
}

// NewReduceLROnPlateau returns a ReduceLROnPlateau for opt. Of the Options
// it takes Verbose, which writes PyTorch's "Epoch 00005: reducing learning
// rate of group 0 to 1.0000e-02." at each reduction. It panics if Factor is
// not below 1, Mode or ThresholdMode is unknown, MinLR has the wrong length,
// or LastEpoch is given (PyTorch's ReduceLROnPlateau has no last_epoch).
func NewReduceLROnPlateau(opt optim.Groups, o ReduceLROnPlateauOptions, opts ...Option) *ReduceLROnPlateau {
	const op = "NewReduceLROnPlateau"
	st := settingsOf(op, opts)
	if st.resumed {
		fail(op, "ReduceLROnPlateau has no last_epoch")
	}
	s := &ReduceLROnPlateau{opt: opt, verbose: st.verbose, mode: o.Mode, thresholdMode: o.ThresholdMode,
		factor: or(o.Factor, 0.1), patience: orInt(o.Patience, 10), threshold: or(o.Threshold, 1e-4),
		cooldown: o.Cooldown, eps: or(o.Eps, 1e-8), minLRs: perGroup(op, "min_lr", opt, orList(o.MinLR, 0))}
	if o.ZeroPatience {
		s.patience = 0
	}
	if o.ZeroThreshold {
		s.threshold = 0
	}
	if s.factor >= 1 {
		fail(op, "Factor should be < 1.0.")
	}
	if s.mode == "" {
		s.mode = "min"
	}
	if s.thresholdMode == "" {
		s.thresholdMode = "rel"
	}
	if err := s.checkModes(); err != "" {
		fail(op, "%s", err)
	}
	s.best, s.numBad, s.cooldownCounter = s.modeWorse, 0, 0
	s.lastLR = currentLRs(opt)
	return s
}

// checkModes sets modeWorse, returning PyTorch's message for a bad mode.
func (s *ReduceLROnPlateau) checkModes() string {
	switch s.mode {
	case "min":
		s.modeWorse = math.Inf(1)
	case "max":
		s.modeWorse = math.Inf(-1)
	default:
		return "mode " + s.mode + " is unknown!"
	}
	if s.thresholdMode != "rel" && s.thresholdMode != "abs" {
		return "threshold mode " + s.thresholdMode + " is unknown!"
	}
	return ""
}

// Step records the epoch's metric and reduces the rates after Patience epochs
// without improvement (PyTorch's step(metrics)).
func (s *ReduceLROnPlateau) Step(metric float64) {
	s.lastEpoch++
	if s.isBetter(metric) {
		s.best, s.numBad = metric, 0
	} else {
		s.numBad++
	}
	if s.cooldownCounter > 0 {
		s.cooldownCounter--
		s.numBad = 0
	}
	if s.numBad > s.patience {
		for i := range s.opt.NumParamGroups() {
			old := s.opt.LR(i)
			lr := max(old*s.factor, s.minLRs[i])
			if old-lr > s.eps {
				s.opt.SetLR(i, lr)
				if s.verbose != nil {
					fmt.Fprintf(s.verbose, "Epoch %s: reducing learning rate of group %d to %.4e.\n", intEpoch(s.lastEpoch), i, lr)
				}
			}
		}
		s.cooldownCounter, s.numBad = s.cooldown, 0
	}
	s.lastLR = currentLRs(s.opt)
}

func (s *ReduceLROnPlateau) isBetter(a float64) bool {
	switch {
	case s.mode == "min" && s.thresholdMode == "rel":
		return a < s.best*(1.-s.threshold)
	case s.mode == "min":
		return a < s.best-s.threshold
	case s.thresholdMode == "rel":
		return a > s.best*(s.threshold+1.)
	}
	return a > s.best+s.threshold
}

// LastLR returns the learning rates after the last step, one per group (the
// groups' rates before the first).
func (s *ReduceLROnPlateau) LastLR() []float64 { return slices.Clone(s.lastLR) }

func (s *ReduceLROnPlateau) fields() []field {
	return []field{{"factor", &s.factor}, {"min_lrs", &s.minLRs}, {"patience", &s.patience},
		{"verbose", constant{s.verbose != nil}}, {"cooldown", &s.cooldown}, {"cooldown_counter", &s.cooldownCounter},
		{"mode", &s.mode}, {"threshold", &s.threshold}, {"threshold_mode", &s.thresholdMode},
		{"best", &s.best}, {"num_bad_epochs", &s.numBad}, {"mode_worse", &s.modeWorse},
		{"eps", &s.eps}, {"last_epoch", &s.lastEpoch}, {"_last_lr", &s.lastLR}}
}

// StateDict returns the state with PyTorch's keys.
func (s *ReduceLROnPlateau) StateDict() map[string]any { return dictOf(s.fields()) }

// LoadStateDict replaces the state with sd's. It returns an error, and
// changes nothing, if an entry is missing, mistyped, or a mode is unknown.
func (s *ReduceLROnPlateau) LoadStateDict(sd map[string]any) error {
	return loadFields(sd, s.fields(), s.opt.NumParamGroups(), func() error {
		if msg := s.checkModes(); msg != "" {
			return errors.New(msg)
		}
		if len(s.minLRs) != s.opt.NumParamGroups() {
			return fmt.Errorf("%d min_lrs for %d parameter groups", len(s.minLRs), s.opt.NumParamGroups())
		}
		return nil
	})
}
