package nn

import (
	"slices"
	"testing"

	"github.com/gograd/gograd/internal/hooktest"
	"github.com/gograd/gograd/tensor"
)

// TestModuleHooksGolden replays testdata/gen_module_hooks_golden.py: forward
// pre-hooks, forward hooks (one replacing its output) and full backward hooks
// (one replacing its input gradient) on a Sequential and two of its Linears,
// called in PyTorch 1.13's order with the same tensors.
func TestModuleHooksGolden(t *testing.T) {
	golden := hooktest.Read(t, "testdata/module_hooks_golden.json")
	var events []hooktest.Event
	log := func(name string, ts ...*tensor.Tensor) {
		vals := make([][]float64, len(ts))
		for i, v := range ts {
			if v != nil {
				vals[i] = slices.Clone(v.Contiguous().Float64s())
			}
		}
		events = append(events, hooktest.Event{Name: name, Values: vals})
	}
	var handles []*tensor.RemovableHandle
	defer func() { // leave no hooks for other tests
		for _, h := range handles {
			h.Remove()
		}
		if registry.count.Load() != 0 {
			t.Errorf("%d modules keep hooks after every handle was removed", registry.count.Load())
		}
	}()
	keep := func(h *tensor.RemovableHandle) { handles = append(handles, h) }
	cat := func(a []*tensor.Tensor, b ...*tensor.Tensor) []*tensor.Tensor {
		return append(append([]*tensor.Tensor{}, a...), b...)
	}

	l1 := NewLinear(3, 2, WithDType(tensor.Float64))
	l2 := NewLinear(2, 1, WithDType(tensor.Float64))
	tensor.NoGrad(func() {
		l1.Weight.Copy_(tensor.New([]float64{0.5, -1, 2, 1.5, 0.25, -0.5}, 2, 3))
		l1.Bias.Copy_(tensor.New([]float64{0.1, -0.2}))
		l2.Weight.Copy_(tensor.New([]float64{2, -3}, 1, 2))
		l2.Bias.Copy_(tensor.New([]float64{0.5}))
	})
	seq := Sequential{l1, ReLU{}, l2}
	x := tensor.New([]float64{1, 2, 3, -1, 0.5, 2}, 2, 3).SetRequiresGrad(true)

	keep(RegisterForwardPreHook(&seq, func(m Module, in *tensor.Tensor) *tensor.Tensor { log("seq pre", in); return nil }))
	keep(RegisterForwardHook(&seq, func(m Module, in, out *tensor.Tensor) *tensor.Tensor { log("seq fwd", in, out); return nil }))
	keep(RegisterFullBackwardHook(&seq, func(m Module, gi, gout []*tensor.Tensor) []*tensor.Tensor {
		log("seq bwd", cat(gi, gout...)...)
		return nil
	}))
	keep(RegisterForwardPreHook(l1, func(m Module, in *tensor.Tensor) *tensor.Tensor { log("l1 pre", in); return nil }))
	keep(RegisterForwardHook(l1, func(m Module, in, out *tensor.Tensor) *tensor.Tensor {
		log("l1 fwd", in, out)
		return out.MulScalar(2)
	}))
	keep(RegisterFullBackwardHook(l1, func(m Module, gi, gout []*tensor.Tensor) []*tensor.Tensor {
		log("l1 bwd", cat(gi, gout...)...)
		return nil
	}))
	keep(RegisterForwardHook(l2, func(m Module, in, out *tensor.Tensor) *tensor.Tensor { log("l2 fwd", in, out); return nil }))
	keep(RegisterFullBackwardHook(l2, func(m Module, gi, gout []*tensor.Tensor) []*tensor.Tensor {
		log("l2 bwd", cat(gi, gout...)...)
		return []*tensor.Tensor{gi[0].MulScalar(3)}
	}))
	RegisterForwardPreHook(l2, func(m Module, in *tensor.Tensor) *tensor.Tensor { log("removed", in); return nil }).Remove()

	y := Call(&seq, x)
	y.Sum().Backward()

	hooktest.Compare(t, events, golden.Events)
	if !hooktest.Near(x.Grad().Float64s(), golden.Values["x_grad"]) || !hooktest.Near(l1.Weight.Grad().Float64s(), golden.Values["l1_weight_grad"]) {
		t.Errorf("x.grad %v, l1.weight.grad %v; PyTorch %v, %v", x.Grad(), l1.Weight.Grad(), golden.Values["x_grad"], golden.Values["l1_weight_grad"])
	}

	// Hooks are kept by module identity: a value module is refused.
	mustPanicNN(t, func() {
		RegisterForwardHook(ReLU{}, func(Module, *tensor.Tensor, *tensor.Tensor) *tensor.Tensor { return nil })
	})
}

func mustPanicNN(t *testing.T, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	f()
}
