package nn

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// utilsGolden is testdata/utils.json, written by testdata/gen_utils.py.
type utilsGolden struct {
	Shapes       [][]int `json:"shapes"`
	ClipGradNorm []struct {
		DType    string      `json:"dtype"`
		NormType string      `json:"norm_type"`
		MaxNorm  float64     `json:"max_norm"`
		Total    float64     `json:"total"`
		Grads    [][]float64 `json:"grads"`
	} `json:"clip_grad_norm"`
	ClipGradValue []struct {
		DType string      `json:"dtype"`
		Clip  float64     `json:"clip"`
		Grads [][]float64 `json:"grads"`
	} `json:"clip_grad_value"`
	ParametersToVector struct {
		Vector []float64   `json:"vector"`
		GradFn string      `json:"grad_fn"`
		Grads  [][]float64 `json:"grads"`
	} `json:"parameters_to_vector"`
	WeightNorm []struct {
		DType        string    `json:"dtype"`
		Dim          int       `json:"dim"`
		GShape       []int     `json:"g_shape"`
		G            []float64 `json:"g"`
		V            []float64 `json:"v"`
		Y            []float64 `json:"y"`
		Names        []string  `json:"names"`
		StateKeys    []string  `json:"state_keys"`
		GradG        []float64 `json:"grad_g"`
		GradV        []float64 `json:"grad_v"`
		GradBias     []float64 `json:"grad_bias"`
		GradX        []float64 `json:"grad_x"`
		WeightGradFn string    `json:"weight_grad_fn"`
	} `json:"weight_norm"`
	SpectralNorm []struct {
		DType            string    `json:"dtype"`
		In               int       `json:"in"`
		Out              int       `json:"out"`
		NPowerIterations int       `json:"n_power_iterations"`
		Eps              float64   `json:"eps"`
		U0               []float64 `json:"u0"`
		V0               []float64 `json:"v0"`
		UInit            []float64 `json:"u_init"`
		VInit            []float64 `json:"v_init"`
		Names            []string  `json:"names"`
		StateKeys        []string  `json:"state_keys"`
		Steps            []struct {
			Y            []float64 `json:"y"`
			U            []float64 `json:"u"`
			V            []float64 `json:"v"`
			GradOriginal []float64 `json:"grad_original"`
			GradBias     []float64 `json:"grad_bias"`
		} `json:"steps"`
		WeightGradFn string    `json:"weight_grad_fn"`
		EvalY        []float64 `json:"eval_y"`
		EvalU        []float64 `json:"eval_u"`
	} `json:"spectral_norm"`
}

// formula returns the values f(0), f(1), ..., n of them.
func formula(n int, f func(i float64) float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = f(float64(i))
	}
	return out
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// utilsParams returns gen_utils.py's params(dtype): three parameters with
// gradients set.
func utilsParams(d tensor.DType, shapes [][]int) []*tensor.Tensor {
	var ps []*tensor.Tensor
	for k, shape := range shapes {
		kf := float64(k)
		p := fromValues(d, formula(numel(shape), func(i float64) float64 { return math.Sin(i + kf) }), shape...).SetRequiresGrad(true)
		p.SetGrad(fromValues(d, formula(numel(shape), func(i float64) float64 { return (kf + 1) * math.Cos(1.3*i+kf) }), shape...))
		ps = append(ps, p)
	}
	return ps
}

// ulps is the tolerance for values that are exact in gograd and torch alike,
// up to the inputs: Go's math.Sin and math.Cos, which rebuild them, may differ
// from the C library's by an ulp.
const ulps = 1e-15

// tolerance returns the relative tolerance for dtype name: float32 results
// differ from torch's by the order of the sums; float64 by rounding only.
func tolerance(dtype string) float64 {
	if dtype == "float32" {
		return 1e-5
	}
	return 1e-12
}

// loadUtils reads testdata/utils.json, failing t if a section is empty.
func loadUtils(t *testing.T) utilsGolden {
	t.Helper()
	var g utilsGolden
	loadJSON(t, "testdata/utils.json", &g)
	if len(g.ClipGradNorm) == 0 || len(g.ClipGradValue) == 0 || len(g.ParametersToVector.Vector) == 0 || len(g.WeightNorm) == 0 || len(g.SpectralNorm) == 0 {
		t.Fatal("testdata/utils.json lacks a section")
	}
	return g
}

