package tensor

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Matrix products under PyTorch's names. Each checks the ranks PyTorch's op
// accepts, then runs on the GEMM kernel (mm) or MatMul.

// wantProductTypes panics unless a and b are float or int64 tensors of one
// dtype, as PyTorch's matrix products require (they do not promote, nor take
// bools).
func wantProductTypes(op string, a, b *Tensor) {
	nonNil(op, a, b)
	if a.dtype != b.dtype || a.dtype == Bool {
		failKind(ErrDType, op, "dtypes %v and %v: both must be the same float or int64 type (shapes %v and %v)", a.dtype, b.dtype, a.shape, b.shape)
	}
}

// Mm returns the matrix product of two 2-d tensors (torch.mm; MmBackward0).
func Mm(a, b *Tensor) *Tensor {
	wantProductTypes("Mm", a, b)
	if len(a.shape) != 2 || len(b.shape) != 2 {
		fail("Mm", "both arguments must be matrices, got shapes %v and %v", a.shape, b.shape)
	}
	if a.shape[1] != b.shape[0] {
		failKind(ErrShape, "Mm", "shapes %v and %v cannot be multiplied (%d != %d)", a.shape, b.shape, a.shape[1], b.shape[0])
	}
	return mm(a, b, false, false)
}

// Bmm returns the batched matrix product of two 3-d tensors with the same batch
// size (torch.bmm; BmmBackward0).
func Bmm(a, b *Tensor) *Tensor {
	wantProductTypes("Bmm", a, b)
	if len(a.shape) != 3 || len(b.shape) != 3 {
		fail("Bmm", "both arguments must be 3-d, got shapes %v and %v", a.shape, b.shape)
	}
	if a.shape[0] != b.shape[0] || a.shape[2] != b.shape[1] {
		failKind(ErrShape, "Bmm", "shapes %v and %v cannot be multiplied", a.shape, b.shape)
	}
	return mm(a, b, false, false)
}

// Mv returns the product of a matrix and a vector (torch.mv; MvBackward0).
func Mv(a, v *Tensor) *Tensor {
	wantProductTypes("Mv", a, v)
	if len(a.shape) != 2 || len(v.shape) != 1 || a.shape[1] != v.shape[0] {
		fail("Mv", "needs a matrix and a vector of matching size, got shapes %v and %v", a.shape, v.shape)
	}
	return a.MatMul(v)
}

// Dot returns the dot product of two 1-d tensors of equal length as a 0-d tensor
// (torch.dot; DotBackward0).
func Dot(a, b *Tensor) *Tensor {
	wantProductTypes("Dot", a, b)
	if len(a.shape) != 1 || len(b.shape) != 1 || a.shape[0] != b.shape[0] {
		fail("Dot", "needs two 1-d tensors of equal length, got shapes %v and %v", a.shape, b.shape)
	}
	return dot(a.dense(), b.dense())
}

// Outer returns the outer product a_i·b_j of two 1-d tensors (torch.outer,
// which PyTorch computes as a broadcast product: MulBackward0).
func Outer(a, b *Tensor) *Tensor {
	if len(a.shape) != 1 || len(b.shape) != 1 {
		fail("Outer", "needs two 1-d tensors, got shapes %v and %v", a.shape, b.shape)
	}
	return a.Reshape(a.shape[0], 1).Mul(b)
}

// Addmm returns beta·input + alpha·(a·b) for matrices a and b, input broadcasting
// to the product's shape (torch.addmm; AddmmBackward0). With beta 0, input is
// ignored (NaN in it does not propagate), as in PyTorch.
func Addmm(input, a, b *Tensor, beta, alpha float64) *Tensor {
	wantProductTypes("Addmm", a, b)
	if len(a.shape) != 2 || len(b.shape) != 2 {
		fail("Addmm", "a and b must be matrices, got shapes %v and %v", a.shape, b.shape)
	}
	return addProduct(addmmDef, "Addmm", input, a, b, beta, alpha)
}

// Baddbmm returns beta·input + alpha·(a·b) for batches of matrices (torch.baddbmm;
// BaddbmmBackward0).
func Baddbmm(input, a, b *Tensor, beta, alpha float64) *Tensor {
	wantProductTypes("Baddbmm", a, b)
	if len(a.shape) != 3 || len(b.shape) != 3 || a.shape[0] != b.shape[0] {
		fail("Baddbmm", "a and b must be 3-d with the same batch size, got shapes %v and %v", a.shape, b.shape)
	}
	return addProduct(baddbmmDef, "Baddbmm", input, a, b, beta, alpha)
}

