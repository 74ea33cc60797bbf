package pt

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// zipOf returns a torch.save-style zip archive of the records (names without
// the "archive/" folder).
func zipOf(t testing.TB, records map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, b := range records {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "archive/" + name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tensorPickle returns the pickle of one tensor, {"t": _rebuild_tensor_v2(...)},
// with the given storage and view.
func tensorPickle(class string, numel, offset int, size, stride []int) []byte {
	p := &pickler{}
	p.buf.WriteString("\x80\x02}(")
	p.str("t")
	p.global("torch._utils", "_rebuild_tensor_v2")
	p.buf.WriteString("((")
	p.str("storage")
	p.global("torch", class)
	p.str("0")
	p.str("cpu")
	p.int(int64(numel))
	p.buf.WriteString("tQ")
	p.int(int64(offset))
	p.ints(size)
	p.ints(stride)
	p.buf.WriteByte(0x89)
	p.emptyOrderedDict()
	p.buf.WriteString("tRu.")
	return p.buf.Bytes()
}

func readBytes(b []byte) (any, error) { return ReadObject(bytes.NewReader(b), int64(len(b))) }

// TestHostile checks that malformed and hostile files return errors that say
// what is wrong, without panicking or allocating what they claim.
func TestHostile(t *testing.T) {
	f32 := func(n int) []byte { return make([]byte, 4*n) }
	deepTuple := append([]byte("\x80\x02)"), bytes.Repeat([]byte{0x85}, 100000)...)
	// A list holding itself twice, 64 times over: 2⁶⁴ items if expanded.
	bomb := []byte("\x80\x02]q\x000")
	for range 64 {
		bomb = append(bomb, "h\x00h\x00\x86q\x000"...)
	}
	bomb = append(bomb, "h\x00."...)
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"not torch", []byte("hello, world"), "not a torch.save file"},
		{"empty", nil, "reading the first bytes"},
		{"zip without data.pkl", zipOf(t, map[string][]byte{"x": nil}), "no <dir>/data.pkl"},
		{"no STOP", zipOf(t, map[string][]byte{"data.pkl": []byte("\x80\x02}")}), "without STOP"},
		{"unknown opcode", zipOf(t, map[string][]byte{"data.pkl": []byte("\x80\x02\xff.")}), "opcode 0xff"},
		{"eval", zipOf(t, map[string][]byte{"data.pkl": []byte("\x80\x02cbuiltins\neval\n.")}), "global builtins.eval is not allowed"},
		{"stack global", zipOf(t, map[string][]byte{"data.pkl": []byte("\x80\x04\x8c\x02os\x8c\x06system\x93.")}), "global os.system is not allowed"},
		{"storage call", zipOf(t, map[string][]byte{"data.pkl": []byte("\x80\x02ctorch\nFloatStorage\n)R.")}), "calling torch.FloatStorage"},
		{"deep marks", zipOf(t, map[string][]byte{"data.pkl": bytes.Repeat([]byte("("), 5000)}), "nested marks"},
		{"deep tuples", zipOf(t, map[string][]byte{"data.pkl": append(deepTuple, '.')}), "nested deeper"},
		{"self-containing list", zipOf(t, map[string][]byte{"data.pkl": []byte("\x80\x02]q\x00h\x00a.")}), "nested deeper"},
		{"sharing bomb", zipOf(t, map[string][]byte{"data.pkl": bomb}), "too many times"},
		{"underflow", zipOf(t, map[string][]byte{"data.pkl": []byte("\x80\x02(\x85.")}), "underflow"},
		{"missing storage", zipOf(t, map[string][]byte{"data.pkl": tensorPickle("FloatStorage", 4, 0, []int{4}, []int{1})}), "record data/0 is missing"},
		{"storage size", zipOf(t, map[string][]byte{
			"data.pkl": tensorPickle("FloatStorage", 10, 0, []int{4}, []int{1}), "data/0": f32(4)}), "holds 16 bytes, want 40"},
		{"view past storage", zipOf(t, map[string][]byte{
			"data.pkl": tensorPickle("FloatStorage", 4, 1, []int{4}, []int{1}), "data/0": f32(4)}), "runs past its storage"},
		{"offset past storage", zipOf(t, map[string][]byte{
			"data.pkl": tensorPickle("FloatStorage", 4, 9, []int{0}, []int{1}), "data/0": f32(4)}), "storage offset 9"},
		{"absurd shape", zipOf(t, map[string][]byte{
			"data.pkl": tensorPickle("FloatStorage", 1, 0, []int{1 << 30, 1 << 30, 1 << 30}, []int{0, 0, 0}), "data/0": f32(1)}), "larger than the file allows"},
		{"empty but overflowing", zipOf(t, map[string][]byte{
			"data.pkl": tensorPickle("FloatStorage", 1, 0, []int{0, 1 << 30, 1 << 30, 1 << 30}, []int{1, 1, 1, 1}), "data/0": f32(1)}), "overflowed"},
		{"negative size", zipOf(t, map[string][]byte{
			"data.pkl": tensorPickle("FloatStorage", 4, 0, []int{-4}, []int{1}), "data/0": f32(4)}), "bad item -4"},
		{"size and stride", zipOf(t, map[string][]byte{
			"data.pkl": tensorPickle("FloatStorage", 4, 0, []int{2, 2}, []int{1}), "data/0": f32(4)}), "differ in length"},
		{"byteorder", zipOf(t, map[string][]byte{"data.pkl": []byte("\x80\x02N."), "byteorder": []byte("middle")}), "byteorder"},
		{"legacy magic", []byte("\x80\x02N."), "without torch's magic number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := readBytes(c.file)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// TestZipRecords checks a compressed record (which torch.save never writes,
// but a tool that rewrites the archive may) and a corrupted one.
func TestZipRecords(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("archive/data.pkl") // Deflate
	w.Write(tensorPickle("FloatStorage", 2, 0, []int{2}, []int{1}))
	w, _ = zw.Create("archive/data/0")
	w.Write([]byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0x40}) // 1, 2
	zw.Close()
	sd, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil || !slices.Equal(sd["t"].Values(), []float64{1, 2}) {
		t.Errorf("compressed records: %v, %v", sd, err)
	}

	// A file from a big-endian machine says so in its byteorder record.
	big := zipOf(t, map[string][]byte{"data.pkl": tensorPickle("FloatStorage", 2, 0, []int{2}, []int{1}),
		"data/0": {0x3f, 0x80, 0, 0, 0x40, 0, 0, 0}, "byteorder": []byte("big")})
	if sd, err := Read(bytes.NewReader(big), int64(len(big))); err != nil || !slices.Equal(sd["t"].Values(), []float64{1, 2}) {
		t.Errorf("big-endian storage: %v, %v", sd, err)
	}

	b, err := os.ReadFile(filepath.Join("testdata", "dtypes.pt"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	off, err := zr.File[1].DataOffset() // the first storage
	if err != nil || zr.File[1].UncompressedSize64 == 0 {
		t.Fatal(zr.File[1].Name, err)
	}
	b[off] ^= 1
	if _, err := readBytes(b); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("a flipped bit in a storage: error %v, want a checksum error", err)
	}
}

// TestTruncated cuts real files short at many points: each must fail cleanly.
func TestTruncated(t *testing.T) {
	for _, name := range []string{"dtypes.pt", "dtypes_legacy.pt", "gograd_checkpoint.pt"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n < len(b); n += 1 + n/50 {
			if _, err := readBytes(b[:n]); err == nil {
				t.Errorf("%s cut to %d of %d bytes loads without error", name, n, len(b))
			}
		}
	}
}

// FuzzReadObject feeds ReadObject arbitrary files; it must return a value or
// an error, never panic or hang. The seeds are the test files, and
// testdata/fuzz/FuzzReadObject holds inputs found by earlier runs.
func FuzzReadObject(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.pt"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(zipOf(f, map[string][]byte{"data.pkl": tensorPickle("HalfStorage", 4, 1, []int{3}, []int{1}), "data/0": make([]byte, 8)}))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := readBytes(b)
		if err == nil {
			StateDict(v)
		}
	})
}
