package functional

import (
	"math"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestDropout checks what PyTorch's dropout guarantees (its masks come from
// another generator, so values cannot be golden): kept elements are scaled by
// 1/(1-p), the share dropped is p within 5 standard errors, the gradient uses
// the same mask, evaluation and p = 0 return the input, p = 1 gives zeros, and a
// seeded generator repeats its mask.
func TestDropout(t *testing.T) {
	const n, p = 20000, 0.3
	x := tensor.Ones(n).SetRequiresGrad(true)
	y := Dropout(x, p, true, tensor.NewGenerator(1))
	if y.GradFn().Name() != "NativeDropoutBackward0" {
		t.Errorf("grad_fn %v", y.GradFn())
	}
	zeros := 0
	for _, v := range y.Values() {
		switch {
		case v == 0:
			zeros++
		case math.Abs(v-1/(1-p)) > 1e-6:
			t.Fatalf("kept value %v, want %v", v, 1/(1-p))
		}
	}
	if se := math.Sqrt(p * (1 - p) / n); math.Abs(float64(zeros)/n-p) > 5*se {
		t.Errorf("dropped %d of %d, want about %v", zeros, n, p*n)
	}
	y.Sum().Backward()
	yv, gv := y.Values(), x.Grad().Values()
	for i := range yv {
		if yv[i] != gv[i] {
			t.Fatalf("gradient [%d] = %v, output %v: masks differ", i, gv[i], yv[i])
		}
	}
	if Dropout(x, p, false, nil) != x || Dropout(x, 0, true, nil) != x {
		t.Error("evaluation or p = 0 did not return the input")
	}
	for _, v := range Dropout(x, 1, true, nil).Values() {
		if v != 0 {
			t.Fatal("p = 1 kept a value")
		}
	}
	a := Dropout(tensor.Ones(50), 0.5, true, tensor.NewGenerator(9)).Values()
	b := Dropout(tensor.Ones(50), 0.5, true, tensor.NewGenerator(9)).Values()
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("the same seed gave another mask")
		}
	}
	if tensor.Maybe(func() { Dropout(x, 1.5, true, nil) }) == nil {
		t.Error("p = 1.5 did not panic")
	}
}

// TestDropout2d checks that whole planes are dropped together, and the gradient.
func TestDropout2d(t *testing.T) {
	x := tensor.Float64.Ones(4, 8, 3, 3).SetRequiresGrad(true)
	y := Dropout2d(x, 0.5, true, tensor.NewGenerator(2))
	v := y.Values()
	for pl := range 32 {
		for i := 1; i < 9; i++ {
			if v[pl*9+i] != v[pl*9] {
				t.Fatalf("plane %d is not dropped as a whole: %v", pl, v[pl*9:pl*9+9])
			}
		}
	}
	err := tensor.GradCheck(func(in ...*tensor.Tensor) *tensor.Tensor {
		return Dropout2d(in[0], 0.5, true, tensor.NewGenerator(2))
	}, []*tensor.Tensor{x})
	if err != nil {
		t.Error(err)
	}
}
