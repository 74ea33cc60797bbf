//go:build !purego

package vec

import "golang.org/x/sys/cpu"

// maskAsm says whether MaskPositive32 runs mask_amd64.s (AVX2).
var maskAsm = cpu.X86.HasAVX2

// maskPositiveF32AVX2 is maskPositivePlain for len(dst) a multiple of 8 (g and
// ref as long).
//
//go:noescape
func maskPositiveF32AVX2(dst, g, ref []float32)