func TestClipGradNormMatchesTorch(t *testing.T) {
	golden := loadUtils(t)
	for _, c := range golden.ClipGradNorm {
		name := c.DType + "/p=" + c.NormType + "/max=" + strconv.FormatFloat(c.MaxNorm, 'g', -1, 64)
		p, err := strconv.ParseFloat(c.NormType, 64)
		if err != nil {
			t.Fatal(err)
		}
		ps := utilsParams(dtypeOf(t, c.DType), golden.Shapes)
		total, err := ClipGradNorm_(ps, c.MaxNorm, p, true)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rtol := tolerance(c.DType)
		checkClose(t, name+" total", []float64{total}, []float64{c.Total}, rtol, 0)
		for k, q := range ps {
			checkClose(t, name+" grad "+strconv.Itoa(k), q.Grad().Values(), c.Grads[k], rtol, rtol)
		}
	}
}

func TestClipGradNormSpecialCases(t *testing.T) {
	if total, err := ClipGradNorm_([]*tensor.Tensor{tensor.Zeros(2).SetRequiresGrad(true)}, 1, 2, true); total != 0 || err != nil {
		t.Errorf("no gradients: total %v, error %v", total, err)
	}
	nan := tensor.Zeros(2).SetRequiresGrad(true)
	nan.SetGrad(tensor.New([]float32{float32(math.NaN()), 1}))
	total, err := ClipGradNorm_([]*tensor.Tensor{nan}, 1, 2, true)
	if !math.IsNaN(total) || err == nil || !strings.Contains(err.Error(), "non-finite") {
		t.Errorf("NaN gradient: total %v, error %v", total, err)
	}
	if g := nan.Grad().Values(); g[1] != 1 {
		t.Errorf("the error left the gradients changed: %v", g)
	}
	// Without the check, the gradients are scaled by the NaN coefficient, as
	// torch.nn.utils.clip_grad_norm_(error_if_nonfinite=False) does.
	if _, err := ClipGradNorm_([]*tensor.Tensor{nan}, 1, 2, false); err != nil || !math.IsNaN(nan.Grad().Values()[1]) {
		t.Errorf("NaN gradient, no check: error %v, gradient %v", err, nan.Grad())
	}
}

func TestClipGradValueMatchesTorch(t *testing.T) {
	golden := loadUtils(t)
	for _, c := range golden.ClipGradValue {
		ps := utilsParams(dtypeOf(t, c.DType), golden.Shapes)
		ClipGradValue_(ps, c.Clip)
		for k, q := range ps {
			checkClose(t, c.DType+" grad "+strconv.Itoa(k), q.Grad().Values(), c.Grads[k], ulps, 0)
		}
	}
}

func TestParametersToVector(t *testing.T) {
	golden := loadUtils(t)
	ps := utilsParams(tensor.Float64, golden.Shapes)
	for _, p := range ps {
		p.SetGrad(nil)
	}
	want := golden.ParametersToVector
	v := ParametersToVector(ps)
	checkClose(t, "vector", v.Values(), want.Vector, ulps, 0)
	if v.GradFn().Name() != want.GradFn {
		t.Errorf("grad_fn %s, torch %s", v.GradFn().Name(), want.GradFn)
	}
	c := tensor.New(formula(v.Numel(), func(i float64) float64 { return math.Cos(0.3*i + 0.2) }))
	v.Mul(v).Mul(c).Sum().Backward()
	for k, p := range ps {
		checkClose(t, "grad "+strconv.Itoa(k), p.Grad().Values(), want.Grads[k], 1e-14, 1e-14)
	}
	// The gradient and its gradient (double backward) against finite differences.
	f := func(in ...*tensor.Tensor) *tensor.Tensor {
		v := ParametersToVector(in)
		return v.Mul(v).Mul(c)
	}
	inputs := utilsParams(tensor.Float64, golden.Shapes)
	if err := tensor.GradCheck(f, inputs); err != nil {
		t.Error(err)
	}
	if err := tensor.GradGradCheck(f, inputs); err != nil {
		t.Error(err)
	}

	// VectorToParameters puts the values back, without recording.
	dst := []*tensor.Tensor{tensor.Float64.Zeros(3, 4), tensor.Float64.Zeros(5), tensor.Float64.Zeros(2, 2, 2)}
	VectorToParameters(v.Detach(), dst)
	for k, p := range dst {
		checkClose(t, "VectorToParameters "+strconv.Itoa(k), p.Values(), ps[k].Values(), 0, 0)
	}
	if err := tensor.Maybe(func() { VectorToParameters(tensor.Zeros(24), dst) }); err == nil || !strings.Contains(err.Error(), "25 parameter elements") {
		t.Errorf("short vector: error %v", err)
	}
}
