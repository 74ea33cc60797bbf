package data_test

import (
	"fmt"

	"github.com/gograd/gograd/data"
	"github.com/gograd/gograd/tensor"
)

func ExampleLoader() {
	// Ten samples: inputs [i, 10i], targets i.
	x := tensor.New([]float32{0, 0, 1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60, 7, 70, 8, 80, 9, 90}, 10, 2)
	y := tensor.New([]int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	ds, err := data.NewTensorDataset(x, y)
	if err != nil {
		panic(err)
	}
	g := tensor.NewGenerator(1)
	parts := data.RandomSplit(ds, []int{8, 2}, g)
	train, test := parts[0], parts[1]
	loader := data.NewLoader(train, data.LoaderOptions{BatchSize: 3, Shuffle: true, Generator: g, Workers: 2})
	fmt.Println(loader.Len(), "batches a pass;", test.Len(), "test samples")
	for b := range loader.All() {
		inputs, targets := b[0], b[1]
		fmt.Println(inputs.Shape(), targets.Shape())
	}
	// Output:
	// 3 batches a pass; 2 test samples
	// [3 2] [3]
	// [3 2] [3]
	// [2 2] [2]
}

func ExampleCollate() {
	type sample struct{ Image, Label *tensor.Tensor }
	batch := data.Collate([]sample{
		{tensor.Zeros(1, 2, 2), tensor.New([]int64{3})},
		{tensor.Ones(1, 2, 2), tensor.New([]int64{5})},
	})
	fmt.Println(batch.Image.Shape(), batch.Label.Shape(), batch.Label.Values())
	// Output: [2 1 2 2] [2 1] [3 5]
}

func ExampleNewLoaderFunc() {
	// Sentences of different lengths (token ids), batched with a collate
	// function that pads them to the longest and keeps their lengths.
	sentences := sentences{{4, 7}, {1, 2, 3}, {9}}
	type batch struct {
		Tokens  *tensor.Tensor // (B, longest), padded with 0
		Lengths []int
	}
	pad := func(samples [][]int64) batch {
		longest := 0
		for _, s := range samples {
			longest = max(longest, len(s))
		}
		tokens := make([]int64, len(samples)*longest)
		b := batch{Lengths: make([]int, len(samples))}
		for i, s := range samples {
			copy(tokens[i*longest:], s)
			b.Lengths[i] = len(s)
		}
		b.Tokens = tensor.New(tokens, len(samples), longest)
		return b
	}
	for b := range data.NewLoaderFunc(sentences, pad, data.LoaderOptions{BatchSize: 2}).All() {
		fmt.Println(b.Tokens.Values(), b.Lengths)
	}
	// Output:
	// [4 7 0 1 2 3] [2 3]
	// [9] [1]
}

// sentences is a dataset of token sequences.
type sentences [][]int64

func (s sentences) Len() int          { return len(s) }
func (s sentences) Get(i int) []int64 { return s[i] }

func ExampleReadCSVFile() {
	// scikit-learn's iris.csv: a line of counts and class names, then four
	// measurements and the class index per row.
	ds, err := data.ReadCSVFile("testdata/iris.csv", data.CSVOptions{SkipLines: 1})
	if err != nil {
		panic(err)
	}
	fmt.Println(ds.Inputs.Shape(), ds.Targets.Shape(), ds.Targets.DType())
	fmt.Println(ds.Get(0)[0], ds.Get(0)[1])
	// Output:
	// [150 4] [150] int64
	// tensor([5.1000, 3.5000, 1.4000, 0.2000]) tensor(0)
}

func ExampleNewWeightedRandomSampler() {
	// Draw the rare class as often as the common one: weight each sample by
	// the inverse of its class's count.
	labels := []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 1}
	weights := make([]float64, len(labels))
	for i, l := range labels {
		if l == 1 {
			weights[i] = 1.0 / 1
		} else {
			weights[i] = 1.0 / 9
		}
	}
	s := data.NewWeightedRandomSampler(weights, 1000, true, tensor.NewGenerator(0))
	rare := 0
	for i := range s.All() {
		rare += labels[i]
	}
	fmt.Println(rare > 400 && rare < 600)
	// Output: true
}
