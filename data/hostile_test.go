package data

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"github.com/gograd/gograd/internal/memtest"
	"github.com/gograd/gograd/tensor"
)

// gzipped returns data compressed with gzip.
func gzipped(data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}

// TestReadIDXHostile: files whose header claims more than they hold, or that
// expand past the element limit, fail having allocated about what they held,
// not what their header claims (issue 8, defect 1).
func TestReadIDXHostile(t *testing.T) {
	zeros := make([]byte, 1<<24) // 16 Mi uint8 elements: a 16 KB gzip stream
	bomb := gzipped(idx(0x08, []uint32{1 << 24}, zeros))
	for _, c := range []struct {
		name     string
		file     []byte
		opts     []IDXOptions
		want     string
		maxBytes uint64 // bound on what the read may allocate
	}{
		// An 11-byte file whose header claims 2^28 float64 elements.
		{"header claims 2^28", idx(0x0E, []uint32{1 << 28}, []byte{1, 2, 3}), nil, "unexpected EOF", 2 << 20},
		{"header over the default limit", idx(0x08, []uint32{1<<28 + 1}, nil), nil, "more than the limit of 268435456", 1 << 20},
		{"gzip bomb over a set limit", bomb, []IDXOptions{{MaxElements: 1 << 20}}, "more than the limit of 1048576", 1 << 20},
		{"gzip, short", gzipped(idx(0x08, []uint32{1 << 24}, zeros[:1000])), nil, "unexpected EOF", 2 << 20},
	} {
		var err error
		b := memtest.BytesPerRun(2, func() { _, err = ReadIDX(bytes.NewReader(c.file), tensor.Float32, c.opts...) })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
		if b > c.maxBytes {
			t.Errorf("%s: allocated %d bytes, want at most %d", c.name, b, c.maxBytes)
		}
	}
	// Within the limit the bomb loads, in about 1x-1.5x its tensor's memory.
	var x *tensor.Tensor
	b := memtest.BytesPerRun(1, func() {
		var err error
		if x, err = ReadIDX(bytes.NewReader(bomb), tensor.Float32); err != nil {
			t.Fatal(err)
		}
	})
	if size := uint64(4 << 24); b > size*3 {
		t.Errorf("reading a %d-byte tensor allocated %d bytes", size, b)
	}
	if x.Numel() != 1<<24 {
		t.Errorf("read %d elements", x.Numel())
	}
}
