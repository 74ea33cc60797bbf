package pt

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/gograd/gograd/internal/half"
	"github.com/gograd/gograd/tensor"
)

// Limits that keep a hostile file from asking for absurd work or memory.
const (
	maxPickle = 256 << 20 // bytes of data.pkl
	maxDims   = 64        // dimensions of one tensor
	maxDepth  = 200       // nesting of the loaded object
	// minBudget is the element count a file may always build tensors of; above
	// it (4M elements), the tensors built may hold at most twice as many
	// elements as the file has bytes (views that share a storage count each
	// time).
	minBudget = 1 << 22
)

// storageKind describes a torch.*Storage class: its element size and the dtype
// gograd holds its elements in.
type storageKind struct {
	size int
	out  tensor.DType
}

var storageKinds = map[string]storageKind{
	"FloatStorage":    {4, tensor.Float32},
	"DoubleStorage":   {8, tensor.Float64},
	"HalfStorage":     {2, tensor.Float32},
	"BFloat16Storage": {2, tensor.Float32},
	"LongStorage":     {8, tensor.Int64},
	"IntStorage":      {4, tensor.Int64},
	"ShortStorage":    {2, tensor.Int64},
	"CharStorage":     {1, tensor.Int64},
	"ByteStorage":     {1, tensor.Int64},
	"BoolStorage":     {1, tensor.Int64},
}

// storage is one torch storage: numel elements of a kind, as raw bytes.
type storage struct {
	kind  string
	numel int64
	data  []byte
	big   bool           // big-endian bytes
	base  *tensor.Tensor // the elements as a 1-d tensor, made by the first tensor built on it
}

// loader builds tensors from the calls and persistent ids of a pickle.
type loader struct {
	// record returns the bytes of storage key, which must hold exactly n bytes.
	record   func(key string, n int64) ([]byte, error)
	storages map[string]*storage
	big      bool
	budget   int64 // elements the tensors still built may hold
	halfAs   tensor.DType
	// dry checks the calls without building tensors (the legacy format's
	// first pass, before its storages are read).
	dry bool
}

// persistent resolves a persistent id: ('storage', torch.XStorage, key,
// location, numel), with a sixth item (view metadata, None) in the legacy format.
func (l *loader) persistent(pid any) (any, error) {
	t, ok := pid.(pyTuple)
	if !ok || (len(t) != 5 && len(t) != 6) || t[0] != "storage" {
		return nil, fmt.Errorf("persistent id %s is not a storage", typeName(pid))
	}
	g, ok1 := t[1].(pyGlobal)
	key, ok2 := t[2].(string)
	numel, ok3 := t[4].(int64)
	kind, ok4 := storageKinds[g.name]
	if !ok1 || !ok2 || !ok3 || !ok4 || g.module != "torch" {
		return nil, fmt.Errorf("malformed storage id (%s, %s, %s)", typeName(t[1]), typeName(t[2]), typeName(t[4]))
	}
	if len(t) == 6 && t[5] != nil {
		return nil, fmt.Errorf("storage %q: storage views are not supported", key)
	}
	if s, ok := l.storages[key]; ok {
		if s.kind != g.name || s.numel != numel {
			return nil, fmt.Errorf("storage %q is used as %d of %s and as %d of %s", key, s.numel, s.kind, numel, g.name)
		}
		return s, nil
	}
	if numel < 0 || numel > math.MaxInt64/8 {
		return nil, fmt.Errorf("storage %q has %d elements", key, numel)
	}
	data, err := l.record(key, numel*int64(kind.size))
	if err != nil {
		return nil, fmt.Errorf("storage %q: %w", key, err)
	}
	s := &storage{kind: g.name, numel: numel, data: data, big: l.big}
	l.storages[key] = s
	return s, nil
}

