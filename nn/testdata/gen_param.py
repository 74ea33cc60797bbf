#!/usr/bin/python3
"""Writes param.json: torch 1.13's torch.nn.utils.weight_norm,
torch.nn.utils.parametrizations.spectral_norm and the older
torch.nn.utils.spectral_norm ("legacy") on the parameters of modules
other than Linear (Conv2d, Conv1d, Embedding, an RNN's recurrent weight, a
bias), for the Go test TestParametrizedModulesMatchTorch in
nn/param_modules_test.go.

Run with Debian's python3-torch: /usr/bin/python3 nn/testdata/gen_param.py

Each module's parameters are set from formulas, parameter k (in
named_parameters() order) to 0.5*sin(i + 1 + k) of the flat index i; the
input is a formula too (indices for Embedding), and the loss is
(y * c).sum() with c = cos(0.3 i + 0.2), y the module's output (an RNN's
output sequence). Spectral norm's start vectors are drawn from torch's RNG
with seed 7 (as the parametrization draws them) and written down before
normalisation; its cases record two forward/backward passes in training
mode, then one in eval mode.
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


# name: (constructor, input maker)
MODULES = {
    "conv2d": (lambda dt: torch.nn.Conv2d(3, 4, 3, dtype=dt),
               lambda dt: formula((2, 3, 5, 5), lambda i: math.sin(0.7 * i + 0.1) * 1.5, dt)),
    "conv1d": (lambda dt: torch.nn.Conv1d(2, 3, 3, dtype=dt),
               lambda dt: formula((2, 2, 6), lambda i: math.sin(0.7 * i + 0.1) * 1.5, dt)),
    "embedding": (lambda dt: torch.nn.Embedding(5, 4, dtype=dt),
                  lambda dt: torch.tensor([[0, 2, 4], [1, 3, 0]])),
    "rnn": (lambda dt: torch.nn.RNN(3, 4, dtype=dt),
            lambda dt: formula((4, 2, 3), lambda i: math.sin(0.7 * i + 0.1) * 1.5, dt)),
}

# (module, parameter name, dim) for weight_norm; dim None is written as -1.
WEIGHT_NORM = [("conv2d", "weight", 0), ("conv2d", "weight", 1), ("conv2d", "weight", 3),
               ("conv2d", "weight", -2), ("conv2d", "weight", None), ("conv1d", "weight", 0),
               ("embedding", "weight", 1), ("rnn", "weight_hh_l0", 0), ("rnn", "weight_ih_l0", None)]

# (module, parameter name, dim, n_power_iterations) for spectral_norm.
# Not an RNN's weights: PyTorch 1.13's RNN runs on its _flat_weights, which
# keep pointing at the parameter that the parametrization takes as its
# "original", so spectral_norm does not change an RNN's output there (checked:
# torch.equal before and after); weight_norm sets the attribute, which
# updates _flat_weights, and works.
SPECTRAL_NORM = [("conv2d", "weight", 0, 1), ("conv2d", "weight", 1, 2), ("conv1d", "weight", -1, 1),
                 ("embedding", "weight", 0, 1), ("conv2d", "bias", 0, 1)]

# The same for torch.nn.utils.spectral_norm, whose forward pre-hook sets the
# attribute, so that it works on an RNN's weights too.
LEGACY_SPECTRAL_NORM = [("conv2d", "weight", 0, 1), ("conv2d", "weight", 1, 2), ("embedding", "weight", 0, 1),
                        ("conv2d", "bias", 0, 1), ("rnn", "weight_hh_l0", 0, 1)]


def build(kind, dtype):
    make, inp = MODULES[kind]
    m = make(dtype)
    with torch.no_grad():
        for k, (_, p) in enumerate(m.named_parameters()):
            p.copy_(formula(tuple(p.shape), lambda i: 0.5 * math.sin(i + 1 + k), dtype))
    x = inp(dtype)
    if x.is_floating_point():
        x.requires_grad_(True)
    return m, x


def forward(m, x):
    y = m(x)
    return y[0] if isinstance(y, tuple) else y


def loss(y):
    c = formula(tuple(y.shape), lambda i: math.cos(0.3 * i + 0.2), y.dtype)
    return (y * c).sum()


def grads(m, x):
    out = {n: flat(p.grad) for n, p in m.named_parameters()}
    if x.is_floating_point():
        out["x"] = flat(x.grad)
    return out


def weight_norm_cases():
    out = []
    for dtype in (torch.float32, torch.float64):
        for kind, name, dim in WEIGHT_NORM:
            m, x = build(kind, dtype)
            U.weight_norm(m, name=name, dim=dim)
            g, v = getattr(m, name + "_g"), getattr(m, name + "_v")
            case = {"module": kind, "name": name, "dtype": str(dtype)[6:], "dim": -1 if dim is None else dim,
                    "g_shape": list(g.shape), "g": flat(g), "names": [n for n, _ in m.named_parameters()],
                    "state_keys": list(m.state_dict().keys())}
            y = forward(m, x)
            loss(y).backward()
            case.update({"y": flat(y), "grads": grads(m, x),
                         "weight_grad_fn": type(getattr(m, name).grad_fn).__name__})
            out.append(case)
    return out


def spectral_norm_cases():
    out = []
    for dtype in (torch.float32, torch.float64):
        for legacy, cases in ((False, SPECTRAL_NORM), (True, LEGACY_SPECTRAL_NORM)):
            for kind, name, dim, n_iter in cases:
                out.append(spectral_norm_case(kind, name, dim, n_iter, dtype, legacy))
    return out


def spectral_norm_case(kind, name, dim, n_iter, dtype, legacy):
    m, x = build(kind, dtype)
    w = getattr(m, name)
    case = {"module": kind, "name": name, "dtype": str(dtype)[6:], "dim": dim, "n_power_iterations": n_iter,
            "legacy": legacy}
    if w.ndim > 1 or legacy:
        d = dim % w.ndim
        h = w.shape[d]
        torch.manual_seed(7)
        case["u0"] = flat(torch.empty(h, dtype=dtype).normal_(0, 1))
        case["v0"] = flat(torch.empty(w.numel() // h, dtype=dtype).normal_(0, 1))
    torch.manual_seed(7)  # spectral_norm draws the same start vectors
    if legacy:
        U.spectral_norm(m, name=name, n_power_iterations=n_iter, dim=dim)
        buffers = lambda: (getattr(m, name + "_u"), getattr(m, name + "_v"))
    else:
        parametrizations.spectral_norm(m, name=name, n_power_iterations=n_iter, dim=dim)
        p = getattr(m.parametrizations, name)[0]
        buffers = lambda: (p._u, p._v)
    case.update({"names": [n for n, _ in m.named_parameters()],
                 "state_keys": list(m.state_dict().keys()), "steps": []})
    for _ in range(2):
        m.zero_grad()
        y = forward(m, x)
        if x.is_floating_point():
            x.grad = None
        loss(y).backward()
        step = {"y": flat(y), "grads": grads(m, x)}
        if w.ndim > 1 or legacy:
            u, v = buffers()
            step.update({"u": flat(u), "v": flat(v)})
        case["steps"].append(step)
    m.eval()
    case["eval_y"] = flat(forward(m, x))
    return case


def main():
    golden = {"torch": torch.__version__, "weight_norm": weight_norm_cases(),
              "spectral_norm": spectral_norm_cases()}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "param.json")
    with open(path, "w") as f:
        json.dump(golden, f)
        f.write("\n")


if __name__ == "__main__":
    main()
