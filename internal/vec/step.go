package vec

// Fused optimizer steps: one pass over the parameter and its state per step,
// instead of one per operation. Each computes, element by element, the plain
// loop in plain.go, itself the loop optim ran before these kernels existed;
// every implementation returns the plain loop's bits, since the vector
// instructions they use (add, mul, FMA, div, sqrt) are correctly rounded per lane.
// mulAdd(x, y, z) below is x*y + z rounded once for float64 (a fused multiply-add)
// and twice, a product then a sum, for float32, as optim rounds.
//
// The other slices are at least as long as p (only p's length is used), and no
// two of the slices may overlap.
//
// The steps run on the caller's goroutine at every length and never allocate
// (optim promises allocation-free steps). Splitting across threads was measured
// on the 2-core development machine: at 4M float32 elements it takes Adam from
// 1.38 to 1.05 ms and SGD momentum from 1.14 to 0.78 ms, memory-bound gains
// that cost a few allocations per call, and parameters of that size are rare.

// AdamCoef holds the scalars of one AdamStep, already in the element type.
type AdamCoef[T Float] struct {
	Beta1, OneMinusBeta1 T // β1 and 1-β1
	Beta2, OneMinusBeta2 T // β2 and 1-β2
	NegStep              T // -lr / (1-β1^t)
	BC2Sqrt              T // √(1-β2^t)
	Eps                  T
	// Decoupled makes the step multiply p by Decay (AdamW's 1 - lr·wd) first.
	Decoupled bool
	Decay     T
}

// AdamStep computes one Adam step over p with gradient g and moments m and v:
//
//	p[i] = p[i] * c.Decay                                   (if c.Decoupled)
//	m[i] = mulAdd(g[i], c.OneMinusBeta1, m[i]*c.Beta1)
//	v[i] = mulAdd(g[i]*c.OneMinusBeta2, g[i], v[i]*c.Beta2)
//	p[i] += (c.NegStep*m[i]) / (sqrt(v[i])/c.BC2Sqrt + c.Eps)
func AdamStep[T Float](p, g, m, v []T, c *AdamCoef[T]) {
	n := len(p)
	g, m, v = g[:n], m[:n], v[:n]
	if is32[T]() {
		p, g, m, v := as32(p), as32(g), as32(m), as32(v)
		b1, omb1, b2, omb2 := float32(c.Beta1), float32(c.OneMinusBeta1), float32(c.Beta2), float32(c.OneMinusBeta2)
		ns, bc, eps := float32(c.NegStep), float32(c.BC2Sqrt), float32(c.Eps)
		if c.Decoupled {
			impl.adamW32(p, g, m, v, b1, omb1, b2, omb2, ns, bc, eps, float32(c.Decay))
		} else {
			impl.adam32(p, g, m, v, b1, omb1, b2, omb2, ns, bc, eps)
		}
		return
	}
	P, G, M, V := as64(p), as64(g), as64(m), as64(v)
	b1, omb1, b2, omb2 := float64(c.Beta1), float64(c.OneMinusBeta1), float64(c.Beta2), float64(c.OneMinusBeta2)
	ns, bc, eps := float64(c.NegStep), float64(c.BC2Sqrt), float64(c.Eps)
	if c.Decoupled {
		impl.adamW64(P, G, M, V, b1, omb1, b2, omb2, ns, bc, eps, float64(c.Decay))
	} else {
		impl.adam64(P, G, M, V, b1, omb1, b2, omb2, ns, bc, eps)
	}
}

// SGDStep computes p[i] = mulAdd(g[i], negLR, p[i]), plain gradient descent.
func SGDStep[T Float](p, g []T, negLR T) {
	g = g[:len(p)]
	if is32[T]() {
		impl.sgd32(as32(p), as32(g), float32(negLR))
		return
	}
	impl.sgd64(as64(p), as64(g), float64(negLR))
}

// SGDMomentum computes one step of SGD with momentum buffer buf:
//
//	b = mulAdd(g[i], damp, buf[i]*mom)
//	buf[i] = b
//	p[i] = mulAdd(b, negLR, p[i])
func SGDMomentum[T Float](p, g, buf []T, damp, mom, negLR T) {
	n := len(p)
	g, buf = g[:n], buf[:n]
	if is32[T]() {
		impl.sgdMomentum32(as32(p), as32(g), as32(buf), float32(damp), float32(mom), float32(negLR))
		return
	}
	impl.sgdMomentum64(as64(p), as64(g), as64(buf), float64(damp), float64(mom), float64(negLR))
}

