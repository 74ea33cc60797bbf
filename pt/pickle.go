package pt

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// The Python values the unpickler builds. Numbers are int64 and float64, strings
// Go strings, None nil; the containers below keep Python's distinctions (tuple
// or list, dict or OrderedDict) until toGo converts the tree.
type (
	pyTuple []any
	pyList  struct{ items []any }
	pyDict  struct {
		keys, vals []any
		index      map[any]int // position of each key in keys
		ordered    bool        // collections.OrderedDict
	}
	// pyGlobal is a class or function named by a GLOBAL opcode; only the
	// allowed ones (see allowed) are ever created.
	pyGlobal struct{ module, name string }
	// pyBytes is a Python bytes value.
	pyBytes []byte
	// pyMark is the stack marker MARK pushes.
	pyMark struct{}
)

func (g pyGlobal) String() string { return g.module + "." + g.name }

// set sets d[k] = v, keeping the first position of a key that is set again, as
// Python's dicts do.
func (d *pyDict) set(k, v any) error {
	switch k.(type) {
	case string, int64, bool, nil, float64:
	default:
		return fmt.Errorf("dict key of type %s is not supported", typeName(k))
	}
	if d.index == nil {
		d.index = make(map[any]int)
	}
	if i, ok := d.index[k]; ok {
		d.vals[i] = v
		return nil
	}
	d.index[k] = len(d.keys)
	d.keys, d.vals = append(d.keys, k), append(d.vals, v)
	return nil
}

// allowed lists the globals a state dict or checkpoint uses; any other GLOBAL in
// a file is an error naming it, so that loading never runs code a file names.
var allowed = map[pyGlobal]bool{
	{"collections", "OrderedDict"}:         true,
	{"torch._utils", "_rebuild_tensor_v2"}: true,
	{"torch._utils", "_rebuild_tensor"}:    true,
	{"torch._utils", "_rebuild_parameter"}: true,
	{"torch", "FloatStorage"}:              true,
	{"torch", "DoubleStorage"}:             true,
	{"torch", "HalfStorage"}:               true,
	{"torch", "BFloat16Storage"}:           true,
	{"torch", "LongStorage"}:               true,
	{"torch", "IntStorage"}:                true,
	{"torch", "ShortStorage"}:              true,
	{"torch", "CharStorage"}:               true,
	{"torch", "ByteStorage"}:               true,
	{"torch", "BoolStorage"}:               true,
}

// unsupported names the tensors that torch.save writes with globals gograd
// knows but does not load, and how to save them instead.
var unsupported = map[pyGlobal]struct{ what, instead string }{}

func init() {
	var (
		sparse    = struct{ what, instead string }{"a sparse tensor", "it has no sparse layouts; save t.to_dense() instead"}
		quantized = struct{ what, instead string }{"a quantized tensor", "it has no quantized dtypes; save t.dequantize() instead"}
		complex   = struct{ what, instead string }{"a complex tensor", "it has no complex dtypes; save torch.view_as_real(t) instead"}
	)
	for _, name := range []string{"_rebuild_sparse_tensor", "_rebuild_sparse_csr_tensor"} {
		unsupported[pyGlobal{"torch._utils", name}] = sparse
	}
	unsupported[pyGlobal{"torch.serialization", "_get_layout"}] = sparse
	for _, name := range []string{"sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc"} {
		unsupported[pyGlobal{"torch", name}] = sparse
	}
	unsupported[pyGlobal{"torch._utils", "_rebuild_qtensor"}] = quantized
	for _, name := range []string{"QInt8Storage", "QUInt8Storage", "QInt32Storage", "QUInt4x2Storage", "QUInt2x4Storage",
		"per_tensor_affine", "per_channel_affine", "per_channel_affine_float_qparams"} {
		unsupported[pyGlobal{"torch", name}] = quantized
	}
	for _, name := range []string{"ComplexFloatStorage", "ComplexDoubleStorage", "ComplexHalfStorage"} {
		unsupported[pyGlobal{"torch", name}] = complex
	}
	unsupported[pyGlobal{"torch._utils", "_rebuild_meta_tensor_no_storage"}] = struct{ what, instead string }{
		"a meta tensor", "it has no values"}
	unsupported[pyGlobal{"torch._utils", "_rebuild_device_tensor_from_numpy"}] = struct{ what, instead string }{
		"a tensor of a device without storages (such as XLA)", "move it to the CPU before saving"}
}

