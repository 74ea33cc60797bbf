package autograd_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/gograd/gograd/autograd"
	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/tensor"
)

// checkpointGolden is testdata/checkpoint.json, written by gen_checkpoint.py
// with PyTorch 1.13's torch.utils.checkpoint.
type checkpointGolden struct {
	Params      [][]float64 `json:"params"`
	ParamShapes [][]int     `json:"param_shapes"`
	X           []float64   `json:"x"`
	XShape      []int       `json:"x_shape"`
	Masks       [][][]float64
	Cases       map[string]struct {
		Loss   float64     `json:"loss"`
		GradFn []string    `json:"grad_fns"`
		Grads  [][]float64 `json:"grads"`
	} `json:"cases"`
	ReentrantGradError string `json:"reentrant_grad_error"`
}

func loadCheckpointGolden(t *testing.T) checkpointGolden {
	t.Helper()
	raw, err := os.ReadFile("testdata/checkpoint.json")
	if err != nil {
		t.Fatal(err)
	}
	var g checkpointGolden
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

// goldenMLP is gen_checkpoint.py's model: three blocks of Linear, Tanh and
// Dropout(0.3), whose dropout replays PyTorch's masks. Each Dropout draws a
// number from gen and takes the mask of that number: the masks in the order
// numbers were first drawn. A recomputation that did not restore gen's state
// would draw numbers never seen and find no mask (t.Fatal), so the masks
// PyTorch drew are applied exactly when gograd's RNG restore works.
type goldenMLP struct {
	t      *testing.T
	g      checkpointGolden
	params []*tensor.Tensor
	gen    *tensor.Generator
	keys   map[int]int
}

func newGoldenMLP(t *testing.T, g checkpointGolden) *goldenMLP {
	m := &goldenMLP{t: t, g: g, gen: tensor.NewGenerator(42), keys: map[int]int{}}
	for i, p := range g.Params {
		m.params = append(m.params, tensor.New(p, g.ParamShapes[i]...).SetRequiresGrad(true))
	}
	return m
}

func (m *goldenMLP) dropout(h *tensor.Tensor) *tensor.Tensor {
	k := m.gen.Intn(1 << 62)
	i, ok := m.keys[k]
	if !ok {
		i = len(m.keys)
		m.keys[k] = i
	}
	if i >= len(m.g.Masks) {
		m.t.Fatalf("dropout %d: the generator drew a number not drawn before (%d masks): its state was not restored", i, len(m.g.Masks))
	}
	var flat []float64
	for _, row := range m.g.Masks[i] {
		flat = append(flat, row...)
	}
	return h.Mul(tensor.New(flat, h.Shape()...))
}

func (m *goldenMLP) block(i int, h *tensor.Tensor) *tensor.Tensor {
	return m.dropout(h.MatMul(m.params[2*i].T()).Add(m.params[2*i+1]).Tanh())
}

func (m *goldenMLP) seg0(in ...*tensor.Tensor) *tensor.Tensor { return m.block(0, in[0]) }
func (m *goldenMLP) seg12(in ...*tensor.Tensor) *tensor.Tensor {
	return m.block(2, m.block(1, in[0]))
}

// loss runs the model on x, checkpointing block 0 and blocks 1..2 unless plain,
// and returns the loss and the GradFn names of the two segments' results.
func (m *goldenMLP) loss(x *tensor.Tensor, plain, reentrant bool) (*tensor.Tensor, []string) {
	var h1, out *tensor.Tensor
	if plain {
		h1 = m.seg0(x)
		out = m.seg12(h1)
	} else {
		o := autograd.CheckpointOptions{Generators: []*tensor.Generator{m.gen}, Reentrant: reentrant}
		h1 = autograd.Checkpoint(m.seg0, []*tensor.Tensor{x}, o)
		out = autograd.Checkpoint(m.seg12, []*tensor.Tensor{h1}, o)
	}
	var names []string
	for _, r := range []*tensor.Tensor{h1, out} {
		if fn := r.GradFn(); fn != nil {
			names = append(names, fn.Name())
		} else {
			names = append(names, "")
		}
	}
	return out.Pow(2).Mean(), names
}

// TestCheckpointGolden checks Checkpoint, reentrant and not, through Backward
// and Grad, against PyTorch 1.13's torch.utils.checkpoint on an MLP with
// dropout: the gradients of every parameter and of the input agree with
// PyTorch's within 1e-12 (gograd's matrix products sum in another order) and
// are bit for bit those of the same model without Checkpoint.
func TestCheckpointGolden(t *testing.T) {
	g := loadCheckpointGolden(t)
	var plain [][]float64
	for _, c := range []struct {
		name             string
		plain, reentrant bool
		useGrad, xNoGrad bool
		wantGradFn       string // gograd's name of each segment's GradFn
	}{
		{name: "plain", plain: true, wantGradFn: "MulBackward0"},
		{name: "reentrant", reentrant: true, wantGradFn: "CheckpointFunctionBackward"},
		{name: "nonreentrant", wantGradFn: "CheckpointBackward"},
		{name: "nonreentrant_grad", useGrad: true, wantGradFn: "CheckpointBackward"},
		{name: "nonreentrant_x_nograd", xNoGrad: true, wantGradFn: "CheckpointBackward"},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := g.Cases[c.name]
			m := newGoldenMLP(t, g)
			x := tensor.New(g.X, g.XShape...).SetRequiresGrad(!c.xNoGrad)
			loss, names := m.loss(x, c.plain, c.reentrant)
			if c.reentrant && !slices.Equal(names, want.GradFn) {
				t.Errorf("segments' GradFn = %v, PyTorch %v", names, want.GradFn)
			}
			if names[0] != c.wantGradFn || names[1] != c.wantGradFn {
				t.Errorf("segments' GradFn = %v, want %s (PyTorch: %v)", names, c.wantGradFn, want.GradFn)
			}
			if got := loss.Item(); math.Abs(got-want.Loss) > 1e-12*math.Abs(want.Loss) {
				t.Errorf("loss %v, PyTorch %v", got, want.Loss)
			}
			wrt := slices.Clone(m.params)
			if !c.xNoGrad {
				wrt = append(wrt, x)
			}
			var grads []*tensor.Tensor
			if c.useGrad {
				grads = tensor.Grad([]*tensor.Tensor{loss}, wrt)
				for _, p := range wrt {
					if p.Grad() != nil {
						t.Errorf("Grad accumulated into a parameter's Grad")
					}
				}
			} else {
				loss.Backward()
				for _, p := range wrt {
					grads = append(grads, p.Grad())
				}
			}
			if len(want.Grads) != len(grads) {
				t.Fatalf("%d gradients, PyTorch %d", len(grads), len(want.Grads))
			}
			for i, gr := range grads {
				if gr == nil {
					t.Fatalf("gradient %d is nil", i)
				}
				v := gr.Contiguous().Float64s()
				if c.plain {
					plain = append(plain, v)
				} else if !slices.Equal(v, plain[i]) {
					t.Errorf("gradient %d differs from the plain model's", i)
				}
				for j := range v {
					if d := math.Abs(v[j] - want.Grads[i][j]); d > 1e-12*max(1, math.Abs(want.Grads[i][j])) {
						t.Fatalf("gradient %d[%d] = %v, PyTorch %v", i, j, v[j], want.Grads[i][j])
					}
				}
			}
		})
	}
}

