// Digits trains a small network on real data: scikit-learn's 8×8 handwritten
// digits (1,797 images, embedded in the program), a 64-32-10 MLP with Adam, fed
// by a data.Loader over a shuffling data.DistributedSampler; then it saves the
// weights to a safetensors file, loads them into a fresh model and checks that
// it classifies the held-out images the same way.
//
// It runs as one process (go run ./examples/digits) or as several that share
// each batch (mpirun -np 2 go run -tags mpi ./examples/digits), with the same
// result. Each epoch shows a progress bar on a terminal and ends with a line of
// its loss, time and throughput; the training and test loss curves are saved
// as a PNG (-curve, digits-loss.png by default).
package main

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/gograd/gograd/data"
	"github.com/gograd/gograd/distributed"
	"github.com/gograd/gograd/examples/internal/curve"
	"github.com/gograd/gograd/examples/internal/eval"
	"github.com/gograd/gograd/examples/internal/progress"
	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/nn/functional"
	"github.com/gograd/gograd/optim"
	"github.com/gograd/gograd/safetensors"
	"github.com/gograd/gograd/tensor"
)

//go:embed digits.csv.gz
var digitsCSV []byte

func main() {
	curvePath := flag.String("curve", "digits-loss.png", "where to save the loss curves as a PNG (empty: do not)")
	flag.Parse()
	if err := distributed.Init(); err != nil {
		fmt.Fprintln(os.Stderr, "digits:", err)
		os.Exit(1)
	}
	out := io.Writer(os.Stdout)
	if distributed.Rank() != 0 {
		out = io.Discard // one report, from rank 0
	}
	_, err := run(out, options{epochs: 20, curve: *curvePath})
	if ferr := distributed.Finalize(); err == nil {
		err = ferr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "digits:", err)
		os.Exit(1)
	}
}

// batchSize is the number of images per optimizer step, over all processes.
const batchSize = 32

// options configure a run.
type options struct {
	epochs int
	curve  string // the loss curves' PNG, written by rank 0; "" for none
}

// result is what a run measured.
type result struct {
	trained, reloaded float64   // held-out accuracy of the trained and of the reloaded model
	trainLoss         []float64 // mean training loss of each epoch, over every process
	testLoss          []float64 // held-out loss after each epoch
}

// run trains, evaluates, saves and reloads the model, printing its progress. It
// runs in the world distributed.Init made: with several processes, each trains
// on its share of every batch and DDP averages their gradients, so that every
// step sees the same 32 images, and computes the same update, as with one.
func run(out io.Writer, o options) (res result, err error) {
	images, labels, err := readDigits(digitsCSV)
	if err != nil {
		return res, err
	}
	// Hold out a fifth of the images, chosen at random, for testing.
	g := tensor.NewGenerator(0)
	perm := g.Perm(len(labels))
	nTest := len(labels) / 5
	trainIdx := perm[nTest:]
	test, err := subset(images, labels, perm[:nTest])
	if err != nil {
		return res, err
	}
	world, rank := distributed.WorldSize(), distributed.Rank()
	if batchSize%world != 0 {
		return res, fmt.Errorf("a batch of %d images does not split evenly over %d processes", batchSize, world)
	}
	fmt.Fprintf(out, "%d training and %d test images; %d process(es), %d images each per step\n",
		len(trainIdx), test.Len(), world, batchSize/world)

	// Every rank starts from rank 0's weights and sees its share of each epoch.
	model := distributed.NewDDP(newModel(g))
	opt := optim.NewAdam(model.Parameters(), optim.AdamOptions{LR: 1e-2})
	sampler := data.NewDistributedSampler(len(trainIdx), world, rank, data.DistributedSamplerOptions{Shuffle: true})
	curves := curve.New("digits: 64-32-10 MLP, Adam", "epoch", "cross-entropy")
	for epoch := 1; epoch <= o.epochs; epoch++ {
		var shard []int
		for _, i := range sampler.Indices(epoch) {
			shard = append(shard, trainIdx[i])
		}
		train, err := subset(images, labels, shard)
		if err != nil {
			return res, err
		}
		total := 0.0
		loop := progress.Start(out, fmt.Sprintf("epoch %2d/%d", epoch, o.epochs), world*len(shard), "img")
		for b := range data.NewLoader(train, data.LoaderOptions{BatchSize: batchSize / world}).All() {
			x, y := b[0], b[1]
			loss := functional.CrossEntropy(model.Forward(x), y)
			loss.Backward()
			opt.Step()
			opt.ZeroGrad()
			total += loss.Item() * float64(y.Size(0))
			loop.Step(loss.Item(), world*y.Size(0))
		}
		s := loop.Done()
		sum := tensor.Float64.Full(total, 1)
		distributed.AllReduce(sum, distributed.Sum)
		s.Loss, s.Items = sum.Item()/float64(world*sampler.Len()), world*len(shard)
		testLoss := eval.Loss(model.Module(), test)
		res.trainLoss, res.testLoss = append(res.trainLoss, s.Loss), append(res.testLoss, testLoss)
		curves.Add("training", float64(epoch), s.Loss)
		curves.Add("held out", float64(epoch), testLoss)
		fmt.Fprintf(out, "epoch %2d/%d: %v, held-out loss %.4f\n", epoch, o.epochs, s, testLoss)
	}
	res.trained = eval.Accuracy(model.Module(), test)
	fmt.Fprintf(out, "test accuracy: %.1f %%\n", 100*res.trained)
	if o.curve != "" && rank == 0 {
		if err := curves.Save(o.curve); err != nil {
			return res, err
		}
		fmt.Fprintf(out, "saved the loss curves to %s\n", o.curve)
	}

	// Rank 0 saves the weights; every rank loads them into a model initialised
	// differently and checks that it gives the same accuracy.
	var dir string
	if rank == 0 {
		if dir, err = os.MkdirTemp("", "digits"); err != nil {
			return res, err
		}
		defer os.RemoveAll(dir)
	}
	path := filepath.Join(distributed.BroadcastString(dir, 0), "digits.safetensors")
	err = distributed.SaveOnRank0(func() error {
		return safetensors.Save(path, nn.StateDict(model.Module()), map[string]string{"format": "pt"})
	})
	if err != nil {
		return res, err
	}
	sd, _, err := safetensors.Load(path)
	distributed.Barrier() // every rank has read the file before rank 0 removes it
	if err != nil {
		return res, err
	}
	restored := newModel(tensor.NewGenerator(1))
	if err := nn.LoadStateDict(restored, sd); err != nil {
		return res, err
	}
	res.reloaded = eval.Accuracy(restored, test)
	fmt.Fprintf(out, "reloaded from %s: test accuracy %.1f %%\n", filepath.Base(path), 100*res.reloaded)
	return res, nil
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
