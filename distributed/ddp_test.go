package distributed

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/optim"
	"github.com/gograd/gograd/tensor"
)

// newNet returns a 6-16-3 MLP of dtype dt, initialised from seed.
func newNet(dt tensor.DType, seed uint64) nn.Sequential {
	g := tensor.NewGenerator(seed)
	return nn.Sequential{
		nn.NewLinear(6, 16, nn.WithDType(dt), nn.WithGenerator(g)), nn.Tanh{},
		nn.NewLinear(16, 3, nn.WithDType(dt), nn.WithGenerator(g)),
	}
}

// globalBatch returns step's batch of n samples, the same on every rank.
func globalBatch(dt tensor.DType, step, n int) (x, y *tensor.Tensor) {
	g := tensor.NewGenerator(uint64(1000 + step))
	return g.Normal(dt.Zeros(n, 6), 0, 1), g.Normal(dt.Zeros(n, 3), 0, 1)
}

// shard returns this rank's rows of t, whose rows split evenly across ranks.
func shard(t *tensor.Tensor) *tensor.Tensor {
	rows := t.Size(0) / WorldSize()
	w := t.Numel() / t.Size(0)
	lo, hi := Rank()*rows*w, (Rank()+1)*rows*w
	if t.DType() == tensor.Float32 {
		return tensor.FromSlice(t.Float32s()[lo:hi], rows, w)
	}
	return tensor.FromSlice(t.Float64s()[lo:hi], rows, w)
}

// ddpTolerance is how far DDP's parameters may be from one process's after
// the steps of these tests. In float64 the two differ by the order of the
// gradient sums only (a few 1e-16). In float32 the same reordering costs
// float32 roundings (6e-8 relative) on gradient sums of 4 to 16 terms, carried
// through 5 momentum steps at learning rate 0.1: measured here, at most 6e-8
// (one ulp of the weights) on 2 and 4 ranks; 1e-6 leaves margin for other
// reduction orders.
func ddpTolerance(dt tensor.DType) float64 {
	if dt == tensor.Float64 {
		return 1e-12
	}
	return 1e-6
}

func maxDiff(a, b []*tensor.Tensor) float64 {
	d := 0.0
	for i := range a {
		bv := b[i].Values()
		for j, v := range a[i].Values() {
			d = max(d, math.Abs(v-bv[j]))
		}
	}
	return d
}

// TestDDPMatchesGlobalBatch trains with DDP, each rank on its share of each
// batch, and checks every step against one process training the same model on
// the whole batch: the concatenation of the ranks' shares.
func TestDDPMatchesGlobalBatch(t *testing.T) {
	const steps, perRank = 5, 4
	for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
		// A cap of 0 is 25 MiB, one bucket; 1e-6 MiB (1 byte) puts every
		// parameter in a bucket of its own.
		for _, capMB := range []float64{0, 1e-6} {
			ref := newNet(dt, 0)
			// Every rank but 0 starts from other weights: DDP must replace them.
			model := NewDDP(newNet(dt, uint64(7*Rank())), DDPOptions{BucketCapMB: capMB})
			if wantBuckets := map[float64]int{0: 1, 1e-6: 4}[capMB]; len(model.buckets) != wantBuckets {
				t.Errorf("%v cap %v MiB: %d buckets, want %d", dt, capMB, len(model.buckets), wantBuckets)
			}
			if d := maxDiff(model.Parameters(), ref.Parameters()); d != 0 {
				t.Fatalf("%v: after NewDDP the parameters differ from rank 0's by %g", dt, d)
			}
			opt := optim.NewSGD(model.Parameters(), optim.SGDOptions{LR: 0.1, Momentum: 0.9})
			refOpt := optim.NewSGD(ref.Parameters(), optim.SGDOptions{LR: 0.1, Momentum: 0.9})
			for step := range steps {
				x, y := globalBatch(dt, step, perRank*WorldSize())
				nn.MSELoss{}.Forward(model.Forward(shard(x)), shard(y)).Backward()
				nn.MSELoss{}.Forward(ref.Forward(x), y).Backward()
				grads := func(ps []*tensor.Tensor) (g []*tensor.Tensor) {
					for _, p := range ps {
						g = append(g, p.Grad())
					}
					return g
				}
				if d := maxDiff(grads(model.Parameters()), grads(ref.Parameters())); d > ddpTolerance(dt) {
					t.Errorf("%v cap %v, step %d: gradients differ by %g", dt, capMB, step, d)
				}
				opt.Step()
				opt.ZeroGrad()
				refOpt.Step()
				refOpt.ZeroGrad()
			}
			d := maxDiff(model.Parameters(), ref.Parameters())
			if d > ddpTolerance(dt) {
				t.Errorf("%v cap %v MiB: after %d steps on %d ranks the weights differ by %g from one process's", dt, capMB, steps, WorldSize(), d)
			}
			if testing.Verbose() && Rank() == 0 {
				t.Logf("%v cap %v MiB, %d ranks: max weight difference %g", dt, capMB, WorldSize(), d)
			}
		}
	}
}