func addProduct(d *opDef, op string, input, a, b *Tensor, beta, alpha float64) *Tensor {
	r := len(a.shape) - 2
	if a.shape[r+1] != b.shape[r] {
		failKind(ErrShape, op, "shapes %v and %v cannot be multiplied (%d != %d)", a.shape, b.shape, a.shape[r+1], b.shape[r])
	}
	if input.dtype != a.dtype {
		fail(op, "input dtype %v must match the matrices' %v", input.dtype, a.dtype)
	}
	p := mm(a.detached().dense(), b.detached().dense(), false, false)
	if s := broadcastShapes(op, input.shape, p.shape); !slices.Equal(s, p.shape) {
		fail(op, "input of shape %v does not broadcast to the product's shape %v", input.shape, p.shape)
	}
	out := p.MulScalar(alpha)
	if beta != 0 {
		out = out.Add(input.detached().MulScalar(beta))
	}
	if tracked(input, a, b) {
		d.recordWith(out, 0, []float64{beta, alpha}, nil, input, a, b)
	}
	return out
}

// The entries of Addmm and Baddbmm; params: beta, alpha.
var (
	addmmDef   = &opDef{name: "AddmmBackward0", save: []saveRule{{2, 1}, {1, 2}}}
	baddbmmDef = &opDef{name: "BaddbmmBackward0", save: addmmDef.save}
)

func init() {
	addmmDef.grad = func(b bwd) {
		p := b.params()
		beta, alpha := p[0], p[1]
		if b.needs(0) {
			b.gi[0] = b.g.MulScalar(beta) // dinput: beta grad, summed over broadcast dims
		}
		if b.needs(1) {
			b.gi[1] = mm(b.g, b.in(2), false, true).MulScalar(alpha) // da: alpha grad·bᵀ
		}
		if b.needs(2) {
			b.gi[2] = mm(b.in(1), b.g, true, false).MulScalar(alpha) // db: alpha aᵀ·grad
		}
	}
	baddbmmDef.grad = addmmDef.grad
}

// Trace returns the sum of the main diagonal of a 2-d tensor (torch.trace;
// TraceBackward0).
func (t *Tensor) Trace() *Tensor {
	nonNil("Trace", t)
	t.wantNotBool("Trace")
	if len(t.shape) != 2 {
		fail("Trace", "expects a matrix, got shape %v", t.shape)
	}
	rows, cols := t.shape[0], t.shape[1]
	eye := empty(t.dtype, slices.Clone(t.shape))
	for i := range min(rows, cols) {
		eye.setFlat(i*cols+i, 1)
	}
	return traceDef.recordWith(t.dense().detached().Mul(eye).Sum(), 0, t.shape, nil, t)
}

// traceDef is Trace's entry: the node keeps the matrix's shape.
var traceDef = &opDef{name: "TraceBackward0"}

func init() {
	traceDef.grad = func(b bwd) { // dt: grad on the diagonal
		shape := b.aux().([]int)
		eye := empty(b.g.dtype, slices.Clone(shape))
		for i := range min(shape[0], shape[1]) {
			eye.setFlat(i*shape[1]+i, 1)
		}
		b.gi[0] = b.g.Mul(eye)
	}
}

// Kron returns the Kronecker product of a and b (torch.kron): for matrices,
// the block matrix [a_ij·b]; tensors of fewer dims get leading 1s.
// Differentiable as a broadcast product (UnsafeViewBackward0, as PyTorch).
func Kron(a, b *Tensor) *Tensor {
	nd := max(len(a.shape), len(b.shape))
	as, bs := withRank(a.shape, nd), withRank(b.shape, nd)
	ai, bi := make([]int, 0, 2*nd), make([]int, 0, 2*nd)
	shape := make([]int, nd)
	for d := range nd {
		ai = append(ai, as[d], 1)
		bi = append(bi, 1, bs[d])
		shape[d] = as[d] * bs[d]
	}
	p := a.Reshape(ai...).Mul(b.Reshape(bi...))
	return p.view("Kron", "UnsafeViewBackward0", shape)
}

