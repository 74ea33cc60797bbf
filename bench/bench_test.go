package bench

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/gograd/gograd/internal/blas"
	"github.com/gograd/gograd/internal/vec"
	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/optim"
	"github.com/gograd/gograd/tensor"
)

func TestMain(m *testing.M) {
	if n, ok := envInt("BENCH_THREADS"); ok {
		tensor.SetNumThreads(n)
	}
	if mib, ok := envInt("BENCH_RECYCLE"); ok {
		tensor.SetRecycleLimit(mib << 20)
	}
	if bytes, ok := envInt("BENCH_RECYCLE_MIN"); ok {
		tensor.SetRecycleMinSize(bytes)
	}
	if mib, ok := envInt("BENCH_GC_FLOOR"); ok {
		tensor.SetGCFloor(mib << 20)
	}
	os.Exit(m.Run())
}

// envInt returns the integer in environment variable name, if it is set; a
// value that is not an integer stops the run.
func envInt(name string) (int, bool) {
	s := os.Getenv(name)
	if s == "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %s: %v\n", name, err)
		os.Exit(2)
	}
	return n, true
}

// BenchmarkMatMul is matmul.py: C = A·B for square float32 n×n matrices. The
// n=N case writes into a preallocated C, as torch.mm(A, B, out=C) does; n=N/alloc
// is tensor.MatMul, which allocates its result, after 60 ms of untimed warm-up
// as matmul.py has (the first results grow the process, whose page faults are
// costly on a VM). GFLOP/s is the median sample's, as matmul.py reports, each
// sample being k back-to-back calls with k calibrated as there (doubled until a
// sample takes 20 ms); ns/op is the mean over the whole run.
func BenchmarkMatMul(b *testing.B) {
	for _, n := range []int{64, 128, 256, 512, 1024, 2048} {
		flops := 2 * float64(n) * float64(n) * float64(n)
		var x, y *tensor.Tensor
		setup := func() {
			if x == nil {
				g := tensor.NewGenerator(0)
				x = g.Normal(tensor.Zeros(n, n), 0, 1)
				y = g.Normal(tensor.Zeros(n, n), 0, 1)
			}
		}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			setup()
			c := make([]float32, n*n)
			mm := func() { blas.Gemm(false, false, n, n, n, 1, x.Float32s(), n, y.Float32s(), n, 0, c, n) }
			b.ReportAllocs()
			b.ReportMetric(flops*medianSample(b, calibrate(mm), mm)/1e9, "GFLOP/s")
		})
		b.Run(fmt.Sprintf("n=%d/alloc", n), func(b *testing.B) {
			setup()
			mm := func() { tensor.MatMul(x, y) }
			for t0 := time.Now(); time.Since(t0) < 60*time.Millisecond; { // matmul.py's 3 warm-up samples of 20 ms
				mm()
			}
			b.ReportAllocs()
			b.ReportMetric(flops*medianSample(b, calibrate(mm), mm)/1e9, "GFLOP/s")
		})
	}
}

// calibrate returns matmul.py's sample length: the calls of f, doubled from 1,
// until that many back-to-back calls take 20 ms.
func calibrate(f func()) int {
	for k := 1; ; k *= 2 {
		t0 := time.Now()
		for range k {
			f()
		}
		if time.Since(t0) >= 20*time.Millisecond {
			return k
		}
	}
}

// medianSample runs f in b.Loop and returns the median, over samples of k
// back-to-back calls, of the sample's calls per second (the mean if the run
// was shorter than one sample), as the PyTorch workload scripts report. The
// samples' slice is made before b.Loop starts the timer and the allocation
// count, so that the timed loop allocates only what f does.
func medianSample(b *testing.B, k int, f func()) float64 {
	rates := make([]float64, 0, 4096)
	n, t0 := 0, time.Now()
	for b.Loop() {
		f()
		if n++; n == k {
			rates = append(rates, float64(k)/time.Since(t0).Seconds())
			n, t0 = 0, time.Now()
		}
	}
	if len(rates) == 0 {
		return float64(b.N) / b.Elapsed().Seconds()
	}
	sort.Float64s(rates)
	return rates[len(rates)/2]
}

// mlp builds mlp_step.py's model: Linear(784,256), ReLU, Linear(256,256), ReLU,
// Linear(256,10), with PyTorch's default init.
func mlp() nn.Sequential {
	g := tensor.NewGenerator(0)
	return nn.Sequential{
		nn.NewLinear(784, 256, nn.WithGenerator(g)), nn.ReLU{},
		nn.NewLinear(256, 256, nn.WithGenerator(g)), nn.ReLU{},
		nn.NewLinear(256, 10, nn.WithGenerator(g)),
	}
}

