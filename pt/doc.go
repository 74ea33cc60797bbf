// Package pt reads and writes the files torch.save writes (.pt, .pth): PyTorch
// state dicts, and checkpoints that hold one beside an optimizer's state and
// other values. Load is the counterpart of torch.load for a state dict, for
// nn.LoadStateDict; Save writes a state dict that torch.load reads back exactly.
//
// # Format
//
// torch.save writes a zip archive (stored, not compressed) with one folder:
//
//	<dir>/data.pkl     the object, pickled (protocol 2); each tensor is a call of
//	                   torch._utils._rebuild_tensor_v2(storage, offset, size,
//	                   stride, requires_grad, hooks) whose storage is a
//	                   persistent id ('storage', torch.FloatStorage, key, 'cpu', numel)
//	<dir>/data/<key>   each storage's bytes (little-endian unless <dir>/byteorder
//	                   says "big")
//	<dir>/version      the format version
//
// Before PyTorch 1.6 (and with _use_new_zipfile_serialization=False) it wrote
// the legacy format: pickles in a row followed by the storages' bytes. Both are
// read.
//
// # Safety
//
// A pickle is a program: Python's unpickler calls whatever classes and functions
// the file names. This package never does. It runs only the opcodes that build
// data, and a file may name only the globals a state dict uses:
// collections.OrderedDict, torch._utils._rebuild_tensor_v2, _rebuild_tensor and
// _rebuild_parameter, and the torch.*Storage classes of its dtypes. Any other global is an
// error that names it. Bad or hostile files return errors, never panic: sizes
// are checked against the records that hold them before anything is allocated,
// a tensor's view must lie inside its storage, nesting is bounded, and the
// tensors built may hold at most twice as many elements as the file has bytes
// (or 4M elements for a small file).
//
// # Values
//
// LoadObject returns, and SaveObject takes, a tree of these Go types:
//
//	Python                      Go
//	None, bool, str, float      nil, bool, string, float64
//	int                         int
//	torch.Tensor, nn.Parameter  *tensor.Tensor (a view of the storage's values)
//	list of ints / of floats    []int / []float64 (a non-empty list)
//	other list, tuple           []any
//	dict, OrderedDict           map[string]any (string keys, or empty);
//	                            map[int]map[string]any (int keys, dict values,
//	                            as an optimizer's "state"); map[int]any
//	bytes                       []byte (loaded only)
//
// SaveObject writes []int, []float64 and []any as lists, except a non-empty
// []any of only ints or only floats, which it writes as a tuple (as PyTorch's
// Adam betas are) so that every value loads back with its Go type; and
// map[string]*tensor.Tensor as an OrderedDict, as PyTorch's state dicts are.
// It also takes []map[string]any (an optimizer's "param_groups"), written as
// a list that loads back as []any. An empty dict loads as map[string]any, an
// empty list as []any. Floats are written bit for bit (±Inf, NaN, -0 too).
//
// Tensors are gograd's dtypes: float32 and float64 storages load as such;
// float16 and bfloat16 are widened to float32 (exactly; HalfAs(tensor.Float64)
// asks for float64); int64, int32, int16,
// int8, uint8 and bool load as int64 (bool as 0 and 1). Each storage of the
// file becomes one gograd storage, and each tensor a view of it with
// PyTorch's sizes, strides and storage offset: a transposed tensor loads
// non-contiguous, and tensors that share a storage in PyTorch share it here
// (an in-place change to one shows in the others). One tensor saved under two
// names loads as one *tensor.Tensor. Sparse, quantized and complex tensors
// are errors that say what they are and what to save instead.
package pt
