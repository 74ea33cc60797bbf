package pt

import (
	"archive/zip"
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/gograd/gograd/internal/atomicfile"
	"github.com/gograd/gograd/tensor"
)

// Save writes the state dict sd to path as torch.save(state_dict, path) does (an
// OrderedDict of tensors in torch.save's zip format), so that torch.load reads
// it back with the same names, shapes, dtypes and values. It writes a temporary
// file, fsyncs it and renames it into place, so path holds either its old
// content or the whole new file.
func Save(path string, sd map[string]*tensor.Tensor) error {
	return SaveObject(path, sd)
}

// SaveObject writes obj to path in torch.save's format, as Save does. obj is a
// tree of the Go types LoadObject returns (see the package documentation);
// map[string]*tensor.Tensor is written as an OrderedDict, as PyTorch's state
// dicts are.
func SaveObject(path string, obj any) error {
	var werr error // WriteObject's own error, already naming the package
	err := atomicfile.Write(path, func(w io.Writer) error { werr = WriteObject(w, obj); return werr })
	if err != nil && err != werr {
		return fmt.Errorf("pt: %w", err)
	}
	return err
}

// Write writes the state dict sd to w in torch.save's format (see Save).
func Write(w io.Writer, sd map[string]*tensor.Tensor) error { return WriteObject(w, sd) }

// WriteObject writes obj to w in torch.save's format (see SaveObject).
func WriteObject(w io.Writer, obj any) error {
	p := &pickler{keys: map[*tensor.Tensor]int{}}
	p.buf.WriteString("\x80\x02") // PROTO 2, as torch.save writes
	if err := p.value(obj, 0); err != nil {
		return fmt.Errorf("pt: %w", err)
	}
	p.buf.WriteByte('.')
	cw := &countWriter{w: w}
	zw := zip.NewWriter(cw)
	if err := writeRecord(zw, cw, "archive/data.pkl", p.buf.Bytes()); err != nil {
		return fmt.Errorf("pt: %w", err)
	}
	if err := writeRecord(zw, cw, "archive/byteorder", []byte("little")); err != nil {
		return fmt.Errorf("pt: %w", err)
	}
	for i, t := range p.storages {
		if err := writeRecord(zw, cw, "archive/data/"+strconv.Itoa(i), storageBytes(t)); err != nil {
			return fmt.Errorf("pt: %w", err)
		}
	}
	if err := writeRecord(zw, cw, "archive/version", []byte("3\n")); err != nil {
		return fmt.Errorf("pt: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("pt: %w", err)
	}
	return nil
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// recordAlign is the alignment torch.save gives each record's data, with the
// same padding extra field ("FB").
const recordAlign = 64

// writeRecord stores data uncompressed under name, aligned to recordAlign.
func writeRecord(zw *zip.Writer, cw *countWriter, name string, data []byte) error {
	if err := zw.Flush(); err != nil {
		return err
	}
	const localHeader = 30
	pad := (recordAlign - (cw.n+localHeader+int64(len(name))+4)%recordAlign) % recordAlign
	extra := make([]byte, 4+pad)
	copy(extra, "FB")
	binary.LittleEndian.PutUint16(extra[2:], uint16(pad))
	for i := range pad {
		extra[4+i] = 'Z'
	}
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name:               name,
		Method:             zip.Store,
		CRC32:              crc32.ChecksumIEEE(data),
		CompressedSize64:   uint64(len(data)),
		UncompressedSize64: uint64(len(data)),
		Extra:              extra,
	})
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// storageBytes returns t's elements, little-endian, in row-major order.
func storageBytes(t *tensor.Tensor) []byte {
	t = t.Contiguous()
	switch t.DType() {
	case tensor.Float32:
		out := make([]byte, 0, 4*t.Numel())
		for _, v := range t.Float32s() {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
		}
		return out
	case tensor.Float64:
		out := make([]byte, 0, 8*t.Numel())
		for _, v := range t.Float64s() {
			out = binary.LittleEndian.AppendUint64(out, math.Float64bits(v))
		}
		return out
	default:
		out := make([]byte, 0, 8*t.Numel())
		for _, v := range t.Int64s() {
			out = binary.LittleEndian.AppendUint64(out, uint64(v))
		}
		return out
	}
}

// pickler writes a Go tree as a protocol-2 pickle, the way torch.save pickles
// the same Python values, with each tensor's storage as a persistent id.
type pickler struct {
	buf      bytes.Buffer
	keys     map[*tensor.Tensor]int // storage (and memo) key of each tensor written
	storages []*tensor.Tensor
}

var storageClass = map[tensor.DType]string{tensor.Float32: "FloatStorage", tensor.Float64: "DoubleStorage", tensor.Int64: "LongStorage"}

func (p *pickler) global(module, name string) {
	p.buf.WriteString("c" + module + "\n" + name + "\n")
}

func (p *pickler) str(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("string %q is not UTF-8", s)
	}
	p.buf.WriteByte('X')
	p.buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(s))))
	p.buf.WriteString(s)
	return nil
}

func (p *pickler) int(v int64) {
	switch {
	case v >= 0 && v < 1<<8:
		p.buf.Write([]byte{'K', byte(v)})
	case v >= 0 && v < 1<<16:
		p.buf.Write([]byte{'M', byte(v), byte(v >> 8)})
	case v >= math.MinInt32 && v <= math.MaxInt32:
		p.buf.WriteByte('J')
		p.buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(v)))
	default:
		p.buf.Write([]byte{0x8a, 8})
		p.buf.Write(binary.LittleEndian.AppendUint64(nil, uint64(v)))
	}
}

