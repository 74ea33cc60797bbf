#!/usr/bin/python3
"""compare.py - gograd vs PyTorch on the reference workloads, alternately, as ratios.

Runs each workload's Go benchmark (bench/bench_test.go) and its PyTorch script
(shared/bench/pytorch/*.py, the workload definitions) one after the other, ROUNDS
times, so that both see the same machine load; prints the median of each side and
the ratio gograd/PyTorch as speed (higher is better for gograd).

    apt-get install -y python3-torch libopenblas0-pthread   # once
    /usr/bin/python3 bench/compare.py [--rounds 3] [--threads 1,2] [--only mlp,cnn,transformer,lstm,op,ew,matmul,optim]

Run from the repository root. PYTORCH_BENCH overrides the scripts' folder
(default ../shared/bench/pytorch). PyTorch runs with OMP_WAIT_POLICY=PASSIVE.

The script first prints the CPU kernels OpenBLAS chose. An OpenBLAS older than
the CPU falls back to generic SSE3 kernels ("Prescott"), 5-6x slower at GEMM,
or on a CPU with AVX-512 to AVX2 ones (Debian's 0.3.21 picks "Haswell" on a
Zen 5 EPYC: about half the GEMM speed); then set OPENBLAS_CORETYPE (SkylakeX,
or Cooperlake on a Xeon that has it) so that the comparison is with PyTorch at
its speed.
"""
import argparse, os, re, statistics, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PT = os.environ.get("PYTORCH_BENCH", os.path.join(ROOT, "..", "shared", "bench", "pytorch"))

# workload: (go -bench regexp, benchtime, torch script, [(key, go name re, torch name fmt, unit, higher_is_better)])
WORKLOADS = {
    "matmul": ("BenchmarkMatMul", "2s", "matmul.py",
               [(f"matmul n={n}", rf"BenchmarkMatMul/n={n}(-\d+)?", f"matmul_n{n}_t{{t}}", "GFLOP/s", True)
                for n in (64, 128, 256, 512, 1024, 2048)] +
               [(f"matmul n={n} alloc", rf"BenchmarkMatMul/n={n}/alloc(-\d+)?", f"matmul_n{n}_t{{t}}", "GFLOP/s", True)
                for n in (64, 256, 1024)]),
    "mlp": ("BenchmarkMLPStep", "300x", "mlp_step.py",
            [(f"mlp {o} b={b}", rf"BenchmarkMLPStep/{o}/b={b}(-\d+)?", f"mlp_{o}_b{b}_t{{t}}", "ms/step", False)
             for o in ("sgd", "adam") for b in (64, 512)]),
    "cnn": ("BenchmarkCNNStep", "300x", "cnn_step.py",
            [("cnn lenet b=64", r"BenchmarkCNNStep(-\d+)?", "cnn_b64_t{t}", "ms/step", False)]),
    "transformer": ("BenchmarkTransformerStep", "100x", "transformer_step.py",
                    [("transformer step", r"BenchmarkTransformerStep(-\d+)?", "transformer_step_t{t}", "ms/step", False)]),
    "lstm": ("BenchmarkLSTMStep", "10x", "lstm_step.py",
             [("lstm step", r"BenchmarkLSTMStep(-\d+)?", "lstm_step_t{t}", "ms/step", False)]),
    "op": ("BenchmarkOpOverhead", "200x", "op_overhead.py",
           [("op scalar total", r"BenchmarkOpOverhead/scalar(-\d+)?", "op_scalar_total_t{t}", "µs/op", False),
            ("op vec1000 total", r"BenchmarkOpOverhead/vec1000(-\d+)?", "op_vec1000_total_t{t}", "µs/op", False)]),
    "ew": ("BenchmarkElementwise", "1s", "elementwise.py",
           [(f"{op}", rf"BenchmarkElementwise/{op}(-\d+)?", f"ew_{op}_t{{t}}", "GB/s", True)
            for op in ("add", "mul", "exp", "sigmoid", "sum", "add_alloc", "mul_alloc", "exp_alloc", "sigmoid_alloc")]),
    # optim_step.py is in this folder (bench/), not in PYTORCH_BENCH.
    "optim": ("BenchmarkOptimStep", "300x", os.path.join(ROOT, "bench", "optim_step.py"),
              [(f"optim {o}", rf"BenchmarkOptimStep/{o}(-\d+)?", f"optim_{o}_t{{t}}", "ms/step", False)
               for o in ("sgd", "adam", "adamax", "nadam", "radam", "rmsprop", "adagrad", "adadelta", "asgd", "rprop")]),
}


