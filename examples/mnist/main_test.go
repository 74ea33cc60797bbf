package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/gograd/gograd/examples/internal/curve"
)

// needData skips the test when Fashion-MNIST is not installed (apt-get install
// dataset-fashion-mnist); GOGRAD_REQUIRE_DATA=1 makes its absence a failure.
func needData(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(defaultDir); err != nil {
		if os.Getenv("GOGRAD_REQUIRE_DATA") == "1" {
			t.Fatalf("Fashion-MNIST is required but absent: %v", err)
		}
		t.Skipf("Fashion-MNIST is not installed (%v)", err)
	}
}

// TestTrainSteps trains 30 steps of 64 on the first 1,920 training images and
// checks that the loss falls and that the loss curves are saved as a PNG that
// decodes.
func TestTrainSteps(t *testing.T) {
	needData(t)
	var out bytes.Buffer
	png := filepath.Join(t.TempDir(), "loss.png")
	res, err := run(&out, options{dir: defaultDir, epochs: 1, limit: 1920, curve: png, every: 5})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	l := res.losses
	first, last := mean(l[:5]), mean(l[len(l)-5:])
	// Chance is ln 10 = 2.30; 30 steps of Adam at 1e-3 bring the MLP to about 1.
	if len(l) != 30 || !(last < 0.7*first) {
		t.Errorf("%d steps, mean loss of the first 5 %.3f, of the last 5 %.3f: want 30, and a fall below 70 %%", len(l), first, last)
	}
	if err := curve.Check(png); err != nil {
		t.Error(err)
	}
}

// TestFashionMNIST trains for one epoch on all of Fashion-MNIST. A plain Go MLP
// of the same size reaches 83.7 % after one epoch here (shared/DATA.md).
func TestFashionMNIST(t *testing.T) {
	needData(t)
	if testing.Short() {
		t.Skip("one epoch over 60,000 images; skipped with -short")
	}
	var out bytes.Buffer
	res, err := run(&out, options{dir: defaultDir, epochs: 1, every: 50})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	if res.accuracy < 0.80 {
		t.Errorf("test accuracy %.3f after one epoch, want at least 0.80", res.accuracy)
	}
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
