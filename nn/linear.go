package nn

import (
	"fmt"
	"math"

	"github.com/gograd/gograd/internal/access"
	"github.com/gograd/gograd/internal/blas"
	"github.com/gograd/gograd/nn/functional"
	nninit "github.com/gograd/gograd/nn/init"
	"github.com/gograd/gograd/tensor"
)

// Option configures a layer made by a constructor such as NewLinear.
type Option func(*config)

type config struct {
	bias    bool
	dtype   tensor.DType
	gen     *tensor.Generator
	conv    functional.ConvOptions // groups and padding="same"
	spatial spatialArgs            // per-dim sizes as given
	norm    normConfig
	// paddingIdx is an Embedding's padding index, nil for none.
	paddingIdx *int
	// maxNorm and normType are an Embedding's max_norm (0: none) and norm_type (2
	// unless WithMaxNorm gives another).
	maxNorm, normType float64
	mha               mhaConfig // MultiheadAttention's options (mha.go)
}

func newConfig(opts []Option) config {
	c := config{bias: true, dtype: tensor.Float32, gen: tensor.DefaultGenerator(), normType: 2, norm: normConfig{eps: 1e-5, momentum: 0.1, affine: true, track: true}}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithBias sets whether the layer has a bias (PyTorch's bias argument); layers have
// one unless given WithBias(false).
func WithBias(on bool) Option { return func(c *config) { c.bias = on } }

// WithDType sets the dtype of the layer's parameters, Float32 unless given.
func WithDType(d tensor.DType) Option { return func(c *config) { c.dtype = d } }

// WithGenerator sets the generator the layer's initial values are drawn from,
// tensor.DefaultGenerator() unless given.
func WithGenerator(g *tensor.Generator) Option { return func(c *config) { c.gen = g } }

// weightAndBias returns a weight of the given shape (out, in, kernel...) and, if
// c asks for one, a bias (out; for a transposed convolution, whose weight is
// (in, out/groups, kernel...), out), drawn as PyTorch's Linear and ConvNd
// reset_parameters draw them: the weight kaiming_uniform with a = √5, which is
// U(-1/√fan_in, 1/√fan_in), then the bias from the same range (zero when fan_in is
// 0). Both are leaves that require grad.
func (c config) weightAndBias(shape ...int) (w, b *tensor.Tensor) {
	w = nninit.KaimingUniform_(c.dtype.Zeros(shape...), math.Sqrt(5), nninit.FanIn, "leaky_relu", c.gen)
	if c.bias {
		bound := 0.0
		if fanIn, _ := nninit.CalculateFanInAndFanOut(w); fanIn > 0 {
			bound = 1 / math.Sqrt(float64(fanIn))
		}
		b = c.gen.Uniform(c.dtype.Zeros(c.biasSize(shape)), -bound, bound).SetRequiresGrad(true)
	}
	return w.SetRequiresGrad(true), b
}

// Linear is a fully connected layer, y = x·Wᵀ + b (the counterpart of
// torch.nn.Linear). Weight has shape (OutFeatures, InFeatures) and Bias, nil when
// the layer has none, shape (OutFeatures).
type Linear struct {
	InFeatures, OutFeatures int
	Weight                  *tensor.Tensor
	Bias                    *tensor.Tensor
}

// NewLinear returns a Linear layer from in to out features, with a bias unless
// WithBias(false) is given, float32 unless WithDType says otherwise. Weight and
// bias are drawn as PyTorch's reset_parameters draws them (kaiming_uniform with
// a = √5, which is U(-1/√in, 1/√in); the bias from the same range), weight first,
// from tensor.DefaultGenerator() or the generator given WithGenerator. With in = 0
// the bias is zero. NewLinear panics if in or out is negative or the dtype is not a
// float type.
func NewLinear(in, out int, opts ...Option) *Linear {
	c := newConfig(opts)
	if in < 0 || out < 0 {
		fail("NewLinear", "in_features %d and out_features %d must not be negative", in, out)
	}
	if !c.dtype.IsFloat() {
		fail("NewLinear", "parameters need a float dtype, got %v", c.dtype)
	}
	l := &Linear{InFeatures: in, OutFeatures: out}
	l.Weight, l.Bias = c.weightAndBias(out, in)
	return l
}

// Forward returns x·Wᵀ + b for x of shape (..., InFeatures): a matrix (N, in) gives
// (N, out), a vector (in) gives (out), and leading dims are kept. The product is
// computed without materialising Wᵀ, as one node whose name is the grad_fn PyTorch
// 1.13 reports for the same input (AddmmBackward0 for a matrix with bias,
// MmBackward0 without; see linearName). It panics if x is 0-d, if its last dim is
// not InFeatures, or if its dtype differs from the weight's.
func (l *Linear) Forward(x *tensor.Tensor) *tensor.Tensor {
	in, out := l.Weight.Size(1), l.Weight.Size(0)
	if x.Dim() == 0 || x.Size(-1) != in {
		fail("Linear", "input shape %v does not end in in_features %d (weight shape %v)", x.Shape(), in, l.Weight.Shape())
	}
	if x.DType() != l.Weight.DType() {
		fail("Linear", "input dtype %v differs from the weight's %v", x.DType(), l.Weight.DType())
	}
	if l.Bias != nil && (l.Bias.Dim() != 1 || l.Bias.Size(0) != out || l.Bias.DType() != x.DType()) {
		fail("Linear", "bias of shape %v and dtype %v does not fit weight of shape %v and dtype %v",
			l.Bias.Shape(), l.Bias.DType(), l.Weight.Shape(), l.Weight.DType())
	}
	shape := x.Shape()
	shape[len(shape)-1] = out
	f := &linear{name: linearName(x.Dim(), l.Bias != nil), in: in, out: out, shape: shape, bias: l.Bias != nil}
	if l.Bias == nil {
		return tensor.Apply(f, x, l.Weight)
	}
	return tensor.Apply(f, x, l.Weight, l.Bias)
}

// Parameters returns the weight, then the bias if there is one.
func (l *Linear) Parameters() []*tensor.Tensor { return weightBias(l.Weight, l.Bias) }

// NamedParameters returns "weight", then "bias" if there is one.
func (l *Linear) NamedParameters() []NamedParameter { return namedWeightBias(l.Weight, l.Bias) }

// String returns the layer as PyTorch prints it, such as
// "Linear(in_features=4, out_features=3, bias=True)".
func (l *Linear) String() string {
	b := "False"
	if l.Bias != nil {
		b = "True"
	}
	return fmt.Sprintf("Linear(in_features=%d, out_features=%d, bias=%s)", l.InFeatures, l.OutFeatures, b)
}

// linearName returns the grad_fn torch 1.13's F.linear reports for an input with
// dim dims: addmm for a matrix with bias, mm without; matmul's squeeze for a
// vector, then the bias add; the fused 3-d path (addmm, then a view) with bias, and
// matmul's unsafe view otherwise.
func linearName(dim int, bias bool) string {
	switch {
	case dim == 2 && bias:
		return "AddmmBackward0"
	case dim == 2:
		return "MmBackward0"
	case dim == 1 && !bias:
		return "SqueezeBackward3"
	case dim == 3 && bias:
		return "ViewBackward0"
	case bias:
		return "AddBackward0"
	}
	return "UnsafeViewBackward0"
}

// linear is F.linear as one graph node: its own node so that the forward can hand
// Wᵀ to the matrix-multiply kernel as a flag instead of a transposed copy, and so
// that it reports PyTorch's grad_fn name. Inputs: x (..., in), W (out, in) and
// optionally b (out). BenchmarkLinear (float32, medians of 3 on a 2-core VM):
// 64×784×128 forward 103 µs against 297 µs for x.MatMul(W.T()).Add(b), forward
// and backward 0.41 ms against 1.9 ms; 256×256×256 forward 0.24 ms against 0.98 ms.
type linear struct {
	name    string
	in, out int
	shape   []int // the result's shape: x's with the last dim out
	bias    bool
}

func (f *linear) Name() string { return f.name }

// rows returns the number of rows of x viewed as a matrix (rows, in).
func (f *linear) rows() int {
	n := 1
	for _, d := range f.shape[:len(f.shape)-1] {
		n *= d
	}
	return n
}

func (f *linear) Forward(ctx *tensor.Context, in ...*tensor.Tensor) *tensor.Tensor {
	x, w := in[0].Contiguous(), in[1].Contiguous() // the kernel reads raw row-major elements
	// Saved are the inputs themselves, not the copies Contiguous makes of
	// strided ones: the copies are outside the graph, and a backward recorded
	// for higher-order gradients must reach x and W through them.
	ctx.SaveForBackward(in[0], in[1])
	rows := f.rows()
	y := uninit(x.DType(), f.shape...) // addmm writes every element
	if x.DType() == tensor.Float32 {
		var b []float32
		if len(in) == 3 {
			b = in[2].Contiguous().Float32s()
		}
		addmm(y.Float32s(), x.Float32s(), w.Float32s(), b, rows, f.in, f.out)
	} else {
		var b []float64
		if len(in) == 3 {
			b = in[2].Contiguous().Float64s()
		}
		addmm(y.Float64s(), x.Float64s(), w.Float64s(), b, rows, f.in, f.out)
	}
	return y
}

// uninit returns a tensor of dtype dt and the given shape whose elements are
// undefined (NaN when the tensor pool poisons its buffers), for a kernel that
// writes every element before reading any; it saves clearing the storage.
func uninit(dt tensor.DType, shape ...int) *tensor.Tensor {
	return access.Uninit(dt, shape).(*tensor.Tensor)
}

// addmm sets y (rows×out) to x·wᵀ + b, with x rows×in, w out×in and b (out) or nil,
// in the order torch.addmm computes it: the product is added to b, broadcast
// over the rows, which the kernel does as it stores y (copying b into y first
// cost the transformer step 3 % of its time).
func addmm[T float32 | float64](y, x, w, b []T, rows, in, out int) {
	blas.GemmBias(false, true, rows, out, in, 1, x, max(in, 1), w, max(in, 1), b, y, max(out, 1))
}

// Backward: dx = grad·W; dW = gradᵀ·x; db = grad summed over the rows, where grad
// and x are viewed as matrices (rows, out) and (rows, in).
func (f *linear) Backward(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	s := ctx.Saved()
	x, w := s[0], s[1]
	rows := f.rows()
	g2 := g.Reshape(rows, f.out)
	grads := make([]*tensor.Tensor, 2, 3)
	if ctx.NeedsInputGrad(0) {
		grads[0] = g2.MatMul(w).Reshape(x.Shape()...)
	}
	if ctx.NeedsInputGrad(1) {
		if ctx.CreatingGraph() && (g.RequiresGrad() || x.RequiresGrad()) {
			grads[1] = g2.T().MatMul(x.Reshape(rows, f.in)) // recorded, for higher-order gradients
		} else {
			grads[1] = f.gradWeight(g2, x)
		}
	}
	if f.bias {
		grads = append(grads, nil)
		if ctx.NeedsInputGrad(2) {
			grads[2] = g2.Sum(0)
		}
	}
	return grads
}

// BackwardBatched is Backward for the gradients of B rows stacked along dim 0
// (tensor.BatchedBackward), each input's gradient for all rows one matrix
// product: dx = grad·W; dW[b] = grad[b]ᵀ·x; db[b] = grad[b] summed over the rows.
func (f *linear) BackwardBatched(ctx *tensor.Context, g *tensor.Tensor) []*tensor.Tensor {
	s := ctx.Saved()
	x, w := s[0], s[1]
	b, rows := g.Size(0), f.rows()
	grads := make([]*tensor.Tensor, 2, 3)
	if ctx.NeedsInputGrad(0) {
		grads[0] = g.Reshape(b*rows, f.out).MatMul(w).Reshape(append([]int{b}, x.Shape()...)...)
	}
	if ctx.NeedsInputGrad(1) {
		gt := g.Reshape(b, rows, f.out).Transpose(1, 2).Reshape(b*f.out, rows) // each row's gradᵀ, stacked
		grads[1] = gt.MatMul(x.Reshape(rows, f.in)).Reshape(b, f.out, f.in)
	}
	if f.bias {
		grads = append(grads, nil)
		if ctx.NeedsInputGrad(2) {
			grads[2] = g.Reshape(b, rows, f.out).Sum(1)
		}
	}
	return grads
}

// gradWeight returns gᵀ·x, (out, in), for g (rows, out) and x viewed as (rows, in),
// handing the transpose to the kernel as a flag rather than copying gᵀ.
func (f *linear) gradWeight(g, x *tensor.Tensor) *tensor.Tensor {
	rows := f.rows()
	g, x = g.Contiguous(), x.Contiguous()
	dw := uninit(g.DType(), f.out, f.in) // beta 0: the kernel writes every element
	if g.DType() == tensor.Float32 {
		blas.Gemm(true, false, f.out, f.in, rows, 1, g.Float32s(), max(f.out, 1), x.Float32s(), max(f.in, 1), 0, dw.Float32s(), max(f.in, 1))
	} else {
		blas.Gemm(true, false, f.out, f.in, rows, 1, g.Float64s(), max(f.out, 1), x.Float64s(), max(f.in, 1), 0, dw.Float64s(), max(f.in, 1))
	}
	return dw
}
