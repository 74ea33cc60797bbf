// Package blas holds gograd's matrix-multiply kernels over row-major slices.
//
// # Overview
//
// Gemm is the main entry point. It packs blocks of B (and of A when A is
// transposed and large, or a ragged strip the kernel must pad) into cache-sized
// buffers and runs a register-tiled micro-kernel over them: AVX-512 or AVX2+FMA
// assembly on amd64 (chosen at start-up from the CPU's features; the tile's
// width by the product's, 6×64, 12×32 or 6×16 for float32) and a
// register-tiled Go loop elsewhere or under the purego build tag. The assembly
// kernels come in 1 to mr rows, so ragged strips of A run in place and store
// straight into C. Large products are split across parallel.Threads()
// goroutines by blocks of columns or rows of C. GemmBias adds a bias row as it
// stores C (a linear layer); GemmTri skips the zero triangle of a triangular
// op(A) (causal attention) on one goroutine; PackB and GemmPacked pack a right
// operand once for many products.
//
// # Invariants
//
// Every fast path computes the same product as gemmRef, the plain loop, up to
// floating-point reassociation, and writes nothing outside the m×n window of C.
//
// # Panics
//
// Gemm panics with a *ShapeError when a dimension or stride is negative or too small,
// or when a slice is too short for the matrix it must hold.
package blas

import (
	"fmt"
	"unsafe"
)

// ShapeError is the panic value for Gemm calls whose sizes, strides or slices disagree.
type ShapeError struct{ Msg string }

func (e *ShapeError) Error() string { return "blas: Gemm: " + e.Msg }

// Gemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, where op(X)
// is X or its transpose. op(A) is m×k, op(B) is k×n and C is m×n; lda, ldb and ldc
// are the row strides of A, B and C as stored. When beta is 0, C is not read.
//
// The plain loop it computes:
//
//	for i < m, j < n: C[i*ldc+j] = alpha*Σ_p opA(i,p)*opB(p,j) + beta*C[i*ldc+j]
//
// Special cases: NaN and Inf in A or B propagate as in the plain loop (0*NaN is NaN,
// even when alpha is 0); with beta == 0, NaN or Inf already in C is overwritten.
//
// Gemm panics with a *ShapeError if m, n or k is negative, a stride is smaller than
// the stored row length, or a slice is too short. Strides of empty matrices (k = 0
// gives an empty A and B) are not checked.
func Gemm[T ~float32 | ~float64](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if unsafe.Sizeof(alpha) == 4 {
		gemm(pickFrom(kernel32, narrow32, n), transA, transB, m, n, k, float32(alpha), as32(a), lda, as32(b), ldb, float32(beta), nil, as32(c), ldc)
	} else {
		gemm(pickFrom(kernel64, narrow64, n), transA, transB, m, n, k, float64(alpha), as64(a), lda, as64(b), ldb, float64(beta), nil, as64(c), ldc)
	}
}

// GemmTri is Gemm for an op(A) that is zero outside a triangle (Lower: op(A)(i,
// p) = 0 for p > i; Upper: for p < i), run on the calling goroutine alone: each
// strip of rows of A (at most 12) meets only the steps its rows' part of the
// triangle needs, which halves the work of causal attention's P·V and its
// gradients. The entries outside the triangle must hold zeros: those within a
// strip's reach of the diagonal are still read (the others are not). With Full
// it computes what Gemm does. It is for callers that run many small products
// in their own parallel loop, where splitting one product across threads would
// only add hand-offs. It panics as Gemm does.
func GemmTri[T ~float32 | ~float64](tri Tri, transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if unsafe.Sizeof(alpha) == 4 {
		gemmSerial(pickFrom(kernel32, narrow32, n), tri, transA, transB, m, n, k, float32(alpha), as32(a), lda, as32(b), ldb, float32(beta), nil, as32(c), ldc)
	} else {
		gemmSerial(pickFrom(kernel64, narrow64, n), tri, transA, transB, m, n, k, float64(alpha), as64(a), lda, as64(b), ldb, float64(beta), nil, as64(c), ldc)
	}
}

// GemmBias computes C = alpha*op(A)*op(B) + bias, bias (n values) added to
// every row, as Gemm computes C = alpha*op(A)*op(B) + 1*C on a C that holds
// bias in each row (torch.addmm's order), without writing bias into C first:
// the kernels add it as they store their first pass over C, which is not read.
// A nil bias gives Gemm with beta 0. It panics as Gemm does, or with a
// *ShapeError when bias holds fewer than n values.
func GemmBias[T ~float32 | ~float64](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, bias, c []T, ldc int) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if bias != nil && len(bias) < n {
		panic(&ShapeError{fmt.Sprintf("len(bias)=%d < n=%d", len(bias), n)})
	}
	if m == 0 || n == 0 {
		return
	}
	if unsafe.Sizeof(alpha) == 4 {
		gemm(pickFrom(kernel32, narrow32, n), transA, transB, m, n, k, float32(alpha), as32(a), lda, as32(b), ldb, 0, as32(bias), as32(c), ldc)
	} else {
		gemm(pickFrom(kernel64, narrow64, n), transA, transB, m, n, k, float64(alpha), as64(a), lda, as64(b), ldb, 0, as64(bias), as64(c), ldc)
	}
}

// as32 views a slice of a ~float32 type as []float32.
func as32[T ~float32 | ~float64](s []T) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// as64 views a slice of a ~float64 type as []float64.
func as64[T ~float32 | ~float64](s []T) []float64 {
	return unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// checkGemm panics with a *ShapeError unless every element Gemm touches lies
// inside its slice. The assembly kernels do no bounds checks, so this is what keeps
// them memory-safe.
func checkGemm(transA, transB bool, m, n, k, na, lda, nb, ldb, nc, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(&ShapeError{fmt.Sprintf("negative size m=%d n=%d k=%d", m, n, k)})
	}
	check := func(name string, rows, cols, ld, l int) {
		if rows == 0 || cols == 0 {
			return // an empty matrix is never read, whatever its stride
		}
		if ld < cols {
			panic(&ShapeError{fmt.Sprintf("ld%s=%d < %d", name, ld, cols)})
		}
		if l < (rows-1)*ld+cols {
			panic(&ShapeError{fmt.Sprintf("len(%s)=%d < %d for %d×%d with ld%s=%d", name, l, (rows-1)*ld+cols, rows, cols, name, ld)})
		}
	}
	ra, ca := m, k
	if transA {
		ra, ca = k, m
	}
	rb, cb := k, n
	if transB {
		rb, cb = n, k
	}
	check("a", ra, ca, lda, na)
	check("b", rb, cb, ldb, nb)
	check("c", m, n, ldc, nc)
}

// gemmRef is the reference loop that every fast kernel is tested against.
func gemmRef[T ~float32 | ~float64](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
		} else if beta != 1 {
			for j := range row {
				row[j] *= beta
			}
		}
		for p := 0; p < k; p++ {
			var av T
			if transA {
				av = a[p*lda+i]
			} else {
				av = a[i*lda+p]
			}
			av *= alpha // no skip of av == 0: 0*NaN in B must still give NaN
			if transB {
				for j := range row {
					row[j] += av * b[j*ldb+p]
				}
			} else {
				br := b[p*ldb : p*ldb+n]
				for j := range row {
					row[j] += av * br[j]
				}
			}
		}
	}
}
