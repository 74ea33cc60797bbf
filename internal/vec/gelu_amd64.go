//go:build !purego

package vec

import "golang.org/x/sys/cpu"

//go:generate go run gen_gelu_amd64.go

// geluAsm says whether GeluErf32 runs gelu_amd64.s (AVX2+FMA).
var geluAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// geluErfF32AVX2 is geluErfPlain(dst, x, nil) for len(x) a multiple of 8.
//
//go:noescape
func geluErfF32AVX2(dst, x []float32)

// geluErfGradF32AVX2 is geluErfPlain(dst, x, g) for len(x) a multiple of 8.
//
//go:noescape
func geluErfGradF32AVX2(dst, x, g []float32)

// geluErfBothF32AVX2 is geluErfBothPlain(dst, d, x) for len(x) a multiple of 8.
//
//go:noescape
func geluErfBothF32AVX2(dst, d, x []float32)
