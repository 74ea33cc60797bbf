package tensor_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestOutVariants checks every out= variant against its op, into contiguous and
// strided destinations, from contiguous and strided inputs.
func TestOutVariants(t *testing.T) {
	a := tensor.Arange(-1, 1, 2.0/12).Reshape(3, 4)
	b := tensor.Arange(0.5, 2.5, 2.0/12).Reshape(4, 3).T() // strided
	row := tensor.New([]float32{1, 2, 3, 4})
	cases := []struct {
		name string
		out  func(dst *Tensor) *Tensor
		want *Tensor
	}{
		{"AddOut", func(d *Tensor) *Tensor { return tensor.AddOut(d, a, b) }, a.Add(b)},
		{"SubOut", func(d *Tensor) *Tensor { return tensor.SubOut(d, a, row) }, a.Sub(row)},
		{"MulOut", func(d *Tensor) *Tensor { return tensor.MulOut(d, b, a) }, b.Mul(a)},
		{"DivOut", func(d *Tensor) *Tensor { return tensor.DivOut(d, a, b) }, a.Div(b)},
		{"ExpOut", func(d *Tensor) *Tensor { return tensor.ExpOut(d, b) }, b.Exp()},
		{"SigmoidOut", func(d *Tensor) *Tensor { return tensor.SigmoidOut(d, a) }, a.Sigmoid()},
		{"TanhOut", func(d *Tensor) *Tensor { return tensor.TanhOut(d, a) }, a.Tanh()},
		{"ReluOut", func(d *Tensor) *Tensor { return tensor.ReluOut(d, b) }, b.Relu()},
		{"MatMulOut", func(d *Tensor) *Tensor { return tensor.MatMulOut(d, a.T().T(), b.T().Narrow(0, 0, 4).T().T()) }, a.MatMul(b.T())},
		{"MatMulOut/transposed", func(d *Tensor) *Tensor { return tensor.MatMulOut(d, b.T().T(), a.T().Narrow(1, 0, 3)) }, b.MatMul(a.T())},
		{"SumOut/all", func(d *Tensor) *Tensor { return tensor.SumOut(d, b) }, b.Sum()},
		{"SumOut/dim=0", func(d *Tensor) *Tensor { return tensor.SumOut(d, a, 0) }, a.Sum(0)},
		{"SumOut/keep", func(d *Tensor) *Tensor { return tensor.SumOut(d, a, -1) }, a.SumKeepDim(-1)},
		{"MeanOut/dim=1", func(d *Tensor) *Tensor { return tensor.MeanOut(d, b, 1) }, b.Mean(1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, strided := range []bool{false, true} {
				shape := c.want.Shape()
				dst := tensor.Zeros(shape...)
				if strided && len(shape) == 2 {
					dst = tensor.Zeros(shape[1], shape[0]).T()
				}
				got := c.out(dst)
				if got != dst {
					t.Fatalf("did not return dst")
				}
				if !closeAll(dst.Values(), c.want.Values(), 1e-6) {
					t.Errorf("strided %v: %v, want %v", strided, dst.Values(), c.want.Values())
				}
				if dst.Version() != 1 {
					t.Errorf("version %d after one write, want 1", dst.Version())
				}
			}
		})
	}
}

func TestOutVariantErrors(t *testing.T) {
	x := tensor.Ones(2, 2).SetRequiresGrad(true)
	for name, c := range map[string]struct {
		f    func()
		want string
	}{
		"grad":     {func() { tensor.AddOut(tensor.Zeros(2, 2), x, x) }, "tensor: AddOut: functions with out=... arguments don't support automatic differentiation"},
		"shape":    {func() { tensor.MulOut(tensor.Zeros(2, 3), tensor.Ones(2, 2), tensor.Ones(2)) }, "tensor: MulOut: out has shape [2 3], the result has shape [2 2]"},
		"expanded": {func() { tensor.ExpOut(tensor.Zeros(2).Expand(2, 2), tensor.Ones(2, 2)) }, "tensor: ExpOut: unsupported operation: more than one element of the written-to tensor refers to a single memory location"},
		"aliased":  {func() { m := tensor.Ones(2, 2); tensor.MatMulOut(m, m, m) }, "tensor: MatMulOut: unsupported operation: some elements of the input tensor"},
		"inner":    {func() { tensor.MatMulOut(tensor.Zeros(2, 2), tensor.Ones(2, 3), tensor.Ones(2, 2)) }, "tensor: MatMulOut: shapes [2 3] and [2 2] cannot be multiplied (3 != 2)"},
		"reduce":   {func() { tensor.SumOut(tensor.Zeros(3), tensor.Ones(2, 3), 1) }, "tensor: SumOut: out has shape [3], not that of [2 3] reduced over dims [1]"},
	} {
		err := tensor.Maybe(c.f)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q...", name, err, c.want)
		}
	}
	tensor.NoGrad(func() { tensor.AddOut(tensor.Zeros(2, 2), x, x) }) // fine outside autograd
}

