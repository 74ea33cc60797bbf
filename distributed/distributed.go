package distributed

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/gograd/gograd/tensor"
)

func fail(op, format string, args ...any) {
	panic(tensor.Errorf("distributed", op, format, args...))
}

// ReduceOp is how AllReduce and ReduceScatter combine the ranks' values (the
// counterpart of torch.distributed.ReduceOp).
type ReduceOp int

// The reductions. Avg is the sum divided by the world size; it needs a float
// tensor.
const (
	Sum ReduceOp = iota
	Avg
	Max
	Min
	Product
)

// String returns the reduction's name as PyTorch prints it ("SUM", "AVG", ...).
func (op ReduceOp) String() string {
	switch op {
	case Sum:
		return "SUM"
	case Avg:
		return "AVG"
	case Max:
		return "MAX"
	case Min:
		return "MIN"
	case Product:
		return "PRODUCT"
	}
	return fmt.Sprintf("ReduceOp(%d)", int(op))
}

// Options adjusts Init.
type Options struct {
	// SkipShapeCheck leaves out the exchange that lets every collective detect
	// ranks calling it with different dtypes, shapes, roots or ops (see the
	// package doc). Without the check such a mismatch is MPI's undefined
	// behaviour.
	SkipShapeCheck bool
}

// world is the state Init sets up. The fields are written by Init and Finalize
// under mu and read under it.
var world struct {
	mu          sync.Mutex
	initialized bool
	finalized   bool
	rank, size  int
	checked     bool
	queue       chan func()    // work for the communication goroutine
	stopped     chan error     // Finalize's result, sent when the goroutine ends
	pending     sync.WaitGroup // submitted work not yet run
}

// Init joins the world of processes mpirun started (with -tags mpi), or makes a
// world of this process alone (without). It must be called once, before any
// other function of the package, and paired with Finalize. It returns an error
// if MPI fails to start or Init was called before.
func Init(opts ...Options) error {
	var o Options
	if len(opts) > 1 {
		fail("Init", "at most one Options, got %d", len(opts))
	}
	if len(opts) == 1 {
		o = opts[0]
	}
	world.mu.Lock()
	defer world.mu.Unlock()
	if world.initialized || world.finalized {
		return errors.New("distributed: Init: already initialized")
	}
	type started struct {
		rank, size int
		err        error
	}
	ready := make(chan started)
	queue := make(chan func(), 64)
	stopped := make(chan error, 1)
	go func() {
		// Every MPI call happens on this goroutine's OS thread; see "Threads".
		runtime.LockOSThread()
		rank, size, err := backendInit()
		ready <- started{rank, size, err}
		if err != nil {
			return // the thread stays locked and ends with the goroutine
		}
		for f := range queue {
			f()
		}
		stopped <- backendFinalize()
	}()
	s := <-ready
	if s.err != nil {
		return fmt.Errorf("distributed: Init: %w", s.err)
	}
	world.initialized = true
	world.rank, world.size = s.rank, s.size
	world.checked = !o.SkipShapeCheck
	world.queue, world.stopped = queue, stopped
	return nil
}

// IsInitialized reports whether Init has succeeded and Finalize has not been
// called.
func IsInitialized() bool {
	world.mu.Lock()
	defer world.mu.Unlock()
	return world.initialized
}

// Finalize waits for the collectives already submitted, then leaves the world
// (MPI_Finalize, which waits for the other ranks to finalize too). Calling it
// again, or without Init, does nothing.
func Finalize() error {
	world.mu.Lock()
	if !world.initialized {
		world.mu.Unlock()
		return nil
	}
	world.initialized, world.finalized = false, true
	queue, stopped := world.queue, world.stopped
	world.mu.Unlock()
	world.pending.Wait()
	close(queue)
	if err := <-stopped; err != nil {
		return fmt.Errorf("distributed: Finalize: %w", err)
	}
	return nil
}

// Rank returns this process's rank, from 0 to WorldSize()-1. It panics before
// Init.
func Rank() int { return current("Rank").rank }

// WorldSize returns the number of processes. It panics before Init.
func WorldSize() int { return current("WorldSize").size }

