// Fashion trains a small CNN on Fashion-MNIST (two conv-bn-relu-pool blocks,
// dropout, two linear layers), prints each epoch's loss, time, throughput and
// test accuracy, and saves the weights as safetensors with PyTorch's state-dict
// names (buffers included), so that torch's load_file + load_state_dict reads
// them into the same model written in PyTorch. The data is Debian's
// dataset-fashion-mnist package (see shared/DATA.md).
//
//	go run ./examples/fashion [-data /usr/share/datasets/fashion-mnist] [-epochs 4] [-out fashion.safetensors]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gograd/gograd/data"
	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/optim"
	"github.com/gograd/gograd/safetensors"
	"github.com/gograd/gograd/tensor"
)

const defaultDir = "/usr/share/datasets/fashion-mnist"

// The mean and standard deviation of Fashion-MNIST's training pixels in [0, 1].
const pixelMean, pixelStd = 0.2860, 0.3530

func main() {
	dir := flag.String("data", defaultDir, "folder holding {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]")
	epochs := flag.Int("epochs", 4, "passes over the training set")
	out := flag.String("out", "fashion.safetensors", "where to save the trained weights (empty: do not save)")
	flag.Parse()
	train, test, err := loadSplits(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fashion:", err)
		os.Exit(1)
	}
	model := newModel(tensor.NewGenerator(0))
	fmt.Println(nn.Summary(model))
	if _, err := fit(os.Stdout, model, train, test, *epochs, tensor.NewGenerator(1)); err != nil {
		fmt.Fprintln(os.Stderr, "fashion:", err)
		os.Exit(1)
	}
	if *out != "" {
		if err := safetensors.Save(*out, nn.StateDict(model), map[string]string{"format": "pt"}); err != nil {
			fmt.Fprintln(os.Stderr, "fashion:", err)
			os.Exit(1)
		}
		fmt.Println("saved the weights to", *out)
	}
}

// Net is the CNN: Features maps (N, 1, 28, 28) to (N, 64, 7, 7), Classifier the
// flattened features to 10 logits.
type Net struct {
	Features   nn.Sequential
	Classifier nn.Sequential
}

func newModel(g *tensor.Generator) *Net {
	o := nn.WithGenerator(g)
	return &Net{
		Features: nn.Sequential{
			nn.NewConv2d(1, 32, 3, nn.WithPadding(1), o), nn.NewBatchNorm2d(32), nn.ReLU{}, nn.NewMaxPool2d(2),
			nn.NewConv2d(32, 64, 3, nn.WithPadding(1), o), nn.NewBatchNorm2d(64), nn.ReLU{}, nn.NewMaxPool2d(2),
		},
		Classifier: nn.Sequential{
			&nn.Dropout{P: 0.25, Generator: g}, nn.NewLinear(64*7*7, 128, o), nn.ReLU{},
			&nn.Dropout{P: 0.25, Generator: g}, nn.NewLinear(128, 10, o),
		},
	}
}

// Forward returns the logits of a batch x (N, 1, 28, 28).
func (n *Net) Forward(x *tensor.Tensor) *tensor.Tensor {
	return n.Classifier.Forward(nn.Flatten{}.Forward(n.Features.Forward(x)))
}

// Parameters returns the parameters of both parts.
func (n *Net) Parameters() []*tensor.Tensor { return nn.Parameters(n) }

// NamedChildren names the parts as PyTorch would name the attributes.
func (n *Net) NamedChildren() []nn.NamedModule {
	return []nn.NamedModule{{Name: "features", Module: n.Features}, {Name: "classifier", Module: n.Classifier}}
}

// fit trains model for the given epochs with Adam, batches of 64, printing a line
// per epoch, and returns the final test accuracy.
func fit(out io.Writer, model *Net, train, test data.TensorDataset, epochs int, g *tensor.Generator) (float64, error) {
	opt := optim.NewAdam(model.Parameters(), optim.AdamOptions{LR: 1e-3})
	loader := data.NewLoader(train, data.LoaderOptions{BatchSize: 64, Shuffle: true, Generator: g})
	acc := 0.0
	for epoch := 1; epoch <= epochs; epoch++ {
		start := time.Now()
		nn.Train(model)
		var sum float64
		var steps int
		for b := range loader.All() {
			x, y := b[0], b[1]
			loss := functional.CrossEntropy(model.Forward(x), y)
			sum += loss.Item()
			steps++
			loss.Backward()
			opt.Step()
			opt.ZeroGrad()
		}
		took := time.Since(start)
		acc = accuracy(model, test)
		fmt.Fprintf(out, "epoch %d: train loss %.4f, %.1f s (%.0f images/s), test accuracy %.2f %%\n",
			epoch, sum/float64(steps), took.Seconds(), float64(train.Len())/took.Seconds(), 100*acc)
	}
	return acc, nil
}

// accuracy returns the fraction of ds that model classifies correctly, in
// evaluation mode and batches of 500, without recording a graph.
func accuracy(model *Net, ds data.TensorDataset) float64 {
	nn.Eval(model)
	defer nn.Train(model)
	correct := 0
	loader := data.NewLoader(ds, data.LoaderOptions{BatchSize: 500})
	tensor.NoGrad(func() {
		for b := range loader.All() {
			x, y := b[0], b[1]
			pred := model.Forward(x).Argmax(1).Int64s()
			for i, label := range y.Int64s() {
				if pred[i] == label {
					correct++
				}
			}
		}
	})
	return float64(correct) / float64(ds.Len())
}

func loadSplits(dir string) (train, test data.TensorDataset, err error) {
	if train, err = load(dir, "train"); err != nil {
		return
	}
	test, err = load(dir, "t10k")
	return
}

// load reads the images of one split as (n, 1, 28, 28), normalised by the
// training set's mean and standard deviation, and their labels.
func load(dir, split string) (data.TensorDataset, error) {
	images, err := readIDX(filepath.Join(dir, split+"-images-idx3-ubyte"), tensor.Float32)
	if err != nil {
		return data.TensorDataset{}, err
	}
	labels, err := readIDX(filepath.Join(dir, split+"-labels-idx1-ubyte"), tensor.Int64)
	if err != nil {
		return data.TensorDataset{}, err
	}
	if images.Dim() != 3 || images.Size(1) != 28 || images.Size(2) != 28 {
		return data.TensorDataset{}, fmt.Errorf("%s images have shape %v, want (n, 28, 28)", split, images.Shape())
	}
	pixels := images.Contiguous().Float32s()
	for i := range pixels {
		pixels[i] = (pixels[i]/255 - pixelMean) / pixelStd
	}
	return data.NewTensorDataset(tensor.FromSlice(pixels, images.Size(0), 1, 28, 28), labels)
}

// readIDX reads path, or path.gz if path does not exist.
func readIDX(path string, dt tensor.DType) (*tensor.Tensor, error) {
	if _, err := os.Stat(path); err != nil {
		path += ".gz"
	}
	return data.ReadIDXFile(path, dt)
}
