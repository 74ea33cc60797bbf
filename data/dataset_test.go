package data

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

func TestCollate(t *testing.T) {
	a := tensor.New([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := tensor.New([]float32{7, 8, 9, 10, 11, 12}, 2, 3)
	x := Collate([]*tensor.Tensor{a, b})
	if !slices.Equal(x.Shape(), []int{2, 2, 3}) || !slices.Equal(x.Values(), []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}) {
		t.Errorf("stacked tensors: %v of shape %v", x, x.Shape())
	}
	type sample struct {
		Image  *tensor.Tensor
		Labels [2]*tensor.Tensor
		Extra  map[string]*tensor.Tensor
	}
	s := Collate([]sample{
		{tensor.Ones(2), [2]*tensor.Tensor{tensor.New([]int64{1}), tensor.Scalar(3)}, map[string]*tensor.Tensor{"w": tensor.Float64.Scalar(0.5)}},
		{tensor.Zeros(2), [2]*tensor.Tensor{tensor.New([]int64{2}), tensor.Scalar(4)}, map[string]*tensor.Tensor{"w": tensor.Float64.Scalar(1.5)}},
	})
	for _, c := range []struct {
		got   *tensor.Tensor
		shape []int
		want  []float64
	}{
		{s.Image, []int{2, 2}, []float64{1, 1, 0, 0}},
		{s.Labels[0], []int{2, 1}, []float64{1, 2}},
		{s.Labels[1], []int{2}, []float64{3, 4}},
		{s.Extra["w"], []int{2}, []float64{0.5, 1.5}},
	} {
		if !slices.Equal(c.got.Shape(), c.shape) || !slices.Equal(c.got.Values(), c.want) {
			t.Errorf("struct batch: got %v of shape %v, want %v of shape %v", c.got, c.got.Shape(), c.want, c.shape)
		}
	}
	if s.Labels[0].DType() != tensor.Int64 || s.Extra["w"].DType() != tensor.Float64 {
		t.Errorf("dtypes %v and %v, want int64 and float64", s.Labels[0].DType(), s.Extra["w"].DType())
	}
	for _, c := range []struct {
		name string
		f    func()
		want string
	}{
		{"shapes", func() { Collate([]*tensor.Tensor{tensor.Zeros(3), tensor.Zeros(4)}) }, "equal size"},
		{"dtypes", func() { Collate([]*tensor.Tensor{tensor.Zeros(3), tensor.Float64.Zeros(3)}) }, "equal size and dtype"},
		{"lengths", func() { Collate([][]*tensor.Tensor{{tensor.Zeros(1)}, {}}) }, "same length"},
		{"keys", func() {
			Collate([]map[string]*tensor.Tensor{{"a": tensor.Zeros(1)}, {"b": tensor.Zeros(1)}})
		}, "no key \"a\""},
		{"empty", func() { Collate([]*tensor.Tensor{}) }, "no samples"},
		{"unexported", func() { Collate([]struct{ x *tensor.Tensor }{{}}) }, "unexported field x"},
		{"strings", func() { Collate([]string{"a"}) }, "type string"},
	} {
		if err := tensor.Maybe(c.f); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

func TestTensorDatasetGet(t *testing.T) {
	ds := dataset(5)
	s := ds.Get(3)
	if !slices.Equal(s[0].Values(), []float64{3, -3}) || s[1].Dim() != 0 || s[1].Item() != 3 {
		t.Errorf("Get(3) = %v", s)
	}
	// The loader's one-copy path for a TensorDataset and a Subset of one gives
	// what Collate of the samples gives.
	sub := Subset[[]*tensor.Tensor]{ds, []int{4, 0, 2}}
	for _, d := range []Dataset[[]*tensor.Tensor]{ds, sub} {
		idx := []int{2, 0, 1}
		samples := make([][]*tensor.Tensor, len(idx))
		for k, i := range idx {
			samples[k] = d.Get(i)
		}
		want, got := Collate(samples), batchFunc(d)(idx)
		for j := range want {
			if !slices.Equal(got[j].Shape(), want[j].Shape()) || !slices.Equal(got[j].Values(), want[j].Values()) || got[j].DType() != want[j].DType() {
				t.Errorf("%T: batch %v, want %v", d, got, want)
			}
		}
	}
	for _, f := range []func(){func() { ds.Get(5) }, func() { sub.Get(-1) }, func() { batchFunc[[]*tensor.Tensor](sub)([]int{3}) }} {
		if err := tensor.Maybe(f); err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("index out of range: error %v", err)
		}
	}
}

// targets returns the target of each sample of d.
func targets(d Dataset[[]*tensor.Tensor]) []int64 {
	var out []int64
	for i := range d.Len() {
		out = append(out, int64(d.Get(i)[1].Item()))
	}
	return out
}

func TestRandomSplit(t *testing.T) {
	ds := dataset(10)
	parts := RandomSplit(ds, []int{3, 0, 7}, tensor.NewGenerator(1))
	var all []int64
	for k, n := range []int{3, 0, 7} {
		if parts[k].Len() != n {
			t.Errorf("part %d has %d samples, want %d", k, parts[k].Len(), n)
		}
		all = append(all, targets(parts[k])...)
	}
	if slices.Sort(all); !slices.Equal(all, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Errorf("the parts hold %v", all)
	}
	again := RandomSplit(ds, []int{3, 0, 7}, tensor.NewGenerator(1))
	if !slices.Equal(targets(parts[0]), targets(again[0])) {
		t.Error("the same seed split differently")
	}
	// torch.utils.data.random_split(range(10), [0.5, 0.3, 0.2]) gives 5, 3, 2;
	// [0.33, 0.33, 0.34] floors to 3, 3, 3 and gives the one left to the first.
	for _, c := range []struct {
		fractions []float64
		want      []int
	}{{[]float64{0.5, 0.3, 0.2}, []int{5, 3, 2}}, {[]float64{0.33, 0.33, 0.34}, []int{4, 3, 3}}} {
		var got []int
		for _, p := range RandomSplitFractions(ds, c.fractions, nil) {
			got = append(got, p.Len())
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("fractions %v: lengths %v, want %v", c.fractions, got, c.want)
		}
	}
	for _, c := range []struct {
		f    func()
		want string
	}{
		{func() { RandomSplit(ds, []int{3, 3}, nil) }, "does not equal the length"},
		{func() { RandomSplit(ds, []int{11, -1}, nil) }, "negative"},
		{func() { RandomSplitFractions(ds, []float64{0.5, 0.6}, nil) }, "add up to"},
		{func() { RandomSplitFractions(ds, []float64{1.5, -0.5}, nil) }, "between 0 and 1"},
	} {
		if err := tensor.Maybe(c.f); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one mentioning %q", err, c.want)
		}
	}
}

func TestConcatDataset(t *testing.T) {
	c := NewConcatDataset[[]*tensor.Tensor](dataset(3), dataset(0), Subset[[]*tensor.Tensor]{dataset(5), []int{4, 1}})
	if got := targets(c); !slices.Equal(got, []int64{0, 1, 2, 4, 1}) || c.Len() != 5 {
		t.Errorf("concatenated targets %v", got)
	}
	if err := tensor.Maybe(func() { c.Get(5) }); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("Get(5): error %v", err)
	}
	if NewConcatDataset[int]().Len() != 0 {
		t.Error("an empty ConcatDataset is not empty")
	}
}

func TestMap(t *testing.T) {
	m := Map(Dataset[int](ints(4)), func(i int, g *tensor.Generator) string { return fmt.Sprint(i, g.Intn(2)) })
	g1, g2 := tensor.NewGenerator(9), tensor.NewGenerator(9)
	for i := range m.Len() {
		if a, b := m.GetRandom(i, g1), m.GetRandom(i, g2); a != b || !strings.HasPrefix(a, fmt.Sprint(i)) {
			t.Errorf("sample %d: %q and %q from the same seed", i, a, b)
		}
	}
}
