// Package vec holds gograd's elementwise and reduction kernels over contiguous
// slices. Every function is documented by the plain loop it computes; dst may alias
// an input. Lengths are the caller's responsibility: dst, a and b have equal length
// (for the scalar forms, dst and a).
package vec

// Float is the set of element types the kernels support.
type Float interface{ ~float32 | ~float64 }
