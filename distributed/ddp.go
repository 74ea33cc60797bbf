package distributed

import (
	"fmt"
	"hash/fnv"
	"slices"
	"sync"

	"github.com/gograd/gograd/internal/access"
	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/tensor"
)

// DDPOptions adjusts NewDDP. The zero value of each field is PyTorch's default.
type DDPOptions struct {
	// BucketCapMB is the size in MiB of the buckets gradients are all-reduced
	// in; 0 means 25, PyTorch's bucket_cap_mb. As in PyTorch, the first bucket
	// (the last parameters, whose gradients come first) holds at most 1 MiB, so
	// that communication starts early.
	BucketCapMB float64
	// FindUnusedParameters looks, after each Forward, for parameters the output
	// does not depend on, and reduces without waiting for their gradients, as
	// PyTorch's find_unused_parameters. A parameter no rank used keeps its Grad
	// as it was. Without it, every parameter must get a gradient in every
	// backward pass.
	FindUnusedParameters bool
}

// DDP wraps a model for data-parallel training (the counterpart of
// torch.nn.parallel.DistributedDataParallel): every rank holds a copy of the
// model, runs Forward and Backward on its own share of each batch, and after
// Backward finds in each parameter's Grad the gradient averaged over all ranks,
// so that an optimizer step keeps the copies equal. With each rank's loss a mean
// over its B samples, the averaged gradient is that of the mean loss over the
// global batch of WorldSize()·B samples.
//
// Gradients are averaged in buckets of about BucketCapMB, filled in the reverse
// order of the parameters (the order backward produces their gradients): a hook
// on each parameter copies its gradient into its bucket, and a bucket whose
// gradients are all in starts its all-reduce on the communication goroutine at
// once, while the backward pass goes on with the next parameters. The hook of
// the last parameter waits for every bucket and writes the averages into the
// Grads. The engine calls a parameter's hooks as soon as every node feeding it
// has run, so the all-reduces overlap the rest of the backward pass.
//
// A DDP is used by one goroutine at a time, and every rank must run the same
// sequence of Forward and Backward calls, one Backward per Forward: a second
// Backward through the same graph (RetainGraph) adds local gradients that are
// not averaged, and tensor.Grad, which calls no parameter hooks, returns local
// gradients.
type DDP struct {
	module     nn.Module
	params     []*tensor.Tensor
	buckets    []*bucket
	where      []slot // where[i]: params[i]'s place in its bucket
	findUnused bool
	noSync     bool

	mu      sync.Mutex
	pass    passState
	usedAll *tensor.Tensor // FindUnusedParameters: per parameter, whether some rank used it
}

// bucket is a flat buffer holding the gradients of several parameters of one
// dtype, all-reduced as one tensor.
type bucket struct {
	flat   *tensor.Tensor
	params []int // indexes into DDP.params
}

type slot struct{ bucket, offset int }

// passState is what one backward pass has done so far.
type passState struct {
	armed    bool   // Forward expects this pass to reduce
	ready    []bool // per parameter: its gradient is in its bucket
	used     []bool // per parameter: it got a gradient on this rank
	nReady   int
	inBucket []int   // per bucket: parameters ready
	launched int     // buckets whose all-reduce has been submitted, in order
	works    []*Work // their all-reduces
	usedWork *Work   // FindUnusedParameters: the reduction of used flags
}