// TestDDPNoSync accumulates gradients over three micro-batches, the first two
// inside NoSync, and checks them against one process accumulating over the
// three global micro-batches.
func TestDDPNoSync(t *testing.T) {
	dt := tensor.Float64
	ref := newNet(dt, 0)
	model := NewDDP(newNet(dt, 0))
	for micro := range 3 {
		x, y := globalBatch(dt, micro, 2*WorldSize())
		pass := func() { nn.MSELoss{}.Forward(model.Forward(shard(x)), shard(y)).Backward() }
		if micro < 2 {
			model.NoSync(pass)
		} else {
			pass()
		}
		nn.MSELoss{}.Forward(ref.Forward(x), y).Backward()
	}
	var got, want []*tensor.Tensor
	for i, p := range model.Parameters() {
		got, want = append(got, p.Grad()), append(want, ref.Parameters()[i].Grad())
	}
	if d := maxDiff(got, want); d > 1e-12 {
		t.Errorf("accumulated gradients differ by %g", d)
	}
}

// twoHeads uses its second layer only when useB is set.
type twoHeads struct {
	a, b *nn.Linear
	useB bool
}

func (m *twoHeads) Forward(x *tensor.Tensor) *tensor.Tensor {
	if m.useB {
		return m.a.Forward(x).Add(m.b.Forward(x))
	}
	return m.a.Forward(x)
}

func (m *twoHeads) Parameters() []*tensor.Tensor {
	return append(m.a.Parameters(), m.b.Parameters()...)
}

func newTwoHeads() *twoHeads {
	g := tensor.NewGenerator(3)
	return &twoHeads{a: nn.NewLinear(6, 3, nn.WithDType(tensor.Float64), nn.WithGenerator(g)),
		b: nn.NewLinear(6, 3, nn.WithDType(tensor.Float64), nn.WithGenerator(g))}
}

