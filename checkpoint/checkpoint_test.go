package checkpoint

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/pt"
	"github.com/gograd/gograd/tensor"
)

// momentum is a stand-in for an optimizer with state (optim's optimizers get
// StateDict in another branch): SGD with momentum, buf = μ·buf + g,
// p -= lr·buf, whose state dict has PyTorch's layout.
type momentum struct {
	params []*tensor.Tensor
	lr, mu float64
	bufs   []*tensor.Tensor
}

func (o *momentum) Step() {
	tensor.NoGrad(func() {
		for i, p := range o.params {
			g := p.Grad()
			if o.bufs[i] == nil {
				o.bufs[i] = g.Clone()
			} else {
				o.bufs[i] = o.bufs[i].MulScalar(o.mu).Add(g)
			}
			p.Copy_(p.Sub(o.bufs[i].MulScalar(o.lr)))
		}
	})
}

func (o *momentum) ZeroGrad() {
	for _, p := range o.params {
		p.SetGrad(nil)
	}
}

func (o *momentum) StateDict() map[string]any {
	state := map[int]map[string]any{}
	for i, b := range o.bufs {
		if b != nil {
			state[i] = map[string]any{"momentum_buffer": b.Clone()}
		}
	}
	params := make([]int, len(o.params))
	for i := range params {
		params[i] = i
	}
	return map[string]any{"state": state, "param_groups": []any{
		map[string]any{"lr": o.lr, "momentum": o.mu, "nesterov": false, "foreach": nil, "params": params},
	}}
}

func (o *momentum) LoadStateDict(sd map[string]any) error {
	state, ok := sd["state"].(map[int]map[string]any)
	groups, ok2 := sd["param_groups"].([]any)
	if !ok || !ok2 || len(groups) != 1 {
		return fmt.Errorf("momentum: bad state dict %v", sd)
	}
	g := groups[0].(map[string]any)
	if p, ok := g["params"].([]int); !ok || len(p) != len(o.params) {
		return fmt.Errorf("momentum: params %v", g["params"])
	}
	o.lr, o.mu = g["lr"].(float64), g["momentum"].(float64)
	o.bufs = make([]*tensor.Tensor, len(o.params))
	for i, s := range state {
		o.bufs[i] = s["momentum_buffer"].(*tensor.Tensor)
	}
	return nil
}

// stepLR is a stand-in scheduler (torch.optim.lr_scheduler.StepLR): the lr is
// multiplied by gamma every stepSize steps.
type stepLR struct {
	opt       *momentum
	lastEpoch int
	baseLR    float64
	stepSize  int
	gamma     float64
}

func (s *stepLR) Step() {
	s.lastEpoch++
	s.opt.lr = s.baseLR * math.Pow(s.gamma, float64(s.lastEpoch/s.stepSize))
}

func (s *stepLR) StateDict() map[string]any {
	return map[string]any{"last_epoch": s.lastEpoch, "base_lrs": []float64{s.baseLR},
		"step_size": s.stepSize, "gamma": s.gamma, "_last_lr": []float64{s.opt.lr}, "verbose": false}
}

func (s *stepLR) LoadStateDict(sd map[string]any) error {
	s.lastEpoch, s.stepSize = sd["last_epoch"].(int), sd["step_size"].(int)
	s.baseLR, s.gamma = sd["base_lrs"].([]float64)[0], sd["gamma"].(float64)
	return nil
}

// run is a training run: an MLP on fixed random data, mini-batches drawn with
// the run's generator.
type run struct {
	model nn.Sequential
	opt   *momentum
	sched *stepLR
	gen   *tensor.Generator
	x, y  *tensor.Tensor
	step  int
}

// newRun builds a run whose initial weights come from seed; the data are the
// same for every seed.
func newRun(seed uint64) *run {
	data := tensor.NewGenerator(1)
	x := data.Normal(tensor.Zeros(64, 8), 0, 1)
	labels := make([]int64, 64)
	for i := range labels {
		labels[i] = int64(data.Intn(3))
	}
	init := tensor.NewGenerator(seed)
	model := nn.Sequential{nn.NewLinear(8, 16, nn.WithGenerator(init)), nn.Tanh{}, nn.NewLinear(16, 3, nn.WithGenerator(init))}
	opt := &momentum{params: model.Parameters(), lr: 0.1, mu: 0.9}
	opt.bufs = make([]*tensor.Tensor, len(opt.params))
	return &run{model: model, opt: opt, sched: &stepLR{opt: opt, baseLR: 0.1, stepSize: 3, gamma: 0.5},
		gen: tensor.NewGenerator(seed + 1000), x: x, y: tensor.New(labels)}
}

