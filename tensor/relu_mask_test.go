package tensor

import (
	"math"
	"testing"
)

// TestMaskPositiveRule checks ReLU's gradient kernels, float32 and float64, at
// the values where a sign test on the bits goes wrong: PyTorch's
// threshold_backward passes the gradient unless ref <= 0, so -0 blocks it and
// NaNs of both signs pass it. Lengths 1 and 19 run the float32 kernel's plain
// loop and its vector body.
func TestMaskPositiveRule(t *testing.T) {
	negNaN := math.Float64frombits(math.Float64bits(math.NaN()) | 1<<63)
	special := []float64{0, math.Copysign(0, -1), math.NaN(), negNaN, math.Inf(1), math.Inf(-1),
		1, -1, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 1e-45, -1e-45}
	for _, n := range []int{1, 19} {
		for _, r := range special {
			ref64, g64 := make([]float64, n), make([]float64, n)
			ref32, g32 := make([]float32, n), make([]float32, n)
			for i := range n {
				ref64[i], g64[i] = r, float64(i+2)
				ref32[i], g32[i] = float32(r), float32(i+2)
			}
			d64, d32 := make([]float64, n), make([]float32, n)
			maskPositive64(d64, g64, ref64)
			maskPositive32(d32, g32, ref32)
			for i := range n {
				want64, want32 := 0.0, float32(0)
				if !(ref64[i] <= 0) {
					want64 = g64[i]
				}
				if !(ref32[i] <= 0) {
					want32 = g32[i]
				}
				if math.Float64bits(d64[i]) != math.Float64bits(want64) {
					t.Errorf("float64 n=%d ref %v: dst[%d] = %v, want %v", n, r, i, d64[i], want64)
				}
				if math.Float32bits(d32[i]) != math.Float32bits(want32) {
					t.Errorf("float32 n=%d ref %v: dst[%d] = %v, want %v", n, float32(r), i, d32[i], want32)
				}
			}
		}
	}
}

// TestReluGradNaN checks ReLU's gradient at NaN inputs of both signs against
// PyTorch 1.13, where torch.relu(x).backward(ones) gives x.grad = 1 at NaN (its
// threshold_backward tests x <= 0, false for NaN), and 0 at -0 and 0.
func TestReluGradNaN(t *testing.T) {
	negNaN := math.Float64frombits(math.Float64bits(math.NaN()) | 1<<63)
	in := []float64{math.NaN(), negNaN, math.Copysign(0, -1), 0, 1, -1}
	want := []float64{1, 1, 0, 0, 1, 0}
	for _, dt := range []DType{Float32, Float64} {
		for _, reps := range []int{1, 7} { // 6 and 42 elements: plain loop and vector body
			var v, w []float64
			for range reps {
				v, w = append(v, in...), append(w, want...)
			}
			x := New(v).To(dt).SetRequiresGrad(true)
			x.Relu().Sum().Backward()
			for i, g := range x.Grad().Values() {
				if g != w[i] {
					t.Errorf("%v: grad[%d] at %v = %v, want %v", dt, i, v[i], g, w[i])
				}
			}
		}
	}
}

// TestSignedZeroClampLikePyTorch checks Relu, Relu_, Hardtanh and Clamp at -0,
// +0 and NaN against what PyTorch 1.13 printed for the same inputs (in
// comments), float32 and float64, for one short vector and one long enough for
// the vector kernels: an element is replaced only when it is below lo or above
// hi, so -0 stays -0 against a bound of 0 and NaN stays NaN.
func TestSignedZeroClampLikePyTorch(t *testing.T) {
	nz, nan := math.Copysign(0, -1), math.NaN()
	in := []float64{nz, 0, nan, -1, 7}
	cases := []struct {
		name string
		f    func(*Tensor) *Tensor
		want []float64
	}{
		{"Relu", (*Tensor).Relu, []float64{nz, 0, nan, 0, 7}}, // torch.relu
		{"Relu_", func(x *Tensor) *Tensor { return x.Clone().Relu_() }, []float64{nz, 0, nan, 0, 7}},
		{"Hardtanh(0,6)", func(x *Tensor) *Tensor { return x.Hardtanh(0, 6) }, []float64{nz, 0, nan, 0, 6}}, // F.hardtanh
		{"Clamp(0,6)", func(x *Tensor) *Tensor { return x.Clamp(0, 6) }, []float64{nz, 0, nan, 0, 6}},       // torch.clamp
		{"Clamp(-0,6)", func(x *Tensor) *Tensor { return x.Clamp(nz, 6) }, []float64{nz, 0, nan, nz, 6}},
		{"Clamp(0,-0)", func(x *Tensor) *Tensor { return x.Clamp(0, nz) }, []float64{nz, 0, nan, 0, nz}},
		{"Clamp(5,1)", func(x *Tensor) *Tensor { return x.Clamp(5, 1) }, []float64{1, 1, nan, 1, 1}},
	}
	for _, dt := range []DType{Float32, Float64} {
		for _, reps := range []int{1, 20000} {
			var data []float64
			for range reps {
				data = append(data, in...)
			}
			x := New(data, len(data)).To(dt)
			for _, c := range cases {
				got := c.f(x).Values()
				for i, v := range got {
					w := c.want[i%len(in)]
					if !(v == w && math.Signbit(v) == math.Signbit(w) || v != v && w != w) {
						t.Errorf("%v %s, %d elements: [%d] = %v (sign %v), want %v (sign %v)", dt, c.name, len(data), i, v, math.Signbit(v), w, math.Signbit(w))
						break
					}
				}
			}
		}
	}
}
