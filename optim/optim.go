// Package optim holds gograd's optimizers, the counterpart of torch.optim: SGD
// (with momentum, dampening, Nesterov momentum and weight decay), Adam (with
// AMSGrad and L2 weight decay) and AdamW (with decoupled weight decay).
//
// # Overview
//
// An optimizer holds a list of parameters. Step updates each parameter from the
// gradient that Backward left in its Grad; ZeroGrad clears the gradients before
// the next backward pass:
//
//	opt := optim.NewAdam(model.Parameters(), optim.AdamOptions{LR: 1e-3})
//	for range steps {
//		opt.ZeroGrad()
//		loss := nn.MSELoss{}.Forward(model.Forward(x), y)
//		loss.Backward()
//		opt.Step()
//	}
//
// # Matching PyTorch
//
// Each Step follows torch.optim 1.13's single-tensor (for-loop) implementation
// formula for formula, in the parameter's own precision and in PyTorch's order of
// rounding, including which operations PyTorch fuses into one multiply-add: a
// float64 model trained here agrees with PyTorch's to about 1e-15 relative, a
// float32 model to a few float32 ulps (the gradients themselves differ that much,
// since matrix products sum in a different order). The golden tests in this
// package check every parameter after every step against PyTorch.
//
// # Invariants
//
// Step changes parameters in place without recording anything for autograd, and
// allocates nothing after a parameter's first step: state (momentum buffers,
// moment estimates) is allocated at the first step that parameter has a gradient,
// as in PyTorch, and kept. Parameters whose Grad is nil are skipped, and their
// state does not advance. Float32 and float64 parameters may be mixed.
//
// # Panics
//
// Invalid options (a negative learning rate, Nesterov momentum without momentum,
// a beta outside [0, 1)) and invalid parameter lists (empty, a non-leaf, an int64
// tensor, the same tensor twice) panic in the constructor with a *tensor.Error
// whose Pkg is "optim", with PyTorch's message where it has one; tensor.Maybe turns
// such panics into an error. Step panics the same way if a gradient's dtype
// differs from its parameter's.
package optim

import (
	"math"
	"slices"
	"unsafe"

	"github.com/gograd/gograd/internal/access"
	"github.com/gograd/gograd/tensor"
)

// Optimizer updates parameters from their gradients.
type Optimizer interface {
	// Step updates every parameter that has a gradient.
	Step()
	// ZeroGrad sets every parameter's gradient to nil (PyTorch's
	// zero_grad(set_to_none=True)).
	ZeroGrad()
}

func fail(op, format string, args ...any) {
	panic(tensor.Errorf("optim", op, format, args...))
}

// checkParams returns a copy of params after checking that the list is a valid
// set of parameters for the optimizer made by op.
func checkParams(op string, params []*tensor.Tensor) []*tensor.Tensor {
	if len(params) == 0 {
		fail(op, "optimizer got an empty parameter list")
	}
	for i, p := range params {
		switch {
		case p == nil:
			fail(op, "parameter %d is nil", i)
		case !p.IsLeaf():
			fail(op, "can't optimize a non-leaf Tensor (parameter %d, shape %v, made by %v)", i, p.Shape(), p.GradFn())
		case !p.DType().IsFloat():
			fail(op, "parameter %d has dtype %v; only float tensors can be optimized", i, p.DType())
		case slices.Contains(params[:i], p):
			fail(op, "parameter %d (shape %v) appears more than once in the list", i, p.Shape())
		}
	}
	return slices.Clone(params)
}

// checkLR panics unless lr is a valid learning rate (>= 0, as PyTorch checks).
func checkLR(op string, lr float64) {
	if !(lr >= 0) {
		fail(op, "Invalid learning rate: %v", lr)
	}
}

// checkWeightDecay panics unless wd >= 0.
func checkWeightDecay(op string, wd float64) {
	if !(wd >= 0) {
		fail(op, "Invalid weight_decay value: %v", wd)
	}
}

// grad returns p's gradient, nil if it has none, panicking if its dtype differs
// from p's.
func grad(op string, p *tensor.Tensor) *tensor.Tensor {
	g, _ := access.PeekGrad(p).(*tensor.Tensor) // read during Step only: ZeroGrad may recycle it
	if g != nil && g.DType() != p.DType() {
		fail(op, "gradient dtype %v differs from parameter dtype %v (shape %v)", g.DType(), p.DType(), p.Shape())
	}
	if g != nil {
		g = g.Contiguous() // a gradient set by SetGrad may be a strided view
	}
	return g
}

// zeroGrad sets each parameter's gradient to nil.
func zeroGrad(params []*tensor.Tensor) {
	for _, p := range params {
		p.SetGrad(nil)
	}
}

// fma returns x*y + z, the fused multiply-add that PyTorch's vectorised CPU
// kernels use for add(other, alpha) and addcmul: rounded once for float64 (one FMA
// instruction). For float32 it is a float32 multiply then add, within an ulp of the
// fused result: going through float64 to fuse it costs 2-3× on amd64, where each
// CVTSS2SD carries a false dependency from one element to the next (optim
// BenchmarkStep/SGDMomentum/float32: 4.7 µs -> 1.7 µs per 1024 elements).
func fma[T float32 | float64](x, y, z T) T { return fmaC(x, float64(y), z) }

// fmaC is fma with a coefficient y already in float64, holding a value of T's
// precision (see coef). The conversion of the float32 product keeps the compiler
// from fusing it where it may (arm64, GOAMD64=v3), so that every platform, and
// internal/vec's kernels, round alike.
func fmaC[T float32 | float64](x T, y float64, z T) T {
	if unsafe.Sizeof(x) == 4 {
		return T(x*T(y)) + z
	}
	return T(math.FMA(float64(x), y, float64(z)))
}

// coef returns c rounded to T's precision, as PyTorch casts a Python scalar to
// the tensor's dtype, held in a float64 for fmaC.
func coef[T float32 | float64](c float64) float64 { return float64(T(c)) }

// sqrt returns the square root of v, correctly rounded to T.
func sqrt[T float32 | float64](v T) T { return T(math.Sqrt(float64(v))) }
