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

	"github.com/gograd/gograd/tensor"
)

// idxTypes maps the IDX element type codes to their sizes in bytes.
var idxTypes = map[byte]int{0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}

// maxIDXElements bounds the element count a header may claim (2^31), so that a
// corrupt header cannot ask for an absurd allocation.
const maxIDXElements = 1 << 31

// maxReserve is how many elements ReadIDX allocates before it has read them
// (64M: MNIST's 47M training pixels fit).
const maxReserve = 1 << 26

// ReadIDX reads an IDX file (the format of MNIST and Fashion-MNIST), gzipped or
// not, and returns its values as a tensor of dtype dt with the file's shape: for
// MNIST's training images (60000, 28, 28) with pixels 0..255, for its labels
// (60000). Unsigned bytes, signed bytes, and big-endian int16, int32, float32 and
// float64 elements are read.
func ReadIDX(r io.Reader, dt tensor.DType) (*tensor.Tensor, error) {
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
		if count *= int(d); count > maxIDXElements {
			return nil, fmt.Errorf("data: ReadIDX: shape %v is too large", shape[:i+1])
		}
	}
	if err := tensor.CheckShape(shape...); err != nil {
		return nil, fmt.Errorf("data: ReadIDX: %w", err)
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
// of element type T and the given shape. It reserves memory for at most
// maxReserve elements up front and grows beyond that only with what it has read,
// so that a header claiming more than the file holds fails at its end rather
// than on an absurd allocation.
func readValues[T tensor.Element](r io.Reader, count, size int, conv func([]byte) float64, shape []int) (*tensor.Tensor, error) {
	vals := make([]T, 0, min(count, maxReserve))
	buf := make([]byte, 1<<16)
	for len(vals) < count {
		n := min(len(buf)/size, count-len(vals)) * size
		if _, err := io.ReadFull(r, buf[:n]); err != nil {
			return nil, fmt.Errorf("data: ReadIDX: %d values for shape %v: %w", len(vals), shape, eofIsUnexpected(err))
		}
		for off := 0; off < n; off += size {
			vals = append(vals, T(conv(buf[off:off+size])))
		}
	}
	return tensor.FromSlice(vals).Reshape(shape...), nil
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
func ReadIDXFile(path string, dt tensor.DType) (*tensor.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	return ReadIDX(f, dt)
}

func eofIsUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
