// Package transforms holds image augmentation and conversion for training
// data, as functions on tensors: the counterparts of torchvision.transforms
// (ToTensor, Normalize, RandomCrop, RandomHorizontalFlip, Compose) and of the
// functions in torchvision.transforms.functional they are built from (Pad,
// Crop, HFlip), with torchvision 0.14's semantics. FromImage converts a Go
// image.Image, as image/png and image/jpeg decode it.
//
// # Overview
//
// An image is a float tensor of shape (..., H, W), usually (C, H, W). A
// Transform maps an image to a new one, drawing any random choice from the
// generator it is given; data.Map applies one to each sample of a dataset, with
// a generator that the data.Loader seeds per batch, so that augmentation is the
// same for a seed whatever the number of workers:
//
//	augment := transforms.Compose(
//		transforms.RandomCrop(28, 28, transforms.RandomCropOptions{Padding: transforms.PadAll(2)}),
//		transforms.RandomHorizontalFlip(0.5),
//		transforms.Normalize([]float64{0.2860}, []float64{0.3530}),
//	)
//	train := data.Map(ds, func(s []*tensor.Tensor, g *tensor.Generator) []*tensor.Tensor {
//		return []*tensor.Tensor{augment(s[0], g), s[1]}
//	})
//
// The random draws come from gograd's generator, not torch's: the same seed does
// not give torchvision's crops, but every deterministic step matches
// torchvision's output.
//
// # Panics
//
// An image of fewer than 2 dims, a non-float image, a crop larger than the
// padded image, padding that a mode cannot give (reflect needs padding smaller
// than the image) and a zero std panic with a *tensor.Error.
package transforms

import (
	"image"
	"image/color"
	"math"

	"github.com/gograd/gograd/tensor"
)

func fail(op, format string, args ...any) {
	panic(tensor.Errorf("transforms", op, format, args...))
}

// Transform maps an image to a new image; g is where it draws random choices
// from (tensor.DefaultGenerator() if nil).
type Transform func(img *tensor.Tensor, g *tensor.Generator) *tensor.Tensor

// Compose returns the transform that applies ts in order
// (torchvision.transforms.Compose).
func Compose(ts ...Transform) Transform {
	return func(img *tensor.Tensor, g *tensor.Generator) *tensor.Tensor {
		for _, t := range ts {
			img = t(img, g)
		}
		return img
	}
}

// ToTensor converts an image of h×w pixels with c channels each, stored
// row by row as uint8 values (h, w, c), to a float32 tensor (c, h, w) of values
// in [0, 1], each byte divided by 255 (torchvision's ToTensor of a uint8 array).
// It panics if len(pix) is not h·w·c.
func ToTensor(pix []uint8, h, w, c int) *tensor.Tensor {
	if h < 0 || w < 0 || c < 0 || len(pix) != h*w*c {
		fail("ToTensor", "%d bytes do not make an image of %d×%d pixels with %d channels", len(pix), h, w, c)
	}
	out := make([]float32, len(pix))
	for y := range h {
		for x := range w {
			for k := range c {
				out[(k*h+y)*w+x] = float32(pix[(y*w+x)*c+k]) / 255
			}
		}
	}
	return tensor.FromSlice(out, c, h, w)
}

// FromImage converts a Go image to a float32 tensor of values in [0, 1], as
// ToTensor converts its bytes: a *image.Gray gives (1, H, W), any other image
// (3, H, W), its red, green and blue without alpha (non-premultiplied, as
// PIL's convert("RGB") keeps them). 16-bit images are rounded to 8 bits first,
// as torchvision reads 8-bit pixels.
func FromImage(img image.Image) *tensor.Tensor {
	b := img.Bounds()
	h, w := b.Dy(), b.Dx()
	if g, ok := img.(*image.Gray); ok {
		pix := make([]uint8, 0, h*w)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			pix = append(pix, g.Pix[g.PixOffset(b.Min.X, y):g.PixOffset(b.Max.X, y)]...)
		}
		return ToTensor(pix, h, w, 1)
	}
	pix := make([]uint8, 0, h*w*3)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			pix = append(pix, c.R, c.G, c.B)
		}
	}
	return ToTensor(pix, h, w, 3)
}

