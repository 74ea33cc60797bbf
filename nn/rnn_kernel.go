package nn

import (
	"github.com/gograd/gograd/internal/access"
	"github.com/gograd/gograd/internal/blas"
	"github.com/gograd/gograd/internal/parallel"
	"github.com/gograd/gograd/internal/vec"
	"github.com/gograd/gograd/tensor"
)

// cellKind is the recurrence a recurLayer runs.
type cellKind uint8

const (
	cellTanh cellKind = iota // RNN with tanh
	cellRelu                 // RNN with relu
	cellLSTM
	cellGRU
)

// gates returns the number of gate blocks of H rows in the weights: 1, 4 or 3.
func (k cellKind) gates() int {
	switch k {
	case cellLSTM:
		return 4
	case cellGRU:
		return 3
	}
	return 1
}

// recurLayer runs one layer of a recurrent network in one direction over a whole
// sequence as one graph node. It is its own node for speed (BenchmarkLSTMStep): the
// input projection of all T steps is one GEMM, each step is one GEMM for all
// gates plus one fused pointwise pass, and the backward pass (backpropagation
// through time) is one GEMM per step plus three large GEMMs for dx, dW_ih and
// dW_hh, with no per-step graph nodes. That backward is written with raw kernels;
// when the backward pass is itself recorded (CreateGraph), Backward instead
// differentiates the layer written with tensor ops (composite), so that
// higher-order gradients are right.
//
// Inputs: x (T, B, I), w_ih (G·H, I), w_hh (G·H, H), b_ih (G·H), b_hh (G·H),
// h0 (B, H) and, for an LSTM, c0 (B, H). Gate blocks are in PyTorch's order: LSTM
// i, f, g, o; GRU r, z, n. The result holds, for each step t (in the input's time
// order, also when reverse), the hidden state h_t and, for an LSTM, the cell state
// c_t: shape (S, T, B, H) with S = 2 for an LSTM ([0] = h, [1] = c) and 1 otherwise.
type recurLayer struct {
	kind       cellKind
	reverse    bool
	t, b, i, h int
	// gates and hn are the buffers Forward saved, which apply hands to the pool
	// once a backward pass has freed the graph.
	gates, hn *tensor.Tensor
}

// apply runs the layer on args, recorded, and lets the saved gate buffers go
// back to the tensor pool with the graph: only this node holds them, and
// without it BenchmarkLSTMStep allocated 16 MB a step for them.
func (f *recurLayer) apply(args ...*tensor.Tensor) *tensor.Tensor {
	res := tensor.Apply(f, args...)
	for _, t := range []*tensor.Tensor{f.gates, f.hn} {
		if t != nil {
			access.FreeWithGraph(res, t)
		}
	}
	f.gates, f.hn = nil, nil
	return res
}

func (f *recurLayer) Name() string {
	switch f.kind {
	case cellLSTM:
		return "LstmBackward0"
	case cellGRU:
		return "GruBackward0"
	}
	return "RnnBackward0"
}

// order returns the time index of processing step s.
func (f *recurLayer) order(s int) int {
	if f.reverse {
		return f.t - 1 - s
	}
	return s
}

func (f *recurLayer) states() int {
	if f.kind == cellLSTM {
		return 2
	}
	return 1
}

func (f *recurLayer) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	orig := in
	in = contiguous(in)
	dt := in[0].DType()
	// recurForward writes every element of out, gates and hn.
	out := uninit(dt, f.states(), f.t, f.b, f.h)
	// Saved: the activated gates (T, B, G·H) and, for a GRU, W_hn h + b_hn (T, B, H).
	gates := uninit(dt, f.t, f.b, f.kind.gates()*f.h)
	var hn *tensor.Tensor
	if f.kind == cellGRU {
		hn = uninit(dt, f.t, f.b, f.h)
	} else {
		hn = dt.Zeros(1)
	}
	if dt == tensor.Float32 {
		recurForward(f, slices32(in), out.Float32s(), gates.Float32s(), hn.Float32s())
	} else {
		recurForward(f, slices64(in), out.Float64s(), gates.Float64s(), hn.Float64s())
	}
	// Saved: the contiguous inputs, out, gates, hn, then the inputs as given (the
	// same tensors unless a copy was made), which the composite backward needs.
	ctx.SaveForBackward(append(in, out, gates, hn)...)
	ctx.SaveForBackward(orig...)
	f.gates, f.hn = gates, hn
	return out
}

