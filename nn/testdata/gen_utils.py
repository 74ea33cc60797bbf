#!/usr/bin/python3
"""Writes utils.json: torch 1.13's torch.nn.utils results (clip_grad_norm_,
clip_grad_value_, parameters_to_vector, weight_norm, and the spectral_norm
parametrization) for the Go tests in nn/clip_test.go and nn/param_test.go.

Run with Debian's python3-torch: /usr/bin/python3 nn/testdata/gen_utils.py

Values come from formulas (sin/cos of the flat index), not from torch's RNG, so
the Go side can rebuild them bit for bit. Spectral norm's random start vectors
are drawn from torch's RNG, and written to the file as drawn, before
normalisation, so the Go side can start from the same ones.
"""
import json
import math
import os

import torch
import torch.nn.utils as U
from torch.nn.utils import parametrizations


def formula(shape, f, dtype):
    n = math.prod(shape)
    return torch.tensor([f(i) for i in range(n)], dtype=torch.float64).reshape(shape).to(dtype)


def flat(t):
    return t.detach().reshape(-1).tolist()


SHAPES = [(3, 4), (5,), (2, 2, 2)]


def params(dtype):
    """Three parameters with gradients; the gradients' sizes differ widely."""
    ps = []
    for k, shape in enumerate(SHAPES):
        p = formula(shape, lambda i: math.sin(i + k), dtype).requires_grad_(True)
        p.grad = formula(shape, lambda i: (k + 1) * math.cos(1.3 * i + k), dtype)
        ps.append(p)
    return ps


def clip_norm_cases():
    out = []
    for dtype in (torch.float32, torch.float64):
        for norm_type in (2.0, 1.0, 3.5, 0.0, math.inf, -math.inf):
            for max_norm in (1.0, 100.0):
                ps = params(dtype)
                total = U.clip_grad_norm_(ps, max_norm, norm_type)
                out.append({
                    "dtype": str(dtype)[6:], "norm_type": str(norm_type), "max_norm": max_norm,
                    "total": total.item(), "grads": [flat(p.grad) for p in ps],
                })
    return out


def clip_value_cases():
    out = []
    for dtype in (torch.float32, torch.float64):
        ps = params(dtype)
        U.clip_grad_value_(ps, 0.75)
        out.append({"dtype": str(dtype)[6:], "clip": 0.75, "grads": [flat(p.grad) for p in ps]})
    return out


def to_vector_case():
    ps = params(torch.float64)
    for p in ps:
        p.grad = None
    v = U.parameters_to_vector(ps)
    c = formula(tuple(v.shape), lambda i: math.cos(0.3 * i + 0.2), torch.float64)
    (v * v * c).sum().backward()
    return {"vector": flat(v), "grad_fn": type(v.grad_fn).__name__, "grads": [flat(p.grad) for p in ps]}


def linear(in_f, out_f, dtype):
    lin = torch.nn.Linear(in_f, out_f, dtype=dtype)
    with torch.no_grad():
        lin.weight.copy_(formula((out_f, in_f), lambda i: 0.5 * math.sin(i + 1), dtype))
        lin.bias.copy_(formula((out_f,), lambda i: 0.3 * math.cos(2 * i + 1), dtype))
    x = formula((2, in_f), lambda i: math.sin(0.7 * i + 0.1) * 1.5, dtype).requires_grad_(True)
    return lin, x


def loss(y):
    c = formula(tuple(y.shape), lambda i: math.cos(0.3 * i + 0.2), y.dtype)
    return (y * c).sum()


def weight_norm_cases():
    out = []
    for dtype in (torch.float32, torch.float64):
        for dim in (0, 1, None):
            lin, x = linear(4, 3, dtype)
            U.weight_norm(lin, dim=dim)
            g, v = lin.weight_g, lin.weight_v
            out_g = {"dtype": str(dtype)[6:], "dim": -1 if dim is None else dim,
                     "g_shape": list(g.shape), "g": flat(g), "v": flat(v),
                     "names": [n for n, _ in lin.named_parameters()],
                     "state_keys": list(lin.state_dict().keys())}
            y = lin(x)
            loss(y).backward()
            out_g.update({"y": flat(y), "grad_g": flat(g.grad), "grad_v": flat(v.grad),
                          "grad_bias": flat(lin.bias.grad), "grad_x": flat(x.grad),
                          "weight_grad_fn": type(lin.weight.grad_fn).__name__})
            out.append(out_g)
    return out


def spectral_norm_cases():
    out = []
    for dtype in (torch.float32, torch.float64):
        for (in_f, out_f, n_iter, eps) in ((4, 3, 1, 1e-12), (3, 5, 2, 1e-12), (4, 3, 1, 0.5)):
            lin, x = linear(in_f, out_f, dtype)
            torch.manual_seed(7)
            u0 = torch.empty(out_f, dtype=dtype).normal_(0, 1)
            v0 = torch.empty(in_f, dtype=dtype).normal_(0, 1)
            torch.manual_seed(7)  # the parametrization draws the same u0, v0
            parametrizations.spectral_norm(lin, n_power_iterations=n_iter, eps=eps)
            p = lin.parametrizations.weight[0]
            case = {"dtype": str(dtype)[6:], "in": in_f, "out": out_f, "n_power_iterations": n_iter, "eps": eps,
                    "u0": flat(u0), "v0": flat(v0), "u_init": flat(p._u), "v_init": flat(p._v),
                    "names": [n for n, _ in lin.named_parameters()],
                    "state_keys": list(lin.state_dict().keys()), "steps": []}
            # register_parametrization read the weight once to check it: 15 + n_iter
            # iterations so far.
            for step in range(3):  # training mode: each forward runs the power iteration
                lin.zero_grad()
                y = lin(x)
                loss(y).backward()
                case["steps"].append({"y": flat(y), "u": flat(p._u), "v": flat(p._v),
                                      "grad_original": flat(lin.parametrizations.weight.original.grad),
                                      "grad_bias": flat(lin.bias.grad)})
            # Reading lin.weight in training mode runs one more power iteration:
            # read it in eval mode only.
            lin.eval()
            case["weight_grad_fn"] = type(lin.weight.grad_fn).__name__
            case["eval_y"] = flat(lin(x))
            case["eval_u"] = flat(p._u)
            out.append(case)
    return out


def main():
    golden = {
        "torch": torch.__version__,
        "shapes": [list(s) for s in SHAPES],
        "clip_grad_norm": clip_norm_cases(),
        "clip_grad_value": clip_value_cases(),
        "parameters_to_vector": to_vector_case(),
        "weight_norm": weight_norm_cases(),
        "spectral_norm": spectral_norm_cases(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "utils.json")
    with open(path, "w") as f:
        json.dump(golden, f, indent=None)
        f.write("\n")


if __name__ == "__main__":
    main()
