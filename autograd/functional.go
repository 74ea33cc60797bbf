package autograd

import (
	"slices"

	"github.com/gograd/gograd/tensor"
)

// Func is a function of tensors that the functional transforms differentiate:
// inputs in, outputs out, computed with tensor ops.
type Func func(inputs ...*tensor.Tensor) []*tensor.Tensor

// Single turns a function of one tensor to one tensor into a Func.
func Single(f func(x *tensor.Tensor) *tensor.Tensor) Func {
	return func(in ...*tensor.Tensor) []*tensor.Tensor { return []*tensor.Tensor{f(in[0])} }
}

// Options adjusts the functional transforms, as the keyword arguments of
// torch.autograd.functional do.
type Options struct {
	// CreateGraph records the computation of the result, so that it can be
	// differentiated again; the results then require grad when the inputs do.
	// Without it, the results (and returned function outputs) are detached.
	CreateGraph bool
	// Strict panics when an output does not depend on an input (or, with
	// CreateGraph, when a derivative does not require grad), instead of
	// returning zeros for it.
	Strict bool
	// Vectorize (Jacobian and Hessian only) computes all rows of the Jacobian
	// with one backward pass instead of one per output element, as PyTorch's
	// vmap-based vectorize does: f is called once, and tensor.Grad with
	// IsGradsBatched carries the rows of an identity through the graph as one
	// batch. Nodes whose derivative has a batched form compute all rows at once;
	// others, one row at a time within the same pass (see tensor.GradOptions).
	// Vectorize cannot be combined with Strict, as in PyTorch.
	Vectorize bool
}

func options(op string, opts []Options) Options {
	if len(opts) > 1 {
		fail(op, "at most one Options, got %d", len(opts))
	}
	if len(opts) == 1 {
		return opts[0]
	}
	return Options{}
}

func fail(op, format string, args ...any) {
	panic(tensor.Errorf("autograd", op, format, args...))
}

// prepare returns the tensors f is called on: views of inputs that require grad
// with CreateGraph (so that the result's graph reaches them), else detached
// leaves that require grad (torch's _grad_preprocess).
func prepare(op string, inputs []*tensor.Tensor, create bool) []*tensor.Tensor {
	if len(inputs) == 0 {
		fail(op, "got no inputs")
	}
	out := make([]*tensor.Tensor, len(inputs))
	for i, in := range inputs {
		if in == nil {
			panic(tensor.NewError(tensor.ErrNil, "autograd", op, "input %d is nil", i))
		}
		if !in.DType().IsFloat() {
			panic(tensor.NewError(tensor.ErrDType, "autograd", op, "input %d has dtype %v; the functional transforms need float inputs", i, in.DType()))
		}
		if create && in.RequiresGrad() {
			out[i] = in.View(in.Shape()...)
		} else {
			out[i] = in.Detach().SetRequiresGrad(true)
		}
	}
	return out
}

// call runs f and checks its outputs: non-nil, and with strict, requiring grad.
func call(op string, f Func, inputs []*tensor.Tensor, strict bool) []*tensor.Tensor {
	outs := f(inputs...)
	if len(outs) == 0 {
		fail(op, "the user-provided function returned no outputs")
	}
	for i, o := range outs {
		if o == nil {
			panic(tensor.NewError(tensor.ErrNil, "autograd", op, "output %d of the user-provided function is nil", i))
		}
		if strict && !o.RequiresGrad() {
			fail(op, "Output %d of the user-provided function does not require gradients. "+
				"The outputs must be computed in a differentiable manner from the input when running in strict mode.", i)
		}
	}
	return outs
}

// postprocess detaches ts unless create is set (torch's _grad_postprocess).
func postprocess(ts []*tensor.Tensor, create bool) []*tensor.Tensor {
	if create {
		return ts
	}
	out := make([]*tensor.Tensor, len(ts))
	for i, t := range ts {
		if t != nil {
			out[i] = t.Detach()
		}
	}
	return out
}

