#!/usr/bin/python3
"""Writes extreme_golden.json: PyTorch 1.13's softmax, log_softmax, logsumexp and
cross_entropy (forward values and input gradients) on logits of magnitude 1e12 to
1e30, where computing x - (m + log s) instead of (x - m) - log s loses the log s
term entirely (issue 8, defect 5).

Run from this directory with Debian's python3-torch:

    /usr/bin/python3 gen_extreme_golden.py

Each case: op, dtype ("float32" or "float64"), M, input (a [2, 3] matrix, rows
[M, M, 0] and [0, -M, M/2]), dim 1, upstream (the gradient given to backward, of
the output's shape), target (class indices, cross_entropy only), out (flat) and
grad (flat, the input's gradient). Inputs are exactly representable in float32
only up to rounding, so the input values stored are those of the dtype's tensor.

logsumexp cases also hold grad_exact, upstream * softmax(x): PyTorch's own
logsumexp backward, grad * exp(x - logsumexp(x)), loses precision here (for
[M, M, 0] at M = 1e12 in float64 it gives 0.250008 instead of 0.25, and in
float32 it gives 1 for each of the two largest logits, so the gradient sums to 2),
the very error the forward of log_softmax had; gograd is checked against the exact
value.
"""

import json

import torch
import torch.nn.functional as F

cases = []
for dtype in (torch.float32, torch.float64):
    for m in (1e12, 1e15, 1e16, 1e20, 1e30, -1e12, -1e16, -1e30):
        x0 = torch.tensor([[m, m, 0.0], [0.0, -m, m / 2]], dtype=dtype)
        ops = {
            "softmax": (lambda x: torch.softmax(x, 1), [[0.5, -1.0, 2.0], [1.0, 0.25, -0.5]]),
            "log_softmax": (lambda x: torch.log_softmax(x, 1), [[0.5, -1.0, 2.0], [1.0, 0.25, -0.5]]),
            "logsumexp": (lambda x: torch.logsumexp(x, 1), [0.5, -2.0]),
            "cross_entropy": (lambda x: F.cross_entropy(x, torch.tensor([2, 1])), 1.0),
        }
        for name, (f, up) in ops.items():
            x = x0.clone().requires_grad_(True)
            out = f(x)
            out.backward(torch.tensor(up, dtype=dtype))
            case = {
                "op": name,
                "dtype": str(dtype).removeprefix("torch."),
                "M": m,
                "input": x0.flatten().tolist(),
                "upstream": torch.tensor(up).flatten().tolist(),
                "out": out.detach().flatten().tolist(),
                "grad": x.grad.flatten().tolist(),
            }
            if name == "cross_entropy":
                case["target"] = [2, 1]
            if name == "logsumexp":
                exact = torch.tensor(up, dtype=dtype)[:, None] * torch.softmax(x0, 1)
                case["grad_exact"] = exact.flatten().tolist()
            cases.append(case)

with open("extreme_golden.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
    f.write("\n")
