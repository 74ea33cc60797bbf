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
		failKind(ErrShape, op, "expects square matrices [..., n, n], got shape %v", t.shape)
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
	return invDef.record(out, 0, a)
}

var invDef = &opDef{name: "LinalgInvExBackward0", save: savesOut}

func init() {
	invDef.grad = func(b bwd) { // da: -A⁻ᵀ·grad·A⁻ᵀ
		o := mT(b.out())
		b.gi[0] = o.MatMul(b.g).MatMul(o).Neg()
	}
}

// Det returns the determinant of each square matrix of a (torch.linalg.det;
// LinalgDetBackward0). Its gradient is grad·det·A⁻ᵀ, and zero for a singular
// matrix (det == 0), as PyTorch 1.13 gives it.
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
	return detDef.record(out, 0, a)
}

var detDef = &opDef{name: "LinalgDetBackward0", save: savesInOut}

func init() {
	detDef.grad = func(b bwd) {
		// da: grad det A⁻ᵀ; zero where det == 0, as PyTorch 1.13's formula gives
		// (det times a solve with A), though the derivative there, the cofactor
		// matrix, is not zero at rank n-1. Singular matrices are swapped for I
		// before inverting, so that Inv does not panic.
		a, det := b.in(0), b.out()
		g := b.g.Mul(det)
		if sing := det.detached().EqScalar(0); sing.Any().Item() != 0 {
			n := a.shape[len(a.shape)-1]
			s := sing.Unsqueeze(-1).Unsqueeze(-1)
			a = Where(s, Eye(n).To(a.dtype), a)
			g = Where(sing, g.dtype.Scalar(0), g)
		}
		b.gi[0] = g.Unsqueeze(-1).Unsqueeze(-1).Mul(mT(Inv(a)))
	}
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
	slogdetSignDef.record(sign, 0, a)
	slogdetDef.record(logabsdet, 0, a)
	return sign, logabsdet
}

// The entries of Slogdet's two results (one node in PyTorch).
var (
	slogdetSignDef = &opDef{name: "LinalgSlogdetBackward0"}
	slogdetDef     = &opDef{name: "LinalgSlogdetBackward0", save: savesIn}
)

func init() {
	slogdetSignDef.grad = func(bwd) {} // dsign: none (piecewise constant), as PyTorch
	slogdetDef.grad = func(b bwd) {    // da: grad A⁻ᵀ
		b.gi[0] = b.g.Unsqueeze(-1).Unsqueeze(-1).Mul(mT(Inv(b.in(0))))
	}
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
		failKind(ErrShape, "Solve", "shapes %v and %v do not match: want [..., n, n] and [..., n, k] or [..., n]", a.shape, b.shape)
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
	return solveDef.record(out, float64(b2i(vec)), a, b)
}

// solveDef is Solve's entry; arg is 1 for one right-hand side.
var solveDef = &opDef{name: "LinalgSolveExBackward0", save: []saveRule{{0, always}, {output, 0}}}

func init() {
	solveDef.grad = func(b bwd) {
		gb := Solve(mT(b.in(0)), b.g) // db: A⁻ᵀ·grad
		if b.needs(1) {
			b.gi[1] = gb
		}
		if b.needs(0) {
			if b.arg() != 0 { // da: -db·xᵀ
				b.gi[0] = gb.Unsqueeze(-1).MatMul(b.out().Unsqueeze(-2)).Neg()
			} else {
				b.gi[0] = gb.MatMul(mT(b.out())).Neg()
			}
		}
	}
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
	return choleskyDef.record(out, 0, a)
}

var choleskyDef = &opDef{name: "LinalgCholeskyExBackward0", save: savesOut}

func init() {
	choleskyDef.grad = func(b bwd) {
		// da: Sym(L⁻ᵀ·Φ(Lᵀ·grad)·L⁻¹), Φ the lower triangle with its diagonal
		// halved, Sym(X) = (X + Xᵀ)/2 (Murray 2016, as PyTorch).
		l := b.out()
		m := mT(l).MatMul(b.g)
		phi := m.Tril(0).Sub(m.Tril(0).Triu(0).MulScalar(0.5))
		li := Inv(l)
		x := mT(li).MatMul(phi).MatMul(li)
		b.gi[0] = x.Add(mT(x)).MulScalar(0.5)
	}
}

