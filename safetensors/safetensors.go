// Package safetensors reads and writes tensors in the safetensors format, the
// format Hugging Face's safetensors library and PyTorch users share weights in:
//
//	8 bytes    N, the header's length, a little-endian uint64
//	N bytes    a JSON object: for each tensor, its name mapped to
//	           {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]};
//	           optionally "__metadata__", a map of strings to strings
//	the rest   the tensors' bytes, little-endian, row-major, each at its offsets
//	           (counted from the end of the header), with no gaps or overlaps
//
// Save and Load are the counterparts of safetensors.torch.save_file and
// load_file: with nn.StateDict and nn.LoadStateDict they save and restore a
// model's weights, as torch.save(model.state_dict()) and
// model.load_state_dict(torch.load(...)) do.
//
// # Errors
//
// Bad files return an error, never a panic: a header that is not JSON, a dtype
// gograd does not hold (F32, F64 and I64 are read), a shape that does not match
// its byte count, offsets that overlap, leave gaps or run past the end. Save writes
// to a temporary file in the same directory and renames it, so a failed or
// interrupted Save leaves no half-written file under the name.
package safetensors

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/gograd/gograd/tensor"
)

// maxHeader bounds the header's length (100 MB, as the reference implementation
// does), so that a corrupt length cannot ask for an absurd allocation.
const maxHeader = 100 << 20

// metadataKey is the header entry that holds free-form string metadata.
const metadataKey = "__metadata__"

// entry is one tensor's description in the header.
type entry struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// dtypes maps gograd's dtypes to their safetensors names and element sizes.
var dtypes = map[tensor.DType]string{tensor.Float32: "F32", tensor.Float64: "F64", tensor.Int64: "I64"}

func dtypeOf(name string) (tensor.DType, bool) {
	for d, n := range dtypes {
		if n == name {
			return d, true
		}
	}
	return 0, false
}

// elemSize returns the bytes per element of d.
func elemSize(d tensor.DType) int64 {
	if d == tensor.Float32 {
		return 4
	}
	return 8
}

