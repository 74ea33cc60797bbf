package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// dataset returns n samples: inputs (n, 2) holding [i, -i] and targets (n) i.
func dataset(n int) TensorDataset {
	x := make([]float32, 0, 2*n)
	y := make([]int64, 0, n)
	for i := range n {
		x = append(x, float32(i), -float32(i))
		y = append(y, int64(i))
	}
	ds, err := NewTensorDataset(tensor.New(x, n, 2), tensor.New(y))
	if err != nil {
		panic(err)
	}
	return ds
}

// pass runs one pass of l and returns the batch sizes and the targets in order,
// checking that each input row matches its target.
func pass(t *testing.T, l *Loader[[]*tensor.Tensor, []*tensor.Tensor]) (sizes []int, targets []int64) {
	t.Helper()
	for b := range l.All() {
		x, y := b[0], b[1]
		if x.Size(0) != y.Size(0) || x.Size(1) != 2 {
			t.Fatalf("batch shapes %v and %v", x.Shape(), y.Shape())
		}
		xs := x.Float32s()
		for i, v := range y.Int64s() {
			if xs[2*i] != float32(v) || xs[2*i+1] != -float32(v) {
				t.Fatalf("input row %v does not belong to target %d", xs[2*i:2*i+2], v)
			}
		}
		sizes = append(sizes, y.Size(0))
		targets = append(targets, y.Int64s()...)
	}
	return sizes, targets
}

func TestLoaderInOrder(t *testing.T) {
	for _, c := range []struct {
		dropLast bool
		sizes    []int
	}{{false, []int{4, 4, 2}}, {true, []int{4, 4}}} {
		l := NewLoader(dataset(10), LoaderOptions{BatchSize: 4, DropLast: c.dropLast})
		sizes, targets := pass(t, l)
		if !slices.Equal(sizes, c.sizes) || l.Len() != len(c.sizes) {
			t.Errorf("DropLast=%v: batch sizes %v and Len %d, want %v", c.dropLast, sizes, l.Len(), c.sizes)
		}
		for i, v := range targets {
			if v != int64(i) {
				t.Fatalf("DropLast=%v: targets %v are not in order", c.dropLast, targets)
			}
		}
	}
}

func TestLoaderShuffle(t *testing.T) {
	l := NewLoader(dataset(100), LoaderOptions{BatchSize: 32, Shuffle: true, Generator: tensor.NewGenerator(7)})
	_, first := pass(t, l)
	_, second := pass(t, l)
	for _, order := range [][]int64{first, second} {
		sorted := slices.Sorted(slices.Values(order))
		for i, v := range sorted {
			if v != int64(i) {
				t.Fatalf("a shuffled pass does not hold every sample once: %v", sorted)
			}
		}
	}
	if slices.Equal(first, second) {
		t.Error("two shuffled passes came in the same order")
	}
	_, again := pass(t, NewLoader(dataset(100), LoaderOptions{BatchSize: 32, Shuffle: true, Generator: tensor.NewGenerator(7)}))
	if !slices.Equal(first, again) {
		t.Error("the same seed gave a different order")
	}
}

func TestLoaderBreak(t *testing.T) {
	n := 0
	for range NewLoader(dataset(10), LoaderOptions{BatchSize: 3}).All() {
		if n++; n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("ran %d batches, want 2", n)
	}
}

func TestDatasetErrors(t *testing.T) {
	if _, err := NewTensorDataset(tensor.Zeros(3, 2), tensor.Zeros(4)); err == nil || !strings.Contains(err.Error(), "same number of samples") {
		t.Errorf("mismatched sample counts: error %v", err)
	}
	err := tensor.Maybe(func() { NewLoader(dataset(3), LoaderOptions{}) })
	if err == nil || !strings.Contains(err.Error(), "batch_size should be a positive integer value") {
		t.Errorf("zero batch size: error %v", err)
	}
}

// idx assembles an IDX file of type code with the given dims and raw data.
func idx(code byte, dims []uint32, data []byte) []byte {
	out := []byte{0, 0, code, byte(len(dims))}
	for _, d := range dims {
		out = binary.BigEndian.AppendUint32(out, d)
	}
	return append(out, data...)
}

