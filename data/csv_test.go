package data

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// columnSum returns the sum of column c of the matrix x.
func columnSum(x *tensor.Tensor, c int) float64 {
	return x.Sum(0).Values()[c]
}

func classCounts(y *tensor.Tensor) map[int64]int {
	out := map[int64]int{}
	for _, v := range y.Int64s() {
		out[v]++
	}
	return out
}

func TestReadCSVSklearn(t *testing.T) {
	// scikit-learn's files start with a line of counts and class names. The
	// sums and class counts below were computed from the files with Python's
	// csv module; 50/50/50 and 59/71/48 are the datasets' documented counts.
	for _, c := range []struct {
		file         string
		rows, cols   int
		sum0, sumEnd float64
		counts       map[int64]int
	}{
		{"testdata/iris.csv", 150, 4, 876.5, 179.9, map[int64]int{0: 50, 1: 50, 2: 50}},
		{"testdata/wine_data.csv", 178, 13, 2314.11, 132947, map[int64]int{0: 59, 1: 71, 2: 48}},
	} {
		ds, err := ReadCSVFile(c.file, CSVOptions{SkipLines: 1, DType: tensor.Float64})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ds.Inputs.Shape(), []int{c.rows, c.cols}) || !slices.Equal(ds.Targets.Shape(), []int{c.rows}) || ds.Targets.DType() != tensor.Int64 {
			t.Errorf("%s: inputs %v, targets %v %v", c.file, ds.Inputs.Shape(), ds.Targets.Shape(), ds.Targets.DType())
		}
		if s := columnSum(ds.Inputs, 0); math.Abs(s-c.sum0) > 1e-9 {
			t.Errorf("%s: column 0 sums to %v, want %v", c.file, s, c.sum0)
		}
		if s := columnSum(ds.Inputs, c.cols-1); math.Abs(s-c.sumEnd) > 1e-9 {
			t.Errorf("%s: column %d sums to %v, want %v", c.file, c.cols-1, s, c.sumEnd)
		}
		if got := classCounts(ds.Targets); len(got) != len(c.counts) || got[0] != c.counts[0] || got[1] != c.counts[1] || got[2] != c.counts[2] {
			t.Errorf("%s: class counts %v, want %v", c.file, got, c.counts)
		}
	}
}

func TestReadCSVOptions(t *testing.T) {
	const table = "# a comment line\n" +
		"name; width; height; kind\n" +
		"a; 1.5; 2; cat\n" +
		"b; -3; NaN; dog\n"
	ds, err := ReadCSV(strings.NewReader(table), CSVOptions{Comma: ';', SkipLines: 1, Header: true,
		Features: []string{"height", "width"}, Targets: []string{"kind"}, Classes: []string{"dog", "cat"}})
	if err != nil {
		t.Fatal(err)
	}
	x := ds.Inputs.Values()
	if !slices.Equal(ds.Inputs.Shape(), []int{2, 2}) || x[0] != 2 || x[1] != 1.5 || !math.IsNaN(x[2]) || x[3] != -3 {
		t.Errorf("inputs %v", ds.Inputs)
	}
	if !slices.Equal(ds.Targets.Int64s(), []int64{1, 0}) {
		t.Errorf("targets %v", ds.Targets)
	}
	// Several float targets, by index from the end.
	ds, err = ReadCSV(strings.NewReader("1,2,3\n4,5,6\n"), CSVOptions{Targets: []string{"-2", "-1"}, FloatTargets: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ds.Targets.Shape(), []int{2, 2}) || ds.Targets.DType() != tensor.Float32 || !slices.Equal(ds.Targets.Values(), []float64{2, 3, 5, 6}) ||
		!slices.Equal(ds.Inputs.Values(), []float64{1, 4}) {
		t.Errorf("inputs %v, targets %v", ds.Inputs, ds.Targets)
	}
}

func TestReadCSVErrors(t *testing.T) {
	for _, c := range []struct {
		name, table string
		opts        CSVOptions
		want        string
	}{
		{"bad number", "1,2,0\n3,x,1\n", CSVOptions{}, `line 2, column 1, character 3: "x" is not a number`},
		{"bad label", "1,2,0\n3,4,1.5\n", CSVOptions{}, `line 2, column 2, character 5: "1.5" is not an integer class label`},
		{"bad class", "h,k\n1,cat\n2,cow\n", CSVOptions{Header: true, Classes: []string{"cat"}}, `line 3, column 1 ("k"), character 3: "cow" is not one of the classes cat`},
		{"short row", "1,2,0\n3,1\n", CSVOptions{}, "line 2 has 2 fields, the first row 3"},
		{"header", "a,b\n1,2,3\n", CSVOptions{Header: true}, "line 2 has 3 fields, the header 2"},
		{"no column", "a,b\n1,2\n", CSVOptions{Header: true, Features: []string{"c"}}, `no column "c" in a table of 2 columns (a, b)`},
		{"index", "1,2\n", CSVOptions{Targets: []string{"2"}}, `no column "2"`},
		{"empty", "", CSVOptions{}, "no rows of data"},
		{"only header", "a,b\n", CSVOptions{Header: true}, "no rows of data"},
		{"no header", "", CSVOptions{Header: true}, "the file ends while reading the header"},
		{"quote", "1,\"2\n", CSVOptions{}, "extraneous or missing \" in quoted-field"},
	} {
		_, err := ReadCSV(strings.NewReader(c.table), c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "data: ReadCSV: ") {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
	if _, err := ReadCSVFile("testdata/missing.csv", CSVOptions{}); err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("missing file: error %v", err)
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add("1,2,0\n3,4,1\n", false)
	f.Add("a,b\n1,2\n", true)
	f.Fuzz(func(t *testing.T, table string, header bool) {
		ds, err := ReadCSV(strings.NewReader(table), CSVOptions{Header: header})
		if err != nil {
			return
		}
		if ds.Inputs.Size(0) != ds.Targets.Size(0) || ds.Inputs.Size(0) == 0 {
			t.Fatalf("inputs %v and targets %v", ds.Inputs.Shape(), ds.Targets.Shape())
		}
	})
}