// jacobiEigen diagonalises the symmetric n×n row-major a (destroyed) by cyclic
// Jacobi rotations, returning the eigenvalues ascending and the eigenvectors as
// the columns of v (row-major n×n).
func jacobiEigen(a []float64, n int) (w, v []float64) {
	v = Float64.Eye(n).f64
	if n == 0 {
		return nil, v
	}
	for sweep := 0; sweep < 100; sweep++ {
		off, norm := 0.0, 0.0
		for i := range n {
			for j := range n {
				if i != j {
					off += a[i*n+j] * a[i*n+j]
				}
				norm += a[i*n+j] * a[i*n+j]
			}
		}
		if off <= 1e-30*norm || off == 0 {
			break
		}
		for p := range n {
			for q := p + 1; q < n; q++ {
				apq := a[p*n+q]
				if apq == 0 {
					continue
				}
				theta := (a[q*n+q] - a[p*n+p]) / (2 * apq)
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := range n { // columns p and q
					akp, akq := a[k*n+p], a[k*n+q]
					a[k*n+p], a[k*n+q] = c*akp-s*akq, s*akp+c*akq
				}
				for k := range n { // rows p and q
					apk, aqk := a[p*n+k], a[q*n+k]
					a[p*n+k], a[q*n+k] = c*apk-s*aqk, s*apk+c*aqk
				}
				for k := range n {
					vkp, vkq := v[k*n+p], v[k*n+q]
					v[k*n+p], v[k*n+q] = c*vkp-s*vkq, s*vkp+c*vkq
				}
			}
		}
	}
	order := identityMap(n)
	slices.SortStableFunc(order, func(i, j int) int {
		switch {
		case a[i*n+i] < a[j*n+j]:
			return -1
		case a[i*n+i] > a[j*n+j]:
			return 1
		}
		return 0
	})
	w = make([]float64, n)
	sv := make([]float64, n*n)
	for c, o := range order {
		w[c] = a[o*n+o]
		for r := range n {
			sv[r*n+c] = v[r*n+o]
		}
	}
	return w, sv
}

// Eigh returns the eigenvalues (ascending) and eigenvectors (the columns of
// vectors) of each symmetric matrix of a, reading only its lower triangle, as
// torch.linalg.eigh (LinalgEighBackward0 for both). Each eigenvector's sign is
// arbitrary, as in LAPACK (it may differ from PyTorch's); gradients assume
// distinct eigenvalues.
func Eigh(a *Tensor) (values, vectors *Tensor) {
	_, n := a.squareBatch("Eigh")
	values = empty(a.dtype, slices.Clone(a.shape[:len(a.shape)-1]))
	vectors = empty(a.dtype, slices.Clone(a.shape))
	for b, m := range a.matrices() {
		for i := range n { // the lower triangle, mirrored
			for j := i + 1; j < n; j++ {
				m[i*n+j] = m[j*n+i]
			}
		}
		w, v := jacobiEigen(m, n)
		for i, x := range w {
			values.setFlat(b*n+i, x)
		}
		for i, x := range v {
			vectors.setFlat(b*n*n+i, x)
		}
	}
	// As PyTorch's one node, each of the two saves both factors.
	factors := []*Tensor{values, vectors}
	eighValuesDef.recordWith(values, 0, nil, factors, a)
	eighVectorsDef.recordWith(vectors, 0, nil, factors, a)
	return values, vectors
}

// savesFactors saves a factorisation's results, given as extras.
var savesFactors = []saveRule{{allExtras, always}}

// The entries of Eigh's results; extras: values, vectors.
var (
	eighValuesDef  = &opDef{name: "LinalgEighBackward0", save: savesFactors}
	eighVectorsDef = &opDef{name: "LinalgEighBackward0", save: savesFactors}
)