// TestOutLoopAllocatesNothing runs a training-style loop, linear least squares by
// gradient descent written with out= variants and in-place ops, and checks that a
// step allocates nothing and the loss falls.
func TestOutLoopAllocatesNothing(t *testing.T) {
	g := tensor.NewGenerator(1)
	x, y := g.Normal(tensor.Zeros(64, 8), 0, 1), g.Normal(tensor.Zeros(64, 1), 0, 1)
	xt := x.T()
	w := tensor.Zeros(8, 1)
	pred, res, sq, grad := tensor.Zeros(64, 1), tensor.Zeros(64, 1), tensor.Zeros(64, 1), tensor.Zeros(8, 1)
	loss := tensor.Scalar(0)
	step := func() {
		tensor.MatMulOut(pred, x, w)
		tensor.SubOut(res, pred, y)
		tensor.MulOut(sq, res, res)
		tensor.MeanOut(loss, sq)
		tensor.MatMulOut(grad, xt, res) // dloss/dw = 2/N · xᵀ·res
		w.Sub_(grad.MulScalar_(2.0 / 64 * 0.1))
	}
	step()
	first := loss.Item()
	if allocs := allocsPerCall(step); allocs != 0 {
		t.Errorf("%v allocations per step, want 0", allocs)
	}
	if last := loss.Item(); !(last < first*0.9) {
		t.Errorf("loss %v after 21 steps, from %v: not falling", last, first)
	}
}

// TestOutLargeAllocatesNothing is TestOutLoopAllocatesNothing for tensors
// large enough that the kernels split across threads: out= functions and
// in-place ops still allocate nothing.
func TestOutLargeAllocatesNothing(t *testing.T) {
	defer tensor.SetNumThreads(tensor.NumThreads())
	tensor.SetNumThreads(2)
	const n = 1 << 20
	a, b, c, s := tensor.Ones(n), tensor.Ones(n), tensor.Zeros(n), tensor.Scalar(0)
	x, y, z := tensor.Ones(256, 256), tensor.Ones(256, 256), tensor.Zeros(256, 256)
	m, row, col, yt := tensor.Zeros(1024, 1024), tensor.Ones(1024), tensor.Ones(1024, 1), y.T()
	ba, bb, bo := tensor.Ones(64, 32, 32), tensor.Ones(64, 32, 32), tensor.Zeros(64, 32, 32)
	for name, f := range map[string]func(){
		"AddOut":            func() { tensor.AddOut(c, a, b) },
		"ExpOut":            func() { tensor.ExpOut(c, a) },
		"SumOut":            func() { tensor.SumOut(s, a) },
		"SumOut dim":        func() { tensor.SumOut(row, m, 0) }, // the dims stay on the caller's stack
		"MeanOut dims":      func() { tensor.MeanOut(s, m, -1, 0) },
		"Add_":              func() { c.Add_(a) },
		"MulScalar_":        func() { c.MulScalar_(0.5) },
		"MatMulOut":         func() { tensor.MatMulOut(z, x, y) },
		"MatMulOut batched": func() { tensor.MatMulOut(bo, ba, bb) }, // small products split by batch entry
		// Broadcasting, through views too: the strided iterator keeps its state on the stack.
		"AddOut broadcast": func() { tensor.AddOut(m, m, row) },
		"Mul_ broadcast":   func() { m.Mul_(col) },
		"SubOut outer":     func() { tensor.SubOut(m, col, row) },
		"DivOut view":      func() { tensor.DivOut(z, x, yt) },
	} {
		f()
		if allocs := allocsPerCall(f); allocs != 0 {
			t.Errorf("%s: %v allocations per call, want 0", name, allocs)
		}
	}
}

// TestInPlaceKernels checks that Sqrt_, Abs_, Reciprocal_ and Clamp_, run
// unrecorded, give the bits of their out-of-place ops (NaN, infinities,
// signed zeros and negative inputs included) and run their kernel in the
// tensor, allocating nothing, instead of computing a result and copying it.
func TestInPlaceKernels(t *testing.T) {
	vals := []float64{-2.5, -1, -0.0, 0, 0.3, 1, 4, math.Inf(1), math.Inf(-1), math.NaN(), 1e-30, 7e30}
	for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
		x := tensor.FromSlice(vals, len(vals)).To(dt)
		for name, c := range map[string]struct {
			in, out func(*tensor.Tensor) *tensor.Tensor
		}{
			"Sqrt_":       {(*tensor.Tensor).Sqrt_, (*tensor.Tensor).Sqrt},
			"Abs_":        {(*tensor.Tensor).Abs_, (*tensor.Tensor).Abs},
			"Reciprocal_": {(*tensor.Tensor).Reciprocal_, (*tensor.Tensor).Reciprocal},
			"Clamp_": {func(y *tensor.Tensor) *tensor.Tensor { return y.Clamp_(-1, 2) },
				func(y *tensor.Tensor) *tensor.Tensor { return y.Clamp(-1, 2) }},
		} {
			got, want := c.in(x.Clone()).To(tensor.Float64).Float64s(), c.out(x).To(tensor.Float64).Float64s()
			for i := range want {
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
					t.Errorf("%v %s(%v) = %v, want %v", dt, name, vals[i], got[i], want[i])
				}
			}
			big := tensor.Ones(1 << 20).To(dt)
			if allocs := allocsPerCall(func() { c.in(big) }); allocs != 0 {
				t.Errorf("%v %s of 1M elements: %v allocations per call, want 0", dt, name, allocs)
			}
		}
	}
}

// allocsPerCall returns f's allocations per call: the least of three
// testing.AllocsPerRun counts, so that what other goroutines allocate meanwhile
// (finalizers and the pool's aging after a collection an earlier test caused)
// is not counted against f, while an allocation of f's own shows in each.
func allocsPerCall(f func()) float64 {
	n := testing.AllocsPerRun(10, f)
	for range 2 {
		n = min(n, testing.AllocsPerRun(10, f))
	}
	return n
}