// grad is torch's _autograd_grad: the gradients of the outputs that require
// grad (with their grad outputs) with respect to inputs, nil for unused inputs.
func grad(outputs, gradOutputs, inputs []*tensor.Tensor, create, retain bool) []*tensor.Tensor {
	var outs, gos []*tensor.Tensor
	for i, o := range outputs {
		if o.RequiresGrad() {
			outs = append(outs, o)
			gos = append(gos, gradOutputs[i])
		}
	}
	if len(outs) == 0 {
		return make([]*tensor.Tensor, len(inputs))
	}
	return tensor.Grad(outs, inputs, tensor.GradOptions{GradOutputs: gos, CreateGraph: create, RetainGraph: retain || create, AllowUnused: true})
}

// fillZeros replaces nil gradients by zeros like their inputs, or panics in strict
// mode (torch's _fill_in_zeros); stage names the computation for the message.
func fillZeros(op string, grads, inputs []*tensor.Tensor, strict bool, stage string) []*tensor.Tensor {
	for i, g := range grads {
		if g != nil {
			continue
		}
		if strict {
			switch stage {
			case "back":
				fail(op, "The output of the user-provided function is independent of input %d. This is not allowed in strict mode.", i)
			case "back_trick":
				fail(op, "The gradient with respect to the input is independent of entry %d in the grad_outputs when using the double backward trick to compute forward mode gradients. This is not allowed in strict mode.", i)
			case "double_back":
				fail(op, "The jacobian of the user-provided function is independent of input %d. This is not allowed in strict mode.", i)
			default: // double_back_trick
				fail(op, "The hessian of the user-provided function is independent of entry %d in the grad_jacobian. This is not allowed in strict mode as it prevents from using the double backward trick to replace forward mode AD.", i)
			}
		}
		grads[i] = tensor.ZerosLike(inputs[i])
	}
	return grads
}

// checkV panics unless v has one tensor per reference tensor, each of its shape;
// a nil v is allowed (and replaced by ones) only for one one-element reference.
func checkV(op string, v, ref []*tensor.Tensor, what string) []*tensor.Tensor {
	if v == nil {
		if len(ref) != 1 || ref[0].Numel() != 1 {
			fail(op, "The vector v can only be None if the %s is a single Tensor with a single element.", what)
		}
		return []*tensor.Tensor{tensor.OnesLike(ref[0])}
	}
	if len(v) != len(ref) {
		fail(op, "v has %d tensors while the %s has %d", len(v), what, len(ref))
	}
	for i := range v {
		if v[i] == nil {
			panic(tensor.NewError(tensor.ErrNil, "autograd", op, "v[%d] is nil", i))
		}
		if !slices.Equal(v[i].Shape(), ref[i].Shape()) {
			panic(tensor.NewError(tensor.ErrShape, "autograd", op,
				"Mismatch in shape: entry %d in v has a shape of %v while the %s's entry has a shape of %v", i, v[i].Shape(), what, ref[i].Shape()))
		}
	}
	return v
}

// VJP returns f's outputs at inputs and the vector-Jacobian product vᵀ·J, one
// tensor per input (the counterpart of torch.autograd.functional.vjp). v holds
// one tensor per output, of its shape; it may be nil when f has one one-element
// output. It panics on the misuse torch's vjp rejects.
func VJP(f Func, inputs, v []*tensor.Tensor, opts ...Options) (outputs, vjp []*tensor.Tensor) {
	const op = "VJP"
	o := options(op, opts)
	var res []*tensor.Tensor
	tensor.EnableGrad(func() {
		in := prepare(op, inputs, o.CreateGraph)
		outputs = call(op, f, in, o.Strict)
		v = checkV(op, v, outputs, "output of the user-provided function")
		res = fillZeros(op, grad(outputs, v, in, o.CreateGraph, false), in, o.Strict, "back")
	})
	return postprocess(outputs, o.CreateGraph), postprocess(res, o.CreateGraph)
}

