package autograd

import (
	"fmt"
	"slices"

	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/tensor"
)

// PerSampleGrads returns the gradient of each example's loss with respect to
// each parameter of model, what functorch's vmap(grad(loss)) gives, for DP-SGD
// and influence functions: one tensor per parameter, in the order of
// model.Parameters(), of shape (batch, parameter's shape...). x is a batch
// (batch, features); loss maps the model's output to the per-example losses,
// a vector (batch) in which entry b depends only on example b (as
// functional losses with reduction "none" do).
//
// It makes one forward and one backward pass for the whole batch, without a loop
// over examples: the backward pass gives each Linear layer's output gradient per
// example (dz, batch × out), the forward pass its input (a, batch × in), and an
// example's weight gradient is the outer product dzᵇ ⊗ aᵇ, its bias gradient
// dzᵇ. model's Grad fields are not touched.
//
// model is a Sequential (nested ones included) of *nn.Linear layers and of
// modules that treat examples independently and have no parameters: ReLU,
// Tanh, Sigmoid, GELU, Identity, and Softmax or LogSoftmax over a dim other than
// 0. PerSampleGrads panics on any other module (one that mixes examples, such
// as BatchNorm, would make the per-example gradients wrong), if x is not 2-d,
// or if loss does not return one value per example.
func PerSampleGrads(model nn.Sequential, x *tensor.Tensor, loss func(output *tensor.Tensor) *tensor.Tensor) []*tensor.Tensor {
	const op = "PerSampleGrads"
	if x == nil || loss == nil {
		panic(tensor.NewError(tensor.ErrNil, "autograd", op, "got a nil input or loss"))
	}
	if x.Dim() != 2 {
		panic(tensor.NewError(tensor.ErrShape, "autograd", op, "input has shape %v; want (batch, features)", x.Shape()))
	}
	var lins []*nn.Linear
	var acts, zs []*tensor.Tensor
	var grads []*tensor.Tensor
	tensor.EnableGrad(func() {
		h := x.Detach()
		var walk func(s nn.Sequential)
		walk = func(s nn.Sequential) {
			for _, m := range s {
				switch m := m.(type) {
				case nn.Sequential:
					walk(m)
				case *nn.Linear:
					if slices.Contains(lins, m) {
						fail(op, "Linear layer %s appears twice in the model; its per-example gradient would be a sum of two terms", m)
					}
					lins = append(lins, m)
					acts = append(acts, h)
					h = m.Forward(h)
					zs = append(zs, h)
				default:
					if !rowwise(m) {
						fail(op, "module %s is not known to treat the examples of a batch independently; "+
							"PerSampleGrads takes Linear layers and parameter-free elementwise modules", describe(m))
					}
					h = m.Forward(h)
				}
			}
		}
		walk(model)
		l := loss(h)
		if l == nil || l.Dim() != 1 || l.Size(0) != x.Size(0) {
			shape := "nil"
			if l != nil {
				shape = fmt.Sprint(l.Shape())
			}
			panic(tensor.NewError(tensor.ErrShape, "autograd", op, "loss returned shape %s; want one value per example, (%d)", shape, x.Size(0)))
		}
		if len(zs) == 0 {
			return
		}
		// Example b's loss depends only on row b of each z, so the gradient of the
		// sum, row b, is the gradient of loss b.
		grads = tensor.Grad([]*tensor.Tensor{l.Sum()}, zs, tensor.GradOptions{AllowUnused: true})
	})
	var out []*tensor.Tensor
	tensor.NoGrad(func() {
		for i, lin := range lins {
			dz := grads[i]
			if dz == nil {
				dz = tensor.ZerosLike(zs[i])
			}
			out = append(out, dz.Unsqueeze(2).Mul(acts[i].Unsqueeze(1))) // (batch, out, in)
			if lin.Bias != nil {
				out = append(out, dz.Clone())
			}
		}
	})
	return out
}

// rowwise reports whether m is a parameter-free module that maps each example
// of a batch on its own.
func rowwise(m nn.Module) bool {
	switch m := m.(type) {
	case nn.ReLU, nn.Tanh, nn.Sigmoid, nn.GELU, nn.Identity:
		return true
	case nn.Softmax:
		return m.Dim != 0
	case nn.LogSoftmax:
		return m.Dim != 0
	}
	return false
}

func describe(m nn.Module) string {
	if s, ok := m.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", m)
}
