package sched

import (
	"fmt"
	"math"

	"github.com/gograd/gograd/optim"
)

// CosineAnnealingLROptions configures CosineAnnealingLR.
type CosineAnnealingLROptions struct {
	// TMax is the number of epochs of half a cosine period; it is required.
	TMax int
	// EtaMin is the lowest rate. Default 0.
	EtaMin float64
}

// CosineAnnealingLR anneals each group's learning rate along a cosine from its
// base rate to EtaMin over TMax epochs, then back up, and so on
// (torch.optim.lr_scheduler.CosineAnnealingLR, without restarts). Step uses
// PyTorch's recursive form, which follows a rate changed by hand or by another
// scheduler; StepTo uses the closed form
// EtaMin + (base-EtaMin)·(1 + cos(π·epoch/TMax))/2.
type CosineAnnealingLR struct {
	base
	tMax   int
	etaMin float64
}

// NewCosineAnnealingLR returns a CosineAnnealingLR for opt and takes its first
// step. It panics if TMax is not positive.
func NewCosineAnnealingLR(opt optim.Groups, o CosineAnnealingLROptions, opts ...Option) *CosineAnnealingLR {
	if o.TMax <= 0 {
		fail("NewCosineAnnealingLR", "TMax must be positive, got %d", o.TMax)
	}
	s := &CosineAnnealingLR{tMax: o.TMax, etaMin: o.EtaMin}
	s.init(s, opt, settingsOf("NewCosineAnnealingLR", opts))
	return s
}

func (s *CosineAnnealingLR) lr() []float64 {
	e, t, m := float64(s.lastEpoch), float64(s.tMax), s.etaMin
	switch {
	case s.lastEpoch == 0:
		return currentLRs(s.opt)
	case s.stepCount == 1 && s.lastEpoch > 0:
		return s.fromBase(func(b float64) float64 { return m + (b-m)*(1+math.Cos(e*math.Pi/t))/2 })
	case pyMod(s.lastEpoch-1-s.tMax, 2*s.tMax) == 0:
		lrs := currentLRs(s.opt)
		for i, b := range s.baseLRs {
			lrs[i] += (b - m) * (1 - math.Cos(math.Pi/t)) / 2
		}
		return lrs
	}
	f := (1 + math.Cos(math.Pi*e/t)) / (1 + math.Cos(math.Pi*(e-1)/t))
	return s.scaled(func(lr float64) float64 { return f*(lr-m) + m })
}

func (s *CosineAnnealingLR) closedForm() ([]float64, bool) {
	e, t, m := float64(s.lastEpoch), float64(s.tMax), s.etaMin
	return s.fromBase(func(b float64) float64 { return m + (b-m)*(1+math.Cos(math.Pi*e/t))/2 }), true
}

func (s *CosineAnnealingLR) validate() error { return positive("T_max", s.tMax) }

func (s *CosineAnnealingLR) fields() []field {
	return []field{{"T_max", &s.tMax}, {"eta_min", &s.etaMin}}
}

// pyMod returns a mod b with the sign of b, as Python's % does.
func pyMod(a, b int) int {
	m := a % b
	if m != 0 && (m < 0) != (b < 0) {
		m += b
	}
	return m
}

// CosineAnnealingWarmRestartsOptions configures CosineAnnealingWarmRestarts.
type CosineAnnealingWarmRestartsOptions struct {
	// T0 is the number of epochs before the first restart; it is required.
	T0 int
	// TMult multiplies the period after each restart; 0 means the default 1.
	TMult int
	// EtaMin is the lowest rate. Default 0.
	EtaMin float64
}

// CosineAnnealingWarmRestarts anneals each group's learning rate along a
// cosine from its base rate to EtaMin over T0 epochs, then restarts at the
// base rate with a period TMult times longer (SGDR;
// torch.optim.lr_scheduler.CosineAnnealingWarmRestarts). StepTo accepts any
// epoch (PyTorch's step(epoch)); StepFrac takes a fractional one, for steps
// within an epoch.
type CosineAnnealingWarmRestarts struct {
	base
	t0, tI, tMult int
	etaMin        float64
	tCur          float64
}

