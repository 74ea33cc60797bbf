package tensor_test

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestShapeOverflow: shapes whose element count overflows (as PyTorch's "Storage
// size calculation overflowed") are ErrShape errors where they are made, instead of
// wrapping to a small Numel that kernels then index past.
func TestShapeOverflow(t *testing.T) {
	const big = 1<<32 - 1
	cases := []struct {
		name string
		f    func()
	}{
		{"Zeros 2^32×2^32", func() { tensor.Zeros(1<<32, 1<<32) }},
		{"Zeros with a zero dim", func() { tensor.Zeros(0, big, big) }},
		{"Full", func() { tensor.Float64.Full(1, 1<<46) }},
		{"Eye", func() { tensor.Eye(1 << 32) }},
		{"New", func() { tensor.New([]float32{}, 0, big, big) }},
		{"Reshape", func() { tensor.Zeros(0).Reshape(1<<32, 1<<32, 0) }},
		{"View -1", func() { tensor.Zeros(0).View(big, big, -1) }},
		{"Expand", func() { tensor.Zeros(1).Expand(1 << 46) }},
		{"broadcast", func() { tensor.Zeros(1<<20, 0, 1).Add(tensor.Zeros(1, 0, 1<<30)) }},
		{"MatMul", func() { tensor.MatMul(tensor.Zeros(1<<30, 0), tensor.Zeros(0, 1<<30)) }},
	}
	for _, c := range cases {
		if err := tensor.Maybe(c.f); !errors.Is(err, tensor.ErrShape) {
			t.Errorf("%s: got %v, want an ErrShape error", c.name, err)
		}
	}
	if err := tensor.CheckShape(0, 1<<40, 1<<5); err != nil {
		t.Errorf("CheckShape at the limit: %v", err)
	}
	if err := tensor.CheckShape(1<<40, 1<<6); !errors.Is(err, tensor.ErrShape) {
		t.Errorf("CheckShape past the limit: %v", err)
	}
	if n := tensor.Zeros(3, 0, big).Numel(); n != 0 {
		t.Errorf("Numel of [3 0 2^32-1] = %d", n)
	}
}

// shapesOf decodes two shapes of up to 4 dims each from raw: a byte giving the
// ranks, then 8-byte little-endian dims (any int64, negative and huge included).
func shapesOf(raw []byte) (a, b []int) {
	if len(raw) == 0 {
		return nil, nil
	}
	ra, rb := int(raw[0]&3)+1, int(raw[0]>>2&3)
	raw = raw[1:]
	dims := make([]int, 0, ra+rb)
	for len(raw) >= 8 && len(dims) < ra+rb {
		dims = append(dims, int(int64(binary.LittleEndian.Uint64(raw))))
		raw = raw[8:]
	}
	if len(dims) < ra {
		return dims, nil
	}
	return dims[:ra], dims[ra:]
}

// small reports whether a tensor of shape is valid and small enough to make.
func small(shape []int) bool {
	if tensor.CheckShape(shape...) != nil {
		return false
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n <= 1<<12
}

// FuzzShape drives shapes of any dims (negative, huge, overflowing, with zeros)
// through the ops that make shapes: Zeros, Reshape, Expand, broadcasting and
// MatMul. Every failure must be a *tensor.Error (Maybe lets runtime errors
// through, which fails the fuzzer), a shape CheckShape rejects must be rejected by
// Zeros, and a result's Numel must match its shape.
func FuzzShape(f *testing.F) {
	dim := func(ds ...int64) []byte {
		out := []byte{byte(len(ds) - 1)}
		for _, d := range ds {
			out = binary.LittleEndian.AppendUint64(out, uint64(d))
		}
		return out
	}
	f.Add(dim(2, 3))
	f.Add(dim(1<<32, 1<<32))
	f.Add(dim(0, 1<<32-1, 1<<32-1))
	f.Add(append(dim(2, 3)[:1:1], dim(3, 2)[1:]...))
	f.Add([]byte{0x05, 1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, raw []byte) {
		a, b := shapesOf(raw)
		if a == nil {
			return
		}
		errA := tensor.CheckShape(a...)
		var x *tensor.Tensor
		err := tensor.Maybe(func() {
			if small(a) || errA != nil {
				x = tensor.Zeros(a...)
			}
		})
		if (err != nil) != (errA != nil) {
			t.Fatalf("Zeros%v: %v; CheckShape: %v", a, err, errA)
		}
		if x == nil {
			return
		}
		_ = tensor.Maybe(func() { // only *tensor.Error may escape Maybe
			checkNumel(t, x.Reshape(b...))
		})
		_ = tensor.Maybe(func() {
			if small(b) || tensor.CheckShape(b...) != nil {
				checkViewNumel(t, x.Expand(b...)) // -1 keeps a dim, which CheckShape rejects
			}
		})
		if small(b) {
			y := tensor.Zeros(b...)
			_ = tensor.Maybe(func() { checkNumel(t, x.Add(y)) })
			if x.Numel() > 0 && y.Numel() > 0 { // else [m 0]·[0 n] is a valid m×n result of any size
				_ = tensor.Maybe(func() { checkNumel(t, tensor.MatMul(x, y)) })
			}
		} else if len(b) > 0 {
			_ = tensor.Maybe(func() { checkViewNumel(t, x.Expand(append(b[:len(b)-1:len(b)-1], 0)...)) })
		}
	})
}

// checkViewNumel checks a view (an Expand), which allocates nothing, so it may be
// as large as any valid shape: its Numel must match its shape and stay within
// MaxNumel.
func checkViewNumel(t *testing.T, x *tensor.Tensor) {
	n := 1
	for _, d := range x.Shape() {
		n *= d
	}
	if x.Numel() != n || n > tensor.MaxNumel {
		t.Fatalf("view shape %v: Numel %d", x.Shape(), x.Numel())
	}
}

// checkNumel checks a tensor an op allocated: its Numel must match its shape and
// be small, since the fuzzer makes only small tensors.
func checkNumel(t *testing.T, x *tensor.Tensor) {
	n := 1
	for _, d := range x.Shape() {
		n *= d
	}
	if x.Numel() != n || n > 1<<24 {
		t.Fatalf("shape %v: Numel %d", x.Shape(), x.Numel())
	}
}
