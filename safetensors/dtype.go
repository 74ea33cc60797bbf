package safetensors

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/gograd/gograd/internal/half"
	"github.com/gograd/gograd/tensor"
)

// format is one of the safetensors dtypes gograd reads and writes: its size in
// bytes and the gograd dtype that holds its values.
type format struct {
	size  int
	holds tensor.DType
}

// formats lists the safetensors dtypes gograd reads and writes. F16 and BF16
// load as float32 (exactly; see ReadHalfAs), the integer types and BOOL as int64.
var formats = map[string]format{
	"F64": {8, tensor.Float64}, "F32": {4, tensor.Float32},
	"F16": {2, tensor.Float32}, "BF16": {2, tensor.Float32},
	"I64": {8, tensor.Int64}, "I32": {4, tensor.Int64}, "I16": {2, tensor.Int64},
	"I8": {1, tensor.Int64}, "U8": {1, tensor.Int64}, "BOOL": {1, tensor.Int64},
}

// formatNames is the sorted list of formats, for messages.
var formatNames = func() []string {
	var names []string
	for n := range formats {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}()

// defaultFormat is the dtype a tensor is written as unless WithDType says
// otherwise.
var defaultFormat = map[tensor.DType]string{tensor.Float32: "F32", tensor.Float64: "F64", tensor.Int64: "I64"}

// Option configures Read, Load, Write and Save.
type Option func(*options)

type options struct {
	as     map[string]string // tensor name → dtype to write it as
	halfAs tensor.DType      // the dtype F16 and BF16 load as
}

func collect(opts []Option) options {
	o := options{halfAs: tensor.Float32}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// WithDType makes Write and Save store the named tensors as dtype instead of
// their own: "F16" or "BF16" for float tensors (rounded to nearest, ties to
// even, through float32), "I32", "I16", "I8", "U8" or "BOOL" for int64 tensors
// (whose values must fit: BOOL holds 0 and 1), or the tensor's own "F32", "F64"
// or "I64". Write returns an error for any other pairing or a value that does
// not fit.
func WithDType(dtype string, names ...string) Option {
	return func(o *options) {
		if o.as == nil {
			o.as = make(map[string]string)
		}
		for _, n := range names {
			o.as[n] = dtype
		}
	}
}

// ReadHalfAs makes Read and Load return F16 and BF16 tensors as dtype d
// (tensor.Float32, the default, or tensor.Float64); both hold every half value
// exactly.
func ReadHalfAs(d tensor.DType) Option { return func(o *options) { o.halfAs = d } }

// formatOf returns the dtype name t is written as under o, or an error if
// that dtype cannot hold t.
func (o options) formatOf(name string, t *tensor.Tensor) (string, error) {
	f, ok := o.as[name]
	if !ok {
		return defaultFormat[t.DType()], nil
	}
	fm, known := formats[f]
	if !known || t.DType().IsFloat() != fm.holds.IsFloat() {
		return "", fmt.Errorf("safetensors: tensor %q of %v cannot be written as %q", name, t.DType(), f)
	}
	return f, nil
}

// encode writes t's values as dtype f, little-endian, to w; an integer that f
// cannot hold is an error.
func encode(w io.Writer, t *tensor.Tensor, f string) error {
	t = t.Contiguous()
	le := binary.LittleEndian
	buf := make([]byte, 0, 1<<12)
	// put appends one value's bytes, writing buf out when it is full.
	put := func(b []byte) error {
		buf = b
		if len(buf) > cap(buf)-8 {
			_, err := w.Write(buf)
			buf = buf[:0]
			return err
		}
		return nil
	}
	var err error
	switch f {
	case "F32":
		for _, v := range t.Float32s() {
			if err = put(le.AppendUint32(buf, math.Float32bits(v))); err != nil {
				return err
			}
		}
	case "F64":
		for _, v := range t.Float64s() {
			if err = put(le.AppendUint64(buf, math.Float64bits(v))); err != nil {
				return err
			}
		}
	case "F16", "BF16":
		conv := half.FromFloat32
		if f == "BF16" {
			conv = half.BFloat16FromFloat32
		}
		if t.DType() == tensor.Float64 {
			for _, v := range t.Float64s() {
				if err = put(le.AppendUint16(buf, conv(float32(v)))); err != nil {
					return err
				}
			}
			break
		}
		for _, v := range t.Float32s() {
			if err = put(le.AppendUint16(buf, conv(v))); err != nil {
				return err
			}
		}
	default:
		lo, hi := intRange(f)
		size := formats[f].size
		for _, v := range t.Int64s() {
			if v < lo || v > hi {
				return fmt.Errorf("value %d does not fit in %s", v, f)
			}
			if err = put(le.AppendUint64(buf, uint64(v))[:len(buf)+size]); err != nil {
				return err
			}
		}
	}
	_, err = w.Write(buf)
	return err
}

// intRange returns the values the integer dtype f holds.
func intRange(f string) (lo, hi int64) {
	switch f {
	case "I32":
		return math.MinInt32, math.MaxInt32
	case "I16":
		return math.MinInt16, math.MaxInt16
	case "I8":
		return math.MinInt8, math.MaxInt8
	case "U8":
		return 0, math.MaxUint8
	case "BOOL":
		return 0, 1
	}
	return math.MinInt64, math.MaxInt64
}

// decodeTensor reads count values of dtype f from r into a new tensor of the
// given shape, holding F16 and BF16 as halfAs; presized is as for decode.Values.
func decodeTensor(r io.Reader, f string, count int, presized bool, shape []int, halfAs tensor.DType) (*tensor.Tensor, error) {
	size := formats[f].size
	le := binary.LittleEndian
	switch f {
	case "F32":
		return values(r, count, size, presized, shape, func(b []byte) float32 { return math.Float32frombits(le.Uint32(b)) })
	case "F64":
		return values(r, count, size, presized, shape, func(b []byte) float64 { return math.Float64frombits(le.Uint64(b)) })
	case "F16", "BF16":
		conv := half.ToFloat32
		if f == "BF16" {
			conv = half.BFloat16ToFloat32
		}
		if halfAs == tensor.Float64 {
			return values(r, count, size, presized, shape, func(b []byte) float64 { return float64(conv(le.Uint16(b))) })
		}
		return values(r, count, size, presized, shape, func(b []byte) float32 { return conv(le.Uint16(b)) })
	case "I64":
		return values(r, count, size, presized, shape, func(b []byte) int64 { return int64(le.Uint64(b)) })
	case "I32":
		return values(r, count, size, presized, shape, func(b []byte) int64 { return int64(int32(le.Uint32(b))) })
	case "I16":
		return values(r, count, size, presized, shape, func(b []byte) int64 { return int64(int16(le.Uint16(b))) })
	case "I8":
		return values(r, count, size, presized, shape, func(b []byte) int64 { return int64(int8(b[0])) })
	case "U8":
		return values(r, count, size, presized, shape, func(b []byte) int64 { return int64(b[0]) })
	default: // BOOL
		return values(r, count, size, presized, shape, func(b []byte) int64 { return int64(min(b[0], 1)) })
	}
}

// notSafetensors returns an error naming the format of a file that starts with
// head, if it is one of torch.save's, and nil otherwise. Both signatures, read
// as a header length, exceed maxHeader, so no safetensors file is mistaken for
// them: a zip archive's local header ("PK\x03\x04", then a version and flags of
// which at least one is non-zero) and the legacy format's pickle of torch's
// magic number (PROTO n, LONG1 of 10 bytes).
func notSafetensors(head []byte) error {
	switch {
	case string(head[:4]) == "PK\x03\x04" && string(head[4:8]) != "\x00\x00\x00\x00":
		return fmt.Errorf("safetensors: this is a zip archive, the format torch.save writes (.pt, .pth), not a safetensors file; read it with pt.Load (package github.com/gograd/gograd/pt)")
	case head[0] == 0x80 && head[1] <= 5 && head[2] == 0x8a && head[3] == 10:
		return fmt.Errorf("safetensors: this is a pickle, the legacy format of torch.save (.pt, .pth), not a safetensors file; read it with pt.Load (package github.com/gograd/gograd/pt)")
	}
	return nil
}