func TestReadIDX(t *testing.T) {
	f32 := binary.BigEndian.AppendUint32(nil, math.Float32bits(-1.5))
	f32 = binary.BigEndian.AppendUint32(f32, math.Float32bits(2))
	for _, c := range []struct {
		name  string
		file  []byte
		dt    tensor.DType
		shape []int
		want  []float64
	}{
		{"ubyte images", idx(0x08, []uint32{2, 1, 2}, []byte{0, 255, 7, 128}), tensor.Float32, []int{2, 1, 2}, []float64{0, 255, 7, 128}},
		{"ubyte labels", idx(0x08, []uint32{3}, []byte{5, 0, 4}), tensor.Int64, []int{3}, []float64{5, 0, 4}},
		{"sbyte", idx(0x09, []uint32{2}, []byte{0xff, 3}), tensor.Int64, []int{2}, []float64{-1, 3}},
		{"int16", idx(0x0B, []uint32{1}, []byte{0xff, 0xfe}), tensor.Float64, []int{1}, []float64{-2}},
		{"int32", idx(0x0C, []uint32{1}, []byte{0, 1, 0, 0}), tensor.Int64, []int{1}, []float64{65536}},
		{"float32", idx(0x0D, []uint32{2}, f32), tensor.Float32, []int{2}, []float64{-1.5, 2}},
		{"float64", idx(0x0E, []uint32{1}, binary.BigEndian.AppendUint64(nil, math.Float64bits(0.1))), tensor.Float64, []int{1}, []float64{0.1}},
		{"0-d", idx(0x08, nil, []byte{7}), tensor.Float32, []int{}, []float64{7}},
		{"empty", idx(0x08, []uint32{0, 1 << 20}, nil), tensor.Float32, []int{0, 1 << 20}, []float64{}},
	} {
		for _, zipped := range []bool{false, true} {
			file := c.file
			if zipped {
				var buf bytes.Buffer
				zw := gzip.NewWriter(&buf)
				zw.Write(file)
				zw.Close()
				file = buf.Bytes()
			}
			got, err := ReadIDX(bytes.NewReader(file), c.dt)
			if err != nil {
				t.Errorf("%s (gzip %v): %v", c.name, zipped, err)
				continue
			}
			if got.DType() != c.dt || !slices.Equal(got.Shape(), c.shape) || !slices.Equal(got.Values(), c.want) {
				t.Errorf("%s (gzip %v): read %v of dtype %v, want %v with shape %v", c.name, zipped, got, got.DType(), c.want, c.shape)
			}
		}
	}
}

func TestReadIDXErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "magic number"},
		{"bad magic", []byte{1, 0, 8, 1, 0, 0, 0, 0}, "bad magic number"},
		{"bad type", []byte{0, 0, 7, 1, 0, 0, 0, 0}, "bad magic number"},
		{"short dims", []byte{0, 0, 8, 2, 0, 0, 0, 1}, "dimension 1"},
		{"huge", idx(0x08, []uint32{1 << 20, 1 << 20}, nil), "more than the limit"},
		{"overflow", idx(0x08, []uint32{0, 1<<32 - 1, 1<<32 - 1}, nil), "overflowed"},
		{"short data", idx(0x08, []uint32{4}, []byte{1, 2}), "unexpected EOF"},
		{"trailing", idx(0x08, []uint32{1}, []byte{1, 2}), "continues past"},
		{"bad gzip", []byte{0x1f, 0x8b, 0, 0}, "data: ReadIDX"},
	} {
		_, err := ReadIDX(bytes.NewReader(c.file), tensor.Float32)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

// FuzzReadIDX reads any bytes, plain or gzipped, as an IDX file: errors, never
// panics; a small element limit is never exceeded; and a plain file that reads
// is exactly its header and its values.
func FuzzReadIDX(f *testing.F) {
	f.Add(idx(0x08, []uint32{2, 2}, []byte{1, 2, 3, 4}))
	f.Add(idx(0x0D, []uint32{1}, []byte{0x3f, 0x80, 0, 0}))
	f.Add(gzipped(idx(0x0B, []uint32{3}, []byte{0, 1, 0, 2, 0x80, 0})))
	f.Add(idx(0x0E, []uint32{1 << 28}, []byte{1, 2, 3}))
	f.Fuzz(func(t *testing.T, file []byte) {
		if x, err := ReadIDX(bytes.NewReader(file), tensor.Float32, IDXOptions{MaxElements: 64}); err == nil && x.Numel() > 64 {
			t.Fatalf("read %d elements past a limit of 64", x.Numel())
		}
		got, err := ReadIDX(bytes.NewReader(file), tensor.Float64)
		if err != nil || file[0] == 0x1f {
			return
		}
		// A plain file read without error is its header and its values, exactly.
		if n := 4 + 4*got.Dim() + got.Numel()*idxTypes[file[2]]; n != len(file) {
			t.Fatalf("read %d values of shape %v from a %d-byte file", got.Numel(), got.Shape(), len(file))
		}
	})
}