// SGDMomentumDecay is SGDMomentum with L2 weight decay wd: each g[i] is first
// replaced by mulAdd(p[i], wd, g[i]) (g itself is not written).
func SGDMomentumDecay[T Float](p, g, buf []T, wd, damp, mom, negLR T) {
	n := len(p)
	g, buf = g[:n], buf[:n]
	if is32[T]() {
		impl.sgdMomentumDecay32(as32(p), as32(g), as32(buf), float32(wd), float32(damp), float32(mom), float32(negLR))
		return
	}
	impl.sgdMomentumDecay64(as64(p), as64(g), as64(buf), float64(wd), float64(damp), float64(mom), float64(negLR))
}

// AdagradStep computes one Adagrad step, adagradPlain:
//
//	sum[i] = mulAdd(g[i], g[i], sum[i])
//	p[i] += (negCLR*g[i]) / (sqrt(sum[i]) + eps)
func AdagradStep[T Float](p, g, sum []T, negCLR, eps T) {
	n := len(p)
	g, sum = g[:n], sum[:n]
	if is32[T]() {
		impl.adagrad32(as32(p), as32(g), as32(sum), float32(negCLR), float32(eps))
		return
	}
	impl.adagrad64(as64(p), as64(g), as64(sum), float64(negCLR), float64(eps))
}

// RMSpropStep computes one RMSprop step (not centered, no momentum),
// rmspropPlain:
//
//	v[i] = mulAdd(oneMinusAlpha*g[i], g[i], v[i]*alpha)
//	p[i] += (negLR*g[i]) / (sqrt(v[i]) + eps)
func RMSpropStep[T Float](p, g, v []T, alpha, oneMinusAlpha, negLR, eps T) {
	n := len(p)
	g, v = g[:n], v[:n]
	if is32[T]() {
		impl.rmsprop32(as32(p), as32(g), as32(v), float32(alpha), float32(oneMinusAlpha), float32(negLR), float32(eps))
		return
	}
	impl.rmsprop64(as64(p), as64(g), as64(v), float64(alpha), float64(oneMinusAlpha), float64(negLR), float64(eps))
}

// AdadeltaStep computes one Adadelta step with square averages v and u,
// adadeltaPlain:
//
//	v[i] = mulAdd(oneMinusRho*g[i], g[i], v[i]*rho)
//	delta = sqrt(u[i]+eps) / sqrt(v[i]+eps) * g[i]
//	u[i] = mulAdd(oneMinusRho*delta, delta, u[i]*rho)
//	p[i] = mulAdd(delta, negLR, p[i])
func AdadeltaStep[T Float](p, g, v, u []T, rho, oneMinusRho, eps, negLR T) {
	n := len(p)
	g, v, u = g[:n], v[:n], u[:n]
	if is32[T]() {
		impl.adadelta32(as32(p), as32(g), as32(v), as32(u), float32(rho), float32(oneMinusRho), float32(eps), float32(negLR))
		return
	}
	impl.adadelta64(as64(p), as64(g), as64(v), as64(u), float64(rho), float64(oneMinusRho), float64(eps), float64(negLR))
}

// ASGDStep computes one ASGD step with average ax:
//
//	p[i] = mulAdd(g[i], negEta, p[i]*decay)
//	ax[i] += (p[i] - ax[i]) * mu      (if average; else ax[i] = p[i])
func ASGDStep[T Float](p, g, ax []T, decay, negEta, mu T, average bool) {
	n := len(p)
	g, ax = g[:n], ax[:n]
	switch {
	case is32[T]() && average:
		impl.asgdAvg32(as32(p), as32(g), as32(ax), float32(decay), float32(negEta), float32(mu))
	case is32[T]():
		impl.asgd32(as32(p), as32(g), as32(ax), float32(decay), float32(negEta))
	case average:
		impl.asgdAvg64(as64(p), as64(g), as64(ax), float64(decay), float64(negEta), float64(mu))
	default:
		impl.asgd64(as64(p), as64(g), as64(ax), float64(decay), float64(negEta))
	}
}