// unpickler runs the opcodes of a pickle stream (protocols 0 to 5, the subset
// that holds data: no code is ever called). Calls (REDUCE) and persistent ids
// are handed to the loader, which knows the few allowed globals.
type unpickler struct {
	data   []byte
	pos    int
	stack  []any
	marks  []int
	memo   map[uint32]any
	loader *loader
}

// maxMarks bounds nested MARKs: a state dict nests a few levels, a hostile file
// could nest millions.
const maxMarks = 1000

// load runs the stream up to STOP and returns the value it built.
func (u *unpickler) load() (any, error) {
	u.memo = make(map[uint32]any)
	for {
		if u.pos >= len(u.data) {
			return nil, fmt.Errorf("pickle ends without STOP at byte %d", u.pos)
		}
		at := u.pos
		op := u.data[u.pos]
		u.pos++
		done, err := u.step(op)
		if err != nil {
			return nil, fmt.Errorf("pickle opcode 0x%02x at byte %d: %w", op, at, err)
		}
		if done {
			if len(u.stack) != 1 || len(u.marks) != 0 {
				return nil, fmt.Errorf("pickle STOP with %d values and %d marks on the stack", len(u.stack), len(u.marks))
			}
			return u.stack[0], nil
		}
	}
}

func (u *unpickler) read(n int) ([]byte, error) {
	if n < 0 || n > len(u.data)-u.pos {
		return nil, fmt.Errorf("needs %d bytes, %d left", n, len(u.data)-u.pos)
	}
	b := u.data[u.pos : u.pos+n]
	u.pos += n
	return b, nil
}

func (u *unpickler) readUint(n int) (uint64, error) {
	b, err := u.read(n)
	if err != nil {
		return 0, err
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v, nil
}

// readLine reads up to a newline (for GLOBAL's text arguments).
func (u *unpickler) readLine() (string, error) {
	for i := u.pos; i < len(u.data); i++ {
		if u.data[i] == '\n' {
			s := string(u.data[u.pos:i])
			u.pos = i + 1
			return s, nil
		}
	}
	return "", fmt.Errorf("line not terminated")
}

func (u *unpickler) push(v any) { u.stack = append(u.stack, v) }

func (u *unpickler) pop() (any, error) {
	if len(u.stack) == 0 || (len(u.marks) > 0 && len(u.stack) == u.marks[len(u.marks)-1]) {
		return nil, fmt.Errorf("stack underflow")
	}
	v := u.stack[len(u.stack)-1]
	u.stack = u.stack[:len(u.stack)-1]
	return v, nil
}

func (u *unpickler) top() (any, error) {
	if len(u.stack) == 0 || (len(u.marks) > 0 && len(u.stack) == u.marks[len(u.marks)-1]) {
		return nil, fmt.Errorf("stack underflow")
	}
	return u.stack[len(u.stack)-1], nil
}

// popMark returns the values pushed since the last MARK and removes them.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, fmt.Errorf("no MARK")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := append([]any(nil), u.stack[m:]...)
	u.stack = u.stack[:m]
	return items, nil
}

// popItems pops n values if one (APPEND, SETITEM), else back to the last MARK
// (APPENDS, SETITEMS).
func (u *unpickler) popItems(one bool, n int) ([]any, error) {
	if one {
		return u.popN(n)
	}
	return u.popMark()
}

func (u *unpickler) popN(n int) ([]any, error) {
	items := make([]any, n)
	for i := n - 1; i >= 0; i-- {
		v, err := u.pop()
		if err != nil {
			return nil, err
		}
		items[i] = v
	}
	return items, nil
}

func (u *unpickler) memoGet(i uint32) error {
	v, ok := u.memo[i]
	if !ok {
		return fmt.Errorf("memo key %d not set", i)
	}
	u.push(v)
	return nil
}

func (u *unpickler) memoPut(i uint32) error {
	v, err := u.top()
	if err != nil {
		return err
	}
	u.memo[i] = v
	return nil
}

