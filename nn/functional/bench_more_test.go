package functional

import (
	"testing"

	"github.com/gograd/gograd/tensor"
)

// BenchmarkInterpolate resamples a batch of feature maps (8, 16, 32, 32) to twice
// their size, forward alone and forward+backward, float32.
func BenchmarkInterpolate(b *testing.B) {
	for _, mode := range []string{"nearest", "bilinear"} {
		o := InterpolateOptions{ScaleFactor: []float64{2}, Mode: mode}
		x := tensor.Randn(8, 16, 32, 32)
		b.Run(mode+"/forward", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				Interpolate(x, o)
			}
		})
		xg := x.Detach().SetRequiresGrad(true)
		b.Run(mode+"/backward", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				Interpolate(xg, o).Sum().Backward()
			}
		})
	}
}

// BenchmarkEmbeddingBag reduces 64 bags of 32 indices into a 10000×64 table,
// forward+backward, float32.
func BenchmarkEmbeddingBag(b *testing.B) {
	w := tensor.Randn(10000, 64).SetRequiresGrad(true)
	g := tensor.NewGenerator(1)
	idx := make([]int64, 64*32)
	for i := range idx {
		idx[i] = int64(g.Intn(10000))
	}
	x := tensor.New(idx, 64, 32)
	for _, mode := range []string{"sum", "max"} {
		b.Run(mode, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				EmbeddingBag(x, w, EmbeddingBagOptions{Mode: mode}).Sum().Backward()
			}
		})
	}
}
