package tensor

import (
	"slices"
	"strings"
)

// This file is the batched backward pass behind Grad's IsGradsBatched (what
// PyTorch gets by running backward under vmap): the gradients carry a leading
// batch dimension of size B through the whole graph, and each node computes the
// B vector-Jacobian products of its op at once. A node whose derivative has a
// batched form (batchRule) runs it once; any other runs its ordinary
// derivative once per batch row and stacks the rows (rowByRow, functorch's
// fallback for ops without a batching rule), which is what a pass per row would
// compute for that node. The engine reduces each input gradient to the batch
// size followed by the input's shape (sumToBatched).

// runBatched is Grad with IsGradsBatched in one pass, gos having batch size b;
// it reports false, having run nothing, where the graph does not allow it.
func runBatched(outputs, inputs, gos []*Tensor, b int, o GradOptions) ([]*Tensor, bool) {
	if b == 0 {
		return nil, false
	}
	seeds := make([]*Tensor, len(outputs))
	for i, r := range outputs {
		r.GradFn() // a stale view's history is regenerated first
		if !r.requiresGrad {
			fail("Grad", "element %d of tensors does not require grad and does not have a grad_fn", i)
		}
		if gos[i].dtype != r.dtype {
			failKind(ErrDType, "Grad", "gradient dtype %v does not match output dtype %v", gos[i].dtype, r.dtype)
		}
		seeds[i] = gos[i].Clone() // the engine may keep and add into its seeds
	}
	return runTask("Grad", outputs, seeds, o.RetainGraph || o.CreateGraph, o.CreateGraph, inputs, true, o.AllowUnused, b)
}

// batchable reports whether the pass can carry batched gradients: no node has
// hooks or a retained gradient, which see one gradient of the tensor's shape.
func (t *graphTask) batchable() bool {
	for _, n := range t.order {
		if n.hooks.Load() != nil || n.retained != nil {
			return false
		}
	}
	return true
}

// backwardBatched sets outs to the batched gradients of n's inputs given g, the
// batched gradient of its result (nil for a MultiFunction's node, whose
// results' gradients are in t.resultGrads).
func (t *graphTask) backwardBatched(n *Node, g *Tensor, outs []*Tensor) {
	if g != nil && batchRule(n, g, t.batch, outs, t.create) {
		return
	}
	clear(outs)
	t.rowByRow(n, g, outs)
}

// rowByRow runs n's derivative on each row of the batched gradients and stacks
// the results.
func (t *graphTask) rowByRow(n *Node, g *Tensor, outs []*Tensor) {
	rows := make([][]*Tensor, len(outs))
	tmp := make([]*Tensor, len(outs))
	all := t.resultGrads
	defer func() { t.resultGrads = all }()
	for b := range t.batch {
		clear(tmp)
		var gb *Tensor
		if g != nil {
			gb = g.Select(0, b)
		}
		if all != nil {
			t.resultGrads = make([]*Tensor, len(all))
			for r, a := range all {
				if a != nil {
					t.resultGrads[r] = a.Select(0, b)
				}
			}
		}
		t.backward(n, gb, tmp)
		for j, gj := range tmp {
			if nx := n.next[j]; nx != nil && gj != nil && !slices.Equal(gj.shape, nx.shape) {
				gj = gj.sumTo(nx.shape)
			}
			rows[j] = append(rows[j], gj)
		}
	}
	for j, r := range rows {
		nx := n.next[j]
		i := slices.IndexFunc(r, func(x *Tensor) bool { return x != nil })
		if nx == nil || i < 0 {
			continue
		}
		for b := range r {
			if r[b] == nil {
				r[b] = r[i].dtype.Zeros(nx.shape...)
			}
		}
		outs[j] = stackRows(r, r[i])
	}
}

// sumToBatched returns g, the gradient of a batch of b tensors of shape shape (or
// of a shape that broadcasts to it), summed down to [b, shape...].
func (g *Tensor) sumToBatched(b int, shape []int, name string) *Tensor {
	want := append([]int{b}, shape...)
	if slices.Equal(g.shape, want) {
		return g
	}
	extra := len(g.shape) - len(want)
	if extra < 0 || g.shape[0] != b {
		fail("Grad", "IsGradsBatched: %s gave a gradient of shape %v for a batch of %d of shape %v", name, g.shape, b, shape)
	}
	target := append(append([]int{b}, make([]int, extra)...), shape...)
	for i := 1; i <= extra; i++ {
		target[i] = 1
	}
	return g.sumTo(target).Reshape(want...)
}

