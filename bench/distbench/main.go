// Distbench measures package distributed on this machine: the bandwidth of
// float32 all-reduces from 1 to 100 MB against a plain copy of the same
// buffers (memory bandwidth), and the overhead DDP adds to the MLP training
// step of shared/bench/pytorch/mlp_step.py (784-256-256-10, cross-entropy,
// SGD with momentum) when a global batch is split over the ranks. Run it as
// one process and under mpirun:
//
//	go run ./bench/distbench -batch 512
//	go build -tags mpi -o /tmp/distbench ./bench/distbench
//	mpirun -np 2 /tmp/distbench -batch 512
//
// Rank 0 prints one line per figure: "name value unit [k=v ...]".
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gograd/gograd/distributed"
	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/optim"
	"github.com/gograd/gograd/tensor"
)

func main() {
	sizes := flag.String("mb", "1,2,5,10,20,50,100", "all-reduce sizes in MB (10^6 bytes), comma-separated")
	batch := flag.Int("batch", 512, "global batch of the MLP step, split over the ranks")
	steps := flag.Int("steps", 300, "timed MLP steps (after 50 warm-up steps)")
	threads := flag.Int("threads", 0, "kernel threads per rank; 0: the CPUs divided by the ranks on this machine")
	flag.Parse()
	if err := distributed.Init(distributed.Options{SkipShapeCheck: true}); err != nil {
		fmt.Fprintln(os.Stderr, "distbench:", err)
		os.Exit(1)
	}
	defer distributed.Finalize()
	world := distributed.WorldSize()
	local := world
	if s, err := strconv.Atoi(os.Getenv("OMPI_COMM_WORLD_LOCAL_SIZE")); err == nil {
		local = s
	}
	if *threads == 0 {
		*threads = max(1, runtime.NumCPU()/local)
	}
	tensor.SetNumThreads(*threads)
	report("# world %d, %d kernel thread(s) per rank, %d CPUs", world, *threads, runtime.NumCPU())
	for _, f := range strings.Split(*sizes, ",") {
		mb, err := strconv.ParseFloat(f, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "distbench: -mb:", err)
			os.Exit(2)
		}
		allReduce(int(mb * 1e6 / 4))
	}
	mlpStep(*batch/world, *steps)
}

// report prints on rank 0.
func report(format string, args ...any) {
	if distributed.Rank() == 0 {
		fmt.Printf(format+"\n", args...)
	}
}

// slowest returns the largest of the ranks' d.
func slowest(d time.Duration) time.Duration {
	t := tensor.Float64.Full(float64(d), 1)
	distributed.AllReduce(t, distributed.Max)
	return time.Duration(t.Item())
}

// allReduce times the all-reduce of n float32s, and a copy of as many bytes on
// rank 0 while the others wait.
func allReduce(n int) {
	x := tensor.Ones(n)
	iters := max(5, min(100, 2e9/(4*n)))
	distributed.AllReduce(x, distributed.Sum) // warm up: connections, pages
	distributed.Barrier()
	t0 := time.Now()
	for range iters {
		distributed.AllReduce(x, distributed.Sum)
	}
	per := slowest(time.Since(t0)) / time.Duration(iters)
	bytes := float64(4 * n)
	w := float64(distributed.WorldSize())
	// Bus bandwidth, as nccl-tests count it: what each rank must send and
	// receive in an optimal all-reduce, 2(w-1)/w of the buffer.
	report("allreduce_%gMB %.3f ms algbw=%.2fGB/s busbw=%.2fGB/s", bytes/1e6, ms(per),
		bytes/per.Seconds()/1e9, 2*(w-1)/w*bytes/per.Seconds()/1e9)

	if distributed.Rank() == 0 {
		src, dst := make([]float32, n), make([]float32, n)
		copy(dst, src)
		t0 := time.Now()
		for range iters {
			copy(dst, src)
		}
		per := time.Since(t0) / time.Duration(iters)
		report("copy_%gMB %.3f ms %.2fGB/s copied (%.2fGB/s read+written), 1 thread", bytes/1e6, ms(per),
			bytes/per.Seconds()/1e9, 2*bytes/per.Seconds()/1e9)
	}
	distributed.Barrier()
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// mlpStep times mlp_step.py's SGD step on a batch of b per rank, without and
// with DDP, alternating blocks of steps of the two so that drift in the
// machine's load hits both alike, and reports the medians of rank 0 and of
// the slowest rank.
func mlpStep(b, steps int) {
	g := tensor.NewGenerator(uint64(1 + distributed.Rank()))
	x := g.Normal(tensor.Zeros(b, 784), 0, 1)
	labels := make([]int64, b)
	for i := range labels {
		labels[i] = int64(g.Intn(10))
	}
	y := tensor.New(labels)
	models := []nn.Module{mlp(), distributed.NewDDP(mlp())}
	opts := make([]optim.Optimizer, len(models))
	for i, m := range models {
		opts[i] = optim.NewSGD(m.Parameters(), optim.SGDOptions{LR: 0.01, Momentum: 0.9})
	}
	step := func(k int) time.Duration {
		t0 := time.Now()
		loss := functional.CrossEntropy(models[k].Forward(x), y)
		loss.Backward()
		opts[k].Step()
		opts[k].ZeroGrad()
		return time.Since(t0)
	}
	for range 50 {
		step(0)
		step(1)
	}
	const block = 20
	times := make([][]time.Duration, len(models))
	for done := 0; done < steps; done += block {
		for k := range models {
			distributed.Barrier()
			for range block {
				times[k] = append(times[k], step(k))
			}
		}
	}
	for k, name := range []string{"plain", "ddp"} {
		t := times[k]
		slices.Sort(t)
		med := t[len(t)/2]
		report("mlp_sgd_%s_b%dx%d %.3f ms/step (slowest rank %.3f) p10=%.3f p90=%.3f", name, b, distributed.WorldSize(),
			ms(med), ms(slowest(med)), ms(t[len(t)/10]), ms(t[len(t)*9/10]))
	}
	n := 0
	for _, p := range mlp().Parameters() {
		n += p.Numel()
	}
	grads := tensor.Zeros(n)
	distributed.Barrier()
	t0 := time.Now()
	for range 100 {
		distributed.AllReduce(grads, distributed.Avg)
	}
	report("allreduce_mlp_grads_%d_floats %.3f ms", n, ms(slowest(time.Since(t0))/100))
}

// mlp is mlp_step.py's model.
func mlp() nn.Sequential {
	g := tensor.NewGenerator(0)
	return nn.Sequential{
		nn.NewLinear(784, 256, nn.WithGenerator(g)), nn.ReLU{},
		nn.NewLinear(256, 256, nn.WithGenerator(g)), nn.ReLU{},
		nn.NewLinear(256, 10, nn.WithGenerator(g)),
	}
}
