package data

import (
	"iter"
	"math"
	"reflect"
	"sync"

	"github.com/gograd/gograd/tensor"
)

// LoaderOptions configures a Loader, as DataLoader's arguments do. The zero value
// of each field is PyTorch's default, except BatchSize, which must be set unless
// BatchSampler is.
type LoaderOptions struct {
	BatchSize int
	// Shuffle draws a new order of the samples for each pass, from Generator.
	// Sampler and Shuffle exclude each other.
	Shuffle bool
	// Sampler chooses the samples of a pass and their order; nil means all, in
	// order (or shuffled with Shuffle).
	Sampler Sampler
	// BatchSampler gives the indices of each batch; it excludes BatchSize,
	// Shuffle, Sampler and DropLast.
	BatchSampler BatchSampler
	// DropLast leaves out the last batch when it is smaller than BatchSize.
	DropLast bool
	// Generator is what Shuffle and a RandomDataset draw from,
	// tensor.DefaultGenerator() if nil.
	Generator *tensor.Generator
	// Workers is the number of goroutines that load batches ahead of the
	// consumer (DataLoader's num_workers); 0 loads each batch on the consumer's
	// goroutine when it is needed. The batches and their order do not depend
	// on Workers. Workers that wait (reading files) help at any count; workers
	// that compute (decoding, augmenting) share the CPUs with the training
	// step, so more than runtime.NumCPU()-1 of them gains nothing.
	Workers int
	// PrefetchFactor is the number of batches each worker loads ahead, 2 if 0.
	PrefetchFactor int
}

// Loader cuts a Dataset into batches: the counterpart of
// torch.utils.data.DataLoader. It fetches the samples of each batch with the
// dataset's Get and merges them with a collate function (Collate unless made by
// NewLoaderFunc), in the order its batch sampler gives, optionally on worker
// goroutines that work ahead of the consumer. T is the sample type, B the batch
// type.
type Loader[T, B any] struct {
	ds       Dataset[T]
	random   RandomDataset[T] // ds, if it is one
	collate  func([]T) B
	fast     func([]int) B // batchFunc(ds), with the default collate
	batches  BatchSampler
	gen      *tensor.Generator
	workers  int
	prefetch int
}

// NewLoader returns a Loader over ds that batches samples with Collate, so that a
// batch has the sample's type (a []*tensor.Tensor{x, y} sample gives a
// []*tensor.Tensor{X, Y} batch). It panics with a *tensor.Error if the options are
// inconsistent (a non-positive BatchSize without BatchSampler, Shuffle with a
// Sampler, negative Workers) or if Collate cannot batch T.
func NewLoader[T any](ds Dataset[T], opts LoaderOptions) *Loader[T, T] {
	if err := CanCollate(reflect.TypeFor[T]()); err != nil {
		panic(err)
	}
	l := NewLoaderFunc(ds, Collate[T], opts)
	if l.random == nil {
		l.fast = batchFunc(ds)
	}
	return l
}

// NewLoaderFunc returns a Loader over ds that merges the samples of each batch
// with collate (DataLoader's collate_fn), for batches that are not the samples
// stacked: padded sequences, a batch with its lengths. With Workers, collate runs
// on the worker goroutines and must be safe for concurrent use. It panics as
// NewLoader does.
func NewLoaderFunc[T, B any](ds Dataset[T], collate func(samples []T) B, opts LoaderOptions) *Loader[T, B] {
	l := &Loader[T, B]{ds: ds, collate: collate, gen: opts.Generator, workers: opts.Workers, prefetch: opts.PrefetchFactor}
	if l.gen == nil {
		l.gen = tensor.DefaultGenerator()
	}
	if r, ok := ds.(RandomDataset[T]); ok {
		l.random = r
	}
	if opts.Workers < 0 || opts.PrefetchFactor < 0 {
		fail("NewLoader", "Workers %d and PrefetchFactor %d must not be negative", opts.Workers, opts.PrefetchFactor)
	}
	if l.prefetch == 0 {
		l.prefetch = 2
	}
	if opts.BatchSampler != nil {
		if opts.BatchSize != 0 || opts.Shuffle || opts.Sampler != nil || opts.DropLast {
			fail("NewLoader", "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last")
		}
		l.batches = opts.BatchSampler
		return l
	}
	if opts.BatchSize <= 0 {
		fail("NewLoader", "batch_size should be a positive integer value, but got batch_size=%d", opts.BatchSize)
	}
	s := opts.Sampler
	switch {
	case s != nil && opts.Shuffle:
		fail("NewLoader", "sampler option is mutually exclusive with shuffle")
	case s == nil && opts.Shuffle:
		s = NewRandomSampler(ds.Len(), RandomSamplerOptions{Generator: l.gen})
	case s == nil:
		s = SequentialSampler{ds.Len()}
	}
	l.batches = NewBatchSampler(s, opts.BatchSize, opts.DropLast)
	return l
}

