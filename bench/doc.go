// Package bench holds Go versions of the reference workloads in
// shared/bench/pytorch (matmul.py, mlp_step.py, op_overhead.py, elementwise.py),
// as benchmarks with the same shapes, so that gograd and PyTorch can be compared
// side by side; compare.py runs both alternately and prints ratios.
//
// BENCH_THREADS sets the thread count, as for the PyTorch scripts (default:
// GOMAXPROCS, which -cpu sets). BENCH_RECYCLE, in MiB, sets the bound on the
// memory kept for recycling dropped results (tensor.SetRecycleLimit; 0 turns
// recycling off; 128, the default, is tensor.DefaultRecycleLimit), and
// BENCH_RECYCLE_MIN, in bytes, the size from which results are recycled
// (tensor.SetRecycleMinSize; 8 MiB by default), to measure them with
// compare.py.
package bench
