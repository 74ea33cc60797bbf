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
	// inputs), "bilinear" and "bicubic" (4-d inputs), "trilinear" (5-d
	// inputs) or "area" (3-d and 4-d inputs: adaptive average pooling).
	Mode string
	// AlignCorners aligns the centres of the corner elements of input and
	// output instead of their outer edges; only for "linear" and "bilinear".
	AlignCorners bool
	// RecomputeScaleFactor computes the scale from the output size it gives
	// (in/out) rather than using 1/ScaleFactor.
	RecomputeScaleFactor bool
	// Antialias, with modes bilinear and bicubic, widens the filter by the
	// downscaling factor, so that each output averages every input it covers
	// (as PIL's resize); upsampling is as without it.
	Antialias bool
}

// Interpolate resamples input (N, C, W), (N, C, H, W) or (N, C, D, H, W) to a
// new spatial size, as torch.nn.functional.interpolate with modes nearest,
// nearest-exact, linear, bilinear, bicubic (Keys' cubic convolution, A = -0.75,
// edges clamped), trilinear, and area (AdaptiveAvgPool1d/2d, as PyTorch's),
// and antialiased bilinear and bicubic (UpsampleBilinear2DAaBackward1, ...):
// the same source indices and weights, computed in the input's precision as
// PyTorch 1.13's CPU kernels compute them. Its node is PyTorch's
// (UpsampleNearest2DBackward1, UpsampleBilinear2DBackward1, ...; a 3-d input
// passes two such nodes, one per resampling pass); its backward
// is the adjoint resampling, itself a node whose backward is Interpolate again,
// so gradients of every order exist (mode area's, the pooling's, only once).
// It panics on a mode that does not fit the input's dims, on both or neither
// of Size and ScaleFactor, and on AlignCorners with modes nearest and area.
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
	case mode == "linear" && spatial != 1, (mode == "bilinear" || mode == "bicubic") && spatial != 2, mode == "trilinear" && spatial != 3:
		panic(tensor.Errorf("functional", op, "mode %s does not fit an input of shape %v", mode, input.Shape()))
	case !slices.Contains([]string{"nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area"}, mode):
		panic(tensor.Errorf("functional", op, "unknown mode %q: want nearest, nearest-exact, linear, bilinear, bicubic, trilinear or area", o.Mode))
	case mode == "area" && spatial == 3:
		panic(tensor.Errorf("functional", op, "mode area takes 3-d or 4-d inputs, got shape %v", input.Shape()))
	case o.AlignCorners && (mode == "nearest" || mode == "nearest-exact" || mode == "area"):
		panic(tensor.Errorf("functional", op, "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear"))
	case o.Antialias && mode != "bilinear" && mode != "bicubic":
		panic(tensor.Errorf("functional", op, "Anti-alias option is only supported for bilinear and bicubic modes"))
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
	if mode == "area" {
		if spatial == 1 {
			return AdaptiveAvgPool1d(input, out[0])
		}
		return AdaptiveAvgPool2d(input, out[0], out[1])
	}
	f32 := input.DType() == tensor.Float32
	tp := make([]taps, spatial)
	for d := range spatial {
		if o.Antialias {
			tp[d] = antialiasTaps(mode == "bicubic", in[d], out[d], scales[d], o.AlignCorners, f32)
		} else {
			tp[d] = newTaps(mode, in[d], out[d], scales[d], o.AlignCorners, f32)
		}
	}
	kind := map[string]string{"nearest": "Nearest", "nearest-exact": "NearestExact", "linear": "Linear", "bilinear": "Bilinear", "bicubic": "Bicubic", "trilinear": "Trilinear"}[mode]
	if o.Antialias {
		kind += "2DAa"
	} else {
		kind += fmt.Sprint(spatial, "D")
	}
	name := "Upsample" + kind + "Backward1"
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

// taps holds, per output index o along one dim, k source indices and their
// weights: out[o] = Σ_j l[o·k+j]·in[i[o·k+j]], summed in order of j.
type taps struct {
	k int
	i []int
	l []float64
}

func newTapsOf(k, out int) taps { return taps{k: k, i: make([]int, k*out), l: make([]float64, k*out)} }

// identity returns the taps that copy n elements.
func identity(n int) taps {
	t := newTapsOf(1, n)
	for o := range n {
		t.i[o], t.l[o] = o, 1
	}
	return t
}