// Write writes tensors, and metadata if it is not empty, to w in the safetensors
// format, in the order of their names.
func Write(w io.Writer, tensors map[string]*tensor.Tensor, metadata map[string]string) error {
	names := make([]string, 0, len(tensors))
	for name := range tensors {
		if name == metadataKey {
			return fmt.Errorf("safetensors: %q is reserved for metadata", name)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	header := make(map[string]any, len(names)+1)
	if len(metadata) > 0 {
		header[metadataKey] = metadata
	}
	var offset int64
	for _, name := range names {
		t := tensors[name]
		n := int64(t.Numel()) * elemSize(t.DType())
		header[name] = entry{DType: dtypes[t.DType()], Shape: t.Shape(), Offsets: [2]int64{offset, offset + n}}
		offset += n
	}
	js, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	// Pad the header with spaces so that the data starts 8-byte aligned.
	for len(js)%8 != 0 {
		js = append(js, ' ')
	}
	bw := bufio.NewWriter(w)
	if err := binary.Write(bw, binary.LittleEndian, uint64(len(js))); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	bw.Write(js)
	var buf [8]byte
	for _, name := range names {
		t := tensors[name]
		switch t.DType() {
		case tensor.Float32:
			for _, v := range t.Contiguous().Float32s() {
				binary.LittleEndian.PutUint32(buf[:], math.Float32bits(v))
				bw.Write(buf[:4])
			}
		case tensor.Float64:
			for _, v := range t.Contiguous().Float64s() {
				binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
				bw.Write(buf[:])
			}
		case tensor.Int64:
			for _, v := range t.Contiguous().Int64s() {
				binary.LittleEndian.PutUint64(buf[:], uint64(v))
				bw.Write(buf[:])
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}

// Read reads a safetensors stream and returns its tensors by name, and its
// metadata (nil if it has none).
func Read(r io.Reader) (map[string]*tensor.Tensor, map[string]string, error) {
	var n uint64
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
		return nil, nil, fmt.Errorf("safetensors: reading the header length: %w", unexpectedEOF(err))
	}
	if n > maxHeader {
		return nil, nil, fmt.Errorf("safetensors: header length %d exceeds %d bytes", n, maxHeader)
	}
	js := make([]byte, n)
	if _, err := io.ReadFull(r, js); err != nil {
		return nil, nil, fmt.Errorf("safetensors: reading the %d-byte header: %w", n, unexpectedEOF(err))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(js, &raw); err != nil {
		return nil, nil, fmt.Errorf("safetensors: header: %w", err)
	}
	var metadata map[string]string
	if m, ok := raw[metadataKey]; ok {
		if err := json.Unmarshal(m, &metadata); err != nil {
			return nil, nil, fmt.Errorf("safetensors: metadata: %w", err)
		}
		delete(raw, metadataKey)
	}
	entries := make(map[string]entry, len(raw))
	names := make([]string, 0, len(raw))
	for name, m := range raw {
		var e entry
		if err := json.Unmarshal(m, &e); err != nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: %w", name, err)
		}
		if err := e.check(); err != nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: %w", name, err)
		}
		entries[name] = e
		names = append(names, name)
	}
	// The data must be the tensors laid end to end, in some order (an empty
	// tensor before a non-empty one at the same offset).
	slices.SortFunc(names, func(a, b string) int {
		ea, eb := entries[a].Offsets, entries[b].Offsets
		return cmp.Or(cmp.Compare(ea[0], eb[0]), cmp.Compare(ea[1], eb[1]))
	})
	var end int64
	for _, name := range names {
		if e := entries[name]; e.Offsets[0] != end {
			return nil, nil, fmt.Errorf("safetensors: tensor %q starts at byte %d of the data, want %d (gap or overlap)", name, e.Offsets[0], end)
		}
		end = entries[name].Offsets[1]
	}
	tensors := make(map[string]*tensor.Tensor, len(names))
	br := bufio.NewReader(r)
	for _, name := range names {
		t, err := entries[name].read(br)
		if err != nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: %w", name, err)
		}
		tensors[name] = t
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, nil, errors.New("safetensors: data continues past the last tensor")
	}
	return tensors, metadata, nil
}

// check validates e's dtype and that its offsets hold exactly its shape's bytes.
func (e entry) check() error {
	d, ok := dtypeOf(e.DType)
	if !ok {
		return fmt.Errorf("dtype %q is not supported (F32, F64 and I64 are)", e.DType)
	}
	count := int64(1)
	for _, s := range e.Shape {
		if s < 0 || s > math.MaxInt32 {
			return fmt.Errorf("bad dimension %d in shape %v", s, e.Shape)
		}
		count *= int64(s)
		if count > 1<<40 {
			return fmt.Errorf("shape %v is too large", e.Shape)
		}
	}
	if e.Offsets[0] < 0 || e.Offsets[1] < e.Offsets[0] {
		return fmt.Errorf("bad data offsets %v", e.Offsets)
	}
	if n := e.Offsets[1] - e.Offsets[0]; n != count*elemSize(d) {
		return fmt.Errorf("shape %v of %s needs %d bytes, offsets %v hold %d", e.Shape, e.DType, count*elemSize(d), e.Offsets, n)
	}
	return nil
}

// read reads e's bytes from r into a new tensor.
func (e entry) read(r io.Reader) (*tensor.Tensor, error) {
	d, _ := dtypeOf(e.DType)
	count := int((e.Offsets[1] - e.Offsets[0]) / elemSize(d))
	shape := slices.Clone(e.Shape)
	switch d {
	case tensor.Float32:
		vals, err := readValues(r, count, 4, func(u uint64) float32 { return math.Float32frombits(uint32(u)) })
		if err != nil {
			return nil, err
		}
		return tensor.FromSlice(vals).Reshape(shape...), nil
	case tensor.Float64:
		vals, err := readValues(r, count, 8, math.Float64frombits)
		if err != nil {
			return nil, err
		}
		return tensor.FromSlice(vals).Reshape(shape...), nil
	default:
		vals, err := readValues(r, count, 8, func(u uint64) int64 { return int64(u) })
		if err != nil {
			return nil, err
		}
		return tensor.FromSlice(vals).Reshape(shape...), nil
	}
}

// readValues reads count little-endian values of size bytes, converting each
// with conv. Memory grows with what was read, so a header claiming more data
// than the file holds fails at the end of the file instead of allocating it all
// up front.
func readValues[T tensor.Element](r io.Reader, count, size int, conv func(uint64) T) ([]T, error) {
	vals := make([]T, 0, min(count, 1<<16))
	var buf [8]byte
	for range count {
		if _, err := io.ReadFull(r, buf[:size]); err != nil {
			return nil, unexpectedEOF(err)
		}
		var u uint64
		if size == 4 {
			u = uint64(binary.LittleEndian.Uint32(buf[:4]))
		} else {
			u = binary.LittleEndian.Uint64(buf[:])
		}
		vals = append(vals, conv(u))
	}
	return vals, nil
}

// unexpectedEOF turns a clean end of file in the middle of the format into
// io.ErrUnexpectedEOF.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// Save writes tensors to the file path in the safetensors format (see Write). It
// writes a temporary file beside path and renames it into place, so path is
// either left as it was or holds the whole new file.
func Save(path string, tensors map[string]*tensor.Tensor, metadata map[string]string) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := Write(f, tensors, metadata); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}

// Load reads the safetensors file path and returns its tensors by name, and its
// metadata (nil if it has none).
func Load(path string) (map[string]*tensor.Tensor, map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: %w", err)
	}
	defer f.Close()
	return Read(f)
}
