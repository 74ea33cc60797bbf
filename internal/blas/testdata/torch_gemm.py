"""torch_gemm.py - PyTorch (OpenBLAS) float32 GEMM throughput for the shapes of
BenchmarkGemm in internal/blas, to compare side by side with `go test -bench`.

Run: BENCH_THREADS=1,2 /usr/bin/python3 internal/blas/testdata/torch_gemm.py
Timing as in /work/shared/bench/pytorch/matmul.py: torch.mm(opA, opB, out=C) with
transposed operands given as .t() views (no copies), k back-to-back calls per
sample of >= 20 ms, 3 warm-up and 15 timed samples, median GFLOP/s reported.
"""
import ctypes, os, statistics, time
import torch

SHAPES = [  # name, transA, transB, m, n, k (names as in BenchmarkGemm)
    ("fwd64x784x256", False, False, 64, 256, 784),
    ("fwd512x784x256", False, False, 512, 256, 784),
    ("fwd64x256x256", False, False, 64, 256, 256),
    ("fwd64x256x10", False, False, 64, 10, 256),
    ("dW784x64x256", True, False, 784, 256, 64),
    ("dW784x512x256", True, False, 784, 256, 512),
    ("dX64x256x784", False, True, 64, 784, 256),
    ("dX512x256x784", False, True, 512, 784, 256),
    ("dX64x10x256", False, True, 64, 256, 10),
    ("TT/n=512", True, True, 512, 512, 512),
]

# The transformer and LSTM steps' shapes, as BenchmarkGemmModels names them.
MODEL_SHAPES = [
    ("tf/fwd1024x512x128", False, True, 1024, 512, 128),
    ("tf/fwd1024x128x512", False, True, 1024, 128, 512),
    ("tf/fwd1024x384x128", False, True, 1024, 384, 128),
    ("tf/dX1024x128x512", False, False, 1024, 128, 512),
    ("tf/dX1024x512x128", False, False, 1024, 512, 128),
    ("tf/dW512x128x1024", True, False, 512, 128, 1024),
    ("tf/dW128x512x1024", True, False, 128, 512, 1024),
    ("tf/attn64x64x32", False, True, 64, 64, 32),
    ("lstm/dW256x1024x2048", True, False, 256, 1024, 2048),
    ("lstm/dX2048x256x1024", False, False, 2048, 256, 1024),
    ("lstm/fwd2048x1024x256", False, True, 2048, 1024, 256),
    ("lstm/fwd2048x1024x64", False, True, 2048, 1024, 64),
]


def set_threads(n):
    torch.set_num_threads(n)
    try:
        ctypes.CDLL("libopenblas.so.0").openblas_set_num_threads(n)
    except (OSError, AttributeError):
        pass


def rate(a, b, c, flops, clock=time.perf_counter):
    """Median GFLOP/s of torch.mm(a, b, out=c) over 15 samples timed by clock
    (time.process_time gives the rate per second of CPU time, for one thread
    on a shared machine)."""
    k = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(k):
            torch.mm(a, b, out=c)
        if time.perf_counter() - t0 >= 0.02:
            break
        k *= 2
    rates = []
    for i in range(18):
        t0 = clock()
        for _ in range(k):
            torch.mm(a, b, out=c)
        if i >= 3:
            rates.append(flops * k / max(clock() - t0, 1e-9) / 1e9)
    return statistics.median(rates)


def main():
    g = torch.Generator().manual_seed(0)
    for t in [int(x) for x in os.environ.get("BENCH_THREADS", "1,2").split(",")]:
        set_threads(t)
        for name, ta, tb, m, n, k in SHAPES:
            a = torch.randn(k, m, generator=g).t() if ta else torch.randn(m, k, generator=g)
            b = torch.randn(n, k, generator=g).t() if tb else torch.randn(k, n, generator=g)
            c = torch.empty(m, n)
            print(f"f32/{name}/t{t} {rate(a, b, c, 2 * m * n * k):.2f} GFLOP/s", flush=True)


if __name__ == "__main__":
    main()
