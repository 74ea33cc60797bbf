// Fashion trains a small CNN on Fashion-MNIST (two conv-bn-relu-pool blocks,
// dropout, two linear layers), shows a progress bar on a terminal, prints each
// epoch's loss, time, throughput and test accuracy, saves the loss curves as a
// PNG, and saves the weights as safetensors with PyTorch's state-dict names
// (buffers included), so that torch's load_file + load_state_dict reads them
// into the same model written in PyTorch. The data is Debian's
// dataset-fashion-mnist package (see shared/DATA.md).
//
//	go run ./examples/fashion [-data /usr/share/datasets/fashion-mnist] [-epochs 4] [-out fashion.safetensors] [-curve fashion-loss.png]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gograd/gograd/data"
	"github.com/gograd/gograd/examples/internal/curve"
	"github.com/gograd/gograd/examples/internal/progress"
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
	curvePath := flag.String("curve", "fashion-loss.png", "where to save the loss curves as a PNG (empty: do not)")
	flag.Parse()
	train, test, err := loadSplits(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fashion:", err)
		os.Exit(1)
	}
	model := newModel(tensor.NewGenerator(0))
	fmt.Println(nn.Summary(model))
	o := fitOptions{epochs: *epochs, batch: 64, every: 50, curve: *curvePath}
	if _, err := fit(os.Stdout, model, train, test, o, tensor.NewGenerator(1)); err != nil {
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

// fitOptions configure fit.
type fitOptions struct {
	epochs, batch int
	every         int    // the training curve's points are means over this many steps
	curve         string // the loss curves' PNG; "" for none
}

// fitResult is what fit measured.
type fitResult struct {
	accuracy float64   // on the test set after the last epoch
	losses   []float64 // the loss of every step
}

// fit trains model with Adam, showing a progress bar on a terminal and printing
// a line per epoch, and saves the loss curves.
func fit(out io.Writer, model *Net, train, test data.TensorDataset, o fitOptions, g *tensor.Generator) (res fitResult, err error) {
	opt := optim.NewAdam(model.Parameters(), optim.AdamOptions{LR: 1e-3})
	loader := data.NewLoader(train, data.LoaderOptions{BatchSize: o.batch, Shuffle: true, Generator: g})
	curves := curve.New("Fashion-MNIST CNN, Adam", "step", "cross-entropy")
	window := 0.0
	for epoch := 1; epoch <= o.epochs; epoch++ {
		nn.Train(model)
		loop := progress.Start(out, fmt.Sprintf("epoch %d/%d", epoch, o.epochs), train.Len(), "img")
		for b := range loader.All() {
			x, y := b[0], b[1]
			loss := functional.CrossEntropy(model.Forward(x), y)
			l := loss.Item()
			loss.Backward()
			opt.Step()
			opt.ZeroGrad()
			loop.Step(l, y.Size(0))
			res.losses = append(res.losses, l)
			if window += l; len(res.losses)%o.every == 0 {
				curves.Add(fmt.Sprintf("training (mean of %d steps)", o.every), float64(len(res.losses)), window/float64(o.every))
				window = 0
			}
		}
		s := loop.Done()
		var testLoss float64
		res.accuracy, testLoss = evaluate(model, test)
		curves.Add("test", float64(len(res.losses)), testLoss)
		fmt.Fprintf(out, "epoch %d/%d: %v, test loss %.4f, test accuracy %.2f %%\n", epoch, o.epochs, s, testLoss, 100*res.accuracy)
	}
	if o.curve != "" {
		if err := curves.Save(o.curve); err != nil {
			return res, err
		}
		fmt.Fprintf(out, "saved the loss curves to %s\n", o.curve)
	}
	return res, nil
}

// evaluate returns the fraction of ds that model classifies correctly and its
// mean loss, in evaluation mode and batches of 500, without recording a graph.
func evaluate(model *Net, ds data.TensorDataset) (accuracy, loss float64) {
	nn.Eval(model)
	defer nn.Train(model)
	correct := 0
	loader := data.NewLoader(ds, data.LoaderOptions{BatchSize: 500})
	tensor.NoGrad(func() {
		for b := range loader.All() {
			x, y := b[0], b[1]
			logits := model.Forward(x)
			loss += functional.CrossEntropy(logits, y).Item() * float64(y.Size(0))
			pred := logits.Argmax(1).Int64s()
			for i, label := range y.Int64s() {
				if pred[i] == label {
					correct++
				}
			}
		}
	})
	n := float64(ds.Len())
	return float64(correct) / n, loss / n
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
