package sched_test

import (
	"math"
	"testing"

	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/optim"
	"github.com/gograd/gograd/optim/sched"
	"github.com/gograd/gograd/tensor"
)

// trainer is a model with its optimizer and scheduler.
type trainer struct {
	model nn.Sequential
	opt   *optim.AdamW
	s     *sched.OneCycleLR
}

func newTrainer() *trainer {
	model := nn.Sequential{nn.NewLinear(4, 16, nn.WithGenerator(tensor.NewGenerator(1))), nn.ReLU{},
		nn.NewLinear(16, 2, nn.WithGenerator(tensor.NewGenerator(2)))}
	opt := optim.NewAdamW(model.Parameters(), optim.AdamWOptions{WeightDecay: 0.05, AMSGrad: true})
	s := sched.NewOneCycleLR(opt, sched.OneCycleLROptions{MaxLR: []float64{0.05}, TotalSteps: 40})
	return &trainer{model, opt, s}
}

func (tr *trainer) train(steps int) {
	g := tensor.NewGenerator(7)
	x := g.Normal(tensor.Zeros(8, 4), 0, 1)
	y := g.Normal(tensor.Zeros(8, 2), 0, 1)
	for range steps {
		tr.opt.ZeroGrad()
		nn.MSELoss{}.Forward(tr.model.Forward(x), y).Backward()
		tr.opt.Step()
		tr.s.Step()
	}
}

// TestResumeTraining trains a model with AdamW (AMSGrad, weight decay) under
// OneCycleLR (which also cycles β1) for 15 steps, saves the weights and both
// state dicts, loads them into a freshly built model, optimizer and scheduler,
// and trains both 20 more steps: the weights must agree bit for bit.
func TestResumeTraining(t *testing.T) {
	a := newTrainer()
	a.train(15)
	optSD, schedSD := a.opt.StateDict(), a.s.StateDict()
	weights := nn.StateDict(a.model)

	b := newTrainer() // constructing moves LR and β1; loading puts them back
	if err := nn.LoadStateDict(b.model, weights); err != nil {
		t.Fatal(err)
	}
	if err := b.opt.LoadStateDict(optSD); err != nil {
		t.Fatal(err)
	}
	if err := b.s.LoadStateDict(schedSD); err != nil {
		t.Fatal(err)
	}
	a.train(20)
	b.train(20)
	pa, pb := nn.NamedParameters(a.model), nn.NamedParameters(b.model)
	for i := range pa {
		va, vb := pa[i].Tensor.Values(), pb[i].Tensor.Values()
		for j := range va {
			if math.Float64bits(va[j]) != math.Float64bits(vb[j]) {
				t.Fatalf("%s[%d]: resumed %v, uninterrupted %v", pa[i].Name, j, vb[j], va[j])
			}
		}
	}
	if a.opt.LR(0) != b.opt.LR(0) {
		t.Errorf("lr: resumed %v, uninterrupted %v", b.opt.LR(0), a.opt.LR(0))
	}
}
