// Package blas holds gograd's matrix-multiply kernels over row-major slices.
package blas

// Gemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, where op(X)
// is X or its transpose. op(A) is m×k, op(B) is k×n and C is m×n; lda, ldb and ldc
// are the row strides of A, B and C as stored. When beta is 0, C is not read.
//
// The plain loop it computes:
//
//	for i < m, j < n: C[i*ldc+j] = alpha*Σ_p opA(i,p)*opB(p,j) + beta*C[i*ldc+j]
func Gemm[T ~float32 | ~float64](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	gemmRef(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
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
			av *= alpha
			if av == 0 {
				continue
			}
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