// lenet builds cnn_step.py's LeNet-5-like model with PyTorch's default init.
func lenet() nn.Sequential {
	g := nn.WithGenerator(tensor.NewGenerator(0))
	return nn.Sequential{
		nn.NewConv2d(1, 6, 5, g), nn.ReLU{}, nn.NewMaxPool2d(2),
		nn.NewConv2d(6, 16, 5, g), nn.ReLU{}, nn.NewMaxPool2d(2), nn.Flatten{},
		nn.NewLinear(256, 120, g), nn.ReLU{}, nn.NewLinear(120, 84, g), nn.ReLU{},
		nn.NewLinear(84, 10, g),
	}
}

// BenchmarkCNNStep is cnn_step.py: one LeNet-5 training step (forward,
// cross-entropy, backward, SGD with momentum 0.9, zero grad) on a fixed batch of
// 64 float32 28×28 images. ms/step is the median; GFLOP/s counts the
// convolutions' and linear layers' multiply-adds (forward 1×, backward 2×).
func BenchmarkCNNStep(b *testing.B) {
	const batch = 64
	model := lenet()
	g := tensor.NewGenerator(1)
	x := g.Normal(tensor.Zeros(batch, 1, 28, 28), 0, 1)
	labels := make([]int64, batch)
	for i := range labels {
		labels[i] = int64(g.Intn(10))
	}
	y := tensor.New(labels)
	o := optim.NewSGD(model.Parameters(), optim.SGDOptions{LR: 0.01, Momentum: 0.9})
	stepBench(b, func() {
		loss := functional.CrossEntropy(model.Forward(x), y)
		loss.Backward()
		o.Step()
		o.ZeroGrad()
	}, 3*2*batch*float64(6*25*24*24+16*150*8*8+256*120+120*84+84*10))
}

// BenchmarkTransformerStep is transformer_step.py: one training step (forward,
// cross-entropy, backward, AdamW, zero grad) of a 2-layer pre-LN decoder with
// d_model 128, 4 heads, MLP 512, exact GELU, causal attention, on a fixed batch
// of 16 sequences of 64 tokens from a vocabulary of 96 (429,664 parameters, as
// PyTorch's). GFLOP/s counts the matmuls: 2.69e9 per step, the script's figure.
func BenchmarkTransformerStep(b *testing.B) {
	const v, t, batch, d, heads, ff, layers = 96, 64, 16, 128, 4, 512, 2
	g := nn.WithGenerator(tensor.NewGenerator(0))
	tok, pos := nn.NewEmbedding(v, d, g), nn.NewEmbedding(t, d, g)
	var blocks nn.Sequential
	for range layers {
		l := nn.NewTransformerEncoderLayer(d, heads, ff, 0, nn.GELU{}, true, g)
		l.Causal = true
		blocks = append(blocks, l)
	}
	lnF, head := nn.NewLayerNorm([]int{d}), nn.NewLinear(d, v, g)
	model := nn.Sequential{blocks, lnF, head}
	params := append([]*tensor.Tensor{tok.Weight, pos.Weight}, model.Parameters()...)
	gen := tensor.NewGenerator(1)
	ids := make([]int64, batch*(t+1))
	for i := range ids {
		ids[i] = int64(gen.Intn(v))
	}
	xs, ys := make([]int64, 0, batch*t), make([]int64, 0, batch*t)
	for i := range batch {
		xs = append(xs, ids[i*(t+1):i*(t+1)+t]...)
		ys = append(ys, ids[i*(t+1)+1:(i+1)*(t+1)]...)
	}
	x, y := tensor.New(xs, batch, t), tensor.New(ys)
	positions := make([]int64, t)
	for i := range positions {
		positions[i] = int64(i)
	}
	p := tensor.New(positions)
	o := optim.NewAdamW(params, optim.AdamWOptions{LR: 3e-4})
	stepBench(b, func() {
		logits := model.Forward(tok.Forward(x).Add(pos.Forward(p)))
		loss := functional.CrossEntropy(logits.Reshape(-1, v), y)
		loss.Backward()
		o.Step()
		o.ZeroGrad()
	}, 2.69e9)
}

