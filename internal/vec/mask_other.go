//go:build !amd64 || purego

package vec

const maskAsm = false

func maskPositiveF32AVX2(dst, g, ref []float32) { panic("unreachable") }
