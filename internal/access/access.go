// Package access lets gograd's own packages reach tensor state that is not part of
// the public API. Package tensor sets the functions when it is initialised; this
// package imports nothing, so that tensor can import it.
package access

// PeekGrad returns the gradient of a *tensor.Tensor, as a *tensor.Tensor (nil if it
// has none), without handing it over: the caller reads it during the call and
// keeps no reference, so the tensor package may still recycle the gradient's
// memory when it is cleared. Optimizers read gradients this way; Tensor.Grad hands
// them over.
var PeekGrad func(t any) any
