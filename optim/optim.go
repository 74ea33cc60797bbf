// Package optim holds gograd's optimizers, the counterpart of torch.optim: SGD,
// Adam, AdamW, Adamax, NAdam, RAdam, RMSprop, Adagrad, Adadelta, ASGD, Rprop
// and LBFGS, each with every option torch.optim 1.13 has. Learning-rate
// schedulers are in optim/sched.
//
// # Overview
//
// An optimizer holds parameter groups: lists of parameters, each with its own
// options. The constructor makes the first group; AddParamGroup adds more.
// Step updates each parameter from the gradient that Backward left in its
// Grad; ZeroGrad clears the gradients before the next backward pass:
//
//	opt := optim.NewAdam(model.Parameters(), optim.AdamOptions{LR: 1e-3})
//	for range steps {
//		opt.ZeroGrad()
//		loss := nn.MSELoss{}.Forward(model.Forward(x), y)
//		loss.Backward()
//		opt.Step()
//	}
//
// LBFGS's Step takes a closure that re-evaluates the loss, as PyTorch's does.
//
// StateDict returns an optimizer's state in PyTorch's layout (per-parameter
// state by index, then param_groups) and LoadStateDict restores it, so a run
// can be checkpointed and resumed exactly (see Stateful).
//
// # Matching PyTorch
//
// Each Step follows torch.optim 1.13's single-tensor (for-loop) implementation
// formula for formula, in the parameter's own precision and in PyTorch's order of
// rounding, including which operations PyTorch fuses into one multiply-add: a
// float64 model trained here agrees with PyTorch's to about 1e-14 relative, a
// float32 model to a few float32 ulps (float32 add-with-alpha is a multiply
// then an add here, within an ulp of PyTorch's fused result). State that PyTorch keeps in float32 tensors whatever the
// parameter's dtype (NAdam's μ product, ASGD's η and μ) is rounded to float32
// here too. The golden tests in this package check every parameter and every
// state entry against PyTorch, step after step.
//
// # PyTorch options with no counterpart
//
// foreach (PyTorch's multi-tensor implementation) is a speed option that does
// not change the results. Here the default configurations of SGD, Adam,
// AdamW, NAdam, RAdam, RMSprop, Adagrad, Adadelta and ASGD run a fused kernel
// (internal/vec: one pass over each parameter and its state, AVX-512 or AVX2
// with a pure-Go fallback, giving the general loop's bits); Adamax and Rprop
// run their loops. Each step was measured faster than PyTorch 1.13's with
// foreach=True on an MLP's parameters (bench/compare.py --only optim). capturable (Adam, AdamW) and fused (Adam) are CUDA-only in 1.13 (CUDA
// graph capture and a fused CUDA kernel) and have no meaning on the CPU.
//
// # Differentiable steps
//
// SGD, Adam and RMSprop take Differentiable (PyTorch 1.13's differentiable):
// Step then writes the update with recorded tensor ops in grad mode, as
// PyTorch's single-tensor functions do, instead of the fused kernels, so a
// loss computed after the step can be differentiated through it, back to
// whatever the parameters, their gradients (set with SetGrad, possibly made
// with tensor.Grad's CreateGraph) and the state came from. Such a group may
// hold non-leaf parameters, which is how this is used:
//
//	p := w.MulScalar(1) // a non-leaf copy of the meta-parameter w
//	opt := optim.NewSGD([]*tensor.Tensor{p}, optim.SGDOptions{LR: 0.1, Differentiable: true})
//	p.SetGrad(innerGrad)  // a function of w
//	opt.Step()            // p = p - 0.1·innerGrad, recorded
//	outer(p).Backward()   // w.Grad() holds the gradient through the step
//
// The parameter is updated in place (its history continues); the state
// tensors are replaced by new ones each step. A leaf parameter that requires
// grad cannot be updated by a recorded in-place op (the tensor package
// panics, as PyTorch does). Goldens against PyTorch's differentiable=True:
// TestDifferentiableGolden.
//
// # Invariants
//
// Step changes parameters in place without recording anything for autograd, and
// allocates nothing after a parameter's first step (LBFGS excepted): state
// (momentum buffers, moment estimates) is allocated at the first step that
// parameter has a gradient, as in PyTorch, and kept (Adagrad's at
// construction, as in PyTorch). Parameters whose Grad is nil are skipped, and
// their state does not advance. Float32 and float64 parameters may be mixed.
//
// # Panics
//
// Invalid options (a negative learning rate, Nesterov momentum without momentum,
// a beta outside [0, 1)) and invalid parameter lists (empty, a non-leaf, an int64
// tensor, the same tensor twice or in two groups) panic in the constructor and
// AddParamGroup with a *tensor.Error whose Pkg is "optim", with PyTorch's
// message where it has one; tensor.Maybe turns such panics into an error. Step
// panics the same way if a gradient's dtype differs from its parameter's.
// LoadStateDict returns an error for a state dict that does not fit, and
// changes nothing then.
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