// train runs n steps on random mini-batches of 16.
func (r *run) train(n int) {
	for range n {
		idx := r.gen.Perm(64)[:16]
		xb := make([]float32, 0, 16*8)
		yb := make([]int64, 0, 16)
		for _, i := range idx {
			xb = append(xb, r.x.Float32s()[8*i:8*i+8]...)
			yb = append(yb, r.y.Int64s()[i])
		}
		loss := functional.CrossEntropy(r.model.Forward(tensor.New(xb, 16, 8)), tensor.New(yb))
		r.opt.ZeroGrad()
		loss.Backward()
		r.opt.Step()
		r.sched.Step()
		r.step++
	}
}

func (r *run) state() *State {
	return &State{Model: r.model, Optimizer: r.opt, Scheduler: r.sched, RNG: r.gen, Step: r.step}
}

// weights returns the model's parameters' bits, for exact comparison.
func weights(m nn.Module) []uint32 {
	var out []uint32
	for _, p := range m.Parameters() {
		for _, v := range p.Contiguous().Float32s() {
			out = append(out, math.Float32bits(v))
		}
	}
	return out
}

const (
	childEnv = "GOGRAD_CHECKPOINT_CHILD" // "resume" or "save-loop": this process is a helper
	n, m     = 7, 8                      // steps before and after the checkpoint
)

// TestMain runs the helper processes TestResume and TestKill start: this test
// binary again, with childEnv set.
func TestMain(t *testing.M) {
	switch os.Getenv(childEnv) {
	case "resume":
		// Load the checkpoint into a run initialised differently, train m
		// steps, save the weights.
		r := newRun(42)
		st := r.state()
		if err := Load(os.Getenv("CKPT"), st); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		r.step = st.Step
		r.train(m)
		if err := pt.Save(os.Getenv("OUT"), nn.StateDict(r.model)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(0)
	case "save-loop":
		// Train and checkpoint after every step until killed, recording in
		// Extra the weights' bits the file should hold.
		r := newRun(0)
		for {
			r.train(1)
			st := r.state()
			st.Extra = map[string]any{"weights": bitsAsInts(weights(r.model))}
			if err := Save(os.Getenv("CKPT"), *st); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
		}
	}
	os.Exit(t.Run())
}

func bitsAsInts(b []uint32) []int {
	out := make([]int, len(b))
	for i, v := range b {
		out[i] = int(v)
	}
	return out
}

// TestResume trains n steps, checkpoints, and trains m more; then a fresh
// process loads the checkpoint into a model initialised differently and trains
// m steps: its weights must be bit-identical to the uninterrupted run's.
func TestResume(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "run.ckpt")
	r := newRun(0)
	r.train(n)
	if err := Save(ckpt, *r.state()); err != nil {
		t.Fatal(err)
	}
	r.train(m)
	want := weights(r.model)

	// The same in this process, into a fresh run.
	fresh := newRun(42)
	if slices.Equal(weights(fresh.model), weights(newRun(0).model)) {
		t.Fatal("runs with different seeds start from the same weights")
	}
	st := fresh.state()
	if err := Load(ckpt, st); err != nil {
		t.Fatal(err)
	}
	if st.Step != n || fresh.opt.lr != r.sched.baseLR*0.25 {
		t.Errorf("restored step %d, lr %v; want %d, %v", st.Step, fresh.opt.lr, n, r.sched.baseLR*0.25)
	}
	fresh.train(m)
	if !slices.Equal(weights(fresh.model), want) {
		t.Error("resumed in this process: weights differ from the uninterrupted run's")
	}

	// In a fresh process.
	out := filepath.Join(dir, "out.pt")
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"=resume", "CKPT="+ckpt, "OUT="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper process: %v\n%s", err, b)
	}
	sd, err := pt.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	child := newRun(7)
	if err := nn.LoadStateDict(child.model, sd); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(weights(child.model), want) {
		t.Error("resumed in a fresh process: weights differ from the uninterrupted run's")
	}
}

