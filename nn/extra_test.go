package nn

import (
	"math"
	"slices"
	"testing"

	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// TestExtraLayerStrings compares with print(layer) in PyTorch 1.13 for the same
// arguments (RMSNorm: PyTorch 2.4's repr, as 1.13 has no RMSNorm).
func TestExtraLayerStrings(t *testing.T) {
	got := []string{
		Format(NewInstanceNorm1d(4)),
		Format(NewInstanceNorm2d(3, WithAffine(true), WithTrackRunningStats(true), WithMomentum(0.3), WithEps(1e-3))),
		Format(PixelShuffle{2}), Format(PixelUnshuffle{3}), Format(NewRMSNorm([]int{5})),
		NewCosineSimilarity().String(), NewPairwiseDistance().String(),
		NewBilinear(3, 4, 2).String(), NewBilinear(3, 4, 2, WithBias(false)).String(),
		Format(MaxPool1d{functional.PoolOptions{Kernel: [2]int{3}, Stride: [2]int{2}, Padding: [2]int{1}}}),
		Format(MaxPool1d{functional.PoolOptions{Kernel: [2]int{2}, Dilation: [2]int{2}, CeilMode: true}}),
		Format(AvgPool1d{functional.PoolOptions{Kernel: [2]int{2}}}),
		Format(AvgPool1d{functional.PoolOptions{Kernel: [2]int{3}, Stride: [2]int{2}, Padding: [2]int{1}, CeilMode: true, ExcludePad: true}}),
	}
	want := []string{
		"InstanceNorm1d(4, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)",
		"InstanceNorm2d(3, eps=0.001, momentum=0.3, affine=True, track_running_stats=True)",
		"PixelShuffle(upscale_factor=2)", "PixelUnshuffle(downscale_factor=3)", "RMSNorm((5,), eps=None, elementwise_affine=True)",
		"CosineSimilarity()", "PairwiseDistance()",
		"Bilinear(in1_features=3, in2_features=4, out_features=2, bias=True)",
		"Bilinear(in1_features=3, in2_features=4, out_features=2, bias=False)",
		"MaxPool1d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)",
		"MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=2, ceil_mode=True)",
		"AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))",
		"AvgPool1d(kernel_size=(3,), stride=(2,), padding=(1,))",
	}
	if len(got) != len(want) {
		t.Fatalf("%d strings, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got  %s\nwant %s", got[i], want[i])
		}
	}
}

func sameValues(t *testing.T, what string, got, want *tensor.Tensor) {
	t.Helper()
	if !slices.Equal(got.Shape(), want.Shape()) || !slices.Equal(got.Values(), want.Values()) {
		t.Errorf("%s: %v, want %v", what, got, want)
	}
}

// TestInstanceNormModule checks that the module normalises by the input's
// statistics in training (moving and counting its running statistics, under
// PyTorch's state-dict names), by the running ones in evaluation, and that an
// unbatched input is a batch of one.
func TestInstanceNormModule(t *testing.T) {
	m := NewInstanceNorm2d(3, WithTrackRunningStats(true), WithDType(tensor.Float64))
	x := tensor.NewGenerator(1).Normal(tensor.Float64.Zeros(2, 3, 4, 5), 0, 1)
	rm, rv := m.RunningMean.Clone(), m.RunningVar.Clone()
	want := functional.InstanceNorm(x, rm, rv, nil, nil, functional.BatchNormOptions{Training: true, Momentum: 0.1, Eps: 1e-5})
	sameValues(t, "training", m.Forward(x), want)
	sameValues(t, "running_mean", m.RunningMean, rm)
	sameValues(t, "running_var", m.RunningVar, rv)
	if n := m.NumBatchesTracked.Int64s()[0]; n != 1 {
		t.Errorf("num_batches_tracked %d, want 1", n)
	}
	var names []string
	for _, b := range m.NamedBuffers() {
		names = append(names, b.Name)
	}
	if !slices.Equal(names, []string{"running_mean", "running_var", "num_batches_tracked"}) {
		t.Errorf("buffers %v", names)
	}
	m.SetTraining(false)
	want = functional.InstanceNorm(x, rm, rv, nil, nil, functional.BatchNormOptions{Eps: 1e-5})
	sameValues(t, "evaluation", m.Forward(x), want)
	sameValues(t, "unbatched", m.Forward(x.Select(0, 1)), want.Select(0, 1))
	if m.Parameters() != nil {
		t.Errorf("parameters without affine: %v", m.Parameters())
	}
}

// TestBilinearInit checks the shapes and PyTorch's U(-1/√in1, 1/√in1) range of a
// Bilinear's parameters, and that Forward is functional.Bilinear.
func TestBilinearInit(t *testing.T) {
	b := NewBilinear(4, 3, 5, WithGenerator(tensor.NewGenerator(2)), WithDType(tensor.Float64))
	if !slices.Equal(b.Weight.Shape(), []int{5, 4, 3}) || !slices.Equal(b.Bias.Shape(), []int{5}) {
		t.Fatalf("shapes %v %v", b.Weight.Shape(), b.Bias.Shape())
	}
	for _, p := range b.Parameters() {
		for _, v := range p.Values() {
			if math.Abs(v) > 0.5 { // 1/√4
				t.Fatalf("value %v outside ±0.5", v)
			}
		}
	}
	x1 := tensor.NewGenerator(3).Normal(tensor.Float64.Zeros(2, 4), 0, 1)
	x2 := tensor.NewGenerator(4).Normal(tensor.Float64.Zeros(2, 3), 0, 1)
	sameValues(t, "forward", b.Forward(x1, x2), functional.Bilinear(x1, x2, b.Weight, b.Bias))
}

// TestRMSNormModule checks the default eps (None: the dtype's epsilon) and the
// weight.
func TestRMSNormModule(t *testing.T) {
	r := NewRMSNorm([]int{4}, WithDType(tensor.Float64))
	x := tensor.NewGenerator(5).Normal(tensor.Float64.Zeros(3, 4), 0, 1)
	sameValues(t, "forward", r.Forward(x), functional.RMSNorm(x, []int{4}, tensor.Float64.Ones(4), 0x1p-52))
	if ps := r.NamedParameters(); len(ps) != 1 || ps[0].Name != "weight" {
		t.Errorf("parameters %v", ps)
	}
}
