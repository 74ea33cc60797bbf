package transforms

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// golden is testdata/golden.json, written by testdata/gen_golden.py.
type golden struct {
	ToTensor struct {
		Shape  []int     `json:"shape"`
		Values []float64 `json:"values"`
	} `json:"to_tensor"`
	Normalize struct {
		Mean, Std, Values []float64
	} `json:"normalize"`
	Pad []struct {
		Mode    string    `json:"mode"`
		Padding []int     `json:"padding"` // left, top, right, bottom
		Fill    float64   `json:"fill"`
		Shape   []int     `json:"shape"`
		Values  []float64 `json:"values"`
	} `json:"pad"`
	Crop []struct {
		Top, Left, H, W int
		Shape           []int     `json:"shape"`
		Values          []float64 `json:"values"`
	} `json:"crop"`
	HFlip struct {
		Values []float64 `json:"values"`
	} `json:"hflip"`
}

// testImage returns gen_golden.py's image: bytes (37 i + 11) mod 256, (5, 6, 3).
func testImage() []uint8 {
	pix := make([]uint8, 5*6*3)
	for i := range pix {
		pix[i] = uint8((37*i + 11) % 256)
	}
	return pix
}

func load(t *testing.T) golden {
	t.Helper()
	b, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Pad) == 0 || len(g.Crop) == 0 || len(g.HFlip.Values) == 0 {
		t.Fatal("testdata/golden.json lacks a section")
	}
	return g
}

// same fails t unless got has the given shape and exactly the values want:
// every step is a copy or one float32 operation, rounded as torch rounds it.
func same(t *testing.T, what string, got *tensor.Tensor, shape []int, want []float64) {
	t.Helper()
	if !slices.Equal(got.Shape(), shape) || !slices.Equal(got.Values(), want) {
		t.Errorf("%s: got %v of shape %v, torchvision %v of shape %v", what, got.Values(), got.Shape(), want, shape)
	}
}

var modes = map[string]PaddingMode{"constant": Constant, "edge": Edge, "reflect": Reflect, "symmetric": Symmetric}

func TestMatchesTorchvision(t *testing.T) {
	g := load(t)
	img := ToTensor(testImage(), 5, 6, 3)
	same(t, "ToTensor", img, g.ToTensor.Shape, g.ToTensor.Values)
	same(t, "Normalize", Normalize(g.Normalize.Mean, g.Normalize.Std)(img, nil), g.ToTensor.Shape, g.Normalize.Values)
	for _, c := range g.Pad {
		p := Padding{c.Padding[0], c.Padding[1], c.Padding[2], c.Padding[3]}
		same(t, fmt.Sprintf("Pad %s %v", c.Mode, c.Padding), Pad(img, p, c.Fill, modes[c.Mode]), c.Shape, c.Values)
	}
	for _, c := range g.Crop {
		same(t, fmt.Sprintf("Crop(%d, %d, %d, %d)", c.Top, c.Left, c.H, c.W), Crop(img, c.Top, c.Left, c.H, c.W), c.Shape, c.Values)
	}
	same(t, "HFlip", HFlip(img), g.ToTensor.Shape, g.HFlip.Values)
	// A batch (N, C, H, W) is transformed image by image.
	batch := tensor.New(append(img.Values(), HFlip(img).Values()...), 2, 3, 5, 6).To(tensor.Float32)
	flipped := HFlip(batch).Values()
	same(t, "HFlip of a batch", HFlip(batch), []int{2, 3, 5, 6}, append(g.HFlip.Values, flipped[90:]...))
	if !slices.Equal(flipped[90:], img.Values()) {
		t.Error("HFlip of a batch: the second image is not the first flipped back")
	}
}

func TestFromImage(t *testing.T) {
	pix := testImage()
	want := ToTensor(pix, 5, 6, 3)
	rgba := image.NewNRGBA(image.Rect(10, 20, 16, 25)) // a sub-rectangle origin
	gray := image.NewGray(image.Rect(0, 0, 6, 5))
	for y := range 5 {
		for x := range 6 {
			k := (y*6 + x) * 3
			rgba.SetNRGBA(10+x, 20+y, color.NRGBA{pix[k], pix[k+1], pix[k+2], 128})
			gray.SetGray(x, y, color.Gray{pix[k]})
		}
	}
	same(t, "FromImage(NRGBA)", FromImage(rgba), []int{3, 5, 6}, want.Values())
	same(t, "FromImage(Gray)", FromImage(gray), []int{1, 5, 6}, want.Values()[:30])
}