// Einsum evaluates the Einstein summation eq over the operands, as torch.einsum:
// "ij,jk->ik" is a matrix product, "bhqd,bhkd->bhqk" attention scores,
// "bi,ij,bj->b" a bilinear form, "ii->i" a diagonal, "...ij,...jk->...ik" a
// batched product whose batch dims ("...") broadcast. Without "->" the output
// holds the "..." dims, then the labels that appear once, in alphabetical
// order. A label repeated within one operand takes its diagonal; labels in one
// operand only are summed first; pairs of operands are contracted with the
// batched GEMM (MatMul). It panics on labels whose sizes differ, "..." dims
// that do not broadcast, and malformed equations.
func Einsum(eq string, operands ...*Tensor) *Tensor {
	eq = strings.ReplaceAll(eq, " ", "")
	lhs, out, explicit := strings.Cut(eq, "->")
	ins := strings.Split(lhs, ",")
	if len(ins) != len(operands) {
		fail("Einsum", "equation %q has %d operands, got %d tensors", eq, len(ins), len(operands))
	}
	operands = slices.Clone(operands)
	ins, ell := einsumEllipsis(eq, ins, operands)
	count := map[rune]int{} // occurrences, a diagonal's too: "ii" alone is a trace
	for _, s := range ins {
		for _, c := range s {
			count[c]++
		}
	}
	for k := range operands {
		operands[k], ins[k] = einsumDiagonals(eq, operands[k], ins[k])
	}
	einsumBroadcast(eq, ins, operands, ell)
	sizes := map[rune]int{}
	for k, s := range ins {
		for d, c := range []rune(s) {
			if n, ok := sizes[c]; ok && n != operands[k].shape[d] {
				failKind(ErrShape, "Einsum", "equation %q: label %q has sizes %d and %d (shapes %v)", eq, c, n, operands[k].shape[d], shapesOf(operands))
			}
			sizes[c] = operands[k].shape[d]
		}
	}
	if explicit {
		if strings.Count(out, "...") > 1 || strings.Count(strings.ReplaceAll(out, "...", ""), ".") > 0 {
			fail("Einsum", "equation %q: the output may hold one \"...\"", eq)
		}
		out = strings.Replace(out, "...", ell, 1)
		for _, c := range out {
			if strings.Count(out, string(c)) > 1 {
				fail("Einsum", "equation %q: output label %q appears more than once", eq, c)
			}
		}
	} else {
		var once []rune
		for c, n := range count {
			if n == 1 && !strings.ContainsRune(ell, c) {
				once = append(once, c)
			}
		}
		slices.Sort(once)
		out = ell + string(once)
	}
	for _, c := range out {
		if _, ok := sizes[c]; !ok && !strings.ContainsRune(ell, c) {
			fail("Einsum", "equation %q: output label %q appears in no operand", eq, c)
		}
	}
	cur, labels := operands[0], []rune(ins[0])
	for k := 1; k < len(operands); k++ {
		// Labels still needed: in the output or in a later operand.
		keep := out + strings.Join(ins[k+1:], "")
		next, nl := operands[k], []rune(ins[k])
		// The last product is taken in the order that gives the output's order
		// when the other order would not, saving a permutation (as PyTorch).
		if k == len(operands)-1 && string(contractLabels(nl, labels, keep)) == out && string(contractLabels(labels, nl, keep)) != out {
			cur, labels, next, nl = next, nl, cur, labels
		}
		cur, labels = contract(cur, labels, next, nl, keep)
	}
	// Sum what the output drops, then order the rest as the output.
	var drop []int
	for d, c := range labels {
		if !strings.ContainsRune(out, c) {
			drop = append(drop, d)
		}
	}
	if len(drop) > 0 {
		cur = cur.Sum(drop...)
		labels = slices.DeleteFunc(labels, func(c rune) bool { return !strings.ContainsRune(out, c) })
	}
	perm := make([]int, 0, len(labels))
	for _, c := range out {
		perm = append(perm, slices.Index(labels, c))
	}
	if !isIdentity(perm) {
		cur = cur.Permute(perm...)
	}
	return cur
}

// ellipsisBase is the first of the labels Einsum gives the dims of "..."
// (Unicode private use code points, which no equation spells).
const ellipsisBase = 0xE000

