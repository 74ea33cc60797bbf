package tensor

import (
	"slices"

	"github.com/gograd/gograd/internal/blas"
	"github.com/gograd/gograd/internal/parallel"
)

// MatMul returns the matrix product of a and b with torch.matmul's rules:
// 1-d·1-d is a dot product (0-d result), 2-d·1-d a matrix-vector product, 1-d·2-d a
// vector-matrix product, 2-d·2-d a matrix product, and with more dims a batched
// product whose batch dims broadcast (a 1-d operand is treated as a matrix with a
// dim of size 1 added, then removed from the result). It panics if the inner dims
// differ or the batch dims do not broadcast.
func MatMul(a, b *Tensor) *Tensor { return a.MatMul(b) }

// MatMul returns the matrix product t·o; see the package function MatMul.
func (t *Tensor) MatMul(o *Tensor) *Tensor {
	nonNil("MatMul", t, o)
	wantProductTypes("MatMul", t, o)
	da, db := len(t.shape), len(o.shape)
	if da == 0 || db == 0 {
		failKind(ErrShape, "MatMul", "both arguments need at least 1 dim, got shapes %v and %v", t.shape, o.shape)
	}
	k1 := t.shape[da-1]
	k2 := o.shape[max(db-2, 0)]
	if k1 != k2 {
		failKind(ErrShape, "MatMul", "shapes %v and %v cannot be multiplied (%d != %d)", t.shape, o.shape, k1, k2)
	}
	switch {
	case da == 1 && db == 1:
		return dot(t, o)
	case da == 2 && db == 1:
		return mv(t, o)
	case da == 1 && db == 2:
		return mm(t.Reshape(1, k1), o, false, false).renamed("SqueezeBackward3", []int{o.shape[1]})
	case da == 2 && db == 2:
		return mm(t, o, false, false)
	}
	// Batched: treat 1-d operands as matrices, broadcast the batch dims, flatten them.
	a, b := t, o
	if da == 1 {
		a = a.Reshape(1, k1)
	}
	if db == 1 {
		b = b.Reshape(k2, 1)
	}
	m, n := a.shape[len(a.shape)-2], b.shape[len(b.shape)-1]
	if !broadcastable(a.shape[:len(a.shape)-2], b.shape[:len(b.shape)-2]) {
		fail("MatMul", "shapes %v and %v do not broadcast (batch dims %v and %v)", t.shape, o.shape, a.shape[:len(a.shape)-2], b.shape[:len(b.shape)-2])
	}
	batch := broadcastShapes("MatMul", a.shape[:len(a.shape)-2], b.shape[:len(b.shape)-2])
	nb := numel(batch)
	a = a.Expand(append(slices.Clone(batch), m, k1)...)
	b = b.Expand(append(slices.Clone(batch), k2, n)...)
	var prod *Tensor
	_, flatA := a.viewStrides([]int{nb, m, k1})
	_, flatB := b.viewStrides([]int{nb, k2, n})
	if !flatA || !flatB {
		prod = bmmStrided(a, b) // nil when a matrix's own strides fit no GEMM layout
	}
	if prod == nil {
		prod = mm(a.Reshape(nb, m, k1), b.Reshape(nb, k2, n), false, false)
	}
	shape := slices.Clone(batch)
	if da > 1 {
		shape = append(shape, m)
	}
	if db > 1 {
		shape = append(shape, n)
	}
	name := "UnsafeViewBackward0"
	if da == 2 {
		name = "CloneBackward0" // what torch 1.13 reports for matrix·batch
	}
	return prod.renamed(name, shape)
}

// bmmStrided returns the products of the matrices of a [batch..., m, k] and b
// [batch..., k, n], of one batch shape, as [nb, m, n], reading each operand in
// place through its strides, so that a broadcast (expanded, stride 0) batch dim
// is never materialised. It returns nil when a matrix's own strides fit no GEMM
// layout. Recorded as BmmBackward0 on the N-d operands; the derivative is
// MatMul again, so higher-order gradients work.
func bmmStrided(a, b *Tensor) *Tensor {
	r := len(a.shape) - 2
	m, k, n := a.shape[r], a.shape[r+1], b.shape[r+1]
	batch := a.shape[:r]
	nb := numel(batch)
	g := gemmCall{m: m, n: n, k: k, out: empty(a.dtype, []int{nb, m, n})}
	var ok bool
	if g.a, g.ta, g.lda, g.offa, ok = stridedMatrices(a); !ok {
		return nil
	}
	if g.b, g.tb, g.ldb, g.offb, ok = stridedMatrices(b); !ok {
		return nil
	}
	if m > 0 && n > 0 && nb > 0 {
		if k == 0 {
			g.out.fill(0)
		} else {
			for i := range nb {
				g.run(i)
			}
		}
	}
	return bmmStridedDef.recordWith(g.out, 0, slices.Clone(batch), nil, a, b)
}

