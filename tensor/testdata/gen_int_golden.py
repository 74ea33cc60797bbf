#!/usr/bin/python3
"""Writes int_golden.json: what PyTorch 1.13 returns, or that it refuses, for the
tensor ops applied to int64 and bool tensors, for tensor/int_golden_test.go.

Run from this directory with Debian's python3-torch:

    /usr/bin/python3 gen_int_golden.py

Each case applies one op ("op": the Go method, with any parameters after a
"/") to named inputs ("args", from INPUTS, stored in the file) and records either "error": true (PyTorch raised, gograd
must panic with a typed *Error) or the outputs' dtype, shape and values. Values
are JSON numbers, or "nan", "inf" and "-inf". Float inputs require grad, so
that the test also sees that integer results never do.
"""

import json
import math

import torch
import torch.nn.functional as F

INPUTS = {
    "i": torch.tensor([[1, -2, 3], [0, 5, -4]]),             # int64 (2, 3)
    "j": torch.tensor([[2, 1, -3], [4, -1, 2]]),             # int64 (2, 3)
    "p": torch.tensor([[1, 2, 3], [4, 5, 6]]),               # int64 (2, 3), positive
    "m": torch.tensor([[1, 0], [-1, 2], [3, 1]]),            # int64 (3, 2)
    "q": torch.tensor([[2, 1], [1, 3]]),                     # int64 (2, 2)
    "v": torch.tensor([1, -1, 2]),                           # int64 (3,)
    "b": torch.tensor([[True, False, True], [False, False, True]]),
    "c": torch.tensor([[True, True, False], [False, True, True]]),
    "f": torch.tensor([[0.5, -1.5, 2.0], [3.0, -0.25, 1.0]], requires_grad=True),
    "ix": torch.tensor([[0, 2], [1, 0]]),                    # int64 indices
    # float64 (2, 3) with values float32 cannot hold, for float32/float64 mixes
    "d": torch.tensor([[0.1, 1 / 3, -2 / 7], [1e-9, 3.0000001, -0.7]], dtype=torch.float64),
}

