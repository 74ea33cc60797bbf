package optim

import (
	"github.com/gograd/gograd/tensor"
)

// RpropOptions configures Rprop. A zero field takes PyTorch's default.
type RpropOptions struct {
	// LR is the initial step size; 0 means the default 1e-2.
	LR float64
	// Etas are the factors (η-, η+) by which a step size shrinks when the
	// gradient changes sign and grows when it keeps it; {0, 0} means the
	// default {0.5, 1.2}.
	Etas [2]float64
	// StepSizes are the minimum and maximum step sizes; {0, 0} means the
	// default {1e-6, 50}.
	StepSizes [2]float64
	// Maximize ascends the gradient instead of descending it.
	Maximize bool
}

// Rprop is resilient backpropagation (torch.optim.Rprop). For each element of
// a parameter with gradient g (-g with Maximize) and previous gradient g', Step
// computes:
//
//	s = clamp(s·η+, min, max), if g·g' > 0
//	s = clamp(s·η-, min, max) and g = 0, if g·g' < 0
//	p = p - sign(g)·s;  g' = g
//
// Its state dict holds each parameter's "step", "prev" and "step_size".
type Rprop struct{ base[RpropOptions] }

var rpropKind = &kind[RpropOptions]{
	name: "Rprop",
	defaults: func(o RpropOptions) RpropOptions {
		o.LR = or(o.LR, 1e-2)
		if o.Etas == [2]float64{} {
			o.Etas = [2]float64{0.5, 1.2}
		}
		if o.StepSizes == [2]float64{} {
			o.StepSizes = [2]float64{1e-6, 50}
		}
		return o
	},
	validate: func(op string, o RpropOptions) {
		checkLR(op, o.LR)
		if !(0 < o.Etas[0] && o.Etas[0] < 1 && 1 < o.Etas[1]) {
			fail(op, "Invalid eta values: %v, %v", o.Etas[0], o.Etas[1])
		}
	},
	lr: func(o *RpropOptions) *float64 { return &o.LR },
	dict: func(o RpropOptions) map[string]any {
		return map[string]any{"lr": o.LR, "etas": o.Etas[:], "step_sizes": o.StepSizes[:],
			"foreach": nil, "maximize": o.Maximize}
	},
	undict: func(r *dictReader, o *RpropOptions) {
		r.float("lr", &o.LR)
		r.pair("etas", &o.Etas)
		r.pair("step_sizes", &o.StepSizes)
		r.bool("maximize", &o.Maximize)
	},
	layout: layout{required: 2, step: intStep, bufs: []string{"prev", "step_size"}},
}

// NewRprop returns an Rprop optimizer for params, as one parameter group, with
// PyTorch's defaults for the options left zero. It panics if params is invalid
// (see NewSGD), LR is negative, or the etas are not 0 < η- < 1 < η+.
func NewRprop(params []*tensor.Tensor, opts RpropOptions) *Rprop {
	return &Rprop{newBase(rpropKind, "NewRprop", params, opts)}
}

// Step updates each parameter that has a gradient, in place and without
// recording. It panics if a gradient's dtype differs from its parameter's.
func (r *Rprop) Step() {
	r.each("Rprop.Step", func(o *RpropOptions, p, g *tensor.Tensor, st *paramState) {
		if !st.init {
			st.init = true
			st.buf[0] = tensor.ZerosLike(p)
			st.buf[1] = tensor.FullLike(p, o.LR)
		}
		st.step++
		if p.DType() == tensor.Float32 {
			rprop(p.Float32s(), g.Float32s(), st.buf[0].Float32s(), st.buf[1].Float32s(), o)
		} else {
			rprop(p.Float64s(), g.Float64s(), st.buf[0].Float64s(), st.buf[1].Float64s(), o)
		}
	})
}

func rprop[T float32 | float64](p, g, prev, size []T, o *RpropOptions) {
	etaMinus, etaPlus := T(o.Etas[0]), T(o.Etas[1])
	lo, hi := T(o.StepSizes[0]), T(o.StepSizes[1])
	maximize := o.Maximize
	factors := [4]T{1, etaPlus, etaMinus, 1} // by g·g' > 0, then < 0 (3 cannot occur)
	signs := [4]T{0, 1, -1, 0}               // by g > 0, then g < 0: sign(g), 0 for NaN
	n := len(p)
	g, prev, size = g[:n], prev[:n], size[:n]
	// Gradient signs flip at random, so the loop picks factors and signs from
	// tables rather than by branches: branching on sign(g) took 7 ns an
	// element (BenchmarkOptimStep), most of it mispredictions.
	for i := range p {
		gi := signed(g[i], maximize)
		s := gi * prev[i]
		neg := b2u(s < 0)
		factor := factors[(b2u(s > 0)|neg<<1)&3]
		if s != s {
			factor = s // NaN: torch's sign tensor keeps it
		}
		gi = [2]T{gi, 0}[neg] // 0 where the sign flipped
		size[i] = clamp(size[i]*factor, lo, hi)
		p[i] = fma(-signs[(b2u(gi > 0)|b2u(gi < 0)<<1)&3], size[i], p[i])
		prev[i] = gi
	}
}

// clamp returns x limited to [lo, hi], NaN staying NaN (as Go's min and max
// keep it).
func clamp[T float32 | float64](x, lo, hi T) T { return min(max(x, lo), hi) }