// step runs one opcode; it reports true at STOP.
func (u *unpickler) step(op byte) (bool, error) {
	switch op {
	case 0x80: // PROTO
		p, err := u.readUint(1)
		if err != nil {
			return false, err
		}
		if p > 5 {
			return false, fmt.Errorf("pickle protocol %d is not supported", p)
		}
	case 0x95: // FRAME: a length prefix for buffering only
		if _, err := u.read(8); err != nil {
			return false, err
		}
	case '.': // STOP
		return true, nil
	case '(': // MARK
		if len(u.marks) >= maxMarks {
			return false, fmt.Errorf("more than %d nested marks", maxMarks)
		}
		u.marks = append(u.marks, len(u.stack))
	case '0': // POP
		_, err := u.pop()
		return false, err
	case '1': // POP_MARK
		_, err := u.popMark()
		return false, err
	case '2': // DUP
		v, err := u.top()
		if err != nil {
			return false, err
		}
		u.push(v)
	case 'N':
		u.push(nil)
	case 0x88:
		u.push(true)
	case 0x89:
		u.push(false)
	case 'J': // BININT
		v, err := u.readUint(4)
		if err != nil {
			return false, err
		}
		u.push(int64(int32(uint32(v))))
	case 'K', 'M': // BININT1, BININT2: unsigned
		v, err := u.readUint(1 + int(op-'K')/2)
		if err != nil {
			return false, err
		}
		u.push(int64(v))
	case 0x8a: // LONG1: n bytes of two's complement, little-endian
		n, err := u.readUint(1)
		if err != nil {
			return false, err
		}
		if n > 8 {
			return false, fmt.Errorf("integer of %d bytes does not fit in int64", n)
		}
		v, err := u.readUint(int(n))
		if err != nil {
			return false, err
		}
		if n > 0 && n < 8 && v&(1<<(8*n-1)) != 0 {
			v |= ^uint64(0) << (8 * n) // sign-extend
		}
		u.push(int64(v))
	case 'G': // BINFLOAT, big-endian
		b, err := u.read(8)
		if err != nil {
			return false, err
		}
		u.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
	case 'X', 0x8c, 'T', 'U', 'B', 'C', 0x8e: // strings and bytes
		return false, u.str(op)
	case ')':
		u.push(pyTuple{})
	case 't':
		items, err := u.popMark()
		if err != nil {
			return false, err
		}
		u.push(pyTuple(items))
	case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
		items, err := u.popN(int(op - 0x84))
		if err != nil {
			return false, err
		}
		u.push(pyTuple(items))
	case ']':
		u.push(&pyList{})
	case 'l': // LIST
		items, err := u.popMark()
		if err != nil {
			return false, err
		}
		u.push(&pyList{items: items})
	case 'a', 'e': // APPEND, APPENDS
		items, err := u.popItems(op == 'a', 1)
		if err != nil {
			return false, err
		}
		l, err := u.top()
		if err != nil {
			return false, err
		}
		list, ok := l.(*pyList)
		if !ok {
			return false, fmt.Errorf("append to %s", typeName(l))
		}
		list.items = append(list.items, items...)
	case '}':
		u.push(&pyDict{})
	case 'd', 's', 'u': // DICT, SETITEM, SETITEMS
		return false, u.setItems(op)
	case 'c': // GLOBAL
		module, err := u.readLine()
		if err != nil {
			return false, err
		}
		name, err := u.readLine()
		if err != nil {
			return false, err
		}
		return false, u.global(module, name)
	case 0x93: // STACK_GLOBAL
		items, err := u.popN(2)
		if err != nil {
			return false, err
		}
		module, ok1 := items[0].(string)
		name, ok2 := items[1].(string)
		if !ok1 || !ok2 {
			return false, fmt.Errorf("STACK_GLOBAL of %s and %s", typeName(items[0]), typeName(items[1]))
		}
		return false, u.global(module, name)
	case 'R': // REDUCE
		items, err := u.popN(2)
		if err != nil {
			return false, err
		}
		g, ok := items[0].(pyGlobal)
		args, ok2 := items[1].(pyTuple)
		if !ok || !ok2 {
			return false, fmt.Errorf("call of %s with %s", typeName(items[0]), typeName(items[1]))
		}
		v, err := u.loader.call(g, args)
		if err != nil {
			return false, err
		}
		u.push(v)
	case 'b': // BUILD
		items, err := u.popN(2)
		if err != nil {
			return false, err
		}
		// OrderedDict's state is its __dict__: for a state dict, the
		// _metadata attribute with each module's version, which loading
		// does not need.
		if d, ok := items[0].(*pyDict); !ok || !d.ordered {
			return false, fmt.Errorf("setting the state of %s is not supported", typeName(items[0]))
		}
		u.push(items[0])
	case 'Q': // BINPERSID
		pid, err := u.pop()
		if err != nil {
			return false, err
		}
		v, err := u.loader.persistent(pid)
		if err != nil {
			return false, err
		}
		u.push(v)
	case 'q', 'r', 'h', 'j': // BINPUT, LONG_BINPUT, BINGET, LONG_BINGET
		size := 1
		if op == 'r' || op == 'j' {
			size = 4
		}
		i, err := u.readUint(size)
		if err != nil {
			return false, err
		}
		if op == 'q' || op == 'r' {
			return false, u.memoPut(uint32(i))
		}
		return false, u.memoGet(uint32(i))
	case 0x94: // MEMOIZE
		return false, u.memoPut(uint32(len(u.memo)))
	default:
		return false, fmt.Errorf("opcode not supported")
	}
	return false, nil
}

