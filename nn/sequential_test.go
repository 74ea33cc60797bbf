package nn

import (
	"fmt"
	"testing"

	"github.com/gograd/gograd/internal/memtest"
	"github.com/gograd/gograd/tensor"
)

// scale is a Module of the caller's own: Sequential must not recycle what passes
// through it.
type scale struct{}

func (scale) Forward(x *tensor.Tensor) *tensor.Tensor { return x.MulScalar(0.5) }
func (scale) Parameters() []*tensor.Tensor            { return nil }

// seqModel returns a float64 model whose layers alternate Linear with each
// activation, with a module of the caller's own in the middle.
func seqModel(seed uint64) Sequential {
	g := tensor.NewGenerator(seed)
	lin := func(in, out int) *Linear {
		return NewLinear(in, out, WithGenerator(g), WithDType(tensor.Float64))
	}
	return Sequential{
		lin(12, 32), ReLU{}, lin(32, 32), Sigmoid{}, scale{},
		lin(32, 300), Tanh{}, lin(300, 300), ReLU{}, lin(300, 3),
	}
}

// forwardPlain is Sequential.Forward without recycling: the modules called in turn.
func forwardPlain(s Sequential, x *tensor.Tensor) *tensor.Tensor {
	for _, m := range s {
		x = m.Forward(x)
	}
	return x
}

// TestSequentialRecycling trains two copies of a model, one through
// Sequential.Forward (which recycles its inner tensors) and one through plain
// calls, running backward in each way the engine allows, and checks that every
// loss, gradient and parameter agrees bit for bit. A tensor recycled while a graph
// still needed it would be overwritten by a later op taking its memory (and in CI,
// which runs this package with released memory poisoned, turn into NaN).
func TestSequentialRecycling(t *testing.T) {
	modes := []string{"backward", "retain", "grad", "create", "nograd", "unused"}
	seq, ref := seqModel(1), seqModel(1)
	g := tensor.NewGenerator(2)
	x := g.Normal(tensor.Float64.Zeros(40, 12), 0, 1)
	target := g.Normal(tensor.Float64.Zeros(40, 3), 0, 1)
	for step := range 3 * len(modes) {
		mode := modes[step%len(modes)]
		run := func(m Sequential, fwd func(Sequential, *tensor.Tensor) *tensor.Tensor) []float64 {
			params := m.Parameters()
			var out []float64
			loss := func() *tensor.Tensor { return fwd(m, x).Sub(target).Pow(2).Mean() }
			switch mode {
			case "backward":
				l := loss()
				l.Backward()
				out = append(out, l.Item())
			case "retain":
				l := loss()
				l.Backward(tensor.BackwardOptions{RetainGraph: true})
				l.Backward()
				out = append(out, l.Item())
			case "grad":
				gs := tensor.Grad([]*tensor.Tensor{loss()}, params)
				for i, p := range params {
					p.SetGrad(gs[i])
				}
			case "create":
				gs := tensor.Grad([]*tensor.Tensor{loss()}, params, tensor.GradOptions{CreateGraph: true})
				norm := gs[0].Pow(2).Sum()
				for _, gr := range gs[1:] {
					norm = norm.Add(gr.Pow(2).Sum())
				}
				norm.Backward()
				out = append(out, norm.Item())
			case "nograd":
				tensor.NoGrad(func() { out = append(out, fwd(m, x).Values()...) })
				return out
			case "unused": // a forward pass whose graph is dropped without backward
				fwd(m, x)
				return nil
			}
			tensor.NoGrad(func() {
				for _, p := range params {
					out = append(out, p.Grad().Values()...)
					p.Copy_(p.Sub(p.Grad().MulScalar(0.05)))
					p.SetGrad(nil)
				}
			})
			return out
		}
		got, want := run(seq, Sequential.Forward), run(ref, forwardPlain)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("step %d (%s): value %d is %v through Sequential, %v through plain calls", step, mode, i, got[i], want[i])
			}
		}
	}
}

// TestSequentialStepAllocation checks that a training step through Sequential
// reuses its activations' memory: once warm, a step allocates less than one of
// its 128 KiB activations.
func TestSequentialStepAllocation(t *testing.T) {
	for _, mode := range []string{"train", "eval"} {
		t.Run(mode, func(t *testing.T) {
			g := tensor.NewGenerator(0)
			m := Sequential{
				NewLinear(64, 256, WithGenerator(g)), ReLU{},
				NewLinear(256, 256, WithGenerator(g)), Tanh{},
				NewLinear(256, 256, WithGenerator(g)), Sigmoid{},
				NewLinear(256, 4, WithGenerator(g)),
			}
			x := g.Normal(tensor.Zeros(128, 64), 0, 1)
			step := func() {
				if mode == "eval" {
					tensor.NoGrad(func() { m.Forward(x) })
					return
				}
				m.Forward(x).Pow(2).Mean().Backward()
				for _, p := range m.Parameters() {
					p.SetGrad(nil)
				}
			}
			step()
			if perStep := memtest.BytesPerRun(10, step); perStep > 128<<10 {
				t.Errorf("a step allocates %d bytes", perStep)
			}
		})
	}
}

func ExampleSequential_Forward() {
	g := tensor.NewGenerator(0)
	model := Sequential{NewLinear(3, 8, WithGenerator(g)), ReLU{}, NewLinear(8, 1, WithGenerator(g))}
	x := tensor.New([]float32{1, 2, 3, -1, 0, 1}).Reshape(2, 3)
	// The tensor between the layers is recycled once backward is done with it;
	// the result and the gradients are the caller's.
	loss := model.Forward(x).Pow(2).Mean()
	loss.Backward()
	fmt.Println(model[0].Parameters()[0].Grad().Shape())
	// Output: [8 3]
}