// TestKill kills a process that checkpoints after every training step
// (SIGKILL, at random moments) many times: the checkpoint left behind must
// always load, and hold the weights of one step, whole.
func TestKill(t *testing.T) {
	kills := 40
	if testing.Short() {
		kills = 10
	}
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "run.ckpt")
	rnd := rand.New(rand.NewPCG(1, 2))
	loaded, midSave := 0, 0
	for i := range kills {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), childEnv+"=save-loop", "CKPT="+ckpt)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rnd.IntN(150_000)) * time.Microsecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		mine := ".run.ckpt.tmp-" + strconv.Itoa(cmd.Process.Pid) + "-"
		if entries, _ := os.ReadDir(dir); slices.ContainsFunc(entries, func(e os.DirEntry) bool { return strings.HasPrefix(e.Name(), mine) }) {
			midSave++ // the next helper's first Save removes it
		}
		if _, err := os.Stat(ckpt); os.IsNotExist(err) {
			continue // killed before its first checkpoint
		}
		r := newRun(uint64(100 + i))
		st := r.state()
		if err := Load(ckpt, st); err != nil {
			t.Fatalf("kill %d: the last checkpoint does not load: %v", i, err)
		}
		want, _ := st.Extra["weights"].([]int)
		if !slices.Equal(bitsAsInts(weights(r.model)), want) {
			t.Fatalf("kill %d: the checkpoint of step %d holds weights of another step", i, st.Step)
		}
		loaded++
		os.Remove(ckpt) // the next helper starts over
	}
	t.Logf("%d kills; %d left a checkpoint, all whole; %d landed during a Save (a temporary file was left)", kills, loaded, midSave)
	if loaded == 0 {
		t.Error("no helper lived long enough to write a checkpoint: the test checked nothing")
	}
}

// TestLoadErrors checks files that are not checkpoints, or do not fit.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	r := newRun(0)
	sdPath := filepath.Join(dir, "sd.pt")
	if err := pt.Save(sdPath, nn.StateDict(r.model)); err != nil {
		t.Fatal(err)
	}
	if err := Load(sdPath, r.state()); err == nil || !strings.Contains(err.Error(), "not a gograd checkpoint") {
		t.Errorf("plain state dict: %v", err)
	}
	ckpt := filepath.Join(dir, "ck")
	if err := Save(ckpt, State{Model: r.model, Step: 3}); err != nil {
		t.Fatal(err)
	}
	if err := Load(ckpt, r.state()); err == nil || !strings.Contains(err.Error(), "no optimizer state") {
		t.Errorf("missing optimizer: %v", err)
	}
	other := State{Model: nn.Sequential{nn.NewLinear(8, 4)}}
	if err := Load(ckpt, &other); err == nil || !strings.Contains(err.Error(), "size mismatch") {
		t.Errorf("other model: %v", err)
	}
	if err := Load(filepath.Join(dir, "missing"), r.state()); err == nil {
		t.Error("missing file loads")
	}
	if err := Save(filepath.Join(dir, "x"), State{}); err == nil {
		t.Error("Save without a model succeeded")
	}
}

// TestEmptyState checks that an optimizer saved before its first step (an
// empty "state" map) loads back with its own map type.
func TestEmptyState(t *testing.T) {
	r := newRun(0)
	path := filepath.Join(t.TempDir(), "ck")
	if err := Save(path, *r.state()); err != nil {
		t.Fatal(err)
	}
	if err := Load(path, r.state()); err != nil {
		t.Fatal(err)
	}
	if got := conform([]any{}, []int{1}); !slices.Equal(got.([]int), []int{}) {
		t.Errorf("conform([]any{}, []int) = %#v", got)
	}
	if got := conform(map[int]map[string]any{1: {}}, map[int]any{}); len(got.(map[int]any)) != 1 {
		t.Errorf("conform(map[int]map[string]any, map[int]any) = %#v", got)
	}
}
