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

// Free returns the storage of a *tensor.Tensor to the tensor package's pool at
// once. The caller guarantees that nothing references the tensor or its storage
// any more: no variable, view, or node of a graph.
var Free func(t any)

// Uninit returns a new *tensor.Tensor of the tensor.DType dt and the given
// shape whose float elements are undefined (NaN when pooled buffers are
// poisoned), for a kernel that writes every element before it reads one: it
// saves clearing storage that is overwritten at once. The shape is not kept.
var Uninit func(dt any, shape []int) any

// FreeWithGraph returns the storage of the *tensor.Tensor t to the pool once a
// backward pass that does not retain the graph has gone through out's graph
// (Backward, not Grad), or at once if out has no graph. The caller guarantees
// that only nodes of out's graph hold t, directly or through views.
var FreeWithGraph func(out, t any)

// Checkpoint records a checkpointed segment for autograd.Checkpoint: run(false,
// inputs) computes it the first time and run(true, in) again in backward (on the
// same inputs, or on detached copies of them when reentrant), each returning a
// *tensor.Tensor; inputs are *tensor.Tensor values. It returns the segment's
// result, a *tensor.Tensor.
var Checkpoint func(run func(again bool, inputs []any) any, inputs []any, reentrant bool) any
