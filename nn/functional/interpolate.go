package functional

import (
	"fmt"
	"math"
	"slices"

	"github.com/gograd/gograd/internal/parallel"
	"github.com/gograd/gograd/tensor"
)

// InterpolateOptions are the arguments of Interpolate besides the input, under
// torch.nn.functional.interpolate's names. Exactly one of Size and ScaleFactor
// is given.
type InterpolateOptions struct {
	// Size is the output's spatial size: one value per spatial dim, or one for
	// all of them.
	Size []int
	// ScaleFactor multiplies each spatial size (the output has floor(in·scale)
	// elements): one value per spatial dim, or one for all.
	ScaleFactor []float64
	// Mode is "nearest" (the default, for ""), "nearest-exact" (nearest with
	// pixel centres aligned, as PIL and scikit-image resize), "linear" (3-d
	// inputs), "bilinear" (4-d inputs) or "trilinear" (5-d inputs).
	Mode string
	// AlignCorners aligns the centres of the corner elements of input and
	// output instead of their outer edges; only for "linear" and "bilinear".
	AlignCorners bool
	// RecomputeScaleFactor computes the scale from the output size it gives
	// (in/out) rather than using 1/ScaleFactor.
	RecomputeScaleFactor bool
}

// Interpolate resamples input (N, C, W), (N, C, H, W) or (N, C, D, H, W) to a
// new spatial size, as torch.nn.functional.interpolate with modes nearest,
// nearest-exact, linear, bilinear and trilinear:
// the same source indices and weights, computed in the input's precision as
// PyTorch 1.13's CPU kernels compute them. Its node is PyTorch's
// (UpsampleNearest2DBackward1, UpsampleBilinear2DBackward1, ...; a 3-d input
// passes two such nodes, one per resampling pass); its backward
// is the adjoint resampling, itself a node whose backward is Interpolate again,
// so gradients of every order exist. It panics on a mode that does not fit the
// input's dims, on both or neither of Size and ScaleFactor, and on
// AlignCorners with mode nearest.
func Interpolate(input *tensor.Tensor, o InterpolateOptions) *tensor.Tensor {
	const op = "Interpolate"
	floatInput(op, input)
	mode := o.Mode
	if mode == "" {
		mode = "nearest"
	}
	spatial := input.Dim() - 2
	switch {
	case spatial < 1 || spatial > 3:
		panic(tensor.Errorf("functional", op, "want an input (N, C, W), (N, C, H, W) or (N, C, D, H, W), got shape %v", input.Shape()))
	case mode == "linear" && spatial != 1, mode == "bilinear" && spatial != 2, mode == "trilinear" && spatial != 3:
		panic(tensor.Errorf("functional", op, "mode %s does not fit an input of shape %v", mode, input.Shape()))
	case mode != "nearest" && mode != "nearest-exact" && mode != "linear" && mode != "bilinear" && mode != "trilinear":
		panic(tensor.Errorf("functional", op, "unknown mode %q: want nearest, nearest-exact, linear, bilinear or trilinear", o.Mode))
	case o.AlignCorners && (mode == "nearest" || mode == "nearest-exact"):
		panic(tensor.Errorf("functional", op, "align_corners option can only be set with the interpolating modes: linear | bilinear | trilinear"))
	case (o.Size == nil) == (o.ScaleFactor == nil):
		panic(tensor.Errorf("functional", op, "want exactly one of Size and ScaleFactor, got %v and %v", o.Size, o.ScaleFactor))
	}
	in := input.Shape()[2:]
	out := make([]int, spatial)
	scales := make([]float64, spatial) // 0: none given to the kernel
	for d := range spatial {
		if o.Size != nil {
			out[d] = perDim(op, o.Size, d, spatial)
			continue
		}
		s := perDim(op, o.ScaleFactor, d, spatial)
		if !(s > 0) {
			panic(tensor.Errorf("functional", op, "scale factors must be positive, got %v", o.ScaleFactor))
		}
		out[d] = int(math.Floor(float64(in[d]) * s))
		if !o.RecomputeScaleFactor {
			scales[d] = s
		}
	}
	if slices.Min(out) < 1 {
		panic(tensor.Errorf("functional", op, "input of shape %v gives an empty output of spatial size %v", input.Shape(), out))
	}
	f32 := input.DType() == tensor.Float32
	tp := make([]taps, spatial)
	for d := range spatial {
		tp[d] = newTaps(mode, in[d], out[d], scales[d], o.AlignCorners, f32)
	}
	kind := map[string]string{"nearest": "Nearest", "nearest-exact": "NearestExact", "linear": "Linear", "bilinear": "Bilinear", "trilinear": "Trilinear"}[mode]
	name := fmt.Sprintf("Upsample%s%dDBackward1", kind, spatial)
	n, c := input.Size(0), input.Size(1)
	final := append(input.Shape()[:2:2], out...)
	switch spatial {
	case 1:
		return tensor.Apply(&interp{g: &interpGeom{name, n * c, 1, in[0], 1, out[0], identity(1), tp[0], input.Shape(), final}}, input)
	case 2:
		return tensor.Apply(&interp{g: &interpGeom{name, n * c, in[0], in[1], out[0], out[1], tp[0], tp[1], input.Shape(), final}}, input)
	}
	// 3-d: each depth slice resampled as an image, then each (n, c) volume along
	// the depth, its slices as rows: PyTorch's order of the weighted sums.
	mid := []int{n, c, in[0], out[1], out[2]}
	y := tensor.Apply(&interp{g: &interpGeom{name, n * c * in[0], in[1], in[2], out[1], out[2], tp[1], tp[2], input.Shape(), mid}}, input)
	hw := out[1] * out[2]
	return tensor.Apply(&interp{g: &interpGeom{name, n * c, in[0], hw, out[0], hw, tp[0], identity(hw), mid, final}}, y)
}