// TestCheckpointReentrantRefusals checks the reentrant form's refusals: Grad
// through it (PyTorch's error, from checkpoint.json), Backward with Inputs, and
// a segment none of whose inputs requires grad (PyTorch only warns).
func TestCheckpointReentrantRefusals(t *testing.T) {
	g := loadCheckpointGolden(t)
	m := newGoldenMLP(t, g)
	x := tensor.New(g.X, g.XShape...).SetRequiresGrad(true)
	loss, _ := m.loss(x, false, true)
	wrt := []*tensor.Tensor{x}
	mustPanic(t, g.ReentrantGradError, func() { tensor.Grad([]*tensor.Tensor{loss}, wrt) })
	m = newGoldenMLP(t, g)
	loss, _ = m.loss(x, false, true)
	mustPanic(t, g.ReentrantGradError, func() { loss.Backward(tensor.BackwardOptions{Inputs: wrt}) })
	mustPanic(t, "autograd: Checkpoint: none of the 1 inputs requires grad", func() {
		autograd.Checkpoint(m.seg0, []*tensor.Tensor{x.Detach()}, autograd.CheckpointOptions{Reentrant: true})
	})
}

// TestCheckpointCreateGraph checks that the non-reentrant form can be
// differentiated twice: the gradient of the squared norm of the input's
// gradient (a Hessian-vector product) is that of the plain model, within
// rounding (the second pass sums fan-in in another order).
func TestCheckpointCreateGraph(t *testing.T) {
	g := loadCheckpointGolden(t)
	var res [2][]float64
	for k, plain := range []bool{true, false} {
		m := newGoldenMLP(t, g)
		x := tensor.New(g.X, g.XShape...).SetRequiresGrad(true)
		loss, _ := m.loss(x, plain, false)
		gx := tensor.Grad([]*tensor.Tensor{loss}, []*tensor.Tensor{x}, tensor.GradOptions{CreateGraph: true})[0]
		hv := tensor.Grad([]*tensor.Tensor{gx.Pow(2).Sum()}, []*tensor.Tensor{m.params[0]})[0]
		res[k] = hv.Contiguous().Float64s()
	}
	for i := range res[0] {
		if d := math.Abs(res[0][i] - res[1][i]); d > 1e-13*max(1, math.Abs(res[0][i])) {
			t.Fatalf("second derivative [%d] through Checkpoint %v, plain %v", i, res[1][i], res[0][i])
		}
	}
}

