#!/usr/bin/python3
"""Writes ops_golden.json: PyTorch 1.13's forward values, input gradients and
grad_fn names for every row of the op table in ../optable_test.go.

Run from this directory with Debian's python3-torch:

    /usr/bin/python3 gen_ops_golden.py

Each case is named as its row in the Go table ("Mul/(3,4)*(4)"). Its inputs are
drawn from a numpy generator seeded with the CRC-32 of the case name (so adding a
case does not change the others) and rounded to float32, so that the float32 and
float64 runs, and Go, all start from the very same values, which the JSON stores:

    inputs    [{shape, dtype ("float", "float32", "float64", "int64" or "bool"),
               grad (requires_grad), data}]; "float" is the run's dtype
    upstream  the gradient given to out.backward, of the output's shape (float32
              values, also drawn from the case's generator); null when the
              output is not a float tensor that requires grad (comparisons,
              indices), whose cases check the forward only
NaN and infinities, which JSON has no numbers for, are written as the strings
"nan", "inf" and "-inf".
    float32, float64
              the run with float inputs of that dtype: out_dtype, shape and data
              of the output, grad_fn (type(out.grad_fn).__name__), and grads, one
              flat list per input (null where the input does not require grad)

Parameters that are not tensors (exponents, dims, shapes, reductions) are written
both here and in the Go row; the forward values catch a mismatch.

Inputs avoid the points where an op is not differentiable (|x| < 0.2 for abs,
relu, sign, reciprocal; clamp bounds; non-positive bases for log, sqrt, x**0.5 and
tensor powers), except in the cases named "...at_kinks", which put values exactly
on them to pin PyTorch's choice of subgradient.
"""

import json
import math
import zlib

import numpy as np
import torch
import torch.nn.functional as F

cases = []


class In:
    """An input: values (float64 list), shape, dtype ("float"/"int64"), grad."""

    def __init__(self, data, shape, dtype="float", grad=True):
        self.data, self.shape, self.dtype, self.grad = data, list(shape), dtype, grad


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def U(lo=-2.0, hi=2.0, grad=True):
    """Uniform in [lo, hi)."""
    return lambda rng, shape: In(f32(rng.uniform(lo, hi, size=shape)).ravel().tolist(), shape, grad=grad)


def away(lo=0.2, hi=2.0, grad=True):
    """Random sign times uniform in [lo, hi): away from zero."""

    def gen(rng, shape):
        v = rng.uniform(lo, hi, size=shape) * rng.choice([-1.0, 1.0], size=shape)
        return In(f32(v).ravel().tolist(), shape, grad=grad)

    return gen


def P(lo=0.5, hi=2.0, grad=True):
    """Positive: uniform in [lo, hi)."""
    return U(lo, hi, grad)


def V(values, grad=True):
    """Explicit values (rounded to float32)."""
    return lambda rng, shape: In(f32(values).ravel().tolist(), shape, grad=grad)


def Idx(classes):
    """int64 class indices in [0, classes)."""
    return lambda rng, shape: In([int(v) for v in rng.integers(0, classes, size=shape).ravel()], shape, "int64", False)


def B(p=0.5):
    """Random bools, true with probability p (never requires grad)."""
    return lambda rng, shape: In([bool(v) for v in (rng.uniform(size=shape) < p).ravel()], shape, "bool", False)


def I(lo, hi):
    """int64 values uniform in [lo, hi)."""
    return lambda rng, shape: In([int(v) for v in rng.integers(lo, hi, size=shape).ravel()], shape, "int64", False)


def IV(values):
    """Explicit int64 values."""
    return lambda rng, shape: In([int(v) for v in np.asarray(values).ravel()], shape, "int64", False)


def BV(values):
    """Explicit bools."""
    return lambda rng, shape: In([bool(v) for v in np.asarray(values).ravel()], shape, "bool", False)


def Fixed(dtype, gen):
    """An input of a fixed float dtype ("float32" or "float64") whatever the run's."""

    def g(rng, shape):
        i = gen(rng, shape)
        i.dtype = dtype
        return i

    return g


def enc(values):
    """A flat list of numbers for JSON, non-finite ones as strings."""
    out = []
    for v in values:
        if isinstance(v, (bool, int)):
            out.append(int(v))
            continue
        v = float(v)
        if math.isnan(v):
            out.append("nan")
        elif math.isinf(v):
            out.append("inf" if v > 0 else "-inf")
        else:
            out.append(v)
    return out


DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64, "bool": torch.bool}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}