// BenchmarkLSTMStep is lstm_step.py: one training step of a 2-layer LSTM
// sequence classifier, nn.LSTM(64, 256, num_layers=2, batch_first=True) then
// Linear(256, 10) on the last step's output, on a fixed batch x (32, 64, 64):
// forward, mean cross-entropy, backward, ClipGradNorm_(1.0), Adam (lr 1e-3), zero
// grad. GFLOP/s counts the LSTM's matmuls: 1.05e10 per step, the script's figure
// (forward 2048 rows × 2 × 1024 × (320 + 512), backward twice that).
func BenchmarkLSTMStep(b *testing.B) {
	const batch, seq, in, hidden, classes = 32, 64, 64, 256, 10
	g := nn.WithGenerator(tensor.NewGenerator(0))
	lstm := nn.NewLSTM(in, hidden, nn.RNNOptions{NumLayers: 2, BatchFirst: true}, g)
	head := nn.NewLinear(hidden, classes, g)
	params := append(lstm.Parameters(), head.Parameters()...)
	gen := tensor.NewGenerator(1)
	x := gen.Normal(tensor.Zeros(batch, seq, in), 0, 1)
	labels := make([]int64, batch)
	for i := range labels {
		labels[i] = int64(gen.Intn(classes))
	}
	y := tensor.New(labels)
	o := optim.NewAdam(params, optim.AdamOptions{LR: 1e-3})
	stepBench(b, func() {
		out := lstm.Forward(x)
		loss := functional.CrossEntropy(head.Forward(out.Select(1, seq-1)), y)
		loss.Backward()
		if _, err := nn.ClipGradNorm_(params, 1, 2, false); err != nil {
			b.Fatal(err)
		}
		o.Step()
		o.ZeroGrad()
	}, 1.05e10)
}

// stepBench times step after 10 warm-up calls, reporting the median ms/step and,
// when flops > 0, the GFLOP/s of the median step.
func stepBench(b *testing.B, step func(), flops float64) {
	for range 10 {
		step()
	}
	var times []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		step()
		times = append(times, time.Since(t0))
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	med := times[len(times)/2]
	b.ReportMetric(float64(med.Microseconds())/1000, "ms/step")
	if flops > 0 {
		b.ReportMetric(flops/med.Seconds()/1e9, "GFLOP/s")
	}
}

// BenchmarkMLPStep is mlp_step.py: one training step (forward, cross-entropy,
// backward, optimizer step, zero grad) on a fixed batch. ms/step is the median.
func BenchmarkMLPStep(b *testing.B) {
	for _, opt := range []string{"sgd", "adam"} {
		for _, batch := range []int{64, 512} {
			b.Run(fmt.Sprintf("%s/b=%d", opt, batch), func(b *testing.B) {
				model := mlp()
				g := tensor.NewGenerator(1)
				x := g.Normal(tensor.Zeros(batch, 784), 0, 1)
				labels := make([]int64, batch)
				for i := range labels {
					labels[i] = int64(g.Intn(10))
				}
				y := tensor.New(labels)
				var o optim.Optimizer
				if opt == "sgd" {
					o = optim.NewSGD(model.Parameters(), optim.SGDOptions{LR: 0.01, Momentum: 0.9})
				} else {
					o = optim.NewAdam(model.Parameters(), optim.AdamOptions{LR: 1e-3})
				}
				stepBench(b, func() {
					loss := functional.CrossEntropy(model.Forward(x), y)
					loss.Backward()
					o.Step()
					o.ZeroGrad()
				}, 0)
			})
		}
	}
}

// chain is op_overhead.py's chain: 1000 ops alternating y+w and y*w.
func chain(x, w *tensor.Tensor) *tensor.Tensor {
	y := x
	for i := range 1000 {
		if i%2 == 0 {
			y = y.Add(w)
		} else {
			y = y.Mul(w)
		}
	}
	return y
}

// BenchmarkOpOverhead is op_overhead.py's "total": record the chain and run
// backward through it; µs/op is per op of the chain.
func BenchmarkOpOverhead(b *testing.B) {
	for _, c := range []struct {
		name  string
		shape []int
	}{{"scalar", nil}, {"vec1000", []int{1000}}} {
		b.Run(c.name, func(b *testing.B) {
			x := tensor.Full(1, c.shape...).SetRequiresGrad(true)
			w := tensor.Full(0.5, c.shape...).SetRequiresGrad(true)
			b.ReportAllocs()
			for b.Loop() {
				x.SetGrad(nil)
				w.SetGrad(nil)
				chain(x, w).Sum().Backward()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000/1000, "µs/op")
		})
	}
}

