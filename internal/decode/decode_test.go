package decode

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/gograd/gograd/internal/memtest"
)

func byteValue(b []byte) float64 { return float64(b[0]) }

func TestValues(t *testing.T) {
	data := make([]byte, 3*chunk+5)
	for i := range data {
		data[i] = byte(i)
	}
	for _, presized := range []bool{false, true} {
		got, err := Values(bytes.NewReader(data), len(data), 1, presized, byteValue)
		if err != nil || len(got) != len(data) || cap(got) != len(data) {
			t.Fatalf("presized %v: %d values (cap %d), %v", presized, len(got), cap(got), err)
		}
		for i, v := range got {
			if v != float64(byte(i)) {
				t.Fatalf("value %d = %v", i, v)
			}
		}
	}
	if got, err := Values(bytes.NewReader(nil), 0, 4, false, byteValue); err != nil || len(got) != 0 {
		t.Errorf("no values: %v %v", got, err)
	}
	_, err := Values(bytes.NewReader(data[:10]), 20, 4, false, byteValue)
	if !errors.Is(err, io.ErrUnexpectedEOF) || err.Error() != "0 of 20 values: unexpected EOF" {
		t.Errorf("short data: %v", err)
	}
}

// TestValuesGrowWithTheData: a count of 2^28 eight-byte elements over 1000 bytes
// allocates about what the data holds, not the 2 GiB the count claims.
func TestValuesGrowWithTheData(t *testing.T) {
	data := make([]byte, 1000)
	b := memtest.BytesPerRun(3, func() {
		if _, err := Values(bytes.NewReader(data), 1<<28, 8, false, byteValue); err == nil {
			t.Fatal("no error")
		}
	})
	if b > 2<<20 { // 64K-element first growth (512 KiB) and the 64 KiB buffer
		t.Errorf("allocated %d bytes for 1000 bytes of data", b)
	}
}