// newTaps returns the taps of mode along a dim of in elements resampled to out,
// with scale the user's scale factor (0: none), computed as PyTorch 1.13's CPU
// kernels do: nearest_idx in float32, area_pixel_compute_source_index,
// compute_indices_weights_linear and get_cubic_upsample_coefficients in the
// input's precision (f32).
func newTaps(mode string, in, out int, scale float64, align, f32 bool) taps {
	round := rounder(f32)
	if mode == "nearest" || mode == "nearest-exact" {
		t := newTapsOf(1, out)
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
			t.i[o], t.l[o] = i, 1
		}
		return t
	}
	s := pixelScale(in, out, scale, align, round)
	cubic := mode == "bicubic"
	t := newTapsOf(2, out)
	if cubic {
		t = newTapsOf(4, out)
	}
	for o := range out {
		src := round(s * float64(o))
		if !align {
			src = round(round(s*round(float64(o)+0.5)) - 0.5)
			if !cubic {
				src = max(src, 0)
			}
		}
		i := int(math.Floor(src))
		if !cubic {
			l1 := min(max(round(src-float64(i)), 0), 1)
			t.i[2*o], t.i[2*o+1], t.l[2*o], t.l[2*o+1] = i, i, round(1-l1), l1
			if i < in-1 {
				t.i[2*o+1] = i + 1
			}
			continue
		}
		for j, w := range cubicWeights(round(src-float64(i)), round) {
			t.i[4*o+j], t.l[4*o+j] = min(max(i-1+j, 0), in-1), w
		}
	}
	return t
}

// rounder returns the rounding to the kernel's precision: to float32 when f32.
func rounder(f32 bool) func(float64) float64 {
	if f32 {
		return func(v float64) float64 { return float64(float32(v)) }
	}
	return func(v float64) float64 { return v }
}

// pixelScale is PyTorch's area_pixel_compute_scale: the input distance between
// neighbouring outputs.
func pixelScale(in, out int, scale float64, align bool, round func(float64) float64) float64 {
	switch {
	case align && out > 1:
		return round(round(float64(in-1)) / round(float64(out-1)))
	case align:
		return 0
	case scale > 0:
		return round(1 / scale)
	}
	return round(round(float64(in)) / round(float64(out)))
}

// antialiasTaps returns the taps of antialiased bilinear (a triangle filter)
// or bicubic (cubic convolution with A = -0.5) resampling, as PyTorch 1.13's
// _compute_indices_weights_aa: the filter's support widened by the scale when
// downsampling, its weights over the inputs it covers normalised to sum 1;
// outputs covering fewer inputs than the widest get zero weights.
func antialiasTaps(cubic bool, in, out int, scale float64, align, f32 bool) taps {
	round := rounder(f32)
	s := pixelScale(in, out, scale, align, round)
	support, invscale := 1.0, 1.0
	filter := func(x float64) float64 { return max(0, round(1-math.Abs(x))) }
	if cubic {
		support = 2
		filter = func(x float64) float64 {
			const a = -0.5
			x = math.Abs(x)
			switch {
			case x < 1:
				return round(round(round(round((a+2)*x)-(a+3))*x*x) + 1)
			case x < 2:
				return round(round(round(round(round(x-5)*x)+8)*x)-4) * a
			}
			return 0
		}
	}
	if s >= 1 {
		support, invscale = round(support*s), round(1/s)
	}
	lo, size := make([]int, out), make([]int, out)
	k := 1
	for o := range out {
		c := center(s, o, round)
		lo[o] = max(int(round(c-support+0.5)), 0)
		size[o] = min(int(round(c+support+0.5)), in) - lo[o]
		k = max(k, size[o])
	}
	t := newTapsOf(k, out)
	for o := range out {
		w := t.l[o*k : (o+1)*k]
		var total float64
		for j := range size[o] {
			w[j] = filter(round(round(round(float64(j+lo[o])-center(s, o, round))+0.5) * invscale))
			total = round(total + w[j])
		}
		for j := range k {
			t.i[o*k+j] = min(lo[o]+j, in-1)
			if j < size[o] && total != 0 {
				w[j] = round(w[j] / total)
			}
		}
	}
	return t
}

// center returns the input position of output o's centre: scale·(o + ½).
func center(s float64, o int, round func(float64) float64) float64 {
	return round(s * round(float64(o)+0.5))
}

