package tensor_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// viewKinds makes, for each case of testdata/views_golden.json (written by
// gen_views_golden.py from PyTorch 1.13), the same view of a base tensor.
var viewKinds = map[string]func(b *Tensor) *Tensor{
	"View":               func(b *Tensor) *Tensor { return b.View(6, 4) },
	"Reshape":            func(b *Tensor) *Tensor { return b.Reshape(4, -1) },
	"Transpose":          func(b *Tensor) *Tensor { return b.Transpose(0, 1) },
	"T":                  func(b *Tensor) *Tensor { return b.T() },
	"Permute":            func(b *Tensor) *Tensor { return b.Permute(2, 0, 1) },
	"Expand":             func(b *Tensor) *Tensor { return b.Expand(3, 4) },
	"BroadcastTo":        func(b *Tensor) *Tensor { return b.BroadcastTo(2, 4) },
	"Narrow":             func(b *Tensor) *Tensor { return b.Narrow(1, 1, 3) },
	"Select":             func(b *Tensor) *Tensor { return b.Select(1, -2) },
	"Slice":              func(b *Tensor) *Tensor { return b.Slice(0, 1, 6, 2) },
	"Slice/step":         func(b *Tensor) *Tensor { return b.Slice(1, -5, -1, 3) },
	"Unsqueeze":          func(b *Tensor) *Tensor { return b.Unsqueeze(1) },
	"Squeeze":            func(b *Tensor) *Tensor { return b.Squeeze(1) },
	"Unflatten":          func(b *Tensor) *Tensor { return b.Unflatten(1, 2, 2) },
	"Flatten":            func(b *Tensor) *Tensor { return b.Flatten(1) },
	"Diagonal":           func(b *Tensor) *Tensor { return b.Diagonal(1, 0, 1) },
	"Diagonal/3d":        func(b *Tensor) *Tensor { return b.Diagonal(0, 1, 2) },
	"Unfold":             func(b *Tensor) *Tensor { return b.Unfold(1, 2, 2) },
	"Unfold/overlapping": func(b *Tensor) *Tensor { return b.Unfold(1, 3, 1) },
	"Movedim":            func(b *Tensor) *Tensor { return b.Movedim(0, -1) },
	"AsStrided":          func(b *Tensor) *Tensor { return b.AsStrided([]int{2, 2}, []int{4, 2}, 1) },
	"Chain":              func(b *Tensor) *Tensor { return b.T().Slice(0, 1, 5, 1).Narrow(1, 1, 2).Select(0, 2) },
}

type viewCase struct {
	Name string `json:"name"`
	Base []int  `json:"base"`
	View struct {
		Shape      []int     `json:"shape"`
		Strides    []int     `json:"strides"`
		Offset     int       `json:"offset"`
		Contiguous bool      `json:"contiguous"`
		Data       []float64 `json:"data"`
	} `json:"view"`
	Written []float64 `json:"written"`
	Through []float64 `json:"through"`
	Refused bool      `json:"refused"`
}

func arangeBase(shape []int) *Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return tensor.Arange(0, float64(n), 1).Reshape(shape...)
}

