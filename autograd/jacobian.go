package autograd

import (
	"github.com/gograd/gograd/tensor"
)

// Jacobian returns the Jacobian of f at inputs (the counterpart of
// torch.autograd.functional.jacobian): jac[i][j] is the derivative of output i
// with respect to input j, of shape output i's shape followed by input j's. Rows
// of outputs that do not depend on an input are zeros (Strict panics instead).
// With Vectorize, one backward pass computes every row (see Options.Vectorize);
// without it, one pass per output element does. Jacobian panics on the misuse
// torch's jacobian rejects, and if Strict and Vectorize are both set.
func Jacobian(f Func, inputs []*tensor.Tensor, opts ...Options) [][]*tensor.Tensor {
	return jacobian("Jacobian", f, inputs, options("Jacobian", opts))
}

func jacobian(op string, f Func, inputs []*tensor.Tensor, o Options) [][]*tensor.Tensor {
	if o.Strict && o.Vectorize {
		fail(op, "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not supported together. "+
			"Please either set `strict=False` or `vectorize=False`.")
	}
	var jac [][]*tensor.Tensor
	tensor.EnableGrad(func() {
		in := prepare(op, inputs, o.CreateGraph)
		if o.Vectorize {
			jac = vectorJacobian(op, f, in, o.CreateGraph)
			return
		}
		outs := call(op, f, in, o.Strict)
		jac = make([][]*tensor.Tensor, len(outs))
		for i, out := range outs {
			rows := make([][]*tensor.Tensor, len(in)) // rows[j][k]: d out[k] / d in[j]
			for k := range out.Numel() {
				var g []*tensor.Tensor
				if out.RequiresGrad() {
					g = tensor.Grad([]*tensor.Tensor{out}, in, tensor.GradOptions{
						GradOutputs: []*tensor.Tensor{oneHot(out, k)},
						RetainGraph: true, CreateGraph: o.CreateGraph, AllowUnused: true,
					})
				} else {
					g = make([]*tensor.Tensor, len(in))
				}
				for j, gj := range g {
					switch {
					case gj != nil && o.Strict && o.CreateGraph && !gj.RequiresGrad():
						fail(op, "The jacobian of the user-provided function is independent of input %d. "+
							"This is not allowed in strict mode when create_graph=True.", i)
					case gj == nil && o.Strict:
						fail(op, "Output %d of the user-provided function is independent of input %d. "+
							"This is not allowed in strict mode.", i, j)
					case gj == nil:
						gj = tensor.ZerosLike(in[j])
					}
					rows[j] = append(rows[j], gj)
				}
			}
			jac[i] = make([]*tensor.Tensor, len(in))
			for j := range in {
				shape := append(append([]int{}, out.Shape()...), in[j].Shape()...)
				jac[i][j] = stack(rows[j], in[j]).Reshape(shape...)
			}
		}
	})
	for i := range jac {
		jac[i] = postprocess(jac[i], o.CreateGraph)
	}
	return jac
}

// vectorJacobian computes the Jacobian with one call of f and one backward pass
// (PyTorch's vmap over vjp): the gradients of the outputs are seeded with an
// m×m identity, m the number of output elements, split among the outputs along
// a leading batch dim, and tensor.Grad with IsGradsBatched carries all m rows
// through the graph at once; row r of input j's gradient is then row r of the
// Jacobian.
func vectorJacobian(op string, f Func, in []*tensor.Tensor, create bool) [][]*tensor.Tensor {
	outs := call(op, f, in, false)
	m := 0
	for _, out := range outs {
		m += out.Numel()
	}
	var gouts, seeds []*tensor.Tensor
	off := 0
	for _, out := range outs {
		n := out.Numel()
		if out.RequiresGrad() {
			gouts = append(gouts, out)
			seeds = append(seeds, identityBlock(out.DType(), m, off, n).Reshape(append([]int{m}, out.Shape()...)...))
		}
		off += n
	}
	g := make([]*tensor.Tensor, len(in))
	if len(gouts) > 0 && m > 0 {
		g = tensor.Grad(gouts, in, tensor.GradOptions{GradOutputs: seeds, IsGradsBatched: true, CreateGraph: create, AllowUnused: true})
	}
	jac := make([][]*tensor.Tensor, len(outs))
	off = 0
	for i, out := range outs {
		n := out.Numel()
		jac[i] = make([]*tensor.Tensor, len(in))
		for j, x := range in {
			shape := append(append([]int{}, out.Shape()...), x.Shape()...)
			if g[j] == nil {
				jac[i][j] = x.DType().Zeros(shape...)
				continue
			}
			jac[i][j] = g[j].Narrow(0, off, n).Reshape(shape...)
		}
		off += n
	}
	return jac
}

// identityBlock returns rows off..off+n of the m×m identity as an n-column
// block: an m×n matrix with ones at (off+k, k).
func identityBlock(dt tensor.DType, m, off, n int) *tensor.Tensor {
	v := make([]float64, m*n)
	for k := range n {
		v[(off+k)*n+k] = 1
	}
	return tensor.New(v, m, n).To(dt)
}

// oneHot returns a tensor of t's shape and dtype, zero but for a one at flat
// position k.
func oneHot(t *tensor.Tensor, k int) *tensor.Tensor {
	v := make([]float64, t.Numel())
	v[k] = 1
	return tensor.New(v).Reshape(t.Shape()...).To(t.DType())
}