// batchedDefs are the op table entries whose derivative, written with
// broadcasting ops, already maps a gradient with a leading batch dim to the
// input gradients with it (the engine sums broadcast dims down after).
var batchedDefs = map[*opDef]bool{
	addDef: true, subDef: true, mulDef: true, divDef: true,
	addScalarDef: true, subScalarDef: true, rsubScalarDef: true, mulScalarDef: true, divScalarDef: true,
	negDef: true, reciprocalDef: true, expDef: true, logDef: true, sqrtDef: true, absDef: true,
	signDef: true, sinDef: true, cosDef: true, cloneDef: true,
}

// isReduceDef reports whether d is one of Sum's and Mean's entries.
func isReduceDef(d *opDef) bool {
	for _, ds := range reduceDefs {
		if slices.Contains(ds[:], d) {
			return true
		}
	}
	return false
}

// batchRule sets gi to the batched gradients of n's inputs given g, the
// gradients of its result for b batch rows stacked along dim 0, and reports
// whether it knew a batched form for n's op.
func batchRule(n *Node, g *Tensor, b int, gi []*Tensor, create bool) bool {
	if d := n.def; d != nil && d != viewDef && !isReduceDef(d) {
		switch {
		case batchedDefs[d]:
			d.grad(bwd{n: n, g: g, gi: gi, create: create})
		case d == powDef && n.arg == 0:
			gi[0] = ZerosLike(g) // dt: 0
		case d == powDef:
			d.grad(bwd{n: n, g: g, gi: gi, create: create})
		case d == tanhDef, d == sigmoidDef, d == reluDef:
			gi[0] = batchedActivationGrad(d, g, bwd{n: n, create: create}.out())
		case d == mmDef:
			mmBatched(bwd{n: n, g: g, gi: gi, create: create}, b)
		case d == mvDef:
			bw := bwd{n: n, g: g, gi: gi, create: create}
			if bw.needs(0) {
				gi[0] = g.Unsqueeze(-1).Mul(bw.in(1)) // da: grad ⊗ v, each row
			}
			if bw.needs(1) {
				gi[1] = g.MatMul(bw.in(0)) // dv: (aᵀ·grad)ᵀ = gradᵀ·a, all rows in one product
			}
		case d == softmaxDef, d == logSoftmaxDef:
			y := bwd{n: n, create: create}.out()
			sum := func(x *Tensor) *Tensor { // Σ over the dim (arg), each row
				if len(y.shape) == 0 {
					return x
				}
				return x.SumKeepDim(int(n.arg) + 1)
			}
			if d == softmaxDef {
				gi[0] = y.Mul(g.Sub(sum(g.Mul(y)))) // dt: out * (grad - Σ_dim grad * out)
			} else {
				gi[0] = g.Sub(y.Exp().Mul(sum(g))) // dt: grad - exp(out) * Σ_dim grad
			}
		case d == dotDef:
			bw := bwd{n: n, g: g, gi: gi, create: create}
			if bw.needs(0) {
				gi[0] = g.Unsqueeze(-1).Mul(bw.in(1)) // da: grad * b, each row
			}
			if bw.needs(1) {
				gi[1] = g.Unsqueeze(-1).Mul(bw.in(0)) // db: grad * a, each row
			}
		default:
			return false
		}
		return true
	}
	if n.x != nil && n.x.batched != nil {
		n.x.batched(g, gi, create)
		return true
	}
	if n.x != nil && (n.x.custom || n.x.withTask != nil || n.x.results != nil) || n.def == nil || n.next[0] == nil {
		return false // a Function's node, whatever its name; or one that saves a gradient for no input
	}
	in := n.next[0].shape
	switch n.name {
	case "ViewBackward0", "ReshapeAliasBackward0", "UnsafeViewBackward0", "AliasBackward0", "CloneBackward0",
		"UnsqueezeBackward0", "SqueezeBackward0", "SqueezeBackward1", "SqueezeBackward3":
		gi[0] = g.Reshape(append([]int{b}, in...)...) // dt: grad reshaped back, each row
	case "TBackward0":
		if len(in) == 2 {
			gi[0] = g.Transpose(1, 2) // dt: each row transposed
		} else {
			gi[0] = g
		}
	case "TransposeBackward0":
		d0, d1 := int(n.arg)>>16, int(n.arg)&0xffff
		gi[0] = g.Transpose(d0+1, d1+1) // dt: each row transposed back
	case "ExpandBackward0":
		gi[0] = g // dt: each row summed over the broadcast dims (sumToBatched)
	case "SumBackward0", "SumBackward1", "MeanBackward0", "MeanBackward1":
		kept, ok := keptShapeOf(in, n.shape)
		if !ok {
			return false
		}
		gb := g
		if strings.HasPrefix(n.name, "Mean") {
			gb = gb.DivScalar(float64(numel(in) / max(numel(n.shape), 1))) // dt: grad / count
		}
		full := append([]int{b}, in...)
		gi[0] = gb.Reshape(append([]int{b}, kept...)...).Expand(full...) // dt: grad broadcast back, each row
	default:
		return false
	}
	return true
}