func TestRandomCrop(t *testing.T) {
	img := ToTensor(testImage(), 5, 6, 3)
	crop := RandomCrop(4, 4, RandomCropOptions{Padding: PadAll(1), Mode: Reflect})
	padded := Pad(img, PadAll(1), 0, Reflect) // 7×8: tops 0..3, lefts 0..4
	seen := map[[2]int]int{}
	g := tensor.NewGenerator(1)
	for range 2000 {
		out := crop(img, g).Values()
		found := false
		for top := range 4 {
			for left := range 5 {
				if slices.Equal(out, Crop(padded, top, left, 4, 4).Values()) {
					seen[[2]int{top, left}]++
					found = true
				}
			}
		}
		if !found {
			t.Fatal("a crop is no 4×4 window of the padded image")
		}
	}
	// 20 places, 100 expected each (sd 9.7): all are reached, none far off.
	for place, n := range seen {
		if n < 50 || n > 150 {
			t.Errorf("window %v chosen %d times of 2000", place, n)
		}
	}
	if len(seen) != 20 {
		t.Errorf("%d of 20 windows reached", len(seen))
	}
	a := crop(img, tensor.NewGenerator(5))
	b := crop(img, tensor.NewGenerator(5))
	if !slices.Equal(a.Values(), b.Values()) {
		t.Error("the same seed cropped differently")
	}
	// PadIfNeeded pads a 5×6 image to reach 7×7; the whole image fits.
	out := RandomCrop(7, 7, RandomCropOptions{PadIfNeeded: true, Fill: -1})(img, g)
	if !slices.Equal(out.Shape(), []int{3, 7, 7}) {
		t.Errorf("PadIfNeeded: shape %v", out.Shape())
	}
	if err := tensor.Maybe(func() { RandomCrop(6, 6, RandomCropOptions{})(img, g) }); err == nil || !strings.Contains(err.Error(), "larger than input image size (5, 6)") {
		t.Errorf("crop too large: error %v", err)
	}
}

func TestRandomHorizontalFlip(t *testing.T) {
	img := ToTensor(testImage(), 5, 6, 3)
	flipped := HFlip(img).Values()
	g := tensor.NewGenerator(2)
	n := 0
	for range 1000 {
		if out := RandomHorizontalFlip(0.3)(img, g).Values(); slices.Equal(out, flipped) {
			n++
		} else if !slices.Equal(out, img.Values()) {
			t.Fatal("the output is neither the image nor its mirror")
		}
	}
	// Binomial(1000, 0.3): sd 14.5; 60 is over 4 sd.
	if n < 240 || n > 360 {
		t.Errorf("flipped %d of 1000 times with p = 0.3", n)
	}
}

func TestCompose(t *testing.T) {
	img := ToTensor(testImage(), 5, 6, 3)
	f := Compose(RandomHorizontalFlip(1), Normalize([]float64{0.5, 0.5, 0.5}, []float64{0.5, 0.5, 0.5}))
	want := Normalize([]float64{0.5, 0.5, 0.5}, []float64{0.5, 0.5, 0.5})(HFlip(img), nil)
	if !slices.Equal(f(img, nil).Values(), want.Values()) {
		t.Error("Compose did not flip, then normalise")
	}
}

func TestPanics(t *testing.T) {
	img := ToTensor(testImage(), 5, 6, 3)
	for _, c := range []struct {
		name string
		f    func()
		want string
	}{
		{"ToTensor size", func() { ToTensor(make([]uint8, 5), 2, 2, 1) }, "5 bytes"},
		{"zero std", func() { Normalize([]float64{0}, []float64{0}) }, "division by zero"},
		{"channels", func() { Normalize([]float64{0}, []float64{1})(img, nil) }, "does not have 1 channels"},
		{"reflect too wide", func() { Pad(img, PadAll(5), 0, Reflect) }, "too large"},
		{"negative", func() { Pad(img, Padding{Left: -1}, 0, Constant) }, "negative"},
		{"int image", func() { HFlip(tensor.Int64.Zeros(2, 2)) }, "float image"},
		{"1-d", func() { Crop(tensor.Zeros(4), 0, 0, 1, 1) }, "(..., H, W)"},
	} {
		if err := tensor.Maybe(c.f); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}