// einsumEllipsis returns the operands' labels with each "..." replaced by labels
// for the dims it spans, right-aligned across operands as broadcasting aligns
// them, and those labels in order (what "..." stands for in the output). An
// operand whose "..." spans fewer dims than another's gets leading dims of size
// 1 there (in operands, in place), as broadcasting does. It panics if an
// operand's labels do not fit its shape.
func einsumEllipsis(eq string, ins []string, operands []*Tensor) ([]string, string) {
	spans := make([]int, len(ins)) // dims under "..." of each operand, -1 without one
	most := 0
	for k, s := range ins {
		spans[k] = -1
		n := strings.Count(s, "...")
		rest := strings.ReplaceAll(s, "...", "")
		if n > 1 || strings.Contains(rest, ".") {
			fail("Einsum", "equation %q: operand %d may hold one \"...\"", eq, k)
		}
		for _, c := range rest {
			if !unicode.IsLetter(c) || c >= ellipsisBase && c < ellipsisBase+64 {
				fail("Einsum", "equation %q: %q is not a label (labels are letters)", eq, c)
			}
		}
		nl := utf8.RuneCountInString(rest)
		switch {
		case n == 0 && nl != len(operands[k].shape):
			fail("Einsum", "equation %q: operand %d has %d labels but shape %v", eq, k, nl, operands[k].shape)
		case n == 1 && nl > len(operands[k].shape):
			fail("Einsum", "equation %q: operand %d has %d labels besides \"...\" but shape %v", eq, k, nl, operands[k].shape)
		case n == 1:
			spans[k] = len(operands[k].shape) - nl
			most = max(most, spans[k])
		}
	}
	labels := make([]rune, most)
	for i := range labels {
		labels[i] = rune(ellipsisBase + i)
	}
	out := slices.Clone(ins)
	for k, e := range spans {
		if e < 0 {
			continue
		}
		at := utf8.RuneCountInString(ins[k][:strings.Index(ins[k], "...")])
		for range most - e {
			operands[k] = operands[k].Unsqueeze(at)
		}
		out[k] = strings.Replace(ins[k], "...", string(labels), 1)
	}
	return out, string(labels)
}

// einsumDiagonals returns t with the diagonal taken for each label repeated in
// its labels ls, and the labels of the result (the diagonal's dim where the
// label first was).
func einsumDiagonals(eq string, t *Tensor, ls string) (*Tensor, string) {
	rs := []rune(ls)
	for {
		d1, d2 := -1, -1
		for i, c := range rs {
			if j := slices.Index(rs[i+1:], c); j >= 0 {
				d1, d2 = i, i+1+j
				break
			}
		}
		if d1 < 0 {
			return t, string(rs)
		}
		if t.shape[d1] != t.shape[d2] {
			failKind(ErrShape, "Einsum", "equation %q: label %q repeated in one operand has sizes %d and %d (shape %v)", eq, rs[d1], t.shape[d1], t.shape[d2], t.shape)
		}
		t = t.Diagonal(0, d1, d2).Movedim(-1, d1) // the label's first place, as PyTorch
		rs = slices.Delete(rs, d2, d2+1)
	}
}

// einsumBroadcast expands, in place in operands, the "..." dims (labels in ell)
// of size 1 that another operand has larger, as broadcasting does (views, as
// PyTorch's); it panics on two different sizes above 1.
func einsumBroadcast(eq string, ins []string, operands []*Tensor, ell string) {
	for _, c := range ell {
		size := 1
		for k, s := range ins {
			if d := slices.Index([]rune(s), c); d >= 0 {
				n := operands[k].shape[d]
				if n != 1 && size != 1 && n != size {
					failKind(ErrShape, "Einsum", "equation %q: the dims of \"...\" do not broadcast (shapes %v)", eq, shapesOf(operands))
				}
				if n != 1 {
					size = n
				}
			}
		}
		if size == 1 {
			continue
		}
		for k, s := range ins {
			if d := slices.Index([]rune(s), c); d >= 0 && operands[k].shape[d] == 1 {
				shape := slices.Clone(operands[k].shape)
				shape[d] = size
				operands[k] = operands[k].Expand(shape...)
			}
		}
	}
}

func shapesOf(ts []*Tensor) [][]int {
	s := make([][]int, len(ts))
	for i, t := range ts {
		s[i] = t.shape
	}
	return s
}

func isIdentity(p []int) bool {
	for i, v := range p {
		if i != v {
			return false
		}
	}
	return true
}