func init() {
	eighValuesDef.grad = func(b bwd) { // da: V·diag(grad)·Vᵀ
		v := b.extra(1)
		b.gi[0] = v.Mul(b.g.Unsqueeze(-2)).MatMul(mT(v))
	}
	eighVectorsDef.grad = func(b bwd) {
		// da: V·(skew(Vᵀ·grad) / E)·Vᵀ with E_ij = λ_j - λ_i off the diagonal and
		// a zero diagonal, skew(X) = (X - Xᵀ)/2, as PyTorch's hermitian case.
		values, vectors, g := b.extra(0), b.extra(1), b.g
		x := mT(vectors).MatMul(g)
		x = x.Sub(mT(x)).MulScalar(0.5)
		e := values.Unsqueeze(-2).Sub(values.Unsqueeze(-1))
		diag := Float64.Eye(values.shape[len(values.shape)-1]).To(Bool)
		x = Where(diag, g.dtype.Scalar(0), x.Div(e.MaskedFill(diag, 1)))
		b.gi[0] = vectors.MatMul(x).MatMul(mT(vectors))
	}
}

// svdFactors returns the reduced SVD of each matrix of a ([..., m, n]) as
// tensors of a's dtype: U [..., m, k], S [..., k] descending, Vh [..., k, n],
// k = min(m, n), by one-sided Jacobi rotations in float64 (not recorded).
func svdFactors(op string, a *Tensor) (u, s, vh *Tensor) {
	a.wantFloat(op)
	if len(a.shape) < 2 {
		fail(op, "expects matrices [..., m, n], got shape %v", a.shape)
	}
	m, n := a.shape[len(a.shape)-2], a.shape[len(a.shape)-1]
	k := min(m, n)
	bs := slices.Clone(a.shape[:len(a.shape)-2])
	s = empty(a.dtype, append(slices.Clone(bs), k))
	u = empty(a.dtype, append(slices.Clone(bs), m, k))
	vh = empty(a.dtype, append(slices.Clone(bs), k, n))
	for b, mat := range a.matrices() {
		sv, um, vm := jacobiSVD(mat, m, n)
		for i := range k {
			s.setFlat(b*k+i, sv[i])
			for r := range m {
				u.setFlat(b*m*k+r*k+i, um[r*k+i])
			}
			for c := range n {
				vh.setFlat(b*k*n+i*n+c, vm[c*k+i])
			}
		}
	}
	return u, s, vh
}

// Svdvals returns the singular values of each matrix of a ([..., m, n]), in
// descending order, as torch.linalg.svdvals (LinalgSvdBackward0). Their gradient
// is U·diag(grad)·Vh.
func Svdvals(a *Tensor) *Tensor {
	_, s, _ := a.svd("Svdvals")
	return s
}

// Svd returns the reduced singular value decomposition a = U·diag(S)·Vh of each
// matrix of a, as torch.linalg.svd(full_matrices=False): U [..., m, k], S [..., k]
// descending, Vh [..., k, n], k = min(m, n); all three are recorded
// (LinalgSvdBackward0). The signs of a singular vector pair are arbitrary (they
// may differ from PyTorch's); gradients assume distinct nonzero singular values.
func Svd(a *Tensor) (u, s, vh *Tensor) { return a.svd("Svd") }

// svd is Svd under op's name. Every factor is recorded, so the gradient of S,
// written with U and Vh, has second derivatives through them.
func (a *Tensor) svd(op string) (u, s, vh *Tensor) {
	u, s, vh = svdFactors(op, a)
	// As PyTorch's node, each of the three saves the three factors.
	factors := []*Tensor{s, u, vh}
	svdSDef.recordWith(s, 0, nil, factors, a)
	svdUDef.recordWith(u, 0, nil, factors, a)
	svdVhDef.recordWith(vh, 0, nil, factors, a)
	return u, s, vh
}

// The entries of Svd's results; extras: S, U, Vh.
var (
	svdSDef  = &opDef{name: "LinalgSvdBackward0", save: savesFactors}
	svdUDef  = &opDef{name: "LinalgSvdBackward0", save: savesFactors}
	svdVhDef = &opDef{name: "LinalgSvdBackward0", save: savesFactors}
)

// skewDiv returns skew(x)/E, zero on the diagonal, for singular values s: E_jl =
// S_l² - S_j², skew(x) = x - xᵀ.
func skewDiv(x, s *Tensor) *Tensor {
	s2 := s.Mul(s)
	diag := Float64.Eye(s.shape[len(s.shape)-1]).To(Bool)
	e := s2.Unsqueeze(-2).Sub(s2.Unsqueeze(-1)).MaskedFill(diag, 1)
	return Where(diag, x.dtype.Scalar(0), x.Sub(mT(x)).Div(e))
}

