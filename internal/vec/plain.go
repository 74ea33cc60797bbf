package vec

import "math"

// Add computes dst[i] = a[i] + b[i].
func Add[T Float](dst, a, b []T) {
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// Sub computes dst[i] = a[i] - b[i].
func Sub[T Float](dst, a, b []T) {
	for i := range dst {
		dst[i] = a[i] - b[i]
	}
}

// Mul computes dst[i] = a[i] * b[i].
func Mul[T Float](dst, a, b []T) {
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

// Div computes dst[i] = a[i] / b[i].
func Div[T Float](dst, a, b []T) {
	for i := range dst {
		dst[i] = a[i] / b[i]
	}
}

// AddScalar computes dst[i] = a[i] + s.
func AddScalar[T Float](dst, a []T, s T) {
	for i := range dst {
		dst[i] = a[i] + s
	}
}

// MulScalar computes dst[i] = a[i] * s.
func MulScalar[T Float](dst, a []T, s T) {
	for i := range dst {
		dst[i] = a[i] * s
	}
}

// SubScalarFrom computes dst[i] = s - a[i].
func SubScalarFrom[T Float](dst, a []T, s T) {
	for i := range dst {
		dst[i] = s - a[i]
	}
}

// DivScalarBy computes dst[i] = s / a[i].
func DivScalarBy[T Float](dst, a []T, s T) {
	for i := range dst {
		dst[i] = s / a[i]
	}
}

// Axpy computes dst[i] += alpha * a[i].
func Axpy[T Float](dst []T, alpha T, a []T) {
	for i := range dst {
		dst[i] += alpha * a[i]
	}
}

// Exp computes dst[i] = exp(a[i]).
func Exp[T Float](dst, a []T) {
	for i := range dst {
		dst[i] = T(math.Exp(float64(a[i])))
	}
}

// Log computes dst[i] = log(a[i]).
func Log[T Float](dst, a []T) {
	for i := range dst {
		dst[i] = T(math.Log(float64(a[i])))
	}
}

// Sigmoid computes dst[i] = 1 / (1 + exp(-a[i])).
func Sigmoid[T Float](dst, a []T) {
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

// Tanh computes dst[i] = tanh(a[i]).
func Tanh[T Float](dst, a []T) {
	for i := range dst {
		dst[i] = T(math.Tanh(float64(a[i])))
	}
}

// Relu computes dst[i] = max(a[i], 0) (NaN stays NaN).
func Relu[T Float](dst, a []T) {
	for i := range dst {
		if a[i] > 0 || a[i] != a[i] {
			dst[i] = a[i]
		} else {
			dst[i] = 0
		}
	}
}

// Sum returns the sum of a's elements.
func Sum[T Float](a []T) T {
	var s T
	for _, v := range a {
		s += v
	}
	return s
}
