#!/usr/bin/python3
"""Writes sched.json: the learning rates (and momenta) torch.optim.lr_scheduler
1.13 sets, for the Go test TestGolden in optim/sched/sched_test.go.

Run with Debian's python3-torch: /usr/bin/python3 optim/sched/testdata/gen_sched.py

Each run makes an optimizer with two parameter groups, a scheduler (the name
says which; sched_test.go builds the same one from the same name), and records
the groups' learning rates and momenta after construction and after each of
STEPS optimizer.step(); scheduler.step() pairs. Runs named *_manual halve
every group's rate by hand before step MANUAL, which the chainable forms carry
on from. Runs named *_epochs call scheduler.step(epoch) with EPOCHS (PyTorch's
deprecated closed-form path). Plateau runs pass METRICS[t] to step. "state" is
the scheduler's state_dict() at the end, with values that are not plain data
written as "<other>".
"""
import json
import math
import os
import warnings
from collections import Counter

import torch
from torch.optim import lr_scheduler as S

warnings.simplefilter("ignore")  # step(epoch) and get_lr deprecation warnings

STEPS = 60
MANUAL = 12
EPOCHS = [1, 2, 3, 5, 7, 8, 10, 11, 15, 20, 21, 25, 30, 33, 40, 41, 50, 55, 60, 3, 0]
FRAC_EPOCHS = [0.5, 1.25, 3.0, 4.999, 5.0, 7.5, 12.0, 14.75, 31.0, 45.5, 2.0]
METRICS = [1.0 / (1 + 0.1 * t) + 0.05 * math.sin(1.7 * t) + (0.3 if t % 17 == 0 else 0) for t in range(STEPS)]


def sgd(params, momentum=0.9):
    return torch.optim.SGD([{"params": [params[0]], "lr": 0.1}, {"params": [params[1]], "lr": 0.05}],
                           lr=0.1, momentum=momentum)


def adam(params):
    return torch.optim.Adam([{"params": [params[0]], "lr": 0.1}, {"params": [params[1]], "lr": 0.05}])


# name: (optimizer maker, scheduler maker)
RUNS = {
    "step": (sgd, lambda o: S.StepLR(o, step_size=7, gamma=0.5)),
    "step_default_gamma": (sgd, lambda o: S.StepLR(o, step_size=3)),
    "multistep": (sgd, lambda o: S.MultiStepLR(o, milestones=[30, 5, 12, 12], gamma=0.3)),
    "exponential": (sgd, lambda o: S.ExponentialLR(o, gamma=0.93)),
    "cosine": (sgd, lambda o: S.CosineAnnealingLR(o, T_max=20, eta_min=0.001)),
    "cosine_t7": (sgd, lambda o: S.CosineAnnealingLR(o, T_max=7)),
    "cosine_manual": (sgd, lambda o: S.CosineAnnealingLR(o, T_max=20, eta_min=0.001)),
    "warm_restarts": (sgd, lambda o: S.CosineAnnealingWarmRestarts(o, T_0=10)),
    "warm_restarts_mult": (sgd, lambda o: S.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.01)),
    "cyclic_triangular": (sgd, lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5)),
    "cyclic_triangular2": (sgd, lambda o: S.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=4,
                                                      step_size_down=8, mode="triangular2",
                                                      base_momentum=[0.7, 0.8], max_momentum=0.95)),
    "cyclic_exp_range": (sgd, lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=6, mode="exp_range",
                                                    gamma=0.97)),
    "cyclic_scale_fn": (sgd, lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5,
                                                   scale_fn=lambda x: 1 / (1 + 0.1 * x), scale_mode="iterations",
                                                   cycle_momentum=False)),
    "onecycle": (sgd, lambda o: S.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=STEPS + 1)),
    "onecycle_three_phase_linear": (sgd, lambda o: S.OneCycleLR(o, max_lr=0.3, epochs=6, steps_per_epoch=11,
                                                                  three_phase=True, anneal_strategy="linear",
                                                                  pct_start=0.2)),
    "onecycle_adam": (adam, lambda o: S.OneCycleLR(o, max_lr=0.01, total_steps=STEPS, pct_start=0.25, div_factor=10.,
                                                   final_div_factor=100., base_momentum=0.8, max_momentum=0.9)),
    "linear": (sgd, lambda o: S.LinearLR(o, start_factor=0.25, total_iters=10)),
    "linear_down": (sgd, lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=20)),
    "linear_manual": (sgd, lambda o: S.LinearLR(o, start_factor=0.25, total_iters=20)),
    "constant": (sgd, lambda o: S.ConstantLR(o, factor=0.5, total_iters=8)),
    "constant_default": (sgd, lambda o: S.ConstantLR(o)),
    "polynomial": (sgd, lambda o: S.PolynomialLR(o, total_iters=30, power=2.0)),
    "polynomial_default": (sgd, lambda o: S.PolynomialLR(o)),
    "lambda": (sgd, lambda o: S.LambdaLR(o, [lambda e: 0.95 ** e, lambda e: 1 / (1 + e)])),
    "multiplicative": (sgd, lambda o: S.MultiplicativeLR(o, lambda e: 0.9)),
    "multiplicative_groups": (sgd, lambda o: S.MultiplicativeLR(o, [lambda e: 0.9, lambda e: 1 - 0.01 * e])),
    "sequential": (sgd, lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=5),
                                                      S.CosineAnnealingLR(o, T_max=20)], milestones=[5])),
    "sequential_three": (sgd, lambda o: S.SequentialLR(o, [S.ConstantLR(o, factor=0.5, total_iters=4),
                                                            S.ExponentialLR(o, gamma=0.9),
                                                            S.StepLR(o, step_size=5, gamma=0.5)], milestones=[6, 20])),
    "chained": (sgd, lambda o: S.ChainedScheduler([S.ConstantLR(o, factor=0.1, total_iters=5),
                                                     S.ExponentialLR(o, gamma=0.9)])),
    "chained_cosine_step": (sgd, lambda o: S.ChainedScheduler([S.CosineAnnealingLR(o, T_max=10),
                                                                 S.StepLR(o, step_size=7, gamma=0.5)])),
    "plateau": (sgd, lambda o: S.ReduceLROnPlateau(o, patience=3)),
    "plateau_max_abs": (sgd, lambda o: S.ReduceLROnPlateau(o, mode="max", factor=0.5, patience=2, threshold=0.01,
                                                           threshold_mode="abs", cooldown=3, min_lr=[0.01, 0.02])),
    "plateau_zero_patience": (sgd, lambda o: S.ReduceLROnPlateau(o, patience=0, factor=0.7, min_lr=0.003)),
    "step_epochs": (sgd, lambda o: S.StepLR(o, step_size=7, gamma=0.5)),
    "multistep_epochs": (sgd, lambda o: S.MultiStepLR(o, milestones=[30, 5, 12, 12], gamma=0.3)),
    "exponential_epochs": (sgd, lambda o: S.ExponentialLR(o, gamma=0.93)),
    "cosine_epochs": (sgd, lambda o: S.CosineAnnealingLR(o, T_max=20, eta_min=0.001)),
    "linear_epochs": (sgd, lambda o: S.LinearLR(o, start_factor=0.25, total_iters=10)),
    "constant_epochs": (sgd, lambda o: S.ConstantLR(o, factor=0.5, total_iters=8)),
    "polynomial_epochs": (sgd, lambda o: S.PolynomialLR(o, total_iters=30, power=2.0)),
    "lambda_epochs": (sgd, lambda o: S.LambdaLR(o, [lambda e: 0.95 ** e, lambda e: 1 / (1 + e)])),
    "warm_restarts_mult_epochs": (sgd, lambda o: S.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.01)),
    "warm_restarts_frac_epochs": (sgd, lambda o: S.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.01)),
    "warm_restarts_frac1_epochs": (sgd, lambda o: S.CosineAnnealingWarmRestarts(o, T_0=4)),
}