UNARY = {
    "Abs": lambda x: x.abs(),
    "Neg": lambda x: x.neg(),
    "Sign": lambda x: x.sign(),
    "Square": lambda x: x.square(),
    "Floor": lambda x: x.floor(),
    "Ceil": lambda x: x.ceil(),
    "Round": lambda x: x.round(),
    "Trunc": lambda x: x.trunc(),
    "Frac": lambda x: x.frac(),
    "Relu": lambda x: torch.relu(x),
    "Relu6": lambda x: F.relu6(x),
    "Exp": lambda x: x.exp(),
    "Log": lambda x: x.log(),
    "Sqrt": lambda x: x.sqrt(),
    "Rsqrt": lambda x: x.rsqrt(),
    "Sin": lambda x: x.sin(),
    "Cos": lambda x: x.cos(),
    "Tan": lambda x: x.tan(),
    "Tanh": lambda x: x.tanh(),
    "Sigmoid": lambda x: x.sigmoid(),
    "Expm1": lambda x: x.expm1(),
    "Log1p": lambda x: x.log1p(),
    "Log2": lambda x: x.log2(),
    "Log10": lambda x: x.log10(),
    "Asin": lambda x: x.asin(),
    "Acos": lambda x: x.acos(),
    "Atan": lambda x: x.atan(),
    "Sinh": lambda x: x.sinh(),
    "Cosh": lambda x: x.cosh(),
    "Asinh": lambda x: x.asinh(),
    "Erf": lambda x: x.erf(),
    "Erfc": lambda x: x.erfc(),
    "Erfinv": lambda x: x.erfinv(),
    "Reciprocal": lambda x: x.reciprocal(),
    "Pow/2": lambda x: x.pow(2),
    "Pow/3": lambda x: x.pow(3),
    "Pow/0": lambda x: x.pow(0),
    "Pow/0.5": lambda x: x.pow(0.5),
    "Pow/2.5": lambda x: x.pow(2.5),
    "Pow/-1": lambda x: x.pow(-1),
    "Clamp": lambda x: x.clamp(-1, 2),
    "Clamp/frac": lambda x: x.clamp(-1.5, 2.5),
    "Hardtanh": lambda x: F.hardtanh(x, -1.0, 2.0),
    "LeakyRelu": lambda x: F.leaky_relu(x, 0.1),
    "Elu": lambda x: F.elu(x),
    "Gelu": lambda x: F.gelu(x),
    "Silu": lambda x: F.silu(x),
    "Mish": lambda x: F.mish(x),
    "Softplus": lambda x: F.softplus(x),
    "Softsign": lambda x: F.softsign(x),
    "Selu": lambda x: F.selu(x),
    "Celu": lambda x: F.celu(x),
    "Hardsigmoid": lambda x: F.hardsigmoid(x),
    "Hardswish": lambda x: F.hardswish(x),
    "LogSigmoid": lambda x: F.logsigmoid(x),
    "Tanhshrink": lambda x: F.tanhshrink(x),
    "NanToNum": lambda x: torch.nan_to_num(x, 0.0),
    "IsFinite": lambda x: x.isfinite(),
    "IsInf": lambda x: x.isinf(),
    "IsNaN": lambda x: x.isnan(),
    "LogicalNot": lambda x: x.logical_not(),
    "Sum": lambda x: x.sum(),
    "Sum/dim": lambda x: x.sum(1),
    "SumKeepDim": lambda x: x.sum(1, keepdim=True),
    "Mean": lambda x: x.mean(),
    "Mean/dim": lambda x: x.mean(1),
    "Prod": lambda x: x.prod(),
    "ProdDim": lambda x: x.prod(1),
    "Max": lambda x: x.max(),
    "Min": lambda x: x.min(),
    "MaxDim": lambda x: x.max(1),
    "MinDim": lambda x: x.min(1),
    "Amax": lambda x: x.amax(1),
    "Amin": lambda x: x.amin(1),
    "Argmax": lambda x: x.argmax(1),
    "Argmin": lambda x: x.argmin(1),
    "Median": lambda x: x.median(),
    "MedianDim": lambda x: x.median(1),
    "Kthvalue": lambda x: x.kthvalue(2, 1),
    "Topk": lambda x: x.topk(2, 1),
    "Sort": lambda x: x.sort(1),
    "Sort/descending": lambda x: x.sort(1, descending=True),
    "Argsort": lambda x: x.argsort(1),
    "Cumsum": lambda x: x.cumsum(1),
    "Cumprod": lambda x: x.cumprod(1),
    "Cummax": lambda x: x.cummax(1),
    "Cummin": lambda x: x.cummin(1),
    "Std": lambda x: x.std(1),
    "Var": lambda x: x.var(1),
    "VarMean": lambda x: torch.var_mean(x, 1),
    "Norm": lambda x: x.norm(2.0),
    "VectorNorm": lambda x: torch.linalg.vector_norm(x),
    "LogSumExp": lambda x: torch.logsumexp(x, 1),
    "Softmax": lambda x: x.softmax(1),
    "LogSoftmax": lambda x: x.log_softmax(1),
    "Trace": lambda x: x.trace(),
    "CountNonzero": lambda x: torch.count_nonzero(x),
    "Nonzero": lambda x: x.nonzero(),
    "All": lambda x: x.all(),
    "Any": lambda x: x.any(),
    "Flip": lambda x: x.flip(1),
    "Roll": lambda x: x.roll(1, 1),
    "Tril": lambda x: x.tril(),
    "Triu": lambda x: x.triu(),
    "Repeat": lambda x: x.repeat(2, 1),
    "Diagonal": lambda x: x.diagonal(),
    "Pad": lambda x: F.pad(x, (1, 1)),
    "Pad/value": lambda x: F.pad(x, (1, 0), value=7),
    "Clone": lambda x: x.clone(),
    "AddScalar": lambda x: x + 1,
    "AddScalar/frac": lambda x: x + 1.5,
    "SubScalar": lambda x: x - 1,
    "RSubScalar": lambda x: 1 - x,
    "MulScalar": lambda x: x * 2,
    "MulScalar/frac": lambda x: x * 0.5,
    "DivScalar": lambda x: x / 2,
    "FmodScalar": lambda x: torch.fmod(x, 2),
    "FmodScalar/frac": lambda x: torch.fmod(x, 1.5),
    "RemainderScalar": lambda x: torch.remainder(x, 2),
    "EqScalar": lambda x: x == 1,
    "GtScalar": lambda x: x > 0,
    "Neg_": lambda x: x.clone().neg_(),
    "Abs_": lambda x: x.clone().abs_(),
    "Clamp_": lambda x: x.clone().clamp_(-1, 2),
    "AddScalar_": lambda x: x.clone().add_(1),
    "SubScalar_": lambda x: x.clone().sub_(1),
    "MulScalar_": lambda x: x.clone().mul_(2),
    "MulScalar_/frac": lambda x: x.clone().mul_(0.5),
    "DivScalar_": lambda x: x.clone().div_(2),
    "Exp_": lambda x: x.clone().exp_(),
    "Log_": lambda x: x.clone().log_(),
    "Sqrt_": lambda x: x.clone().sqrt_(),
    "Sigmoid_": lambda x: x.clone().sigmoid_(),
    "Tanh_": lambda x: x.clone().tanh_(),
    "Reciprocal_": lambda x: x.clone().reciprocal_(),
    "Relu_": lambda x: x.clone().relu_(),
    "Fill_": lambda x: x.clone().fill_(3),
    "Zero_": lambda x: x.clone().zero_(),
}

