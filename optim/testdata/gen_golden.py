#!/usr/bin/python3
"""Writes golden.json: parameters of a small MLP after each of several optimizer
steps in torch 1.13, for the Go tests in optim/optim_test.go.

Run with Debian's python3-torch: /usr/bin/python3 optim/testdata/gen_golden.py

Every run is self-contained: model sizes, input, target and initial parameters
(from formulas, not torch's RNG, so the Go side loads them bit for bit), the
optimizer's keyword arguments exactly as passed to torch.optim, and after every
step the loss that step computed and every parameter by its state_dict name.
The optimizers run their single-tensor (for-loop) implementations: foreach=False.
"""
import json
import math
import os

import torch

STEPS = 5

# name, optimizer class, keyword arguments (torch's names; omitted ones take
# torch's defaults, which the Go side must reproduce).
CONFIGS = [
    ("sgd", "SGD", {"lr": 0.1}),
    ("sgd_momentum_dampening_wd", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
    ("sgd_nesterov", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.001}),
    ("sgd_maximize", "SGD", {"lr": 0.01, "momentum": 0.5, "maximize": True}),
    ("adam_defaults", "Adam", {}),
    ("adam", "Adam", {"lr": 0.01}),
    ("adam_weight_decay", "Adam", {"lr": 0.02, "weight_decay": 0.1, "betas": [0.8, 0.99]}),
    ("adam_amsgrad", "Adam", {"lr": 0.05, "betas": [0.5, 0.9], "amsgrad": True}),
    ("adam_maximize_eps", "Adam", {"lr": 0.01, "eps": 1e-3, "maximize": True}),
    ("adamw", "AdamW", {"lr": 0.01}),
    ("adamw_amsgrad", "AdamW", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True, "betas": [0.5, 0.9]}),
]


def formula(shape, f, dtype):
    n = math.prod(shape)
    return torch.tensor([f(i) for i in range(n)], dtype=torch.float64).reshape(shape).to(dtype)


def flat(t):
    return t.detach().reshape(-1).tolist()


def run(name, opt_name, kwargs, dtype, sizes=(4, 8, 3), batch=6, loss_kind="mse", zero_grad_last=False):
    """Trains Linear(sizes[0], sizes[1]), ReLU, Linear(sizes[1], sizes[2]) for STEPS steps."""
    model = torch.nn.Sequential(
        torch.nn.Linear(sizes[0], sizes[1]), torch.nn.ReLU(), torch.nn.Linear(sizes[1], sizes[2])
    ).to(dtype)
    init = {}
    with torch.no_grad():
        for j, (pname, p) in enumerate(model.named_parameters()):
            p.copy_(formula(p.shape, lambda i: 0.4 * math.sin(1.7 * i + 0.9 * j + 0.3), dtype))
            init[pname] = flat(p)
    x = formula((batch, sizes[0]), lambda i: 2 * math.sin(0.37 * i + 0.5), dtype)
    y = formula((batch, sizes[2]), lambda i: math.cos(0.23 * i), dtype)
    opt = getattr(torch.optim, opt_name)(model.parameters(), foreach=False, **kwargs)
    steps = []
    for _ in range(STEPS):
        if not zero_grad_last:
            opt.zero_grad()
        pred = model(x)
        if loss_kind == "mse":
            loss = torch.nn.MSELoss()(pred, y)
        else:  # seed 002: the sum of squared errors
            loss = (y - pred).pow(2).sum()
        loss.backward()
        opt.step()
        if zero_grad_last:
            opt.zero_grad()
        steps.append({"loss": loss.item(), "params": {n: flat(p) for n, p in model.named_parameters()}})
    return {
        "name": f"{str(dtype)[6:]}/{name}",
        "dtype": str(dtype)[6:],
        "optimizer": opt_name,
        "options": kwargs,
        "sizes": list(sizes),
        "loss": loss_kind,
        "zero_grad_last": zero_grad_last,
        "x": flat(x),
        "y": flat(y),
        "init": init,
        "steps": steps,
    }


def main():
    runs = []
    for dtype in (torch.float32, torch.float64):
        for name, opt_name, kwargs in CONFIGS:
            runs.append(run(name, opt_name, kwargs, dtype))
        # Seed 002's loop: SGD(lr=0.001), loss = (ideal - prediction).pow(2).sum(),
        # backward, step, zero_grad.
        runs.append(run("seed002", "SGD", {"lr": 0.001}, dtype, sizes=(6, 16, 4), batch=8,
                        loss_kind="sse", zero_grad_last=True))
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden.json")
    with open(path, "w") as f:  # one run a line
        f.write('{"torch": %s, "runs": [\n' % json.dumps(torch.__version__))
        f.write(",\n".join(json.dumps(r) for r in runs))
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
