package functional

import (
	"github.com/gograd/gograd/tensor"
)

// LossOption is an optional argument of a loss, PyTorch's keyword arguments: a
// Reduction, or Weight, PosWeight, IgnoreIndex or LabelSmoothing for the losses
// whose documentation names them. A loss panics when given an option it does not
// take.
type LossOption interface{ applyLoss(*lossConfig) }

type lossConfig struct {
	r           Reduction
	weight      *tensor.Tensor
	posWeight   *tensor.Tensor
	ignoreIndex int64
	smoothing   float64
	set         lossOpts
}

// lossOpts is a set of options, to check each loss gets only those it takes.
type lossOpts uint8

const (
	optWeight lossOpts = 1 << iota
	optPosWeight
	optIgnore
	optSmoothing
	optBatchMean
)

type lossOptionFunc func(*lossConfig)

func (f lossOptionFunc) applyLoss(c *lossConfig) { f(c) }

func (r Reduction) applyLoss(c *lossConfig) {
	c.r = r
	if r == BatchMean {
		c.set |= optBatchMean
	}
}

// Weight gives each class (CrossEntropy, NLLLoss, MultiMarginLoss,
// MultiLabelSoftMarginLoss) or each element (BinaryCrossEntropy and
// BinaryCrossEntropyWithLogits, broadcast to the input) a weight w: PyTorch's
// weight argument. No gradient flows to w.
func Weight(w *tensor.Tensor) LossOption {
	return lossOptionFunc(func(c *lossConfig) { c.weight, c.set = w, c.set|optWeight })
}

// PosWeight is BinaryCrossEntropyWithLogits' weight of positive examples, one per
// class (broadcast along the input's last dimension): PyTorch's pos_weight.
func PosWeight(w *tensor.Tensor) LossOption {
	return lossOptionFunc(func(c *lossConfig) { c.posWeight, c.set = w, c.set|optPosWeight })
}

// IgnoreIndex makes CrossEntropy and NLLLoss skip targets equal to i: they add
// nothing to the loss nor to the mean's denominator. PyTorch's default, -100,
// applies when it is not given.
func IgnoreIndex(i int) LossOption {
	return lossOptionFunc(func(c *lossConfig) { c.ignoreIndex, c.set = int64(i), c.set|optIgnore })
}

// LabelSmoothing mixes CrossEntropy's target with the uniform distribution over
// the C classes: (1-s)·target + s/C. s must be in [0, 1].
func LabelSmoothing(s float64) LossOption {
	return lossOptionFunc(func(c *lossConfig) { c.smoothing, c.set = s, c.set|optSmoothing })
}

// configOf applies opts for loss op, which takes the options in allowed (and
// every Reduction but BatchMean, unless allowed has optBatchMean).
func configOf(op string, opts []LossOption, allowed lossOpts) lossConfig {
	c := lossConfig{ignoreIndex: -100}
	for _, o := range opts {
		if o == nil {
			panic(tensor.NewError(tensor.ErrNil, "functional", op, "got a nil LossOption"))
		}
		o.applyLoss(&c)
	}
	if c.r > BatchMean {
		panic(tensor.Errorf("functional", op, "unknown reduction %d", c.r))
	}
	if extra := c.set &^ allowed; extra != 0 {
		panic(tensor.Errorf("functional", op, "does not take the option(s) %s", extra))
	}
	if c.smoothing < 0 || c.smoothing > 1 {
		panic(tensor.Errorf("functional", op, "label smoothing %v is not in [0, 1]", c.smoothing))
	}
	return c
}

func (o lossOpts) String() string {
	var s string
	for i, name := range []string{"Weight", "PosWeight", "IgnoreIndex", "LabelSmoothing", "BatchMean"} {
		if o&(1<<i) != 0 {
			if s != "" {
				s += ", "
			}
			s += name
		}
	}
	return s
}