type snapshot struct {
	rank, size int
	checked    bool
	queue      chan func()
}

// current returns the world's state for op, panicking outside Init/Finalize.
func current(op string) snapshot {
	world.mu.Lock()
	defer world.mu.Unlock()
	if !world.initialized {
		fail(op, "the process group is not initialized: call distributed.Init first")
	}
	return snapshot{world.rank, world.size, world.checked, world.queue}
}

// Work is a collective that has been submitted and may not have finished (the
// counterpart of torch.distributed's Work). Its tensors must not be read or
// written until Wait returns.
type Work struct {
	op   string
	done chan struct{}
	err  error
}

// Wait blocks until the collective has finished. It panics with a
// *tensor.Error if MPI reported an error.
func (w *Work) Wait() {
	<-w.done
	if w.err != nil {
		fail(w.op, "%v", w.err)
	}
}

// submit queues f on the communication goroutine.
func submit(w snapshot, op string, f func() error) *Work {
	work := &Work{op: op, done: make(chan struct{})}
	world.pending.Add(1)
	w.queue <- func() {
		defer world.pending.Done()
		work.err = f()
		close(work.done)
	}
	return work
}

// run submits f and waits for it.
func run(w snapshot, op string, f func() error) { submit(w, op, f).Wait() }

// Barrier blocks until every rank has called it.
func Barrier() {
	w := current("Barrier")
	run(w, "Barrier", backendBarrier)
}

// AllReduce combines t's values across all ranks with op and leaves the result
// in t on every rank (all_reduce). t must have the same dtype and shape on every
// rank. It panics if op is Avg and t is not a float tensor.
func AllReduce(t *tensor.Tensor, op ReduceOp) { AllReduceAsync(t, op).Wait() }

// AllReduceAsync submits AllReduce and returns at once; t holds the result
// after Wait (all_reduce with async_op=True).
func AllReduceAsync(t *tensor.Tensor, op ReduceOp) *Work {
	w := current("AllReduce")
	checkOp(w, "AllReduce", t, op)
	return submit(w, "AllReduce", w.guard("AllReduce", t, 0, op, w.allReduce(t, op)))
}

// allReduce returns the all-reduce of t, to run on the communication goroutine.
func (w snapshot) allReduce(t *tensor.Tensor, op ReduceOp) func() error {
	return func() error {
		return inPlace(t, func(c *tensor.Tensor) error { return reduceInPlace(w, c, op) })
	}
}

// reduceInPlace all-reduces the contiguous tensor c with op, dividing by the
// world size for Avg. It runs on the communication goroutine.
func reduceInPlace(w snapshot, c *tensor.Tensor, op ReduceOp) error {
	if err := backendAllReduce(c, op); err != nil {
		return err
	}
	if op == Avg {
		divide(c, w.size)
	}
	return nil
}

// Broadcast copies t's values on rank src into t on every other rank
// (broadcast).
func Broadcast(t *tensor.Tensor, src int) {
	w := current("Broadcast")
	w.checkRoot("Broadcast", src)
	checkTensor("Broadcast", "tensor", t)
	run(w, "Broadcast", w.guard("Broadcast", t, src, Sum, func() error {
		return inPlace(t, func(c *tensor.Tensor) error { return backendBroadcast(c, src) })
	}))
}

// AllGather puts every rank's src, in rank order, into dst on every rank
// (all_gather_into_tensor). dst has src's dtype and either src's shape with the
// first dim multiplied by WorldSize, or shape (WorldSize, src's shape...).
func AllGather(dst, src *tensor.Tensor) {
	w := current("AllGather")
	checkStacked(w, "AllGather", dst, src)
	run(w, "AllGather", w.guard("AllGather", src, 0, Sum, func() error {
		s := src.Contiguous()
		return inPlace(dst, func(d *tensor.Tensor) error { return backendAllGather(d, s) })
	}))
}

