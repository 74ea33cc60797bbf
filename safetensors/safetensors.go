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
// # Dtypes
//
// F32, F64 and I64 load as tensors of those types; F16 and BF16 as float32
// (exactly; ReadHalfAs(tensor.Float64) for float64); I32, I16, I8, U8 and BOOL
// as int64. Write stores each tensor as its own dtype; WithDType stores float
// tensors as F16 or BF16 (rounded to nearest even, as PyTorch's .half() and
// .bfloat16()) and int64 tensors as a narrower integer type or BOOL.
//
// # Errors
//
// Bad files return an error, never a panic: a header that is not JSON, a dtype
// gograd does not read (complex, float8), a shape that does not match
// its byte count, offsets that overlap, leave gaps or run past the end, sizes
// that the file's length does not hold, a key given twice. A file that
// torch.save wrote (.pt, .pth) is named as such, with the function that reads
// it (pt.Load), instead of failing on a meaningless header length.
//
// # Saving
//
// Save writes to a temporary file in the same directory, fsyncs it, renames it
// over the name and fsyncs the directory, so a failed or interrupted Save leaves
// no half-written file under the name, and a completed one survives a crash. See
// Save for file modes, symbolic links and the temporary files a killed process
// leaves behind.
package safetensors

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/gograd/gograd/internal/decode"
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

// Write writes tensors, and metadata if it is not empty, to w in the safetensors
// format, in the order of their names, each as its own dtype (F32, F64, I64)
// unless WithDType says otherwise.
func Write(w io.Writer, tensors map[string]*tensor.Tensor, metadata map[string]string, opts ...Option) error {
	o := collect(opts)
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
	as := make([]string, len(names))
	for i, name := range names {
		t := tensors[name]
		f, err := o.formatOf(name, t)
		if err != nil {
			return err
		}
		as[i] = f
		n := int64(t.Numel()) * int64(formats[f].size)
		header[name] = entry{DType: f, Shape: t.Shape(), Offsets: [2]int64{offset, offset + n}}
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
	for i, name := range names {
		if err := encode(bw, tensors[name], as[i]); err != nil {
			return fmt.Errorf("safetensors: tensor %q: %w", name, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}

// Read reads a safetensors stream and returns its tensors by name, and its
// metadata (nil if it has none). F16 and BF16 tensors load as float32 (see
// ReadHalfAs), integer and BOOL tensors as int64.
//
// When r is an *os.File, the sizes the header claims are checked against the
// file's length before any data is read, and each tensor is allocated once, at
// its size: peak memory is the tensors' own. Other readers' lengths are unknown,
// so each tensor's memory grows with the data that arrives (up to 1.5 times the
// tensor while growing), and a header claiming more than the stream holds fails
// at its end having allocated about what the stream held.
func Read(r io.Reader, opts ...Option) (map[string]*tensor.Tensor, map[string]string, error) {
	o := collect(opts)
	remaining := int64(-1) // bytes left in r, when r can tell
	if f, ok := r.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			if pos, err := f.Seek(0, io.SeekCurrent); err == nil {
				remaining = fi.Size() - pos
			}
		}
	}
	var head [8]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, nil, fmt.Errorf("safetensors: reading the header length: %w", unexpectedEOF(err))
	}
	if err := notSafetensors(head[:]); err != nil {
		return nil, nil, err
	}
	n := binary.LittleEndian.Uint64(head[:])
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
	if err := checkDuplicateKeys(js); err != nil {
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
	if remaining >= 0 {
		if data := remaining - 8 - int64(n); data != end {
			return nil, nil, fmt.Errorf("safetensors: the header describes %d bytes of data, the file holds %d", end, data)
		}
	}
	tensors := make(map[string]*tensor.Tensor, len(names))
	for _, name := range names {
		t, err := entries[name].read(r, remaining >= 0, o.halfAs)
		if err != nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: %w", name, err)
		}
		tensors[name] = t
	}
	var one [1]byte
	if k, _ := io.ReadFull(r, one[:]); k != 0 {
		return nil, nil, errors.New("safetensors: data continues past the last tensor")
	}
	return tensors, metadata, nil
}

// checkDuplicateKeys returns an error if an object in the JSON document js,
// which must be valid, has a key twice. encoding/json keeps the last value of a
// repeated key silently; the format's reference reader rejects the file.
func checkDuplicateKeys(js []byte) error {
	type object struct {
		keys     map[string]bool
		awaitKey bool
	}
	var stack []*object // the objects, and arrays (nil), around the next token
	dec := json.NewDecoder(bytes.NewReader(js))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if len(stack) > 0 && stack[len(stack)-1] != nil && stack[len(stack)-1].awaitKey {
			top := stack[len(stack)-1]
			if tok == json.Delim('}') {
				stack = stack[:len(stack)-1]
			} else {
				key := tok.(string)
				if top.keys[key] {
					return fmt.Errorf("key %q appears more than once", key)
				}
				top.keys[key] = true
				top.awaitKey = false
				continue
			}
		} else {
			switch tok {
			case json.Delim('{'):
				stack = append(stack, &object{keys: map[string]bool{}, awaitKey: true})
				continue
			case json.Delim('['):
				stack = append(stack, nil)
				continue
			case json.Delim(']'):
				stack = stack[:len(stack)-1]
			}
		}
		// A value ended (a scalar, or an object or array just closed): the
		// object around it, if any, awaits its next key.
		if len(stack) > 0 && stack[len(stack)-1] != nil {
			stack[len(stack)-1].awaitKey = true
		}
	}
}

