package half

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRoundTrip checks that every binary16 and bfloat16 value other than NaN
// widens and narrows back to its own bits.
func TestRoundTrip(t *testing.T) {
	for i := range 1 << 16 {
		h := uint16(i)
		if f := ToFloat32(h); f == f {
			if got := FromFloat32(f); got != h {
				t.Fatalf("FromFloat32(ToFloat32(%#04x) = %g) = %#04x", h, f, got)
			}
		} else if got := FromFloat32(f); ToFloat32(got) == ToFloat32(got) {
			t.Fatalf("NaN %#04x narrows to non-NaN %#04x", h, got)
		}
		if f := BFloat16ToFloat32(h); f == f {
			if got := BFloat16FromFloat32(f); got != h {
				t.Fatalf("BFloat16FromFloat32(BFloat16ToFloat32(%#04x) = %g) = %#04x", h, f, got)
			}
		}
	}
}

// TestNearest checks narrowing against the definition: of the two neighbouring
// 16-bit values, the nearer one, ties to the even one (compared in float64,
// where both the input and the candidates are exact).
func TestNearest(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(name string, f float32, got uint16, widen func(uint16) float32) {
		g := float64(widen(got))
		if math.IsInf(g, 0) {
			return // overflow: checked by the round trip at the largest value
		}
		for _, n := range []uint16{got - 1, got + 1} {
			o := float64(widen(n))
			if o != o || math.Signbit(o) != math.Signbit(g) && o != 0 {
				continue
			}
			d, dn := math.Abs(g-float64(f)), math.Abs(o-float64(f))
			if dn < d || dn == d && got&1 == 1 {
				t.Fatalf("%s(%g) = %#04x (%g), but %#04x (%g) is nearer or even", name, f, got, g, n, o)
			}
		}
	}
	for range 200000 {
		f := math.Float32frombits(r.Uint32())
		if f != f {
			continue
		}
		if math.Abs(float64(f)) < 65504 {
			check("FromFloat32", f, FromFloat32(f), ToFloat32)
		}
		if math.Abs(float64(f)) < 3.38e38 {
			check("BFloat16FromFloat32", f, BFloat16FromFloat32(f), BFloat16ToFloat32)
		}
	}
	// Values near binary16's smallest subnormal, 2⁻²⁴.
	for _, f := range []float32{0x1p-24, 0x1p-25, 0x1.8p-25, 0x1.8p-24, 0x1p-26, 65504, 65519, 65520} {
		check("FromFloat32", f, FromFloat32(f), ToFloat32)
	}
	if FromFloat32(65520) != 0x7c00 || FromFloat32(0x1p-25) != 0 || FromFloat32(0x1.0001p-25) != 1 {
		t.Errorf("rounding at the ends of the range: %#04x %#04x %#04x", FromFloat32(65520), FromFloat32(0x1p-25), FromFloat32(0x1.0001p-25))
	}
}