// Len returns the number of batches in one pass.
func (l *Loader[T, B]) Len() int { return l.batches.Len() }

// All returns an iterator over one pass of the dataset, in batches. Each call
// draws a new order when the sampler is random. With Workers, the batches are
// loaded ahead by worker goroutines, at most Workers·PrefetchFactor at a time,
// and come out in the sampler's order; when the loop stops early (break, return,
// a panic), All stops the workers and waits for them before it returns. A panic
// while loading a batch is raised again on the consumer's goroutine when that
// batch is due.
func (l *Loader[T, B]) All() iter.Seq[B] {
	return func(yield func(B) bool) {
		var base uint64
		if l.random != nil {
			// One draw per pass, then a seed per batch from it: the same
			// sequence whatever goroutine loads which batch.
			base = uint64(l.gen.Intn(math.MaxInt))
		}
		if l.workers == 0 {
			k := uint64(0)
			for idx := range l.batches.All() {
				if !yield(l.load(idx, base, k)) {
					return
				}
				k++
			}
			return
		}
		l.parallel(yield, base)
	}
}

// load returns batch k of a pass, the samples at idx.
func (l *Loader[T, B]) load(idx []int, base, k uint64) B {
	if l.fast != nil {
		return l.fast(idx)
	}
	samples := make([]T, len(idx))
	if l.random != nil {
		g := tensor.NewGenerator(splitmix64(base + k*0x9e3779b97f4a7c15))
		for j, i := range idx {
			samples[j] = l.random.GetRandom(i, g)
		}
	} else {
		for j, i := range idx {
			samples[j] = l.ds.Get(i)
		}
	}
	return l.collate(samples)
}

// splitmix64 is the output function of SplitMix64 (Steele, Lea and Flood,
// 2014): consecutive inputs give unrelated seeds.
func splitmix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// loaded is a batch a worker loaded, or the panic that loading it raised.
type loaded[B any] struct {
	batch    B
	panicked any
}

// job is a batch for a worker to load: batch k of the pass, the samples idx,
// delivered on out (buffered, so that a worker never waits for the consumer).
type job[B any] struct {
	idx []int
	k   uint64
	out chan loaded[B]
}

// parallel runs one pass with l.workers goroutines loading batches ahead.
func (l *Loader[T, B]) parallel(yield func(B) bool, base uint64) {
	depth := l.workers * l.prefetch
	// jobs never blocks a send: it holds at most the batches pending, ≤ depth.
	jobs := make(chan job[B], depth)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range l.workers {
		wg.Go(func() {
			for j := range jobs {
				select {
				case <-done:
					continue // drain without loading
				default:
				}
				j.out <- l.guardedLoad(j.idx, base, j.k)
			}
		})
	}
	defer func() {
		close(done)
		close(jobs)
		wg.Wait()
	}()
	var pending []chan loaded[B] // in batch order
	next := func() bool {
		r := <-pending[0]
		pending = pending[1:]
		if r.panicked != nil {
			panic(r.panicked)
		}
		return yield(r.batch)
	}
	k := uint64(0)
	for idx := range l.batches.All() {
		if len(pending) == depth && !next() {
			return
		}
		out := make(chan loaded[B], 1)
		jobs <- job[B]{idx, k, out}
		pending = append(pending, out)
		k++
	}
	for len(pending) > 0 {
		if !next() {
			return
		}
	}
}

// guardedLoad is load, with a panic returned instead of raised.
func (l *Loader[T, B]) guardedLoad(idx []int, base, k uint64) (r loaded[B]) {
	defer func() {
		if p := recover(); p != nil {
			r.panicked = p
		}
	}()
	return loaded[B]{batch: l.load(idx, base, k)}
}
