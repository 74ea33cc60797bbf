package tensor

import (
	"math"
	"slices"
)

// Matrix factorisations (torch.linalg): LU with partial pivoting and Cholesky,
// computed in float64 on each matrix of a batch ([..., n, n]), with gradients
// written with tensor ops (Inv, MatMul, Tril), so they have second derivatives.

// squareBatch panics unless t is a float tensor of shape [..., n, n] and returns
// the batch size and n.
func (t *Tensor) squareBatch(op string) (batch, n int) {
	t.wantFloat(op)
	if len(t.shape) < 2 || t.shape[len(t.shape)-1] != t.shape[len(t.shape)-2] {
		fail(op, "expects square matrices [..., n, n], got shape %v", t.shape)
	}
	n = t.shape[len(t.shape)-1]
	return numel(t.shape[:len(t.shape)-2]), n
}

// luFactor factors the n×n row-major a in place as P·a = L·U (unit lower L below
// the diagonal, U on and above it), returning the row order and the permutation's
// sign; ok is false when a pivot is exactly zero.
func luFactor(a []float64, n int) (perm []int, sign float64, ok bool) {
	perm = identityMap(n)
	sign = 1
	for k := range n {
		p := k
		for i := k + 1; i < n; i++ {
			if math.Abs(a[i*n+k]) > math.Abs(a[p*n+k]) {
				p = i
			}
		}
		if a[p*n+k] == 0 {
			return perm, sign, false
		}
		if p != k {
			for j := range n {
				a[k*n+j], a[p*n+j] = a[p*n+j], a[k*n+j]
			}
			perm[k], perm[p] = perm[p], perm[k]
			sign = -sign
		}
		for i := k + 1; i < n; i++ {
			f := a[i*n+k] / a[k*n+k]
			a[i*n+k] = f
			for j := k + 1; j < n; j++ {
				a[i*n+j] -= f * a[k*n+j]
			}
		}
	}
	return perm, sign, true
}

// luSolve solves A·x = b for the k columns of the n×k row-major b, given A's LU
// factors and row order, into x.
func luSolve(lu []float64, perm []int, n int, b, x []float64, k int) {
	for c := range k {
		for i := range n { // forward: L·y = P·b
			s := b[perm[i]*k+c]
			for j := range i {
				s -= lu[i*n+j] * x[j*k+c]
			}
			x[i*k+c] = s
		}
		for i := n - 1; i >= 0; i-- { // back: U·x = y
			s := x[i*k+c]
			for j := i + 1; j < n; j++ {
				s -= lu[i*n+j] * x[j*k+c]
			}
			x[i*k+c] = s / lu[i*n+i]
		}
	}
}

// matrices returns t's values as float64, one n×m slice per matrix of the batch.
func (t *Tensor) matrices() [][]float64 {
	v := t.dense().Values()
	r, c := t.shape[len(t.shape)-2], t.shape[len(t.shape)-1]
	out := make([][]float64, numel(t.shape[:len(t.shape)-2]))
	for b := range out {
		out[b] = v[b*r*c : (b+1)*r*c]
	}
	return out
}

// mT returns t with its last two dims swapped.
func mT(t *Tensor) *Tensor { return t.Transpose(-2, -1) }

// Inv returns the inverse of each square matrix of a (torch.linalg.inv;
// LinalgInvExBackward0). It panics if a matrix is singular (a zero pivot).
func Inv(a *Tensor) *Tensor {
	_, n := a.squareBatch("Inv")
	out := empty(a.dtype, slices.Clone(a.shape))
	eye := Float64.Eye(n).f64
	for b, m := range a.matrices() {
		perm, _, ok := luFactor(m, n)
		if !ok {
			fail("Inv", "matrix %d of shape %v is singular", b, a.shape)
		}
		x := make([]float64, n*n)
		luSolve(m, perm, n, eye, x, n)
		for i, v := range x {
			out.setFlat(b*n*n+i, v)
		}
	}
	if nd := record("LinalgInvExBackward0", out, true, a); nd != nil {
		nd.backward = func(g *Tensor, gi []*Tensor) { gi[0] = mT(out).MatMul(g).MatMul(mT(out)).Neg() } // da: -A⁻ᵀ·grad·A⁻ᵀ
	}
	return out
}

// Det returns the determinant of each square matrix of a (torch.linalg.det;
// LinalgDetBackward0). Its gradient, grad·det·A⁻ᵀ, needs invertible matrices: it
// panics on a singular one.
func Det(a *Tensor) *Tensor {
	_, n := a.squareBatch("Det")
	out := empty(a.dtype, slices.Clone(a.shape[:len(a.shape)-2]))
	for b, m := range a.matrices() {
		_, sign, ok := luFactor(m, n)
		d := 0.0
		if ok {
			d = sign
			for i := range n {
				d *= m[i*n+i]
			}
		}
		out.setFlat(b, d)
	}
	if nd := record("LinalgDetBackward0", out, true, a); nd != nil {
		nd.backward = func(g *Tensor, gi []*Tensor) { // da: grad det A⁻ᵀ
			gi[0] = g.Mul(out).Unsqueeze(-1).Unsqueeze(-1).Mul(mT(Inv(a)))
		}
	}
	return out
}

