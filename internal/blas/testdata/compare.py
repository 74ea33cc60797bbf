"""compare.py - BenchmarkGemm against PyTorch (OpenBLAS), case by case.

The machine these were tuned on is shared, so Go and PyTorch are measured
alternately on each case, ROUNDS times, and the best rate of each is compared.

Run from the repository root:
  go test -c -o /tmp/blas.test ./internal/blas
  /usr/bin/python3 internal/blas/testdata/compare.py /tmp/blas.test
PyTorch timing is that of /work/shared/bench/pytorch/matmul.py (median of 15
samples of >= 20 ms of torch.mm(opA, opB, out=C), transposes as .t() views).
"""
import os, re, subprocess, sys
import torch
sys.path.insert(0, os.path.dirname(__file__))
from torch_gemm import SHAPES, rate, set_threads

ROUNDS = int(os.environ.get("ROUNDS", "3"))


def go_rate(binary, name):
    pat = "^BenchmarkGemm$/^" + "$/^".join(re.escape(p) for p in name.split("/")) + "$"
    out = subprocess.run([binary, "-test.run", "XXX", "-test.bench", pat, "-test.benchtime", "0.3s"],
                         capture_output=True, text=True).stdout
    m = re.search(r"([\d.]+) GFLOP/s\s+\d+ B/op\s+(\d+) allocs/op", out)
    return float(m.group(1)), int(m.group(2))


def main():
    binary = sys.argv[1]
    cases = [(f"f32/n={n}", False, False, n, n, n) for n in (64, 128, 256, 512, 1024, 2048)]
    cases += [("f32/" + s[0],) + s[1:] for s in SHAPES]
    g = torch.Generator().manual_seed(0)
    print("| case | Go GFLOP/s | PyTorch GFLOP/s | Go/PyTorch | Go allocs/op |")
    print("|---|---|---|---|---|")
    for t in (1, 2):
        set_threads(t)
        for name, ta, tb, m, n, k in cases:
            a = torch.randn(k, m, generator=g).t() if ta else torch.randn(m, k, generator=g)
            b = torch.randn(n, k, generator=g).t() if tb else torch.randn(k, n, generator=g)
            c = torch.empty(m, n)
            gos, pts, allocs = [], [], 0
            for _ in range(ROUNDS):
                r, al = go_rate(binary, f"{name}/t{t}")
                gos.append(r)
                allocs = max(allocs, al)
                pts.append(rate(a, b, c, 2 * m * n * k))
            print(f"| {name}/t{t} | {max(gos):.1f} | {max(pts):.1f} | {max(gos)/max(pts):.2f} | {allocs} |", flush=True)


if __name__ == "__main__":
    main()
