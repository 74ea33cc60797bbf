package nn

import "github.com/gograd/gograd/tensor"

// compositeGrads returns a fused node's input gradients for the upstream
// gradient g as a recorded computation: the engine's gradients (CreateGraph) of
// fn(in), the node's forward pass written with tensor ops, so that they can be
// differentiated again. in are the node's inputs as Apply got them. A fused
// Backward takes this path only when the backward pass is recorded; it builds a
// graph of many small ops, far slower than the fused kernels.
func compositeGrads(ctx *tensor.Context, in []*tensor.Tensor, g *tensor.Tensor, fn func(in []*tensor.Tensor) *tensor.Tensor) []*tensor.Tensor {
	var wrt []*tensor.Tensor
	var idx []int
	for i, t := range in {
		if ctx.NeedsInputGrad(i) {
			wrt = append(wrt, t)
			idx = append(idx, i)
		}
	}
	grads := make([]*tensor.Tensor, len(in))
	if len(wrt) == 0 {
		return grads
	}
	gs := tensor.Grad([]*tensor.Tensor{fn(in)}, wrt, tensor.GradOptions{GradOutputs: []*tensor.Tensor{g}, CreateGraph: true, AllowUnused: true})
	for k, i := range idx {
		grads[i] = gs[k]
	}
	return grads
}

// composite is recurLayer's forward pass written with tensor ops, one step at a
// time, from in = x (T, B, I), w_ih, w_hh, b_ih, b_hh, h0 (B, H)[, c0]: the
// result has recurLayer's shape (S, T, B, H). The cells are PyTorch's: LSTM
// c' = σ(f)⊙c + σ(i)⊙tanh(g), h' = σ(o)⊙tanh(c'); GRU n = tanh(x_n + r⊙(h_n)),
// h' = n + z⊙(h - n); RNN h' = act(x_t W_ihᵀ + b_ih + h W_hhᵀ + b_hh).
func (f *recurLayer) composite(in []*tensor.Tensor) *tensor.Tensor {
	x, wih, whh, bih, bhh, h := in[0], in[1], in[2], in[3], in[4], in[5]
	H := f.h
	var c *tensor.Tensor
	if f.kind == cellLSTM {
		c = in[6]
	}
	xp := x.MatMul(wih.T()).Add(bih) // (T, B, G): every step's input side
	hs, cs := make([]*tensor.Tensor, f.t), make([]*tensor.Tensor, f.t)
	gate := func(a *tensor.Tensor, k int) *tensor.Tensor { return a.Narrow(1, k*H, H) }
	for s := range f.t {
		t := f.order(s)
		gi, gh := xp.Select(0, t), h.MatMul(whh.T()).Add(bhh)
		switch f.kind {
		case cellTanh:
			h = gi.Add(gh).Tanh()
		case cellRelu:
			h = gi.Add(gh).Relu()
		case cellLSTM:
			a := gi.Add(gh)
			c = gate(a, 1).Sigmoid().Mul(c).Add(gate(a, 0).Sigmoid().Mul(gate(a, 2).Tanh()))
			h = gate(a, 3).Sigmoid().Mul(c.Tanh())
			cs[t] = c
		case cellGRU:
			r := gate(gi, 0).Add(gate(gh, 0)).Sigmoid()
			z := gate(gi, 1).Add(gate(gh, 1)).Sigmoid()
			n := gate(gi, 2).Add(r.Mul(gate(gh, 2))).Tanh()
			h = n.Add(z.Mul(h.Sub(n)))
		}
		hs[t] = h
	}
	states := []*tensor.Tensor{tensor.Stack(hs, 0)}
	if f.kind == cellLSTM {
		states = append(states, tensor.Stack(cs, 0))
	}
	return tensor.Stack(states, 0)
}