// call runs an allowed global with args.
func (l *loader) call(g pyGlobal, args pyTuple) (any, error) {
	switch g {
	case pyGlobal{"collections", "OrderedDict"}:
		if len(args) != 0 {
			return nil, fmt.Errorf("OrderedDict with %d arguments", len(args))
		}
		return &pyDict{ordered: true}, nil
	case pyGlobal{"torch._utils", "_rebuild_tensor_v2"}:
		// (storage, storage_offset, size, stride, requires_grad,
		// backward_hooks[, metadata])
		if len(args) != 6 && len(args) != 7 {
			return nil, fmt.Errorf("%s with %d arguments", g, len(args))
		}
		if h, ok := args[5].(*pyDict); !ok || len(h.keys) != 0 {
			return nil, fmt.Errorf("%s: backward hooks %s are not supported", g, typeName(args[5]))
		}
		return l.rebuild(args[:4])
	case pyGlobal{"torch._utils", "_rebuild_tensor"}:
		if len(args) != 4 {
			return nil, fmt.Errorf("%s with %d arguments", g, len(args))
		}
		return l.rebuild(args)
	case pyGlobal{"torch._utils", "_rebuild_parameter"}:
		// (data, requires_grad, backward_hooks)
		if len(args) != 3 {
			return nil, fmt.Errorf("%s with %d arguments", g, len(args))
		}
		t, ok := args[0].(*tensor.Tensor)
		if !ok {
			return nil, fmt.Errorf("%s of %s", g, typeName(args[0]))
		}
		return t, nil
	}
	return nil, fmt.Errorf("calling %s is not supported", g)
}

// ints converts a tuple of ints.
func ints(v any, what string) ([]int64, error) {
	t, ok := v.(pyTuple)
	if !ok {
		return nil, fmt.Errorf("%s is a %s, want a tuple", what, typeName(v))
	}
	if len(t) > maxDims {
		return nil, fmt.Errorf("%s has %d dimensions, more than %d", what, len(t), maxDims)
	}
	out := make([]int64, len(t))
	for i, x := range t {
		n, ok := x.(int64)
		if !ok || n < 0 || n > math.MaxInt32 {
			return nil, fmt.Errorf("%s %v: bad item %v", what, t, x)
		}
		out[i] = n
	}
	return out, nil
}

// rebuild builds a tensor from (storage, storage_offset, size, stride): a view
// with that offset, size and stride of the storage's elements, which every
// tensor of the file built on the same storage shares, as in PyTorch.
func (l *loader) rebuild(args pyTuple) (*tensor.Tensor, error) {
	s, ok := args[0].(*storage)
	if !ok {
		return nil, fmt.Errorf("tensor of %s, want a storage", typeName(args[0]))
	}
	offset, ok := args[1].(int64)
	if !ok || offset < 0 || offset > s.numel {
		return nil, fmt.Errorf("storage offset %v out of range for a storage of %d elements", args[1], s.numel)
	}
	size, err := ints(args[2], "size")
	if err != nil {
		return nil, err
	}
	stride, err := ints(args[3], "stride")
	if err != nil {
		return nil, err
	}
	if len(size) != len(stride) {
		return nil, fmt.Errorf("size %v and stride %v differ in length", size, stride)
	}
	numel, last := int64(1), offset
	if !slices.Contains(size, 0) {
		for i, n := range size {
			if numel > l.budget/n {
				return nil, fmt.Errorf("tensor of size %v is larger than the file allows", size)
			}
			numel *= n
			if last += (n - 1) * stride[i]; last >= s.numel {
				return nil, fmt.Errorf("tensor of size %v, stride %v at offset %d runs past its storage of %d elements", size, stride, offset, s.numel)
			}
		}
	} else {
		numel = 0
	}
	if l.dry {
		return nil, nil
	}
	shape := make([]int, len(size))
	for i, n := range size {
		shape[i] = int(n)
	}
	// An empty tensor's other dims must still give a storage size that fits.
	if err := tensor.CheckShape(shape...); err != nil {
		return nil, err
	}
	l.budget -= numel
	if s.base == nil {
		s.base = l.elements(s)
	}
	strides := make([]int, len(stride))
	for i, v := range stride {
		strides[i] = int(v)
	}
	return s.base.AsStrided(shape, strides, int(offset)), nil
}

