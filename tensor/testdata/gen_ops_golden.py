#!/usr/bin/python3
"""Writes ops_golden.json: PyTorch 1.13's forward values, input gradients and
grad_fn names for every row of the op table in ../optable_test.go.

Run from this directory with Debian's python3-torch:

    /usr/bin/python3 gen_ops_golden.py

Each case is named as its row in the Go table ("Mul/(3,4)*(4)"). Its inputs are
drawn from a numpy generator seeded with the CRC-32 of the case name (so adding a
case does not change the others) and rounded to float32, so that the float32 and
float64 runs, and Go, all start from the very same values, which the JSON stores:

    inputs    [{shape, dtype ("float" or "int64"), grad (requires_grad), data}]
    upstream  the gradient given to out.backward, of the output's shape (float32
              values, also drawn from the case's generator)
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


def case(name, fn, *specs):
    """Adds a case: specs are (shape, generator) pairs, fn maps torch tensors to the output."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    inputs = [gen(rng, tuple(shape)) for shape, gen in specs]
    res = {}
    upstream = None
    for key, dt in (("float32", torch.float32), ("float64", torch.float64)):
        ts = []
        for i in inputs:
            if i.dtype == "int64":
                ts.append(torch.tensor(i.data, dtype=torch.int64).reshape(i.shape))
            else:
                ts.append(torch.tensor(i.data, dtype=dt).reshape(i.shape).requires_grad_(i.grad))
        out = fn(*ts)
        if upstream is None:
            upstream = f32(rng.standard_normal(size=tuple(out.shape))).ravel().tolist()
        out.backward(torch.tensor(upstream, dtype=out.dtype).reshape(out.shape))
        res[key] = {
            "out_dtype": {torch.float32: "float32", torch.float64: "float64"}[out.dtype],
            "shape": list(out.shape),
            "data": out.detach().double().ravel().tolist(),
            "grad_fn": type(out.grad_fn).__name__ if out.grad_fn is not None else "",
            "grads": [t.grad.double().ravel().tolist() if t.grad is not None else None for t in ts],
        }
    cases.append(
        {
            "name": name,
            "inputs": [{"shape": i.shape, "dtype": i.dtype, "grad": i.grad, "data": i.data} for i in inputs],
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

names = [c["name"] for c in cases]
assert len(names) == len(set(names)), "duplicate case names"
for c in cases:
    for key in ("float32", "float64"):
        for v in c[key]["data"]:
            assert math.isfinite(v), c["name"]

# One case per line, so that a regenerated file diffs case by case.
with open("ops_golden.json", "w") as f:
    f.write('{"torch":%s,"cases":[\n' % json.dumps(torch.__version__))
    f.write(",\n".join(json.dumps(c, allow_nan=False, separators=(",", ":"), ensure_ascii=False) for c in cases))
    f.write("\n]}\n")
print(f"wrote {len(cases)} cases")