// check validates e's dtype and that its offsets hold exactly its shape's bytes.
func (e entry) check() error {
	f, ok := formats[e.DType]
	if !ok {
		return fmt.Errorf("dtype %q is not supported (%s are)", e.DType, strings.Join(formatNames, ", "))
	}
	if err := tensor.CheckShape(e.Shape...); err != nil {
		return err
	}
	count := int64(1)
	for _, s := range e.Shape {
		count *= int64(s)
		if count > 1<<40 {
			return fmt.Errorf("shape %v is too large", e.Shape)
		}
	}
	if e.Offsets[0] < 0 || e.Offsets[1] < e.Offsets[0] {
		return fmt.Errorf("bad data offsets %v", e.Offsets)
	}
	if n := e.Offsets[1] - e.Offsets[0]; n != count*int64(f.size) {
		return fmt.Errorf("shape %v of %s needs %d bytes, offsets %v hold %d", e.Shape, e.DType, count*int64(f.size), e.Offsets, n)
	}
	return nil
}

// read reads e's bytes from r into a new tensor, F16 and BF16 as halfAs;
// presized says that r is known to hold them (see decode.Values).
func (e entry) read(r io.Reader, presized bool, halfAs tensor.DType) (*tensor.Tensor, error) {
	count := int((e.Offsets[1] - e.Offsets[0]) / int64(formats[e.DType].size))
	return decodeTensor(r, e.DType, count, presized, e.Shape, halfAs)
}

// values reads count little-endian elements of size bytes, decoded by conv,
// into a tensor of the given shape.
func values[T tensor.Element](r io.Reader, count, size int, presized bool, shape []int, conv func([]byte) T) (*tensor.Tensor, error) {
	vals, err := decode.Values(r, count, size, presized, conv)
	if err != nil {
		return nil, err
	}
	return tensor.FromSlice(vals).Reshape(slices.Clone(shape)...), nil
}

// unexpectedEOF turns a clean end of file in the middle of the format into
// io.ErrUnexpectedEOF.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// Load reads the safetensors file path and returns its tensors by name, and its
// metadata (nil if it has none), as Read does.
func Load(path string, opts ...Option) (map[string]*tensor.Tensor, map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: %w", err)
	}
	defer f.Close()
	return Read(f, opts...)
}