// cubicWeights returns the weights of the four neighbours i-1..i+2 of a source
// position i+x, 0 ≤ x < 1, for the cubic convolution with A = -0.75 (Keys),
// as PyTorch's get_cubic_upsample_coefficients, each step rounded by round.
func cubicWeights(x float64, round func(float64) float64) [4]float64 {
	const a = -0.75
	conv1 := func(x float64) float64 { // |x| ≤ 1: ((A+2)x - (A+3))x² + 1
		return round(round(round(round(round((a+2)*x)-(a+3))*x)*x) + 1)
	}
	conv2 := func(x float64) float64 { // 1 < |x| < 2: ((Ax - 5A)x + 8A)x - 4A
		return round(round(round(round(round(round(a*x)-5*a)*x)+8*a)*x) - 4*a)
	}
	return [4]float64{conv2(round(x + 1)), conv1(x), conv1(round(1 - x)), conv2(round(round(1-x) + 1))}
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

// eachPlane runs fn over the planes, in parallel, with xp and yp the input and
// output plane and tmp scratch of one output row, one per goroutine.
func eachPlane[T float32 | float64](g *interpGeom, x, y []T, fn func(xp, yp, tmp []T)) {
	in, out := g.inH*g.inW, g.outH*g.outW
	parallel.For(g.planes, max(1, 4096/max(1, out)), func(lo, hi int) {
		tmp := make([]T, g.outW)
		for p := lo; p < hi; p++ {
			fn(x[p*in:(p+1)*in], y[p*out:(p+1)*out], tmp)
		}
	})
}

// typed returns the weights of t in the kernel's precision (exact: they were
// computed in it).
func typed[T float32 | float64](t taps) []T {
	out := make([]T, len(t.l))
	for i, v := range t.l {
		out[i] = T(v)
	}
	return out
}

// alongRow sets tmp[o] to Σ_j w[o·k+j]·src[idx[o·k+j]], the sum in order of j.
func alongRow[T float32 | float64](tmp, src []T, idx []int, w []T, k int) {
	switch k {
	case 1:
		for o := range tmp {
			tmp[o] = w[o] * src[idx[o]]
		}
	case 2:
		for o := range tmp {
			j := 2 * o
			tmp[o] = w[j]*src[idx[j]] + w[j+1]*src[idx[j+1]]
		}
	default:
		for o := range tmp {
			j := k * o
			s := w[j] * src[idx[j]]
			for t := 1; t < k; t++ {
				s += w[j+t] * src[idx[j+t]]
			}
			tmp[o] = s
		}
	}
}

// resample sets each output element to Σ_th h·Σ_tw w·x over its row taps th
// and column taps tw, the weighted sums nested as PyTorch's generic kernel
// nests them.
func resample[T float32 | float64](g *interpGeom, y, x []T) {
	kh := g.h.k
	hw, ww := typed[T](g.h), typed[T](g.w)
	eachPlane(g, x, y, func(xp, yp, tmp []T) {
		for oh := range g.outH {
			row := yp[oh*g.outW : (oh+1)*g.outW]
			for th, r := range g.h.i[oh*kh : (oh+1)*kh] {
				h := hw[oh*kh+th]
				if kh == 1 && h == 1 {
					alongRow(row, xp[r*g.inW:(r+1)*g.inW], g.w.i, ww, g.w.k)
					continue
				}
				alongRow(tmp, xp[r*g.inW:(r+1)*g.inW], g.w.i, ww, g.w.k)
				if th == 0 {
					for o, v := range tmp {
						row[o] = h * v
					}
				} else {
					for o, v := range tmp {
						row[o] += h * v
					}
				}
			}
		}
	})
}

// scatter adds each element of dy into dx at its taps, times their weights: the
// adjoint of resample.
func scatter[T float32 | float64](g *interpGeom, dx, dy []T) {
	kh, kw := g.h.k, g.w.k
	hw, ww := typed[T](g.h), typed[T](g.w)
	eachPlane(g, dx, dy, func(xp, yp, _ []T) {
		for oh := range g.outH {
			grad := yp[oh*g.outW : (oh+1)*g.outW]
			for th, r := range g.h.i[oh*kh : (oh+1)*kh] {
				scatterRow(xp[r*g.inW:(r+1)*g.inW], grad, g.w.i, ww, kw, hw[oh*kh+th])
			}
		}
	})
}

// scatterRow adds h·w[o·k+j]·grad[o] into dst[idx[o·k+j]]: the adjoint of
// alongRow, scaled by h.
func scatterRow[T float32 | float64](dst, grad []T, idx []int, w []T, k int, h T) {
	switch k {
	case 1:
		for o, v := range grad {
			dst[idx[o]] += h * w[o] * v
		}
	case 2:
		for o, v := range grad {
			j := 2 * o
			dst[idx[j]] += h * w[j] * v
			dst[idx[j+1]] += h * w[j+1] * v
		}
	default:
		for o, v := range grad {
			for j := k * o; j < k*(o+1); j++ {
				dst[idx[j]] += h * w[j] * v
			}
		}
	}
}
