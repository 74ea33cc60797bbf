package tensor

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"testing"
)

// formatCase is one entry of testdata/format_golden.json, written by
// testdata/gen_format_golden.py from PyTorch 1.13's repr.
type formatCase struct {
	Name         string            `json:"name"`
	DType        string            `json:"dtype"`
	Shape        []int             `json:"shape"`
	Data         []json.RawMessage `json:"data"`
	RequiresGrad bool              `json:"requires_grad"`
	GradFn       string            `json:"grad_fn"`
	Want         string            `json:"want"`
}

// tensor rebuilds the case's tensor. A grad_fn is attached as a bare node of
// PyTorch's name: the golden file checks formatting, not the ops that made it.
func (c formatCase) tensor(t *testing.T) *Tensor {
	t.Helper()
	dt := map[string]DType{"float32": Float32, "float64": Float64, "int64": Int64, "bool": Bool}[c.DType]
	x := empty(dt, append([]int{}, c.Shape...))
	if len(c.Data) != x.Numel() {
		t.Fatalf("%s: %d values for shape %v", c.Name, len(c.Data), c.Shape)
	}
	for i, raw := range c.Data {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			v := map[string]float64{"nan": math.NaN(), "inf": math.Inf(1), "-inf": math.Inf(-1)}[s]
			x.setFlat(i, v)
			continue
		}
		if dt == Bool {
			var b bool
			if err := json.Unmarshal(raw, &b); err != nil {
				t.Fatalf("%s: value %d: %v", c.Name, i, err)
			}
			x.i64[i] = bit(b)
			continue
		}
		if dt == Int64 {
			v, err := strconv.ParseInt(string(raw), 10, 64)
			if err != nil {
				t.Fatalf("%s: value %d: %v", c.Name, i, err)
			}
			x.i64[i] = v
			continue
		}
		v, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			t.Fatalf("%s: value %d: %v", c.Name, i, err)
		}
		x.setFlat(i, v) // exact: PyTorch wrote float32 values as their float64 value
	}
	x.requiresGrad = c.RequiresGrad
	if c.GradFn != "" {
		x.requiresGrad = true
		x.gradFn = &Node{name: c.GradFn}
	}
	return x
}

func TestFormatGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/format_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []formatCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no cases in testdata/format_golden.json")
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			if got := c.tensor(t).String(); got != c.Want {
				t.Errorf("got\n%s\nwant (PyTorch 1.13)\n%s", got, c.Want)
			}
		})
	}
}

// TestStringOps prints results of real ops; the wants are PyTorch 1.13's repr of
// the same expressions.
func TestStringOps(t *testing.T) {
	x := Scalar(40).SetRequiresGrad(true)
	w := New([]float32{-0.2796, -0.2796}).SetRequiresGrad(true)
	m := Arange(0, 6, 1).Reshape(2, 3).SetRequiresGrad(true)
	cases := []struct {
		name string
		t    *Tensor
		want string
	}{
		// torch.tensor(40., requires_grad=True) * 30 + 50
		{"add", x.Mul(Scalar(30)).Add(Scalar(50)), "tensor(1250., grad_fn=<AddBackward0>)"},
		// torch.tensor([-0.2796, -0.2796], requires_grad=True).mean()
		{"mean", w.Mean(), "tensor(-0.2796, grad_fn=<MeanBackward0>)"},
		// torch.tensor([-2.3873, 1.7180, 0.2499], requires_grad=True)
		{"leaf", New([]float32{-2.3873, 1.7180, 0.2499}).SetRequiresGrad(true),
			"tensor([-2.3873,  1.7180,  0.2499], requires_grad=True)"},
		// torch.full((3,), 2.) / 3
		{"thirds", Full(2, 3).Div(Scalar(3)), "tensor([0.6667, 0.6667, 0.6667])"},
		// torch.arange(6.).reshape(2, 3).requires_grad_() * 0.5
		{"matrix", m.Mul(Scalar(0.5)),
			"tensor([[0.0000, 0.5000, 1.0000],\n        [1.5000, 2.0000, 2.5000]], grad_fn=<MulBackward0>)"},
		// torch.arange(2000.)
		{"summarised", Arange(0, 2000, 1),
			"tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])"},
		// torch.tensor([1, 2, 3])
		{"int64", New([]int64{1, 2, 3}), "tensor([1, 2, 3])"},
		// torch.tensor([1., 2.], dtype=torch.float64)
		{"float64", New([]float64{1, 2}), "tensor([1., 2.], dtype=torch.float64)"},
		// torch.zeros(2, 0)
		{"empty", Zeros(2, 0), "tensor([], size=(2, 0))"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.t.String(); got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
			if got := fmt.Sprint(c.t); got != c.want {
				t.Errorf("fmt.Sprint: got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

func ExampleTensor_String() {
	m := New([]float32{1, -2.5, 3, 0.25, 10, -6}, 2, 3)
	fmt.Println(m)

	x := Scalar(40).SetRequiresGrad(true)
	y := x.Mul(Scalar(30)).Add(Scalar(50))
	fmt.Println(y)
	// Output:
	// tensor([[ 1.0000, -2.5000,  3.0000],
	//         [ 0.2500, 10.0000, -6.0000]])
	// tensor(1250., grad_fn=<AddBackward0>)
}
