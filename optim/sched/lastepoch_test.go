package sched

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/gograd/gograd/optim"
	"github.com/gograd/gograd/tensor"
)

// lastEpochGolden is testdata/last_epoch.json, written by gen_last_epoch.py.
type lastEpochGolden struct {
	Metrics          []float64
	Extras           []map[string]float64
	MissingInitialLR string `json:"missing_initial_lr"`
	Runs             []struct {
		Name    string
		Epochs  []json.Number // "3" is Python's int 3, "4.0" its float
		LRs     [][]float64   `json:"lrs"`
		Momenta [][]float64
		Printed string
	}
}

// lastEpochRuns builds gen_last_epoch.py's schedulers, by name, with the
// options it gives every one (Verbose to the run's writer).
var lastEpochRuns = map[string]func(o optim.Groups, v Option) any{
	"step": func(o optim.Groups, v Option) any {
		return NewStepLR(o, StepLROptions{StepSize: 4, Gamma: 0.5}, LastEpoch(6), v)
	},
	"multistep": func(o optim.Groups, v Option) any {
		return NewMultiStepLR(o, MultiStepLROptions{Milestones: []int{8, 10, 10, 14}, Gamma: 0.3}, LastEpoch(7), v)
	},
	"exponential": func(o optim.Groups, v Option) any { return NewExponentialLR(o, 0.9, LastEpoch(3), v) },
	"cosine": func(o optim.Groups, v Option) any {
		return NewCosineAnnealingLR(o, CosineAnnealingLROptions{TMax: 10, EtaMin: 0.001}, LastEpoch(4), v)
	},
	"cosine_zero": func(o optim.Groups, v Option) any {
		return NewCosineAnnealingLR(o, CosineAnnealingLROptions{TMax: 10}, LastEpoch(0), v)
	},
	"warm_restarts": func(o optim.Groups, v Option) any {
		return NewCosineAnnealingWarmRestarts(o, CosineAnnealingWarmRestartsOptions{T0: 5}, LastEpoch(7), v)
	},
	"warm_restarts_mult": func(o optim.Groups, v Option) any {
		return NewCosineAnnealingWarmRestarts(o, CosineAnnealingWarmRestartsOptions{T0: 3, TMult: 2, EtaMin: 0.01},
			LastEpoch(2), v)
	},
	"cyclic": func(o optim.Groups, v Option) any {
		return NewCyclicLR(o, CyclicLROptions{BaseLR: []float64{0.01}, MaxLR: []float64{0.1}, StepSizeUp: 4},
			LastEpoch(5), v)
	},
	"onecycle": func(o optim.Groups, v Option) any {
		return NewOneCycleLR(o, OneCycleLROptions{MaxLR: []float64{0.5, 0.2}, TotalSteps: 30}, LastEpoch(10), v)
	},
	"linear": func(o optim.Groups, v Option) any {
		return NewLinearLR(o, LinearLROptions{StartFactor: 0.25, TotalIters: 10}, LastEpoch(3), v)
	},
	"constant": func(o optim.Groups, v Option) any {
		return NewConstantLR(o, ConstantLROptions{Factor: 0.5, TotalIters: 8}, LastEpoch(2), v)
	},
	"polynomial": func(o optim.Groups, v Option) any {
		return NewPolynomialLR(o, PolynomialLROptions{TotalIters: 12, Power: 2}, LastEpoch(4), v)
	},
	"lambda": func(o optim.Groups, v Option) any {
		return NewLambdaLR(o, []func(int) float64{func(e int) float64 { return math.Pow(0.95, float64(e)) },
			func(e int) float64 { return 1 / float64(1+e) }}, LastEpoch(5), v)
	},
	"multiplicative": func(o optim.Groups, v Option) any {
		return NewMultiplicativeLR(o, []func(int) float64{func(int) float64 { return 0.9 }}, LastEpoch(5), v)
	},
	"sequential": func(o optim.Groups, v Option) any {
		return NewSequentialLR(o, []Scheduler{NewLinearLR(o, LinearLROptions{StartFactor: 0.5, TotalIters: 4}, v),
			NewExponentialLR(o, 0.9, v)}, []int{5}, LastEpoch(3))
	},
	"step_fresh_epochs": func(o optim.Groups, v Option) any { return NewStepLR(o, StepLROptions{StepSize: 3}, v) },
	"warm_restarts_fresh_epochs": func(o optim.Groups, v Option) any {
		return NewCosineAnnealingWarmRestarts(o, CosineAnnealingWarmRestartsOptions{T0: 4}, v)
	},
	"plateau": func(o optim.Groups, v Option) any {
		return NewReduceLROnPlateau(o, ReduceLROnPlateauOptions{Patience: 1, Factor: 0.5}, v)
	},
}