// NewDDP wraps model, whose parameters that require grad are averaged across
// ranks, and copies rank 0's parameters and buffers (nn.NamedBuffers) to every
// other rank. It must be called on every rank, and panics with a *tensor.Error
// if the ranks' models do not have parameters of the same dtypes and shapes in
// the same order.
func NewDDP(model nn.Module, opts ...DDPOptions) *DDP {
	var o DDPOptions
	if len(opts) > 1 {
		fail("NewDDP", "at most one DDPOptions, got %d", len(opts))
	}
	if len(opts) == 1 {
		o = opts[0]
	}
	if model == nil {
		fail("NewDDP", "model is nil")
	}
	if o.BucketCapMB < 0 {
		fail("NewDDP", "BucketCapMB must be positive, got %v", o.BucketCapMB)
	}
	if o.BucketCapMB == 0 {
		o.BucketCapMB = 25
	}
	w := current("NewDDP")
	d := &DDP{module: model, findUnused: o.FindUnusedParameters}
	for _, p := range model.Parameters() {
		if p.RequiresGrad() {
			d.params = append(d.params, p)
		}
	}
	d.checkSameParameters(w)
	tensor.NoGrad(func() {
		for _, p := range d.params {
			Broadcast(p, 0)
		}
	})
	d.broadcastBuffers()
	d.assignBuckets(int(o.BucketCapMB * (1 << 20)))
	for i, p := range d.params {
		p.RegisterHook(d.hook(i))
	}
	d.pass.ready = make([]bool, len(d.params))
	d.pass.used = make([]bool, len(d.params))
	d.pass.inBucket = make([]int, len(d.buckets))
	return d
}

// checkSameParameters panics on every rank if the ranks' parameter lists
// differ: it compares their count, total size and a hash of dtypes and shapes.
func (d *DDP) checkSameParameters(w snapshot) {
	h := fnv.New64a()
	total := 0
	for _, p := range d.params {
		fmt.Fprintf(h, "%v%v;", p.DType(), p.Shape())
		total += p.Numel()
	}
	mine := []int64{int64(len(d.params)), int64(total), int64(h.Sum64())}
	all := tensor.Int64.Zeros(w.size, len(mine))
	AllGather(all, tensor.New(mine))
	v := all.Int64s()
	for r := range w.size {
		if !slices.Equal(v[3*r:3*r+3], v[:3]) {
			fail("NewDDP", "the ranks' models differ: rank 0 has %d parameters of %d elements, rank %d has %d of %d (or their dtypes or shapes differ)",
				v[0], v[1], r, v[3*r], v[3*r+1])
		}
	}
}

// broadcastBuffers copies rank 0's buffers (nn.NamedBuffers) to the other ranks.
func (d *DDP) broadcastBuffers() {
	bufs := nn.NamedBuffers(d.module)
	if len(bufs) == 0 {
		return
	}
	tensor.NoGrad(func() {
		for _, b := range bufs {
			Broadcast(b.Tensor, 0)
		}
	})
}

// assignBuckets groups the parameters, last first, into buckets of one dtype
// of at most capBytes (1 MiB for the first), as PyTorch's
// compute_bucket_assignment_by_size: a bucket closes once it reaches its limit.
func (d *DDP) assignBuckets(capBytes int) {
	d.where = make([]slot, len(d.params))
	open := map[tensor.DType]*bucket{}
	sizes := map[tensor.DType]int{}
	closed := map[tensor.DType]int{} // buckets closed per dtype, for the limit
	var order []*bucket
	for i := len(d.params) - 1; i >= 0; i-- {
		p := d.params[i]
		dt := p.DType()
		b := open[dt]
		if b == nil {
			b = &bucket{}
			open[dt] = b
			order = append(order, b)
			sizes[dt] = 0
		}
		b.params = append(b.params, i)
		sizes[dt] += p.Numel() * elemSize(dt)
		limit := capBytes
		if closed[dt] == 0 {
			limit = min(capBytes, 1<<20)
		}
		if sizes[dt] >= limit {
			open[dt] = nil
			closed[dt]++
		}
	}
	d.buckets = order
	for bi, b := range order {
		n := 0
		for _, i := range b.params {
			d.where[i] = slot{bi, n}
			n += d.params[i].Numel()
		}
		b.flat = d.params[b.params[0]].DType().Zeros(n)
	}
}

func elemSize(dt tensor.DType) int {
	if dt == tensor.Float32 {
		return 4
	}
	return 8
}

