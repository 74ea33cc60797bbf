package nn

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// utilsLinear returns gen_utils.py's linear(in, out, dtype): a Linear with
// weights from formulas, and the input x (2, in).
func utilsLinear(d tensor.DType, in, out int) (*Linear, *tensor.Tensor) {
	l := NewLinear(in, out, WithDType(d))
	tensor.NoGrad(func() {
		l.Weight.Copy_(tensor.New(formula(out*in, func(i float64) float64 { return 0.5 * math.Sin(i+1) })))
		l.Bias.Copy_(tensor.New(formula(out, func(i float64) float64 { return 0.3 * math.Cos(2*i+1) })))
	})
	x := fromValues(d, formula(2*in, func(i float64) float64 { return math.Sin(0.7*i+0.1) * 1.5 }), 2, in).SetRequiresGrad(true)
	return l, x
}

// utilsLoss is gen_utils.py's loss: (y * c).sum() with c[i] = cos(0.3 i + 0.2).
func utilsLoss(y *tensor.Tensor) *tensor.Tensor {
	c := fromValues(y.DType(), formula(y.Numel(), func(i float64) float64 { return math.Cos(0.3*i + 0.2) }), y.Shape()...)
	return y.Mul(c).Sum()
}

// stateKeys returns the keys of StateDict(m), in the order torch lists them.
func stateKeys(m Module) []string {
	var out []string
	for _, p := range state(m) {
		out = append(out, p.Name)
	}
	return out
}

func names(m Module) []string {
	var out []string
	for _, p := range NamedParameters(m) {
		out = append(out, p.Name)
	}
	return out
}

func TestWeightNormMatchesTorch(t *testing.T) {
	golden := loadUtils(t)
	for _, c := range golden.WeightNorm {
		name := fmt.Sprintf("%s/dim=%d", c.DType, c.Dim)
		l, x := utilsLinear(dtypeOf(t, c.DType), 4, 3)
		w := WeightNorm(l, "weight", c.Dim)
		rtol := tolerance(c.DType)
		if !slices.Equal(w.G.Shape(), c.GShape) || !slices.Equal(names(w), c.Names) || !slices.Equal(stateKeys(w), c.StateKeys) {
			t.Errorf("%s: g of shape %v, names %v, state %v; torch %v, %v, %v", name, w.G.Shape(), names(w), stateKeys(w), c.GShape, c.Names, c.StateKeys)
		}
		checkClose(t, name+" g", w.G.Values(), c.G, rtol, 0)
		checkClose(t, name+" v", w.V.Values(), c.V, ulps, 0)
		if fn := w.Weight().GradFn().Name(); fn != c.WeightGradFn {
			t.Errorf("%s: weight grad_fn %s, torch %s", name, fn, c.WeightGradFn)
		}
		y := w.Forward(x)
		utilsLoss(y).Backward()
		checkClose(t, name+" y", y.Values(), c.Y, rtol, rtol)
		checkClose(t, name+" grad g", w.G.Grad().Values(), c.GradG, rtol, rtol)
		checkClose(t, name+" grad v", w.V.Grad().Values(), c.GradV, rtol, rtol)
		checkClose(t, name+" grad bias", w.Module.Bias.Grad().Values(), c.GradBias, rtol, rtol)
		checkClose(t, name+" grad x", x.Grad().Values(), c.GradX, rtol, rtol)
	}
}

func TestWeightNormGradCheck(t *testing.T) {
	for _, dim := range []int{0, 1, -1} {
		l, _ := utilsLinear(tensor.Float64, 4, 3)
		w := WeightNorm(l, "weight", dim)
		f := func(in ...*tensor.Tensor) *tensor.Tensor {
			return (&WeightNormed[*Linear]{Dim: dim, V: in[0], G: in[1]}).Weight()
		}
		inputs := []*tensor.Tensor{w.V, w.G}
		if err := tensor.GradCheck(f, inputs); err != nil {
			t.Errorf("dim %d: %v", dim, err)
		}
		if err := tensor.GradGradCheck(f, inputs); err != nil {
			t.Errorf("dim %d: double backward: %v", dim, err)
		}
	}
	if err := tensor.Maybe(func() { WeightNorm(NewLinear(2, 2), "weight", 2) }); err == nil || !strings.Contains(err.Error(), "dim 2") {
		t.Errorf("dim 2: error %v", err)
	}
}