// contiguous returns ts made contiguous, in a new slice (Apply keeps its own).
func contiguous(ts []*tensor.Tensor) []*tensor.Tensor {
	c := make([]*tensor.Tensor, len(ts))
	for i, t := range ts {
		c[i] = t.Contiguous()
	}
	return c
}

// slices32 returns the float32 elements of each of ts, nil for a nil tensor.
func slices32(ts []*tensor.Tensor) [][]float32 {
	s := make([][]float32, len(ts))
	for i, t := range ts {
		if t != nil {
			s[i] = t.Float32s()
		}
	}
	return s
}

// slices64 is slices32 for float64.
func slices64(ts []*tensor.Tensor) [][]float64 {
	s := make([][]float64, len(ts))
	for i, t := range ts {
		if t != nil {
			s[i] = t.Float64s()
		}
	}
	return s
}

// recurForward fills out, gates and hn (see recurLayer) from in = x, w_ih, w_hh,
// b_ih, b_hh, h0[, c0].
func recurForward[T float32 | float64](f *recurLayer, in [][]T, out, gates, hn []T) {
	x, wih, whh, bih, bhh, h0 := in[0], in[1], in[2], in[3], in[4], in[5]
	G, H, B := f.kind.gates()*f.h, f.h, f.b
	// The input projection of every step: gates = x W_ihᵀ + b_ih, one GEMM
	// that adds the bias as it stores.
	blas.GemmBias(false, true, f.t*B, G, f.i, 1, x, f.i, wih, f.i, bih, gates, G)
	hs := out[:f.t*B*H]
	var cs []T
	if f.kind == cellLSTM {
		cs = out[f.t*B*H:]
	}
	gh := make([]T, B*G) // h_prev W_hhᵀ + b_hh
	tmp := make([]T, B*H)
	// W_hhᵀ is the right operand of every step's product: packed once, so that
	// each step's GEMM writes h_prev W_hhᵀ in place with nothing left to pack.
	whhT := blas.PackB(true, H, G, whh, H)
	hPrev, cPrev := h0, []T(nil)
	if f.kind == cellLSTM {
		cPrev = in[6]
	}
	for s := range f.t {
		t := f.order(s)
		for r := range B {
			copy(gh[r*G:(r+1)*G], bhh)
		}
		blas.GemmPacked(B, 1, hPrev, H, whhT, 1, gh, G)
		h := hs[t*B*H : (t+1)*B*H]
		eachRow(B, func(r int) {
			g := gates[(t*B+r)*G : (t*B+r+1)*G]
			a := gh[r*G : (r+1)*G]
			hp := hPrev[r*H : (r+1)*H]
			hr := h[r*H : (r+1)*H]
			switch f.kind {
			case cellTanh, cellRelu:
				vec.Add(g, g, a)
				if f.kind == cellTanh {
					vec.Tanh(g, g)
				} else {
					vec.Relu(g, g)
				}
				copy(hr, g)
			case cellLSTM:
				vec.Add(g, g, a)
				vec.Sigmoid(g[:2*H], g[:2*H])
				vec.Tanh(g[2*H:3*H], g[2*H:3*H])
				vec.Sigmoid(g[3*H:], g[3*H:])
				c := cs[(t*B+r)*H : (t*B+r+1)*H]
				tc := tmp[r*H : (r+1)*H]
				vec.Mul(c, g[H:2*H], cPrev[r*H:(r+1)*H]) // c = f·c_prev + i·g
				vec.Mul(tc, g[:H], g[2*H:3*H])
				vec.Add(c, c, tc)
				vec.Tanh(tc, c)
				vec.Mul(hr, tc, g[3*H:])
			case cellGRU:
				vec.Add(g[:2*H], g[:2*H], a[:2*H])
				vec.Sigmoid(g[:2*H], g[:2*H])
				n := g[2*H:]
				copy(hn[(t*B+r)*H:(t*B+r+1)*H], a[2*H:])
				for j := range H {
					n[j] += g[j] * a[2*H+j]
				}
				vec.Tanh(n, n)
				for j := range H {
					z := g[H+j]
					hr[j] = (1-z)*n[j] + z*hp[j]
				}
			}
		})
		hPrev = h
		if f.kind == cellLSTM {
			cPrev = cs[t*B*H : (t+1)*B*H]
		}
	}
}