// str runs the opcodes that push a string or bytes value.
func (u *unpickler) str(op byte) error {
	var size int
	switch op {
	case 'X', 'T', 'B': // 4-byte length
		n, err := u.readUint(4)
		if err != nil {
			return err
		}
		size = int(min(n, math.MaxInt32))
	case 0x8e: // BINBYTES8
		n, err := u.readUint(8)
		if err != nil {
			return err
		}
		size = int(min(n, math.MaxInt32))
	default: // 1-byte length
		n, err := u.readUint(1)
		if err != nil {
			return err
		}
		size = int(n)
	}
	b, err := u.read(size)
	if err != nil {
		return err
	}
	switch op {
	case 'X', 0x8c: // UTF-8
		if !utf8.Valid(b) {
			return fmt.Errorf("string is not UTF-8")
		}
		u.push(string(b))
	case 'T', 'U': // Python 2 str: bytes, read as Latin-1 text
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		u.push(string(r))
	default:
		u.push(pyBytes(append([]byte(nil), b...)))
	}
	return nil
}

func (u *unpickler) setItems(op byte) error {
	items, err := u.popItems(op == 's', 2)
	if err != nil {
		return err
	}
	if len(items)%2 != 0 {
		return fmt.Errorf("odd number of dict items")
	}
	var d *pyDict
	if op == 'd' {
		d = &pyDict{}
		u.push(d)
	} else {
		top, err := u.top()
		if err != nil {
			return err
		}
		var ok bool
		if d, ok = top.(*pyDict); !ok {
			return fmt.Errorf("set item of %s", typeName(top))
		}
	}
	for i := 0; i < len(items); i += 2 {
		if err := d.set(items[i], items[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// global pushes an allowed global or fails naming it.
func (u *unpickler) global(module, name string) error {
	g := pyGlobal{module, name}
	if k, ok := unsupported[g]; ok {
		return fmt.Errorf("the file holds %s (%s), which gograd does not load: %s", k.what, g, k.instead)
	}
	if !allowed[g] {
		hint := ""
		if strings.HasPrefix(module, "torch.nn.modules") || module == "__main__" {
			hint = "; the file holds a whole pickled model: save model.state_dict() instead"
		}
		return fmt.Errorf("global %s is not allowed (a state dict needs only tensors, storages and OrderedDict; loading never runs code a file names)%s", g, hint)
	}
	u.push(g)
	return nil
}

// typeName names v's Python type for error messages.
func typeName(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case pyBytes:
		return "bytes"
	case pyTuple:
		return "tuple"
	case *pyList:
		return "list"
	case *pyDict:
		if v.ordered {
			return "OrderedDict"
		}
		return "dict"
	case pyGlobal:
		return v.String()
	case *storage:
		return "storage"
	case pyMark:
		return "mark"
	}
	return fmt.Sprintf("%T", v)
}
