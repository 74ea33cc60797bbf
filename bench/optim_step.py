#!/usr/bin/python3
"""optim_step.py - one torch.optim step (foreach=True) on mlp_step.py's parameters.

Workload: the parameters of Linear(784,256), Linear(256,256), Linear(256,10)
(float32, 269,322 values), each with a fixed gradient drawn from N(0, 1e-2²).
Optimizers with PyTorch 1.13's defaults and foreach=True (the multi-tensor
implementation): SGD(lr=0.01, momentum=0.9), Adam, Adamax, NAdam, RAdam, RMSprop,
Adagrad, Adadelta, ASGD, Rprop. Timing: 10 warm-up steps, then 300 timed steps;
value = median in milliseconds per step.
Threads: BENCH_THREADS (default 2) -> torch.set_num_threads.
Output: "optim_{name}_t{T} <ms> ms/step". Go side: BenchmarkOptimStep in
bench/bench_test.go; bench/compare.py --only optim runs both alternately.
"""
import os, statistics, time
import torch

OPTS = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, foreach=True),
    "adam": lambda p: torch.optim.Adam(p, foreach=True),
    "adamax": lambda p: torch.optim.Adamax(p, foreach=True),
    "nadam": lambda p: torch.optim.NAdam(p, foreach=True),
    "radam": lambda p: torch.optim.RAdam(p, foreach=True),
    "rmsprop": lambda p: torch.optim.RMSprop(p, foreach=True),
    "adagrad": lambda p: torch.optim.Adagrad(p, foreach=True),
    "adadelta": lambda p: torch.optim.Adadelta(p, foreach=True),
    "asgd": lambda p: torch.optim.ASGD(p, foreach=True),
    "rprop": lambda p: torch.optim.Rprop(p, foreach=True),
}


def main():
    t = int(os.environ.get("BENCH_THREADS", "2"))
    torch.set_num_threads(t)
    torch.manual_seed(1)
    shapes = [(256, 784), (256,), (256, 256), (256,), (10, 256), (10,)]
    for name, make in OPTS.items():
        params = [torch.zeros(s).requires_grad_() for s in shapes]
        for p in params:
            p.grad = torch.randn(p.shape) * 1e-2
        opt = make(params)
        for _ in range(10):
            opt.step()
        times = []
        for _ in range(300):
            t0 = time.perf_counter()
            opt.step()
            times.append(time.perf_counter() - t0)
        print(f"optim_{name}_t{t} {statistics.median(times) * 1e3:.4f} ms/step", flush=True)


if __name__ == "__main__":
    main()
