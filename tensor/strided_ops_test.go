package tensor

import (
	"math"
	"slices"
	"testing"
)

// TestStridedOpsMatchDense checks that the ops that walk strided and broadcast
// operands in place (comparisons, predicates, logical ops, Where, MaskedFill,
// MaskedFill_, MaskedSelect, Index, IndexPut, the pointwise ops of two and
// three inputs, integer Fmod/Remainder and arithmetic) give, bit for bit, what
// they give on contiguous copies of the same operands.
func TestStridedOpsMatchDense(t *testing.T) {
	n := len(specialValues)
	for _, dt := range []DType{Float32, Float64} {
		base := dt.Zeros(n, 3)
		for i, v := range specialValues {
			base.setFlat(3*i, v)
			base.setFlat(3*i+1, -v)
			base.setFlat(3*i+2, v/3)
		}
		xv := base.T()                                         // [3 n], strided
		yv := base.Flip(0).T()                                 // another [3 n] view
		row := base.Narrow(1, 1, 1).Reshape(1, n)              // broadcast along dim 0
		col := dt.Full(0.5, 3, 1)                              // broadcast along dim 1
		mask := base.Narrow(1, 0, 1).GtScalar(0).Reshape(1, n) // bool, broadcast
		maskT := xv.LtScalar(1)                                // bool, strided
		ix := New([]int64{2, 0, 1, 1, 0, 2}, 2, 3).T()         // int64, strided
		ops := []struct {
			name string
			f    func(c func(*Tensor) *Tensor) *Tensor // c makes an operand contiguous, or not
		}{
			{"Lt", func(c func(*Tensor) *Tensor) *Tensor { return c(xv).Lt(c(yv)) }},
			{"Eq/row", func(c func(*Tensor) *Tensor) *Tensor { return c(xv).Eq(c(row)) }},
			{"Ge/col", func(c func(*Tensor) *Tensor) *Tensor { return c(col).Ge(c(xv)) }},
			{"NeScalar", func(c func(*Tensor) *Tensor) *Tensor { return c(xv).NeScalar(0) }},
			{"IsNaN", func(c func(*Tensor) *Tensor) *Tensor { return c(xv).IsNaN() }},
			{"IsInf", func(c func(*Tensor) *Tensor) *Tensor { return c(xv).IsInf() }},
			{"IsFinite", func(c func(*Tensor) *Tensor) *Tensor { return c(xv).IsFinite() }},
			{"LogicalNot", func(c func(*Tensor) *Tensor) *Tensor { return c(xv).LogicalNot() }},
			{"LogicalXor", func(c func(*Tensor) *Tensor) *Tensor { return c(xv).LogicalXor(c(mask)) }},
			{"Where", func(c func(*Tensor) *Tensor) *Tensor { return Where(c(maskT), c(xv), c(row)) }},
			{"Where/broadcast", func(c func(*Tensor) *Tensor) *Tensor { return Where(c(mask), c(col), c(yv)) }},
			{"MaskedFill", func(c func(*Tensor) *Tensor) *Tensor { return c(xv).MaskedFill(c(mask), -7) }},
			{"MaskedFill_", func(c func(*Tensor) *Tensor) *Tensor {
				out := dt.Zeros(n, 3)
				copyValues(out, base)
				NoGrad(func() { out.T().MaskedFill_(c(maskT), 9) })
				return out
			}},
			{"MaskedSelect", func(c func(*Tensor) *Tensor) *Tensor { return c(xv).MaskedSelect(c(mask)) }},
			{"Index", func(c func(*Tensor) *Tensor) *Tensor { return c(xv).Index(c(ix).RemainderScalar(3), c(ix)) }},
			{"IndexPut", func(c func(*Tensor) *Tensor) *Tensor {
				return c(xv).IndexPut([]*Tensor{c(ix)}, c(row), false)
			}},
			{"IndexPut/accumulate", func(c func(*Tensor) *Tensor) *Tensor {
				return c(xv).IndexPut([]*Tensor{c(ix)}, c(yv.Narrow(0, 0, 2)), true)
			}},
			{"Atan2", func(c func(*Tensor) *Tensor) *Tensor { return c(xv).Atan2(c(row)) }},
			{"Hypot", func(c func(*Tensor) *Tensor) *Tensor { return c(col).Hypot(c(yv)) }},
			{"Logaddexp", func(c func(*Tensor) *Tensor) *Tensor { return c(xv).Logaddexp(c(yv)) }},
			{"Xlogy", func(c func(*Tensor) *Tensor) *Tensor { return c(xv).Xlogy(c(yv)) }},
			{"Fmod", func(c func(*Tensor) *Tensor) *Tensor { return c(xv).Fmod(c(col)) }},
			{"Remainder", func(c func(*Tensor) *Tensor) *Tensor { return c(yv).Remainder(c(row)) }},
			{"Lerp", func(c func(*Tensor) *Tensor) *Tensor { return c(xv).Lerp(c(yv), c(col)) }},
			{"LerpScalar", func(c func(*Tensor) *Tensor) *Tensor { return c(row).LerpScalar(c(yv), 0.25) }},
			{"Addcmul", func(c func(*Tensor) *Tensor) *Tensor { return c(xv).Addcmul(c(row), c(yv), -0.5) }},
			{"Addcdiv", func(c func(*Tensor) *Tensor) *Tensor { return c(col).Addcdiv(c(xv), c(yv), 2) }},
			{"Remainder/int64", func(c func(*Tensor) *Tensor) *Tensor { return c(ix).Remainder(c(New([]int64{-2, 3}, 1, 2))) }},
			{"Fmod/int64", func(c func(*Tensor) *Tensor) *Tensor {
				return c(New([]int64{0}, 1).Sub(ix.T()).T()).Fmod(c(New([]int64{2}, 1)))
			}},
			{"Add/int64", func(c func(*Tensor) *Tensor) *Tensor { return c(ix).Add(c(ix.Narrow(1, 0, 1))) }},
		}
		dense := func(x *Tensor) *Tensor { return x.Contiguous() }
		same := func(x *Tensor) *Tensor { return x }
		for _, op := range ops {
			got, want := op.f(same), op.f(dense)
			if !slices.Equal(got.Shape(), want.Shape()) || got.DType() != want.DType() {
				t.Errorf("%v %s: shape %v %v, on dense operands %v %v", dt, op.name, got.Shape(), got.DType(), want.Shape(), want.DType())
				continue
			}
			g, w := got.Contiguous().Values(), want.Contiguous().Values()
			for i := range w {
				if math.Float64bits(g[i]) != math.Float64bits(w[i]) {
					t.Errorf("%v %s element %d: %v on views, %v on dense operands", dt, op.name, i, g[i], w[i])
					break
				}
			}
		}
	}
}
