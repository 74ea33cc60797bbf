package tensor

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// specialValues are inputs where rounding and math functions have edge cases:
// signed zeros, halves (ties of Round), infinities, NaN, subnormals, large values.
var specialValues = []float64{0, math.Copysign(0, -1), 0.5, -0.5, 1.5, -2.5, 2.5, 0.49999997, 1e-40, -1e-310,
	3.7, -3.7, 1e20, -1e20, 8388609.5, math.Inf(1), math.Inf(-1), math.NaN(), 2, 0.25, 123456.789}

// TestTypedUnaryMatchesMapF checks that every typed kernel in typedUnary, and
// mapP's kernels for ops with parameters, give, bit for bit, what their op
// computes through the float64 function it hands mapF, in float32 and float64,
// on contiguous and strided inputs.
func TestTypedUnaryMatchesMapF(t *testing.T) {
	ops := map[string]func(*Tensor) *Tensor{
		"Sqrt": (*Tensor).Sqrt, "Rsqrt": (*Tensor).Rsqrt, "Abs": (*Tensor).Abs, "Sign": (*Tensor).Sign,
		"Floor": (*Tensor).Floor, "Ceil": (*Tensor).Ceil, "Round": (*Tensor).Round, "Trunc": (*Tensor).Trunc,
		"Frac":  (*Tensor).Frac,
		"Expm1": (*Tensor).Expm1, "Log1p": (*Tensor).Log1p, "Log2": (*Tensor).Log2, "Log10": (*Tensor).Log10,
		"Tan": (*Tensor).Tan, "Asin": (*Tensor).Asin, "Acos": (*Tensor).Acos, "Atan": (*Tensor).Atan,
		"Sinh": (*Tensor).Sinh, "Cosh": (*Tensor).Cosh, "Asinh": (*Tensor).Asinh, "Erf": (*Tensor).Erf,
		"Erfc": (*Tensor).Erfc, "Erfinv": (*Tensor).Erfinv, "Sin": (*Tensor).Sin, "Cos": (*Tensor).Cos,
	}
	for name := range typedUnary {
		if ops[name] == nil {
			t.Fatalf("typedUnary has %s, which this test does not check", name)
		}
	}
	defer func() { useTypedUnary = true }()
	for name := range ops {
		if _, ok := typedUnary[name]; !ok {
			t.Fatalf("%s is not in typedUnary", name)
		}
	}
	// The ops with parameters (mapP's kernels).
	ops["Clamp"] = func(x *Tensor) *Tensor { return x.Clamp(-1, 2.5) }
	ops["Clamp/empty range"] = func(x *Tensor) *Tensor { return x.Clamp(1, -1) }
	ops["FmodScalar"] = func(x *Tensor) *Tensor { return x.FmodScalar(1.5) }
	ops["RemainderScalar"] = func(x *Tensor) *Tensor { return x.RemainderScalar(-1.5) }
	ops["NanToNum"] = func(x *Tensor) *Tensor { return x.NanToNum(0.5, math.Inf(1), -3) }
	for name, op := range ops {
		for _, dt := range []DType{Float32, Float64} {
			n := len(specialValues)
			x := dt.Zeros(n, 2)
			for i, v := range specialValues {
				x.setFlat(2*i, v)
				x.setFlat(2*i+1, -v)
			}
			for _, in := range []*Tensor{x, x.T()} {
				useTypedUnary = true
				got := op(in).Values()
				useTypedUnary = false
				want := op(in).Values()
				for i := range want {
					if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
						t.Errorf("%v %s element %d: typed kernel %v, float64 function %v", dt, name, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestRowIter checks that rowIter visits the elements of random layouts of
// one to four operands (broadcast zeros, negative strides, size-0 and size-1
// dims, up to iterDims+3 dims, so that layouts too long for its arrays are
// walked too) in row-major order, at the offsets their strides give.
func TestRowIter(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 0))
	big := 0
	for trial := range 3000 {
		nd := 1 + trial%(iterDims+3)
		shape := make([]int, nd)
		for i := range shape {
			shape[i] = []int{1, 2, 3, 2, 0}[r.IntN(5-b2i(trial%7 != 0))]
		}
		nops := 1 + trial%maxIterOps
		strides := make([][]int, nops)
		for o := range strides {
			st := contiguousStrides(shape)
			for i := range st {
				switch r.IntN(4) {
				case 0:
					st[i] = 0
				case 1:
					st[i] = -st[i]
				}
			}
			strides[o] = st
		}
		// The reference: every element's offsets, in row-major order.
		var want [][]int
		idx := make([]int, nd)
		for range numel(shape) {
			offs := make([]int, nops)
			for o := range offs {
				for d := range nd {
					offs[o] += idx[d] * strides[o][d]
				}
			}
			want = append(want, offs)
			for d := nd - 1; d >= 0; d-- {
				if idx[d]++; idx[d] < shape[d] {
					break
				}
				idx[d] = 0
			}
		}
		var it rowIter
		it.init(shape, strides...)
		if it.big != nil {
			big++
		}
		got := rowVisits(&it, nops)
		if len(got) != len(want) {
			t.Fatalf("shape %v strides %v: %d elements, want %d", shape, strides, len(got), len(want))
		}
		for e := range want {
			if !slices.Equal(got[e], want[e]) {
				t.Fatalf("shape %v strides %v: element %d at %v, want %v", shape, strides, e, got[e], want[e])
			}
		}
	}
	if big == 0 {
		t.Error("no layout was longer than rowIter's arrays")
	}
}

// TestInitInnerFirst checks that rowIter.initInnerFirst visits the elements of
// random layouts in the order of a stable sort of the dims by the first
// operand's strides, largest first by absolute value (ties of equal strides
// kept in order), for layouts short and long enough for its arrays.
func TestInitInnerFirst(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 0))
	for trial := range 2000 {
		nd := 1 + trial%(iterDims+2)
		shape := make([]int, nd)
		for i := range shape {
			shape[i] = 1 + r.IntN(3)
		}
		strides := [][]int{contiguousStrides(shape), make([]int, nd)}
		r.Shuffle(nd, func(i, j int) { strides[0][i], strides[0][j] = strides[0][j], strides[0][i] })
		for i := range strides[1] {
			strides[1][i] = r.IntN(3) - 1
			if r.IntN(3) == 0 {
				strides[0][i] = -strides[0][i]
			}
		}
		var got, want rowIter
		got.initInnerFirst(shape, strides...)
		cs, st := stableInnerFirst(shape, strides)
		want.init(cs, st...)
		g, w := rowVisits(&got, 2), rowVisits(&want, 2)
		if len(g) != len(w) {
			t.Fatalf("shape %v strides %v: %d elements, want %d", shape, strides, len(g), len(w))
		}
		for e := range w {
			if !slices.Equal(g[e], w[e]) {
				t.Fatalf("shape %v strides %v: element %d at %v, want %v", shape, strides, e, g[e], w[e])
			}
		}
	}
}

// stableInnerFirst is initInnerFirst's reordering done with the standard
// library's stable sort, as a reference.
func stableInnerFirst(shape []int, st [][]int) ([]int, [][]int) {
	p := make([]int, len(shape))
	for i := range p {
		p[i] = i
	}
	abs := func(v int) int { return max(v, -v) }
	slices.SortStableFunc(p, func(i, j int) int { return abs(st[0][j]) - abs(st[0][i]) })
	sh, out := make([]int, len(shape)), make([][]int, len(st))
	for o := range st {
		out[o] = make([]int, len(shape))
	}
	for i, d := range p {
		sh[i] = shape[d]
		for o := range st {
			out[o][i] = st[o][d]
		}
	}
	return sh, out
}

// rowVisits walks it to the end and returns each element's offsets in the
// nops operands, in the order visited.
func rowVisits(it *rowIter, nops int) (v [][]int) {
	for range it.rows {
		for i := range it.inner {
			offs := make([]int, nops)
			for o := range offs {
				offs[o] = it.off[o] + i*it.stride(o)
			}
			v = append(v, offs)
		}
		it.next()
	}
	return v
}
