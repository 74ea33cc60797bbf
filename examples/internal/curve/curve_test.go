package curve

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestSave draws two series and checks that the file is a PNG of 6×4 inches
// at gonum's default 96 dpi.
func TestSave(t *testing.T) {
	c := New("loss", "step", "loss")
	for i := range 10 {
		c.Add("train", float64(i), 1/float64(i+1))
		c.Add("test", float64(i), 1.2/float64(i+1))
	}
	path := filepath.Join(t.TempDir(), "loss.png")
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	if err := Check(path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 576 || b.Dy() != 384 {
		t.Errorf("image is %v, want 576×384", b)
	}
	if err := os.WriteFile(path, []byte("not a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	if Check(path) == nil {
		t.Error("Check accepted a file that is not a PNG")
	}
}