func TestSpectralNormMatchesTorch(t *testing.T) {
	golden := loadUtils(t)
	for _, c := range golden.SpectralNorm {
		d := dtypeOf(t, c.DType)
		name := c.DType + "/" + NewLinear(c.In, c.Out).String()
		l, x := utilsLinear(d, c.In, c.Out)
		s := SpectralNorm(l, "weight", SpectralNormOptions{NPowerIterations: c.NPowerIterations, Eps: c.Eps,
			U0: fromValues(d, c.U0, c.Out), V0: fromValues(d, c.V0, c.In)})
		// Power iteration converges to the singular vectors, so the float32
		// rounding of each step does not build up.
		rtol := tolerance(c.DType)
		if !slices.Equal(names(s), c.Names) || !slices.Equal(stateKeys(s), c.StateKeys) {
			t.Errorf("%s: names %v, state %v; torch %v, %v", name, names(s), stateKeys(s), c.Names, c.StateKeys)
		}
		checkClose(t, name+" u after 15 iterations", s.U.Values(), c.UInit, rtol, rtol)
		checkClose(t, name+" v after 15 iterations", s.V.Values(), c.VInit, rtol, rtol)
		for k, step := range c.Steps {
			s.Original.SetGrad(nil)
			s.Module.Bias.SetGrad(nil)
			y := s.Forward(x)
			utilsLoss(y).Backward()
			what := fmt.Sprintf("%s step %d", name, k)
			checkClose(t, what+" y", y.Values(), step.Y, rtol, rtol)
			checkClose(t, what+" u", s.U.Values(), step.U, rtol, rtol)
			checkClose(t, what+" v", s.V.Values(), step.V, rtol, rtol)
			checkClose(t, what+" grad original", s.Original.Grad().Values(), step.GradOriginal, rtol, rtol)
			checkClose(t, what+" grad bias", s.Module.Bias.Grad().Values(), step.GradBias, rtol, rtol)
		}
		evalMode := Eval(s)
		if fn := s.Weight().GradFn().Name(); fn != c.WeightGradFn {
			t.Errorf("%s: weight grad_fn %s, torch %s", name, fn, c.WeightGradFn)
		}
		checkClose(t, name+" eval y", evalMode.Forward(x).Values(), c.EvalY, rtol, rtol)
		checkClose(t, name+" eval u (unchanged)", s.U.Values(), c.EvalU, rtol, rtol)

		// The state as torch's state_dict holds it, loaded into a layer that
		// started elsewhere, gives torch's output in eval mode.
		last := c.Steps[len(c.Steps)-1]
		fresh := SpectralNorm(NewLinear(c.In, c.Out, WithDType(d)), "weight", SpectralNormOptions{NPowerIterations: c.NPowerIterations, Eps: c.Eps})
		err := LoadStateDict(fresh, map[string]*tensor.Tensor{
			"bias": s.Module.Bias, "parametrizations.weight.original": s.Original,
			"parametrizations.weight.0._u": fromValues(d, last.U, c.Out), "parametrizations.weight.0._v": fromValues(d, last.V, c.In),
		})
		if err != nil {
			t.Fatal(err)
		}
		fresh.SetTraining(false)
		checkClose(t, name+" eval y after LoadStateDict", fresh.Forward(x).Values(), c.EvalY, rtol, rtol)
	}
}

func TestSpectralNormGradCheck(t *testing.T) {
	l, _ := utilsLinear(tensor.Float64, 4, 3)
	s := SpectralNorm(l, "weight", SpectralNormOptions{Generator: tensor.NewGenerator(1)})
	s.SetTraining(false) // u and v fixed: the weight is a function of Original alone
	f := func(in ...*tensor.Tensor) *tensor.Tensor {
		c := *s
		c.Original = in[0]
		return c.Weight()
	}
	if err := tensor.GradCheck(f, []*tensor.Tensor{s.Original}); err != nil {
		t.Error(err)
	}
	if err := tensor.GradGradCheck(f, []*tensor.Tensor{s.Original}); err != nil {
		t.Error(err)
	}
	// Trained long enough, σ is the largest singular value: 1 after division.
	Train(s)
	if !s.Training() {
		t.Error("Train did not set training mode")
	}
	for range 50 {
		s.Weight()
	}
	w := s.Weight().Detach()
	uv := s.U.Unsqueeze(1).Mul(s.V.Unsqueeze(0))
	if sigma := w.Mul(uv).Sum().Item(); math.Abs(sigma-1) > 1e-12 {
		t.Errorf("σ of the normalised weight is %v, want 1", sigma)
	}
	for _, opts := range []SpectralNormOptions{{NPowerIterations: -1}, {U0: tensor.Zeros(4)}} {
		if err := tensor.Maybe(func() { SpectralNorm(NewLinear(4, 3), "weight", opts) }); err == nil {
			t.Errorf("%+v: no panic", opts)
		}
	}
}