// elements returns s's elements as a 1-d tensor of the dtype gograd loads them
// as.
func (l *loader) elements(s *storage) *tensor.Tensor {
	n := int(s.numel)
	kind := storageKinds[s.kind]
	switch {
	case kind.out == tensor.Float32 && kind.size == 2 && l.halfAs == tensor.Float64:
		out, at := make([]float64, n), s.float32At()
		for i := range out {
			out[i] = float64(at(int64(i)))
		}
		return tensor.FromSlice(out)
	case kind.out == tensor.Float32:
		out, at := make([]float32, n), s.float32At()
		for i := range out {
			out[i] = at(int64(i))
		}
		return tensor.FromSlice(out)
	case kind.out == tensor.Float64:
		out, order := make([]float64, n), s.order()
		for i := range out {
			out[i] = math.Float64frombits(order.Uint64(s.data[8*i:]))
		}
		return tensor.FromSlice(out)
	}
	out, at := make([]int64, n), s.intAt()
	for i := range out {
		out[i] = at(int64(i))
	}
	return tensor.FromSlice(out)
}

func (s *storage) order() binary.ByteOrder {
	if s.big {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// float32At returns the reader of element i of a float storage of 4 or 2 bytes.
func (s *storage) float32At() func(int64) float32 {
	order := s.order()
	switch s.kind {
	case "HalfStorage":
		return func(i int64) float32 { return half.ToFloat32(order.Uint16(s.data[2*i:])) }
	case "BFloat16Storage":
		return func(i int64) float32 { return half.BFloat16ToFloat32(order.Uint16(s.data[2*i:])) }
	}
	return func(i int64) float32 { return math.Float32frombits(order.Uint32(s.data[4*i:])) }
}

// intAt returns the reader of element i of an integer or bool storage.
func (s *storage) intAt() func(int64) int64 {
	order := s.order()
	switch s.kind {
	case "IntStorage":
		return func(i int64) int64 { return int64(int32(order.Uint32(s.data[4*i:]))) }
	case "ShortStorage":
		return func(i int64) int64 { return int64(int16(order.Uint16(s.data[2*i:]))) }
	case "CharStorage":
		return func(i int64) int64 { return int64(int8(s.data[i])) }
	case "ByteStorage":
		return func(i int64) int64 { return int64(s.data[i]) }
	case "BoolStorage":
		return func(i int64) int64 { return int64(min(s.data[i], 1)) }
	}
	return func(i int64) int64 { return int64(order.Uint64(s.data[8*i:])) }
}

// Option configures Load, LoadObject, Read and ReadObject.
type Option func(halfAs *tensor.DType)

// HalfAs makes float16 and bfloat16 storages load as tensors of dtype d:
// tensor.Float32 (the default) or tensor.Float64. Both hold every half value
// exactly.
func HalfAs(d tensor.DType) Option { return func(h *tensor.DType) { *h = d } }

// Load reads a file written by torch.save(model.state_dict(), path) (a .pt or
// .pth file) and returns its tensors by name, ready for nn.LoadStateDict. If
// the file holds something else, such as a training checkpoint (a dict of a
// state dict, an optimizer state and more), the error says so: read it with
// LoadObject and pick the state dict out with StateDict.
func Load(path string, opts ...Option) (map[string]*tensor.Tensor, error) {
	obj, err := LoadObject(path, opts...)
	if err != nil {
		return nil, err
	}
	return StateDict(obj)
}

// LoadObject reads a file written by torch.save and returns the object it
// holds, in Go types (see the package documentation for the mapping).
func LoadObject(path string, opts ...Option) (any, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pt: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("pt: %w", err)
	}
	return ReadObject(f, fi.Size(), opts...)
}

// Read is Load for a file of size bytes read through r.
func Read(r io.ReaderAt, size int64, opts ...Option) (map[string]*tensor.Tensor, error) {
	obj, err := ReadObject(r, size, opts...)
	if err != nil {
		return nil, err
	}
	return StateDict(obj)
}

// ReadObject is LoadObject for a file of size bytes read through r.
func ReadObject(r io.ReaderAt, size int64, opts ...Option) (any, error) {
	halfAs := tensor.Float32
	for _, o := range opts {
		o(&halfAs)
	}
	var magic [4]byte
	if _, err := r.ReadAt(magic[:], 0); err != nil {
		return nil, fmt.Errorf("pt: reading the first bytes: %w", unexpectedEOF(err))
	}
	var (
		v   any
		err error
	)
	switch {
	case string(magic[:]) == "PK\x03\x04":
		v, err = readZip(r, size, halfAs)
	case magic[0] == 0x80:
		v, err = readLegacy(io.NewSectionReader(r, 0, size), size, halfAs)
	default:
		err = fmt.Errorf("not a torch.save file (it starts with %q; torch.save writes a zip archive, or a pickle in its legacy format)", magic[:])
	}
	if err != nil {
		return nil, fmt.Errorf("pt: %w", err)
	}
	return v, nil
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readZip reads torch.save's zip format: <dir>/data.pkl, the pickled object;
// <dir>/data/<key>, one record per storage; optionally <dir>/byteorder.
func readZip(r io.ReaderAt, size int64, halfAs tensor.DType) (any, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("zip: %w", err)
	}
	files := make(map[string]*zip.File, len(zr.File))
	var prefix string
	for _, f := range zr.File {
		files[f.Name] = f
		if strings.HasSuffix(f.Name, "/data.pkl") && !strings.Contains(strings.TrimSuffix(f.Name, "/data.pkl"), "/") {
			prefix = strings.TrimSuffix(f.Name, "data.pkl")
		}
	}
	if prefix == "" {
		return nil, errors.New("the zip archive has no <dir>/data.pkl: not a torch.save file")
	}
	readRecord := func(name string, n int64) ([]byte, error) {
		f, ok := files[prefix+name]
		if !ok {
			return nil, fmt.Errorf("record %s is missing", name)
		}
		if n >= 0 && f.UncompressedSize64 != uint64(n) {
			return nil, fmt.Errorf("record %s holds %d bytes, want %d", name, f.UncompressedSize64, n)
		}
		if f.UncompressedSize64 > maxPickle && n < 0 {
			return nil, fmt.Errorf("record %s of %d bytes is too large", name, f.UncompressedSize64)
		}
		// A stored record must lie in the file.
		if f.Method == zip.Store && (f.CompressedSize64 != f.UncompressedSize64 || f.CompressedSize64 > uint64(size)) {
			return nil, fmt.Errorf("record %s claims %d bytes (%d stored), more than the file's %d", name, f.UncompressedSize64, f.CompressedSize64, size)
		}
		// torch.save stores records uncompressed; a compressed one (an archive
		// rewritten by another tool) may expand to 16 times the file's size
		// plus 64 MiB, so that a zip bomb cannot claim the memory.
		if f.Method != zip.Store && f.UncompressedSize64 > 64<<20+16*uint64(size) {
			return nil, fmt.Errorf("record %s would expand %d bytes to %d", name, f.CompressedSize64, f.UncompressedSize64)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("record %s: %w", name, err)
		}
		defer rc.Close()
		var buf []byte
		if f.Method == zip.Store {
			buf = make([]byte, f.UncompressedSize64)
			_, err = io.ReadFull(rc, buf)
		} else {
			buf, err = io.ReadAll(io.LimitReader(rc, int64(f.UncompressedSize64)))
		}
		if err != nil {
			return nil, fmt.Errorf("record %s: %w", name, unexpectedEOF(err))
		}
		// Read on to the end, where the zip reader checks the CRC.
		switch extra, err := rc.Read(make([]byte, 1)); {
		case extra != 0:
			return nil, fmt.Errorf("record %s holds more data than its header says", name)
		case err != io.EOF:
			return nil, fmt.Errorf("record %s: %w", name, err)
		}
		if uint64(len(buf)) != f.UncompressedSize64 {
			return nil, fmt.Errorf("record %s holds %d bytes, its header says %d", name, len(buf), f.UncompressedSize64)
		}
		return buf, nil
	}
	big := false
	if _, ok := files[prefix+"byteorder"]; ok {
		b, err := readRecord("byteorder", -1)
		if err != nil {
			return nil, err
		}
		switch string(b) {
		case "little":
		case "big":
			big = true
		default:
			return nil, fmt.Errorf("byteorder %q", b)
		}
	}
	pkl, err := readRecord("data.pkl", -1)
	if err != nil {
		return nil, err
	}
	l := &loader{
		record:   func(key string, n int64) ([]byte, error) { return readRecord("data/"+key, n) },
		storages: make(map[string]*storage),
		big:      big,
		budget:   max(minBudget, 2*size),
		halfAs:   halfAs,
	}
	return unpickle(pkl, l)
}

// unpickle runs the pickle pkl with l and converts the result to Go values.
func unpickle(pkl []byte, l *loader) (any, error) {
	u := &unpickler{data: pkl, loader: l}
	v, err := u.load()
	if err != nil {
		return nil, err
	}
	c := converter{budget: 4*len(pkl) + 1024}
	return c.toGo(v, 0)
}

// converter turns the unpickled Python values into Go values, within a depth
// and a work budget (a file can share a value many times through the memo).
type converter struct{ budget int }

func (c *converter) toGo(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("object nested deeper than %d levels", maxDepth)
	}
	if c.budget--; c.budget < 0 {
		return nil, errors.New("object shares its values too many times")
	}
	switch v := v.(type) {
	case nil, bool, string, float64, *tensor.Tensor:
		return v, nil
	case int64:
		return int(v), nil
	case pyBytes:
		return []byte(v), nil
	case pyTuple:
		return c.items(v, depth)
	case *pyList:
		if len(v.items) > 0 && all(v.items, func(x any) bool { _, ok := x.(int64); return ok }) {
			out := make([]int, len(v.items))
			for i, x := range v.items {
				out[i] = int(x.(int64))
			}
			return out, nil
		}
		if len(v.items) > 0 && all(v.items, func(x any) bool { _, ok := x.(float64); return ok }) {
			out := make([]float64, len(v.items))
			for i, x := range v.items {
				out[i] = x.(float64)
			}
			return out, nil
		}
		return c.items(v.items, depth)
	case *pyDict:
		return c.dict(v, depth)
	}
	return nil, fmt.Errorf("a %s cannot be loaded", typeName(v))
}

