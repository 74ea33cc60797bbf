package pt

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/tensor"
)

// wantTensor is a tensor as testdata/gen_testdata.py describes it.
type wantTensor struct {
	Shape  []int     `json:"shape"`
	DType  string    `json:"dtype"`
	Values []float64 `json:"values"`
}

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// TestLoadDTypes loads tensors of every storage type, a transposed one, views
// of a shared storage and a Parameter, from torch.save's zip and legacy
// formats, and compares them with PyTorch's values (testdata/gen_testdata.py).
func TestLoadDTypes(t *testing.T) {
	var want map[string]wantTensor
	readJSON(t, "dtypes.json", &want)
	// The int64 values beyond 2⁵³ that float64 JSON cannot hold exactly,
	// as gen_testdata.py writes them.
	wantI64 := []int64{-(1 << 62), -1, 0, 1, 1<<62 + 7}
	for _, file := range []string{"dtypes.pt", "dtypes_legacy.pt"} {
		t.Run(file, func(t *testing.T) {
			sd, err := Load(filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			if len(sd) != len(want) {
				t.Errorf("%d tensors, want %d", len(sd), len(want))
			}
			for name, w := range want {
				got := sd[name]
				if got == nil {
					t.Errorf("%s missing", name)
					continue
				}
				if !slices.Equal(got.Shape(), w.Shape) || got.DType().String() != w.DType {
					t.Errorf("%s: %v %v, want %v %s", name, got.DType(), got.Shape(), w.Shape, w.DType)
					continue
				}
				if name == "i64" {
					if !slices.Equal(got.Int64s(), wantI64) {
						t.Errorf("i64 = %v, want %v", got.Int64s(), wantI64)
					}
					continue
				}
				if !slices.Equal(got.Values(), w.Values) {
					t.Errorf("%s = %v, want %v", name, got.Values(), w.Values)
				}
			}
		})
	}
}

// readDigits reads the rows of examples/digits' data from row first on: the
// 64 pixels scaled to [0, 1] as gen_testdata.py scales them.
func readDigits(t *testing.T, first int) *tensor.Tensor {
	t.Helper()
	b, err := os.ReadFile("../examples/digits/digits.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(zr).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var x []float32
	for _, r := range rows[first:] {
		for _, f := range r[:64] {
			v, err := strconv.Atoi(f)
			if err != nil {
				t.Fatal(err)
			}
			x = append(x, float32(v)/16)
		}
	}
	return tensor.New(x, len(rows)-first, 64)
}

// TestDigitsMLP loads an MLP PyTorch trained on the digits and checks that
// gograd's forward pass gives PyTorch's logits on the held-out images.
func TestDigitsMLP(t *testing.T) {
	var want struct {
		First  int         `json:"first_test_row"`
		Logits [][]float64 `json:"logits"`
	}
	readJSON(t, "digits.json", &want)
	for _, file := range []string{"digits_mlp.pt", "digits_checkpoint.pt"} {
		obj, err := LoadObject(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		if file == "digits_checkpoint.pt" {
			obj = obj.(map[string]any)["model"]
		}
		sd, err := StateDict(obj)
		if err != nil {
			t.Fatal(err)
		}
		model := nn.Sequential{nn.NewLinear(64, 32), nn.ReLU{}, nn.NewLinear(32, 10)}
		if err := nn.LoadStateDict(model, sd); err != nil {
			t.Fatal(err)
		}
		x := readDigits(t, want.First)
		got := model.Forward(x).Values()
		if len(got) != 10*len(want.Logits) {
			t.Fatalf("%d logits, want %d", len(got), 10*len(want.Logits))
		}
		// float32 tolerance: a dot product of 64 then 32 terms, rounded
		// differently by the two libraries' summation orders.
		const atol, rtol = 1e-5, 1e-5
		worst := 0.0
		for i, row := range want.Logits {
			for j, w := range row {
				g := got[10*i+j]
				worst = max(worst, math.Abs(g-w))
				if math.Abs(g-w) > atol+rtol*math.Abs(w) {
					t.Fatalf("%s: logit [%d,%d] = %v, PyTorch %v", file, i, j, g, w)
				}
			}
		}
		t.Logf("%s: largest difference from PyTorch's logits %.2g", file, worst)
	}
}

// TestCheckpointObject reads a checkpoint PyTorch wrote ({"model",
// "optimizer", "epoch"}) into Go values.
func TestCheckpointObject(t *testing.T) {
	path := filepath.Join("testdata", "digits_checkpoint.pt")
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), `"epoch" (int)`) || !strings.Contains(err.Error(), "LoadObject") {
		t.Errorf("Load of a checkpoint: error %v, want one naming its keys and LoadObject", err)
	}
	obj, err := LoadObject(path)
	if err != nil {
		t.Fatal(err)
	}
	ck := obj.(map[string]any)
	if ck["epoch"] != 10 {
		t.Errorf("epoch = %#v", ck["epoch"])
	}
	opt := ck["optimizer"].(map[string]any)
	state := opt["state"].(map[int]map[string]any)
	if len(state) != 4 || state[0]["momentum_buffer"].(*tensor.Tensor).Numel() != 32*64 {
		t.Errorf("optimizer state: %v", state)
	}
	groups := opt["param_groups"].([]any)
	g := groups[0].(map[string]any)
	if !slices.Equal(g["params"].([]int), []int{0, 1, 2, 3}) || g["lr"] != 0.1 || g["momentum"] != 0.9 || g["nesterov"] != false || g["maximize"] != false {
		t.Errorf("param group: %v", g)
	}
	if _, ok := g["foreach"]; !ok || g["foreach"] != nil {
		t.Errorf("foreach = %#v, want None", g["foreach"])
	}
}

// TestUnknownGlobal checks that a pickle naming os.system is refused, naming
// it, and that a whole pickled model (torch.save(model), written by
// gen_testdata.py) is refused with advice.
func TestUnknownGlobal(t *testing.T) {
	_, err := LoadObject(filepath.Join("testdata", "evil.pt"))
	if err == nil || !strings.Contains(err.Error(), "global posix.system is not allowed") {
		t.Errorf("error %v, want one naming posix.system", err)
	}
	_, err = LoadObject(filepath.Join("testdata", "whole_model.pt"))
	if err == nil || !strings.Contains(err.Error(), "torch.nn.modules.container.Sequential") || !strings.Contains(err.Error(), "state_dict()") {
		t.Errorf("error %v, want one naming the model's class and state_dict()", err)
	}
}

// TestHalfAs checks that half storages load as float64 on request, with the
// values they have as float32.
func TestHalfAs(t *testing.T) {
	path := filepath.Join("testdata", "dtypes.pt")
	f32, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	f64, err := Load(path, HalfAs(tensor.Float64))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"f16", "bf16", "shared_f16_tail"} {
		if g := f64[name]; g.DType() != tensor.Float64 || !slices.Equal(g.Values(), f32[name].Values()) {
			t.Errorf("%s as float64: %v, want the values of %v", name, g, f32[name])
		}
	}
	if f64["f32"].DType() != tensor.Float32 {
		t.Errorf("HalfAs changed a float32 storage's dtype")
	}
}
