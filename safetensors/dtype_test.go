package safetensors

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestDTypes reads testdata/dtypes.safetensors (written with PyTorch's values
// by testdata/gen_dtypes.py), checks every value, and writes the tensors back
// in their file dtypes: the bytes must be PyTorch's, including its float16 and
// bfloat16 rounding of "src".
func TestDTypes(t *testing.T) {
	file, err := os.ReadFile(filepath.Join("testdata", "dtypes.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile(filepath.Join("testdata", "dtypes.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string][]string
	if err := json.Unmarshal(js, &want); err != nil {
		t.Fatal(err)
	}
	got, _, err := Read(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	holds := map[string]tensor.DType{"src": tensor.Float32, "f16": tensor.Float32, "bf16": tensor.Float32,
		"empty_f16": tensor.Float32, "f64": tensor.Float64}
	for name, vals := range want {
		g := got[name]
		d, ok := holds[name]
		if !ok {
			d = tensor.Int64
		}
		if g == nil || g.DType() != d {
			t.Errorf("%s: %v, want a %v tensor", name, g, d)
			continue
		}
		for i, s := range vals {
			if d == tensor.Int64 {
				w, _ := strconv.ParseInt(s, 10, 64)
				if g.Int64s()[i] != w {
					t.Errorf("%s[%d] = %d, want %d", name, i, g.Int64s()[i], w)
				}
				continue
			}
			w, _ := strconv.ParseFloat(s, 64)
			if v := g.Values()[i]; v != w {
				t.Errorf("%s[%d] = %v, want %v", name, i, v, w)
			}
		}
	}

	// Write them back as the file has them, and "src" rounded to F16 and
	// BF16 in place of PyTorch's "f16" and "bf16".
	out := make(map[string]*tensor.Tensor, len(got))
	for name, x := range got {
		out[name] = x
	}
	out["f16"], out["bf16"] = got["src"], got["src"]
	opts := []Option{WithDType("F16", "f16", "empty_f16"), WithDType("BF16", "bf16")}
	for _, f := range []string{"I32", "I16", "I8", "U8", "BOOL"} {
		opts = append(opts, WithDType(f, strings.ToLower(f)))
	}
	var buf bytes.Buffer
	if err := Write(&buf, out, nil, opts...); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), file) {
		t.Errorf("written bytes differ from PyTorch's file")
		for name := range got {
			var one bytes.Buffer
			Write(&one, map[string]*tensor.Tensor{name: out[name]}, nil, opts...)
			back, _, err := Read(&one)
			if err != nil || !slices.Equal(back[name].Values(), got[name].Values()) {
				t.Errorf("%s: written and read back as %v (%v), want %v", name, back[name], err, got[name])
			}
		}
	}

	// Halves as float64 on request.
	got64, _, err := Read(bytes.NewReader(file), ReadHalfAs(tensor.Float64))
	if err != nil {
		t.Fatal(err)
	}
	if g := got64["f16"]; g.DType() != tensor.Float64 || !slices.Equal(g.Values(), got["f16"].Values()) {
		t.Errorf("ReadHalfAs(Float64): %v", g)
	}
}

// TestWriteDTypeErrors checks the pairings and values WithDType refuses.
func TestWriteDTypeErrors(t *testing.T) {
	for _, c := range []struct {
		x     *tensor.Tensor
		dtype string
		want  string
	}{
		{tensor.New([]int64{1, 256}), "U8", "256 does not fit in U8"},
		{tensor.New([]int64{2}), "BOOL", "2 does not fit in BOOL"},
		{tensor.New([]int64{-1 << 31, 1 << 31}), "I32", "does not fit in I32"},
		{tensor.New([]int64{1}), "F16", "cannot be written as"},
		{tensor.New([]float32{1}), "I8", "cannot be written as"},
		{tensor.New([]float32{1}), "C64", "cannot be written as"},
	} {
		err := Write(new(bytes.Buffer), map[string]*tensor.Tensor{"x": c.x}, nil, WithDType(c.dtype, "x"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v as %s: error %v, want %q", c.x, c.dtype, err, c.want)
		}
	}
}

// TestTorchFile checks that a torch.save file passed to Read is named as one,
// with the function that reads it.
func TestTorchFile(t *testing.T) {
	for _, name := range []string{"dtypes.pt", "dtypes_legacy.pt"} {
		_, _, err := Load(filepath.Join("..", "pt", "testdata", name))
		if err == nil || !strings.Contains(err.Error(), "torch.save") || !strings.Contains(err.Error(), "pt.Load") {
			t.Errorf("%s: error %v, want one naming torch.save and pt.Load", name, err)
		}
	}
	// A safetensors header whose length starts like a zip signature is still
	// read as safetensors (its length is checked as usual).
	head := []byte("PK\x03\x04\x00\x00\x00\x00")
	if _, _, err := Read(bytes.NewReader(head)); err == nil || strings.Contains(err.Error(), "torch.save") {
		t.Errorf("error %v for a plain header length", err)
	}
}
