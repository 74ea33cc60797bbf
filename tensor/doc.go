// Package tensor holds gograd's Tensor, the autograd engine and the
// differentiable operations: the counterpart of torch.Tensor and torch.autograd.
//
// # Overview
//
// A Tensor is an n-dimensional array (any rank, including 0-d scalars) of float32
// (the default, as in PyTorch), float64, int64 or bool values: a view of a
// storage with sizes, strides and an offset, as in PyTorch. Ops make contiguous
// (row-major) tensors; view ops (View, Transpose, Narrow, Expand, Select, Slice,
// ...) return tensors sharing their input's storage, which writes go through.
// Comparisons return bool tensors; ops on mixed dtypes promote as PyTorch does
// (ResultType). On int64 and bool tensors the ops do what PyTorch 1.13 does:
// integer results where it keeps the integer dtype (Neg, Abs, Pow(2), Clamp,
// Prod, MatMul, ...), float32 where it promotes (Exp, Sqrt, Div, Pow(2.5), ...),
// and a panic of kind ErrDType where it refuses (Mean, Softmax, Gelu, ...).
// Creation functions make float32 tensors; the same functions as
// methods of a DType make other types:
//
//	x := tensor.New([]float32{1, 2, 3, 4}, 2, 2)
//	w := tensor.Randn(5, 3).SetRequiresGrad(true)
//	d := tensor.Float64.Zeros(2, 3)
//
// Operations are methods returning new tensors (x.Add(y), x.MatMul(y), x.Sum(1))
// and follow PyTorch's names, broadcasting rules and numbers.
//
// # Autograd
//
// When any input of an op requires grad, the op records a Node in the graph: the
// result's GradFn, named as in PyTorch (MulBackward0, AddBackward0, ...), whose
// NextFunctions lead back to AccumulateGrad nodes, one per leaf. Backward walks the
// graph from a result to every leaf and adds the gradients into the leaves' Grad.
// The graph is built as the code runs, so Go loops and branches need nothing
// special. Grad returns gradients without touching Grad fields; with CreateGraph
// the backward pass is itself recorded, for higher-order derivatives. Function and
// Apply let other packages define ops with their own backward; GradCheck and
// GradGradCheck test such definitions against finite differences.
//
// # Invariants
//
//   - Backward runs nodes in decreasing creation order, iteratively (graphs of any
//     depth), and is deterministic: the same program gives bit-identical gradients.
//   - Gradients of broadcast inputs are summed down to the input's shape.
//   - After a backward pass the values a graph saved are released, unless
//     RetainGraph or CreateGraph was set.
//   - A node keeps tensors only as saved values (an op table entry's declaration,
//     or Node.save), each with its storage's version counter, which every in-place
//     write bumps; backward panics if a saved value was modified since.
//   - Float32s, Float64s and Int64s hand out the storage of contiguous tensors
//     only; they panic on a strided view (call Contiguous first).
//   - Grad mode belongs to the goroutine: NoGrad in one goroutine never stops
//     another from recording. Separate goroutines may build and run separate graphs
//     at the same time, even when the graphs share leaves.
//
// # Panics
//
// Misuse panics with a *Error whose message names the package, the op and the
// shapes, for example "tensor: Mul: shapes [2 3] and [3 2] do not broadcast":
// shapes that do not broadcast, dims out of range, mismatched dtypes, Backward on a
// tensor that does not require grad or on a many-element tensor without a gradient,
// a second backward through a freed graph. Maybe turns such panics into an error
// that keeps the stack of the panic. The *Error carries its Op and Shapes as fields
// and unwraps to its kind (ErrShape, ErrDim, ErrIndex, ErrDType, ErrFreedGraph,
// ErrNil, ErrInvalid), for errors.Is.
//
// # Special cases
//
// NaN and ±Inf flow through ops as IEEE 754 arithmetic makes them; Relu and Maximum
// propagate NaN as PyTorch does.
package tensor