func (f *recurLayer) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	s := ctx.Saved()
	n := (len(s) - 3) / 2
	in, out, gates, hn := s[:n], s[n], s[n+1], s[n+2]
	if ctx.CreatingGraph() { // the raw kernels below would cut the graph
		return compositeGrads(ctx, s[n+3:], g, f.composite)
	}
	g = g.Contiguous()
	// recurBackward writes every element of the gradients; the others (the
	// weights' when only x needs one) are computed too and dropped. No gradient
	// of x is computed when x needs none (the first layer's input).
	grads := make([]*tensor.Tensor, n)
	for i := range grads {
		if i > 0 || ctx.NeedsInputGrad(0) {
			grads[i] = uninit(in[i].DType(), in[i].Shape()...)
		}
	}
	if g.DType() == tensor.Float32 {
		recurBackward(f, slices32(in), out.Float32s(), gates.Float32s(), hn.Float32s(), g.Float32s(), slices32(grads))
	} else {
		recurBackward(f, slices64(in), out.Float64s(), gates.Float64s(), hn.Float64s(), g.Float64s(), slices64(grads))
	}
	for i := range grads {
		if !ctx.NeedsInputGrad(i) {
			grads[i] = nil
		}
	}
	return grads
}

// recurBackward fills d (the gradients of in) from the gradient dout of the
// result.
func recurBackward[T float32 | float64](f *recurLayer, in [][]T, out, gates, hn, dout []T, d [][]T) {
	x, wih, h0 := in[0], in[1], in[5]
	G, H, B, TB := f.kind.gates()*f.h, f.h, f.b, f.t*f.b
	hs, dhs := out[:TB*H], dout[:TB*H]
	var cs, dcs, c0 []T
	if f.kind == cellLSTM {
		cs, dcs, c0 = out[TB*H:], dout[TB*H:], in[6]
	}
	// dgi: gradient of the input-side pre-activations (T, B, G), dgh: of the
	// hidden side (the same but for a GRU's n block); xhT: x_t, h_{t-1} and a 1
	// per step and batch row, as the columns of an (I+H+1)×(T·B) matrix whose
	// rows are ldx apart, the left operand of the weight gradients.
	var pool scratch[T]
	defer pool.free()
	dgi := pool.get(TB * G)
	dgh := dgi
	if f.kind == cellGRU {
		dgh = pool.get(TB * G)
	}
	ld, ldx := f.i+H+1, TB+16 // rows 64 bytes longer than 4 KB multiples: no cache aliasing
	xhT := pool.get(ld * ldx)
	transposeTo(xhT, ldx, x, f.i, TB, f.i)
	ones := xhT[(ld-1)*ldx : (ld-1)*ldx+TB]
	for i := range ones {
		ones[i] = 1
	}
	dh := make([]T, B*H) // gradient reaching h_t from later steps
	dc := make([]T, B*H)
	whh := blas.PackB(false, G, H, in[2], H) // the right operand of every step's dh product
	tmps := make([]T, 2*B*H)                 // lstmCellBackward's scratch, per batch row
	for s := f.t - 1; s >= 0; s-- {
		t := f.order(s)
		hp, cp := h0, c0
		if s > 0 {
			tp := f.order(s - 1)
			hp = hs[tp*B*H : (tp+1)*B*H]
			if cs != nil {
				cp = cs[tp*B*H : (tp+1)*B*H]
			}
		}
		transposeTo(xhT[f.i*ldx+t*B:], ldx, hp, H, B, H)
		eachRow(B, func(r int) {
			row := (t*B + r)
			gt := gates[row*G : (row+1)*G]
			di := dgi[row*G : (row+1)*G]
			dhr := dh[r*H : (r+1)*H]
			vec.Add(dhr, dhr, dhs[row*H:(row+1)*H])
			switch f.kind {
			case cellTanh, cellRelu:
				for j := range H {
					y := gt[j]
					switch {
					case f.kind == cellTanh:
						di[j] = dhr[j] * (1 - y*y)
					case y > 0:
						di[j] = dhr[j]
					default:
						di[j] = 0
					}
				}
				clear(dhr)
			case cellLSTM:
				lstmCellBackward(di, dc[r*H:(r+1)*H], dhr, gt, cs[row*H:(row+1)*H], cp[r*H:(r+1)*H], dcs[row*H:(row+1)*H], tmps[2*r*H:2*(r+1)*H])
				clear(dhr)
			case cellGRU:
				dhh := dgh[row*G : (row+1)*G]
				hpr := hp[r*H : (r+1)*H]
				hnr := hn[row*H : (row+1)*H]
				for j := range H {
					rg, zg, ng := gt[j], gt[H+j], gt[2*H+j]
					dn := dhr[j] * (1 - zg) * (1 - ng*ng)
					dz := dhr[j] * (hpr[j] - ng) * zg * (1 - zg)
					dr := dn * hnr[j] * rg * (1 - rg)
					di[j], di[H+j], di[2*H+j] = dr, dz, dn
					dhh[j], dhh[H+j], dhh[2*H+j] = dr, dz, dn*rg
					dhr[j] *= zg // the direct path h' = ... + z h
				}
			}
		})
		// dh_{t-1} = (direct part) + dgh_t W_hh.
		blas.GemmPacked(B, 1, dgh[t*B*G:(t+1)*B*G], G, whh, 1, dh, H)
	}
	copy(d[5], dh)
	if f.kind == cellLSTM {
		copy(d[6], dc)
	}
	if d[0] != nil {
		blas.Gemm(false, false, TB, f.i, G, 1, dgi, G, wih, f.i, 0, d[0], f.i)
	}
	// The weight gradients as [dW_ih dW_hh db]ᵀ = [x h_{t-1} 1]ᵀ dg, one GEMM
	// when the input and hidden sides share their gate gradients (not a GRU),
	// which packs dg once where two did; the left operand, built transposed,
	// is read in place without a transpose flag (10-25 % faster than reading
	// [x h 1] transposed, in BenchmarkLSTMStep's shapes); then the small dWᵀ
	// is transposed.
	dwT := pool.get(ld * G)
	if f.kind != cellGRU {
		blas.Gemm(false, false, ld, G, TB, 1, xhT, ldx, dgi, G, 0, dwT, G)
		copy(d[3], dwT[(ld-1)*G:])
		copy(d[4], d[3]) // the same gate gradients: db_hh = db_ih
	} else {
		blas.Gemm(false, false, f.i, G, TB, 1, xhT, ldx, dgi, G, 0, dwT, G)
		blas.Gemm(false, false, H+1, G, TB, 1, xhT[f.i*ldx:], ldx, dgh, G, 0, dwT[f.i*G:], G)
		copy(d[4], dwT[(ld-1)*G:])
		colSums(d[3], dgi, G)
	}
	transpose(d[1], dwT[:f.i*G], f.i, G)
	transpose(d[2], dwT[f.i*G:(f.i+H)*G], H, G)
}

