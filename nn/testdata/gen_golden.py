#!/usr/bin/python3
"""Writes linear.json: torch 1.13's nn.Linear forward values, parameter and input
gradients and grad_fn names, for the Go tests in nn/linear_test.go.

Run from anywhere with Debian's python3-torch: /usr/bin/python3 nn/testdata/gen_golden.py

Parameters and inputs come from formulas (sin/cos of the flat index), not from
torch's RNG, so the Go side can load them from this file bit for bit. The upstream
gradient is that of loss = (y * c).sum() with c[i] = cos(0.3 i + 0.2), so every
output element gets a different weight.
"""
import json
import math
import os

import torch


def formula(shape, f, dtype):
    n = math.prod(shape)
    return torch.tensor([f(i) for i in range(n)], dtype=torch.float64).reshape(shape).to(dtype)


def case(name, in_shape, bias, dtype):
    lin = torch.nn.Linear(4, 3, bias=bias, dtype=dtype)
    with torch.no_grad():
        lin.weight.copy_(formula((3, 4), lambda i: 0.5 * math.sin(i + 1), dtype))
        if bias:
            lin.bias.copy_(formula((3,), lambda i: 0.3 * math.cos(2 * i + 1), dtype))
    x = formula(in_shape, lambda i: math.sin(0.7 * i + 0.1) * 1.5, dtype).requires_grad_(True)
    y = lin(x)
    c = formula(tuple(y.shape), lambda i: math.cos(0.3 * i + 0.2), dtype)
    (y * c).sum().backward()
    flat = lambda t: t.detach().reshape(-1).tolist()
    return {
        "name": name,
        "dtype": str(dtype).removeprefix("torch."),
        "bias": bias,
        "weight": flat(lin.weight),
        "bias_value": flat(lin.bias) if bias else None,
        "x_shape": list(in_shape),
        "x": flat(x),
        "c": flat(c),
        "y_shape": list(y.shape),
        "y": flat(y),
        "grad_fn": type(y.grad_fn).__name__,
        "grad_weight": flat(lin.weight.grad),
        "grad_bias": flat(lin.bias.grad) if bias else None,
        "grad_x": flat(x.grad),
    }


def main():
    cases = []
    for dtype in (torch.float32, torch.float64):
        for bias in (True, False):
            for shape in [(5, 4), (4,), (2, 5, 4), (2, 1, 3, 4)]:
                name = f"{str(dtype)[6:]}/bias={bias}/x{list(shape)}"
                cases.append(case(name, shape, bias, dtype))
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "linear.json")
    with open(path, "w") as f:  # one case a line
        f.write('{"torch": %s, "cases": [\n' % json.dumps(torch.__version__))
        f.write(",\n".join(json.dumps(c) for c in cases))
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
