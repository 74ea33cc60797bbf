package safetensors

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// sample returns tensors of every dtype Write handles, a 0-d one and an empty one.
func sample() map[string]*tensor.Tensor {
	return map[string]*tensor.Tensor{
		"w":       tensor.New([]float32{1, -2.5, 3e-8, 4, 5, 6}, 2, 3),
		"b":       tensor.New([]float64{0.1, -1e300}),
		"labels":  tensor.New([]int64{-1, 0, 1 << 40}),
		"scale":   tensor.Float64.Scalar(2),
		"nothing": tensor.Zeros(0, 4),
	}
}

func equal(a, b *tensor.Tensor) bool {
	return a.DType() == b.DType() && slices.Equal(a.Shape(), b.Shape()) && slices.Equal(a.Values(), b.Values())
}

func TestRoundTrip(t *testing.T) {
	want := sample()
	meta := map[string]string{"format": "pt"}
	var buf bytes.Buffer
	if err := Write(&buf, want, meta); err != nil {
		t.Fatal(err)
	}
	if n := binary.LittleEndian.Uint64(buf.Bytes()); n%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", n)
	}
	got, gotMeta, err := Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || gotMeta["format"] != "pt" || len(gotMeta) != 1 {
		t.Fatalf("read %d tensors and metadata %v, want %d and %v", len(got), gotMeta, len(want), meta)
	}
	for name, w := range want {
		if g := got[name]; g == nil || !equal(g, w) {
			t.Errorf("%s: read %v, want %v", name, g, w)
		}
	}
}

// file assembles a safetensors file from a header and data, as another writer
// would lay it out.
func file(header string, data ...byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(out, header...), data...)
}

// TestReadForeign reads a file laid out as Hugging Face's writer does (metadata
// first, header padded with spaces, tensors in another order than their names).
func TestReadForeign(t *testing.T) {
	header := `{"__metadata__":{"format":"pt"},"z":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},` +
		`"a":{"dtype":"I64","shape":[],"data_offsets":[8,16]}}`
	for len(header)%8 != 0 {
		header += " "
	}
	data := []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, 7, 0, 0, 0, 0, 0, 0, 0} // 1, -2 and 7
	got, meta, err := Read(bytes.NewReader(file(header, data...)))
	if err != nil {
		t.Fatal(err)
	}
	if !equal(got["z"], tensor.New([]float32{1, -2})) || !equal(got["a"], tensor.New([]int64{7}).Reshape()) || meta["format"] != "pt" {
		t.Errorf("read z=%v a=%v meta=%v", got["z"], got["a"], meta)
	}
}

func TestReadErrors(t *testing.T) {
	f32 := func(offsets string) string {
		return `{"x":{"dtype":"F32","shape":[2],"data_offsets":` + offsets + `}}`
	}
	eight := make([]byte, 8)
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "header length"},
		{"short header", file(f32("[0,8]"))[:12], "header"},
		{"huge header", binary.LittleEndian.AppendUint64(nil, 1<<40), "exceeds"},
		{"not json", file("{nope", eight...), "header"},
		{"bad dtype", file(`{"x":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}`, eight...), `dtype "C64"`},
		{"shape and offsets", file(f32("[0,4]"), eight[:4]...), "needs 8 bytes"},
		{"negative dim", file(`{"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, eight...), "negative dimension"},
		{"overflowing shape", file(`{"x":{"dtype":"F32","shape":[0,2147483647,2147483647,2147483647],"data_offsets":[0,0]}}`), "overflowed"},
		{"gap", file(f32("[4,12]"), make([]byte, 12)...), "gap or overlap"},
		{"overlap", file(`{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},`+
			`"y":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, make([]byte, 12)...), "gap or overlap"},
		{"truncated data", file(f32("[0,8]"), eight[:5]...), "unexpected EOF"},
		{"trailing data", file(f32("[0,8]"), make([]byte, 9)...), "past the last tensor"},
		{"bad metadata", file(`{"__metadata__":{"a":1}}`), "metadata"},
	} {
		_, _, err := Read(bytes.NewReader(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "safetensors: ") {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

// TestTruncated checks that every prefix of a valid file is an error, not a panic.
func TestTruncated(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, sample(), nil); err != nil {
		t.Fatal(err)
	}
	for n := range buf.Len() {
		if _, _, err := Read(bytes.NewReader(buf.Bytes()[:n])); err == nil {
			t.Fatalf("a file cut to %d of %d bytes read without error", n, buf.Len())
		}
	}
}

// FuzzRead reads any bytes as a stream and as a file (whose sizes Read checks
// against the file's length first, then allocates at once): both must agree,
// never panic, and what reads must write back and read again unchanged.
func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	Write(&buf, sample(), map[string]string{"k": "v"})
	f.Add(buf.Bytes())
	f.Add(file(`{"x":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}`, make([]byte, 8)...))
	f.Add(file(`{"x":{"dtype":"F32","shape":[268435456],"data_offsets":[0,1073741824]}}`, make([]byte, 8)...))
	f.Add(file(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)...))
	path := filepath.Join(f.TempDir(), "fuzz.safetensors")
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, meta, err := Read(bytes.NewReader(data))
		if os.WriteFile(path, data, 0o600) == nil {
			fromFile, _, errFile := Load(path)
			if (err == nil) != (errFile == nil) || len(fromFile) != len(ts) {
				t.Fatalf("as a stream: %d tensors, %v; as a file: %d tensors, %v", len(ts), err, len(fromFile), errFile)
			}
		}
		if err != nil {
			return
		}
		// What reads must write back and read again unchanged.
		var out bytes.Buffer
		if err := Write(&out, ts, meta); err != nil {
			t.Fatalf("writing back what was read: %v", err)
		}
		again, _, err := Read(&out)
		if err != nil {
			t.Fatalf("reading back: %v", err)
		}
		for name, x := range ts {
			if !equal(again[name], x) && !slices.ContainsFunc(x.Values(), func(v float64) bool { return v != v }) {
				t.Fatalf("%s changed in a round trip", name)
			}
		}
	})
}

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	if err := Save(path, sample(), nil); err != nil {
		t.Fatal(err)
	}
	got, _, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !equal(got["w"], sample()["w"]) {
		t.Errorf("loaded w = %v", got["w"])
	}
	before, _ := os.ReadFile(path)

	// A Save that fails leaves the file as it was and no temporary file behind.
	bad := sample()
	bad["__metadata__"] = tensor.Zeros(1)
	if err := Save(path, bad, nil); err == nil {
		t.Fatal("Save with a reserved name succeeded")
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("a failed Save changed the file")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the directory holds %d entries after a failed Save, want 1", len(entries))
	}
	if err := Save(filepath.Join(dir, "missing", "x.safetensors"), sample(), nil); err == nil {
		t.Error("Save into a missing directory succeeded")
	}
	if _, _, err := Load(filepath.Join(dir, "absent")); err == nil {
		t.Error("Load of a missing file succeeded")
	}
}
