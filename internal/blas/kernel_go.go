package blas

import "unsafe"

// goKernel4x4 is the pure-Go micro-kernel: a 4×4 tile of C kept in sixteen local
// accumulators, which the compiler holds in registers.
func goKernel4x4[T float32 | float64](k int, a *T, rs, ks int, b *T, c *T, ldc int, alpha, beta T, flags int, bias *T, bstride int) {
	const mr, nr = 4, 4
	as := unsafe.Slice(a, 3*rs+max(k-1, 0)*ks+1)
	bs := unsafe.Slice(b, max(k-1, 0)*bstride+nr)
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 T
	o := 0
	for p := 0; p < k; p++ {
		bp := bs[p*bstride : p*bstride+nr : p*bstride+nr]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0 := as[o]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := as[o+rs]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a2 := as[o+2*rs]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		a3 := as[o+3*rs]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
		o += ks
	}
	cs := unsafe.Slice(c, 3*ldc+nr)
	acc := [mr][nr]T{{c00, c01, c02, c03}, {c10, c11, c12, c13}, {c20, c21, c22, c23}, {c30, c31, c32, c33}}
	var bv []T
	if flags&addBias != 0 {
		bv = unsafe.Slice(bias, nr)
	}
	for r := range acc {
		row := cs[r*ldc : r*ldc+nr]
		if bv != nil {
			for j, v := range acc[r] {
				row[j] = alpha*v + bv[j]
			}
		} else if flags&betaZero != 0 {
			for j, v := range acc[r] {
				row[j] = alpha * v
			}
		} else {
			for j, v := range acc[r] {
				row[j] = alpha*v + beta*row[j]
			}
		}
	}
}

var (
	goKernel32 = &kernel[float32]{name: "go", mr: 4, nr: 4, kc: 256, nc: 512, mc: 128, fn: goKernel4x4[float32]}
	goKernel64 = &kernel[float64]{name: "go", mr: 4, nr: 4, kc: 256, nc: 256, mc: 64, fn: goKernel4x4[float64]}
)
