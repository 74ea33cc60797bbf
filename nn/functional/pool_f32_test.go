package functional

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestMaxPool2x2F32 checks the branch-free float32 2×2 max pooling against
// maxPool2x2, the plain loop, on values and indices: random planes (stride 2
// and 1), ties, -0 beside +0, infinities of both signs, and NaNs of both signs
// (the first NaN of a window wins).
func TestMaxPool2x2F32(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	nan := float32(math.NaN())
	negNaN := math.Float32frombits(math.Float32bits(nan) | 1<<31)
	inf := float32(math.Inf(1))
	special := []float32{0, float32(math.Copysign(0, -1)), 1, 1, -1, inf, -inf, nan, negNaN, 3.5, -2}
	for _, stride := range []int{2, 1} {
		for trial := range 200 {
			const h, w = 6, 8
			src := make([]float32, h*w)
			for i := range src {
				src[i] = float32(r.IntN(5)) - 2 // ties are common
				if trial%2 == 1 && r.IntN(4) == 0 {
					src[i] = special[r.IntN(len(special))]
				}
			}
			g := convGeom{h: h, w: w, kh: 2, kw: 2, sh: stride, sw: stride, dh: 1, dw: 1}
			g.oh, g.ow = (h-2)/stride+1, (w-2)/stride+1
			y, idx := make([]float32, g.oh*g.ow), make([]int32, g.oh*g.ow)
			wy, widx := make([]float32, g.oh*g.ow), make([]int32, g.oh*g.ow)
			maxPool2x2F32(&g, y, idx, src)
			maxPool2x2(&g, wy, widx, src)
			for i := range y {
				if idx[i] != widx[i] || math.Float32bits(y[i]) != math.Float32bits(wy[i]) {
					t.Fatalf("stride %d trial %d output %d: got %v at %d, want %v at %d (input %v)", stride, trial, i, y[i], idx[i], wy[i], widx[i], src)
				}
			}
		}
	}
}

// TestMaxPoolInsideVector checks maxPoolInside's float32 2×2 stride-2 path on
// LeNet-5's plane shapes, which internal/conv's vector kernel takes where it is
// assembly, against maxPool2x2, the plain loop: ties, signed zeros, infinities
// and NaNs (a plane with a NaN goes back to the scalar kernels).
func TestMaxPoolInsideVector(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	nan := float32(math.NaN())
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.Inf(1)), float32(math.Inf(-1)), nan}
	for _, size := range []int{8, 24} {
		for trial := range 100 {
			src := make([]float32, size*size)
			for i := range src {
				src[i] = float32(r.IntN(5)) - 2
				if trial%2 == 1 && r.IntN(50) == 0 {
					src[i] = special[r.IntN(len(special))]
				}
			}
			g := convGeom{h: size, w: size, kh: 2, kw: 2, sh: 2, sw: 2, dh: 1, dw: 1, oh: size / 2, ow: size / 2}
			y, idx := make([]float32, g.oh*g.ow), make([]int32, g.oh*g.ow)
			wy, widx := make([]float32, g.oh*g.ow), make([]int32, g.oh*g.ow)
			maxPoolInside(&g, y, idx, src)
			maxPool2x2(&g, wy, widx, src)
			for i := range y {
				if idx[i] != widx[i] || math.Float32bits(y[i]) != math.Float32bits(wy[i]) {
					t.Fatalf("%d×%d trial %d output %d: got %v at %d, want %v at %d", size, size, trial, i, y[i], idx[i], wy[i], widx[i])
				}
			}
		}
	}
}

// TestMaxPool2dVectorGrad checks float32 MaxPool2d, forward and backward, on
// shapes internal/conv's vector kernels take (LeNet-5's 24×24 and 8×8 planes)
// against the same pooling in float64, which runs the scalar kernels: the
// maxima, and the gradients placed at them, are exact in both.
func TestMaxPool2dVectorGrad(t *testing.T) {
	for _, shape := range [][]int{{2, 3, 24, 24}, {3, 2, 8, 8}} {
		g := tensor.NewGenerator(5)
		x64 := g.Normal(tensor.Float64.Zeros(shape...), 0, 1).Relu() // ReLU's zeros make ties
		dy := g.Normal(tensor.Float64.Zeros(shape[0], shape[1], shape[2]/2, shape[3]/2), 0, 1)
		o := PoolOptions{Kernel: [2]int{2, 2}}
		run := func(dt tensor.DType) (y, dx *tensor.Tensor) {
			x := x64.To(dt).Detach().SetRequiresGrad(true)
			y = MaxPool2d(x, o)
			y.Backward(tensor.BackwardOptions{Gradient: dy.To(dt)})
			return y.To(tensor.Float64), x.Grad().To(tensor.Float64)
		}
		y32, dx32 := run(tensor.Float32)
		y64, dx64 := run(tensor.Float64)
		for _, c := range []struct {
			name      string
			got, want *tensor.Tensor
		}{{"output", y32, y64}, {"input grad", dx32, dx64}} {
			if d := c.got.Sub(c.want.To(tensor.Float32).To(tensor.Float64)).Abs().Max().Item(); d != 0 {
				t.Errorf("%v: float32 %s differs from float64's by %g", shape, c.name, d)
			}
		}
	}
}
