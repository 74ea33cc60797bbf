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
	}
}
