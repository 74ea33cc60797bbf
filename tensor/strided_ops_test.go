package tensor

import (
	"fmt"
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

// TestSelectingReductionsTyped checks that MaxDim, MinDim, Amax, Amin, Max and
// Min, which read a float tensor in place in its dtype, give bit for bit the
// values and indices of the float64 lane path (firstExtreme, laneMax, laneMin)
// that int64 tensors and the other selecting reductions take, on contiguous
// and transposed inputs holding NaN, ±Inf, ±0 and ties.
func TestSelectingReductionsTyped(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), 1, 1, -1, math.Inf(1), math.Inf(-1), 2.5, -2.5, math.NaN(), 3, 3}
	for _, dt := range []DType{Float32, Float64} {
		x := dt.Zeros(4, 6)
		for i := range 24 {
			x.setFlat(i, vals[(i*5)%len(vals)])
		}
		noNaN := x.NanToNum(7, math.Inf(1), math.Inf(-1))
		for _, in := range []*Tensor{x, x.T(), noNaN, noNaN.T(), noNaN.T().Narrow(1, 1, 3)} {
			for dim := range 2 {
				for _, keep := range []bool{false, true} {
					v1, i1 := in.MaxDim(dim, keep)
					v0, i0 := in.selectAlong("MaxDim", "MaxBackward0", dim, keep, 0, firstExtreme(1))
					sameBits(t, fmt.Sprintf("%v MaxDim(%d) of %v", dt, dim, in.Shape()), v1, v0, i1, i0)
					v1, i1 = in.MinDim(dim, keep)
					v0, i0 = in.selectAlong("MinDim", "MinBackward0", dim, keep, 0, firstExtreme(-1))
					sameBits(t, fmt.Sprintf("%v MinDim(%d) of %v", dt, dim, in.Shape()), v1, v0, i1, i0)
					sameBits(t, fmt.Sprintf("%v Amax(%d) of %v", dt, dim, in.Shape()),
						in.AmaxKeepDim(dim), in.extremeAll(amaxDef, "Amax", []int{dim}, true, 0, laneMax), nil, nil)
					sameBits(t, fmt.Sprintf("%v Amin(%d) of %v", dt, dim, in.Shape()),
						in.Amin(dim), in.extremeAll(aminDef, "Amin", []int{dim}, false, 0, laneMin), nil, nil)
				}
			}
			sameBits(t, fmt.Sprintf("%v Max of %v", dt, in.Shape()), in.Max(), in.extremeAll(maxAllDef, "Max", nil, false, 0, laneMax), nil, nil)
			sameBits(t, fmt.Sprintf("%v Min of %v", dt, in.Shape()), in.Min(), in.extremeAll(minAllDef, "Min", nil, false, 0, laneMin), nil, nil)
		}
	}
}

// sameBits reports where got and want (and their indices, when given) differ
// in shape or in any bit, NaNs of any payload counting as equal.
func sameBits(t *testing.T, what string, got, want, gotIdx, wantIdx *Tensor) {
	t.Helper()
	if !slices.Equal(got.Shape(), want.Shape()) {
		t.Errorf("%s: shape %v, want %v", what, got.Shape(), want.Shape())
		return
	}
	g, w := got.Values(), want.Values()
	for i := range w {
		if math.Float64bits(g[i]) != math.Float64bits(w[i]) && (g[i] == g[i] || w[i] == w[i]) {
			t.Errorf("%s: element %d is %v, want %v", what, i, g[i], w[i])
			return
		}
	}
	if gotIdx != nil && !slices.Equal(gotIdx.Int64s(), wantIdx.Int64s()) {
		t.Errorf("%s: indices %v, want %v", what, gotIdx.Int64s(), wantIdx.Int64s())
	}
}