// MomentsCoef holds the moment-estimate scalars of NAdamStep and RAdamStep.
type MomentsCoef[T Float] struct {
	Beta1, OneMinusBeta1 T // β1 and 1-β1
	Beta2, OneMinusBeta2 T // β2 and 1-β2
}

// NAdamStep computes one NAdam step (no weight decay), nadamPlain:
//
//	m[i] = mulAdd(g[i], c.OneMinusBeta1, m[i]*c.Beta1)
//	v[i] = mulAdd(g[i]*c.OneMinusBeta2, g[i], v[i]*c.Beta2)
//	d = sqrt(v[i]/bc2) + eps
//	p[i] = p[i] + (gradC*g[i])/d + (avgC*m[i])/d   (added in that order)
func NAdamStep[T Float](p, g, m, v []T, c *MomentsCoef[T], bc2, eps, gradC, avgC T) {
	n := len(p)
	g, m, v = g[:n], m[:n], v[:n]
	if is32[T]() {
		impl.nadam32(as32(p), as32(g), as32(m), as32(v), float32(c.Beta1), float32(c.OneMinusBeta1),
			float32(c.Beta2), float32(c.OneMinusBeta2), float32(bc2), float32(eps), float32(gradC), float32(avgC))
		return
	}
	impl.nadam64(as64(p), as64(g), as64(m), as64(v), float64(c.Beta1), float64(c.OneMinusBeta1),
		float64(c.Beta2), float64(c.OneMinusBeta2), float64(bc2), float64(eps), float64(gradC), float64(avgC))
}

// RAdamStep computes one RAdam step (no weight decay), radamPlain when rect is
// 0 and radamRectPlain (with one = 1) otherwise:
//
//	m[i], v[i] as NAdamStep
//	u = m[i]/bc1*lr
//	u = u * (1/(sqrt(v[i])+eps) * bc2Sqrt) * rect   (if rect != 0)
//	p[i] -= u
func RAdamStep[T Float](p, g, m, v []T, c *MomentsCoef[T], bc1, lr, eps, bc2Sqrt, rect T) {
	n := len(p)
	g, m, v = g[:n], m[:n], v[:n]
	b1, omb1, b2, omb2 := c.Beta1, c.OneMinusBeta1, c.Beta2, c.OneMinusBeta2
	switch {
	case is32[T]() && rect != 0:
		impl.radamRect32(as32(p), as32(g), as32(m), as32(v), float32(b1), float32(omb1), float32(b2), float32(omb2),
			float32(bc1), float32(lr), 1, float32(eps), float32(bc2Sqrt), float32(rect))
	case is32[T]():
		impl.radam32(as32(p), as32(g), as32(m), as32(v), float32(b1), float32(omb1), float32(b2), float32(omb2),
			float32(bc1), float32(lr))
	case rect != 0:
		impl.radamRect64(as64(p), as64(g), as64(m), as64(v), float64(b1), float64(omb1), float64(b2), float64(omb2),
			float64(bc1), float64(lr), 1, float64(eps), float64(bc2Sqrt), float64(rect))
	default:
		impl.radam64(as64(p), as64(g), as64(m), as64(v), float64(b1), float64(omb1), float64(b2), float64(omb2),
			float64(bc1), float64(lr))
	}
}

// AdamaxStep computes one Adamax step (no weight decay), adamaxPlain:
//
//	m[i] = mulAdd(g[i], omb1, m[i]*b1)
//	u[i] = max(u[i]*b2, |g[i]|+eps)
//	p[i] += (negCLR*m[i]) / u[i]
func AdamaxStep[T Float](p, g, m, u []T, b1, omb1, b2, eps, negCLR T) {
	n := len(p)
	g, m, u = g[:n], m[:n], u[:n]
	if is32[T]() {
		impl.adamax32(as32(p), as32(g), as32(m), as32(u), float32(b1), float32(omb1), float32(b2), float32(eps), float32(negCLR))
		return
	}
	impl.adamax64(as64(p), as64(g), as64(m), as64(u), float64(b1), float64(omb1), float64(b2), float64(eps), float64(negCLR))
}
