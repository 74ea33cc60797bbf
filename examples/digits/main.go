// Digits trains a small network on real data: scikit-learn's 8×8 handwritten
// digits (1,797 images, embedded in the program), a 64-32-10 MLP with Adam, fed
// by a shuffling data.Loader; then it saves the weights to a safetensors file,
// loads them into a fresh model and checks that it classifies the held-out
// images the same way.
package main

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/gograd/gograd/data"
	"github.com/gograd/gograd/examples/internal/eval"
	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/optim"
	"github.com/gograd/gograd/safetensors"
	"github.com/gograd/gograd/tensor"
)

//go:embed digits.csv.gz
var digitsCSV []byte

func main() {
	if _, _, err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "digits:", err)
		os.Exit(1)
	}
}

// run trains, evaluates, saves and reloads the model, printing its progress, and
// returns the held-out accuracy of the trained and of the reloaded model.
func run(out io.Writer) (trained, reloaded float64, err error) {
	images, labels, err := readDigits(digitsCSV)
	if err != nil {
		return 0, 0, err
	}
	// Hold out a fifth of the images, chosen at random, for testing.
	g := tensor.NewGenerator(0)
	perm := g.Perm(len(labels))
	nTest := len(labels) / 5
	train, err := subset(images, labels, perm[nTest:])
	if err != nil {
		return 0, 0, err
	}
	test, err := subset(images, labels, perm[:nTest])
	if err != nil {
		return 0, 0, err
	}
	fmt.Fprintf(out, "%d training and %d test images\n", train.Len(), test.Len())

	model := newModel(g)
	opt := optim.NewAdam(model.Parameters(), optim.AdamOptions{LR: 1e-2})
	loader := data.NewLoader(train, data.LoaderOptions{BatchSize: 32, Shuffle: true, Generator: g})
	for epoch := 1; epoch <= 20; epoch++ {
		total := 0.0
		for b := range loader.All() {
			x, y := b[0], b[1]
			loss := functional.CrossEntropy(model.Forward(x), y)
			loss.Backward()
			opt.Step()
			opt.ZeroGrad()
			total += loss.Item() * float64(y.Size(0))
		}
		if epoch%5 == 0 {
			fmt.Fprintf(out, "epoch %2d: training loss %.4f\n", epoch, total/float64(train.Len()))
		}
	}
	trained = eval.Accuracy(model, test)
	fmt.Fprintf(out, "test accuracy: %.1f %%\n", 100*trained)

	// Save the weights, load them into a model initialised differently, and check
	// that it gives the same accuracy.
	dir, err := os.MkdirTemp("", "digits")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "digits.safetensors")
	if err := safetensors.Save(path, nn.StateDict(model), map[string]string{"format": "pt"}); err != nil {
		return 0, 0, err
	}
	sd, _, err := safetensors.Load(path)
	if err != nil {
		return 0, 0, err
	}
	restored := newModel(tensor.NewGenerator(1))
	if err := nn.LoadStateDict(restored, sd); err != nil {
		return 0, 0, err
	}
	reloaded = eval.Accuracy(restored, test)
	fmt.Fprintf(out, "reloaded from %s: test accuracy %.1f %%\n", filepath.Base(path), 100*reloaded)
	return trained, reloaded, nil
}

func newModel(g *tensor.Generator) nn.Sequential {
	return nn.Sequential{
		nn.NewLinear(64, 32, nn.WithGenerator(g)), nn.ReLU{},
		nn.NewLinear(32, 10, nn.WithGenerator(g)),
	}
}

// readDigits parses the gzipped CSV: 64 pixel counts (0..16), scaled to [0, 1],
// then the label, per row.
func readDigits(gz []byte) (images [][]float32, labels []int64, err error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, nil, err
	}
	rows, err := csv.NewReader(zr).ReadAll()
	if err != nil {
		return nil, nil, err
	}
	for i, row := range rows {
		if len(row) != 65 {
			return nil, nil, fmt.Errorf("row %d has %d fields, want 65", i+1, len(row))
		}
		img := make([]float32, 64)
		for j, f := range row[:64] {
			v, err := strconv.Atoi(f)
			if err != nil {
				return nil, nil, fmt.Errorf("row %d: %w", i+1, err)
			}
			img[j] = float32(v) / 16
		}
		label, err := strconv.Atoi(row[64])
		if err != nil {
			return nil, nil, fmt.Errorf("row %d: %w", i+1, err)
		}
		images, labels = append(images, img), append(labels, int64(label))
	}
	return images, labels, nil
}

// subset returns the dataset of the images and labels at idx.
func subset(images [][]float32, labels []int64, idx []int) (data.TensorDataset, error) {
	x := make([]float32, 0, 64*len(idx))
	y := make([]int64, 0, len(idx))
	for _, i := range idx {
		x, y = append(x, images[i]...), append(y, labels[i])
	}
	return data.NewTensorDataset(tensor.New(x, len(idx), 64), tensor.New(y))
}