// stridedMatrices returns how GEMM reads the matrices (last two dims) of t in
// place: t, whether they are stored transposed, their leading dim, and each
// batch entry's element offset; ok is false when their strides fit no GEMM
// layout.
func stridedMatrices(t *Tensor) (d *Tensor, trans bool, ld int, offs []int, ok bool) {
	r := len(t.shape) - 2
	st := t.layout()
	mat := t.makeView(t.shape[r:], st[r:], 0)
	md, trans, ld, _ := gemmLayout(mat)
	if md != mat {
		return nil, false, 0, nil, false
	}
	offs = make([]int, numel(t.shape[:r]))
	forEachIndex(t.shape[:r], func(i int, p []int) {
		for d, v := range p {
			offs[i] += v * st[d]
		}
	})
	return t, trans, ld, offs, true
}

// bmmStridedDef is bmmStrided's entry; aux is the batch shape.
var bmmStridedDef = &opDef{name: "BmmBackward0", save: []saveRule{{1, 0}, {0, 1}}}

func init() {
	bmmStridedDef.grad = func(b bwd) {
		batch := b.aux().([]int)
		g := b.g.Reshape(append(slices.Clone(batch), b.g.shape[1:]...)...)
		if b.needs(0) {
			b.gi[0] = g.MatMul(b.in(1).Transpose(-2, -1)) // da: grad·bᵀ, per batch entry
		}
		if b.needs(1) {
			b.gi[1] = b.in(0).Transpose(-2, -1).MatMul(g) // db: aᵀ·grad
		}
	}
}

// renamed returns t reshaped to shape, recorded as a view named name: the node
// PyTorch reports for the composite op that produced t.
func (t *Tensor) renamed(name string, shape []int) *Tensor { return t.view("MatMul", name, shape) }

// dot returns the 0-d dot product of two vectors.
func dot(a, b *Tensor) *Tensor {
	out := empty(a.dtype, nil)
	x, y := a.dense(), b.dense()
	switch a.dtype {
	case Int64:
		var s int64
		for i, v := range x.i64 {
			s += v * y.i64[i]
		}
		out.i64[0] = s
	case Float32:
		var s float32
		for i, v := range x.f32 {
			s += v * y.f32[i]
		}
		out.f32[0] = s
	default:
		var s float64
		for i, v := range x.f64 {
			s += v * y.f64[i]
		}
		out.f64[0] = s
	}
	return dotDef.record(out, 0, a, b)
}

var dotDef = &opDef{name: "DotBackward0", save: []saveRule{{1, 0}, {0, 1}}}

func init() {
	dotDef.grad = func(b bwd) {
		if b.needs(0) {
			b.gi[0] = b.in(1).Mul(b.g) // da: grad * b
		}
		if b.needs(1) {
			b.gi[1] = b.in(0).Mul(b.g) // db: grad * a
		}
	}
}

// mm returns op(a)·op(b) for matrices (2-d) or equal-size batches of them (3-d),
// where op transposes when ta or tb is set: the transposed forms let backward
// multiply by a transpose without copying it.
func mm(a, b *Tensor, ta, tb bool) *Tensor {
	batched := len(a.shape) == 3
	r := len(a.shape) - 2
	am, ak := a.shape[r], a.shape[r+1]
	if ta {
		am, ak = ak, am
	}
	bk, bn := b.shape[r], b.shape[r+1]
	if tb {
		bk, bn = bn, bk
	}
	if ak != bk {
		failKind(ErrShape, "MatMul", "shapes %v and %v cannot be multiplied (%d != %d)", a.shape, b.shape, ak, bk)
	}
	nb := 1
	shape := []int{am, bn}
	if batched {
		nb = a.shape[0]
		shape = []int{nb, am, bn}
	}
	validShape("MatMul", shape) // [m, 0]·[0, n] may still overflow
	out := uninit(a.dtype, shape)
	mmInto(out, a, b, ta, tb, am, bn, ak, nb)
	def := mmDef
	if batched {
		def = bmmDef
	}
	var flags float64 // the transposes, for the derivative: 1 for a, 2 for b
	if ta {
		flags++
	}
	if tb {
		flags += 2
	}
	return def.record(out, flags, a, b)
}

var (
	mmDef  = &opDef{name: "MmBackward0", save: []saveRule{{1, 0}, {0, 1}}}
	bmmDef = &opDef{name: "BmmBackward0", save: mmDef.save}
)

func init() { mmDef.grad, bmmDef.grad = mmGrad, mmGrad }

// mmGrad is the derivative of op(a)·op(b), the transposes op read from the flags.
func mmGrad(bw bwd) {
	g, flags := bw.g, int(bw.arg())
	ta, tb := flags&1 != 0, flags&2 != 0
	if bw.needs(0) {
		b := bw.in(1)
		if ta {
			bw.gi[0] = mm(b, g, tb, true) // da: (grad·op(b)ᵀ)ᵀ = op(b)·gradᵀ
		} else {
			bw.gi[0] = mm(g, b, false, !tb) // da: grad·op(b)ᵀ
		}
	}
	if bw.needs(1) {
		a := bw.in(0)
		if tb {
			bw.gi[1] = mm(g, a, true, ta) // db: (op(a)ᵀ·grad)ᵀ = gradᵀ·op(a)
		} else {
			bw.gi[1] = mm(a, g, !ta, false) // db: op(a)ᵀ·grad
		}
	}
}

