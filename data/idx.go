package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/gograd/gograd/internal/decode"
	"github.com/gograd/gograd/tensor"
)

// idxTypes maps the IDX element type codes to their sizes in bytes.
var idxTypes = map[byte]int{0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}

// DefaultMaxIDXElements is the element limit ReadIDX applies unless IDXOptions
// sets another: 2^28 elements, 1 GiB as float32, 5.7 times MNIST's 47M training
// pixels. A gzipped file of a few hundred KB can expand to that many elements, so
// the limit, not the file's size, bounds what a hostile file can make ReadIDX
// allocate.
const DefaultMaxIDXElements = 1 << 28

// IDXOptions adjusts ReadIDX.
type IDXOptions struct {
	// MaxElements is the most elements a file may hold; a header claiming more is
	// an error, before anything is allocated. 0 means DefaultMaxIDXElements.
	MaxElements int
}

// ReadIDX reads an IDX file (the format of MNIST and Fashion-MNIST), gzipped or
// not, and returns its values as a tensor of dtype dt with the file's shape: for
// MNIST's training images (60000, 28, 28) with pixels 0..255, for its labels
// (60000). Unsigned bytes, signed bytes, and big-endian int16, int32, float32 and
// float64 elements are read.
//
// A bad file is an error, never a panic or an allocation the file does not back:
// a header whose shape holds more than the element limit (see IDXOptions) or
// overflows is rejected before reading on, and memory grows with the values that
// arrive, never from the count the header claims, so that a header claiming more
// than the file holds fails at its end. Peak memory is about twice the returned
// tensor's (measured: 2.1 GB resident for a 1 GiB float32 tensor from a 261 KB
// gzipped file).
func ReadIDX(r io.Reader, dt tensor.DType, opts ...IDXOptions) (*tensor.Tensor, error) {
	limit := DefaultMaxIDXElements
	if len(opts) > 1 {
		return nil, fmt.Errorf("data: ReadIDX: at most one IDXOptions, got %d", len(opts))
	}
	if len(opts) == 1 && opts[0].MaxElements > 0 {
		limit = opts[0].MaxElements
	}
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("data: ReadIDX: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	var head [4]byte
	if _, err := io.ReadFull(br, head[:]); err != nil {
		return nil, fmt.Errorf("data: ReadIDX: reading the magic number: %w", eofIsUnexpected(err))
	}
	size, ok := idxTypes[head[2]]
	if head[0] != 0 || head[1] != 0 || !ok {
		return nil, fmt.Errorf("data: ReadIDX: bad magic number % x", head)
	}
	shape := make([]int, head[3])
	count := 1
	for i := range shape {
		var d uint32
		if err := binary.Read(br, binary.BigEndian, &d); err != nil {
			return nil, fmt.Errorf("data: ReadIDX: reading dimension %d: %w", i, eofIsUnexpected(err))
		}
		shape[i] = int(d)
	}
	if err := tensor.CheckShape(shape...); err != nil {
		return nil, fmt.Errorf("data: ReadIDX: %w", err)
	}
	for _, d := range shape {
		count *= d // cannot overflow: CheckShape bounds the product
	}
	if count > limit {
		return nil, fmt.Errorf("data: ReadIDX: shape %v holds %d elements, more than the limit of %d (IDXOptions.MaxElements)", shape, count, limit)
	}
	conv := idxConverter(head[2])
	var t *tensor.Tensor
	var err error
	switch dt {
	case tensor.Float32:
		t, err = readValues[float32](br, count, size, conv, shape)
	case tensor.Float64:
		t, err = readValues[float64](br, count, size, conv, shape)
	default:
		t, err = readValues[int64](br, count, size, conv, shape)
	}
	if err != nil {
		return nil, err
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, errors.New("data: ReadIDX: data continues past the values its shape holds")
	}
	return t, nil
}

// readValues reads count elements of size bytes, decoded by conv, into a tensor
// of element type T and the given shape, growing its memory with the data that
// arrives (decode.Values).
func readValues[T tensor.Element](r io.Reader, count, size int, conv func([]byte) float64, shape []int) (*tensor.Tensor, error) {
	vals, err := decode.Values(r, count, size, false, func(b []byte) T { return T(conv(b)) })
	if err != nil {
		return nil, fmt.Errorf("data: ReadIDX: shape %v: %w", shape, err)
	}
	return tensor.FromSlice(vals).Reshape(shape...), nil // FromSlice makes a 0-d shape 1-d
}

// idxConverter returns the function that decodes one element of IDX type code.
func idxConverter(code byte) func([]byte) float64 {
	switch code {
	case 0x08:
		return func(b []byte) float64 { return float64(b[0]) }
	case 0x09:
		return func(b []byte) float64 { return float64(int8(b[0])) }
	case 0x0B:
		return func(b []byte) float64 { return float64(int16(binary.BigEndian.Uint16(b))) }
	case 0x0C:
		return func(b []byte) float64 { return float64(int32(binary.BigEndian.Uint32(b))) }
	case 0x0D:
		return func(b []byte) float64 { return float64(math.Float32frombits(binary.BigEndian.Uint32(b))) }
	}
	return func(b []byte) float64 { return math.Float64frombits(binary.BigEndian.Uint64(b)) }
}

// ReadIDXFile is ReadIDX on the file path.
func ReadIDXFile(path string, dt tensor.DType, opts ...IDXOptions) (*tensor.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	return ReadIDX(f, dt, opts...)
}

func eofIsUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