// contract multiplies a (labels la) and b (labels lb), summing the labels they
// share that keep does not name, with one batched matrix product: batch labels
// (shared and kept), a's own, the contracted ones, b's own.
func contract(a *Tensor, la []rune, b *Tensor, lb []rune, keep string) (*Tensor, []rune) {
	a, la = sumOwn(a, la, lb, keep)
	b, lb = sumOwn(b, lb, la, keep)
	batch, lo, con, ro := contractGroups(la, lb, keep)
	size := func(t *Tensor, ls []rune, of []rune) (dims []int, n int) {
		n = 1
		for _, c := range of {
			d := slices.Index(ls, c)
			dims = append(dims, t.shape[d])
			n *= t.shape[d]
		}
		return dims, n
	}
	order := func(ls []rune, groups ...[]rune) []int {
		var p []int
		for _, g := range groups {
			for _, c := range g {
				p = append(p, slices.Index(ls, c))
			}
		}
		return p
	}
	bd, nb := size(a, la, batch)
	ld, nl := size(a, la, lo)
	_, nc := size(a, la, con)
	rd, nr := size(b, lb, ro)
	if p := order(la, batch, lo, con); !isIdentity(p) {
		a = a.Permute(p...)
	}
	if p := order(lb, batch, con, ro); !isIdentity(p) {
		b = b.Permute(p...)
	}
	shape := append(append(append([]int{}, bd...), ld...), rd...)
	labels := append(append(append([]rune{}, batch...), lo...), ro...)
	if len(con) == 0 { // nothing to sum: a broadcast product (MulBackward0, as PyTorch)
		ones := func(n int) []int { return slices.Repeat([]int{1}, n) }
		as := append(append(append([]int{}, bd...), ld...), ones(len(rd))...)
		bs := append(append(append([]int{}, bd...), ones(len(ld))...), rd...)
		return a.Reshape(as...).Mul(b.Reshape(bs...)), labels
	}
	prod := a.Reshape(nb, nl, nc).MatMul(b.Reshape(nb, nc, nr))
	return prod.View(shape...), labels
}

// contractGroups splits the labels of a pair of operands into batch labels
// (shared and kept), a's own, the contracted ones and b's own.
func contractGroups(la, lb []rune, keep string) (batch, lo, con, ro []rune) {
	for _, c := range la {
		switch {
		case slices.Contains(lb, c) && strings.ContainsRune(keep, c):
			batch = append(batch, c)
		case slices.Contains(lb, c):
			con = append(con, c)
		default:
			lo = append(lo, c)
		}
	}
	for _, c := range lb {
		if !slices.Contains(la, c) {
			ro = append(ro, c)
		}
	}
	// Each group in the order the result keeps them (the output's, for the last
	// product), so that a product needs no permutation after it, as PyTorch's
	// einsum orders its operands' dims first.
	byKeep := func(x, y rune) int { return strings.IndexRune(keep, x) - strings.IndexRune(keep, y) }
	slices.SortStableFunc(batch, byKeep)
	slices.SortStableFunc(lo, byKeep)
	slices.SortStableFunc(ro, byKeep)
	return batch, lo, con, ro
}

// contractLabels returns the labels contract gives the product of la and lb,
// after the labels no one keeps are summed.
func contractLabels(la, lb []rune, keep string) []rune {
	own := func(ls, other []rune) []rune {
		return slices.DeleteFunc(slices.Clone(ls), func(c rune) bool {
			return !slices.Contains(other, c) && !strings.ContainsRune(keep, c)
		})
	}
	la, lb = own(la, lb), own(lb, la)
	batch, lo, _, ro := contractGroups(la, lb, keep)
	return append(append(batch, lo...), ro...)
}

// sumOwn sums t over its labels that neither the other operand nor keep names.
func sumOwn(t *Tensor, ls, other []rune, keep string) (*Tensor, []rune) {
	var dims []int
	for d, c := range ls {
		if !slices.Contains(other, c) && !strings.ContainsRune(keep, c) {
			dims = append(dims, d)
		}
	}
	if len(dims) == 0 {
		return t, ls
	}
	out := slices.Clone(ls)
	out = slices.DeleteFunc(out, func(c rune) bool {
		return !slices.Contains(other, c) && !strings.ContainsRune(keep, c)
	})
	return t.Sum(dims...), out
}