// Module returns the wrapped model (PyTorch's ddp.module).
func (d *DDP) Module() nn.Module { return d.module }

// Parameters returns the wrapped model's parameters.
func (d *DDP) Parameters() []*tensor.Tensor { return d.module.Parameters() }

// NamedChildren returns the wrapped model under the name "module", where
// PyTorch's DDP holds it: nn's tree functions (NamedParameters, StateDict,
// Train, Eval) reach the model through d, and name its parameters "module.0.weight"
// and so on, as the keys of a DDP's state_dict. Save d.Module()'s state dict to
// load it into an unwrapped model.
func (d *DDP) NamedChildren() []nn.NamedModule {
	return []nn.NamedModule{{Name: "module", Module: d.module}}
}

// NoSync runs f, in which Forward and Backward accumulate gradients on each
// rank without averaging them (PyTorch's no_sync): the first backward pass
// after it, whose Forward is outside NoSync, averages the accumulated
// gradients. Use it to accumulate gradients over several micro-batches at the
// cost of one all-reduce.
func (d *DDP) NoSync(f func()) {
	d.mu.Lock()
	prev := d.noSync
	d.noSync = true
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.noSync = prev
		d.mu.Unlock()
	}()
	f()
}

// Forward runs the wrapped model on x and prepares the backward pass of its
// result to average gradients (unless inside NoSync or with grad disabled). It
// first copies rank 0's buffers to the other ranks, if the model has any.
//
// It panics if the previous backward pass got gradients for some parameters but
// not all (a parameter the output did not depend on), unless
// FindUnusedParameters is set, since the ranks' reductions would then not match.
func (d *DDP) Forward(x *tensor.Tensor) *tensor.Tensor {
	d.mu.Lock()
	if d.pass.armed && d.pass.nReady > 0 {
		var missing []int
		for i, r := range d.pass.ready {
			if !r {
				missing = append(missing, i)
			}
		}
		d.mu.Unlock()
		fail("DDP.Forward", "expected to have finished reduction in the prior iteration before starting a new one: "+
			"parameters %v received no gradient; set DDPOptions.FindUnusedParameters if the model does not use every parameter in every step", missing)
	}
	d.mu.Unlock()
	d.broadcastBuffers()
	out := d.module.Forward(x)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.resetPass(!d.noSync && out.RequiresGrad())
	if d.pass.armed && d.findUnused {
		d.markUnused(out)
	}
	return out
}

// resetPass starts the bookkeeping of a new backward pass.
func (d *DDP) resetPass(armed bool) {
	p := &d.pass
	p.armed = armed
	clear(p.ready)
	clear(p.used)
	clear(p.inBucket)
	p.nReady, p.launched, p.works, p.usedWork = 0, 0, p.works[:0], nil
}

// markUnused marks ready, with no gradient of their own, the parameters out's
// graph does not reach.
func (d *DDP) markUnused(out *tensor.Tensor) {
	reached := map[*tensor.Tensor]bool{}
	seen := map[*tensor.Node]bool{}
	stack := []*tensor.Node{out.GradFn()}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == nil || seen[n] {
			continue
		}
		seen[n] = true
		if v := n.Variable(); v != nil {
			reached[v] = true
		}
		stack = append(stack, n.NextFunctions()...)
	}
	for i, p := range d.params {
		if !reached[p] {
			d.ready(i, nil)
		}
	}
}

// hook returns the gradient hook of parameter i.
func (d *DDP) hook(i int) func(g *tensor.Tensor) *tensor.Tensor {
	return func(g *tensor.Tensor) *tensor.Tensor {
		d.mu.Lock()
		defer d.mu.Unlock()
		if !d.pass.armed {
			return nil
		}
		if d.pass.ready[i] {
			fail("DDP.Backward", "parameter %d (shape %v) got a second gradient in one step: run Forward again before each Backward", i, g.Shape())
		}
		d.pass.used[i] = true
		d.ready(i, g)
		if d.pass.nReady < len(d.params) {
			return nil
		}
		return d.finish(i)
	}
}

