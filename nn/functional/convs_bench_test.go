package functional

import (
	"testing"

	"github.com/gograd/gograd/tensor"
)

// benchStep runs f's forward and backward pass over inputs b.N times.
func benchStep(b *testing.B, f func() *tensor.Tensor, params ...*tensor.Tensor) {
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range params {
			p.SetGrad(nil)
		}
		f().Sum().Backward()
	}
}

// BenchmarkConvTranspose2d is a DCGAN generator's upsampling layer: 64 to 32
// channels, 8×8 to 16×16 (kernel 4, stride 2, padding 1), batch 8, forward and
// backward.
func BenchmarkConvTranspose2d(b *testing.B) {
	x := tensor.Randn(8, 64, 8, 8).SetRequiresGrad(true)
	w := tensor.Randn(64, 32, 4, 4).SetRequiresGrad(true)
	o := ConvTransposeOptions{Stride: [3]int{2, 2}, Padding: [3]int{1, 1}}
	benchStep(b, func() *tensor.Tensor { return ConvTranspose2d(x, w, nil, o) }, x, w)
}

// BenchmarkConv3d is a small video layer: 8 to 16 channels over 8×16×16
// (kernel 3, padding 1), batch 2, forward and backward.
func BenchmarkConv3d(b *testing.B) {
	x := tensor.Randn(2, 8, 8, 16, 16).SetRequiresGrad(true)
	w := tensor.Randn(16, 8, 3, 3, 3).SetRequiresGrad(true)
	o := Conv3dOptions{Padding: [3]int{1, 1, 1}}
	benchStep(b, func() *tensor.Tensor { return Conv3d(x, w, nil, o) }, x, w)
}
