package tensor

import (
	"fmt"
	"math"
)

// GradCheckOptions sets GradCheck's step and tolerances; zero fields take
// PyTorch's defaults (Eps 1e-6, Atol 1e-5, Rtol 1e-3).
type GradCheckOptions struct {
	Eps, Atol, Rtol float64
}

func (o GradCheckOptions) withDefaults() GradCheckOptions {
	if o.Eps == 0 {
		o.Eps = 1e-6
	}
	if o.Atol == 0 {
		o.Atol = 1e-5
	}
	if o.Rtol == 0 {
		o.Rtol = 1e-3
	}
	return o
}

// GradCheck compares the gradients that autograd computes for f with central
// finite differences, as torch.autograd.gradcheck does: for every input that
// requires grad, each entry of the Jacobian of f's output must satisfy
// |analytical - numerical| <= Atol + Rtol·|numerical|, and a zero gradient of the
// output must give zero gradients. Inputs should be Float64; f must be
// deterministic. It returns nil on success and an error describing the worst
// mismatch otherwise. It perturbs the inputs in place and restores them.
func GradCheck(f func(inputs ...*Tensor) *Tensor, inputs []*Tensor, opts ...GradCheckOptions) error {
	var o GradCheckOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	o = o.withDefaults()
	var wrt []*Tensor
	for _, in := range inputs {
		if in.requiresGrad {
			if in.dtype != Float64 {
				return fmt.Errorf("tensor: GradCheck: input of shape %v is %v; gradcheck needs float64 for precision", in.shape, in.dtype)
			}
			wrt = append(wrt, in)
		}
	}
	if len(wrt) == 0 {
		return fmt.Errorf("tensor: GradCheck: no input requires grad")
	}
	y := f(inputs...)
	if !y.requiresGrad {
		return fmt.Errorf("tensor: GradCheck: output (shape %v) does not require grad", y.shape)
	}
	m := y.Numel()

	// Analytical Jacobian, one output element at a time.
	analytical := make([][]float64, len(wrt)) // [input][out*n + in]
	for k, in := range wrt {
		analytical[k] = make([]float64, m*in.Numel())
	}
	for j := range m {
		v := ZerosLike(y)
		v.setFlat(j, 1)
		grads := Grad([]*Tensor{y}, wrt, GradOptions{GradOutputs: []*Tensor{v}, RetainGraph: true, AllowUnused: true})
		for k, g := range grads {
			if g == nil {
				continue
			}
			n := wrt[k].Numel()
			for i := range n {
				analytical[k][j*n+i] = g.flat(i)
			}
		}
	}

	// Numerical Jacobian by central differences.
	var worst string
	worstExcess := 0.0
	for k, in := range wrt {
		n := in.Numel()
		for e := range n {
			i := in.pos(e) // the element's position in in's (possibly strided) storage
			orig := in.f64[i]
			var plus, minus []float64
			NoGrad(func() {
				in.f64[i] = orig + o.Eps
				plus = f(inputs...).Values()
				in.f64[i] = orig - o.Eps
				minus = f(inputs...).Values()
			})
			in.f64[i] = orig
			for j := range m {
				num := (plus[j] - minus[j]) / (2 * o.Eps)
				ana := analytical[k][j*n+e]
				diff := math.Abs(ana - num)
				tol := o.Atol + o.Rtol*math.Abs(num)
				if excess := diff - tol; excess > worstExcess || math.IsNaN(diff) && !(math.IsNaN(ana) && math.IsNaN(num)) {
					worstExcess = excess
					worst = fmt.Sprintf("input %d (shape %v) element %d, output element %d: analytical %g, numerical %g", k, in.shape, e, j, ana, num)
				}
			}
		}
	}
	if worst != "" {
		return fmt.Errorf("tensor: GradCheck: Jacobian mismatch at %s", worst)
	}

	// A zero upstream gradient must give zero gradients.
	grads := Grad([]*Tensor{y}, wrt, GradOptions{GradOutputs: []*Tensor{ZerosLike(y)}, RetainGraph: true, AllowUnused: true})
	for k, g := range grads {
		if g == nil {
			continue
		}
		for i := range g.Numel() {
			if g.flat(i) != 0 {
				return fmt.Errorf("tensor: GradCheck: zero output gradient gave nonzero gradient %g for input %d element %d", g.flat(i), k, i)
			}
		}
	}
	return nil
}

// GradGradCheck checks second derivatives, as torch.autograd.gradgradcheck: for a
// fixed random output gradient v, the gradients of f (computed with CreateGraph)
// are themselves checked with GradCheck, as functions of the inputs and of v.
func GradGradCheck(f func(inputs ...*Tensor) *Tensor, inputs []*Tensor, opts ...GradCheckOptions) error {
	var wrt []int
	for i, in := range inputs {
		if in.requiresGrad {
			wrt = append(wrt, i)
		}
	}
	var y *Tensor
	NoGrad(func() { y = f(inputs...) })
	v := NewGenerator(0).Normal(Float64.Zeros(y.shape...), 0, 1).SetRequiresGrad(true)
	all := append(append([]*Tensor{}, inputs...), v)
	for k := range wrt {
		gradK := func(args ...*Tensor) *Tensor {
			ins := args[:len(args)-1]
			var xs []*Tensor
			for _, i := range wrt {
				xs = append(xs, ins[i])
			}
			var g *Tensor
			// GradCheck evaluates this under NoGrad for its finite differences; the
			// gradient needs its graph all the same.
			EnableGrad(func() {
				out := f(ins...)
				g = Grad([]*Tensor{out}, xs, GradOptions{GradOutputs: []*Tensor{args[len(args)-1]}, CreateGraph: true, AllowUnused: true})[k]
				if g == nil {
					// Unused input: a zero gradient that still depends on v, so that
					// GradCheck has a graph to differentiate.
					g = ZerosLike(xs[k]).Mul(args[len(args)-1].Sum())
				}
			})
			return g
		}
		if err := GradCheck(gradK, all, opts...); err != nil {
			return fmt.Errorf("tensor: GradGradCheck: gradient of input %d: %w", wrt[k], err)
		}
	}
	return nil
}
