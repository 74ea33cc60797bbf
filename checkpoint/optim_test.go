package checkpoint

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/optim"
	"github.com/gograd/gograd/optim/sched"
	"github.com/gograd/gograd/pt"
	"github.com/gograd/gograd/tensor"
)

// realRun is a training run with one of optim's optimizers and one of
// optim/sched's schedulers, whose state dicts hold what a torch.save file must
// carry exactly: 0-d step tensors, []int milestones, ±Inf, empty maps, lists
// of LBFGS history tensors.
type realRun struct {
	*run
	opt   trainer
	sched Stateful
	step  func(loss func() *tensor.Tensor)
}

// trainer is an optimizer as the checkpoint sees it.
type trainer interface {
	Stateful
	ZeroGrad()
}

// realConfigs are the optimizer and scheduler pairs TestResumeOptim runs.
var realConfigs = []string{"adamw-onecycle", "sgd-multistep", "adam-plateau", "lbfgs"}

// newRealRun builds the run named by config, with initial weights from seed.
func newRealRun(config string, seed uint64) *realRun {
	r := &realRun{run: newRun(seed)}
	params := r.model.Parameters()
	switch config {
	case "adamw-onecycle":
		o := optim.NewAdamW(params, optim.AdamWOptions{LR: 1e-2, WeightDecay: 0.05, AMSGrad: true})
		s := sched.NewOneCycleLR(o, sched.OneCycleLROptions{MaxLR: []float64{0.05}, TotalSteps: n + m + 5})
		r.opt, r.sched = o, s
		r.step = func(loss func() *tensor.Tensor) { o.ZeroGrad(); loss().Backward(); o.Step(); s.Step() }
	case "sgd-multistep":
		o := optim.NewSGD(params, optim.SGDOptions{LR: 0.1, Momentum: 0.9, Nesterov: true, WeightDecay: 1e-3})
		s := sched.NewMultiStepLR(o, sched.MultiStepLROptions{Milestones: []int{3, 6, 6, 10}, Gamma: 0.5})
		r.opt, r.sched = o, s
		r.step = func(loss func() *tensor.Tensor) { o.ZeroGrad(); loss().Backward(); o.Step(); s.Step() }
	case "adam-plateau":
		// Mode "max" on the negated loss: mode_worse is -Inf, and best starts
		// at -Inf too.
		o := optim.NewAdam(params, optim.AdamOptions{LR: 1e-2})
		s := sched.NewReduceLROnPlateau(o, sched.ReduceLROnPlateauOptions{Mode: "max", ZeroPatience: true, Factor: 0.7})
		r.opt, r.sched = o, s
		r.step = func(loss func() *tensor.Tensor) {
			o.ZeroGrad()
			l := loss()
			l.Backward()
			o.Step()
			s.Step(-l.Item())
		}
	case "lbfgs":
		o := optim.NewLBFGS(params, optim.LBFGSOptions{LR: 0.5, MaxIter: 3, HistorySize: 4, LineSearchFn: "strong_wolfe"})
		r.opt = o
		r.step = func(loss func() *tensor.Tensor) {
			o.Step(func() *tensor.Tensor { o.ZeroGrad(); l := loss(); l.Backward(); return l })
		}
	default:
		panic("unknown config " + config)
	}
	return r
}

// train runs n steps, each on a random mini-batch of 16.
func (r *realRun) train(n int) {
	for range n {
		xb, yb := r.batch()
		r.step(func() *tensor.Tensor { return functional.CrossEntropy(r.model.Forward(xb), yb) })
		r.run.step++
	}
}

func (r *realRun) state() *State {
	st := &State{Model: r.model, Optimizer: r.opt, RNG: r.gen, Step: r.run.step}
	if r.sched != nil {
		st.Scheduler = r.sched
	}
	return st
}

// resumeRealChild is the helper process of TestResumeOptim: it loads the
// checkpoint into a run initialised differently, trains m steps and saves the
// weights.
func resumeRealChild() error {
	r := newRealRun(os.Getenv("CONFIG"), 42)
	st := r.state()
	if err := Load(os.Getenv("CKPT"), st); err != nil {
		return err
	}
	r.run.step = st.Step
	r.train(m)
	return pt.Save(os.Getenv("OUT"), nn.StateDict(r.model))
}

// TestResumeOptim is TestResume with optim's optimizers and optim/sched's
// schedulers: n steps, a checkpoint, m more steps; a fresh process loads the
// checkpoint and trains m steps, and its weights must be bit-identical. The
// checkpoint is also taken before the first step (empty optimizer state) and
// loaded in this process.
func TestResumeOptim(t *testing.T) {
	for _, config := range realConfigs {
		t.Run(config, func(t *testing.T) {
			dir := t.TempDir()
			ckpt := filepath.Join(dir, "run.ckpt")

			// Before any step: the state maps are empty.
			r0 := newRealRun(config, 0)
			if err := Save(ckpt, *r0.state()); err != nil {
				t.Fatal(err)
			}
			r0.train(n)
			fresh0 := newRealRun(config, 9)
			if err := Load(ckpt, fresh0.state()); err != nil {
				t.Fatalf("checkpoint before the first step: %v", err)
			}
			fresh0.train(n)
			if !slices.Equal(weights(fresh0.model), weights(r0.model)) {
				t.Error("resumed from step 0: weights differ")
			}

			r := newRealRun(config, 0)
			r.train(n)
			if err := Save(ckpt, *r.state()); err != nil {
				t.Fatal(err)
			}
			r.train(m)
			want := weights(r.model)

			out := filepath.Join(dir, "out.pt")
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childEnv+"=resume-real", "CONFIG="+config, "CKPT="+ckpt, "OUT="+out)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("helper process: %v\n%s", err, b)
			}
			sd, err := pt.Load(out)
			if err != nil {
				t.Fatal(err)
			}
			child := newRealRun(config, 7)
			if err := nn.LoadStateDict(child.model, sd); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(weights(child.model), want) {
				t.Error("resumed in a fresh process: weights differ from the uninterrupted run's")
			}
		})
	}
}

// TestSpecialFloats checks that ±Inf, NaN and -0 survive a checkpoint, in
// Extra and in a scheduler's state.
func TestSpecialFloats(t *testing.T) {
	r := newRealRun("adam-plateau", 0)
	path := filepath.Join(t.TempDir(), "ck")
	st := r.state()
	st.Extra = map[string]any{"inf": math.Inf(1), "-inf": math.Inf(-1), "nan": math.NaN(), "-0": math.Copysign(0, -1)}
	if err := Save(path, *st); err != nil {
		t.Fatal(err)
	}
	back := newRealRun("adam-plateau", 3)
	bst := back.state()
	if err := Load(path, bst); err != nil {
		t.Fatal(err)
	}
	for k, want := range st.Extra {
		got, ok := bst.Extra[k].(float64)
		if !ok || math.Float64bits(got) != math.Float64bits(want.(float64)) {
			t.Errorf("Extra[%q] = %#v, want %v", k, bst.Extra[k], want)
		}
	}
	sd := back.sched.StateDict()
	if w, b := sd["mode_worse"], sd["best"]; w != math.Inf(-1) || b != math.Inf(-1) {
		t.Errorf("scheduler's mode_worse, best = %v, %v; want -Inf", w, b)
	}
}
