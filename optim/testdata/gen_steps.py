#!/usr/bin/python3
"""Writes steps.json: every torch.optim 1.13 optimizer but LBFGS, stepped STEPS
times on two parameters with gradients computed by formula, for the Go test
TestStepsGolden in optim/steps_test.go.

Run with Debian's python3-torch: /usr/bin/python3 optim/testdata/gen_steps.py

Each run records: the parameter groups exactly as torch's state_dict() gives
them (defaults filled in; the Go test builds its optimizer from them), the
initial parameters (from formulas), the gradients and the parameters after every
step (the Go test feeds it these gradients, so both sides see the same ones),
torch's state_dict() after step MID (the Go test loads it into a fresh optimizer
and continues from torch's parameters) and after the last step (compared with
gograd's StateDict). The second parameter gets no gradient at steps 4 and 5, to
check that a parameter without one is skipped and its state does not advance.
Optimizers run their single-tensor (for-loop) implementations: foreach=False.
"""
import json
import math
import os

import torch

STEPS = 25
MID = 10
SHAPES = [(5,), (2, 3)]
NO_GRAD_P1 = (4, 5)

# name, optimizer, keyword arguments (torch's names), or a list of per-group
# keyword arguments (one group per parameter).
CONFIGS = [
    ("sgd", "SGD", {"lr": 0.1}),
    ("sgd_momentum", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
    ("sgd_nesterov_maximize", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "maximize": True}),
    ("sgd_groups", "SGD", [{"lr": 0.1, "momentum": 0.9}, {"lr": 0.01, "weight_decay": 0.1}]),
    ("adam", "Adam", {}),
    ("adam_amsgrad_wd", "Adam", {"lr": 0.02, "weight_decay": 0.1, "amsgrad": True, "betas": (0.8, 0.99)}),
    ("adam_maximize", "Adam", {"lr": 0.01, "maximize": True, "eps": 1e-3}),
    ("adam_groups", "Adam", [{"lr": 0.05, "betas": (0.5, 0.9)}, {"lr": 0.01, "amsgrad": True}]),
    ("adamw", "AdamW", {"lr": 0.01}),
    ("adamw_amsgrad_maximize", "AdamW", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True, "maximize": True}),
    ("adamax", "Adamax", {}),
    ("adamax_options", "Adamax", {"lr": 0.01, "betas": (0.8, 0.95), "weight_decay": 0.1, "maximize": True, "eps": 1e-4}),
    ("nadam", "NAdam", {}),
    ("nadam_options", "NAdam", {"lr": 0.01, "betas": (0.8, 0.95), "weight_decay": 0.1, "momentum_decay": 0.01}),
    ("radam", "RAdam", {}),
    ("radam_options", "RAdam", {"lr": 0.01, "betas": (0.5, 0.9), "weight_decay": 0.1, "eps": 1e-6}),
    ("rmsprop", "RMSprop", {}),
    ("rmsprop_centered_momentum", "RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    ("rmsprop_centered_maximize", "RMSprop", {"lr": 0.005, "centered": True, "maximize": True, "eps": 1e-4}),
    ("adagrad", "Adagrad", {}),
    ("adagrad_options", "Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.5,
                                    "maximize": True, "eps": 1e-6}),
    ("adadelta", "Adadelta", {}),
    ("adadelta_options", "Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.1, "maximize": True}),
    ("asgd", "ASGD", {}),
    ("asgd_options", "ASGD", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 10, "weight_decay": 0.1, "maximize": True}),
    ("rprop", "Rprop", {}),
    ("rprop_options", "Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2), "maximize": True}),
    ("rprop_groups", "Rprop", [{"lr": 0.05}, {"lr": 0.2, "etas": (0.4, 1.1)}]),
]

OPTIMIZERS = ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta", "ASGD", "Rprop"]


def formula(shape, f, dtype):
    n = math.prod(shape)
    return torch.tensor([f(i) for i in range(n)], dtype=torch.float64).reshape(shape).to(dtype)


def flat(t):
    return t.detach().reshape(-1).tolist()


def encode(v):
    """A state dict value as JSON: tensors tagged with dtype and shape."""
    if isinstance(v, torch.Tensor):
        return {"dtype": str(v.dtype)[6:], "shape": list(v.shape), "values": flat(v)}
    if isinstance(v, dict):
        return {str(k): encode(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [encode(x) for x in v]
    return v


def state_dict(opt):
    sd = opt.state_dict()
    return {"state": encode(sd["state"]), "param_groups": encode(sd["param_groups"])}


def run(name, opt_name, kwargs, dtype):
    params = [torch.nn.Parameter(formula(s, lambda i: 0.5 * math.sin(1.1 * i + 0.7 * j + 0.2), dtype))
              for j, s in enumerate(SHAPES)]
    init = [flat(p) for p in params]
    targets = [formula(s, lambda i: math.cos(0.9 * i + j), dtype) for j, s in enumerate(SHAPES)]
    cls = getattr(torch.optim, opt_name)
    if isinstance(kwargs, list):
        groups = [dict(params=[p], **kw) for p, kw in zip(params, kwargs)]
        opt = cls(groups, foreach=False) if opt_name != "SGD" else cls(groups, lr=kwargs[0]["lr"], foreach=False)
    else:
        opt = cls(params, foreach=False, **kwargs)
    start = state_dict(opt)
    steps, mid = [], None
    for t in range(1, STEPS + 1):
        grads = []
        for j, (p, c) in enumerate(zip(params, targets)):
            if j == 1 and t in NO_GRAD_P1:
                p.grad = None
                grads.append(None)
                continue
            noise = formula(p.shape, lambda i: 0.3 * math.sin(1.3 * i + 0.7 * t + j), dtype)
            with torch.no_grad():
                p.grad = (p - c) * 0.5 + noise
            grads.append(flat(p.grad))
        opt.step()
        steps.append({"grads": grads, "params": [flat(p) for p in params]})
        if t == MID:
            mid = state_dict(opt)
    return {
        "name": f"{str(dtype)[6:]}/{name}",
        "dtype": str(dtype)[6:],
        "optimizer": opt_name,
        "shapes": [list(s) for s in SHAPES],
        "param_groups": start["param_groups"],
        "init": init,
        "steps": steps,
        "mid_step": MID,
        "mid": mid,
        "final": state_dict(opt),
    }


def main():
    runs = []
    for dtype in (torch.float32, torch.float64):
        for name, opt_name, kwargs in CONFIGS:
            runs.append(run(name, opt_name, kwargs, dtype))
    defaults = {}
    for opt_name in OPTIMIZERS:
        p = torch.nn.Parameter(torch.zeros(1))
        kw = {"lr": 0.1} if opt_name == "SGD" else {}
        groups = getattr(torch.optim, opt_name)([p], **kw).state_dict()["param_groups"]
        defaults[opt_name] = encode(groups[0])
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "steps.json")
    with open(path, "w") as f:  # one run a line
        f.write('{"torch": %s, "defaults": %s, "runs": [\n' % (json.dumps(torch.__version__), json.dumps(defaults)))
        f.write(",\n".join(json.dumps(r) for r in runs))
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