// ready puts parameter i's gradient, the one it has accumulated plus g (nil
// for none), into its bucket, and starts the all-reduce of every bucket that is
// now complete and whose predecessors have started.
func (d *DDP) ready(i int, g *tensor.Tensor) {
	p := &d.pass
	p.ready[i] = true
	p.nReady++
	s := d.where[i]
	b := d.buckets[s.bucket]
	dst := view(b.flat, s.offset, d.params[i].Numel())
	prev, _ := access.PeekGrad(d.params[i]).(*tensor.Tensor)
	sumInto(dst, prev, g)
	p.inBucket[s.bucket]++
	w := current("DDP.Backward")
	for p.launched < len(d.buckets) && p.inBucket[p.launched] == len(d.buckets[p.launched].params) {
		p.works = append(p.works, submit(w, "DDP.Backward", w.allReduce(d.buckets[p.launched].flat, Avg)))
		p.launched++
	}
	if p.nReady == len(d.params) && d.findUnused {
		used := tensor.Int64.Zeros(len(d.params))
		for j, u := range p.used {
			if u {
				used.Int64s()[j] = 1
			}
		}
		d.usedAll = used
		p.usedWork = submit(w, "DDP.Backward", w.allReduce(used, Max))
	}
}

// finish waits for every bucket and gives each parameter its averaged
// gradient. last is the parameter whose hook is running: the engine will add
// what the hook returns to its Grad, so its Grad is cleared and the average
// returned.
func (d *DDP) finish(last int) *tensor.Tensor {
	p := &d.pass
	for _, w := range p.works {
		w.Wait()
	}
	if p.usedWork != nil {
		p.usedWork.Wait()
	}
	p.armed = false
	var out *tensor.Tensor
	tensor.NoGrad(func() {
		for i, param := range d.params {
			if d.findUnused && d.usedAll.Int64s()[i] == 0 {
				continue // no rank used it: its Grad stays as it was
			}
			s := d.where[i]
			avg := view(d.buckets[s.bucket].flat, s.offset, param.Numel()).Reshape(param.Shape()...)
			if i == last {
				param.SetGrad(nil)
				out = avg.Clone()
				continue
			}
			if g, _ := access.PeekGrad(param).(*tensor.Tensor); g != nil {
				g.Copy_(avg)
			} else {
				param.SetGrad(avg.Clone())
			}
		}
	})
	return out
}

// view returns the n elements of the 1-d tensor flat from off, sharing its
// storage.
func view(flat *tensor.Tensor, off, n int) *tensor.Tensor {
	if flat.DType() == tensor.Float32 {
		return tensor.FromSlice(flat.Float32s()[off : off+n])
	}
	return tensor.FromSlice(flat.Float64s()[off : off+n])
}

// sumInto sets dst to a + b, where either may be nil (zero).
func sumInto(dst, a, b *tensor.Tensor) {
	if dst.DType() == tensor.Float32 {
		sumSlices(dst.Float32s(), values[float32](a), values[float32](b))
	} else {
		sumSlices(dst.Float64s(), values[float64](a), values[float64](b))
	}
}

// values returns t's elements as []T, which is t's element type; nil for nil.
func values[T float32 | float64](t *tensor.Tensor) []T {
	if t == nil {
		return nil
	}
	t = t.Contiguous()
	var z T
	if _, ok := any(z).(float32); ok {
		return any(t.Float32s()).([]T)
	}
	return any(t.Float64s()).([]T)
}

func sumSlices[T float32 | float64](dst, a, b []T) {
	switch {
	case a == nil && b == nil:
		clear(dst)
	case a == nil:
		copy(dst, b)
	case b == nil:
		copy(dst, a)
	default:
		for i := range dst {
			dst[i] = a[i] + b[i]
		}
	}
}
