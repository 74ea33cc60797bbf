// Package decode reads arrays of fixed-size elements from files whose headers may
// lie. It is what gograd's loaders (data's IDX reader, safetensors) read values
// with, so that a header claiming more data than a file holds, or a compressed
// stream that expands without end, never turns into an allocation the data does
// not back.
package decode

import (
	"fmt"
	"io"
)

// chunk is how many bytes Values reads at a time.
const chunk = 64 << 10

// minGrow is the capacity Values starts from when it grows with the data.
const minGrow = 1 << 16

// Values reads count elements of size bytes each from r, decoding each with conv,
// and returns them in a slice of length and capacity count.
//
// With presized false it trusts nothing about count: the slice grows with the
// data that arrives, doubling up to count, so that a stream holding less than
// count elements fails at its end having allocated at most about twice what it
// held, and the peak of live memory while growing is 1.5 times the final slice
// (resident memory up to twice it, until the collector reclaims the smaller
// slices). With
// presized true the caller has checked that r holds count elements (against a
// file's length) and the slice is allocated once, at its final size.
//
// It returns io.ErrUnexpectedEOF, wrapped with how many elements it read, if r
// ends first.
func Values[T any](r io.Reader, count, size int, presized bool, conv func([]byte) T) ([]T, error) {
	var vals []T
	if presized {
		vals = make([]T, 0, count)
	}
	buf := make([]byte, min(chunk, max(count, 1)*size)/size*size)
	for len(vals) < count {
		n := min(len(buf)/size, count-len(vals))
		if len(vals)+n > cap(vals) {
			grown := make([]T, len(vals), min(count, max(2*cap(vals), len(vals)+n, minGrow)))
			copy(grown, vals)
			vals = grown
		}
		if _, err := io.ReadFull(r, buf[:n*size]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("%d of %d values: %w", len(vals), count, err)
		}
		for off := 0; off < n*size; off += size {
			vals = append(vals, conv(buf[off:off+size]))
		}
	}
	return vals, nil
}
