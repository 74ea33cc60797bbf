//go:build !amd64 || purego

package vec

// rowAsm is false: the row kernels run their plain forms.
var rowAsm = false

func softmaxF32AVX512(dst, x []float32) (m, s float32)                       { panic("unreachable") }
func softmaxGradF32AVX512(d, p []float32, scale float32)                     { panic("unreachable") }
func lnStatsF32AVX512(x []float32, n float32) (mean, v float32)              { panic("unreachable") }
func lnNormF32AVX512(y, x, w, b []float32, mean, invstd float32)             { panic("unreachable") }
func lnGradF32AVX512(dx, g, x, w, dw, db []float32, mean, invstd, n float32) { panic("unreachable") }

func prefetchLines(a []byte) {} // a hint with no portable form
