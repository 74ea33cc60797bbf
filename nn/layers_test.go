package nn

import (
	"slices"
	"testing"

	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// TestLayerStrings compares with print(layer) in PyTorch 1.13 for the same
// arguments.
func TestLayerStrings(t *testing.T) {
	for _, c := range []struct {
		m    Module
		want string
	}{
		{NewConv2d(2, 4, 0, WithKernelSize(3, 5), WithStride(2), WithPadding(1), WithDilation(2), WithGroups(2), WithBias(false)),
			"Conv2d(2, 4, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1), dilation=(2, 2), groups=2, bias=False)"},
		{NewConv1d(3, 6, 3, WithPaddingSame()), "Conv1d(3, 6, kernel_size=(3,), stride=(1,), padding=same)"},
		{NewConv2d(3, 6, 3, WithPaddingSame()), "Conv2d(3, 6, kernel_size=(3, 3), stride=(1, 1), padding=same)"},
		{NewAvgPool2d(2), "AvgPool2d(kernel_size=2, stride=2, padding=0)"},
		{MaxPool2d{functional.PoolOptions{Kernel: [2]int{2, 3}, Stride: [2]int{1, 1}, Padding: [2]int{1, 1}, CeilMode: true}},
			"MaxPool2d(kernel_size=(2, 3), stride=1, padding=1, dilation=1, ceil_mode=True)"},
		{NewBatchNorm1d(5, WithMomentum(0.3), WithAffine(false)), "BatchNorm1d(5, eps=1e-05, momentum=0.3, affine=False, track_running_stats=True)"},
		{&Dropout2d{P: 0.1}, "Dropout2d(p=0.1, inplace=False)"},
		{NewFlatten(0, 2), "Flatten(start_dim=0, end_dim=2)"},
		{MaxPool1d{functional.PoolOptions{Kernel: [2]int{3}, Stride: [2]int{2}, Padding: [2]int{1}}},
			"MaxPool1d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)"},
		{NewAvgPool1d(2), "AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))"},
		{AdaptiveAvgPool1d{4}, "AdaptiveAvgPool1d(output_size=4)"},
		{NewGroupNorm(2, 4), "GroupNorm(2, 4, eps=1e-05, affine=True)"},
		{NewGroupNorm(3, 6, WithEps(1e-3), WithAffine(false)), "GroupNorm(3, 6, eps=0.001, affine=False)"},
		{Unflatten{1, []int{1, 28, 28}}, "Unflatten(dim=1, unflattened_size=(1, 28, 28))"},
	} {
		if got := Format(c.m); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}

func TestConvInit(t *testing.T) {
	c := NewConv2d(4, 8, 3, WithGroups(2), WithGenerator(tensor.NewGenerator(1)))
	if !slices.Equal(c.Weight.Shape(), []int{8, 2, 3, 3}) {
		t.Fatalf("weight shape %v", c.Weight.Shape())
	}
	bound := 1 / 4.242640687119285 // 1/√fan_in, fan_in = 2·3·3
	for _, v := range append(c.Weight.Values(), c.Bias.Values()...) {
		if v < -bound || v > bound {
			t.Fatalf("value %v outside ±1/√18", v)
		}
	}
	y := c.Forward(tensor.Randn(2, 4, 5, 5))
	if !slices.Equal(y.Shape(), []int{2, 8, 3, 3}) {
		t.Errorf("output shape %v", y.Shape())
	}
}

func TestModesReachLayers(t *testing.T) {
	d := &Dropout{P: 0.5, Generator: tensor.NewGenerator(1)}
	bn := NewBatchNorm1d(3)
	m := Sequential{NewLinear(4, 3), bn, d}
	x := tensor.Randn(8, 4)
	if y := m.Forward(x); !slices.Contains(y.Values(), 0) {
		t.Error("training-mode dropout dropped nothing of 24 values")
	}
	if bn.NumBatchesTracked.Int64s()[0] != 1 {
		t.Errorf("num_batches_tracked %v after one training batch", bn.NumBatchesTracked)
	}
	Eval(m)
	before := bn.RunningMean.Values()
	a, b := m.Forward(x).Values(), m.Forward(x).Values()
	if !slices.Equal(a, b) || !slices.Equal(bn.RunningMean.Values(), before) || bn.NumBatchesTracked.Int64s()[0] != 1 {
		t.Error("evaluation mode is not deterministic or moved the running statistics")
	}
}

func TestPool1dModules(t *testing.T) {
	x := tensor.Randn(2, 3, 8)
	for _, c := range []struct {
		m    Module
		want []int
	}{{NewMaxPool1d(2), []int{2, 3, 4}}, {NewAvgPool1d(3), []int{2, 3, 2}}, {AdaptiveAvgPool1d{5}, []int{2, 3, 5}}} {
		if got := c.m.Forward(x).Shape(); !slices.Equal(got, c.want) {
			t.Errorf("%v: shape %v, want %v", c.m, got, c.want)
		}
	}
}

func TestFlattenUnflatten(t *testing.T) {
	x := tensor.Zeros(2, 3, 4, 5)
	for _, c := range []struct {
		m    Module
		want []int
	}{
		{Flatten{}, []int{2, 60}}, {NewFlatten(0, 1), []int{6, 4, 5}}, {NewFlatten(-2, -1), []int{2, 3, 20}},
		{Unflatten{1, []int{3, 1}}, []int{2, 3, 1, 4, 5}}, {Unflatten{-1, []int{-1, 5}}, []int{2, 3, 4, 1, 5}},
	} {
		if got := c.m.Forward(x).Shape(); !slices.Equal(got, c.want) {
			t.Errorf("%v: shape %v, want %v", c.m, got, c.want)
		}
	}
	if tensor.Maybe(func() { NewFlatten(2, 1).Forward(x) }) == nil {
		t.Error("start_dim > end_dim did not panic")
	}
}

func TestSmallModules(t *testing.T) {
	x := tensor.New([]float32{1, 2, 3, 4}, 2, 2)
	if (Identity{}).Forward(x) != x {
		t.Error("Identity did not return its input")
	}
	if got, want := (Softmax{Dim: 1}).Forward(x).Values(), x.Softmax(1).Values(); !slices.Equal(got, want) {
		t.Errorf("Softmax %v, want %v", got, want)
	}
	if got, want := (LogSoftmax{Dim: 0}).Forward(x).Values(), x.LogSoftmax(0).Values(); !slices.Equal(got, want) {
		t.Errorf("LogSoftmax %v, want %v", got, want)
	}
	l := ModuleList{NewLinear(2, 2), &Dropout{P: 0.1}}
	var names []string
	for _, p := range NamedParameters(l) {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"0.weight", "0.bias"}) || len(l.Parameters()) != 2 {
		t.Errorf("ModuleList parameters %v", names)
	}
	Eval(l)
	if l[1].(*Dropout).Training() {
		t.Error("Eval did not reach a ModuleList's module")
	}
	if tensor.Maybe(func() { l.Forward(x) }) == nil {
		t.Error("ModuleList.Forward did not panic")
	}
	if Format(Softmax{Dim: -1}) != "Softmax(dim=-1)" || Format(Identity{}) != "Identity()" {
		t.Error("String")
	}
}