// ReduceScatter combines src across ranks with op and leaves in dst the rank's
// chunk of the result: src is WorldSize chunks of dst's size, and rank r gets
// the reduction of every rank's chunk r (reduce_scatter_tensor). src's shape
// relates to dst's as AllGather's dst to its src.
func ReduceScatter(dst, src *tensor.Tensor, op ReduceOp) {
	w := current("ReduceScatter")
	checkStacked(w, "ReduceScatter", src, dst)
	checkOp(w, "ReduceScatter", dst, op)
	run(w, "ReduceScatter", w.guard("ReduceScatter", dst, 0, op, func() error {
		s := src.Contiguous()
		return inPlace(dst, func(d *tensor.Tensor) error {
			if err := backendReduceScatter(d, s, op); err != nil {
				return err
			}
			if op == Avg {
				divide(d, w.size)
			}
			return nil
		})
	}))
}

// Gather puts every rank's src, in rank order, into dst on rank root (gather).
// dst is used only on root, where it is shaped as for AllGather; other ranks may
// pass nil.
func Gather(dst, src *tensor.Tensor, root int) {
	w := current("Gather")
	w.checkRoot("Gather", root)
	if w.rank == root {
		checkStacked(w, "Gather", dst, src)
	} else {
		checkTensor("Gather", "src", src)
	}
	run(w, "Gather", w.guard("Gather", src, root, Sum, func() error {
		s := src.Contiguous()
		if w.rank != root {
			return backendGather(nil, s, root)
		}
		return inPlace(dst, func(d *tensor.Tensor) error { return backendGather(d, s, root) })
	}))
}

// Scatter sends chunk r of src on rank root into dst on rank r (scatter). src
// is used only on root, where it is shaped as AllGather's dst for dst; other
// ranks may pass nil.
func Scatter(dst, src *tensor.Tensor, root int) {
	w := current("Scatter")
	w.checkRoot("Scatter", root)
	if w.rank == root {
		checkStacked(w, "Scatter", src, dst)
	} else {
		checkTensor("Scatter", "dst", dst)
	}
	run(w, "Scatter", w.guard("Scatter", dst, root, Sum, func() error {
		var s *tensor.Tensor
		if w.rank == root {
			s = src.Contiguous()
		}
		return inPlace(dst, func(d *tensor.Tensor) error { return backendScatter(d, s, root) })
	}))
}

// inPlace calls f with a contiguous tensor of t's values and leaves the values f
// wrote in t.
func inPlace(t *tensor.Tensor, f func(c *tensor.Tensor) error) error {
	c := t.Contiguous()
	if err := f(c); err != nil {
		return err
	}
	if c != t {
		tensor.NoGrad(func() { t.Copy_(c) })
	}
	return nil
}

// divide divides the float tensor c by n in place.
func divide(c *tensor.Tensor, n int) {
	switch c.DType() {
	case tensor.Float32:
		divideSlice(c.Float32s(), float32(n))
	case tensor.Float64:
		divideSlice(c.Float64s(), float64(n))
	}
}

func divideSlice[T float32 | float64](s []T, n T) {
	for i := range s {
		s[i] /= n
	}
}

func checkTensor(op, name string, t *tensor.Tensor) {
	if t == nil {
		fail(op, "%s is nil", name)
	}
}

func checkOp(w snapshot, op string, t *tensor.Tensor, rop ReduceOp) {
	checkTensor(op, "tensor", t)
	if rop < Sum || rop > Product {
		fail(op, "unknown reduction %v", rop)
	}
	if rop == Avg && !t.DType().IsFloat() {
		fail(op, "AVG needs a float tensor, got dtype %v (shape %v)", t.DType(), t.Shape())
	}
}

func (w snapshot) checkRoot(op string, root int) {
	if root < 0 || root >= w.size {
		fail(op, "root rank %d is out of range for a world of size %d", root, w.size)
	}
}

// checkStacked checks that big holds WorldSize tensors shaped as small: small's
// shape with the first dim multiplied by the world size, or (WorldSize,
// small's shape...), of small's dtype, in storage that does not overlap.
func checkStacked(w snapshot, op string, big, small *tensor.Tensor) {
	checkTensor(op, "tensor", small)
	if big == nil {
		fail(op, "the %d-rank tensor is nil", w.size)
	}
	if big.DType() != small.DType() {
		fail(op, "dtypes %v and %v differ", big.DType(), small.DType())
	}
	s, b := small.Shape(), big.Shape()
	stacked := append([]int{w.size}, s...)
	var concat []int
	if len(s) > 0 {
		concat = slices.Clone(s)
		concat[0] *= w.size
	}
	if !slices.Equal(b, stacked) && (concat == nil || !slices.Equal(b, concat)) {
		fail(op, "a tensor of shape %v cannot hold %d tensors of shape %v: want %v or %v", b, w.size, s, concat, stacked)
	}
	if overlap(big, small) {
		fail(op, "the input and output share storage")
	}
}