// TestCheckpointInputsAndRetain checks the non-reentrant form under Backward
// with Inputs (only the named parameter gets a gradient, the plain model's) and
// with RetainGraph (a second pass recomputes the segments again and doubles
// the gradient).
func TestCheckpointInputsAndRetain(t *testing.T) {
	g := loadCheckpointGolden(t)
	plain := newGoldenMLP(t, g)
	x := tensor.New(g.X, g.XShape...).SetRequiresGrad(true)
	loss, _ := plain.loss(x, true, false)
	loss.Backward()
	want := plain.params[2].Grad().Values()

	m := newGoldenMLP(t, g)
	x = tensor.New(g.X, g.XShape...).SetRequiresGrad(true)
	loss, _ = m.loss(x, false, false)
	loss.Backward(tensor.BackwardOptions{Inputs: m.params[2:3], RetainGraph: true})
	if got := m.params[2].Grad().Values(); !slices.Equal(got, want) {
		t.Errorf("with Inputs: gradient %v, plain %v", got[:3], want[:3])
	}
	for i, p := range append(slices.Clone(m.params), x) {
		if i != 2 && p.Grad() != nil {
			t.Errorf("with Inputs: tensor %d not among them got a gradient", i)
		}
	}
	loss.Backward(tensor.BackwardOptions{Inputs: m.params[2:3]})
	got := m.params[2].Grad().Values()
	for i := range got {
		if got[i] != 2*want[i] {
			t.Fatalf("after a second pass: gradient[%d] %v, want twice %v", i, got[i], want[i])
		}
	}
}

// TestCheckpointVectorizedJacobian checks a vectorised Jacobian (one batched
// pass) through a non-reentrant Checkpoint around nn layers (a Function's
// node, Linear, and the checkpoint's own node, both run row by row inside the
// pass) against the looped Jacobian of the same function without Checkpoint.
func TestCheckpointVectorizedJacobian(t *testing.T) {
	gen := tensor.NewGenerator(3)
	seg := nn.Sequential{nn.NewLinear(4, 5, nn.WithDType(tensor.Float64), nn.WithGenerator(gen)), nn.Tanh{},
		nn.NewLinear(5, 3, nn.WithDType(tensor.Float64), nn.WithGenerator(gen))}
	x := gen.Normal(tensor.Float64.Zeros(2, 4), 0, 1)
	run := func(in ...*tensor.Tensor) *tensor.Tensor { return seg.Forward(in[0]) }
	plain := autograd.Jacobian(autograd.Single(func(x *tensor.Tensor) *tensor.Tensor { return run(x).Sin() }), []*tensor.Tensor{x})[0][0]
	ck := autograd.Jacobian(autograd.Single(func(x *tensor.Tensor) *tensor.Tensor {
		return autograd.Checkpoint(run, []*tensor.Tensor{x}).Sin()
	}), []*tensor.Tensor{x}, autograd.Options{Vectorize: true})[0][0]
	if !slices.Equal(ck.Shape(), plain.Shape()) {
		t.Fatalf("shape %v, want %v", ck.Shape(), plain.Shape())
	}
	p, c := plain.Contiguous().Float64s(), ck.Contiguous().Float64s()
	for i := range p {
		if math.Abs(p[i]-c[i]) > 1e-14 {
			t.Fatalf("jacobian[%d] = %v through Checkpoint, vectorised; %v plain, looped", i, c[i], p[i])
		}
	}
}

// TestCheckpointInPlaceInput checks that a segment that writes to its input in
// place is refused, in both forms: its recomputation would start from the
// written value.
func TestCheckpointInPlaceInput(t *testing.T) {
	for _, reentrant := range []bool{false, true} {
		x := tensor.Float64.Ones(3).SetRequiresGrad(true)
		h := x.MulScalar(2)
		mustPanic(t, "autograd: Checkpoint: the checkpointed function modified input 0 (shape [3]) in place", func() {
			autograd.Checkpoint(func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].MulScalar_(3) },
				[]*tensor.Tensor{h}, autograd.CheckpointOptions{Reentrant: reentrant})
		})
	}
}