// keptShapeOf returns the shape a reduction of a tensor of shape in to shape out
// had with keepdim (in with the reduced dims set to 1), if out determines it:
// the one way to place out's dims in order among in's, or out itself when it
// keeps in's rank.
func keptShapeOf(in, out []int) ([]int, bool) {
	if len(out) == len(in) {
		return out, true
	}
	var found []int
	count := 0
	var place func(i, j int, kept []int)
	place = func(i, j int, kept []int) { // in[i:] against out[j:]
		if count > 1 {
			return
		}
		if j == len(out) {
			k := slices.Clone(kept)
			for ; i < len(in); i++ {
				k = append(k, 1)
			}
			if found == nil || !slices.Equal(found, k) {
				count++
				found = k
			}
			return
		}
		if len(in)-i < len(out)-j {
			return
		}
		if in[i] == out[j] {
			place(i+1, j+1, append(kept, in[i]))
		}
		place(i+1, j, append(kept, 1))
	}
	place(0, 0, nil)
	return found, count == 1
}

// batchedActivationGrad returns the batched gradient of Tanh, Sigmoid or Relu
// (the op table entry d) given g, the result's gradients for a batch, and y the
// result: the unbatched formula, broadcast, while recording; else the fused
// kernel once per row.
func batchedActivationGrad(d *opDef, g, y *Tensor) *Tensor {
	if recording(g, y) {
		switch d {
		case tanhDef:
			return g.Mul(y.Mul(y).RSubScalar(1)) // dt: grad * (1 - tanh²)
		case sigmoidDef:
			return g.Mul(y).Mul(y.RSubScalar(1)) // dt: grad * σ * (1 - σ)
		}
		return g.Mul(y.Sign()) // dt: grad * (t > 0), y being max(t, 0)
	}
	out := empty(g.dtype, g.shape)
	gd, yd := g.dense(), y.dense()
	m := numel(y.shape)
	for r := range g.shape[0] {
		lo, hi := r*m, (r+1)*m
		switch {
		case d == reluDef && g.dtype == Float32:
			maskPositive32(out.f32[lo:hi], gd.f32[lo:hi], yd.f32)
		case d == reluDef:
			maskPositive64(out.f64[lo:hi], gd.f64[lo:hi], yd.f64)
		case d == tanhDef && g.dtype == Float32:
			tanhGrad(out.f32[lo:hi], gd.f32[lo:hi], yd.f32)
		case d == tanhDef:
			tanhGrad(out.f64[lo:hi], gd.f64[lo:hi], yd.f64)
		case g.dtype == Float32:
			sigmoidGrad(out.f32[lo:hi], gd.f32[lo:hi], yd.f32)
		default:
			sigmoidGrad(out.f64[lo:hi], gd.f64[lo:hi], yd.f64)
		}
	}
	return out
}

// mmBatched is mmGrad for gradients of b products stacked along dim 0: each
// input's gradient for all rows is one matrix product.
func mmBatched(bw bwd, b int) {
	g, flags := bw.g, int(bw.arg())
	ta, tb := flags&1 != 0, flags&2 != 0
	m, n := g.shape[1], g.shape[2]
	if bw.needs(0) {
		opb := bw.in(1) // op(b) is k×n
		if tb {
			opb = opb.T()
		}
		k := opb.shape[0]
		da := g.Reshape(b*m, n).MatMul(opb.T()).Reshape(b, m, k) // da: grad·op(b)ᵀ, each row
		if ta {
			da = da.Transpose(1, 2)
		}
		bw.gi[0] = da
	}
	if bw.needs(1) {
		opa := bw.in(0) // op(a) is m×k
		if ta {
			opa = opa.T()
		}
		k := opa.shape[1]
		gm := g.Permute(1, 0, 2).Reshape(m, b*n)                                // the rows side by side
		db := opa.T().MatMul(gm).Reshape(k, b, n).Permute(1, 0, 2).Contiguous() // db: op(a)ᵀ·grad, each row
		if tb {
			db = db.Transpose(1, 2)
		}
		bw.gi[1] = db
	}
}