BINARY = {
    "Add": lambda x, y: x + y,
    "Sub": lambda x, y: x - y,
    "Mul": lambda x, y: x * y,
    "Div": lambda x, y: x / y,
    "Maximum": torch.maximum,
    "Minimum": torch.minimum,
    "Fmod": torch.fmod,
    "Remainder": torch.remainder,
    "PowTensor": torch.pow,
    "Atan2": torch.atan2,
    "Hypot": torch.hypot,
    "Logaddexp": torch.logaddexp,
    "Xlogy": torch.xlogy,
    "Eq": torch.eq,
    "Lt": torch.lt,
    "LogicalAnd": torch.logical_and,
    "LogicalXor": torch.logical_xor,
    "ClampTensor": lambda x, y: torch.clamp(x, min=y),
    "Cat": lambda x, y: torch.cat([x, y], 1),
    "Stack": lambda x, y: torch.stack([x, y]),
    "Add_": lambda x, y: x.clone().add_(y),
    "Sub_": lambda x, y: x.clone().sub_(y),
    "Mul_": lambda x, y: x.clone().mul_(y),
    "Div_": lambda x, y: x.clone().div_(y),
}

PAIRS = [("i", "j"), ("b", "c"), ("i", "b"), ("i", "f")]

OTHER = [
    # name, inputs, fn
    ("MatMul", ["i", "m"], torch.matmul),
    ("MatMul/vector", ["i", "v"], torch.matmul),
    ("MatMul/float", ["i", "f"], lambda x, y: torch.matmul(x, y.t())),
    ("MatMul/bool", ["b", "c"], lambda x, y: torch.matmul(x, y.t())),
    ("Mm", ["i", "m"], torch.mm),
    ("Bmm", ["i", "m"], lambda x, y: torch.bmm(x.unsqueeze(0), y.unsqueeze(0))),
    ("Mv", ["i", "v"], torch.mv),
    ("Dot", ["v", "v"], torch.dot),
    ("Outer", ["v", "v"], torch.outer),
    ("Kron", ["v", "v"], torch.kron),
    ("Einsum", ["i", "m"], lambda x, y: torch.einsum("ij,jk->ik", x, y)),
    ("Addmm", ["q", "i", "m"], torch.addmm),
    ("Baddbmm", ["q", "i", "m"], lambda a, x, y: torch.baddbmm(a.unsqueeze(0), x.unsqueeze(0), y.unsqueeze(0))),
    ("PowTensor/positive", ["p", "q"], lambda x, y: torch.pow(x[:, :2], y)),
    ("Det", ["q"], torch.det),
    ("Inv", ["q"], torch.linalg.inv),
    ("Where", ["b", "i", "j"], torch.where),
    ("Where/bool", ["b", "b", "c"], torch.where),
    ("MaskedFill", ["i", "b"], lambda x, m: x.masked_fill(m, 9)),
    ("MaskedFill/bool", ["c", "b"], lambda x, m: x.masked_fill(m, 1)),
    ("MaskedSelect", ["i", "b"], torch.masked_select),
    ("Gather", ["i", "ix"], lambda x, ix: x.gather(1, ix)),
    ("IndexSelect", ["i", "v"], lambda x, ix: x.index_select(1, ix.abs())),
    ("Scatter", ["i", "ix", "j"], lambda x, ix, y: x.scatter(1, ix, y)),
    ("ScatterAdd", ["i", "ix", "j"], lambda x, ix, y: x.scatter_add(1, ix, y)),
    ("IndexAdd", ["i", "v", "j"], lambda x, ix, y: x.index_add(1, ix.abs(), y)),
    ("TakeAlongDim", ["i", "ix"], lambda x, ix: torch.take_along_dim(x, ix, 1)),
    ("RepeatInterleave", ["i"], lambda x: x.repeat_interleave(2, 1)),
    ("Unfold", ["i"], lambda x: x.unfold(1, 2, 1)),
    ("MaskedFill/frac", ["i", "b"], lambda x, m: x.masked_fill(m, 2.5)),
    ("Dot/bool", ["b", "c"], lambda x, y: torch.dot(x.flatten(), y.flatten())),
    ("Mv/bool", ["b", "c"], lambda x, y: torch.mv(x, y[0])),
    # strided (transposed) integer inputs through the integer kernels
    ("Neg/transposed", ["i"], lambda x: x.t().neg()),
    ("Abs/transposed", ["i"], lambda x: x.t().abs()),
    ("Clamp/transposed", ["i"], lambda x: x.t().clamp(-1, 2)),
    ("Pow/transposed", ["i"], lambda x: x.t().pow(3)),
    ("Exp/transposed", ["i"], lambda x: x.t().exp()),
    ("Prod/transposed", ["i"], lambda x: x.t().prod(1)),
    ("MatMul/transposed-left", ["i", "j"], lambda x, y: x.t() @ y),
    ("MatMul/transposed-right", ["i", "j"], lambda x, y: x @ y.t()),
    ("MatMul/batched", ["i", "m"], lambda x, y: torch.stack([x, -x]) @ y),
    ("PowTensor/broadcast", ["i", "v"], lambda x, y: x.pow(y.abs())),
    ("Pad/reflect", ["i"], lambda x: F.pad(x, (1, 1), mode="reflect")),
    ("Pad/replicate", ["i"], lambda x: F.pad(x.unsqueeze(0), (1, 1), mode="replicate")),
    ("Pad/circular", ["i"], lambda x: F.pad(x.unsqueeze(0), (1, 1), mode="circular")),
    ("Cholesky", ["q"], torch.linalg.cholesky),
    ("Solve", ["q"], lambda q: torch.linalg.solve(q, q)),
    ("Bernoulli", ["i"], lambda x: torch.bernoulli(x.abs().clamp(0, 1))),
    ("Multinomial", ["p"], lambda x: torch.multinomial(x[0], 1)),
    ("IndexPut", ["i", "v"], lambda x, v: x.index_put((v.abs() - 1,), torch.tensor([7]))),
    ("ExpOut/int", ["i"], lambda x: torch.exp(x, out=torch.empty(2, 3, dtype=torch.long))),
    ("ExpOut/float", ["i"], lambda x: torch.exp(x, out=torch.empty(2, 3))),
    ("AddOut/int", ["i", "j"], lambda x, y: torch.add(x, y, out=torch.empty(2, 3, dtype=torch.long))),
    ("MulOut/float", ["i", "j"], lambda x, y: torch.mul(x, y, out=torch.empty(2, 3))),
    ("SumOut/int", ["i"], lambda x: torch.sum(x, 1, out=torch.empty(2, dtype=torch.long))),
    ("MeanOut/float", ["i"], lambda x: torch.mean(x, 1, out=torch.empty(2))),
    ("Add_/float-int", ["f", "i"], lambda x, y: x.detach().clone().add_(y)),
    ("Add_/float32-float64", ["f", "d"], lambda x, y: x.detach().clone().add_(y)),
    ("Sub_/float32-float64", ["f", "d"], lambda x, y: x.detach().clone().sub_(y)),
    ("Mul_/float32-float64", ["f", "d"], lambda x, y: x.detach().clone().mul_(y)),
    ("Div_/float32-float64", ["f", "d"], lambda x, y: x.detach().clone().div_(y)),
    ("Add_/float64-float32", ["d", "f"], lambda x, y: x.clone().add_(y.detach())),
    ("AddOut/float32-float64", ["f", "d"], lambda x, y: torch.add(x.detach(), y, out=torch.empty(2, 3))),
    ("MulOut/float64-float32", ["f", "d"], lambda x, y: torch.mul(x.detach(), y, out=torch.empty(2, 3, dtype=torch.float64))),
    ("ExpOut/float64", ["d"], lambda x: torch.exp(x, out=torch.empty(2, 3))),
    ("MatMul/float64-float32", ["f"], lambda x: x.detach().double() @ x.detach().t()),
    ("Lerp", ["i", "j"], lambda x, y: torch.lerp(x, y, 0.5)),
    ("Addcmul", ["i", "j"], lambda x, y: torch.addcmul(x, x, y)),
    ("Addcdiv", ["i", "p"], lambda x, y: torch.addcdiv(x, x, y)),
]


