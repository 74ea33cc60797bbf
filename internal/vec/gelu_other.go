//go:build !amd64 || purego

package vec

const geluAsm = false

func geluErfF32AVX2(dst, x []float32)        { panic("unreachable") }
func geluErfGradF32AVX2(dst, x, g []float32) { panic("unreachable") }
func geluErfBothF32AVX2(dst, d, x []float32) { panic("unreachable") }