// TestCheckpointNewLeaf checks that a segment that makes a leaf requiring grad
// (a different one when recomputed) is refused in backward instead of losing
// that leaf's gradient.
func TestCheckpointNewLeaf(t *testing.T) {
	x := tensor.Float64.Ones(3).SetRequiresGrad(true)
	y := autograd.Checkpoint(func(in ...*tensor.Tensor) *tensor.Tensor {
		return in[0].Mul(tensor.Float64.Full(2, 3).SetRequiresGrad(true))
	}, []*tensor.Tensor{x})
	mustPanic(t, "autograd: Checkpoint: the recomputed segment reached AccumulateGrad, which its first run did not", func() { y.Sum().Backward() })
}

// TestCheckpointConcurrentPasses runs Grad through one retained checkpointed
// graph with dropout from four goroutines at once (run it with -race): each
// gets the gradients of the plain model, and the generators end where they
// were.
func TestCheckpointConcurrentPasses(t *testing.T) {
	g := loadCheckpointGolden(t)
	want := g.Cases["nonreentrant_grad"].Grads
	m := newGoldenMLP(t, g)
	x := tensor.New(g.X, g.XShape...).SetRequiresGrad(true)
	loss, _ := m.loss(x, false, false)
	wrt := append(slices.Clone(m.params), x)
	state, def := m.gen.State(), tensor.DefaultGenerator().State()
	var wg sync.WaitGroup
	errs := make([]string, 4)
	for k := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			grads := tensor.Grad([]*tensor.Tensor{loss}, wrt, tensor.GradOptions{RetainGraph: true})
			for i, gr := range grads {
				v := gr.Contiguous().Float64s()
				for j := range v {
					if math.Abs(v[j]-want[i][j]) > 1e-12*max(1, math.Abs(want[i][j])) {
						errs[k] = fmt.Sprintf("goroutine %d: gradient %d[%d] = %v, PyTorch %v", k, i, j, v[j], want[i][j])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			t.Error(e)
		}
	}
	if !slices.Equal(m.gen.State(), state) || !slices.Equal(tensor.DefaultGenerator().State(), def) {
		t.Error("the generators' states changed")
	}
}

// TestCheckpointNestedRecompute checks a segment that differentiates a
// checkpointed part of its own while it is recomputed (tensor.Grad inside fn,
// a gradient penalty): the recomputation of the inner segment runs inside the
// outer one's, and the gradient is that without Checkpoint.
func TestCheckpointNestedRecompute(t *testing.T) {
	var res [2]float64
	for k, ck := range []bool{false, true} {
		x := tensor.Float64.Full(0.5, 3).SetRequiresGrad(true)
		inner := func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].Tanh().Pow(3) }
		outer := func(in ...*tensor.Tensor) *tensor.Tensor {
			y := inner(in[0])
			if ck {
				y = autograd.Checkpoint(inner, in)
			}
			g := tensor.Grad([]*tensor.Tensor{y.Sum()}, in, tensor.GradOptions{CreateGraph: true})[0]
			return g.Pow(2).Sum().Add(y.Sum())
		}
		var loss *tensor.Tensor
		if ck {
			loss = autograd.Checkpoint(outer, []*tensor.Tensor{x})
		} else {
			loss = outer(x)
		}
		loss.Backward()
		res[k] = x.Grad().Sum().Item()
	}
	if math.Abs(res[0]-res[1]) > 1e-14 {
		t.Errorf("gradient through nested checkpoints %v, without %v", res[1], res[0])
	}
}

// TestCheckpointForwardAD checks dual inputs through Checkpoint: the
// non-reentrant form records the segment's ops the first time, so the result
// carries their tangent; the reentrant form's node has no forward derivative
// and says so.
func TestCheckpointForwardAD(t *testing.T) {
	seg := func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].Pow(3) }
	tensor.DualLevel(func() {
		x := tensor.MakeDual(tensor.Float64.Scalar(2), tensor.Float64.Scalar(1))
		if _, tan := tensor.UnpackDual(autograd.Checkpoint(seg, []*tensor.Tensor{x})); tan == nil || tan.Item() != 12 {
			t.Errorf("tangent of x³ at 2 through Checkpoint = %v, want 12", tan)
		}
		xg := tensor.MakeDual(tensor.Float64.Scalar(2).SetRequiresGrad(true), tensor.Float64.Scalar(1))
		err := tensor.Maybe(func() {
			tensor.UnpackDual(autograd.Checkpoint(seg, []*tensor.Tensor{xg}, autograd.CheckpointOptions{Reentrant: true}))
		})
		if !errors.Is(err, tensor.ErrNoForwardGrad) {
			t.Errorf("reentrant: got %v, want ErrNoForwardGrad", err)
		}
	})
}
