package vec

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gograd/gograd/internal/parallel"
)

// benchSizes: a cache-resident length and the 4M-element workload of
// /work/shared/bench/pytorch/elementwise.py (N = 1<<22).
var benchSizes = []int{1 << 14, 1 << 22}

// benchOp runs f for every type, size, thread count and implementation.
// Bytes per call are counted as in elementwise.py: streams × element size × n
// (add/mul: 3 streams, exp/sigmoid: 2, sum: 1).
func benchOp(b *testing.B, streams int, f32 func(d, x, y []float32), f64 func(d, x, y []float64)) {
	savedImpl, savedThreads := impl, parallel.Threads()
	defer func() { impl = savedImpl; parallel.SetThreads(savedThreads) }()
	r := rand.New(rand.NewPCG(0, 0))
	for _, typ := range []string{"f32", "f64"} {
		for _, n := range benchSizes {
			x32, y32, d32 := make([]float32, n), make([]float32, n), make([]float32, n)
			x64, y64, d64 := make([]float64, n), make([]float64, n), make([]float64, n)
			for i := range x32 {
				x32[i], y32[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
				x64[i], y64[i] = float64(x32[i]), float64(y32[i])
				d32[i], d64[i] = 1, 1 // fault the pages in before timing
			}
			for _, th := range []int{1, 2} {
				for _, k := range impls {
					name := fmt.Sprintf("%s/n=%d/threads=%d/%s", typ, n, th, k.name)
					b.Run(name, func(b *testing.B) {
						impl = k
						parallel.SetThreads(th)
						b.ReportAllocs()
						if typ == "f32" {
							b.SetBytes(int64(streams * 4 * n))
							for b.Loop() {
								f32(d32, x32, y32)
							}
						} else {
							b.SetBytes(int64(streams * 8 * n))
							for b.Loop() {
								f64(d64, x64, y64)
							}
						}
					})
				}
			}
		}
	}
}

var sink32 float32
var sink64 float64

func BenchmarkAdd(b *testing.B) { benchOp(b, 3, Add[float32], Add[float64]) }
func BenchmarkMul(b *testing.B) { benchOp(b, 3, Mul[float32], Mul[float64]) }
func BenchmarkAxpy(b *testing.B) {
	benchOp(b, 3, func(d, x, _ []float32) { Axpy(d, 0.5, x) }, func(d, x, _ []float64) { Axpy(d, 0.5, x) })
}
func BenchmarkMulScalar(b *testing.B) {
	benchOp(b, 2, func(d, x, _ []float32) { MulScalar(d, x, 3) }, func(d, x, _ []float64) { MulScalar(d, x, 3) })
}
func BenchmarkExp(b *testing.B) {
	benchOp(b, 2, func(d, x, _ []float32) { Exp(d, x) }, func(d, x, _ []float64) { Exp(d, x) })
}
func BenchmarkSigmoid(b *testing.B) {
	benchOp(b, 2, func(d, x, _ []float32) { Sigmoid(d, x) }, func(d, x, _ []float64) { Sigmoid(d, x) })
}
func BenchmarkTanh(b *testing.B) {
	benchOp(b, 2, func(d, x, _ []float32) { Tanh(d, x) }, func(d, x, _ []float64) { Tanh(d, x) })
}
func BenchmarkRelu(b *testing.B) {
	benchOp(b, 2, func(d, x, _ []float32) { Relu(d, x) }, func(d, x, _ []float64) { Relu(d, x) })
}
func BenchmarkSum(b *testing.B) {
	benchOp(b, 1, func(_, x, _ []float32) { sink32 = Sum(x) }, func(_, x, _ []float64) { sink64 = Sum(x) })
}

// BenchmarkSteps times the fused optimizer steps per size and implementation;
// bytes per call count every stream read or written (Adam: p, g, m, v read, p,
// m, v written; SGD momentum: p, g, buf read, p, buf written; the others
// likewise).
func BenchmarkSteps(b *testing.B) {
	saved := impl
	defer func() { impl = saved }()
	for _, n := range benchSizes {
		s := make([][]float32, 4)
		for i := range s {
			s[i] = make([]float32, n)
			for j := range s[i] {
				s[i][j] = 0.5
			}
		}
		c := AdamCoef[float32]{Beta1: 0.9, OneMinusBeta1: 0.1, Beta2: 0.999, OneMinusBeta2: 0.001,
			NegStep: -1e-3, BC2Sqrt: 0.03, Eps: 1e-8}
		mc := MomentsCoef[float32]{Beta1: 0.9, OneMinusBeta1: 0.1, Beta2: 0.999, OneMinusBeta2: 0.001}
		steps := []struct {
			name    string
			streams int
			f       func()
		}{
			{"Adam", 7, func() { AdamStep(s[0], s[1], s[2], s[3], &c) }},
			{"SGDMomentum", 5, func() { SGDMomentum(s[0], s[1], s[2], 0.9, 0.9, -1e-3) }},
			{"Adagrad", 5, func() { AdagradStep(s[0], s[1], s[2], -0.01, 1e-10) }},
			{"RMSprop", 5, func() { RMSpropStep(s[0], s[1], s[2], 0.99, 0.01, -0.01, 1e-8) }},
			{"Adadelta", 7, func() { AdadeltaStep(s[0], s[1], s[2], s[3], 0.9, 0.1, 1e-6, -1) }},
			{"ASGDAvg", 5, func() { ASGDStep(s[0], s[1], s[2], 1-1e-6, -0.01, 0.3, true) }},
			{"NAdam", 7, func() { NAdamStep(s[0], s[1], s[2], s[3], &mc, 0.003, 1e-8, -0.0002, -0.05) }},
			{"Adamax", 7, func() { AdamaxStep(s[0], s[1], s[2], s[3], 0.9, 0.1, 0.999, 1e-8, -2e-3) }},
			{"RAdam", 7, func() { RAdamStep(s[0], s[1], s[2], s[3], &mc, 0.5, 1e-3, 1e-8, 0.08, 0.7) }},
		}
		for _, st := range steps {
			for _, k := range impls {
				b.Run(fmt.Sprintf("%s/f32/n=%d/%s", st.name, n, k.name), func(b *testing.B) {
					impl = k
					b.ReportAllocs()
					b.SetBytes(int64(st.streams * 4 * n))
					for b.Loop() {
						st.f()
					}
				})
			}
		}
	}
}