// Normalize returns the transform that sets each channel c of an image
// (..., C, H, W) to (x - mean[c]) / std[c], in the image's dtype
// (torchvision's Normalize). It is recorded in the graph if the image requires
// grad. The transform panics if the image's channel count differs from
// len(mean); Normalize panics if mean and std differ in length or a std is 0.
func Normalize(mean, std []float64) Transform {
	if len(mean) != len(std) {
		fail("Normalize", "%d means and %d stds", len(mean), len(std))
	}
	for _, s := range std {
		if s == 0 {
			fail("Normalize", "std evaluated to zero, leading to division by zero")
		}
	}
	return func(img *tensor.Tensor, _ *tensor.Generator) *tensor.Tensor {
		checkImage("Normalize", img)
		if img.Dim() < 3 || img.Size(-3) != len(mean) {
			fail("Normalize", "image of shape %v does not have %d channels (..., C, H, W)", img.Shape(), len(mean))
		}
		m := img.DType().Zeros(len(mean), 1, 1).Copy_(tensor.New(mean))
		s := img.DType().Zeros(len(std), 1, 1).Copy_(tensor.New(std))
		return img.Sub(m).Div(s)
	}
}

// RandomHorizontalFlip returns the transform that flips an image left to right
// with probability p (torchvision's RandomHorizontalFlip): it draws u uniform
// in [0, 1) and flips if u < p.
func RandomHorizontalFlip(p float64) Transform {
	return func(img *tensor.Tensor, g *tensor.Generator) *tensor.Tensor {
		if uniform(gen(g)) < p {
			return HFlip(img)
		}
		return img
	}
}

// RandomCropOptions configures RandomCrop; the zero value is torchvision's
// default: no padding.
type RandomCropOptions struct {
	// Padding is added around the image before cropping.
	Padding Padding
	// PadIfNeeded pads an image narrower (shorter) than the crop by the
	// difference on both sides, as torchvision does.
	PadIfNeeded bool
	// Fill is the value of constant padding.
	Fill float64
	// Mode is how padding is filled.
	Mode PaddingMode
}

// RandomCrop returns the transform that pads an image as opts says and cuts
// an h×w window out of it at a random place (torchvision's RandomCrop): the top
// row drawn uniform in [0, H-h], then the left column in [0, W-w], none if the
// padded image is h×w. The transform panics if the padded image is smaller than
// h×w.
func RandomCrop(h, w int, opts RandomCropOptions) Transform {
	if h <= 0 || w <= 0 {
		fail("RandomCrop", "size (%d, %d) must be positive", h, w)
	}
	return func(img *tensor.Tensor, g *tensor.Generator) *tensor.Tensor {
		checkImage("RandomCrop", img)
		if opts.Padding != (Padding{}) {
			img = Pad(img, opts.Padding, opts.Fill, opts.Mode)
		}
		if d := w - img.Size(-1); opts.PadIfNeeded && d > 0 {
			img = Pad(img, Padding{Left: d, Right: d}, opts.Fill, opts.Mode)
		}
		if d := h - img.Size(-2); opts.PadIfNeeded && d > 0 {
			img = Pad(img, Padding{Top: d, Bottom: d}, opts.Fill, opts.Mode)
		}
		ih, iw := img.Size(-2), img.Size(-1)
		if ih < h || iw < w {
			fail("RandomCrop", "required crop size (%d, %d) is larger than input image size (%d, %d)", h, w, ih, iw)
		}
		if ih == h && iw == w {
			return img
		}
		g = gen(g)
		top := g.Intn(ih - h + 1)
		left := g.Intn(iw - w + 1)
		return Crop(img, top, left, h, w)
	}
}

func gen(g *tensor.Generator) *tensor.Generator {
	if g == nil {
		return tensor.DefaultGenerator()
	}
	return g
}

// uniform returns a float64 uniform in [0, 1) with 53 random bits.
func uniform(g *tensor.Generator) float64 {
	return float64(g.Intn(1<<53)) / (1 << 53)
}

// checkImage panics unless img is a float tensor of at least 2 dims.
func checkImage(op string, img *tensor.Tensor) {
	if img.Dim() < 2 || !img.DType().IsFloat() {
		fail(op, "expected a float image of shape (..., H, W), got %v of shape %v", img.DType(), img.Shape())
	}
}

// Padding is the number of pixels added on each side of an image.
type Padding struct{ Left, Top, Right, Bottom int }

// PadAll returns the padding of n pixels on every side (torchvision's
// padding=n).
func PadAll(n int) Padding { return Padding{n, n, n, n} }

// PaddingMode is how Pad fills the pixels it adds (torchvision's
// padding_mode).
type PaddingMode int

const (
	// Constant pads with the fill value.
	Constant PaddingMode = iota
	// Edge repeats the pixel on the edge.
	Edge
	// Reflect mirrors the image without repeating the edge: 2 1 | 0 1 2 3.
	Reflect
	// Symmetric mirrors the image, repeating the edge: 1 0 | 0 1 2 3.
	Symmetric
)