// lstmCellBackward sets di (the gradients of the pre-activations i, f, g, o, 4H
// values) from dh (the gradient reaching h_t, H values), the activated gates gt
// (4H), c_t, c_{t-1}, and dcNext (the gradient of the result's c_t); dc holds
// the gradient reaching c_t from step t+1 and is replaced by the one reaching
// c_{t-1}. tmp (2H values) is scratch. With c_t = f c_{t-1} + i g and h_t = o
// tanh(c_t): dc_t = dc + dcNext + dh o (1 - tanh²c_t); di = dc_t g i(1-i);
// df = dc_t c_{t-1} f(1-f); dg = dc_t i (1-g²); do = dh tanh(c_t) o(1-o); dc_{t-1}
// = dc_t f. Every step is a vectorised kernel over the H values (the scalar
// loop this replaced was 7 % of BenchmarkLSTMStep).
func lstmCellBackward[T float32 | float64](di, dc, dh, gt, c, cPrev, dcNext, tmp []T) {
	h := len(dh)
	ig, fg, gg, og := gt[:h], gt[h:2*h], gt[2*h:3*h], gt[3*h:4*h]
	di0, di1, di2, di3 := di[:h], di[h:2*h], di[2*h:3*h], di[3*h:4*h]
	tc, u := tmp[:h], tmp[h:2*h]
	vec.Tanh(tc, c[:h])
	vec.SubScalarFrom(u, og, 1) // do = dh·tanh(c_t)·o(1-o)
	vec.Mul(u, u, og)
	vec.Mul(u, u, tc)
	vec.Mul(di3, u, dh)
	vec.Mul(u, tc, tc) // dc_t = dh·o·(1 - tanh²c_t) + dcNext + dc
	vec.SubScalarFrom(u, u, 1)
	vec.Mul(u, u, og)
	vec.Mul(u, u, dh)
	vec.Add(u, u, dcNext[:h])
	vec.Add(u, u, dc[:h])
	vec.Mul(tc, gg, gg) // dg = dc_t·i·(1-g²)
	vec.SubScalarFrom(tc, tc, 1)
	vec.Mul(tc, tc, ig)
	vec.Mul(di2, tc, u)
	vec.SubScalarFrom(tc, ig, 1) // di = dc_t·g·i(1-i)
	vec.Mul(tc, tc, ig)
	vec.Mul(tc, tc, gg)
	vec.Mul(di0, tc, u)
	vec.SubScalarFrom(tc, fg, 1) // df = dc_t·c_{t-1}·f(1-f)
	vec.Mul(tc, tc, fg)
	vec.Mul(tc, tc, cPrev[:h])
	vec.Mul(di1, tc, u)
	vec.Mul(dc[:h], u, fg) // dc_{t-1} = dc_t·f
}

