#!/usr/bin/python3
"""Writes last_epoch.json: what torch.optim.lr_scheduler 1.13 does with its
last_epoch and verbose arguments, for the Go test TestLastEpochGolden in
optim/sched/lastepoch_test.go.

Run with Debian's python3-torch: /usr/bin/python3 optim/sched/testdata/gen_last_epoch.py

Each run makes SGD with two parameter groups (rates 0.1 and 0.05, momentum
0.9) whose groups already hold "initial_lr" 0.2 and 0.08 (and, for OneCycleLR,
its other entries), as a loaded optimizer state dict leaves them, then builds
the scheduler the name says (lastepoch_test.go builds the same one) with
verbose=True, and records the groups' rates and momenta after construction
and after each of STEPS optimizer.step(); scheduler.step() pairs, and all the
scheduler printed. Runs named *_epochs step with scheduler.step(e) for e in
EPOCHS; plateau steps with METRICS. "missing_initial_lr" is the message of
the KeyError a scheduler resumed without "initial_lr" raises.
"""
import contextlib
import io
import json
import os
import warnings

import torch
from torch.optim import lr_scheduler as S

warnings.simplefilter("ignore")

STEPS = 15
EPOCHS = {"step_fresh_epochs": [1, 2, 3, 7, 4], "warm_restarts_fresh_epochs": [0.5, 1.25, 3, 4.0, 9.75, 2]}
METRICS = [1.0, 0.9, 0.95, 0.96, 0.97, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 0.4, 0.45, 0.5, 0.55]
EXTRAS = [{"initial_lr": 0.2, "max_lr": 0.5, "min_lr": 0.001, "max_momentum": 0.95, "base_momentum": 0.85},
          {"initial_lr": 0.08, "max_lr": 0.2, "min_lr": 0.0005, "max_momentum": 0.9, "base_momentum": 0.8}]


def sgd():
    params = [torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(3))]
    return torch.optim.SGD([{"params": [params[0]], "lr": 0.1}, {"params": [params[1]], "lr": 0.05}],
                           lr=0.1, momentum=0.9)


# name: scheduler maker, given the optimizer and the common keyword arguments.
RUNS = {
    "step": lambda o, kw: S.StepLR(o, step_size=4, gamma=0.5, last_epoch=6, **kw),
    "multistep": lambda o, kw: S.MultiStepLR(o, milestones=[8, 10, 10, 14], gamma=0.3, last_epoch=7, **kw),
    "exponential": lambda o, kw: S.ExponentialLR(o, gamma=0.9, last_epoch=3, **kw),
    "cosine": lambda o, kw: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001, last_epoch=4, **kw),
    "cosine_zero": lambda o, kw: S.CosineAnnealingLR(o, T_max=10, last_epoch=0, **kw),
    "warm_restarts": lambda o, kw: S.CosineAnnealingWarmRestarts(o, T_0=5, last_epoch=7, **kw),
    "warm_restarts_mult": lambda o, kw: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01,
                                                                     last_epoch=2, **kw),
    "cyclic": lambda o, kw: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4, last_epoch=5, **kw),
    "onecycle": lambda o, kw: S.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=30, last_epoch=10, **kw),
    "linear": lambda o, kw: S.LinearLR(o, start_factor=0.25, total_iters=10, last_epoch=3, **kw),
    "constant": lambda o, kw: S.ConstantLR(o, factor=0.5, total_iters=8, last_epoch=2, **kw),
    "polynomial": lambda o, kw: S.PolynomialLR(o, total_iters=12, power=2.0, last_epoch=4, **kw),
    "lambda": lambda o, kw: S.LambdaLR(o, [lambda e: 0.95 ** e, lambda e: 1 / (1 + e)], last_epoch=5, **kw),
    "multiplicative": lambda o, kw: S.MultiplicativeLR(o, lambda e: 0.9, last_epoch=5, **kw),
    "sequential": lambda o, kw: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.5, total_iters=4, **kw),
                                                   S.ExponentialLR(o, gamma=0.9, **kw)],
                                               milestones=[5], last_epoch=3),
    "step_fresh_epochs": lambda o, kw: S.StepLR(o, step_size=3, **kw),
    "warm_restarts_fresh_epochs": lambda o, kw: S.CosineAnnealingWarmRestarts(o, T_0=4, **kw),
    "plateau": lambda o, kw: S.ReduceLROnPlateau(o, patience=1, factor=0.5, **kw),
}


def groups(opt, key):
    return [g[key] for g in opt.param_groups]


def run(name, make):
    opt = sgd()
    if "fresh" not in name and name != "plateau":
        for g, extra in zip(opt.param_groups, EXTRAS):
            g.update(extra)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        sched = make(opt, {"verbose": True})
        lrs, moms = [groups(opt, "lr")], [groups(opt, "momentum")]
        steps = EPOCHS.get(name, range(STEPS))
        for t, e in enumerate(steps):
            opt.step()
            if name.endswith("_epochs"):
                sched.step(e)
            elif name == "plateau":
                sched.step(METRICS[t])
            else:
                sched.step()
            lrs.append(groups(opt, "lr"))
            moms.append(groups(opt, "momentum"))
    return {"name": name, "epochs": EPOCHS.get(name), "lrs": lrs, "momenta": moms, "printed": out.getvalue()}


def main():
    try:
        S.StepLR(sgd(), step_size=3, last_epoch=2)
        raise SystemExit("StepLR resumed without initial_lr")
    except KeyError as e:
        missing = e.args[0]
    data = {"steps": STEPS, "metrics": METRICS, "extras": EXTRAS, "missing_initial_lr": missing,
            "runs": [run(name, make) for name, make in RUNS.items()]}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "last_epoch.json")
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