def enc(values):
    out = []
    for v in values:
        if isinstance(v, float) and math.isnan(v):
            out.append("nan")
        elif isinstance(v, float) and math.isinf(v):
            out.append("inf" if v > 0 else "-inf")
        else:
            out.append(v)
    return out


def tensor_json(t):
    t = t.detach()
    data = t.reshape(-1).tolist()
    if t.dtype == torch.bool:
        data = [int(v) for v in data]
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "data": enc(data)}


cases = []


def case(name, op, args, fn):
    ins = [INPUTS[a] for a in args]
    c = {"name": name, "op": op, "args": args}
    try:
        r = fn(*ins)
    except RuntimeError as e:
        c["error"] = True
        c["message"] = str(e).split("\n")[0]
    else:
        rs = list(r) if isinstance(r, tuple) else [r]
        c["outs"] = [tensor_json(t) for t in rs]
    cases.append(c)


for name, fn in UNARY.items():
    for a in ("i", "b"):
        case(name + "/" + a, name, [a], fn)
for name, fn in BINARY.items():
    for a, b in PAIRS:
        case(name + "/" + a + b, name, [a, b], fn)
for name, args, fn in OTHER:
    case(name, name, args, fn)

with open("int_golden.json", "w") as f:
    json.dump({"torch": torch.__version__,
               "inputs": {k: tensor_json(t) for k, t in INPUTS.items()},
               "cases": cases}, f, indent=0)