def case(name, fn, *specs):
    """Adds a case: specs are (shape, generator) pairs, fn maps torch tensors to the output."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    inputs = [gen(rng, tuple(shape)) for shape, gen in specs]
    res = {}
    upstream = None
    for key, dt in (("float32", torch.float32), ("float64", torch.float64)):
        ts = []
        for i in inputs:
            if i.dtype in ("int64", "bool"):
                ts.append(torch.tensor(i.data, dtype=DTYPES[i.dtype]).reshape(i.shape))
            else:
                d = DTYPES.get(i.dtype, dt)
                ts.append(torch.tensor(i.data, dtype=d).reshape(i.shape).requires_grad_(i.grad))
        out = fn(*ts)
        differentiable = out.dtype.is_floating_point and out.requires_grad
        if differentiable:
            if upstream is None:
                upstream = f32(rng.standard_normal(size=tuple(out.shape))).ravel().tolist()
            out.backward(torch.tensor(upstream, dtype=out.dtype).reshape(out.shape))
        res[key] = {
            "out_dtype": DTYPE_NAMES[out.dtype],
            "shape": list(out.shape),
            "data": enc(out.detach().double().ravel().tolist()),
            "grad_fn": type(out.grad_fn).__name__ if out.grad_fn is not None else "",
            "grads": [enc(t.grad.double().ravel().tolist()) if t.grad is not None else None for t in ts],
        }
    cases.append(
        {
            "name": name,
            "inputs": [{"shape": i.shape, "dtype": i.dtype, "grad": i.grad, "data": enc(i.data)} for i in inputs],
            "upstream": upstream,
            **res,
        }
    )


# Binary ops, with every broadcast pattern.
BROADCAST = [
    ("(3,4)", (3, 4), (3, 4)),
    ("(3,4)_(4)", (3, 4), (4,)),
    ("(4)_(3,4)", (4,), (3, 4)),
    ("(3,1)_(1,4)", (3, 1), (1, 4)),
    ("(2,3,4)_(3,1)", (2, 3, 4), (3, 1)),
    ("()_(3,4)", (), (3, 4)),
    ("(3,4)_()", (3, 4), ()),
    ("()_()", (), ()),
]
BINARY = [
    ("Add", lambda a, b: a + b, U(), U()),
    ("Sub", lambda a, b: a - b, U(), U()),
    ("Mul", lambda a, b: a * b, U(), U()),
    ("Div", lambda a, b: a / b, U(), away(0.5)),
    ("PowTensor", lambda a, b: a**b, P(), U()),
    ("Maximum", torch.maximum, U(), U()),
    ("Minimum", torch.minimum, U(), U()),
]
for op, fn, ga, gb in BINARY:
    for tag, sa, sb in BROADCAST:
        case(f"{op}/{tag}", fn, (sa, ga), (sb, gb))
# Only one side requires grad (the other is a constant).
case("Add/(3,4)_const(4)", lambda a, b: a + b, ((3, 4), U()), ((4,), U(grad=False)))
case("Sub/const(3,4)_(4)", lambda a, b: a - b, ((3, 4), U(grad=False)), ((4,), U()))
case("Mul/(2,3,4)_const(3,1)", lambda a, b: a * b, ((2, 3, 4), U()), ((3, 1), U(grad=False)))
case("Div/const(3,4)_(3,1)", lambda a, b: a / b, ((3, 4), U(grad=False)), ((3, 1), away(0.5)))
case("PowTensor/(3,4)_const()", lambda a, b: a**b, ((3, 4), P()), ((), U(grad=False)))
case("PowTensor/const(3,4)_(4)", lambda a, b: a**b, ((3, 4), P(grad=False)), ((4,), U()))
# Ties split the gradient evenly (and the numerical derivative there is ½ too).
TIES = [0.5, -1.0, 2.0, 0.25, -0.75, 1.5]
TIES_B = [0.5, 1.0, 2.0, -0.25, -0.75, 0.5]
case("Maximum/ties", torch.maximum, ((2, 3), V(TIES)), ((2, 3), V(TIES_B)))
case("Minimum/ties", torch.minimum, ((2, 3), V(TIES)), ((2, 3), V(TIES_B)))

# Tensor-scalar ops.
case("AddScalar", lambda x: x + 2.5, ((3, 4), U()))
case("SubScalar", lambda x: x - 1.5, ((3, 4), U()))
case("RSubScalar", lambda x: 2 - x, ((3, 4), U()))
case("MulScalar", lambda x: x * -3.0, ((3, 4), U()))
case("DivScalar", lambda x: x / 0.3, ((3, 4), U()))
case("Pow/e=2", lambda x: x**2, ((3, 4), U()))
case("Pow/e=3", lambda x: x**3, ((3, 4), U()))
case("Pow/e=0.5", lambda x: x**0.5, ((3, 4), P(0.2, 3)))
case("Pow/e=-1", lambda x: x**-1, ((3, 4), away(0.5)))
case("Pow/e=-2.5", lambda x: x**-2.5, ((3, 4), P()))
case("Pow/e=1", lambda x: x**1, ((3, 4), U()))
case("Pow/e=0", lambda x: x**0, ((3, 4), U()))
case("Pow/e=2/0-d", lambda x: x**2, ((), U()))

# Unary ops.
case("Neg", lambda x: -x, ((3, 4), U()))
case("Reciprocal", torch.reciprocal, ((3, 4), away(0.5)))
case("Exp", torch.exp, ((3, 4), U()))
case("Exp/0-d", torch.exp, ((), U()))
case("Log", torch.log, ((3, 4), P(0.1, 5)))
case("Sqrt", torch.sqrt, ((3, 4), P(0.1, 5)))
case("Abs", torch.abs, ((3, 4), away()))
case("Sign", torch.sign, ((3, 4), away()))
case("Sin", torch.sin, ((3, 4), U(-4, 4)))
case("Cos", torch.cos, ((3, 4), U(-4, 4)))
case("Tanh", torch.tanh, ((3, 4), U(-3, 3)))
case("Sigmoid", torch.sigmoid, ((3, 4), U(-6, 6)))
case("Relu", torch.relu, ((3, 4), away()))
case("Clamp", lambda x: x.clamp(-0.5, 0.75), ((3, 4), V([-1.5, -0.9, -0.3, 0.1, 0.4, 0.6, 1.2, 2.0, -0.45, 0.7, 0.0, -2.2])))
KINKS = [-1.0, 0.0, 0.0, 1.0, -0.5, 0.5]
case("Abs/at_kinks", torch.abs, ((2, 3), V(KINKS)))
case("Sign/at_kinks", torch.sign, ((2, 3), V(KINKS)))
case("Relu/at_kinks", torch.relu, ((2, 3), V(KINKS)))
case("Clamp/at_kinks", lambda x: x.clamp(-0.5, 0.5), ((2, 3), V(KINKS)))

# Reductions.
case("Sum/all", lambda x: x.sum(), ((3, 4), U()))
case("Sum/dim=1", lambda x: x.sum(1), ((3, 4), U()))
case("Sum/dim=-1", lambda x: x.sum(-1), ((2, 3, 4), U()))
case("Sum/dims=0,2", lambda x: x.sum((0, 2)), ((2, 3, 4), U()))
case("Sum/dims=-1,0", lambda x: x.sum((-1, 0)), ((2, 3, 4), U()))
case("Sum/0-d", lambda x: x.sum(), ((), U()))
case("SumKeepDim/dim=1", lambda x: x.sum(1, keepdim=True), ((3, 4), U()))
case("SumKeepDim/dims=0,2", lambda x: x.sum((0, 2), keepdim=True), ((2, 3, 4), U()))
case("SumKeepDim/dim=-2", lambda x: x.sum(-2, keepdim=True), ((2, 3, 4), U()))
case("Mean/all", lambda x: x.mean(), ((3, 4), U()))
case("Mean/dim=1", lambda x: x.mean(1), ((3, 4), U()))
case("Mean/dims=-1,0", lambda x: x.mean((-1, 0)), ((2, 3, 4), U()))
case("MeanKeepDim/dim=1", lambda x: x.mean(1, keepdim=True), ((3, 4), U()))
case("MeanKeepDim/dims=0,2", lambda x: x.mean((0, 2), keepdim=True), ((2, 3, 4), U()))

# Matrix products, every torch.matmul dispatch path.
MATMUL = [
    ("1d·1d", (4,), (4,)),
    ("2d·1d", (3, 4), (4,)),
    ("1d·2d", (4,), (4, 5)),
    ("2d·2d", (3, 4), (4, 5)),
    ("3d·3d", (2, 3, 4), (2, 4, 5)),
    ("(7,1,3,4)·(2,4,5)", (7, 1, 3, 4), (2, 4, 5)),
    ("2d·3d", (3, 4), (2, 4, 5)),
    ("3d·2d", (2, 3, 4), (4, 5)),
    ("3d·1d", (2, 3, 4), (4,)),
    ("1d·3d", (4,), (2, 4, 5)),
]
for tag, sa, sb in MATMUL:
    case(f"MatMul/{tag}", torch.matmul, (sa, U()), (sb, U()))
case("MatMul/2d·2d_const", torch.matmul, ((3, 4), U(grad=False)), ((4, 5), U()))
case("MatMul/(2,1,3,4)·(1,5,4,2)_both_broadcast", torch.matmul, ((2, 1, 3, 4), U()), ((1, 5, 4, 2), U()))
case("MatMul/(3,1,4,2)ᵀ·(5,4,2)_broadcast_transposed", lambda a, b: a.transpose(-2, -1) @ b, ((3, 1, 4, 2), U()), ((5, 4, 2), U()))

# Shape ops.
case("Transpose/0,1", lambda x: x.transpose(0, 1), ((3, 4), U()))
case("Transpose/-1,0", lambda x: x.transpose(-1, 0), ((2, 3, 4), U()))
case("T/2d", lambda x: x.t(), ((3, 4), U()))
case("T/1d", lambda x: x.t(), ((4,), U()))
case("Permute/2,0,1", lambda x: x.permute(2, 0, 1), ((2, 3, 4), U()))
case("Permute/-1,0,1", lambda x: x.permute(-1, 0, 1), ((2, 3, 4), U()))
case("Reshape/4,-1", lambda x: x.reshape(4, -1), ((2, 3, 4), U()))
case("Reshape/-1", lambda x: x.reshape(-1), ((3, 4), U()))
case("Reshape/same", lambda x: x.reshape(3, 4), ((3, 4), U()))
case("Reshape/to_0-d", lambda x: x.reshape(()), ((1,), U()))
case("View/6,4", lambda x: x.view(6, 4), ((2, 3, 4), U()))
case("View/-1,2", lambda x: x.view(-1, 2), ((3, 4), U()))
case("Flatten", torch.flatten, ((2, 3, 4), U()))
case("Flatten/1d", torch.flatten, ((4,), U()))
case("Unsqueeze/0", lambda x: x.unsqueeze(0), ((3, 4), U()))
case("Unsqueeze/-1", lambda x: x.unsqueeze(-1), ((3, 4), U()))
case("Unsqueeze/0-d", lambda x: x.unsqueeze(0), ((), U()))
case("Squeeze/all", lambda x: x.squeeze(), ((3, 1, 4, 1), U()))
case("Squeeze/dim=1", lambda x: x.squeeze(1), ((3, 1, 4), U()))
case("Squeeze/dim=-1", lambda x: x.squeeze(-1), ((3, 4, 1), U()))
case("Squeeze/dim=0_not_1", lambda x: x.squeeze(0), ((3, 4), U()))
case("Expand/(3,1)->(3,4)", lambda x: x.expand(3, 4), ((3, 1), U()))
case("Expand/(3,1)->(2,-1,4)", lambda x: x.expand(2, -1, 4), ((3, 1), U()))
case("Expand/()->(2,3)", lambda x: x.expand(2, 3), ((), U()))
case("Expand/same", lambda x: x.expand(3, 4), ((3, 4), U()))
case("Clone", torch.clone, ((3, 4), U()))
# Views (sharing storage; tensor/views_test.go checks the sharing itself).
case("Narrow/0,1,2", lambda x: x.narrow(0, 1, 2), ((4, 3), U()))
case("Narrow/-1,-2,2", lambda x: x.narrow(-1, -2, 2), ((4, 3), U()))
case("Slice/0,1:5:2", lambda x: x[1:5:2], ((5, 4), U()))
case("Slice/1,-3:-1", lambda x: x[:, -3:-1], ((5, 4), U()))
case("Slice/0,clamped:3", lambda x: x[-10:10:3], ((5, 4), U()))
case("Select/0,1", lambda x: x.select(0, 1), ((3, 4), U()))
case("Select/-1,-1", lambda x: x.select(-1, -1), ((2, 3, 4), U()))
case("Diagonal/0", lambda x: x.diagonal(), ((3, 4), U()))
case("Diagonal/1", lambda x: x.diagonal(1), ((3, 4), U()))
case("Diagonal/-1", lambda x: x.diagonal(-1), ((3, 4), U()))
case("Diagonal/3d,0,1,2", lambda x: x.diagonal(0, 1, 2), ((2, 3, 4), U()))
case("Diagonal/3d,1,-1,0", lambda x: x.diagonal(1, -1, 0), ((2, 3, 4), U()))
case("Unfold/overlapping", lambda x: x.unfold(1, 3, 1), ((2, 5), U()))
case("Unfold/step2", lambda x: x.unfold(-1, 2, 2), ((2, 5), U()))
case("Unfold/dim0", lambda x: x.unfold(0, 2, 1), ((3, 2), U()))
case("AsStrided/window", lambda x: x.as_strided((2, 2), (1, 4), 1), ((3, 4), U()))
case("AsStrided/overlap", lambda x: x.as_strided((3, 2), (1, 1), 0), ((3, 4), U()))
case("Movedim/0,2", lambda x: x.movedim(0, 2), ((2, 3, 4), U()))
case("Movedim/-1,0", lambda x: x.movedim(-1, 0), ((2, 3, 4), U()))
case("Unflatten/1,(2,2)", lambda x: x.unflatten(1, (2, 2)), ((3, 4), U()))
case("Unflatten/-1,(2,-1)", lambda x: x.unflatten(-1, (2, -1)), ((3, 4), U()))
case("BroadcastTo", lambda x: torch.broadcast_to(x, (2, 3, 4)), ((3, 1), U()))
case("Flatten/start=1", lambda x: x.flatten(1), ((2, 3, 4), U()))
case("Flatten/0,1", lambda x: x.flatten(0, 1), ((2, 3, 4), U()))
case("Flatten/transposed", lambda x: x.t().flatten(), ((3, 4), U()))
case("Reshape/transposed", lambda x: x.t().reshape(-1), ((3, 4), U()))
case("View/transposed_split", lambda x: x.transpose(0, 1).view(3, 2, 2, 2), ((2, 3, 4), U()))
case("Contiguous/transposed", lambda x: x.t().contiguous(), ((3, 4), U()))
# In-place ops, on a non-leaf y = x * 1 (in-place on a leaf that requires grad is
# refused); "/view" cases write through a view of y, which PyTorch records as
# CopySlices on y.
def on_copy(op):
    return lambda x, *rest: op(x * 1, *rest)


def through_view(view, op):
    def fn(x, *rest):
        y = x * 1
        op(view(y), *rest)
        return y

    return fn


case("Add_", on_copy(lambda y, o: y.add_(o)), ((3, 4), U()), ((4,), U()))
case("Sub_", on_copy(lambda y, o: y.sub_(o)), ((3, 4), U()), ((3, 1), U()))
case("Mul_", on_copy(lambda y, o: y.mul_(o)), ((3, 4), U()), ((3, 4), U()))
case("Div_", on_copy(lambda y, o: y.div_(o)), ((3, 4), U()), ((4,), away(0.5)))
case("AddScalar_", on_copy(lambda y: y.add_(2.5)), ((3, 4), U()))
case("SubScalar_", on_copy(lambda y: y.sub_(1.5)), ((3, 4), U()))
case("MulScalar_", on_copy(lambda y: y.mul_(-3)), ((3, 4), U()))
case("DivScalar_", on_copy(lambda y: y.div_(0.3)), ((3, 4), U()))
case("Exp_", on_copy(lambda y: y.exp_()), ((3, 4), U()))
case("Log_", on_copy(lambda y: y.log_()), ((3, 4), P()))
case("Sqrt_", on_copy(lambda y: y.sqrt_()), ((3, 4), P()))
case("Abs_", on_copy(lambda y: y.abs_()), ((3, 4), away()))
case("Reciprocal_", on_copy(lambda y: y.reciprocal_()), ((3, 4), away()))
case("Neg_", on_copy(lambda y: y.neg_()), ((3, 4), U()))
case("Relu_", on_copy(lambda y: y.relu_()), ((3, 4), away()))
case("Sigmoid_", on_copy(lambda y: y.sigmoid_()), ((3, 4), U()))
case("Tanh_", on_copy(lambda y: y.tanh_()), ((3, 4), U()))
case("Clamp_", on_copy(lambda y: y.clamp_(-0.5, 0.75)), ((3, 4), U()))
case("Fill_", on_copy(lambda y: y.fill_(2)), ((3, 4), U()))
case("Zero_", on_copy(lambda y: y.zero_()), ((3, 4), U()))
case("Copy_", on_copy(lambda y, s: y.copy_(s)), ((3, 4), U()), ((4,), U()))
case("MaskedFill_", on_copy(lambda y, m: y.masked_fill_(m != 0, 0.5)), ((3, 4), U()), ((4,), V([0, 1, 1, 0], grad=False)))
case("Mul_/select", through_view(lambda y: y.select(0, 1), lambda v, w: v.mul_(w)), ((3, 4), U()), ((4,), U()))
case("Copy_/slice", through_view(lambda y: y[:, 1:3], lambda v, s: v.copy_(s)), ((3, 4), U()), ((3, 2), U()))
case("Exp_/transposed_row", through_view(lambda y: y.t()[1], lambda v: v.exp_()), ((3, 4), U()))
case("Add_/then_view", lambda x, w: (lambda y: (lambda v: (v.add_(w), v * 2)[1])(y[1]))(x * 1), ((3, 4), U()), ((4,), U()))

# Ops on non-contiguous (view) inputs.
case("Mul/transposed", lambda a, b: a.t() * b, ((4, 3), U()), ((3, 4), U()))
case("Add/expanded", lambda a, b: a.expand(3, 4) + b.t(), ((3, 1), U()), ((4, 3), U()))
case("Exp/transposed", lambda x: x.t().exp(), ((3, 4), U()))
case("Relu/sliced", lambda x: x[:, ::2].relu(), ((3, 4), away()))
case("Tanh/narrowed", lambda x: x.narrow(1, 1, 2).tanh(), ((3, 4), U()))
case("Sum/dim=0_transposed", lambda x: x.t().sum(0), ((3, 4), U()))
case("Softmax/transposed", lambda x: x.t().softmax(1), ((3, 4), U()))
case("MatMul/2d·2d_transposed", lambda a, b: a.t() @ b.t(), ((4, 3), U()), ((5, 4), U()))
case("MatMul/3d·3d_transposed", lambda a, b: a.transpose(1, 2) @ b, ((2, 4, 3), U()), ((2, 4, 5), U()))
case("MatMul/2d·2d_sliced", lambda a, b: a[:, 1:] @ b[::2], ((3, 5), U()), ((8, 2), U()))
case("To/other", lambda x: x.to(torch.float64 if x.dtype == torch.float32 else torch.float32), ((3, 4), U()))

# Softmax.
case("Softmax/dim=1", lambda x: x.softmax(1), ((3, 5), U(-3, 3)))
case("Softmax/dim=0", lambda x: x.softmax(0), ((3, 5), U(-3, 3)))
case("Softmax/dim=-2", lambda x: x.softmax(-2), ((2, 3, 4), U(-3, 3)))
case("Softmax/large", lambda x: x.softmax(1), ((2, 3), V([1000, 1001, 999, -1000, -1002, -1001])))
case("Softmax/0-d", lambda x: x.softmax(0), ((), U()))
case("LogSoftmax/dim=1", lambda x: x.log_softmax(1), ((3, 5), U(-3, 3)))
case("LogSoftmax/dim=0", lambda x: x.log_softmax(0), ((3, 5), U(-3, 3)))
case("LogSoftmax/dim=-2", lambda x: x.log_softmax(-2), ((2, 3, 4), U(-3, 3)))
case("LogSoftmax/large", lambda x: x.log_softmax(1), ((2, 3), V([1000, 1001, 999, -1000, -1002, -1001])))
case("LogSoftmax/0-d", lambda x: x.log_softmax(-1), ((), U()))

# nn/functional: thin wrappers and losses.
case("functional.Relu", F.relu, ((3, 4), away()))
case("functional.Sigmoid", torch.sigmoid, ((3, 4), U(-4, 4)))
case("functional.Tanh", torch.tanh, ((3, 4), U(-3, 3)))
case("functional.Softmax", lambda x: F.softmax(x, 1), ((3, 4), U()))
case("functional.LogSoftmax", lambda x: F.log_softmax(x, 1), ((3, 4), U()))
RED = ["mean", "sum", "none"]
for r in RED:
    case(f"MSELoss/{r}", lambda x, y, r=r: F.mse_loss(x, y, reduction=r), ((3, 4), U()), ((3, 4), U()))
    case(f"BinaryCrossEntropy/{r}", lambda p, y, r=r: F.binary_cross_entropy(p, y, reduction=r), ((3, 4), U(0.05, 0.95)), ((3, 4), U(0, 1)))
    case(
        f"BinaryCrossEntropyWithLogits/{r}",
        lambda x, y, r=r: F.binary_cross_entropy_with_logits(x, y, reduction=r),
        ((3, 4), U(-4, 4)),
        ((3, 4), U(0, 1)),
    )
    case(
        f"BinaryCrossEntropyWithLogits/±100/{r}",
        lambda x, y, r=r: F.binary_cross_entropy_with_logits(x, y, reduction=r),
        ((2, 3), V([100, -100, 100, -100, 30, -30])),
        ((2, 3), V([0, 1, 1, 0, 0.5, 0.25])),
    )
    case(f"CrossEntropy/{r}", lambda x, t, r=r: F.cross_entropy(x, t, reduction=r), ((4, 5), U(-3, 3)), ((4,), Idx(5)))
    case(f"NLLLoss/{r}", lambda x, t, r=r: F.nll_loss(x, t, reduction=r), ((4, 5), U(-4, 0)), ((4,), Idx(5)))
case("MSELoss/const_target", lambda x, y: F.mse_loss(x, y), ((2, 3), U()), ((2, 3), U(grad=False)))
case("BinaryCrossEntropy/const_target", lambda p, y: F.binary_cross_entropy(p, y), ((2, 3), U(0.05, 0.95)), ((2, 3), V([0, 1, 1, 0, 1, 0], grad=False)))
# Probabilities 0 and 1: logs clamped at -100, the gradient's denominator at 1e-12.
# (The target's gradient there is ±inf, so the target is a constant.)
case(
    "BinaryCrossEntropy/at_kinks",
    lambda p, y: F.binary_cross_entropy(p, y, reduction="none"),
    ((2, 3), V([0, 1, 0, 1, 1e-30, 0.5])),
    ((2, 3), V([0, 1, 1, 0, 0.3, 0.5], grad=False)),
)
case("CrossEntropy/unbatched", lambda x, t: F.cross_entropy(x, t), ((5,), U(-3, 3)), ((), Idx(5)))
case("NLLLoss/unbatched", lambda x, t: F.nll_loss(x, t), ((5,), U(-4, 0)), ((), Idx(5)))

# ---- The op library (issue 7 section 2); rows in ../optable_lib_test.go. ----

# Dtypes: int64 arithmetic, bool, promotion of mixed dtypes.
case("Add/int64", lambda a, b: a + b, ((3, 4), I(-50, 50)), ((4,), I(-50, 50)))
case("Sub/int64", lambda a, b: a - b, ((3, 4), I(-50, 50)), ((3, 1), I(-50, 50)))
case("Mul/int64", lambda a, b: a * b, ((3, 4), I(-50, 50)), ((), I(-50, 50)))
case("Div/int64", lambda a, b: a / b, ((3, 4), I(-50, 50)), ((4,), IV([3, -7, 2, 5])))
case("Add/bool", lambda a, b: a + b, ((2, 3), B()), ((2, 3), B()))
case("Mul/bool_int64", lambda a, b: a * b, ((2, 3), B()), ((2, 3), I(-9, 9)))
case("Add/int64_float", lambda a, b: a + b, ((3, 4), I(-5, 5)), ((3, 4), U()))
case("Mul/float_float64", lambda a, b: a * b, ((3, 4), U()), ((4,), Fixed("float64", U())))
case("Add/float32_float64_0-d", lambda a, b: a + b, ((3, 4), Fixed("float32", U())), ((), Fixed("float64", U())))
case("Sub/int64_float64_0-d", lambda a, b: a - b, ((3, 4), I(-5, 5)), ((), Fixed("float64", U())))
case("AddScalar/int64", lambda a: a + 3, ((3, 4), I(-5, 5)))
case("MulScalar/int64_by_fraction", lambda a: a * 2.5, ((3, 4), I(-5, 5)))
case("To/bool", lambda x: x.to(torch.bool), ((2, 3), V([0.0, 1.5, -2.0, 0.0, float("nan"), 0.25])))
case("To/int64", lambda x: x.to(torch.int64), ((2, 3), V([0.0, 1.5, -2.7, 3.9, -0.5, 7.0])))

case("Maximum/int64", torch.maximum, ((2, 3), I(-9, 9)), ((3,), I(-9, 9)))
case("Minimum/float_float64", torch.minimum, ((3, 4), U()), ((4,), Fixed("float64", U())))
case("PowTensor/int64", torch.pow, ((2, 3), I(0, 5)), ((3,), IV([0, 1, 3])))
case("PowTensor/float_int64", torch.pow, ((3, 4), P()), ((4,), IV([0, 1, 2, 3])))

case("Sum/int64", lambda x: x.sum(), ((3, 4), I(-50, 50)))
case("Sum/bool_dim=1", lambda x: x.sum(1), ((3, 4), B()))
case("SumKeepDim/int64_dims=0,2", lambda x: x.sum((0, 2), keepdim=True), ((2, 3, 4), I(-5, 5)))

# Comparisons and logical ops: bool results.
CMP_A = [1.0, -2.0, 0.5, float("nan"), 3.0, 0.0]
CMP_B = [1.0, 2.0, 0.25, 1.0, 3.0, -0.0]
for op, fn in (("Eq", torch.eq), ("Ne", torch.ne), ("Lt", torch.lt), ("Le", torch.le), ("Gt", torch.gt), ("Ge", torch.ge)):
    case(f"{op}", fn, ((2, 3), V(CMP_A)), ((2, 3), V(CMP_B)))
    case(f"{op}/broadcast", fn, ((3, 1), U()), ((4,), U()))
    case(f"{op}/int64_float", fn, ((2, 3), IV([1, -2, 0, 4, 3, 0])), ((2, 3), V(CMP_B)))
    case(f"{op}Scalar", lambda x, fn=fn: fn(x, 0.5), ((2, 3), V(CMP_A)))
SPECIAL = [1.0, float("nan"), float("inf"), float("-inf"), -0.0, 3.5]
case("IsNaN", torch.isnan, ((2, 3), V(SPECIAL)))
case("IsInf", torch.isinf, ((2, 3), V(SPECIAL)))
case("IsFinite", torch.isfinite, ((2, 3), V(SPECIAL)))
case("IsNaN/int64", torch.isnan, ((3,), IV([1, 0, -4])))
case("LogicalAnd", torch.logical_and, ((2, 3), B()), ((3,), B()))
case("LogicalOr", torch.logical_or, ((2, 3), B()), ((2, 3), B()))
case("LogicalXor", torch.logical_xor, ((2, 3), B()), ((2, 1), B()))
case("LogicalAnd/float_int64", torch.logical_and, ((2, 3), V([0.0, 1.0, float("nan"), -0.0, 2.0, 0.5])), ((2, 3), IV([1, 0, 1, 1, 1, 0])))
case("LogicalNot", torch.logical_not, ((2, 3), V([0.0, 1.0, float("nan"), -0.0, 2.0, 0.5])))
case("LogicalNot/bool", torch.logical_not, ((4,), BV([True, False, False, True])))

# Where, MaskedFill, Clamp with tensor bounds.
case("Where", torch.where, ((3, 4), B()), ((3, 4), U()), ((3, 4), U()))
case("Where/broadcast", torch.where, ((3, 1), B()), ((4,), U()), ((2, 1, 1), U()))
case("Where/mixed_dtypes", torch.where, ((3, 4), B()), ((3, 4), U()), ((4,), Fixed("float64", U())))
case("Where/int64", torch.where, ((2, 3), B()), ((2, 3), I(0, 9)), ((2, 3), I(-9, 0)))
case("MaskedFill", lambda x, m: x.masked_fill(m, -1.5), ((3, 4), U()), ((3, 4), B()))
case("MaskedFill/broadcast_mask", lambda x, m: x.masked_fill(m, 2.0), ((2, 3, 4), U()), ((4,), B()))
case("MaskedFill/inf", lambda x, m: x.masked_fill(m, float("-inf")), ((3, 4), U()), ((3, 1), B()))
CLAMP_X = [-1.5, -0.9, -0.3, 0.1, 0.4, 0.6, 1.2, 2.0, -0.45, 0.7, 0.05, -2.2]
case("ClampTensor", lambda x, lo, hi: x.clamp(lo, hi), ((3, 4), V(CLAMP_X)), ((4,), V([-1.0, -0.5, 0.0, -0.2])), ((3, 1), V([0.3, 0.9, 1.5])))
case("ClampTensor/min_only", lambda x, lo: x.clamp(min=lo), ((3, 4), V(CLAMP_X)), ((3, 4), V([-1.0, -0.5, 0.0, -0.2, 0.3, 0.9, 1.5, 1.0, 0.0, 0.0, 0.1, -2.0])))
case("ClampTensor/max_only", lambda x, hi: x.clamp(max=hi), ((3, 4), V(CLAMP_X)), ((), V(0.35)))
case("ClampTensor/lo_above_hi", lambda x, lo, hi: x.clamp(lo, hi), ((2, 3), V([-1.0, 0.5, 2.0, 0.25, 0.75, 1.5])), ((2, 3), V([1.0, 1.0, 1.0, 0.1, 0.2, 0.3])), ((2, 3), V([0.0, 0.0, 0.0, 0.5, 0.5, 0.5])))

# Joining and indexing.
case("Cat/dim=0", lambda a, b, c: torch.cat([a, b, c], 0), ((2, 3), U()), ((1, 3), U()), ((3, 3), U()))
case("Cat/dim=-1", lambda a, b: torch.cat([a, b], -1), ((2, 3, 2), U()), ((2, 3, 1), U()))
case("Cat/skip_empty_1d", lambda a, b: torch.cat([a, b], 1), ((2, 3), U()), ((0,), U()))
case("Cat/size_0", lambda a, b: torch.cat([a, b], 0), ((0, 3), U()), ((2, 3), U()))
case("Cat/mixed_dtypes", lambda a, b: torch.cat([a, b], 0), ((2, 3), U()), ((1, 3), I(-3, 3)))
case("Stack/dim=0", lambda a, b: torch.stack([a, b], 0), ((2, 3), U()), ((2, 3), U()))
case("Stack/dim=-1", lambda a, b: torch.stack([a, b], -1), ((2, 3), U()), ((2, 3), U()))
case("Split/2_dim=1", lambda x: x.split(2, 1)[2], ((3, 5), U()))
case("Split/first", lambda x: x.split(2, 0)[0], ((3, 5), U()))
case("SplitSizes", lambda x: x.split([1, 3, 1], -1)[1], ((3, 5), U()))
case("Chunk/3", lambda x: x.chunk(3, 1)[1], ((3, 7), U()))
case("Unbind/dim=1", lambda x: x.unbind(1)[2], ((2, 3, 4), U()))
case("Unbind/dim=-1", lambda x: x.unbind(-1)[0], ((2, 3), U()))
case("Flip/0", lambda x: x.flip(0), ((3, 4), U()))
case("Flip/-1,0", lambda x: x.flip(-1, 0), ((2, 3, 4), U()))
case("Roll/1_dim=0", lambda x: x.roll(1, 0), ((3, 4), U()))
case("Roll/-3,2_dims=1,0", lambda x: x.roll((-3, 2), (1, 0)), ((3, 4), U()))
case("Roll/flat", lambda x: x.roll(5), ((3, 4), U()))
case("Repeat/2,1", lambda x: x.repeat(2, 1), ((2, 3), U()))
case("Repeat/2,1,3", lambda x: x.repeat(2, 1, 3), ((2, 3), U()))
case("Tile/2", lambda x: x.tile((2,)), ((2, 3), U()))
case("RepeatInterleave/2_dim=1", lambda x: x.repeat_interleave(2, dim=1), ((2, 3), U()))
case("RepeatInterleave/3_dim=0", lambda x: x.repeat_interleave(3, dim=0), ((2, 3), U()))
case("Pad/constant", lambda x: F.pad(x, (1, 2), value=0.5), ((2, 3), U()))
case("Pad/constant_2d", lambda x: F.pad(x, (1, 0, 2, 1)), ((2, 3, 4), U()))
case("Pad/constant_crop", lambda x: F.pad(x, (-1, 1)), ((2, 3), U()))
case("Pad/reflect", lambda x: F.pad(x, (2, 1), mode="reflect"), ((2, 3, 4), U()))
case("Pad/reflect_2d", lambda x: F.pad(x, (1, 2, 2, 1), mode="reflect"), ((1, 2, 3, 4), U()))
case("Pad/replicate", lambda x: F.pad(x, (2, 3), mode="replicate"), ((2, 3, 4), U()))
case("Pad/replicate_2d", lambda x: F.pad(x, (1, 1, 2, 0), mode="replicate"), ((1, 2, 3, 4), U()))
case("Pad/circular", lambda x: F.pad(x, (2, 1), mode="circular"), ((2, 3, 4), U()))
case("Tril/0", lambda x: x.tril(), ((3, 4), U()))
case("Tril/-1_batched", lambda x: x.tril(-1), ((2, 3, 4), U()))
case("Triu/1", lambda x: x.triu(1), ((3, 4), U()))
case("Triu/-1_batched", lambda x: x.triu(-1), ((2, 4, 3), U()))
case("IndexSelect/dim=0", lambda x, i: x.index_select(0, i), ((3, 4), U()), ((5,), IV([2, 0, 2, 1, 2])))
case("IndexSelect/dim=-1", lambda x, i: x.index_select(-1, i), ((2, 3, 4), U()), ((2,), IV([3, 0])))
case("IndexSelect/0-d_index", lambda x, i: x.index_select(1, i), ((3, 4), U()), ((), IV(1)))
case("Gather/dim=1", lambda x, i: x.gather(1, i), ((3, 4), U()), ((3, 2), IV([[0, 3], [1, 1], [2, 0]])))
case("Gather/dim=0_smaller", lambda x, i: x.gather(0, i), ((3, 4), U()), ((2, 3), IV([[2, 0, 1], [0, 0, 2]])))
case("Gather/dim=-1", lambda x, i: x.gather(-1, i), ((2, 2, 3), U()), ((2, 2, 4), I(0, 3)))
case("ScatterAdd/dim=1", lambda x, i, s: x.scatter_add(1, i, s), ((3, 4), U()), ((3, 3), IV([[0, 3, 0], [1, 1, 2], [2, 0, 3]])), ((3, 3), U()))
case("ScatterAdd/src_larger", lambda x, i, s: x.scatter_add(0, i, s), ((3, 4), U()), ((2, 3), IV([[2, 0, 1], [0, 0, 2]])), ((3, 4), U(grad=False)))  # PyTorch 1.13 fails to reduce src's gradient
case("Scatter/dim=1", lambda x, i, s: x.scatter(1, i, s), ((3, 4), U()), ((3, 2), IV([[0, 3], [1, 2], [3, 0]])), ((3, 2), U()))
case("Scatter/dim=0", lambda x, i, s: x.scatter(0, i, s), ((3, 4), U()), ((1, 4), IV([[2, 0, 1, 1]])), ((2, 4), U(grad=False)))  # as ScatterAdd/src_larger
case("IndexAdd/dim=0", lambda x, i, s: x.index_add(0, i, s), ((3, 4), U()), ((4,), IV([2, 0, 2, 1])), ((4, 4), U()))
case("IndexAdd/dim=-1", lambda x, i, s: x.index_add(-1, i, s), ((2, 3), U()), ((2,), IV([1, 1])), ((2, 2), U()))
case("TakeAlongDim/dim=1", lambda x, i: torch.take_along_dim(x, i, 1), ((3, 4), U()), ((3, 2), I(0, 4)))
case("TakeAlongDim/broadcast", lambda x, i: torch.take_along_dim(x, i, 1), ((3, 4, 1), U()), ((1, 2, 5), I(0, 4)))
case("MaskedSelect", lambda x, m: x.masked_select(m), ((3, 4), U()), ((3, 4), B()))
case("MaskedSelect/broadcast", lambda x, m: x.masked_select(m), ((3, 1), U()), ((2, 3, 4), B()))
case("Nonzero", lambda x: x.nonzero(), ((3, 4), V([0, 1, 0, 2, 0, 0, 3, 0, 4, 5, 0, 0])))
case("Nonzero/0-d", lambda x: x.nonzero(), ((), V(2.0)))
case("Nonzero/none", lambda x: x.nonzero(), ((2, 2), V([0, 0, 0, 0])))
case("OneHot", lambda t: F.one_hot(t, 5), ((2, 3), IV([[0, 4, 2], [1, 1, 3]])))
case("OneHot/infer", lambda t: F.one_hot(t), ((4,), IV([0, 2, 1, 2])))
case("Meshgrid/ij", lambda a, b: torch.meshgrid(a, b, indexing="ij")[1], ((3,), U()), ((4,), U()))
case("Meshgrid/xy", lambda a, b, c: torch.meshgrid(a, b, c, indexing="xy")[0], ((2,), U()), ((3,), U()), ((4,), U()))

# Reductions over dims.
TIE = [1.0, 3.0, 3.0, 2.0, -1.0, 0.5, -1.0, 0.5, 2.0, 2.0, 2.0, 2.0]
case("Max/all", lambda x: x.max(), ((3, 4), U()))
case("Max/ties", lambda x: x.max(), ((3, 4), V(TIE)))
case("Max/nan", lambda x: x.max(), ((2, 2), V([1.0, float("nan"), 2.0, 0.0])))
case("Min/all", lambda x: x.min(), ((2, 3, 2), U()))
case("Min/ties", lambda x: x.min(), ((3, 4), V(TIE)))
case("MaxDim/dim=1", lambda x: x.max(1)[0], ((3, 4), U()))
case("MaxDim/ties", lambda x: x.max(1)[0], ((3, 4), V(TIE)))
case("MaxDim/ties_indices", lambda x: x.max(1)[1], ((3, 4), V(TIE)))
case("MaxDim/keepdim_-1", lambda x: x.max(-1, keepdim=True)[0], ((2, 3, 4), U()))
case("MaxDim/nan_indices", lambda x: x.max(0)[1], ((3, 2), V([1.0, 2.0, float("nan"), 0.0, 5.0, float("nan")])))
case("MinDim/dim=0", lambda x: x.min(0)[0], ((3, 4), U()))
case("MinDim/ties_indices", lambda x: x.min(1)[1], ((3, 4), V(TIE)))
case("MinDim/keepdim", lambda x: x.min(1, keepdim=True)[0], ((3, 4), V(TIE)))
case("Argmin", lambda x: x.argmin(1), ((3, 4), V(TIE)))
case("Argmin/dim=0", lambda x: x.argmin(0), ((3, 4), U()))
case("Amax/dim=1", lambda x: x.amax(1), ((3, 4), U()))
case("Amax/ties", lambda x: x.amax(1), ((3, 4), V(TIE)))
case("Amax/dims=0,2", lambda x: x.amax((0, 2)), ((2, 3, 4), U()))
case("Amax/all", lambda x: x.amax(), ((3, 4), V(TIE)))
case("AmaxKeepDim/dim=-1", lambda x: x.amax(-1, keepdim=True), ((3, 4), V(TIE)))
case("Amin/ties", lambda x: x.amin(0), ((3, 4), V(TIE)))
case("AminKeepDim/dims=0,1", lambda x: x.amin((0, 1), keepdim=True), ((3, 4), V(TIE)))
case("Prod/all", lambda x: x.prod(), ((3, 4), U(0.5, 1.5)))
case("Prod/one_zero", lambda x: x.prod(), ((2, 3), V([0.5, 2.0, 0.0, 1.5, -1.0, 3.0])))
case("Prod/two_zeros", lambda x: x.prod(), ((2, 3), V([0.5, 0.0, 0.0, 1.5, -1.0, 3.0])))
case("ProdDim/dim=1", lambda x: x.prod(1), ((3, 4), U()))
case("ProdDim/zeros", lambda x: x.prod(1), ((3, 4), V([0.0, 2.0, 3.0, 1.5, 0.0, 0.0, 1.0, 2.0, 1.0, 2.0, -1.0, 0.5])))
case("ProdDim/keepdim_0", lambda x: x.prod(0, keepdim=True), ((3, 4), U()))
case("Var/all", lambda x: x.var(), ((3, 4), U()))
case("Var/dim=1", lambda x: x.var(1), ((3, 4), U()))
case("Var/correction=0_keepdim", lambda x: torch.var(x, (0, 2), correction=0, keepdim=True), ((2, 3, 4), U()))
case("Var/correction=2", lambda x: torch.var(x, -1, correction=2), ((3, 5), U()))
case("Std/all", lambda x: x.std(), ((3, 4), U()))
case("Std/dim=0", lambda x: x.std(0), ((3, 4), U()))
case("Std/correction=0_keepdim", lambda x: torch.std(x, 1, correction=0, keepdim=True), ((3, 4), U()))
case("VarMean/var", lambda x: torch.var_mean(x, 1)[0], ((3, 4), U()))
case("VarMean/mean", lambda x: torch.var_mean(x, 1)[1], ((3, 4), U()))
case("VarMean/mean_keepdim", lambda x: torch.var_mean(x, (0, 1), correction=0, keepdim=True)[1], ((2, 3, 4), U()))
case("LogSumExp/dim=1", lambda x: x.logsumexp(1), ((3, 4), U(-3, 3)))
case("LogSumExp/all", lambda x: x.logsumexp((0, 1)), ((3, 4), U(-3, 3)))
case("LogSumExp/keepdim", lambda x: x.logsumexp(-1, keepdim=True), ((2, 3, 4), U(-3, 3)))
case("LogSumExp/±1e4", lambda x: x.logsumexp(1), ((2, 3), V([1e4, 1e4 - 1, -1e4, -1e4, -1e4 + 2, -1e4 - 3])))
case("LogSumExp/-inf", lambda x: x.logsumexp(1), ((2, 2), V([float("-inf"), float("-inf"), float("-inf"), 1.0])))
for tag, p in (("2", 2), ("1", 1), ("inf", float("inf")), ("-inf", float("-inf")), ("3", 3), ("0.5", 0.5), ("0", 0)):
    case(f"VectorNorm/p={tag}", lambda x, p=p: torch.linalg.vector_norm(x, p), ((3, 4), away()))
case("VectorNorm/p=2_dim=1", lambda x: torch.linalg.vector_norm(x, 2, 1), ((3, 4), U()))
case("VectorNorm/p=2_zero", lambda x: torch.linalg.vector_norm(x, 2, -1, keepdim=True), ((2, 3), V([0.0, 0.0, 0.0, 1.0, -2.0, 2.0])))
case("VectorNorm/p=3_zero", lambda x: torch.linalg.vector_norm(x, 3, 1), ((2, 3), V([0.0, 0.0, 0.0, 1.0, -2.0, 2.0])))
case("VectorNorm/p=inf_ties", lambda x: torch.linalg.vector_norm(x, float("inf"), 1), ((2, 3), V([1.0, -2.0, 2.0, 0.5, 0.25, -0.5])))
case("Norm/p=2", lambda x: torch.norm(x, 2), ((3, 4), U()))
case("Norm/p=1_dim=0", lambda x: torch.norm(x, 1, 0), ((3, 4), away()))
case("Norm/p=2_keepdim", lambda x: torch.norm(x, 2, (0, 1), keepdim=True), ((2, 3, 4), U()))
case("Cumsum/dim=1", lambda x: x.cumsum(1), ((3, 4), U()))
case("Cumsum/dim=-3", lambda x: x.cumsum(-3), ((2, 3, 4), U()))
case("Cumsum/0-d", lambda x: x.cumsum(0), ((), U()))
case("Cumprod/dim=1", lambda x: x.cumprod(1), ((3, 4), U()))
case("Cumprod/zeros", lambda x: x.cumprod(1), ((3, 4), V([0.0, 2.0, 3.0, 1.5, 1.0, 0.0, 2.0, 0.0, 1.0, 2.0, 0.0, 0.5])))
case("Cummax/values", lambda x: x.cummax(1)[0], ((3, 4), U()))
case("Cummax/ties", lambda x: x.cummax(1)[0], ((3, 4), V(TIE)))
case("Cummax/ties_indices", lambda x: x.cummax(1)[1], ((3, 4), V(TIE)))
case("Cummin/values", lambda x: x.cummin(0)[0], ((3, 4), U()))
case("Cummin/ties_indices", lambda x: x.cummin(1)[1], ((3, 4), V(TIE)))
case("All", lambda x: x.all(), ((2, 3), V([1.0, 2.0, 0.0, 1.0, float("nan"), 3.0])))
case("All/dim=1", lambda x: x.all(1), ((2, 3), V([1.0, 2.0, 0.0, 1.0, float("nan"), 3.0])))
case("All/bool", lambda x: x.all(0), ((2, 3), B()))
case("Any", lambda x: x.any(), ((2, 3), V([0.0, 0.0, 0.0, 0.0, -0.0, 0.0])))
case("Any/dim=0", lambda x: x.any(0), ((2, 3), V([0.0, 2.0, 0.0, 0.0, float("nan"), 0.0])))
case("AllKeepDim/dim=1", lambda x: x.all(1, keepdim=True), ((2, 3), V([1.0, 0.0, 2.0, float("nan"), -1.0, 3.0])))
case("AllKeepDim/dim=-1_3d", lambda x: x.all(-1, keepdim=True), ((2, 2, 2), V([1.0, 1.0, 0.0, 2.0, -0.0, 0.0, 4.0, 5.0])))
case("AnyKeepDim/dim=0", lambda x: x.any(0, keepdim=True), ((2, 3), V([0.0, 2.0, 0.0, 0.0, float("nan"), -0.0])))
case("AnyKeepDim/int64", lambda x: x.any(1, keepdim=True), ((2, 3), IV([0, 0, 0, 0, 5, 0])))
case("CountNonzero", lambda x: torch.count_nonzero(x), ((2, 3), V([0.0, 2.0, 0.0, 1.0, float("nan"), 0.0])))
case("CountNonzero/dims=0,1", lambda x: torch.count_nonzero(x, (0, 1)), ((2, 3, 2), I(0, 2)))
MED = [3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0, 6.0, 5.5, 3.5, 5.8, 9.7]
case("Median/all", lambda x: x.median(), ((3, 4), V(MED)))
case("Median/ties", lambda x: x.median(), ((2, 3), V([2.0, 1.0, 2.0, 1.0, 2.0, 3.0])))
case("MedianDim/dim=1", lambda x: x.median(1)[0], ((3, 4), V(MED)))
case("MedianDim/indices", lambda x: x.median(1)[1], ((3, 4), V(MED)))
case("MedianDim/keepdim_0", lambda x: x.median(0, keepdim=True)[0], ((3, 4), V(MED)))
case("Kthvalue/2_dim=1", lambda x: x.kthvalue(2, 1)[0], ((3, 4), V(MED)))
case("Kthvalue/indices", lambda x: x.kthvalue(3, 0)[1], ((3, 4), V(MED)))
case("Topk/2", lambda x: x.topk(2)[0], ((3, 4), V(MED)))
case("Topk/smallest_dim=0", lambda x: x.topk(2, 0, largest=False)[0], ((3, 4), V(MED)))
case("Topk/indices", lambda x: x.topk(2)[1], ((3, 4), V(MED)))  # the order of ties is unspecified
case("Sort/dim=1", lambda x: x.sort(dim=1, stable=True)[0], ((3, 4), U()))
case("Sort/descending_dim=0", lambda x: x.sort(dim=0, descending=True, stable=True)[0], ((3, 4), U()))
case("Sort/ties", lambda x: x.sort(dim=1, stable=True)[0], ((3, 4), V(TIE)))
case("Sort/ties_indices", lambda x: x.sort(dim=1, stable=True)[1], ((3, 4), V(TIE)))
case("Sort/nan_indices", lambda x: x.sort(dim=0, stable=True)[1], ((4,), V([2.0, float("nan"), -1.0, float("inf")])))
case("Argsort", lambda x: torch.argsort(x, dim=1, stable=True), ((3, 4), V(TIE)))
case("Argsort/descending", lambda x: torch.argsort(x, dim=1, descending=True, stable=True), ((3, 4), V(TIE)))

case("Sort/int64", lambda x: x.sort(dim=1, stable=True)[0], ((3, 4), I(-9, 9)))
case("Argsort/int64_descending", lambda x: torch.argsort(x, dim=0, descending=True, stable=True), ((3, 4), I(-3, 3)))
case("MaxDim/int64_indices", lambda x: x.max(1)[1], ((3, 4), I(-3, 3)))
case("Amax/int64", lambda x: x.amax(0), ((3, 4), I(-9, 9)))
case("Max/bool", lambda x: x.max(), ((2, 3), B()))
case("Topk/int64", lambda x: x.topk(2)[0], ((3, 4), I(-9, 9)))
case("Cummax/int64", lambda x: x.cummax(1)[0], ((3, 4), I(-9, 9)))

case("Cumsum/bool", lambda x: x.cumsum(-1), ((2, 5), B()))
case("Cumprod/int64", lambda x: x.cumprod(0), ((3, 4), I(-3, 4)))

# Elementwise math.
case("Expm1", torch.expm1, ((3, 4), U()))
case("Log1p", torch.log1p, ((3, 4), U(-0.9, 3)))
case("Log2", torch.log2, ((3, 4), P(0.1, 5)))
case("Log10", torch.log10, ((3, 4), P(0.1, 5)))
case("Rsqrt", torch.rsqrt, ((3, 4), P(0.2, 5)))
case("Square", torch.square, ((3, 4), U()))
case("Tan", torch.tan, ((3, 4), U(-1.3, 1.3)))
case("Asin", torch.asin, ((3, 4), U(-0.9, 0.9)))
case("Acos", torch.acos, ((3, 4), U(-0.9, 0.9)))
case("Atan", torch.atan, ((3, 4), U(-3, 3)))
case("Sinh", torch.sinh, ((3, 4), U()))
case("Cosh", torch.cosh, ((3, 4), U()))
case("Asinh", torch.asinh, ((3, 4), U(-3, 3)))
case("Erf", torch.erf, ((3, 4), U()))
case("Erfc", torch.erfc, ((3, 4), U()))
case("Erfinv", torch.erfinv, ((3, 4), U(-0.9, 0.9)))
case("Erfinv/edges", torch.erfinv, ((4,), V([-1.0, 1.0, 0.0, 1.5])))
ROUND = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -1.7, 1.2, 0.49, -0.51, 3.0, -0.0]
case("Floor", torch.floor, ((3, 4), V(ROUND)))
case("Ceil", torch.ceil, ((3, 4), V(ROUND)))
case("Round", torch.round, ((3, 4), V(ROUND)))
case("Trunc", torch.trunc, ((3, 4), V(ROUND)))
case("Frac", torch.frac, ((3, 4), V(ROUND)))
case("NanToNum", lambda x: torch.nan_to_num(x), ((2, 3), V([1.0, float("nan"), float("inf"), float("-inf"), -0.5, 2.0])))
case("NanToNum/values", lambda x: torch.nan_to_num(x, 0.5, 10.0, -10.0), ((2, 3), V([1.0, float("nan"), float("inf"), float("-inf"), -0.5, 2.0])))
case("Atan2", torch.atan2, ((3, 4), U()), ((4,), away()))
case("Atan2/broadcast", torch.atan2, ((3, 1), away()), ((1, 4), U()))
case("Hypot", torch.hypot, ((3, 4), away()), ((3, 4), away()))
case("Logaddexp", torch.logaddexp, ((3, 4), U(-3, 3)), ((4,), U(-3, 3)))
case("Logaddexp/±1e4", torch.logaddexp, ((2, 2), V([1e4, -1e4, 1e4, -1e4])), ((2, 2), V([1e4 - 1, -1e4, -1e4, 1e4])))
case("Xlogy", torch.xlogy, ((3, 4), away()), ((3, 4), P(0.2, 3)))
case("Xlogy/zero_x", torch.xlogy, ((2, 3), V([0.0, 0.0, 1.5, 0.0, 2.0, -1.0])), ((2, 3), V([0.5, 0.0, 2.0, float("nan"), 3.0, 0.25])))
case("Fmod", torch.fmod, ((3, 4), U(-5, 5)), ((4,), V([1.5, -2.0, 0.7, -1.1])))
case("Fmod/int64", torch.fmod, ((2, 3), IV([-7, 7, -7, 5, 0, 9])), ((3,), IV([3, -3, 2])))
case("Remainder", torch.remainder, ((3, 4), U(-5, 5)), ((4,), V([1.5, -2.0, 0.7, -1.1])))
case("Remainder/int64", torch.remainder, ((2, 3), IV([-7, 7, -7, 5, 0, 9])), ((3,), IV([3, -3, 2])))
case("FmodScalar", lambda x: torch.fmod(x, 1.5), ((3, 4), U(-5, 5)))
case("RemainderScalar", lambda x: torch.remainder(x, -1.5), ((3, 4), U(-5, 5)))
case("RemainderScalar/int64", lambda x: x % 3, ((2, 3), IV([-7, 7, -7, 5, 0, 9])))
case("Lerp", torch.lerp, ((3, 4), U()), ((4,), U()), ((3, 1), U()))
case("LerpScalar", lambda a, b: torch.lerp(a, b, 0.3), ((3, 4), U()), ((3, 4), U()))
case("Addcmul", lambda t, a, b: torch.addcmul(t, a, b, value=0.5), ((3, 4), U()), ((4,), U()), ((3, 1), U()))
case("Addcdiv", lambda t, a, b: torch.addcdiv(t, a, b, value=-2.0), ((3, 4), U()), ((3, 4), U()), ((4,), away(0.5)))

# Activations.
case("Gelu", lambda x: F.gelu(x), ((3, 4), U(-3, 3)))
case("Gelu/tanh", lambda x: F.gelu(x, approximate="tanh"), ((3, 4), U(-3, 3)))
case("Silu", F.silu, ((3, 4), U(-4, 4)))
case("Mish", F.mish, ((3, 4), U(-4, 4)))
case("Softplus", F.softplus, ((3, 4), U(-4, 4)))
case("Softplus/beta_threshold", lambda x: F.softplus(x, 2.0, 3.0), ((3, 4), V([-3.0, -1.0, 0.5, 1.0, 1.4, 1.6, 2.0, 3.0, -0.2, 0.0, 1.45, 4.0])))
case("Softplus/±1e4", F.softplus, ((4,), V([1e4, -1e4, 30.0, -30.0])))
# Forward only: PyTorch's gradient at 1e4 is NaN (e^1e4 overflows); gograd's is 1
# (TestSoftplusLargeGradient).
case("Softplus/±1e4_high_threshold", lambda x: F.softplus(x, 1.0, 1e5), ((4,), V([1e4, -1e4, 30.0, -30.0], grad=False)))
case("LeakyRelu", lambda x: F.leaky_relu(x, 0.1), ((3, 4), away()))
case("Elu", lambda x: F.elu(x, 1.5), ((3, 4), away()))
case("Selu", F.selu, ((3, 4), away()))
case("Celu", lambda x: F.celu(x, 0.7), ((3, 4), away()))
case("Hardtanh", lambda x: F.hardtanh(x, -0.5, 1.0), ((3, 4), V([-1.5, -0.9, -0.3, 0.1, 0.4, 0.6, 1.2, 2.0, -0.45, 0.7, 0.05, -2.2])))
case("Relu6", F.relu6, ((3, 4), V([-1.5, 0.9, 3.3, 5.1, 6.4, 7.6, 1.2, 2.0, -0.45, 0.7, 5.95, -2.2])))
case("Hardsigmoid", F.hardsigmoid, ((3, 4), V([-4.5, -2.9, -1.3, 0.1, 1.4, 2.6, 3.2, 5.0, -0.45, 0.7, 2.95, -3.2])))
case("Hardswish", F.hardswish, ((3, 4), V([-4.5, -2.9, -1.3, 0.1, 1.4, 2.6, 3.2, 5.0, -0.45, 0.7, 2.95, -3.2])))
case("LogSigmoid", F.logsigmoid, ((3, 4), U(-5, 5)))
case("LogSigmoid/±1e4", F.logsigmoid, ((4,), V([1e4, -1e4, 30.0, -30.0])))
case("Softsign", F.softsign, ((3, 4), away()))
case("Tanhshrink", F.tanhshrink, ((3, 4), U(-3, 3)))

# Linear algebra.
case("Mm", torch.mm, ((3, 4), U()), ((4, 5), U()))
case("Mm/size_0", torch.mm, ((3, 0), U()), ((0, 5), U()))
case("Bmm", torch.bmm, ((2, 3, 4), U()), ((2, 4, 5), U()))
case("Mv", torch.mv, ((3, 4), U()), ((4,), U()))
case("Dot", torch.dot, ((5,), U()), ((5,), U()))
case("Outer", torch.outer, ((3,), U()), ((4,), U()))
case("Addmm", lambda i, a, b: torch.addmm(i, a, b, beta=0.5, alpha=-2.0), ((3, 5), U()), ((3, 4), U()), ((4, 5), U()))
case("Addmm/broadcast_input", lambda i, a, b: torch.addmm(i, a, b), ((5,), U()), ((3, 4), U()), ((4, 5), U()))
case("Addmm/beta=0", lambda i, a, b: torch.addmm(i, a, b, beta=0.0), ((3, 5), V([float("nan")] * 15, grad=False)), ((3, 4), U()), ((4, 5), U()))
case("Baddbmm", lambda i, a, b: torch.baddbmm(i, a, b, beta=2.0, alpha=0.5), ((2, 3, 5), U()), ((2, 3, 4), U()), ((2, 4, 5), U()))
case("Trace", torch.trace, ((3, 4), U()))
case("Trace/square", torch.trace, ((3, 3), U()))
case("Kron", torch.kron, ((2, 3), U()), ((3, 2), U()))
case("Kron/ranks", torch.kron, ((2,), U()), ((2, 3), U()))
case("Einsum/mm", lambda a, b: torch.einsum("ij,jk->ik", a, b), ((3, 4), U()), ((4, 5), U()))
case("Einsum/attention", lambda q, k: torch.einsum("bhqd,bhkd->bhqk", q, k), ((2, 2, 3, 4), U()), ((2, 2, 5, 4), U()))
case("Einsum/attention_values", lambda p, v: torch.einsum("bhqk,bhkd->bhqd", p, v), ((2, 2, 3, 5), U()), ((2, 2, 5, 4), U()))
case("Einsum/bilinear", lambda x, w, y: torch.einsum("bi,oij,bj->bo", x, w, y), ((3, 4), U()), ((2, 4, 5), U()), ((3, 5), U()))
case("Einsum/transpose", lambda a: torch.einsum("ij->ji", a), ((3, 4), U()))
case("Einsum/sum", lambda a: torch.einsum("ijk->j", a), ((2, 3, 4), U()))
case("Einsum/implicit", lambda a, b: torch.einsum("kj,ik", a, b), ((4, 5), U()), ((3, 4), U()))
case("Einsum/outer", lambda a, b: torch.einsum("i,j->ij", a, b), ((3,), U()), ((4,), U()))
case("Einsum/diagonal", lambda a: torch.einsum("ii->i", a), ((3, 3), U()))
case("Einsum/trace", lambda a: torch.einsum("ii", a), ((3, 3), U()))
case("Einsum/repeated_three", lambda a: torch.einsum("iij->ij", a), ((3, 3, 2), U()))
case("Einsum/diagonal_contraction", lambda a, b: torch.einsum("ii,ij->j", a, b), ((3, 3), U()), ((3, 4), U()))
case("Einsum/ellipsis_batch_diagonal", lambda a: torch.einsum("...ii->...i", a), ((2, 3, 3), U()))
case("Einsum/ellipsis_matmul_broadcast", lambda a, b: torch.einsum("...ij,...jk->...ik", a, b), ((2, 1, 3, 4), U()), ((5, 4, 2), U()))
case("Einsum/ellipsis_summed", lambda a: torch.einsum("...ij->ij", a), ((2, 3, 4), U()))
case("Einsum/ellipsis_implicit", lambda a, b: torch.einsum("ba...,...c", a, b), ((2, 3, 4), U()), ((4, 5), U()))
case("Einsum/ellipsis_between_diagonal", lambda a: torch.einsum("i...i->...", a), ((3, 2, 3), U()))
case("Einsum/ellipsis_attention", lambda q, k: torch.einsum("...qd,...kd->...qk", q, k), ((2, 2, 3, 4), U()), ((2, 2, 5, 4), U()))

# Creation (forward only).
case("Linspace", lambda: torch.linspace(-1.0, 2.0, 7))
case("Linspace/float64", lambda: torch.linspace(0.1, 1.0, 10, dtype=torch.float64))
case("Linspace/one", lambda: torch.linspace(3.0, 5.0, 1))
case("Logspace", lambda: torch.logspace(-2.0, 1.0, 5))
case("Logspace/base2_float64", lambda: torch.logspace(0.0, 4.5, 6, base=2.0, dtype=torch.float64))

# Edge cases of the op library: size-0 and size-1 dims, 0-d tensors.
case("Where/size_0", torch.where, ((0, 3), B()), ((0, 3), U()), ((3,), U()))
case("Flip/size_0", lambda x: x.flip(1), ((2, 0), U()))
case("Cumsum/size_0", lambda x: x.cumsum(0), ((0, 3), U()))
case("Sort/size_1", lambda x: x.sort(dim=1, stable=True)[0], ((3, 1), U()))
case("Amax/size_1", lambda x: x.amax(0), ((1, 4), U()))
case("MaxDim/size_1", lambda x: x.max(0)[0], ((1, 4), U()))
case("Gather/empty_index", lambda x, i: x.gather(1, i), ((3, 4), U()), ((3, 0), IV(np.zeros((3, 0), dtype=np.int64))))
case("IndexSelect/empty_index", lambda x, i: x.index_select(0, i), ((3, 4), U()), ((0,), IV(np.zeros((0,), dtype=np.int64))))
case("Stack/0-d", lambda a, b: torch.stack([a, b]), ((), U()), ((), U()))
case("Repeat/zero", lambda x: x.repeat(0, 2), ((2, 3), U()))
case("Pad/replicate_size_1", lambda x: F.pad(x, (2, 1), mode="replicate"), ((2, 3, 1), U()))
case("Meshgrid/0-d", lambda a, b: torch.meshgrid(a, b, indexing="ij")[0], ((), U()), ((3,), U()))
case("LogSumExp/size_0", lambda x: x.logsumexp(1), ((2, 0), U()))
case("Var/size_1_correction=0", lambda x: torch.var(x, 1, correction=0), ((3, 1), U()))
case("Cat/0-d_inputs_of_size_1", lambda a, b: torch.cat([a, b], -1), ((1,), U()), ((1,), U()))
case("Gelu/0-d", lambda x: F.gelu(x), ((), U()))
case("Atan2/0-d_broadcast", torch.atan2, ((), U()), ((2, 3), away()))
case("Eq/size_0", torch.eq, ((0, 3), U()), ((3,), U()))
case("Einsum/size_0_contraction", lambda a, b: torch.einsum("ij,jk->ik", a, b), ((2, 0), U()), ((0, 3), U()))
case("MaskedFill/0-d", lambda x, m: x.masked_fill(m, 3.0), ((), U()), ((), BV(True)))

# Advanced indexing.
case("Index/one", lambda x, i: x[i], ((4, 3), U()), ((2, 2), IV([[0, 3], [3, -1]])))
case("Index/two_broadcast", lambda x, i, j: x[i, j], ((3, 4, 2), U()), ((2, 1), IV([[0], [2]])), ((3,), IV([1, -1, 0])))
case("IndexPut", lambda x, i, v: x.index_put((i,), v), ((4, 3), U()), ((2,), IV([2, 0])), ((2, 3), U()))
case("IndexPut/accumulate", lambda x, i, v: x.index_put((i,), v, accumulate=True), ((4, 3), U()), ((3,), IV([2, 0, 2])), ((3, 3), U()))
case("IndexPut/two_broadcast_values", lambda x, i, j, v: x.index_put((i, j), v, accumulate=True), ((3, 4), U()), ((2,), IV([0, 2])), ((2,), IV([-1, 1])), ((1,), U()))
case("IndexPut_", on_copy(lambda y, i, v: y.index_put_((i,), v)), ((4, 3), U()), ((2,), IV([2, 0])), ((2, 3), U()))
case("IndexPut_/accumulate", on_copy(lambda y, i, v: y.index_put_((i,), v, accumulate=True)), ((4, 3), U()), ((3,), IV([2, 0, 2])), ((3, 3), U()))
case("IndexPut_/two_indices_through_view", through_view(lambda y: y[1:], lambda v, i, j, w: v.index_put_((i, j), w, accumulate=True)), ((4, 3), U()), ((3,), IV([0, 2, 0])), ((3,), IV([-1, 1, -1])), ((1,), U()))

# Factorisations: well-conditioned matrices (uniform entries plus a diagonal).
def WellConditioned(n):
    def gen(rng, shape):
        a = rng.uniform(-1, 1, size=shape) + 3 * np.eye(n) * rng.choice([-1.0, 1.0], size=shape[:-1])[..., None]
        return In(f32(a).ravel().tolist(), shape)

    return gen


case("Inv", torch.linalg.inv, ((3, 3), WellConditioned(3)))
case("Inv/batched", torch.linalg.inv, ((2, 4, 4), WellConditioned(4)))
case("Det", torch.linalg.det, ((3, 3), WellConditioned(3)))
case("Det/batched", torch.linalg.det, ((2, 2, 2), WellConditioned(2)))
case("Det/singular_rank2", torch.linalg.det, ((3, 3), V([1, 2, 3, 2, 4, 6, 0.5, -1, 1.5])))
case("Det/singular_rank1", torch.linalg.det, ((2, 2), V([1, 2, 2, 4])))
case("Det/singular_rank1_3x3", torch.linalg.det, ((3, 3), V([1, 2, 3, 2, 4, 6, -1, -2, -3])))
case("Det/batched_one_singular", torch.linalg.det, ((2, 2, 2), V([1, -2, 0.5, -1, 2, 0.5, 1, 3])))
case("Slogdet", lambda a: torch.linalg.slogdet(a)[1], ((3, 3), WellConditioned(3)))
case("Slogdet/sign", lambda a: torch.linalg.slogdet(a)[0], ((2, 3, 3), WellConditioned(3)))
case("Solve", torch.linalg.solve, ((3, 3), WellConditioned(3)), ((3, 2), U()))
case("Solve/vector", torch.linalg.solve, ((2, 3, 3), WellConditioned(3)), ((2, 3), U()))
case("Cholesky", lambda x: torch.linalg.cholesky(x @ x.mT + torch.eye(3, dtype=x.dtype)), ((3, 3), U()))
case("Cholesky/batched", lambda x: torch.linalg.cholesky(x @ x.mT + torch.eye(4, dtype=x.dtype)), ((2, 4, 4), U()))
case("Eigh/values", lambda x: torch.linalg.eigh(x + x.mT)[0], ((3, 3), U()))
case("Eigh/values_batched", lambda x: torch.linalg.eigh(x + x.mT)[0], ((2, 4, 4), U()))
# Eigenvectors have arbitrary signs; their squares do not.
case("Eigh/vectors_squared", lambda x: torch.linalg.eigh(x + x.mT)[1] ** 2, ((3, 3), U()))
case("Svdvals", torch.linalg.svdvals, ((4, 3), U()))
case("Svdvals/wide_batched", torch.linalg.svdvals, ((2, 2, 4), U()))
# Singular vectors and Q have arbitrary signs; their squares and U·diag(S)·Vh do not.
case("Svd/S", lambda x: torch.linalg.svd(x, full_matrices=False)[1], ((4, 3), U()))
case("Svd/U_squared", lambda x: torch.linalg.svd(x, full_matrices=False)[0] ** 2, ((4, 3), U()))
case("Svd/Vh_squared", lambda x: torch.linalg.svd(x, full_matrices=False)[2] ** 2, ((4, 3), U()))
case("Svd/wide_U_squared", lambda x: torch.linalg.svd(x, full_matrices=False)[0] ** 2, ((2, 4), U()))
case("Svd/wide_Vh_squared", lambda x: torch.linalg.svd(x, full_matrices=False)[2] ** 2, ((2, 2, 4), U()))
case("Qr/Q_squared", lambda x: torch.linalg.qr(x)[0] ** 2, ((4, 3), U()))
case("Qr/R_squared", lambda x: torch.linalg.qr(x)[1] ** 2, ((4, 3), U()))
case("Qr/square_batched_R_squared", lambda x: torch.linalg.qr(x)[1] ** 2, ((2, 3, 3), U()))
case("Qr/wide_Q_squared", lambda x: torch.linalg.qr(x)[0] ** 2, ((3, 5), U()))
case("Qr/wide_R_squared", lambda x: torch.linalg.qr(x)[1] ** 2, ((3, 5), U()))
case("Qr/wide_batched_QR_squared", lambda x: (lambda q, r: (q ** 2) @ (r ** 2))(*torch.linalg.qr(x)), ((2, 2, 4), U()))
case("QrMode/complete_wide_R_squared", lambda x: torch.linalg.qr(x, mode="complete")[1] ** 2, ((3, 4), U()))
case("QrMode/complete_square_Q_squared", lambda x: torch.linalg.qr(x, mode="complete")[0] ** 2, ((3, 3), U()))
case("QrMode/complete_tall_R_squared", lambda x: torch.linalg.qr(x, mode="complete")[1] ** 2, ((4, 2), U(grad=False)))
case("QrMode/complete_tall_Q_squared", lambda x: torch.linalg.qr(x, mode="complete")[0] ** 2, ((4, 2), U(grad=False)))

names = [c["name"] for c in cases]
assert len(names) == len(set(names)), "duplicate case names"

# One case per line, so that a regenerated file diffs case by case.
with open("ops_golden.json", "w") as f:
    f.write('{"torch":%s,"cases":[\n' % json.dumps(torch.__version__))
    f.write(",\n".join(json.dumps(c, allow_nan=False, separators=(",", ":"), ensure_ascii=False) for c in cases))
    f.write("\n]}\n")
print(f"wrote {len(cases)} cases")
