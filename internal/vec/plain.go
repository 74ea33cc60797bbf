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
		dst[i] += alpha * a[i]
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
