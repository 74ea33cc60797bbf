package pt

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// BenchmarkRead reads a state dict of 8 float32 matrices of 1024×1024 (32 MiB)
// from memory; MB/s counts the file's bytes.
func BenchmarkRead(b *testing.B) {
	sd := map[string]*tensor.Tensor{}
	for i := range 8 {
		sd[strconv.Itoa(i)] = tensor.Ones(1024, 1024)
	}
	var buf bytes.Buffer
	if err := Write(&buf, sd); err != nil {
		b.Fatal(err)
	}
	file := buf.Bytes()
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(file), int64(len(file))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWrite writes the same state dict to memory.
func BenchmarkWrite(b *testing.B) {
	sd := map[string]*tensor.Tensor{}
	for i := range 8 {
		sd[strconv.Itoa(i)] = tensor.Ones(1024, 1024)
	}
	var buf bytes.Buffer
	b.SetBytes(8 << 22)
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Write(&buf, sd); err != nil {
			b.Fatal(err)
		}
	}
}
