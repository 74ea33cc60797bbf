// Package autograd holds what torch.autograd and its neighbours offer on top of
// the engine in package tensor: the functional transforms of
// torch.autograd.functional (Jacobian, Hessian, VJP, JVP, HVP, VHP) over Go
// functions of tensors; per-example gradients of Linear/MLP models
// (PerSampleGrads, functorch's vmap(grad)); and activation checkpointing
// (Checkpoint, torch.utils.checkpoint). Forward-mode AD (DualLevel, MakeDual,
// UnpackDual) lives in package tensor, since every op carries it.
//
// It is a package of its own, named as PyTorch's module, so that a PyTorch user
// finds autograd.Jacobian where torch.autograd.functional.jacobian is; it is
// built on tensor's public API (Grad with CreateGraph), as the PyTorch
// functions are built on torch.autograd.grad.
//
// # Panics
//
// Misuse (strict-mode violations, vectors of the wrong shape, a function that
// returns nothing) panics with a *tensor.Error whose Pkg is "autograd" and whose
// message is PyTorch's; tensor.Maybe turns it into an error.
package autograd