// JVP returns f's outputs at inputs and the Jacobian-vector product J·v, one
// tensor per output (the counterpart of torch.autograd.functional.jvp, computed,
// as there, with the double backward trick). v holds one tensor per input, of its
// shape; it may be nil for one one-element input.
func JVP(f Func, inputs, v []*tensor.Tensor, opts ...Options) (outputs, jvp []*tensor.Tensor) {
	const op = "JVP"
	o := options(op, opts)
	var res []*tensor.Tensor
	tensor.EnableGrad(func() {
		in := prepare(op, inputs, o.CreateGraph)
		v = checkV(op, v, in, "input")
		outputs = call(op, f, in, o.Strict)
		// u is a dummy grad output: vᵀ·(∂(uᵀJ)/∂u) = J·v.
		u := make([]*tensor.Tensor, len(outputs))
		for i, out := range outputs {
			u[i] = tensor.ZerosLike(out).SetRequiresGrad(true)
		}
		gi := fillZeros(op, grad(outputs, u, in, true, false), in, o.Strict, "back")
		res = fillZeros(op, grad(gi, v, u, o.CreateGraph, false), outputs, o.Strict, "back_trick")
	})
	return postprocess(outputs, o.CreateGraph), postprocess(res, o.CreateGraph)
}

// scalarOutput runs f and checks that it returns one one-element tensor, as
// Hessian, VHP and HVP need.
func scalarOutput(op string, f Func, in []*tensor.Tensor, strict bool) *tensor.Tensor {
	outs := call(op, f, in, strict)
	if len(outs) != 1 || outs[0].Numel() != 1 {
		fail(op, "The function given to %s should return a single Tensor with a single element, got %d outputs", op, len(outs))
	}
	return outs[0]
}

// VHP returns f's output at inputs and the vector-Hessian product vᵀ·H, for f
// returning one one-element tensor (torch.autograd.functional.vhp). v holds one
// tensor per input; it may be nil for one one-element input.
func VHP(f Func, inputs, v []*tensor.Tensor, opts ...Options) (output *tensor.Tensor, vhp []*tensor.Tensor) {
	return hessianProduct("VHP", f, inputs, v, options("VHP", opts), false)
}

// HVP returns f's output at inputs and the Hessian-vector product H·v, for f
// returning one one-element tensor (torch.autograd.functional.hvp, computed, as
// there, with the double backward trick). v holds one tensor per input; it may be
// nil for one one-element input.
func HVP(f Func, inputs, v []*tensor.Tensor, opts ...Options) (output *tensor.Tensor, hvp []*tensor.Tensor) {
	return hessianProduct("HVP", f, inputs, v, options("HVP", opts), true)
}

func hessianProduct(op string, f Func, inputs, v []*tensor.Tensor, o Options, trick bool) (*tensor.Tensor, []*tensor.Tensor) {
	var out *tensor.Tensor
	var res []*tensor.Tensor
	tensor.EnableGrad(func() {
		in := prepare(op, inputs, o.CreateGraph)
		v = checkV(op, v, in, "input")
		out = scalarOutput(op, f, in, o.Strict)
		jac := fillZeros(op, grad([]*tensor.Tensor{out}, []*tensor.Tensor{nil}, in, true, false), in, o.Strict, "double_back")
		if !trick {
			res = fillZeros(op, grad(jac, v, in, o.CreateGraph, false), in, o.Strict, "double_back")
			return
		}
		u := make([]*tensor.Tensor, len(in))
		for i, x := range in {
			u[i] = tensor.ZerosLike(x).SetRequiresGrad(true)
		}
		back := fillZeros(op, grad(jac, u, in, true, false), in, o.Strict, "double_back")
		res = fillZeros(op, grad(back, v, u, o.CreateGraph, false), in, o.Strict, "double_back_trick")
	})
	return postprocess([]*tensor.Tensor{out}, o.CreateGraph)[0], postprocess(res, o.CreateGraph)
}