// Slogdet returns the sign and the log of the absolute value of the determinant
// of each square matrix of a (torch.linalg.slogdet): sign 0 and logabsdet -Inf
// for a singular matrix. Both are recorded as LinalgSlogdetBackward0; logabsdet's
// gradient is grad·A⁻ᵀ, sign's is none.
func Slogdet(a *Tensor) (sign, logabsdet *Tensor) {
	_, n := a.squareBatch("Slogdet")
	bs := slices.Clone(a.shape[:len(a.shape)-2])
	sign, logabsdet = empty(a.dtype, bs), empty(a.dtype, slices.Clone(bs))
	for b, m := range a.matrices() {
		_, s, ok := luFactor(m, n)
		if !ok {
			logabsdet.setFlat(b, math.Inf(-1))
			continue
		}
		l := 0.0
		for i := range n {
			d := m[i*n+i]
			if d < 0 {
				s = -s
			}
			l += math.Log(math.Abs(d))
		}
		sign.setFlat(b, s)
		logabsdet.setFlat(b, l)
	}
	if nd := record("LinalgSlogdetBackward0", sign, false, a); nd != nil {
		nd.backward = func(*Tensor, []*Tensor) {} // dsign: none (piecewise constant), as PyTorch
	}
	if nd := record("LinalgSlogdetBackward0", logabsdet, false, a); nd != nil {
		nd.backward = func(g *Tensor, gi []*Tensor) { gi[0] = g.Unsqueeze(-1).Unsqueeze(-1).Mul(mT(Inv(a))) } // da: grad A⁻ᵀ
	}
	return sign, logabsdet
}

// Solve returns x with a·x = b for square matrices a [..., n, n] and b [..., n, k]
// with the same batch dims, or b [..., n] for one right-hand side
// (torch.linalg.solve; LinalgSolveExBackward0). It panics on a singular matrix
// or mismatched shapes.
func Solve(a, b *Tensor) *Tensor {
	_, n := a.squareBatch("Solve")
	if a.dtype != b.dtype {
		fail("Solve", "dtypes %v and %v must match", a.dtype, b.dtype)
	}
	vec := len(b.shape) == len(a.shape)-1
	bb := b
	if vec {
		bb = b.Unsqueeze(-1)
	}
	if len(bb.shape) != len(a.shape) || !slices.Equal(bb.shape[:len(bb.shape)-1], a.shape[:len(a.shape)-1]) {
		fail("Solve", "shapes %v and %v do not match: want [..., n, n] and [..., n, k] or [..., n]", a.shape, b.shape)
	}
	k := bb.shape[len(bb.shape)-1]
	out := empty(a.dtype, slices.Clone(bb.shape))
	rhs := bb.matrices()
	for i, m := range a.matrices() {
		perm, _, ok := luFactor(m, n)
		if !ok {
			fail("Solve", "matrix %d of shape %v is singular", i, a.shape)
		}
		x := make([]float64, n*k)
		luSolve(m, perm, n, rhs[i], x, k)
		for j, v := range x {
			out.setFlat(i*n*k+j, v)
		}
	}
	if vec {
		out = out.withShape(slices.Clone(b.shape))
	}
	if nd := record("LinalgSolveExBackward0", out, true, a, b); nd != nil {
		nd.backward = func(g *Tensor, gi []*Tensor) {
			gb := Solve(mT(a), g) // db: A⁻ᵀ·grad
			if nd.needs(1) {
				gi[1] = gb
			}
			if nd.needs(0) {
				if vec { // da: -db·xᵀ
					gi[0] = gb.Unsqueeze(-1).MatMul(out.Unsqueeze(-2)).Neg()
				} else {
					gi[0] = gb.MatMul(mT(out)).Neg()
				}
			}
		}
	}
	return out
}

// Cholesky returns the lower-triangular L with L·Lᵀ = a for each symmetric
// positive-definite matrix of a, reading only a's lower triangle
// (torch.linalg.cholesky; LinalgCholeskyExBackward0). It panics when a matrix is
// not positive-definite.
func Cholesky(a *Tensor) *Tensor {
	_, n := a.squareBatch("Cholesky")
	out := empty(a.dtype, slices.Clone(a.shape))
	for b, m := range a.matrices() {
		l := make([]float64, n*n)
		for j := range n {
			s := m[j*n+j]
			for p := range j {
				s -= l[j*n+p] * l[j*n+p]
			}
			if !(s > 0) {
				fail("Cholesky", "matrix %d of shape %v is not positive-definite (leading minor of order %d)", b, a.shape, j+1)
			}
			l[j*n+j] = math.Sqrt(s)
			for i := j + 1; i < n; i++ {
				s := m[i*n+j]
				for p := range j {
					s -= l[i*n+p] * l[j*n+p]
				}
				l[i*n+j] = s / l[j*n+j]
			}
		}
		for i, v := range l {
			out.setFlat(b*n*n+i, v)
		}
	}
	if nd := record("LinalgCholeskyExBackward0", out, true, a); nd != nil {
		nd.backward = func(g *Tensor, gi []*Tensor) {
			// da: Sym(L⁻ᵀ·Φ(Lᵀ·grad)·L⁻¹), Φ the lower triangle with its diagonal
			// halved, Sym(X) = (X + Xᵀ)/2 (Murray 2016, as PyTorch).
			m := mT(out).MatMul(g)
			phi := m.Tril(0).Sub(m.Tril(0).Triu(0).MulScalar(0.5))
			li := Inv(out)
			x := mT(li).MatMul(phi).MatMul(li)
			gi[0] = x.Add(mT(x)).MulScalar(0.5)
		}
	}
	return out
}
