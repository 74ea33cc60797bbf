package vec

// The plain loops below define what each kernel computes. They are the pure-Go
// fallback and the reference every fast path is tested against.

import "math"

// addPlain computes dst[i] = a[i] + b[i].
func addPlain[T Float](dst, a, b []T) {
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// subPlain computes dst[i] = a[i] - b[i].
func subPlain[T Float](dst, a, b []T) {
	for i := range dst {
		dst[i] = a[i] - b[i]
	}
}

// mulPlain computes dst[i] = a[i] * b[i].
func mulPlain[T Float](dst, a, b []T) {
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

// divPlain computes dst[i] = a[i] / b[i].
func divPlain[T Float](dst, a, b []T) {
	for i := range dst {
		dst[i] = a[i] / b[i]
	}
}

// addScalarPlain computes dst[i] = a[i] + s.
func addScalarPlain[T Float](dst, a []T, s T) {
	for i := range dst {
		dst[i] = a[i] + s
	}
}

// mulScalarPlain computes dst[i] = a[i] * s.
func mulScalarPlain[T Float](dst, a []T, s T) {
	for i := range dst {
		dst[i] = a[i] * s
	}
}

// subScalarFromPlain computes dst[i] = s - a[i].
func subScalarFromPlain[T Float](dst, a []T, s T) {
	for i := range dst {
		dst[i] = s - a[i]
	}
}

// divScalarByPlain computes dst[i] = s / a[i].
func divScalarByPlain[T Float](dst, a []T, s T) {
	for i := range dst {
		dst[i] = s / a[i]
	}
}

// axpyPlain computes dst[i] += alpha * a[i].
func axpyPlain[T Float](dst []T, alpha T, a []T) {
	for i := range dst {
		dst[i] += T(alpha * a[i]) // rounded, never fused
	}
}

// expPlain computes dst[i] = exp(a[i]).
func expPlain[T Float](dst, a []T) {
	for i := range dst {
		dst[i] = T(math.Exp(float64(a[i])))
	}
}

// logPlain computes dst[i] = log(a[i]).
func logPlain[T Float](dst, a []T) {
	for i := range dst {
		dst[i] = T(math.Log(float64(a[i])))
	}
}

// sigmoidPlain computes dst[i] = 1 / (1 + exp(-a[i])).
func sigmoidPlain[T Float](dst, a []T) {
	for i := range dst {
		x := float64(a[i])
		if x >= 0 {
			dst[i] = T(1 / (1 + math.Exp(-x)))
		} else {
			e := math.Exp(x)
			dst[i] = T(e / (1 + e))
		}
	}
}

// tanhPlain computes dst[i] = tanh(a[i]).
func tanhPlain[T Float](dst, a []T) {
	for i := range dst {
		dst[i] = T(math.Tanh(float64(a[i])))
	}
}

// reluPlain computes dst[i] = max(a[i], 0) (NaN stays NaN).
func reluPlain[T Float](dst, a []T) {
	for i := range dst {
		if a[i] > 0 || a[i] != a[i] {
			dst[i] = a[i]
		} else {
			dst[i] = 0
		}
	}
}

// sumPlain returns the sum of a's elements.
func sumPlain[T Float](a []T) T {
	var s T
	for _, v := range a {
		s += v
	}
	return s
}

// The optimizer steps below round as optim's fmaC does: mulAdd(x, y, z) is
// x*y + z rounded once for float64 (math.FMA) and rounded twice, a product then
// a sum, for float32. The explicit conversion keeps the compiler from fusing the
// float32 form on targets with FMA, so every platform gets the same bits.
func mulAdd[T Float](x, y, z T) T {
	if is32[T]() {
		return T(x*y) + z
	}
	return T(math.FMA(float64(x), float64(y), float64(z)))
}

// adamPlain computes one Adam step (optim's default configuration):
//
//	m[i] = mulAdd(g[i], omb1, m[i]*b1)
//	v[i] = mulAdd(g[i]*omb2, g[i], v[i]*b2)
//	p[i] += (negStep*m[i]) / (sqrt(v[i])/bc2Sqrt + eps)
func adamPlain[T Float](p, g, m, v []T, b1, omb1, b2, omb2, negStep, bc2Sqrt, eps T) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i, gi := range g {
		mi := mulAdd(gi, omb1, T(m[i]*b1))
		vi := mulAdd(T(gi*omb2), gi, T(v[i]*b2))
		m[i], v[i] = mi, vi
		p[i] += T(negStep*mi) / (T(T(math.Sqrt(float64(vi)))/bc2Sqrt) + eps)
	}
}

// adamWPlain is adamPlain after p[i] = p[i]*decay (AdamW's decoupled decay).
func adamWPlain[T Float](p, g, m, v []T, b1, omb1, b2, omb2, negStep, bc2Sqrt, eps, decay T) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i, gi := range g {
		pi := T(p[i] * decay)
		mi := mulAdd(gi, omb1, T(m[i]*b1))
		vi := mulAdd(T(gi*omb2), gi, T(v[i]*b2))
		m[i], v[i] = mi, vi
		p[i] = pi + T(negStep*mi)/(T(T(math.Sqrt(float64(vi)))/bc2Sqrt)+eps)
	}
}

// sgdPlain computes p[i] = mulAdd(g[i], negLR, p[i]).
func sgdPlain[T Float](p, g []T, negLR T) {
	g = g[:len(p)]
	for i, gi := range g {
		p[i] = mulAdd(gi, negLR, p[i])
	}
}

// sgdMomentumPlain computes one step of SGD with momentum:
//
//	b = mulAdd(g[i], damp, buf[i]*mom)
//	buf[i] = b
//	p[i] = mulAdd(b, negLR, p[i])
func sgdMomentumPlain[T Float](p, g, buf []T, damp, mom, negLR T) {
	g, buf = g[:len(p)], buf[:len(p)]
	for i, gi := range g {
		b := mulAdd(gi, damp, T(buf[i]*mom))
		buf[i] = b
		p[i] = mulAdd(b, negLR, p[i])
	}
}

// sgdMomentumDecayPlain is sgdMomentumPlain with the gradient
// mulAdd(p[i], wd, g[i]) (L2 weight decay).
func sgdMomentumDecayPlain[T Float](p, g, buf []T, wd, damp, mom, negLR T) {
	g, buf = g[:len(p)], buf[:len(p)]
	for i, gi := range g {
		d := mulAdd(p[i], wd, gi)
		b := mulAdd(d, damp, T(buf[i]*mom))
		buf[i] = b
		p[i] = mulAdd(b, negLR, p[i])
	}
}
