package nninit

import (
	"fmt"
	"math"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// moments returns the mean, the standard deviation, the min and the max of t.
func moments(t *tensor.Tensor) (mean, std, lo, hi float64) {
	v := t.Values()
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		mean += x
		lo, hi = min(lo, x), max(hi, x)
	}
	mean /= float64(len(v))
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(v)-1)), lo, hi
}

// TestCalculateGain compares with torch.nn.init.calculate_gain in PyTorch 1.13.
func TestCalculateGain(t *testing.T) {
	for _, c := range []struct {
		name  string
		param []float64
		want  float64
	}{
		{"linear", nil, 1}, {"conv2d", nil, 1}, {"sigmoid", nil, 1}, {"tanh", nil, 5.0 / 3},
		{"relu", nil, 1.4142135623730951}, {"leaky_relu", nil, 1.4141428569978354},
		{"leaky_relu", []float64{math.Sqrt(5)}, 0.5773502691896257}, {"selu", nil, 0.75},
	} {
		if got := CalculateGain(c.name, c.param...); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("CalculateGain(%q, %v) = %v, want %v", c.name, c.param, got, c.want)
		}
	}
	if tensor.Maybe(func() { CalculateGain("softplus") }) == nil {
		t.Error("an unknown nonlinearity did not panic")
	}
}

// TestDistributions draws 64×3×5×5 = 4800-element weights (fan_in 75, fan_out
// 1600) and checks each initialiser's range and spread against its formula. The
// tolerances are ≈ 5 standard errors of the estimates for n = 4800.
func TestDistributions(t *testing.T) {
	g := tensor.NewGenerator(7)
	w := func() *tensor.Tensor { return tensor.Float64.Zeros(64, 3, 5, 5) }
	in, out := CalculateFanInAndFanOut(w())
	if in != 75 || out != 1600 {
		t.Fatalf("fans %d, %d, want 75, 1600", in, out)
	}
	check := func(name string, x *tensor.Tensor, wantStd, bound float64) {
		t.Helper()
		mean, std, lo, hi := moments(x)
		if math.Abs(mean) > 5*wantStd/math.Sqrt(4800) || math.Abs(std/wantStd-1) > 0.05 {
			t.Errorf("%s: mean %.4g std %.4g, want 0 and %.4g", name, mean, std, wantStd)
		}
		if bound > 0 && (lo < -bound || hi > bound) {
			t.Errorf("%s: values in [%g, %g], want within ±%g", name, lo, hi, bound)
		}
	}
	b := 1 / math.Sqrt(75) // kaiming_uniform a=√5, PyTorch's Linear/Conv default
	check("KaimingUniform_(√5)", KaimingUniform_(w(), math.Sqrt(5), FanIn, "leaky_relu", g), b/math.Sqrt(3), b)
	check("KaimingNormal_ relu fan_out", KaimingNormal_(w(), 0, FanOut, "relu", g), math.Sqrt(2.0/1600), 0)
	xb := math.Sqrt(6.0 / (75 + 1600))
	check("XavierUniform_", XavierUniform_(w(), 1, g), xb/math.Sqrt(3), xb)
	check("XavierNormal_ gain 2", XavierNormal_(w(), 2, g), 2*math.Sqrt(2.0/1675), 0)
	check("Normal_", Normal_(w(), 0, 0.02, g), 0.02, 0)
	// N(0,1) truncated to [-2, 2] has std 0.8796 (1 - 2·2·φ(2)/(2Φ(2)-1)).
	check("TruncNormal_", TruncNormal_(w(), 0, 1, -2, 2, g), 0.879596, 2)
	if _, _, lo, hi := moments(Constant_(w(), 0.3)); lo != 0.3 || hi != 0.3 {
		t.Error("Constant_")
	}
	if tensor.Maybe(func() { XavierUniform_(tensor.Zeros(3), 1, g) }) == nil {
		t.Error("a 1-d tensor did not panic")
	}
}

func TestOrthogonal(t *testing.T) {
	for _, shape := range [][]int{{6, 4}, {4, 6}, {3, 2, 2}} {
		w := Orthogonal_(tensor.Float64.Zeros(shape...), 2, tensor.NewGenerator(3))
		r, c := shape[0], w.Numel()/shape[0]
		m := w.Reshape(r, c)
		var p *tensor.Tensor
		if r >= c {
			p = m.T().MatMul(m) // columns orthogonal
		} else {
			p = m.MatMul(m.T())
		}
		n := p.Size(0)
		v := p.Values()
		for i := range n {
			for j := range n {
				want := 0.0
				if i == j {
					want = 4 // gain²
				}
				if math.Abs(v[i*n+j]-want) > 1e-12 {
					t.Fatalf("%v: (QᵀQ)[%d,%d] = %v, want %v", shape, i, j, v[i*n+j], want)
				}
			}
		}
	}
}

func TestSeeded(t *testing.T) {
	a := KaimingUniform_(tensor.Zeros(4, 3), 0, FanIn, "relu", tensor.NewGenerator(5)).Values()
	b := KaimingUniform_(tensor.Zeros(4, 3), 0, FanIn, "relu", tensor.NewGenerator(5)).Values()
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("the same seed gave different values")
		}
	}
}

func Example() {
	w := tensor.Zeros(256, 128)
	KaimingNormal_(w, 0, FanIn, "relu", tensor.NewGenerator(1))
	_, std, _, _ := moments(w)
	fmt.Printf("std %.2f (√(2/128) = %.2f)\n", std, math.Sqrt(2.0/128))
	// Output: std 0.12 (√(2/128) = 0.12)
}