func TestDDPUnusedParameters(t *testing.T) {
	x, y := globalBatch(tensor.Float64, 0, 2*WorldSize())

	// Without FindUnusedParameters, the next Forward reports the parameters
	// that got no gradient.
	model := NewDDP(newTwoHeads(), DDPOptions{BucketCapMB: 1e-4})
	nn.MSELoss{}.Forward(model.Forward(shard(x)), shard(y)).Backward()
	err := tensor.Maybe(func() { model.Forward(shard(x)) })
	if err == nil || !strings.Contains(err.Error(), "parameters [2 3] received no gradient") {
		t.Errorf("got %v, want an error naming parameters 2 and 3", err)
	}

	// With it, the used parameters are averaged and the unused keep no Grad.
	net := newTwoHeads()
	model = NewDDP(net, DDPOptions{FindUnusedParameters: true, BucketCapMB: 1e-4})
	ref := newTwoHeads()
	for range 2 { // the second pass checks that the first one finished
		nn.MSELoss{}.Forward(model.Forward(shard(x)), shard(y)).Backward()
	}
	nn.MSELoss{}.Forward(ref.Forward(x), y).Backward()
	nn.MSELoss{}.Forward(ref.Forward(x), y).Backward()
	if d := maxDiff([]*tensor.Tensor{net.a.Weight.Grad(), net.a.Bias.Grad()}, []*tensor.Tensor{ref.a.Weight.Grad(), ref.a.Bias.Grad()}); d > 1e-12 {
		t.Errorf("used parameters: gradients differ by %g", d)
	}
	if net.b.Weight.Grad() != nil || net.b.Bias.Grad() != nil {
		t.Error("a parameter no rank used got a gradient")
	}

	// A parameter that only rank 0 uses gets rank 0's gradient divided by the
	// number of ranks.
	net.useB = Rank() == 0
	ref.useB = true
	for _, p := range append(net.Parameters(), ref.Parameters()...) {
		p.SetGrad(nil)
	}
	nn.MSELoss{}.Forward(model.Forward(shard(x)), shard(y)).Backward()
	if Rank() == 0 || WorldSize() == 1 {
		// Rank 0's own gradient, on its shard, of ref's loss.
		nn.MSELoss{}.Forward(ref.Forward(shard(x)), shard(y)).Backward()
	}
	wantB := ref.b.Weight.Grad()
	if wantB == nil {
		wantB = tensor.ZerosLike(ref.b.Weight)
	}
	Broadcast(wantB, 0)
	wantB = wantB.DivScalar(float64(WorldSize()))
	if d := maxDiff([]*tensor.Tensor{net.b.Weight.Grad()}, []*tensor.Tensor{wantB}); d > 1e-12 {
		t.Errorf("a parameter rank 0 alone used: gradient differs by %g", d)
	}
}

func TestDDPMismatchedModels(t *testing.T) {
	if WorldSize() == 1 {
		t.Skip("needs several ranks; TestMPI runs it on 2 and 4")
	}
	err := tensor.Maybe(func() { NewDDP(nn.NewLinear(4, 2+Rank()%2)) })
	want := "distributed: NewDDP: the ranks' models differ: rank 0 has 2 parameters of 10 elements, rank 1 has 2 of 15"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v, want %q", err, want)
	}
}

func ExampleNewDDP() {
	// In a real program: distributed.Init() at the start, Finalize at the end.
	model := NewDDP(nn.Sequential{nn.NewLinear(4, 8), nn.ReLU{}, nn.NewLinear(8, 1)})
	opt := optim.NewSGD(model.Parameters(), optim.SGDOptions{LR: 0.1})
	x, y := tensor.Randn(16, 4), tensor.Randn(16, 1) // this rank's share of the batch
	loss := nn.MSELoss{}.Forward(model.Forward(x), y)
	loss.Backward() // each Grad now holds the average over all ranks
	opt.Step()
	fmt.Println(WorldSize(), len(model.Parameters()))
	// Output: 1 4
}

// withBuffer is a Linear with a buffer (such as BatchNorm's running mean).
type withBuffer struct {
	*nn.Linear
	running *tensor.Tensor
}

func (m withBuffer) NamedBuffers() []nn.NamedParameter {
	return []nn.NamedParameter{{Name: "running", Tensor: m.running}}
}

func TestDDPBroadcastsBuffers(t *testing.T) {
	m := withBuffer{nn.NewLinear(2, 2), tensor.Full(float64(Rank()), 3)}
	model := NewDDP(nn.Sequential{m, nn.ReLU{}})
	if got := m.running.Values(); got[0] != 0 || got[2] != 0 {
		t.Errorf("after NewDDP the buffer is %v, want rank 0's zeros", got)
	}
	m.running.Copy_(tensor.Full(float64(10+Rank()), 3))
	model.Forward(tensor.Ones(1, 2))
	if got := m.running.Values(); got[0] != 10 {
		t.Errorf("after Forward the buffer is %v, want rank 0's tens", got)
	}
}