func init() {
	svdSDef.grad = func(b bwd) { // da: U·diag(grad)·Vh
		b.gi[0] = b.extra(1).Mul(b.g.Unsqueeze(-2)).MatMul(b.extra(2))
	}
	svdUDef.grad = func(b bwd) {
		// da: U·(skew(Uᵀ·grad)/E·S)·Vh, plus (I - U·Uᵀ)·grad·S⁻¹·Vh when m > k.
		s, u, vh, g := b.extra(0), b.extra(1), b.extra(2), b.g
		inner := skewDiv(mT(u).MatMul(g), s).Mul(s.Unsqueeze(-2))
		ga := u.MatMul(inner)
		if u.shape[len(u.shape)-2] > s.shape[len(s.shape)-1] {
			gs := g.Div(s.Unsqueeze(-2))
			ga = ga.Add(gs).Sub(u.MatMul(mT(u).MatMul(gs)))
		}
		b.gi[0] = ga.MatMul(vh)
	}
	svdVhDef.grad = func(b bwd) {
		// da: U·(S·skew(Vh·gradᵀ)/E)·Vh, plus U·S⁻¹·grad·(I - Vhᵀ·Vh) when n > k.
		s, u, vh, g := b.extra(0), b.extra(1), b.extra(2), b.g
		inner := s.Unsqueeze(-1).Mul(skewDiv(vh.MatMul(mT(g)), s))
		ga := inner.MatMul(vh)
		if vh.shape[len(vh.shape)-1] > s.shape[len(s.shape)-1] {
			sg := g.Div(s.Unsqueeze(-1))
			ga = ga.Add(sg).Sub(sg.MatMul(mT(vh)).MatMul(vh))
		}
		b.gi[0] = u.MatMul(ga)
	}
}

// Qr returns the reduced QR decomposition a = Q·R of each matrix of a ([..., m,
// n]), as torch.linalg.qr: Q [..., m, k] with orthonormal columns and R [..., k,
// n] upper triangular (trapezoidal when m < n), k = min(m, n), by Householder
// reflections in float64; both are recorded (LinalgQrBackward0). The signs of
// R's rows (and Q's columns) may differ from PyTorch's.
func Qr(a *Tensor) (q, r *Tensor) { return qrMode("Qr", a, "reduced") }

// QrMode is Qr with torch.linalg.qr's mode: "reduced" (Qr), or "complete", where
// Q is [..., m, m] and R [..., m, n]. As in PyTorch, the complete decomposition
// of a tall matrix (m > n) is not differentiable: backward through it panics.
// It panics on another mode.
func QrMode(a *Tensor, mode string) (q, r *Tensor) { return qrMode("QrMode", a, mode) }

func qrMode(op string, a *Tensor, mode string) (q, r *Tensor) {
	if mode != "reduced" && mode != "complete" {
		fail(op, `mode must be "reduced" or "complete", got %q`, mode)
	}
	a.wantFloat(op)
	if len(a.shape) < 2 {
		fail(op, "expects matrices [..., m, n], got shape %v", a.shape)
	}
	m, n := a.shape[len(a.shape)-2], a.shape[len(a.shape)-1]
	k := min(m, n)
	qc, rr := k, k // Q's columns, R's rows
	if mode == "complete" {
		qc, rr = m, m
	}
	bs := slices.Clone(a.shape[:len(a.shape)-2])
	q = empty(a.dtype, append(slices.Clone(bs), m, qc))
	r = empty(a.dtype, append(slices.Clone(bs), rr, n))
	for b, w := range a.matrices() {
		qf := householderQR(w, m, n)
		for i := range m {
			for j := range qc {
				q.setFlat(b*m*qc+i*qc+j, qf[i*m+j])
			}
		}
		for i := range min(rr, m) {
			for j := i; j < n; j++ {
				r.setFlat(b*rr*n+i*n+j, w[i*n+j])
			}
		}
	}
	// As PyTorch's one node, each of the two saves both factors.
	factors := []*Tensor{q, r}
	qrQDef.recordWith(q, 0, nil, factors, a)
	qrRDef.recordWith(r, 0, nil, factors, a)
	return q, r
}