// identity returns the taps that copy n elements.
func identity(n int) taps {
	t := taps{i0: make([]int, n), i1: make([]int, n), l0: make([]float64, n), l1: make([]float64, n)}
	for i := range n {
		t.i0[i], t.i1[i], t.l0[i] = i, i, 1
	}
	return t
}

// perDim returns v's value for spatial dim d of n: v[d], or v[0] for all.
func perDim[T int | float64](op string, v []T, d, n int) T {
	switch len(v) {
	case 1:
		return v[0]
	case n:
		return v[d]
	}
	panic(tensor.Errorf("functional", op, "want 1 or %d sizes or scale factors, got %v", n, v))
}

// taps holds, per output index along one dim, the two source indices and their
// weights: out[o] = l0[o]·in[i0[o]] + l1[o]·in[i1[o]].
type taps struct {
	i0, i1 []int
	l0, l1 []float64
}

// newTaps returns the taps of mode along a dim of in elements resampled to out,
// with scale the user's scale factor (0: none), computed as PyTorch 1.13's CPU
// kernels do: nearest_idx in float32, area_pixel_compute_source_index and
// compute_indices_weights_linear in the input's precision (f32).
func newTaps(mode string, in, out int, scale float64, align, f32 bool) taps {
	t := taps{i0: make([]int, out), i1: make([]int, out), l0: make([]float64, out), l1: make([]float64, out)}
	round := func(v float64) float64 {
		if f32 {
			return float64(float32(v))
		}
		return v
	}
	if mode == "nearest" || mode == "nearest-exact" {
		s := float32(in) / float32(out)
		if scale > 0 {
			s = float32(1 / scale)
		}
		for o := range out {
			i := o
			switch {
			case mode == "nearest-exact": // floorf((o + 0.5)·scale), the product in double
				i = min(int(math.Floor(float64(float32((float64(o)+0.5)*float64(s))))), in-1)
			case out == 2*in:
				i = o >> 1
			case out != in:
				i = min(int(math.Floor(float64(float32(o)*s))), in-1)
			}
			t.i0[o], t.i1[o], t.l0[o] = i, i, 1
		}
		return t
	}
	var s float64
	switch {
	case align && out > 1:
		s = round(round(float64(in-1)) / round(float64(out-1)))
	case align:
		s = 0
	case scale > 0:
		s = round(1 / scale)
	default:
		s = round(round(float64(in)) / round(float64(out)))
	}
	for o := range out {
		var src float64
		if align {
			src = round(s * float64(o))
		} else {
			src = max(round(round(s*round(float64(o)+0.5))-0.5), 0)
		}
		i := int(src)
		l1 := min(max(round(src-float64(i)), 0), 1)
		t.i0[o], t.l1[o], t.l0[o] = i, l1, round(1-l1)
		t.i1[o] = i
		if i < in-1 {
			t.i1[o] = i + 1
		}
	}
	return t
}