// Stateful is implemented by optimizers and learning-rate schedulers: their
// state as a tree of plain values in PyTorch's layout (state_dict) and back
// (load_state_dict). The values in the tree are only *tensor.Tensor, float64,
// int, bool, string, nil, []int, []float64, []any, map[string]any and
// map[int]map[string]any, so that a checkpoint writer can store it.
type Stateful interface {
	// StateDict returns the state; tensors in it are copies.
	StateDict() map[string]any
	// LoadStateDict replaces the state with sd's. It returns an error, and
	// changes nothing, if sd does not fit.
	LoadStateDict(sd map[string]any) error
}

// Groups is what a learning-rate scheduler needs of an optimizer: its
// parameter groups' learning rates. Every optimizer in this package has it.
type Groups interface {
	// NumParamGroups returns the number of parameter groups.
	NumParamGroups() int
	// LR returns the learning rate of group i.
	LR(i int) float64
	// SetLR sets the learning rate of group i.
	SetLR(i int, lr float64)
	// GroupExtra returns a value a scheduler keeps in group i under key
	// (PyTorch's param_groups[i][key], such as "initial_lr"), and whether
	// there is one.
	GroupExtra(i int, key string) (float64, bool)
	// SetGroupExtra stores such a value.
	SetGroupExtra(i int, key string, v float64)
}

// MomentumGroups is a Groups whose groups have a momentum (β1 for the Adam
// family), which cyclic schedulers vary.
type MomentumGroups interface {
	Groups
	// Momentum returns group i's momentum, and false if the optimizer has none.
	Momentum(i int) (float64, bool)
	// SetMomentum sets group i's momentum.
	SetMomentum(i int, m float64)
	// HasBetas reports whether the momentum is β1 of betas (the Adam family).
	HasBetas() bool
}

func fail(op, format string, args ...any) {
	panic(tensor.Errorf("optim", op, format, args...))
}

// checkParams returns a copy of params after checking that the list is a valid
// set of parameters for the optimizer made by op.
func checkParams(op string, params []*tensor.Tensor, nonLeaf bool) []*tensor.Tensor {
	if len(params) == 0 {
		fail(op, "optimizer got an empty parameter list")
	}
	for i, p := range params {
		switch {
		case p == nil:
			fail(op, "parameter %d is nil", i)
		case !p.IsLeaf() && !nonLeaf:
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

// f32s returns t's float32 values, nil for a nil t.
func f32s(t *tensor.Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.Float32s()
}

// f64s returns t's float64 values, nil for a nil t.
func f64s(t *tensor.Tensor) []float64 {
	if t == nil {
		return nil
	}
	return t.Float64s()
}

// addcmul returns self + value·a·b as torch's addcmul rounds it: value·a
// rounded, then a multiply-add (see fma).
func addcmul[T float32 | float64](self, value, a, b T) T {
	return fma(T(value*a), b, self)
}

// addcdiv returns self + value·a/b as torch's addcdiv rounds it:
// self + (value·a)/b, each step rounded.
func addcdiv[T float32 | float64](self, value, a, b T) T {
	return self + T(value*a)/b
}

// b2u returns 1 for true and 0 for false, without a branch.
func b2u(b bool) uint64 {
	var u uint64
	if b {
		u = 1
	}
	return u
}

// signed returns -g when maximize is set, else g.
func signed[T float32 | float64](g T, maximize bool) T {
	if maximize {
		return -g
	}
	return g
}

// Every optimizer is an Optimizer (but LBFGS, whose Step takes a closure), is
// Stateful and has Groups; those with a momentum or betas have MomentumGroups.
var (
	_ = []interface {
		Optimizer
		Stateful
		Groups
	}{(*SGD)(nil), (*Adam)(nil), (*AdamW)(nil), (*Adamax)(nil), (*NAdam)(nil), (*RAdam)(nil),
		(*RMSprop)(nil), (*Adagrad)(nil), (*Adadelta)(nil), (*ASGD)(nil), (*Rprop)(nil)}
	_ = []MomentumGroups{(*SGD)(nil), (*Adam)(nil), (*AdamW)(nil), (*Adamax)(nil), (*NAdam)(nil),
		(*RAdam)(nil), (*RMSprop)(nil)}
	_ = []interface {
		Stateful
		Groups
	}{(*LBFGS)(nil)}
)

// forceLoop makes Adagrad, RMSprop, Adadelta, ASGD, NAdam, RAdam and Adamax
// run their general loops where they would call internal/vec's fused kernels,
// so that fast_test.go can compare the two.
var forceLoop bool
