package vec

import "math"

// MaskPositive32 sets dst[i] = g[i] where ref[i] > 0 and 0 elsewhere, ReLU's
// gradient, without branches (ReLU's input signs are unpredictable): the mask
// is the sign of the negated bits of ref[i] read as an int32, all ones for a
// positive float (and for -0, whose negation wraps), all zeros otherwise. The
// plain loop is maskPositivePlain; on amd64 with AVX2 an assembly kernel
// (mask_amd64.s) takes whole vectors with the same integer arithmetic. g and
// ref must be at least as long as dst.
func MaskPositive32(dst, g, ref []float32) {
	g, ref = g[:len(dst)], ref[:len(dst)]
	n := 0
	if maskAsm {
		n = len(dst) &^ 7
		if n > 0 {
			maskPositiveF32AVX2(dst[:n], g[:n], ref[:n])
		}
	}
	maskPositivePlain(dst[n:], g[n:], ref[n:])
}

// maskPositivePlain is MaskPositive32 as a plain loop.
func maskPositivePlain(dst, g, ref []float32) {
	ref = ref[:len(dst)]
	g = g[:len(dst)]
	for i, r := range ref {
		m := uint32(-int32(math.Float32bits(r)) >> 31)
		dst[i] = math.Float32frombits(math.Float32bits(g[i]) & m)
	}
}
