package vec

// kernels is one implementation of every per-type kernel. The exported functions
// call through impl, so tests can point impl at each implementation in turn.
// A kernel may assume its slices have equal length (the exported functions
// check); dst may alias an input.
type kernels struct {
	name string

	// stream, when set, is this implementation with streaming-store forms of
	// the elementwise kernels (binary, scalar, unary): their stores to dst
	// bypass the caches. See streamMin.
	stream *kernels

	add32, sub32, mul32, div32 func(dst, a, b []float32)
	add64, sub64, mul64, div64 func(dst, a, b []float64)

	addScalar32, mulScalar32, subScalarFrom32, divScalarBy32 func(dst, a []float32, s float32)
	addScalar64, mulScalar64, subScalarFrom64, divScalarBy64 func(dst, a []float64, s float64)

	axpy32 func(dst []float32, alpha float32, a []float32)
	axpy64 func(dst []float64, alpha float64, a []float64)

	exp32, log32, sigmoid32, tanh32, relu32 func(dst, a []float32)
	exp64, log64, sigmoid64, tanh64, relu64 func(dst, a []float64)

	// sum32 and sum64 are called on blocks of at most sumBlock elements.
	sum32 func(a []float32) float32
	sum64 func(a []float64) float64

	// Fused optimizer steps (step.go); their plain loops say what the scalars are.
	adam32  func(p, g, m, v []float32, b1, omb1, b2, omb2, negStep, bc2Sqrt, eps float32)
	adam64  func(p, g, m, v []float64, b1, omb1, b2, omb2, negStep, bc2Sqrt, eps float64)
	adamW32 func(p, g, m, v []float32, b1, omb1, b2, omb2, negStep, bc2Sqrt, eps, decay float32)
	adamW64 func(p, g, m, v []float64, b1, omb1, b2, omb2, negStep, bc2Sqrt, eps, decay float64)

	sgd32 func(p, g []float32, negLR float32)
	sgd64 func(p, g []float64, negLR float64)

	sgdMomentum32      func(p, g, buf []float32, damp, mom, negLR float32)
	sgdMomentum64      func(p, g, buf []float64, damp, mom, negLR float64)
	sgdMomentumDecay32 func(p, g, buf []float32, wd, damp, mom, negLR float32)
	sgdMomentumDecay64 func(p, g, buf []float64, wd, damp, mom, negLR float64)

	adagrad32   func(p, g, sum []float32, negCLR, eps float32)
	adagrad64   func(p, g, sum []float64, negCLR, eps float64)
	rmsprop32   func(p, g, v []float32, alpha, oma, negLR, eps float32)
	rmsprop64   func(p, g, v []float64, alpha, oma, negLR, eps float64)
	adadelta32  func(p, g, v, u []float32, rho, omr, eps, negLR float32)
	adadelta64  func(p, g, v, u []float64, rho, omr, eps, negLR float64)
	asgd32      func(p, g, ax []float32, decay, negEta float32)
	asgd64      func(p, g, ax []float64, decay, negEta float64)
	asgdAvg32   func(p, g, ax []float32, decay, negEta, mu float32)
	asgdAvg64   func(p, g, ax []float64, decay, negEta, mu float64)
	nadam32     func(p, g, m, v []float32, b1, omb1, b2, omb2, bc2, eps, gradC, avgC float32)
	nadam64     func(p, g, m, v []float64, b1, omb1, b2, omb2, bc2, eps, gradC, avgC float64)
	radam32     func(p, g, m, v []float32, b1, omb1, b2, omb2, bc1, lr float32)
	radam64     func(p, g, m, v []float64, b1, omb1, b2, omb2, bc1, lr float64)
	radamRect32 func(p, g, m, v []float32, b1, omb1, b2, omb2, bc1, lr, one, eps, bc2Sqrt, rect float32)
	radamRect64 func(p, g, m, v []float64, b1, omb1, b2, omb2, bc1, lr, one, eps, bc2Sqrt, rect float64)
	adamax32    func(p, g, m, u []float32, b1, omb1, b2, eps, negCLR float32)
	adamax64    func(p, g, m, u []float64, b1, omb1, b2, eps, negCLR float64)
}

// goKernels is the pure-Go implementation: the plain loops themselves.
var goKernels = kernels{
	name: "go",

	add32: addPlain[float32], sub32: subPlain[float32], mul32: mulPlain[float32], div32: divPlain[float32],
	add64: addPlain[float64], sub64: subPlain[float64], mul64: mulPlain[float64], div64: divPlain[float64],

	addScalar32: addScalarPlain[float32], mulScalar32: mulScalarPlain[float32],
	subScalarFrom32: subScalarFromPlain[float32], divScalarBy32: divScalarByPlain[float32],
	addScalar64: addScalarPlain[float64], mulScalar64: mulScalarPlain[float64],
	subScalarFrom64: subScalarFromPlain[float64], divScalarBy64: divScalarByPlain[float64],

	axpy32: axpyPlain[float32], axpy64: axpyPlain[float64],

	exp32: expPlain[float32], log32: logPlain[float32], sigmoid32: sigmoidPlain[float32],
	tanh32: tanhPlain[float32], relu32: reluPlain[float32],
	exp64: expPlain[float64], log64: logPlain[float64], sigmoid64: sigmoidPlain[float64],
	tanh64: tanhPlain[float64], relu64: reluPlain[float64],

	sum32: sumPlain[float32], sum64: sumPlain[float64],

	adam32: adamPlain[float32], adam64: adamPlain[float64],
	adamW32: adamWPlain[float32], adamW64: adamWPlain[float64],
	sgd32: sgdPlain[float32], sgd64: sgdPlain[float64],
	sgdMomentum32: sgdMomentumPlain[float32], sgdMomentum64: sgdMomentumPlain[float64],
	sgdMomentumDecay32: sgdMomentumDecayPlain[float32], sgdMomentumDecay64: sgdMomentumDecayPlain[float64],

	adagrad32: adagradPlain[float32], adagrad64: adagradPlain[float64],
	rmsprop32: rmspropPlain[float32], rmsprop64: rmspropPlain[float64],
	adadelta32: adadeltaPlain[float32], adadelta64: adadeltaPlain[float64],
	asgd32: asgdPlain[float32], asgd64: asgdPlain[float64],
	asgdAvg32: asgdAvgPlain[float32], asgdAvg64: asgdAvgPlain[float64],
	nadam32: nadamPlain[float32], nadam64: nadamPlain[float64],
	radam32: radamPlain[float32], radam64: radamPlain[float64],
	radamRect32: radamRectPlain[float32], radamRect64: radamRectPlain[float64],
	adamax32: adamaxPlain[float32], adamax64: adamaxPlain[float64],
}

// impl is the implementation in use: the last (fastest) entry of impls.
var impl = impls[len(impls)-1]

// Implementation reports which kernel set the package uses ("go", "avx2" or
// "avx512").
func Implementation() string { return impl.name }
