package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMaskPositive32 checks MaskPositive32 (the assembly kernel where there is
// one, and the plain tail) and maskPositivePlain bit for bit against the rule
// of PyTorch's threshold_backward (ref <= 0 ? 0 : g, so that -0 blocks the
// gradient and a NaN of either sign passes it), on lengths
// around the vector and unroll widths, with ±0, ±Inf and NaNs of both signs
// among the references, and a guard value after dst.
func TestMaskPositive32(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	nan := float32(math.NaN())
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), nan,
		math.Float32frombits(math.Float32bits(nan) | 1<<31), 1e-45, -1e-45}
	for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 40, 1000} {
		g, ref := make([]float32, n), make([]float32, n)
		for i := range g {
			g[i] = float32(r.NormFloat64())
			ref[i] = float32(r.NormFloat64())
			if r.IntN(4) == 0 {
				ref[i] = special[r.IntN(len(special))]
			}
		}
		got, plain, want := make([]float32, n+1), make([]float32, n), make([]float32, n)
		got[n] = 12345
		MaskPositive32(got[:n], g, ref)
		maskPositivePlain(plain, g, ref)
		for i, r := range ref {
			if !(r <= 0) {
				want[i] = g[i]
			}
		}
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n=%d: dst[%d] = %v for g %v ref %v, want %v", n, i, got[i], g[i], ref[i], want[i])
			}
			if math.Float32bits(plain[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n=%d: plain dst[%d] = %v for g %v ref %v, want %v", n, i, plain[i], g[i], ref[i], want[i])
			}
		}
		if got[n] != 12345 {
			t.Fatalf("n=%d: wrote past dst", n)
		}
	}
}