// TestViewsShareStorage writes through every view kind and reads back through the
// base, and the other way round, against PyTorch; it also checks each view's
// layout (shape, strides, offset, contiguity).
func TestViewsShareStorage(t *testing.T) {
	b, err := os.ReadFile("testdata/views_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Cases []viewCase }
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) != len(viewKinds) {
		t.Errorf("%d golden cases for %d view kinds", len(file.Cases), len(viewKinds))
	}
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			f := viewKinds[c.Name]
			if f == nil {
				t.Fatalf("no view kind %q", c.Name)
			}
			base := arangeBase(c.Base)
			v := f(base)
			if got := v.Shape(); !slices.Equal(got, c.View.Shape) {
				t.Errorf("shape %v, want %v", got, c.View.Shape)
			}
			if got := v.Strides(); !slices.Equal(got, c.View.Strides) {
				t.Errorf("strides %v, want %v", got, c.View.Strides)
			}
			if v.StorageOffset() != c.View.Offset || v.IsContiguous() != c.View.Contiguous {
				t.Errorf("offset %d contiguous %v, want %d %v", v.StorageOffset(), v.IsContiguous(), c.View.Offset, c.View.Contiguous)
			}
			if got := v.Values(); !slices.Equal(got, c.View.Data) {
				t.Errorf("values %v, want %v", got, c.View.Data)
			}
			if c.Written != nil {
				src := tensor.Arange(-1, -float64(v.Numel())-1, -1).Reshape(v.Shape()...)
				v.Copy_(src)
				if got := base.Values(); !slices.Equal(got, c.Written) {
					t.Errorf("base after writing through the view: %v, want %v", got, c.Written)
				}
				if base.Version() != 1 || v.Version() != 1 {
					t.Errorf("versions base %d view %d after one write, want 1 and 1", base.Version(), v.Version())
				}
			} else if err := tensor.Maybe(func() { v.Copy_(tensor.ZerosLike(v)) }); (err != nil) != c.Refused {
				t.Errorf("writing through an aliasing view: error %v, want refused %v", err, c.Refused)
			}
			base = arangeBase(c.Base)
			v = f(base)
			base.Copy_(base.AddScalar(1000))
			if got := v.Values(); !slices.Equal(got, c.Through) {
				t.Errorf("view after writing through the base: %v, want %v", got, c.Through)
			}
		})
	}
}

// viewHeaderAllocs returns the allocations and bytes one call of f makes on an
// n×n tensor.
func viewHeaderAllocs(n int, f func(*Tensor) *Tensor) (allocs float64, bytes uint64) {
	x := tensor.Zeros(n, n)
	allocs = testing.AllocsPerRun(20, func() { f(x) })
	// The least of three measurements: TotalAlloc counts every goroutine's
	// allocations, so another one running meanwhile can only add to one.
	bytes = math.MaxUint64
	for range 3 {
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		for range 20 {
			f(x)
		}
		runtime.ReadMemStats(&m1)
		bytes = min(bytes, (m1.TotalAlloc-m0.TotalAlloc)/20)
	}
	return allocs, bytes
}

// TestViewsAllocateOnlyAHeader checks that Transpose, Narrow and Expand of a
// 4096×4096 tensor allocate what they do for a 4×4 one: a header, no elements.
func TestViewsAllocateOnlyAHeader(t *testing.T) {
	ops := map[string]func(*Tensor) *Tensor{
		"Transpose": func(x *Tensor) *Tensor { return x.Transpose(0, 1) },
		"Narrow":    func(x *Tensor) *Tensor { return x.Narrow(0, 1, x.Size(0)/2) },
		"Expand":    func(x *Tensor) *Tensor { return x.Narrow(1, 0, 1).Expand(x.Size(0), x.Size(0)) },
	}
	for name, f := range ops {
		a4, b4 := viewHeaderAllocs(4, f)
		aBig, bBig := viewHeaderAllocs(4096, f)
		if a4 != aBig || b4 != bBig {
			t.Errorf("%s: 4096×4096 makes %v allocations, %d B; 4×4 makes %v, %d B", name, aBig, bBig, a4, b4)
		}
		if bBig > 1024 {
			t.Errorf("%s: %d B per view, want a header's few hundred", name, bBig)
		}
	}
}

// BenchmarkViews shows that making a view takes the same time whatever the size.
func BenchmarkViews(b *testing.B) {
	for _, n := range []int{4, 4096} {
		x := tensor.Zeros(n, n)
		for name, f := range map[string]func() *Tensor{
			"Transpose": func() *Tensor { return x.Transpose(0, 1) },
			"Narrow":    func() *Tensor { return x.Narrow(0, 1, n/2) },
			"Expand":    func() *Tensor { return x.Narrow(1, 0, 1).Expand(n, n) },
		} {
			b.Run(fmt.Sprintf("%s/%d", name, n), func(b *testing.B) {
				b.ReportAllocs()
				for range b.N {
					f()
				}
			})
		}
	}
}
