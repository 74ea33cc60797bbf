package vec

import "math"

// MaskPositive32 sets dst[i] = g[i] where ref[i] > 0 or ref[i] is NaN, and 0
// where ref[i] <= 0 (-0 included), ReLU's gradient as PyTorch's threshold_backward
// computes it (ref <= 0 ? 0 : g). It runs without branches (ReLU's input signs
// are unpredictable): maskPositivePlain builds an all-ones or all-zeros mask from
// integer arithmetic on ref's bits; on amd64 with AVX2 an assembly kernel
// (mask_amd64.s) takes whole vectors with a vector compare. g and ref must be at
// least as long as dst.
func MaskPositive32(dst, g, ref []float32) {
	g, ref = g[:len(dst)], ref[:len(dst)]
	n := 0
	if maskAsm {
		n = len(dst) &^ 7
		if n > 0 {
			inChunks(0, n, func(lo, hi int) { maskPositiveF32AVX2(dst[lo:hi], g[lo:hi], ref[lo:hi]) })
		}
	}
	maskPositivePlain(dst[n:], g[n:], ref[n:])
}

// maskPositivePlain is MaskPositive32 as a plain loop.
func maskPositivePlain(dst, g, ref []float32) {
	ref = ref[:len(dst)]
	g = g[:len(dst)]
	for i, r := range ref {
		b := math.Float32bits(r)
		pos := -int64(int32(b)) >> 63                   // all ones when r > 0 (-0's bits are negative)
		nan := (0x7F800000 - int64(b&0x7FFFFFFF)) >> 63 // all ones when |r|'s bits exceed +Inf's
		dst[i] = math.Float32frombits(math.Float32bits(g[i]) & uint32(pos|nan))
	}
}