// householderQR reduces the m×n row-major w to R (in place: its upper
// trapezoid) by min(m, n) Householder reflections and returns Q, m×m row-major.
func householderQR(w []float64, m, n int) []float64 {
	qf := Float64.Eye(m).f64
	v := make([]float64, m)
	for k := range min(m, n) {
		norm := 0.0
		for i := k; i < m; i++ {
			norm += w[i*n+k] * w[i*n+k]
		}
		norm = math.Sqrt(norm)
		alpha := -math.Copysign(norm, w[k*n+k])
		vn := 0.0
		for i := k; i < m; i++ {
			v[i] = w[i*n+k]
			if i == k {
				v[i] -= alpha
			}
			vn += v[i] * v[i]
		}
		if vn == 0 {
			continue
		}
		vn = math.Sqrt(vn)
		for i := k; i < m; i++ {
			v[i] /= vn
		}
		for j := range n { // w = (I - 2vvᵀ)·w
			d := 0.0
			for i := k; i < m; i++ {
				d += v[i] * w[i*n+j]
			}
			for i := k; i < m; i++ {
				w[i*n+j] -= 2 * v[i] * d
			}
		}
		for i := range m { // qf = qf·(I - 2vvᵀ)
			d := 0.0
			for j := k; j < m; j++ {
				d += qf[i*m+j] * v[j]
			}
			for j := k; j < m; j++ {
				qf[i*m+j] -= 2 * d * v[j]
			}
		}
	}
	return qf
}

// The entries of Qr's results; extras: Q, R.
var (
	qrQDef = &opDef{name: "LinalgQrBackward0", save: savesFactors}
	qrRDef = &opDef{name: "LinalgQrBackward0", save: savesFactors}
)

func copyltu(x *Tensor) *Tensor { return x.Tril(0).Add(mT(x.Tril(-1))) }

// qrBackward returns a's gradient from gq and gr, the gradients of Q and R (nil
// for zero), as PyTorch 1.13's linalg_qr_backward. For m >= n (Q [m, n], R [n,
// n]): (gQ + Q·copyltu(M))·R⁻ᵀ with M = R·gRᵀ - gQᵀ·Q and copyltu(M) = tril(M) +
// tril(M, -1)ᵀ (Walter and Lehmann 2018). For m < n, with a = [X | Y] and R =
// [U | V], X = Q·U square: dY = Q·gV, and dX is the square case for Q, U with
// gQ + Y·gVᵀ and gU.
func qrBackward(q, r, gq, gr *Tensor) *Tensor {
	m, n := q.shape[len(q.shape)-2], r.shape[len(r.shape)-1]
	if q.shape[len(q.shape)-1] > n {
		fail("Backward", "the QR decomposition is not differentiable when mode='complete' and nrows > ncols (Q %v, R %v)", q.shape, r.shape)
	}
	if m >= n {
		return qrSquareBackward(q, r, gq, gr)
	}
	u, v := r.Narrow(-1, 0, m), r.Narrow(-1, m, n-m)
	var gu, gv *Tensor
	if gr != nil {
		gu, gv = gr.Narrow(-1, 0, m), gr.Narrow(-1, m, n-m)
	}
	gy := ZerosLike(v)
	if gv != nil {
		gy = q.MatMul(gv) // dY: Q·gV
		yg := q.MatMul(v).MatMul(mT(gv))
		if gq == nil {
			gq = yg
		} else {
			gq = gq.Add(yg)
		}
	}
	return Cat([]*Tensor{qrSquareBackward(q, u, gq, gu), gy}, -1)
}

// qrSquareBackward is qrBackward for m >= n.
func qrSquareBackward(q, r, gq, gr *Tensor) *Tensor {
	var mm, b *Tensor
	if gr != nil {
		mm = r.MatMul(mT(gr))
	}
	if gq != nil {
		p := mT(gq).MatMul(q)
		if mm == nil {
			mm = p.Neg()
		} else {
			mm = mm.Sub(p)
		}
	}
	b = q.MatMul(copyltu(mm))
	if gq != nil {
		b = gq.Add(b)
	}
	return b.MatMul(mT(Inv(r)))
}

func init() {
	qrQDef.grad = func(b bwd) { b.gi[0] = qrBackward(b.extra(0), b.extra(1), b.g, nil) }
	qrRDef.grad = func(b bwd) { b.gi[0] = qrBackward(b.extra(0), b.extra(1), nil, b.g) }
}