func (p *pickler) ints(vs []int) {
	switch len(vs) {
	case 0:
		p.buf.WriteByte(')')
		return
	case 1, 2, 3:
	default:
		p.buf.WriteByte('(')
	}
	for _, v := range vs {
		p.int(int64(v))
	}
	switch len(vs) {
	case 1, 2, 3:
		p.buf.WriteByte(0x84 + byte(len(vs))) // TUPLE1..3
	default:
		p.buf.WriteByte('t')
	}
}

// emptyOrderedDict writes collections.OrderedDict().
func (p *pickler) emptyOrderedDict() {
	p.global("collections", "OrderedDict")
	p.buf.WriteString(")R")
}

// tensor writes torch._utils._rebuild_tensor_v2(storage, 0, size, stride,
// False, OrderedDict()) with a storage of t's own; the same tensor written
// again is a reference to the first (through the pickle's memo), as pickle
// writes one Python object met twice.
func (p *pickler) tensor(t *tensor.Tensor) {
	if key, ok := p.keys[t]; ok {
		p.buf.WriteByte('j') // LONG_BINGET
		p.buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(key)))
		return
	}
	key := len(p.storages)
	p.keys[t] = key
	p.storages = append(p.storages, t)
	shape := t.Shape()
	stride := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		stride[i] = s
		s *= shape[i]
	}
	p.global("torch._utils", "_rebuild_tensor_v2")
	p.buf.WriteString("((")
	p.str("storage")
	p.global("torch", storageClass[t.DType()])
	p.str(strconv.Itoa(key))
	p.str("cpu")
	p.int(int64(t.Numel()))
	p.buf.WriteString("tQ")
	p.int(0)
	p.ints(shape)
	p.ints(stride)
	p.buf.WriteByte(0x89) // requires_grad=False
	p.emptyOrderedDict()
	p.buf.WriteString("tR")
	p.buf.WriteByte('r') // LONG_BINPUT: memo key = storage key
	p.buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(key)))
}

// value writes v, one of the types the package documentation lists.
func (p *pickler) value(v any, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("object nested deeper than %d levels", maxDepth)
	}
	switch v := v.(type) {
	case nil:
		p.buf.WriteByte('N')
	case bool:
		if v {
			p.buf.WriteByte(0x88)
		} else {
			p.buf.WriteByte(0x89)
		}
	case int:
		p.int(int64(v))
	case int64:
		p.int(v)
	case float64:
		p.buf.WriteByte('G')
		p.buf.Write(binary.BigEndian.AppendUint64(nil, math.Float64bits(v)))
	case string:
		return p.str(v)
	case *tensor.Tensor:
		if v == nil {
			return fmt.Errorf("nil tensor")
		}
		p.tensor(v)
	case []int:
		p.buf.WriteByte(']')
		return list(p, v, depth)
	case []float64:
		p.buf.WriteByte(']')
		return list(p, v, depth)
	case []any:
		// A list, except that a non-empty one of only ints or only floats
		// is a tuple (as PyTorch's betas are), so that it loads back as []any
		// rather than as []int or []float64.
		if !numbers(v) {
			p.buf.WriteByte(']')
			return list(p, v, depth)
		}
		p.buf.WriteByte('(')
		for _, x := range v {
			if err := p.value(x, depth+1); err != nil {
				return err
			}
		}
		p.buf.WriteByte('t')
	case map[string]*tensor.Tensor:
		p.emptyOrderedDict()
		return dict(p, v, depth, cmp.Compare[string])
	case map[string]any:
		p.buf.WriteByte('}')
		return dict(p, v, depth, cmp.Compare[string])
	case map[int]map[string]any:
		p.buf.WriteByte('}')
		return dict(p, v, depth, cmp.Compare[int])
	case map[int]any:
		p.buf.WriteByte('}')
		return dict(p, v, depth, cmp.Compare[int])
	default:
		return fmt.Errorf("a value of type %T cannot be saved", v)
	}
	return nil
}

// numbers reports whether v is non-empty and holds only ints or only float64s.
func numbers(v []any) bool {
	if len(v) == 0 {
		return false
	}
	_, isInt := v[0].(int)
	return all(v, func(x any) bool {
		if isInt {
			_, ok := x.(int)
			return ok
		}
		_, ok := x.(float64)
		return ok
	})
}

// list appends the items of vs to the list just written.
func list[T any](p *pickler, vs []T, depth int) error {
	if len(vs) == 0 {
		return nil
	}
	p.buf.WriteByte('(')
	for _, x := range vs {
		if err := p.value(x, depth+1); err != nil {
			return err
		}
	}
	p.buf.WriteByte('e')
	return nil
}

// dict sets the items of m, in key order, on the dict just written.
func dict[K comparable, V any](p *pickler, m map[K]V, depth int, order func(a, b K) int) error {
	if len(m) == 0 {
		return nil
	}
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, order)
	p.buf.WriteByte('(')
	for _, k := range keys {
		if err := p.value(any(k), depth+1); err != nil {
			return err
		}
		if err := p.value(any(m[k]), depth+1); err != nil {
			return err
		}
	}
	p.buf.WriteByte('u')
	return nil
}