const ewN = 1 << 22

// BenchmarkElementwise is elementwise.py on 4M float32: the kernels writing into a
// preallocated output (PyTorch's out= form) and the tensor ops, which allocate
// their result (the _alloc form), after elementwise.py's 5 untimed warm-up calls.
// GB/s counts bytes read and written as the script does, and is the median
// sample's, as the script reports, each sample being 10 back-to-back calls;
// MB/s is the mean over the whole run, which for the _alloc forms includes the
// page faults of the first results, which grow the process (costly on a VM).
func BenchmarkElementwise(b *testing.B) {
	g := tensor.NewGenerator(0)
	at := g.Normal(tensor.Zeros(ewN), 0, 1)
	bt := g.Normal(tensor.Zeros(ewN), 0, 1)
	a, bb, c := at.Float32s(), bt.Float32s(), make([]float32, ewN)
	var sink float32
	ops := []struct {
		name  string
		bytes int
		out   func()
		alloc func()
	}{
		{"add", 12, func() { vec.Add(c, a, bb) }, func() { at.Add(bt) }},
		{"mul", 12, func() { vec.Mul(c, a, bb) }, func() { at.Mul(bt) }},
		{"exp", 8, func() { vec.Exp(c, a) }, func() { at.Exp() }},
		{"sigmoid", 8, func() { vec.Sigmoid(c, a) }, func() { at.Sigmoid() }},
		{"sum", 4, func() { sink += vec.Sum(a) }, nil},
	}
	for _, op := range ops {
		b.Run(op.name, func(b *testing.B) {
			b.SetBytes(int64(op.bytes * ewN))
			b.ReportAllocs()
			b.ReportMetric(float64(op.bytes*ewN)*medianSample(b, 10, op.out)/1e9, "GB/s")
		})
		if op.alloc != nil {
			b.Run(op.name+"_alloc", func(b *testing.B) {
				for range 5 { // elementwise.py's warm-up calls, untimed as there
					op.alloc()
				}
				b.SetBytes(int64(op.bytes * ewN))
				b.ReportAllocs()
				b.ReportMetric(float64(op.bytes*ewN)*medianSample(b, 10, op.alloc)/1e9, "GB/s")
			})
		}
	}
	_ = sink
}

// optimStepNames are optim_step.py's optimizers, with PyTorch's defaults
// (lr as listed there).
var optimStepNames = []string{"sgd", "adam", "adamax", "nadam", "radam", "rmsprop", "adagrad", "adadelta", "asgd", "rprop"}

// newOptimStep returns optim_step.py's optimizer name over params.
func newOptimStep(name string, params []*tensor.Tensor) optim.Optimizer {
	switch name {
	case "sgd":
		return optim.NewSGD(params, optim.SGDOptions{LR: 0.01, Momentum: 0.9})
	case "adam":
		return optim.NewAdam(params, optim.AdamOptions{})
	case "adamax":
		return optim.NewAdamax(params, optim.AdamaxOptions{})
	case "nadam":
		return optim.NewNAdam(params, optim.NAdamOptions{})
	case "radam":
		return optim.NewRAdam(params, optim.RAdamOptions{})
	case "rmsprop":
		return optim.NewRMSprop(params, optim.RMSpropOptions{})
	case "adagrad":
		return optim.NewAdagrad(params, optim.AdagradOptions{})
	case "adadelta":
		return optim.NewAdadelta(params, optim.AdadeltaOptions{})
	case "asgd":
		return optim.NewASGD(params, optim.ASGDOptions{})
	case "rprop":
		return optim.NewRprop(params, optim.RpropOptions{})
	}
	panic("bench: unknown optimizer " + name)
}

// BenchmarkOptimStep is optim_step.py: one optimizer step (PyTorch: foreach=True)
// over the parameters of mlp_step.py's MLP (784-256-256-10, 269,322 float32
// values) with fixed gradients. ms/step is the median.
func BenchmarkOptimStep(b *testing.B) {
	for _, name := range optimStepNames {
		b.Run(name, func(b *testing.B) {
			params := mlp().Parameters()
			g := tensor.NewGenerator(1)
			for _, p := range params {
				p.SetGrad(g.Normal(tensor.Zeros(p.Shape()...), 0, 1e-2))
			}
			o := newOptimStep(name, params)
			stepBench(b, o.Step, 0)
		})
	}
}
