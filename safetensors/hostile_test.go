package safetensors

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gograd/gograd/internal/memtest"
	"github.com/gograd/gograd/tensor"
)

// TestDuplicateKeys: a header with a key twice is an error, as in the format's
// reference reader, instead of keeping one of the two silently.
func TestDuplicateKeys(t *testing.T) {
	x := `"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}`
	for _, header := range []string{
		`{` + x + `,` + x + `}`,
		`{"x":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]}}`,
		`{"__metadata__":{"a":"1","a":"2"},` + x + `}`,
		`{"__metadata__":{"a":"1"},` + x + `,"__metadata__":{}}`,
	} {
		_, _, err := Read(bytes.NewReader(file(header, 0, 0, 0x80, 0x3f)))
		if err == nil || !strings.Contains(err.Error(), "appears more than once") {
			t.Errorf("%s: error %v", header, err)
		}
	}
	// Keys repeated in different objects are fine.
	ok := `{"__metadata__":{"x":"shape"},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},` +
		`"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`
	if _, _, err := Read(bytes.NewReader(file(ok, make([]byte, 8)...))); err != nil {
		t.Errorf("keys in different objects: %v", err)
	}
}

// writeFile writes data to a file in a new temporary directory.
func writeFile(t *testing.T, data []byte) string {
	path := filepath.Join(t.TempDir(), "x.safetensors")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLoadChecksSizesFirst: a file whose header claims more data than it holds is
// rejected before its data is read or any of it allocated.
func TestLoadChecksSizesFirst(t *testing.T) {
	header := `{"x":{"dtype":"F32","shape":[268435456],"data_offsets":[0,1073741824]}}` // 1 GiB
	path := writeFile(t, file(header, make([]byte, 4<<20)...))                          // 4 MiB
	var err error
	b := memtest.BytesPerRun(2, func() { _, _, err = Load(path) })
	if err == nil || !strings.Contains(err.Error(), "the header describes 1073741824 bytes of data, the file holds 4194304") {
		t.Errorf("error %v", err)
	}
	if b > 64<<10 {
		t.Errorf("Load allocated %d bytes before rejecting the file", b)
	}
	// Trailing data is found the same way.
	path = writeFile(t, file(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 5)...))
	if _, _, err := Load(path); err == nil || !strings.Contains(err.Error(), "describes 4 bytes of data, the file holds 5") {
		t.Errorf("trailing data: %v", err)
	}
}

// TestLoadAllocatesOnce: loading a valid 16 MiB tensor allocates it once, at its
// size, instead of growing it by appending (2.5 times its size before).
func TestLoadAllocatesOnce(t *testing.T) {
	const n = 4 << 20
	path := filepath.Join(t.TempDir(), "big.safetensors")
	if err := Save(path, map[string]*tensor.Tensor{"w": tensor.Ones(n)}, nil); err != nil {
		t.Fatal(err)
	}
	var got map[string]*tensor.Tensor
	b := memtest.BytesPerRun(2, func() {
		var err error
		if got, _, err = Load(path); err != nil {
			t.Fatal(err)
		}
	})
	if b > 4*n+256<<10 {
		t.Errorf("loading a %d-byte tensor allocated %d bytes (%.2fx)", 4*n, b, float64(b)/(4*n))
	}
	if v := got["w"].Float32s(); len(v) != n || v[n-1] != 1 {
		t.Errorf("loaded %d values", len(v))
	}
}
