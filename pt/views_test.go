package pt

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestLoadViews loads a state dict of views of two storages (gen_views.py)
// from the zip and legacy formats and checks that each tensor has PyTorch's
// shape, strides, storage offset and values, and that the tensors of one
// storage share it: doubling "base" in place doubles every view of its
// storage (the diagonal, the transpose...) and leaves the other storage's
// tensors as they were.
func TestLoadViews(t *testing.T) {
	var want map[string]struct {
		Shape, Stride   []int
		Offset, Storage int
		Values          []float64
	}
	readJSON(t, "views.json", &want)
	for _, file := range []string{"views.pt", "views_legacy.pt"} {
		t.Run(file, func(t *testing.T) {
			sd, err := Load(filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			if len(sd) != len(want) {
				t.Fatalf("%d tensors, want %d", len(sd), len(want))
			}
			for name, w := range want {
				got := sd[name]
				if !slices.Equal(got.Shape(), w.Shape) || !slices.Equal(got.Strides(), w.Stride) || got.StorageOffset() != w.Offset {
					t.Errorf("%s: shape %v, strides %v, offset %d; torch %v, %v, %d", name,
						got.Shape(), got.Strides(), got.StorageOffset(), w.Shape, w.Stride, w.Offset)
				}
				if !slices.Equal(got.Values(), w.Values) {
					t.Errorf("%s = %v, want %v", name, got.Values(), w.Values)
				}
			}
			tensor.NoGrad(func() { sd["base"].MulScalar_(2) })
			for name, w := range want {
				scale := 1.0
				if w.Storage == 0 {
					scale = 2
				}
				for i, v := range sd[name].Values() {
					if v != scale*w.Values[i] {
						t.Fatalf("after doubling base, %s[%d] = %v, want %v (storage %d)", name, i, v, scale*w.Values[i], w.Storage)
					}
				}
			}
		})
	}
}

// TestUnsupportedTensors checks that sparse, quantized and complex tensors
// fail to load with an error that says what they are and how to save them.
func TestUnsupportedTensors(t *testing.T) {
	for file, want := range map[string]string{
		"sparse.pt":     "a sparse tensor",
		"sparse_csr.pt": "a sparse tensor",
		"quantized.pt":  "a quantized tensor",
		"complex.pt":    "a complex tensor",
	} {
		_, err := Load(filepath.Join("testdata", file))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "save") {
			t.Errorf("%s: error %v, want one that names %q and says what to save", file, err, want)
		}
	}
}