// jacobiSVD returns the k = min(m, n) largest singular values of the m×n a
// (descending), the left vectors as the columns of u (m×k) and the right ones as
// the columns of v (n×k), by one-sided Jacobi rotations (Hestenes) on a's columns
// (on aᵀ's when m < n).
func jacobiSVD(a []float64, m, n int) (s, u, v []float64) {
	if m < n {
		at := make([]float64, m*n)
		for i := range m {
			for j := range n {
				at[j*m+i] = a[i*n+j]
			}
		}
		s, v, u = jacobiSVD(at, n, m)
		return s, u, v
	}
	w := slices.Clone(a) // m×n; its columns become U·S
	vv := Float64.Eye(n).f64
	for sweep := 0; sweep < 100; sweep++ {
		rotated := false
		for p := range n {
			for q := p + 1; q < n; q++ {
				alpha, beta, gamma := 0.0, 0.0, 0.0
				for i := range m {
					alpha += w[i*n+p] * w[i*n+p]
					beta += w[i*n+q] * w[i*n+q]
					gamma += w[i*n+p] * w[i*n+q]
				}
				if gamma == 0 || math.Abs(gamma) <= 1e-15*math.Sqrt(alpha*beta) {
					continue
				}
				rotated = true
				zeta := (beta - alpha) / (2 * gamma)
				t := math.Copysign(1, zeta) / (math.Abs(zeta) + math.Sqrt(1+zeta*zeta))
				c := 1 / math.Sqrt(1+t*t)
				sn := c * t
				for i := range m {
					wp, wq := w[i*n+p], w[i*n+q]
					w[i*n+p], w[i*n+q] = c*wp-sn*wq, sn*wp+c*wq
				}
				for i := range n {
					vp, vq := vv[i*n+p], vv[i*n+q]
					vv[i*n+p], vv[i*n+q] = c*vp-sn*vq, sn*vp+c*vq
				}
			}
		}
		if !rotated {
			break
		}
	}
	norms := make([]float64, n)
	for j := range n {
		for i := range m {
			norms[j] += w[i*n+j] * w[i*n+j]
		}
		norms[j] = math.Sqrt(norms[j])
	}
	order := identityMap(n)
	slices.SortStableFunc(order, func(i, j int) int {
		switch {
		case norms[i] > norms[j]:
			return -1
		case norms[i] < norms[j]:
			return 1
		}
		return 0
	})
	k := n
	s, u, v = make([]float64, k), make([]float64, m*k), make([]float64, n*k)
	tiny := float64(max(m, n)) * 0x1p-52 * norms[order[0]] // below it a column of W is rounding: no direction
	var null []int                                         // columns of u without a direction (s ≈ 0)
	for c, o := range order {
		s[c] = norms[o]
		if norms[o] <= tiny {
			null = append(null, c)
		} else {
			for i := range m {
				u[i*k+c] = w[i*n+o] / norms[o]
			}
		}
		for i := range n {
			v[i*k+c] = vv[i*n+o]
		}
	}
	completeOrthonormal(u, m, k, null)
	return s, u, v
}

// completeOrthonormal fills the columns cols of the m×k row-major u, whose other
// columns are orthonormal, with unit vectors orthogonal to all the others (unit
// vectors of the standard basis, Gram-Schmidt twice, the one that keeps the
// most of its length), so that U is orthonormal for a rank-deficient matrix
// too, as LAPACK's is.
func completeOrthonormal(u []float64, m, k int, cols []int) {
	filled := make([]bool, k)
	for c := range k {
		filled[c] = !slices.Contains(cols, c)
	}
	x, best := make([]float64, m), make([]float64, m)
	for _, c := range cols {
		bestNorm := -1.0
		for e := range m {
			clear(x)
			x[e] = 1
			for range 2 {
				for j := range k {
					if !filled[j] {
						continue
					}
					d := 0.0
					for i := range m {
						d += u[i*k+j] * x[i]
					}
					for i := range m {
						x[i] -= d * u[i*k+j]
					}
				}
			}
			nrm := 0.0
			for _, v := range x {
				nrm += v * v
			}
			if nrm > bestNorm {
				bestNorm = nrm
				copy(best, x)
			}
		}
		nrm := math.Sqrt(bestNorm)
		for i := range m {
			u[i*k+c] = best[i] / nrm
		}
		filled[c] = true
	}
}