// overlap reports whether a's and b's elements share memory.
func overlap(a, b *tensor.Tensor) bool {
	ra, rb := span(a), span(b)
	return ra[0] < rb[1] && rb[0] < ra[1]
}

// span returns the address range of t's elements.
func span(t *tensor.Tensor) [2]uintptr {
	t = t.Contiguous()
	switch t.DType() {
	case tensor.Float32:
		return addresses(t.Float32s())
	case tensor.Float64:
		return addresses(t.Float64s())
	}
	return addresses(t.Int64s())
}

func addresses[T tensor.Element](s []T) [2]uintptr {
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	return [2]uintptr{p, p + uintptr(len(s))*unsafe.Sizeof(s[0])}
}

// callDesc is the description of a collective call that ranks exchange to
// check that they agree: op, dtype, root, reduction, rank count, element count
// and the first dims.
const callDescLen = 10

var opCodes = []string{"AllReduce", "Broadcast", "AllGather", "ReduceScatter", "Gather", "Scatter"}

// guard returns f preceded, in a checked world of several ranks, by the
// exchange that checks that every rank called op with a tensor of t's dtype and
// shape, the same root and the same reduction; if not, it returns on every rank
// the same error, and f does not run. Both run on the communication goroutine,
// so that no other collective can come between them.
func (w snapshot) guard(op string, t *tensor.Tensor, root int, rop ReduceOp, f func() error) func() error {
	if !w.checked || w.size == 1 {
		return f
	}
	desc := describe(op, t, root, rop)
	return func() error {
		all := tensor.Int64.Zeros(w.size, callDescLen)
		if err := backendAllGather(all, desc); err != nil {
			return err
		}
		rows := all.Int64s()
		for r := range w.size {
			if !slices.Equal(rows[r*callDescLen:(r+1)*callDescLen], rows[:callDescLen]) {
				var b strings.Builder
				b.WriteString("ranks called collectives that do not match: ")
				for q := range w.size {
					if q > 0 {
						b.WriteString("; ")
					}
					fmt.Fprintf(&b, "rank %d: %s", q, descString(rows[q*callDescLen:(q+1)*callDescLen]))
				}
				return errors.New(b.String())
			}
		}
		return f()
	}
}

func describe(op string, t *tensor.Tensor, root int, rop ReduceOp) *tensor.Tensor {
	d := make([]int64, callDescLen)
	d[0] = int64(slices.Index(opCodes, op))
	d[1] = int64(t.DType())
	d[2] = int64(root)
	d[3] = int64(rop)
	d[4] = int64(t.Dim())
	d[5] = int64(t.Numel())
	for i := range 4 {
		d[6+i] = -1
		if i < t.Dim() {
			d[6+i] = int64(t.Size(i))
		}
	}
	return tensor.New(d)
}

func descString(d []int64) string {
	op := "?"
	if d[0] >= 0 && int(d[0]) < len(opCodes) {
		op = opCodes[d[0]]
	}
	shape := make([]int64, 0, 4)
	for i := range min(int(d[4]), 4) {
		shape = append(shape, d[6+i])
	}
	s := fmt.Sprintf("%s of %v %v", op, tensor.DType(d[1]), shape)
	if d[4] > 4 {
		s = fmt.Sprintf("%s of %v %v... (%d elements)", op, tensor.DType(d[1]), shape, d[5])
	}
	switch op {
	case "AllReduce", "ReduceScatter":
		s += " with " + ReduceOp(d[3]).String()
	case "Broadcast", "Gather", "Scatter":
		s += fmt.Sprintf(" at root %d", d[2])
	}
	return s
}
