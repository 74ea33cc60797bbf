package vec

import (
	"math"
	"unsafe"
)

// Row kernels: the per-row loops of softmax, its gradient and LayerNorm, each
// one call per row (rows of attention and of a model's width are short, so the
// separate passes and calls of the elementwise kernels cost more than their
// arithmetic). Each has a plain Go form; float32 rows on AVX-512 run an
// assembly kernel of rows_amd64.s, whose sums are accumulated in 16 float32
// lanes and so differ from the plain forms' in the last bits (rows_test.go
// names the tolerances).

// Prefetch asks the CPU to bring a into its caches ahead of use (on amd64 a
// PREFETCHT0 per cache line; elsewhere nothing). It changes no value: a
// kernel that reads data written long before (attention weights saved for the
// backward pass) calls it for the next block while it works on this one.
func Prefetch[T Float](a []T) {
	if len(a) == 0 {
		return
	}
	var z T
	prefetchLines(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(a))), len(a)*int(unsafe.Sizeof(z))))
}

// SoftmaxRow sets row to its softmax, exp(x - m) / Σ exp(x - m) with m the
// largest element. A NaN anywhere makes the whole row NaN, as does +Inf.
func SoftmaxRow[T Float](row []T) { SoftmaxInto(row, row) }

// SoftmaxInto sets dst to the softmax of x (SoftmaxRow's) and returns x's
// largest element m and s = Σ exp(x - m), from which log-softmax is
// x - m - log s. x must be at least as long as dst; dst may be x. Its plain
// form is softmaxPlain (Exp's kernels, 2 ulp); an empty dst gives m = -Inf,
// s = 0.
func SoftmaxInto[T Float](dst, x []T) (m, s T) {
	if len(dst) == 0 {
		return T(math.Inf(-1)), 0
	}
	x = x[:len(dst)]
	if is32[T]() && rowAsm {
		m, s := softmaxF32AVX512(as32(dst), as32(x))
		return T(m), T(s)
	}
	return softmaxPlain(dst, x)
}

// softmaxPlain is SoftmaxInto with the elementwise kernels.
func softmaxPlain[T Float](dst, x []T) (m, s T) {
	m = x[0]
	for _, v := range x[1:] {
		if v > m || v != v { // NaN propagates
			m = v
		}
	}
	AddScalar(dst, x, -m)
	Exp(dst, dst)
	s = Sum(dst)
	MulScalar(dst, dst, 1/s)
	return m, s
}

// SoftmaxGrad sets d[j] = p[j]·(d[j] - Σ_k p[k]·d[k])·scale: the gradient of
// the softmax's input, times scale, from the softmax p and the gradient d of
// its output. p must be at least as long as d.
func SoftmaxGrad[T Float](d, p []T, scale T) {
	p = p[:len(d)]
	if is32[T]() && rowAsm {
		softmaxGradF32AVX512(as32(d), as32(p), float32(scale))
		return
	}
	softmaxGradPlain(d, p, scale)
}

// softmaxGradPlain is SoftmaxGrad's plain loop.
func softmaxGradPlain[T Float](d, p []T, scale T) {
	var dot T
	for j, pv := range p {
		dot += pv * d[j]
	}
	for j, pv := range p {
		d[j] = pv * (d[j] - dot) * scale
	}
}

// LayerNormRow sets y = (x - mean)·invstd·w + b and returns mean and invstd:
// mean = Σx/n, invstd = 1/√(Σ(x - mean)²/n + eps) (the square root in
// float64), n = len(y). With w nil there is no affine part (b is ignored).
// The sums accumulate in T, as PyTorch's CPU kernel accumulates float32 rows
// in float32. x, w and b must be at least as long as y. Its plain form is
// layerNormRowPlain, made of the elementwise kernels.
func LayerNormRow[T Float](y, x, w, b []T, eps float64) (mean, invstd T) {
	n := len(y)
	if n == 0 {
		return 0, T(1 / math.Sqrt(eps))
	}
	x = x[:n]
	if is32[T]() && rowAsm && w != nil {
		w, b = w[:n], b[:n]
		m, v := lnStatsF32AVX512(as32(x), float32(n))
		is := float32(1 / math.Sqrt(float64(v)+eps))
		lnNormF32AVX512(as32(y), as32(x), as32(w), as32(b), m, is)
		return T(m), T(is)
	}
	return layerNormRowPlain(y, x, w, b, eps)
}

// layerNormRowPlain is LayerNormRow with the elementwise kernels.
func layerNormRowPlain[T Float](y, x, w, b []T, eps float64) (mean, invstd T) {
	n := T(len(y))
	mean = Sum(x) / n
	AddScalar(y, x, -mean)
	Mul(y, y, y) // (x - mean)², for the variance
	invstd = T(1 / math.Sqrt(float64(Sum(y)/n)+eps))
	AddScalar(y, x, -mean)
	MulScalar(y, y, invstd)
	if w != nil {
		Mul(y, y, w[:len(y)])
		Add(y, y, b[:len(y)])
	}
	return mean, invstd
}

// LayerNormGradRow sets dx to the gradient of LayerNormRow's input for the
// output gradient g, with x̂ = (x - mean)·invstd and ĝ = g·w (g when w is
// nil), n = len(dx):
//
//	dx = (ĝ - Σĝ/n - x̂·Σ(ĝ·x̂)/n)·invstd
//
// and, unless dw is nil, adds g·x̂ to dw and g to db (the row's share of the
// weight's and bias's gradients). g, x, w, dw and db must be at least as long
// as dx; scratch, of at least 2·len(dx) elements, is the plain form's
// (layerNormGradRowPlain, made of the elementwise kernels) working space.
func LayerNormGradRow[T Float](dx, g, x, w, dw, db, scratch []T, mean, invstd T) {
	n := len(dx)
	g, x = g[:n], x[:n]
	if is32[T]() && rowAsm && w != nil && dw != nil && n > 0 {
		w, dw, db = w[:n], dw[:n], db[:n]
		lnGradF32AVX512(as32(dx), as32(g), as32(x), as32(w), as32(dw), as32(db), float32(mean), float32(invstd), float32(n))
		return
	}
	layerNormGradRowPlain(dx, g, x, w, dw, db, scratch, mean, invstd)
}

// layerNormGradRowPlain is LayerNormGradRow with the elementwise kernels.
func layerNormGradRowPlain[T Float](dx, g, x, w, dw, db, scratch []T, mean, invstd T) {
	d := len(dx)
	n := T(d)
	gh, xh := scratch[:d], scratch[d:2*d]
	ghat := g
	if w != nil {
		Mul(gh, g, w[:d])
		ghat = gh
	}
	AddScalar(xh, x, -mean)
	MulScalar(xh, xh, invstd)
	if dw != nil { // dw += g·x̂, db += g
		dw, db := dw[:d], db[:d]
		Add(db, db, g)
		Mul(dx, g, xh)
		Add(dw, dw, dx)
	}
	a := Sum(ghat) / n
	Mul(dx, ghat, xh)
	c := Sum(dx) / n
	AddScalar(dx, ghat, -a)
	Axpy(dx, -c, xh)
	MulScalar(dx, dx, invstd)
}
