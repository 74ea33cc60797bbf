package pt

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/gograd/gograd/tensor"
)

var update = flag.Bool("update", false, "rewrite testdata/gograd_*.pt (then run testdata/verify_gograd.py)")

// goldenStateDict is the state dict of testdata/gograd_statedict.pt; the same
// values are spelled out in testdata/verify_gograd.py.
func goldenStateDict() map[string]*tensor.Tensor {
	w := make([]float32, 12)
	for i := range w {
		w[i] = float32(i-5) / 4
	}
	d := make([]float64, 5)
	for i := range d {
		d[i] = float64(i) / 3
	}
	return map[string]*tensor.Tensor{
		"0.weight": tensor.New(w, 3, 4),
		"0.bias":   tensor.Float64.Zeros(0, 2),
		"d":        tensor.New(d),
		"idx":      tensor.New([]int64{-1 << 40, 0, 7, 1 << 62}),
		"scalar":   tensor.Scalar(2.5),
	}
}

// goldenCheckpoint is the object of testdata/gograd_checkpoint.pt: every Go
// type SaveObject takes.
func goldenCheckpoint() map[string]any {
	sd := goldenStateDict()
	return map[string]any{
		"model": sd,
		"optimizer": map[string]any{
			"state": map[int]map[string]any{
				0: {"step": 3.0, "exp_avg": sd["0.weight"]},
				1: {"step": 3.0, "exp_avg": sd["d"]},
			},
			"param_groups": []any{map[string]any{
				"lr": 1e-3, "betas": []any{0.9, 0.999}, "params": []int{0, 1},
				"amsgrad": false, "foreach": nil, "name": "héllo", "milestones": []float64{0.5, 1.5},
			}},
		},
		"step":  42,
		"big":   1 << 40,
		"neg":   -5,
		"i32":   -70000,
		"tuple": []any{1, 2},
		"ids":   map[int]any{3: "three"},
		"empty": map[string]any{},
	}
}

// TestSaveGolden checks that Save and SaveObject write exactly the bytes of the
// committed files, which testdata/verify_gograd.py loaded with torch.load and
// found to hold these values (its output: testdata/verify_gograd.txt).
func TestSaveGolden(t *testing.T) {
	for name, obj := range map[string]any{
		"gograd_statedict.pt":  goldenStateDict(),
		"gograd_checkpoint.pt": goldenCheckpoint(),
	} {
		path := filepath.Join("testdata", name)
		if *update {
			if err := SaveObject(path, obj); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := WriteObject(&buf, obj); err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("WriteObject differs from %s, which PyTorch was checked to read (go test -update, then run verify_gograd.py)", path)
		}
	}
}

// equalTrees compares two loaded trees, tensors by dtype, shape and values.
func equalTrees(a, b any) bool {
	ta, ok1 := a.(*tensor.Tensor)
	tb, ok2 := b.(*tensor.Tensor)
	if ok1 || ok2 {
		return ok1 && ok2 && ta.DType() == tb.DType() && slices.Equal(ta.Shape(), tb.Shape()) && slices.Equal(ta.Values(), tb.Values())
	}
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if !va.IsValid() || !vb.IsValid() {
		return va.IsValid() == vb.IsValid()
	}
	if va.Type() != vb.Type() {
		return false
	}
	switch va.Kind() {
	case reflect.Map:
		if va.Len() != vb.Len() {
			return false
		}
		for _, k := range va.MapKeys() {
			w := vb.MapIndex(k)
			if !w.IsValid() || !equalTrees(va.MapIndex(k).Interface(), w.Interface()) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if va.Len() != vb.Len() {
			return false
		}
		for i := range va.Len() {
			if !equalTrees(va.Index(i).Interface(), vb.Index(i).Interface()) {
				return false
			}
		}
		return true
	}
	return a == b
}

// TestRoundTrip saves and loads a state dict and a checkpoint tree.
func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	sd := goldenStateDict()
	path := filepath.Join(dir, "sd.pt")
	if err := Save(path, sd); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !equalTrees(got, sd) {
		t.Errorf("state dict: loaded %v, saved %v", got, sd)
	}
	ck := goldenCheckpoint()
	if err := SaveObject(path, ck); err != nil {
		t.Fatal(err)
	}
	obj, err := LoadObject(path)
	if err != nil {
		t.Fatal(err)
	}
	// The model loads as map[string]any, as every dict with string keys.
	want := goldenCheckpoint()
	model := map[string]any{}
	for k, v := range sd {
		model[k] = v
	}
	want["model"] = model
	if !equalTrees(obj, want) {
		t.Errorf("checkpoint: loaded\n%v\nsaved\n%v", obj, want)
	}
	// One tensor under two names is one storage, and loads as one tensor.
	state := obj.(map[string]any)["optimizer"].(map[string]any)["state"].(map[int]map[string]any)
	if state[0]["exp_avg"] != obj.(map[string]any)["model"].(map[string]any)["0.weight"] {
		t.Errorf("a tensor saved twice loads as two tensors")
	}
}

// TestSaveErrors checks values SaveObject cannot write.
func TestSaveErrors(t *testing.T) {
	for _, v := range []any{
		map[string]any{"f": float32(1)},
		map[string]any{"s": "\xff"},
		[]any{(*tensor.Tensor)(nil)},
	} {
		if err := WriteObject(new(bytes.Buffer), v); err == nil {
			t.Errorf("WriteObject(%#v) succeeded", v)
		}
	}
}