def go_run(bench, benchtime, threads):
    env = dict(os.environ, BENCH_THREADS=str(threads))
    out = subprocess.run(["go", "test", "./bench", "-run", "^$", "-bench", "^" + bench + "$",
                          "-benchtime", benchtime, "-count", "1", "-cpu", str(threads)],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    res = {}
    for line in out.splitlines():
        f = line.split()
        if not f or not f[0].startswith("Benchmark"):
            continue
        for i in range(2, len(f) - 1):
            if f[i + 1] in ("GFLOP/s", "ms/step", "µs/op", "MB/s", "GB/s"):
                v = float(f[i])
                res.setdefault(f[0], {})[f[i + 1]] = v / 1000 if f[i + 1] == "MB/s" else v
    return res


def torch_run(script, threads):
    env = dict(os.environ, BENCH_THREADS=str(threads), OMP_WAIT_POLICY="PASSIVE")
    if script == "matmul.py":
        env["BENCH_THREADS"] = str(threads)
    out = subprocess.run(["/usr/bin/python3", os.path.join(PT, script)], env=env,
                         capture_output=True, text=True, check=True).stdout
    return {f[0]: float(f[1]) for f in (l.split() for l in out.splitlines()) if f and not f[0].startswith("#")}


# OpenBLAS's generic x86-64 kernels, which it picks for a CPU it does not know.
GENERIC_CORES = {"Prescott", "Katmai", "Coppermine", "Northwood", "Banias", "Core2", "Penryn", "Dunnington", "Atom"}
# OpenBLAS's x86-64 cores with AVX-512 kernels.
AVX512_CORES = {"SkylakeX", "Cooperlake", "SapphireRapids"}


def cpu_has_avx512():
    """Whether this CPU has AVX-512 (Linux: /proc/cpuinfo's flags)."""
    try:
        with open("/proc/cpuinfo") as f:
            return any(l.startswith("flags") and " avx512f" in l for l in f)
    except OSError:
        return False


def openblas_core():
    """The core type OpenBLAS picks under PyTorch ("" if it does not say)."""
    env = dict(os.environ, OPENBLAS_VERBOSE="2")
    out = subprocess.run(["/usr/bin/python3", "-c", "import torch; torch.ones(2, 2) @ torch.ones(2, 2)"],
                         env=env, capture_output=True, text=True)
    cores = re.findall(r"^Core: (\S+)", out.stdout + out.stderr, re.M)
    return cores[-1] if cores else ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--only", default=",".join(WORKLOADS))
    a = ap.parse_args()
    core = openblas_core()
    print(f"# OpenBLAS core: {core or 'unknown'}")
    if core in GENERIC_CORES:
        print(f"# warning: {core} is OpenBLAS's generic kernel for a CPU it does not know; "
              "set OPENBLAS_CORETYPE (see the docstring)", file=sys.stderr)
    elif core and core not in AVX512_CORES and cpu_has_avx512():
        print(f"# warning: the CPU has AVX-512 but OpenBLAS uses its {core} kernels; "
              "set OPENBLAS_CORETYPE=SkylakeX (see the docstring)", file=sys.stderr)
    print(f"{'workload':<22} {'thr':>3} {'gograd':>10} {'pytorch':>10} {'unit':<8} {'speed ratio':>11}")
    for name in a.only.split(","):
        bench, bt, script, rows = WORKLOADS[name]
        for t in (int(x) for x in a.threads.split(",")):
            go_s, pt_s = {}, {}
            for _ in range(a.rounds):
                g = go_run(bench, bt, t)
                p = torch_run(script, t)
                for key, gre, pfmt, unit, _ in rows:
                    for k, v in g.items():
                        if re.fullmatch(gre, k):
                            # GB/s is the median sample's, as elementwise.py reports;
                            # MB/s (the mean, warm-up included) is the fallback.
                            go_s.setdefault(key, []).append(v.get(unit, v.get("MB/s")))
                    pk = pfmt.format(t=t)
                    if pk in p:
                        pt_s.setdefault(key, []).append(p[pk])
            for key, _, _, unit, higher in rows:
                if key not in go_s or key not in pt_s:
                    continue
                gm, pm = statistics.median(go_s[key]), statistics.median(pt_s[key])
                ratio = gm / pm if higher else pm / gm
                print(f"{key:<22} {t:>3} {gm:>10.3f} {pm:>10.3f} {unit:<8} {ratio:>10.2f}x", flush=True)


if __name__ == "__main__":
    sys.exit(main())
