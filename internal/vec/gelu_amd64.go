//go:build !purego

package vec

import "golang.org/x/sys/cpu"

//go:generate go run gen_gelu_amd64.go

// geluImpls lists the GELU kernels this CPU can run, slowest first: the plain
// loops, AVX2+FMA (whole 8-lane vectors; the plain loop takes the rest), then
// AVX-512 (any length).
var geluImpls = availableGelu()

func availableGelu() []*geluKernels {
	ks := []*geluKernels{&geluGo}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, &geluKernels{"avx2", 8, geluErfF32AVX2, geluErfGradF32AVX2, geluErfBothF32AVX2})
	}
	if cpu.X86.HasAVX512F {
		ks = append(ks, &geluKernels{"avx512", 1, geluErfF32AVX512, geluErfGradF32AVX512, geluErfBothF32AVX512})
	}
	return ks
}

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

// geluErfF32AVX512 is geluErfPlain(dst, x, nil).
//
//go:noescape
func geluErfF32AVX512(dst, x []float32)

// geluErfGradF32AVX512 is geluErfPlain(dst, x, g).
//
//go:noescape
func geluErfGradF32AVX512(dst, x, g []float32)

// geluErfBothF32AVX512 is geluErfBothPlain(dst, d, x).
//
//go:noescape
func geluErfBothF32AVX512(dst, d, x []float32)
