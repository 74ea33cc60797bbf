package nn

import "testing"

// TestTranspose checks the tiled transpose against the plain loop, for sizes
// with and without ragged tiles, with a guard value after dst.
func TestTranspose(t *testing.T) {
	for _, sz := range [][2]int{{1, 1}, {3, 5}, {8, 64}, {13, 70}, {64, 1024}, {17, 9}} {
		m, n := sz[0], sz[1]
		a := make([]float32, m*n)
		for i := range a {
			a[i] = float32(i) + 0.5
		}
		dst := make([]float32, m*n+1)
		dst[m*n] = -7
		transpose(dst[:m*n], a, m, n)
		for i := range m {
			for j := range n {
				if got := dst[j*m+i]; got != a[i*n+j] {
					t.Fatalf("%d×%d: dst[%d][%d] = %g, want %g", m, n, j, i, got, a[i*n+j])
				}
			}
		}
		if dst[m*n] != -7 {
			t.Fatalf("%d×%d: wrote past the end", m, n)
		}
		// transposeTo with row strides: a's rows 3 apart more than n, dst's 5
		// more than m; the padding stays as it was.
		lda, ldd := n+3, m+5
		as := make([]float32, m*lda)
		for i := range m {
			copy(as[i*lda:], a[i*n:(i+1)*n])
		}
		ds := make([]float32, n*ldd)
		for i := range ds {
			ds[i] = -1
		}
		transposeTo(ds, ldd, as, lda, m, n)
		for j := range n {
			for i := range ldd {
				want := float32(-1)
				if i < m {
					want = a[i*n+j]
				}
				if ds[j*ldd+i] != want {
					t.Fatalf("%d×%d strided: dst[%d][%d] = %g, want %g", m, n, j, i, ds[j*ldd+i], want)
				}
			}
		}
	}
}