// mv returns the matrix-vector product a·v (torch.mv), one node as in PyTorch.
func mv(a, v *Tensor) *Tensor {
	m, k := a.shape[0], a.shape[1]
	validShape("MatMul", []int{m})
	out := empty(a.dtype, []int{m})
	col := v.makeView([]int{k, 1}, []int{v.stride0(), 1}, 0) // v as a k×1 matrix, unrecorded
	mmInto(out, a, col, false, false, m, 1, k, 1)
	return mvDef.record(out, 0, a, v)
}

// stride0 returns the element stride of t's first dim.
func (t *Tensor) stride0() int {
	if st := t.strides(); st != nil {
		return st[0]
	}
	return numel(t.shape[1:])
}

var mvDef = &opDef{name: "MvBackward0", save: []saveRule{{1, 0}, {0, 1}}}

func init() {
	mvDef.grad = func(b bwd) {
		if b.needs(0) {
			b.gi[0] = Outer(b.g, b.in(1)) // da: grad ⊗ v
		}
		if b.needs(1) {
			b.gi[1] = b.in(0).T().MatMul(b.g) // dv: aᵀ·grad
		}
	}
}

// gemmLayout returns how a GEMM kernel reads the matrices (last two dims) of t: a
// tensor holding them (t, or a dense copy when its strides fit no GEMM layout),
// whether they are stored transposed, their leading dim, and the element stride
// between batch entries (3-d t; 0 otherwise).
func gemmLayout(t *Tensor) (d *Tensor, trans bool, ld, bs int) {
	r := len(t.shape) - 2
	rows, cols := t.shape[r], t.shape[r+1]
	if t.strides() == nil {
		return t, false, max(cols, 1), rows * cols
	}
	st := t.strides()
	rs, cs := st[r], st[r+1]
	if r == 1 {
		bs = st[0]
	}
	switch {
	case (cols <= 1 || cs == 1) && (rows <= 1 || rs >= max(cols, 1)):
		if rows <= 1 {
			rs = max(cols, 1)
		}
		return t, false, rs, bs
	case (rows <= 1 || rs == 1) && (cols <= 1 || cs >= max(rows, 1)):
		if cols <= 1 {
			cs = max(rows, 1)
		}
		return t, true, cs, bs
	}
	d = t.dense()
	if r == 1 {
		bs = rows * cols
	}
	return d, false, max(cols, 1), bs
}

// mmInto writes op(a)·op(b) into out (dense, nb×am×bn), unrecorded. Strided
// operands reach the kernel through its transpose flags and leading dims (a
// transposed view is a transposed GEMM); others are copied.
func mmInto(out, a, b *Tensor, ta, tb bool, am, bn, ak, nb int) {
	if am == 0 || bn == 0 || nb == 0 {
		return
	}
	if ak == 0 {
		out.fill(0) // an empty sum
		return
	}
	g := gemmCall{m: am, n: bn, k: ak, out: out}
	g.a, g.ta, g.lda, g.bsa = gemmLayout(a)
	g.b, g.tb, g.ldb, g.bsb = gemmLayout(b)
	g.ta, g.tb = ta != g.ta, tb != g.tb
	if nb == 1 || am*bn >= 64*64 {
		for i := range nb {
			g.run(i)
		}
		return
	}
	parallel.RunWith(&gemmCalls, nb, max(1, 64*64/(am*bn)), g) // the workers' copy is reused: the split allocates nothing
}

// gemmCalls keeps the gemmCall copies that batched products hand to
// parallel.Run.
var gemmCalls parallel.Cache[gemmCall]

// Run computes batch entries [lo, hi).
func (g *gemmCall) Run(lo, hi int) {
	for i := lo; i < hi; i++ {
		g.run(i)
	}
}

// gemmCall is one batched GEMM: out[i] = op(a[i])·op(b[i]).
type gemmCall struct {
	m, n, k   int
	a, b, out *Tensor
	ta, tb    bool
	lda, ldb  int
	bsa, bsb  int   // element strides between batch entries
	offa      []int // instead of bsa: each batch entry's offset into a (bmmStrided)
	offb      []int
}

func (g *gemmCall) run(i int) {
	sc := g.m * g.n
	oa, ob := i*g.bsa, i*g.bsb
	if g.offa != nil {
		oa, ob = g.offa[i], g.offb[i]
	}
	switch g.out.dtype {
	case Int64:
		intMm(g.ta, g.tb, g.m, g.n, g.k, g.a.i64[oa:], g.lda, g.b.i64[ob:], g.ldb, g.out.i64[i*sc:], g.n)
	case Float32:
		blas.Gemm(g.ta, g.tb, g.m, g.n, g.k, 1, g.a.f32[oa:], g.lda, g.b.f32[ob:], g.ldb, 0, g.out.f32[i*sc:], g.n)
	default:
		blas.Gemm(g.ta, g.tb, g.m, g.n, g.k, 1, g.a.f64[oa:], g.lda, g.b.f64[ob:], g.ldb, 0, g.out.f64[i*sc:], g.n)
	}
}