func all(items []any, f func(any) bool) bool {
	for _, x := range items {
		if !f(x) {
			return false
		}
	}
	return true
}

func (c *converter) items(items []any, depth int) ([]any, error) {
	out := make([]any, len(items))
	for i, x := range items {
		var err error
		if out[i], err = c.toGo(x, depth+1); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// dict converts a dict with string keys to map[string]any, one with int keys
// to map[int]map[string]any when every value is such a map (an optimizer's
// state) and map[int]any otherwise.
func (c *converter) dict(d *pyDict, depth int) (any, error) {
	vals, err := c.items(d.vals, depth)
	if err != nil {
		return nil, err
	}
	if all(d.keys, func(k any) bool { _, ok := k.(string); return ok }) {
		m := make(map[string]any, len(d.keys))
		for i, k := range d.keys {
			m[k.(string)] = vals[i]
		}
		return m, nil
	}
	if !all(d.keys, func(k any) bool { _, ok := k.(int64); return ok }) {
		return nil, fmt.Errorf("dict with keys of mixed or unsupported types")
	}
	if all(vals, func(v any) bool { _, ok := v.(map[string]any); return ok }) {
		m := make(map[int]map[string]any, len(d.keys))
		for i, k := range d.keys {
			m[int(k.(int64))] = vals[i].(map[string]any)
		}
		return m, nil
	}
	m := make(map[int]any, len(d.keys))
	for i, k := range d.keys {
		m[int(k.(int64))] = vals[i]
	}
	return m, nil
}

// StateDict returns obj, an object LoadObject returned, as a state dict: a
// map[string]any whose values are all tensors. The error for anything else
// names what obj holds, such as the keys of a checkpoint.
func StateDict(obj any) (map[string]*tensor.Tensor, error) {
	m, ok := obj.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("pt: the object is a %T, not a state dict (a dict of tensors)", obj)
	}
	sd := make(map[string]*tensor.Tensor, len(m))
	var other []string
	for k, v := range m {
		if t, ok := v.(*tensor.Tensor); ok {
			sd[k] = t
		} else {
			other = append(other, fmt.Sprintf("%q (%T)", k, v))
		}
	}
	if len(other) > 0 {
		sort.Strings(other)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return nil, fmt.Errorf("pt: not a state dict: %s hold no tensor; the dict's keys are %q (a checkpoint? read it with LoadObject and pass its state dict, e.g. obj[\"model\"], to StateDict)",
			strings.Join(other, ", "), keys)
	}
	return sd, nil
}
