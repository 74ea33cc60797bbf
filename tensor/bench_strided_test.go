package tensor

import "testing"

// BenchmarkStrided runs elementwise ops, reductions and softmax on a 512×512
// float32 tensor stored contiguously and on the same values as a transposed
// view, to show what reading a view costs against a contiguous input.
func BenchmarkStrided(b *testing.B) {
	const n = 512
	g := NewGenerator(1)
	contig := g.Normal(Zeros(n, n), 0, 1)
	view := g.Normal(Zeros(n, n), 0, 1).T()
	other := g.Normal(Zeros(n, n), 0, 1)
	mask := other.GtScalar(0)
	ops := []struct {
		name string
		f    func(x *Tensor) *Tensor
	}{
		{"Exp", (*Tensor).Exp},
		{"Floor", (*Tensor).Floor},
		{"Expm1", (*Tensor).Expm1},
		{"Log1p", (*Tensor).Log1p},
		{"Erf", (*Tensor).Erf},
		{"Atan2", func(x *Tensor) *Tensor { return x.Atan2(other) }},
		{"Hypot", func(x *Tensor) *Tensor { return x.Hypot(other) }},
		{"Addcmul", func(x *Tensor) *Tensor { return x.Addcmul(other, other, 0.5) }},
		{"Lt", func(x *Tensor) *Tensor { return x.Lt(other) }},
		{"GtScalar", func(x *Tensor) *Tensor { return x.GtScalar(0) }},
		{"Where", func(x *Tensor) *Tensor { return Where(mask, x, other) }},
		{"MaskedFill", func(x *Tensor) *Tensor { return x.MaskedFill(mask, 0) }},
		{"IsFinite", (*Tensor).IsFinite},
		{"Sum", func(x *Tensor) *Tensor { return x.Sum() }},
		{"SumDim0", func(x *Tensor) *Tensor { return x.Sum(0) }},
		{"AmaxDim1", func(x *Tensor) *Tensor { return x.Amax(1) }},
		{"MaxDim1", func(x *Tensor) *Tensor { v, _ := x.MaxDim(1, false); return v }},
		{"SortDim1", func(x *Tensor) *Tensor { v, _ := x.Sort(1, false); return v }},
		{"Softmax", func(x *Tensor) *Tensor { return x.Softmax(1) }},
	}
	for _, op := range ops {
		for _, in := range []struct {
			name string
			x    *Tensor
		}{{"contiguous", contig}, {"view", view}} {
			b.Run(op.name+"/"+in.name, func(b *testing.B) {
				b.SetBytes(4 * n * n)
				b.ReportAllocs()
				for b.Loop() {
					op.f(in.x)
				}
			})
		}
	}
}