def momenta(opt):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


def plain(v):
    """v if it is a number, string, bool, None or a list of them (tuples as
    lists, Counters as sorted lists with repeats, infinities as "inf" and
    "-inf"), else the string "<other>"."""
    if isinstance(v, float) and math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if isinstance(v, (int, float, str, bool)) or v is None:
        return v
    if isinstance(v, Counter):
        return sorted(v.elements())
    if isinstance(v, (list, tuple)) and all(isinstance(x, (int, float, str, bool)) or x is None for x in v):
        return list(v)
    if isinstance(v, list) and all(isinstance(x, dict) for x in v):
        return [{k: plain(y) for k, y in x.items()} for x in v]
    return "<other>"


def state(sched):
    return {k: plain(v) for k, v in sched.state_dict().items()}


def run(name, make_opt, make_sched):
    params = [torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(3))]
    opt = make_opt(params)
    sched = make_sched(opt)
    lrs = [[g["lr"] for g in opt.param_groups]]
    moms = [momenta(opt)]
    if name.endswith("_epochs"):
        epochs = FRAC_EPOCHS if "frac" in name else EPOCHS
        for e in epochs:
            opt.step()
            sched.step(e)
            lrs.append(sched.get_last_lr())
            moms.append(momenta(opt))
        return {"name": name, "epochs": epochs, "lrs": lrs, "momenta": moms, "state": state(sched)}
    for t in range(STEPS):
        opt.step()
        if name.endswith("_manual") and t + 1 == MANUAL:
            for g in opt.param_groups:
                g["lr"] *= 0.5
        if isinstance(sched, S.ReduceLROnPlateau):
            sched.step(METRICS[t])
            lrs.append(sched._last_lr)
        else:
            sched.step()
            lrs.append(sched.get_last_lr())
        moms.append(momenta(opt))
    return {"name": name, "lrs": lrs, "momenta": moms, "state": state(sched)}


def main():
    runs = [run(name, *makers) for name, makers in RUNS.items()]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sched.json")
    with open(path, "w") as f:
        f.write('{"torch": %s, "steps": %d, "manual": %d, "metrics": %s, "runs": [\n' % (
            json.dumps(torch.__version__), STEPS, MANUAL, json.dumps(METRICS)))
        f.write(",\n".join(json.dumps(r) for r in runs))
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