// TestLastEpochGolden builds each scheduler of testdata/last_epoch.json with
// LastEpoch and Verbose on an optimizer whose groups hold "initial_lr" (and
// OneCycleLR's entries) and checks the rates and momenta after construction
// and every step against PyTorch 1.13's last_epoch=k, and the verbose output
// against what PyTorch printed, byte for byte.
func TestLastEpochGolden(t *testing.T) {
	b, err := os.ReadFile("testdata/last_epoch.json")
	if err != nil {
		t.Fatal(err)
	}
	var g lastEpochGolden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Runs) != len(lastEpochRuns) {
		t.Fatalf("%d runs in testdata/last_epoch.json, %d here", len(g.Runs), len(lastEpochRuns))
	}
	for _, r := range g.Runs {
		t.Run(r.Name, func(t *testing.T) {
			opt := newSGD()
			if !strings.Contains(r.Name, "fresh") && r.Name != "plateau" {
				for i, extra := range g.Extras {
					for k, v := range extra {
						opt.SetGroupExtra(i, k, v)
					}
				}
			}
			var out strings.Builder
			s := lastEpochRuns[r.Name](opt, Verbose(&out))
			for t0 := range r.LRs {
				if t0 > 0 {
					stepLastEpochRun(t, s, r.Epochs, g.Metrics, t0-1)
				}
				moms := make([]float64, opt.NumParamGroups())
				for i := range moms {
					moms[i], _ = opt.Momentum(i)
				}
				if !closeTo(currentLRs(opt), r.LRs[t0]) || !closeTo(moms, r.Momenta[t0]) {
					t.Fatalf("step %d: lr %v momentum %v, torch %v %v", t0, currentLRs(opt), moms, r.LRs[t0], r.Momenta[t0])
				}
			}
			if out.String() != r.Printed {
				t.Errorf("verbose output:\n%s\ntorch printed:\n%s", out.String(), r.Printed)
			}
		})
	}

	// Resuming without "initial_lr" is PyTorch's KeyError.
	defer func() {
		var e *tensor.Error
		if err, ok := recover().(error); !ok || !errors.As(err, &e) || !strings.Contains(e.Error(), g.MissingInitialLR) {
			t.Errorf("StepLR resumed without initial_lr: panic %v, want %q", err, g.MissingInitialLR)
		}
	}()
	NewStepLR(newSGD(), StepLROptions{StepSize: 3}, LastEpoch(2))
}

// stepLastEpochRun takes step t of a run: StepTo for an integer epoch,
// StepFrac for a float one (as PyTorch's step(epoch) prints them apart),
// Step(metric) for ReduceLROnPlateau, Step otherwise.
func stepLastEpochRun(tb testing.TB, s any, epochs []json.Number, metrics []float64, t int) {
	switch s := s.(type) {
	case *ReduceLROnPlateau:
		s.Step(metrics[t])
		return
	case Scheduler:
		if epochs == nil {
			s.Step()
			return
		}
	}
	if n, err := epochs[t].Int64(); err == nil {
		s.(interface{ StepTo(int) }).StepTo(int(n))
		return
	}
	e, err := epochs[t].Float64()
	if err != nil {
		tb.Fatal(err)
	}
	s.(*CosineAnnealingWarmRestarts).StepFrac(e)
}
