package optim

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// lbfgsRun is one run of testdata/lbfgs.json, written by gen_lbfgs.py.
type lbfgsRun struct {
	Name    string
	DType   string
	Options struct {
		LR              float64 `json:"lr"`
		MaxIter         int     `json:"max_iter"`
		MaxEval         int     `json:"max_eval"`
		ToleranceChange float64 `json:"tolerance_change"`
		HistorySize     int     `json:"history_size"`
		LineSearchFn    string  `json:"line_search_fn"`
	}
	X0, Y0 []float64
	Steps  []struct {
		Evals     [][]float64
		Loss      float64
		Params    []float64
		FuncEvals int `json:"func_evals"`
		NIter     int `json:"n_iter"`
	}
	MidStep int `json:"mid_step"`
	Mid     json.RawMessage
}

// rosenbrock sets up gen_lbfgs.py's problem: parameters x and y, and a closure
// that records each point it is evaluated at.
func rosenbrock(r *lbfgsRun, x0, y0 []float64) (params []*tensor.Tensor, closure func() *tensor.Tensor, evals *[][]float64) {
	dt := dtypeOf(r.DType)
	x := dt.Zeros(3).Copy_(tensor.New(x0)).SetRequiresGrad(true)
	y := dt.Zeros(3).Copy_(tensor.New(y0)).SetRequiresGrad(true)
	evals = new([][]float64)
	closure = func() *tensor.Tensor {
		x.SetGrad(nil)
		y.SetGrad(nil)
		*evals = append(*evals, append(x.Values(), y.Values()...))
		// ((1 - x)**2 + 100 * (y - x**2)**2).sum(), the three terms added in
		// order, as PyTorch's sum of fewer than 8 elements adds them (gograd's
		// Sum adds float32 blocks in float64, which rounds differently).
		e := x.RSubScalar(1).Pow(2).Add(y.Sub(x.Pow(2)).Pow(2).MulScalar(100))
		loss := e.Select(0, 0).Add(e.Select(0, 1)).Add(e.Select(0, 2))
		loss.Backward()
		return loss
	}
	return []*tensor.Tensor{x, y}, closure, evals
}

// TestLBFGSGolden minimizes gen_lbfgs.py's Rosenbrock sum with each option
// set and compares every point the closure is evaluated at (PyTorch's
// iterates, line-search trials included), the loss and parameters after each
// Step and the evaluation counters with PyTorch's. A second optimizer loaded
// with PyTorch's state_dict after step MID, on PyTorch's parameters, must
// continue as PyTorch did, and one loaded with gograd's StateDict on
// gograd's parameters must continue bit for bit as the original.
//
// Every value is compared bit for bit, in float64 and in float32: on float32
// parameters LBFGS computes each value in the type PyTorch's lbfgs.py gives
// it (lbfgs32.go), and the closure adds the loss's three terms in PyTorch's
// order. Rosenbrock's valley amplifies any difference of one ulp into a
// visible one within a few steps (summing the loss with gograd's Sum, which
// adds float32 in float64, moved the float32 iterates by 1e-5 within the
// first Step, and the float64 ones by 6e-8 after 12).
func TestLBFGSGolden(t *testing.T) {
	b, err := os.ReadFile("testdata/lbfgs.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct{ Runs []lbfgsRun }
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Runs) == 0 {
		t.Fatal("no runs")
	}
	for _, r := range g.Runs {
		t.Run(r.Name, func(t *testing.T) {
			const rtol, atol = 0, 0 // bit for bit
			o := LBFGSOptions{LR: r.Options.LR, MaxIter: r.Options.MaxIter, MaxEval: r.Options.MaxEval,
				ToleranceChange: r.Options.ToleranceChange, HistorySize: r.Options.HistorySize,
				LineSearchFn: r.Options.LineSearchFn}
			params, closure, evals := rosenbrock(&r, r.X0, r.Y0)
			opt := NewLBFGS(params, o)
			var resumed, own *LBFGS
			var resumedClosure, ownClosure func() *tensor.Tensor
			var resumedEvals *[][]float64
			var ownParams []*tensor.Tensor
			for s, want := range r.Steps {
				*evals = nil
				loss := opt.Step(closure).Item()
				if err := closeValues([]float64{loss}, []float64{want.Loss}, rtol, atol); err != nil {
					t.Fatalf("step %d: loss: %v", s+1, err)
				}
				if len(*evals) != len(want.Evals) {
					t.Fatalf("step %d: %d evaluations, torch %d", s+1, len(*evals), len(want.Evals))
				}
				for i := range want.Evals {
					if err := closeValues((*evals)[i], want.Evals[i], rtol, atol); err != nil {
						t.Fatalf("step %d: evaluation %d: %v", s+1, i, err)
					}
				}
				got := append(params[0].Values(), params[1].Values()...)
				if err := closeValues(got, want.Params, rtol, atol); err != nil {
					t.Fatalf("step %d: params: %v", s+1, err)
				}
				if opt.st.funcEvals != want.FuncEvals || opt.st.nIter != want.NIter {
					t.Fatalf("step %d: func_evals %d, n_iter %d; torch %d, %d", s+1, opt.st.funcEvals, opt.st.nIter, want.FuncEvals, want.NIter)
				}
				if own != nil {
					own.Step(ownClosure)
					a, b := append(params[0].Values(), params[1].Values()...), append(ownParams[0].Values(), ownParams[1].Values()...)
					for i := range a {
						if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
							t.Fatalf("step %d: resumed from StateDict %v, uninterrupted %v", s+1, b, a)
						}
					}
				}
				if resumed != nil {
					*resumedEvals = nil
					resumed.Step(resumedClosure)
					if err := closeValues(append(resumed.params[0].Values(), resumed.params[1].Values()...), want.Params, rtol, atol); err != nil {
						t.Fatalf("step %d, resumed from torch's state_dict: %v", s+1, err)
					}
				}
				if s+1 == r.MidStep {
					var rp []*tensor.Tensor
					rp, resumedClosure, resumedEvals = rosenbrock(&r, want.Params[:3], want.Params[3:])
					resumed = NewLBFGS(rp, o)
					if err := resumed.LoadStateDict(torchStateDict(decodeJSON(t, r.Mid))); err != nil {
						t.Fatal(err)
					}
					ownParams, ownClosure, _ = rosenbrock(&r, got[:3], got[3:])
					own = NewLBFGS(ownParams, o)
					if err := own.LoadStateDict(opt.StateDict()); err != nil {
						t.Fatal(err)
					}
				}
			}
		})
	}
}
