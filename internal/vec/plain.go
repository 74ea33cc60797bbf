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

// reluPlain computes dst[i] = max(a[i], 0) as PyTorch's clamp_min: a[i] unless
// a[i] < 0, so NaN stays NaN and -0 stays -0.
func reluPlain[T Float](dst, a []T) {
	for i := range dst {
		if a[i] < 0 {
			dst[i] = 0
		} else {
			dst[i] = a[i]
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

// sqrtT returns the square root of x rounded to T.
func sqrtT[T Float](x T) T { return T(math.Sqrt(float64(x))) }

// adagradPlain computes one Adagrad step (optim's default configuration):
//
//	sum[i] = mulAdd(g[i], g[i], sum[i])
//	p[i] += (negCLR*g[i]) / (sqrt(sum[i]) + eps)
func adagradPlain[T Float](p, g, sum []T, negCLR, eps T) {
	g, sum = g[:len(p)], sum[:len(p)]
	for i, gi := range g {
		s := mulAdd(gi, gi, sum[i])
		sum[i] = s
		p[i] += T(negCLR*gi) / (sqrtT(s) + eps)
	}
}

// rmspropPlain computes one RMSprop step (not centered, no momentum):
//
//	v[i] = mulAdd(oma*g[i], g[i], v[i]*alpha)
//	p[i] += (negLR*g[i]) / (sqrt(v[i]) + eps)
func rmspropPlain[T Float](p, g, v []T, alpha, oma, negLR, eps T) {
	g, v = g[:len(p)], v[:len(p)]
	for i, gi := range g {
		vi := mulAdd(T(oma*gi), gi, T(v[i]*alpha))
		v[i] = vi
		p[i] += T(negLR*gi) / (sqrtT(vi) + eps)
	}
}

// adadeltaPlain computes one Adadelta step:
//
//	v[i] = mulAdd(omr*g[i], g[i], v[i]*rho)
//	delta = sqrt(u[i]+eps) / sqrt(v[i]+eps) * g[i]
//	u[i] = mulAdd(omr*delta, delta, u[i]*rho)
//	p[i] = mulAdd(delta, negLR, p[i])
func adadeltaPlain[T Float](p, g, v, u []T, rho, omr, eps, negLR T) {
	g, v, u = g[:len(p)], v[:len(p)], u[:len(p)]
	for i, gi := range g {
		vi := mulAdd(T(omr*gi), gi, T(v[i]*rho))
		v[i] = vi
		delta := T(T(sqrtT(u[i]+eps)/sqrtT(vi+eps)) * gi)
		u[i] = mulAdd(T(omr*delta), delta, T(u[i]*rho))
		p[i] = mulAdd(delta, negLR, p[i])
	}
}

// asgdPlain computes one ASGD step before averaging starts (μ = 1):
//
//	p[i] = mulAdd(g[i], negEta, p[i]*decay)
//	ax[i] = p[i]
func asgdPlain[T Float](p, g, ax []T, decay, negEta T) {
	g, ax = g[:len(p)], ax[:len(p)]
	for i, gi := range g {
		p[i] = mulAdd(gi, negEta, T(p[i]*decay))
		ax[i] = p[i]
	}
}

// asgdAvgPlain computes one ASGD step while averaging (μ != 1):
//
//	p[i] = mulAdd(g[i], negEta, p[i]*decay)
//	ax[i] += (p[i] - ax[i]) * mu
func asgdAvgPlain[T Float](p, g, ax []T, decay, negEta, mu T) {
	g, ax = g[:len(p)], ax[:len(p)]
	for i, gi := range g {
		pi := mulAdd(gi, negEta, T(p[i]*decay))
		p[i] = pi
		ax[i] += T((pi - ax[i]) * mu)
	}
}

// moments updates Adam's moment estimates m and v with gradient g and
// returns them: m = mulAdd(g, omb1, m*b1), v = mulAdd(g*omb2, g, v*b2).
func moments[T Float](g, m, v, b1, omb1, b2, omb2 T) (T, T) {
	return mulAdd(g, omb1, T(m*b1)), mulAdd(T(omb2*g), g, T(v*b2))
}

// nadamPlain computes one NAdam step (no weight decay):
//
//	m[i], v[i] = moments(...)
//	d = sqrt(v[i]/bc2) + eps
//	p[i] = p[i] + (gradC*g[i])/d + (avgC*m[i])/d   (added in that order)
func nadamPlain[T Float](p, g, m, v []T, b1, omb1, b2, omb2, bc2, eps, gradC, avgC T) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i, gi := range g {
		mi, vi := moments(gi, m[i], v[i], b1, omb1, b2, omb2)
		m[i], v[i] = mi, vi
		d := sqrtT(T(vi/bc2)) + eps
		pi := p[i] + T(gradC*gi)/d
		p[i] = pi + T(avgC*mi)/d
	}
}

// radamPlain computes one RAdam step while the variance is not tractable
// (no rectification):
//
//	m[i], v[i] = moments(...)
//	p[i] -= m[i]/bc1*lr
func radamPlain[T Float](p, g, m, v []T, b1, omb1, b2, omb2, bc1, lr T) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i, gi := range g {
		mi, vi := moments(gi, m[i], v[i], b1, omb1, b2, omb2)
		m[i], v[i] = mi, vi
		p[i] -= T(T(mi/bc1) * lr)
	}
}

// radamRectPlain computes one rectified RAdam step:
//
//	m[i], v[i] = moments(...)
//	adaptive = one/(sqrt(v[i])+eps) * bc2Sqrt
//	p[i] -= m[i]/bc1*lr * adaptive * rect
func radamRectPlain[T Float](p, g, m, v []T, b1, omb1, b2, omb2, bc1, lr, one, eps, bc2Sqrt, rect T) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i, gi := range g {
		mi, vi := moments(gi, m[i], v[i], b1, omb1, b2, omb2)
		m[i], v[i] = mi, vi
		u := T(T(mi/bc1) * lr)
		adaptive := T(T(one/(sqrtT(vi)+eps)) * bc2Sqrt)
		p[i] -= T(T(u*adaptive) * rect)
	}
}

// adamaxPlain computes one Adamax step (no weight decay):
//
//	m[i] = mulAdd(g[i], omb1, m[i]*b1)
//	u[i] = max(u[i]*b2, |g[i]|+eps)
//	p[i] += (negCLR*m[i]) / u[i]
func adamaxPlain[T Float](p, g, m, u []T, b1, omb1, b2, eps, negCLR T) {
	g, m, u = g[:len(p)], m[:len(p)], u[:len(p)]
	for i, gi := range g {
		mi := mulAdd(gi, omb1, T(m[i]*b1))
		m[i] = mi
		ui := max(T(u[i]*b2), absT(gi)+eps)
		u[i] = ui
		p[i] += T(negCLR*mi) / ui
	}
}

// absT returns |x|. For float32 it clears the sign bit in place: going
// through math.Abs's float64 made adamaxPlain 2.4x slower on the Zen 5 VM
// (1.95 against 0.80 ms for 269,322 elements; not explained, perhaps the
// conversion back to float32, which writes only the register's low lanes and
// so waits for its previous value).
func absT[T Float](x T) T {
	if is32[T]() {
		return T(math.Float32frombits(math.Float32bits(float32(x)) &^ (1 << 31)))
	}
	return T(math.Abs(float64(x)))
}