// NewCosineAnnealingWarmRestarts returns a CosineAnnealingWarmRestarts for
// opt and takes its first step. It panics if T0 is not positive or TMult is
// negative.
func NewCosineAnnealingWarmRestarts(opt optim.Groups, o CosineAnnealingWarmRestartsOptions, opts ...Option) *CosineAnnealingWarmRestarts {
	const op = "NewCosineAnnealingWarmRestarts"
	if o.T0 <= 0 {
		fail(op, "Expected positive integer T_0, but got %d", o.T0)
	}
	tMult := orInt(o.TMult, 1)
	if tMult < 1 {
		fail(op, "Expected integer T_mult >= 1, but got %d", tMult)
	}
	st := settingsOf(op, opts)
	s := &CosineAnnealingWarmRestarts{t0: o.T0, tI: o.T0, tMult: tMult, etaMin: o.EtaMin, tCur: float64(st.lastEpoch)}
	s.init(s, opt, st)
	return s
}

func (s *CosineAnnealingWarmRestarts) lr() []float64 {
	m := s.etaMin
	return s.fromBase(func(b float64) float64 {
		return m + (b-m)*(1+math.Cos(math.Pi*s.tCur/float64(s.tI)))/2
	})
}

// step is PyTorch's CosineAnnealingWarmRestarts.step.
func (s *CosineAnnealingWarmRestarts) step(epoch *int) {
	if epoch == nil {
		s.stepFrac(math.NaN(), "")
		return
	}
	s.stepFrac(float64(*epoch), intEpoch(*epoch))
}

// StepFrac sets the epoch to epoch, which may be fractional (PyTorch's
// step(epoch) with a float, e.g. epoch + i/iters within an epoch), and each
// group's rate to the schedule's value there. It panics if epoch is negative.
func (s *CosineAnnealingWarmRestarts) StepFrac(epoch float64) {
	if !(epoch >= 0) {
		fail("CosineAnnealingWarmRestarts.StepFrac", "Expected non-negative epoch, but got %v", epoch)
	}
	s.stepFrac(epoch, fmt.Sprintf("%.2f", epoch))
}

// stepFrac steps to epoch, or by one for NaN; label is the epoch as verbose
// output writes it (PyTorch's, which always has an epoch here), "" for NaN.
func (s *CosineAnnealingWarmRestarts) stepFrac(epoch float64, label string) {
	if math.IsNaN(epoch) && s.lastEpoch < 0 {
		epoch, label = 0, intEpoch(0)
	} else if math.IsNaN(epoch) {
		epoch, label = float64(s.lastEpoch+1), intEpoch(s.lastEpoch+1)
		s.tCur++
		if s.tCur >= float64(s.tI) {
			s.tCur -= float64(s.tI)
			s.tI *= s.tMult
		}
		s.lastEpoch = int(math.Floor(epoch))
		s.setLRs(s.lr(), label)
		return
	}
	t0, tMult := float64(s.t0), float64(s.tMult)
	if epoch >= t0 {
		if s.tMult == 1 {
			s.tCur = math.Mod(epoch, t0)
		} else {
			n := int(math.Log(epoch/t0*(tMult-1)+1) / math.Log(tMult))
			s.tCur = epoch - t0*(math.Pow(tMult, float64(n))-1)/(tMult-1)
			s.tI = s.t0 * intPow(s.tMult, n)
		}
	} else {
		s.tI = s.t0
		s.tCur = epoch
	}
	s.lastEpoch = int(math.Floor(epoch))
	s.setLRs(s.lr(), label)
}

func intPow(x, n int) int {
	r := 1
	for range n {
		r *= x
	}
	return r
}

func (s *CosineAnnealingWarmRestarts) validate() error {
	if err := positive("T_0", s.t0); err != nil {
		return err
	}
	if err := positive("T_i", s.tI); err != nil {
		return err
	}
	return positive("T_mult", s.tMult)
}

func (s *CosineAnnealingWarmRestarts) fields() []field {
	return []field{{"T_0", &s.t0}, {"T_i", &s.tI}, {"T_mult", &s.tMult}, {"eta_min", &s.etaMin}, {"T_cur", &s.tCur}}
}