// scratch hands out buffers from the tensor pool and returns them all to it
// at once (free), for a backward pass's large temporaries (the gate gradients
// are T·B·G values per layer): no garbage for the collector. The buffers are
// not cleared: the caller writes every element before reading it.
type scratch[T float32 | float64] struct{ ts []*tensor.Tensor }

func (s *scratch[T]) get(n int) []T {
	var v []T
	switch p := any(&v).(type) {
	case *[]float32:
		t := uninit(tensor.Float32, n)
		s.ts, *p = append(s.ts, t), t.Float32s()
	case *[]float64:
		t := uninit(tensor.Float64, n)
		s.ts, *p = append(s.ts, t), t.Float64s()
	}
	return v
}

func (s *scratch[T]) free() {
	for _, t := range s.ts {
		access.Free(t)
	}
	s.ts = nil
}

// eachRow runs fn(r) for the batch rows r < b of one time step, split across
// threads: the pointwise work of a step is serial in time but not in the batch.
func eachRow(b int, fn func(r int)) {
	parallel.For(b, 4, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			fn(r)
		}
	})
}

// transpose writes the m×n row-major matrix a transposed into dst (n×m).
func transpose[T float32 | float64](dst, a []T, m, n int) { transposeTo(dst, m, a, n, m, n) }

// transposeTo writes the m×n matrix a (rows lda apart) transposed into dst
// (n×m, rows ldd apart), by tiles of 8 rows and 64 columns of a: each column
// of a tile is written as 8 consecutive values of dst, read from 8 rows at
// once. (Tiles of 32×32 read down a column of a, whose 4 KB stride for
// n = 1024 thrashed the L1 cache: 4× slower in BenchmarkLSTMStep's shapes.)
func transposeTo[T float32 | float64](dst []T, ldd int, a []T, lda, m, n int) {
	const ti, tj = 8, 64
	for i0 := 0; i0 < m; i0 += ti {
		i1 := min(i0+ti, m)
		for j0 := 0; j0 < n; j0 += tj {
			j1 := min(j0+tj, n)
			if i1-i0 < ti {
				for i := i0; i < i1; i++ {
					for j := j0; j < j1; j++ {
						dst[j*ldd+i] = a[i*lda+j]
					}
				}
				continue
			}
			r0, r1, r2, r3 := a[i0*lda:], a[(i0+1)*lda:], a[(i0+2)*lda:], a[(i0+3)*lda:]
			r4, r5, r6, r7 := a[(i0+4)*lda:], a[(i0+5)*lda:], a[(i0+6)*lda:], a[(i0+7)*lda:]
			for j := j0; j < j1; j++ {
				d := dst[j*ldd+i0 : j*ldd+i0+ti]
				d[0], d[1], d[2], d[3] = r0[j], r1[j], r2[j], r3[j]
				d[4], d[5], d[6], d[7] = r4[j], r5[j], r6[j], r7[j]
			}
		}
	}
}

// colSums sets dst[j] to the sum of column j of the row-major matrix a with n
// columns.
func colSums[T float32 | float64](dst, a []T, n int) {
	clear(dst)
	for r := 0; r+n <= len(a); r += n {
		vec.Add(dst, dst, a[r:r+n])
	}
}
