"""compare.py - BenchmarkGemm and BenchmarkGemmModels against PyTorch (OpenBLAS), case by case.

The machine these were tuned on is shared, so Go and PyTorch are measured
alternately on each case, ROUNDS times, and the best rate of each is compared.
On one thread the rates per second of CPU time are compared as well (Go's
cpu-GFLOP/s, PyTorch timed by time.process_time): on a loaded machine wall time
counts the time other processes held the core, CPU time does not.

Run from the repository root:
  go test -c -o /tmp/blas.test ./internal/blas
  /usr/bin/python3 internal/blas/testdata/compare.py /tmp/blas.test [case-regexp]
PyTorch timing is that of /work/shared/bench/pytorch/matmul.py (median of 15
samples of >= 20 ms of torch.mm(opA, opB, out=C), transposes as .t() views).
"""
import os, re, subprocess, sys, time
import torch
sys.path.insert(0, os.path.dirname(__file__))
from torch_gemm import MODEL_SHAPES, SHAPES, rate, set_threads

ROUNDS = int(os.environ.get("ROUNDS", "3"))


def go_rate(binary, bench, name):
    """Wall GFLOP/s, cpu-GFLOP/s (None beyond one thread) and allocs/op of one case."""
    pat = f"^{bench}$/^" + "$/^".join(re.escape(p) for p in name.split("/")) + "$"
    out = subprocess.run([binary, "-test.run", "XXX", "-test.bench", pat, "-test.benchtime", "0.3s"],
                         capture_output=True, text=True).stdout
    wall = re.search(r"([\d.]+) GFLOP/s", out)
    cpu = re.search(r"([\d.]+) cpu-GFLOP/s", out)
    allocs = re.search(r"(\d+) allocs/op", out)
    return float(wall.group(1)), cpu and float(cpu.group(1)), int(allocs.group(1))


def main():
    binary = sys.argv[1]
    only = re.compile(sys.argv[2] if len(sys.argv) > 2 else "")
    cases = [("BenchmarkGemm", f"f32/n={n}", False, False, n, n, n) for n in (64, 128, 256, 512, 1024, 2048)]
    cases += [("BenchmarkGemm", "f32/" + s[0]) + s[1:] for s in SHAPES]
    cases += [("BenchmarkGemmModels",) + s for s in MODEL_SHAPES]
    g = torch.Generator().manual_seed(0)
    print("| case | Go GFLOP/s | PyTorch GFLOP/s | Go/PyTorch | Go cpu-GFLOP/s | PyTorch cpu-GFLOP/s | Go/PyTorch (CPU time) | Go allocs/op |")
    print("|---|---|---|---|---|---|---|---|")
    for t in (1, 2):
        set_threads(t)
        for bench, name, ta, tb, m, n, k in cases:
            if not only.search(f"{name}/t{t}"):
                continue
            a = torch.randn(k, m, generator=g).t() if ta else torch.randn(m, k, generator=g)
            b = torch.randn(n, k, generator=g).t() if tb else torch.randn(k, n, generator=g)
            c = torch.empty(m, n)
            gos, gocpu, pts, ptcpu, allocs = [], [], [], [], 0
            for _ in range(ROUNDS):
                r, rc, al = go_rate(binary, bench, f"{name}/t{t}")
                gos.append(r)
                if rc:
                    gocpu.append(rc)
                allocs = max(allocs, al)
                pts.append(rate(a, b, c, 2 * m * n * k))
                if t == 1:
                    ptcpu.append(rate(a, b, c, 2 * m * n * k, time.process_time))
            cpu = "| | |"
            if gocpu and ptcpu:
                cpu = f"| {max(gocpu):.1f} | {max(ptcpu):.1f} | {max(gocpu)/max(ptcpu):.2f} |"
            print(f"| {name}/t{t} | {max(gos):.1f} | {max(pts):.1f} | {max(gos)/max(pts):.2f} {cpu} {allocs} |", flush=True)


if __name__ == "__main__":
    main()
