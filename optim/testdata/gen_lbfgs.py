#!/usr/bin/python3
"""Writes lbfgs.json: torch.optim.LBFGS 1.13 minimizing a sum of three 2-D
Rosenbrock functions, f = sum((1-x)^2 + 100(y-x^2)^2) over parameters x and y
of three elements each, for the Go test TestLBFGSGolden in optim/lbfgs_test.go.

Run with Debian's python3-torch: /usr/bin/python3 optim/testdata/gen_lbfgs.py

For each option set and dtype it records, for each of STEPS calls to step():
every point the closure was evaluated at (PyTorch's iterates, line search
trials included), the loss step() returned, the parameters after it and the
state's func_evals and n_iter; and the state_dict() after step MID (encoded
as gen_steps.py encodes it), which the Go test loads to continue from.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_steps import encode  # noqa: E402

STEPS = 12
MID = 4
X0 = [-1.5, 0.5, -0.8]
Y0 = [2.0, -0.5, 1.2]

CONFIGS = [
    ("default", {}),
    ("fixed_step", {"lr": 0.5, "history_size": 5, "max_iter": 7, "tolerance_change": 1e-12}),
    ("strong_wolfe", {"line_search_fn": "strong_wolfe"}),
    ("strong_wolfe_short_history", {"line_search_fn": "strong_wolfe", "history_size": 3, "max_iter": 5}),
    ("strong_wolfe_max_eval", {"line_search_fn": "strong_wolfe", "lr": 0.5, "max_eval": 10, "max_iter": 8}),
]


def rosenbrock(x, y):
    return ((1 - x) ** 2 + 100 * (y - x ** 2) ** 2).sum()


def run(name, kwargs, dtype):
    x = torch.nn.Parameter(torch.tensor(X0, dtype=dtype))
    y = torch.nn.Parameter(torch.tensor(Y0, dtype=dtype))
    opt = torch.optim.LBFGS([x, y], **kwargs)
    evals = []

    def closure():
        opt.zero_grad()
        evals.append(x.detach().tolist() + y.detach().tolist())
        loss = rosenbrock(x, y)
        loss.backward()
        return loss

    steps, mid = [], None
    for t in range(1, STEPS + 1):
        evals = []
        loss = opt.step(closure)
        st = opt.state[x]
        steps.append({"evals": evals, "loss": loss.item(), "params": x.detach().tolist() + y.detach().tolist(),
                      "func_evals": st["func_evals"], "n_iter": st["n_iter"]})
        if t == MID:
            sd = opt.state_dict()
            mid = {"state": encode(sd["state"]), "param_groups": encode(sd["param_groups"])}
    return {"name": f"{str(dtype)[6:]}/{name}", "dtype": str(dtype)[6:], "options": kwargs, "x0": X0, "y0": Y0,
            "steps": steps, "mid_step": MID, "mid": mid}


def main():
    runs = [run(name, kw, dt) for dt in (torch.float64, torch.float32) for name, kw in CONFIGS]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lbfgs.json")
    with open(path, "w") as f:
        f.write('{"torch": %s, "runs": [\n' % json.dumps(torch.__version__))
        f.write(",\n".join(json.dumps(r) for r in runs))
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
