package nn

import (
	"math"
	"slices"
	"testing"

	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/tensor"
)

// TestLossModules checks that each loss module computes its function in
// nn/functional with the module's settings, and PyTorch's defaults from the
// New... constructors (the values in torch.nn's signatures).
func TestLossModules(t *testing.T) {
	g := tensor.NewGenerator(3)
	x, y := g.Normal(tensor.Zeros(4, 3), 0, 1), g.Normal(tensor.Zeros(4, 3), 0, 1)
	p := x.Sigmoid()
	v := y.Abs().AddScalar(0.1)
	cls := tensor.New([]int64{0, 2, 1, 2})
	w := tensor.New([]float32{0.5, 1, 2})
	labels := tensor.New([]float32{1, -1, 1, -1})
	lab2 := y.Sign()
	for _, c := range []struct {
		name      string
		got, want *tensor.Tensor
	}{
		{"BCELoss", BCELoss{functional.Sum, []functional.LossOption{functional.Weight(w)}}.Forward(p, p.Detach()),
			functional.BinaryCrossEntropy(p, p.Detach(), functional.Sum, functional.Weight(w))},
		{"BCEWithLogitsLoss", BCEWithLogitsLoss{Options: []functional.LossOption{functional.PosWeight(w)}}.Forward(x, p.Detach()),
			functional.BinaryCrossEntropyWithLogits(x, p.Detach(), functional.PosWeight(w))},
		{"CrossEntropyLoss", CrossEntropyLoss{functional.None, []functional.LossOption{functional.IgnoreIndex(2), functional.LabelSmoothing(0.1)}}.Forward(x, cls),
			functional.CrossEntropy(x, cls, functional.None, functional.IgnoreIndex(2), functional.LabelSmoothing(0.1))},
		{"NLLLoss", NLLLoss{Options: []functional.LossOption{functional.Weight(w)}}.Forward(x, cls), functional.NLLLoss(x, cls, functional.Weight(w))},
		{"L1Loss", L1Loss{}.Forward(x, y), functional.L1Loss(x, y)},
		{"SmoothL1Loss", NewSmoothL1Loss().Forward(x, y), functional.SmoothL1Loss(x, y, 1)},
		{"HuberLoss", NewHuberLoss().Forward(x, y), functional.HuberLoss(x, y, 1)},
		{"KLDivLoss", KLDivLoss{functional.BatchMean, false}.Forward(x.LogSoftmax(1), p.Softmax(1)), functional.KLDiv(x.LogSoftmax(1), p.Softmax(1), false, functional.BatchMean)},
		{"PoissonNLLLoss", NewPoissonNLLLoss().Forward(x, v), functional.PoissonNLLLoss(x, v, true, false, 1e-8)},
		{"GaussianNLLLoss", NewGaussianNLLLoss().Forward(x, y, v), functional.GaussianNLLLoss(x, y, v, false, 1e-6)},
		{"CosineEmbeddingLoss", CosineEmbeddingLoss{Margin: 0.1}.Forward(x, y, labels), functional.CosineEmbeddingLoss(x, y, labels, 0.1)},
		{"MarginRankingLoss", MarginRankingLoss{}.Forward(x, y, lab2), functional.MarginRankingLoss(x, y, lab2, 0)},
		{"HingeEmbeddingLoss", NewHingeEmbeddingLoss().Forward(x, lab2), functional.HingeEmbeddingLoss(x, lab2, 1)},
		{"TripletMarginLoss", NewTripletMarginLoss().Forward(x, y, v), functional.TripletMarginLoss(x, y, v, 1, 2, 1e-6, false)},
		{"MultiMarginLoss", NewMultiMarginLoss().Forward(x, cls), functional.MultiMarginLoss(x, cls, 1, 1)},
		{"MultiLabelSoftMarginLoss", MultiLabelSoftMarginLoss{}.Forward(x, p.Detach()), functional.MultiLabelSoftMarginLoss(x, p.Detach())},
		{"CTCLoss", CTCLoss{}.Forward(g.Normal(tensor.Zeros(5, 2, 3), 0, 1).LogSoftmax(2), tensor.New([]int64{1, 2, 2, 0}, 2, 2), []int{5, 4}, []int{2, 1}),
			nil},
	} {
		if c.want == nil {
			if v := c.got.Item(); math.IsNaN(v) || v <= 0 {
				t.Errorf("%s: loss %v", c.name, v)
			}
			continue
		}
		if !slices.Equal(c.got.Values(), c.want.Values()) {
			t.Errorf("%s: %v, want %v", c.name, c.got.Values(), c.want.Values())
		}
	}
	if tensor.Maybe(func() { functional.L1Loss(x, y, functional.BatchMean) }) == nil {
		t.Error("BatchMean for L1Loss did not panic")
	}
	if tensor.Maybe(func() { functional.NLLLoss(x, cls, functional.LabelSmoothing(0.1)) }) == nil {
		t.Error("LabelSmoothing for NLLLoss did not panic")
	}
}
