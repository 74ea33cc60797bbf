package functional

import (
	"github.com/gograd/gograd/tensor"
)

// reductionParam reads a case's PyTorch reduction argument.
func reductionParam(p map[string]any) Reduction {
	switch p["reduction"] {
	case "sum":
		return Sum
	case "none":
		return None
	case "batchmean":
		return BatchMean
	}
	return Mean
}

// intsParam flattens a (nested) list of numbers, or a number, into int64s and
// its shape.
func intsParam(v any) ([]int64, []int) {
	switch v := v.(type) {
	case float64:
		return []int64{int64(v)}, []int{}
	case []any:
		var data []int64
		var inner []int
		for _, e := range v {
			d, s := intsParam(e)
			data, inner = append(data, d...), s
		}
		return data, append([]int{len(v)}, inner...)
	}
	panic("not a list of numbers")
}

// intTensor returns a parameter's numbers as an int64 tensor of their shape.
func intTensor(v any) *tensor.Tensor {
	d, s := intsParam(v)
	return tensor.New(d).Reshape(s...)
}

func intsOf(v any) []int {
	d, _ := intsParam(v)
	out := make([]int, len(d))
	for i, x := range d {
		out[i] = int(x)
	}
	return out
}

func num(p map[string]any, key string) float64 { return p[key].(float64) }

// lossOp returns the gograd loss a losses.json case runs (gen_losses.py), nil
// for other ops.
func lossOp(c *layerCase) func(in map[string]*tensor.Tensor) *tensor.Tensor {
	p := c.Params
	r := reductionParam(p)
	// opts gathers the LossOptions the case passes: the reduction, weights, index
	// options.
	opts := func(in map[string]*tensor.Tensor) []LossOption {
		o := []LossOption{r}
		if w, ok := in["weight"]; ok {
			o = append(o, Weight(w))
		}
		if w, ok := in["pos_weight"]; ok {
			o = append(o, PosWeight(w))
		}
		if i, ok := p["ignore_index"].(float64); ok {
			o = append(o, IgnoreIndex(int(i)))
		}
		if s, ok := p["label_smoothing"].(float64); ok {
			o = append(o, LabelSmoothing(s))
		}
		return o
	}
	labels := func(dt tensor.DType) *tensor.Tensor { return intTensor(p["y"]).To(dt) }
	target := func() *tensor.Tensor { return intTensor(p["target"]) }
	switch c.Op {
	case "l1_loss":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return L1Loss(in["x"], in["y"], r) }
	case "smooth_l1_loss":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return SmoothL1Loss(in["x"], in["y"], num(p, "beta"), r)
		}
	case "huber_loss":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return HuberLoss(in["x"], in["y"], num(p, "delta"), r)
		}
	case "binary_cross_entropy":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return BinaryCrossEntropy(in["x"], in["y"], opts(in)...)
		}
	case "binary_cross_entropy_with_logits":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return BinaryCrossEntropyWithLogits(in["x"], in["y"], opts(in)...)
		}
	case "KL_div":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return KLDiv(in["x"], in["y"], flag(p, "log_target"), r)
		}
	case "poisson_NLL_loss":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return PoissonNLLLoss(in["x"], in["y"], flag(p, "log_input"), flag(p, "full"), num(p, "eps"), r)
		}
	case "gaussian_NLL_loss":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return GaussianNLLLoss(in["x"], in["y"], in["var"], flag(p, "full"), num(p, "eps"), r)
		}
	case "cosine_embedding_loss":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return CosineEmbeddingLoss(in["x1"], in["x2"], labels(in["x1"].DType()), num(p, "margin"), r)
		}
	case "margin_ranking_loss":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return MarginRankingLoss(in["x1"], in["x2"], labels(in["x1"].DType()), num(p, "margin"), r)
		}
	case "hinge_embedding_loss":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return HingeEmbeddingLoss(in["x"], labels(in["x"].DType()), num(p, "margin"), r)
		}
	case "triplet_margin_loss":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return TripletMarginLoss(in["a"], in["p"], in["n"], num(p, "margin"), num(p, "p"), num(p, "eps"), flag(p, "swap"), r)
		}
	case "cross_entropy":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			if y, ok := in["y"]; ok {
				return CrossEntropy(in["x"], y, opts(in)...)
			}
			return CrossEntropy(in["x"], target(), opts(in)...)
		}
	case "NLL_loss":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor { return NLLLoss(in["x"], target(), opts(in)...) }
	case "multi_margin_loss":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return MultiMarginLoss(in["x"], target(), int(num(p, "p")), num(p, "margin"), opts(in)...)
		}
	case "multi_label_soft_margin_loss":
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return MultiLabelSoftMarginLoss(in["x"], in["y"], opts(in)...)
		}
	case "CTC_loss":
		tg := intTensor(p["targets"])
		return func(in map[string]*tensor.Tensor) *tensor.Tensor {
			return CTCLoss(in["x"].LogSoftmax(2), tg, intsOf(p["input_lengths"]), intsOf(p["target_lengths"]),
				int(num(p, "blank")), flag(p, "zero_infinity"), r)
		}
	}
	return nil
}