// Pad returns img (..., H, W) with p added around it, filled as mode says
// (torchvision.transforms.functional.pad). It panics if a padding is negative,
// or, for Reflect, not smaller than the image's size along it (Symmetric: not
// larger).
func Pad(img *tensor.Tensor, p Padding, fill float64, mode PaddingMode) *tensor.Tensor {
	checkImage("Pad", img)
	h, w := img.Size(-2), img.Size(-1)
	if p.Left < 0 || p.Top < 0 || p.Right < 0 || p.Bottom < 0 {
		fail("Pad", "padding %+v must not be negative", p)
	}
	limit := func(n int) int { // the largest padding mode allows on a side of n
		switch mode {
		case Reflect:
			return max(n-1, 0)
		case Symmetric:
			return n
		case Edge:
			if n == 0 {
				return 0
			}
		}
		return math.MaxInt
	}
	if max(p.Left, p.Right) > limit(w) || max(p.Top, p.Bottom) > limit(h) {
		fail("Pad", "padding %+v is too large for mode %d and an image of shape %v", p, mode, img.Shape())
	}
	rows := padIndex(h, p.Top, p.Bottom, mode)
	cols := padIndex(w, p.Left, p.Right, mode)
	return remap(img, rows, cols, fill)
}

// padIndex returns, for each of the before+n+after positions of a padded axis,
// the source position along the axis of n, or -1 for the fill value.
func padIndex(n, before, after int, mode PaddingMode) []int {
	out := make([]int, before+n+after)
	for i := range out {
		k := i - before
		switch {
		case k >= 0 && k < n:
		case mode == Constant:
			k = -1
		case mode == Edge:
			k = min(max(k, 0), n-1)
		case mode == Reflect:
			if k < 0 {
				k = -k
			} else {
				k = 2*(n-1) - k
			}
		case mode == Symmetric:
			if k < 0 {
				k = -k - 1
			} else {
				k = 2*n - 1 - k
			}
		}
		out[i] = k
	}
	return out
}

// Crop returns the h×w window of img (..., H, W) whose top-left pixel is (top,
// left), as a new tensor (torchvision.transforms.functional.crop); where the
// window reaches outside the image it holds zeros, as torchvision's does.
func Crop(img *tensor.Tensor, top, left, h, w int) *tensor.Tensor {
	checkImage("Crop", img)
	if h < 0 || w < 0 {
		fail("Crop", "size (%d, %d) must not be negative", h, w)
	}
	return remap(img, window(img.Size(-2), top, h), window(img.Size(-1), left, w), 0)
}

// window returns the source positions start..start+n-1 along an axis of size
// size, -1 for those outside it.
func window(size, start, n int) []int {
	out := make([]int, n)
	for i := range out {
		if k := start + i; k >= 0 && k < size {
			out[i] = k
		} else {
			out[i] = -1
		}
	}
	return out
}

// HFlip returns img (..., H, W) flipped left to right, as a new tensor
// (torchvision.transforms.functional.hflip).
func HFlip(img *tensor.Tensor) *tensor.Tensor {
	checkImage("HFlip", img)
	h, w := img.Size(-2), img.Size(-1)
	cols := make([]int, w)
	for j := range cols {
		cols[j] = w - 1 - j
	}
	return remap(img, window(h, 0, h), cols, 0)
}

// remap returns the tensor (..., len(rows), len(cols)) whose pixel (i, j) of
// each image is img's pixel (rows[i], cols[j]), or fill where either is -1.
func remap(img *tensor.Tensor, rows, cols []int, fill float64) *tensor.Tensor {
	img = img.Contiguous()
	shape := img.Shape()
	d := len(shape)
	h, w := shape[d-2], shape[d-1]
	n := 1 // images
	for _, s := range shape[:d-2] {
		n *= s
	}
	shape[d-2], shape[d-1] = len(rows), len(cols)
	if img.DType() == tensor.Float32 {
		return tensor.FromSlice(remapValues(img.Float32s(), n, h, w, rows, cols, float32(fill)), shape...)
	}
	return tensor.FromSlice(remapValues(img.Float64s(), n, h, w, rows, cols, fill), shape...)
}

// remapValues is remap on the values src of n images of h×w.
func remapValues[T float32 | float64](src []T, n, h, w int, rows, cols []int, fill T) []T {
	out := make([]T, 0, n*len(rows)*len(cols))
	for b := range n {
		img := src[b*h*w : (b+1)*h*w]
		for _, r := range rows {
			for _, c := range cols {
				if r < 0 || c < 0 {
					out = append(out, fill)
				} else {
					out = append(out, img[r*w+c])
				}
			}
		}
	}
	return out
}