// interpGeom is one Interpolate call: planes (N·C) of inH×inW resampled to
// outH×outW through the taps h and w (1-d inputs have one row).
type interpGeom struct {
	name                         string
	planes, inH, inW, outH, outW int
	h, w                         taps
	inShape, outShape            []int
}

// interp resamples its input, or with adjoint applies the adjoint resampling;
// each is the other's backward.
type interp struct {
	g       *interpGeom
	adjoint bool
}

func (f *interp) Name() string {
	if f.adjoint {
		return f.g.name[:len(f.g.name)-1] + "Backward1"
	}
	return f.g.name
}

func (f *interp) Forward(_ *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	g := f.g
	x := in[0].Contiguous()
	shape, kernel32, kernel64 := g.outShape, resample[float32], resample[float64]
	if f.adjoint {
		shape, kernel32, kernel64 = g.inShape, scatter[float32], scatter[float64]
	}
	y := x.DType().Zeros(shape...)
	if x.DType() == tensor.Float32 {
		kernel32(g, y.Float32s(), x.Float32s())
	} else {
		kernel64(g, y.Float64s(), x.Float64s())
	}
	return y
}

// Backward: the adjoint resampling of grad (for the adjoint, the resampling).
func (f *interp) Backward(_ *tensor.Context, grad *tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{tensor.Apply(&interp{f.g, !f.adjoint}, grad)}
}

// eachRow calls fn for each output row of each plane, in parallel over planes,
// with r0 and r1 the rows of the input plane x at that row's taps, h0 and h1
// their weights, and row the output row of y (1-d inputs have one row).
func eachRow[T float32 | float64](g *interpGeom, x, y []T, fn func(r0, r1, row []T, h0, h1 T)) {
	parallel.For(g.planes, max(1, 4096/max(1, g.outH*g.outW)), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			xp, yp := x[p*g.inH*g.inW:(p+1)*g.inH*g.inW], y[p*g.outH*g.outW:(p+1)*g.outH*g.outW]
			for oh := range g.outH {
				fn(xp[g.h.i0[oh]*g.inW:], xp[g.h.i1[oh]*g.inW:], yp[oh*g.outW:(oh+1)*g.outW], T(g.h.l0[oh]), T(g.h.l1[oh]))
			}
		}
	})
}

// resample sets each output row from the input rows at its taps, each the
// weighted sum along the row through the taps w, the rows' sums then weighted
// by h0 and h1, as PyTorch's separable kernel nests them.
func resample[T float32 | float64](g *interpGeom, y, x []T) {
	eachRow(g, x, y, func(r0, r1, row []T, h0, h1 T) {
		for ow := range row {
			a, b := g.w.i0[ow], g.w.i1[ow]
			w0, w1 := T(g.w.l0[ow]), T(g.w.l1[ow])
			v := w0 * r0[a]
			if w1 != 0 {
				v += w1 * r0[b]
			}
			if h1 != 0 {
				v = h0*v + h1*(w0*r1[a]+w1*r1[b])
			}
			row[ow] = v
		}
	})
}

// scatter adds each element of dy into dx at its taps, times their weights: the
// adjoint of resample.
func scatter[T float32 | float64](g *interpGeom, dx, dy []T) {
	eachRow(g, dx, dy, func(r0, r1, row []T, h0, h1 T) {
		for ow, v := range row {
			a, b := g.w.i0[ow], g.w.i1[ow]
			w0, w1 := T(g.w.l0[ow]), T(g.w.l1[ow])
			r0[a] += h0 * w0 * v
			r0[b] += h0 * w1 * v
			if h1 != 0 {
				r1[a] += h1 * w0 * v
				r1[b] += h1 * w1 * v
			}
		}
	})
}
