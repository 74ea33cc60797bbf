package tensor

import (
	"runtime"
	"testing"
	"weak"
)

// TestDetachDropsGraph checks that a detached tensor shares only the storage
// of the tensor it came from: once that tensor is unreachable, its graph (its
// GradFn node and the values the node saved) is collected while the detached
// tensor lives, for a large result, a view (a transpose) and a one-element
// result (whose element lives in the tensor's header until Detach moves it).
// The detached tensor still writes through to the storage and shares its
// version counter, as PyTorch's detach.
func TestDetachDropsGraph(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func(x *Tensor) *Tensor
	}{
		{"matrix", func(x *Tensor) *Tensor { return x.Exp().MulScalar(2) }},
		{"view", func(x *Tensor) *Tensor { return x.Exp().T() }},
		{"scalar", func(x *Tensor) *Tensor { return x.Exp().Sum() }},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := Ones(64, 64).SetRequiresGrad(true)
			d, node, saved := detachOf(x, c.f)
			for range 3 {
				runtime.GC()
			}
			if node.Value() != nil {
				t.Error("the detached tensor keeps the source's GradFn node alive")
			}
			if saved.Value() != nil {
				t.Error("the detached tensor keeps a value the source's graph saved alive")
			}
			want := d.Contiguous().Values()
			if d.RequiresGrad() || d.GradFn() != nil {
				t.Errorf("detached: requires grad %v, GradFn %v", d.RequiresGrad(), d.GradFn())
			}
			runtime.KeepAlive(d)
			if len(want) == 0 {
				t.Fatal("no values")
			}
		})
	}
}

// detachOf returns f(x) detached, and weak pointers to f(x)'s GradFn node and
// to the tensor that node's input node saved (the Exp's result, which its
// derivative reads), dropping f(x) itself.
func detachOf(x *Tensor, f func(x *Tensor) *Tensor) (*Tensor, weak.Pointer[Node], weak.Pointer[Tensor]) {
	y := f(x)
	n := y.GradFn()
	var exp *Node
	for e := n; e != nil; e = e.NextFunctions()[0] {
		if e.Name() == "ExpBackward0" {
			exp = e
			break
		}
	}
	return y.Detach(), weak.Make(n), weak.Make(exp.saved[0].t)
}

// TestDetachSharesStorage checks that Detach keeps sharing what PyTorch's
// detach shares: writes through either tensor show in the other, and the
// version counter, so that an in-place write through the detached tensor to a
// value the graph saved is caught in backward; for a one-element result too,
// whose element Detach moves out of the tensor's header.
func TestDetachSharesStorage(t *testing.T) {
	for _, shape := range [][]int{{}, {3}} {
		x := Full(2, shape...).SetRequiresGrad(true)
		y := x.Exp() // saves its result
		d := y.Detach()
		d2 := y.Detach()
		d.Fill_(5)
		if y.Contiguous().Values()[0] != 5 || d2.Contiguous().Values()[0] != 5 {
			t.Errorf("shape %v: a write through the detached tensor does not show in the source", shape)
		}
		NoGrad(func() { y.MulScalar_(2) })
		if d.Contiguous().Values()[0] != 10 {
			t.Errorf("shape %v: a write to the source does not show in the detached tensor: %v", shape, d.Values())
		}
		if d.Version() != y.Version() || y.Version() != 2 {
			t.Errorf("shape %v: versions %d (detached) and %d (source); want 2 and 2", shape, d.Version(), y.Version())
		}
		if err := Maybe(func() { y.Sum().Backward() }); err == nil {
			t.Errorf("shape %v: backward through a saved value modified through a detached alias did not panic", shape)
		}
	}
}
