package nn

import (
	"slices"
	"strings"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// treeNet is a model built as a struct, the way users write one.
type treeNet struct {
	Features Sequential
	Head     *Linear
	mode     *modeProbe
}

func (n *treeNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	return n.Head.Forward(n.Features.Forward(x))
}
func (n *treeNet) Parameters() []*tensor.Tensor { return Parameters(n) }
func (n *treeNet) NamedChildren() []NamedModule {
	return []NamedModule{{"features", n.Features}, {"head", n.Head}, {"probe", n.mode}}
}

// modeProbe records the mode Train and Eval give it.
type modeProbe struct{ training bool }

func (p *modeProbe) Forward(x *tensor.Tensor) *tensor.Tensor { return x }
func (p *modeProbe) Parameters() []*tensor.Tensor            { return nil }
func (p *modeProbe) SetTraining(on bool)                     { p.training = on }
func (p *modeProbe) Training() bool                          { return p.training }
func (p *modeProbe) String() string                          { return "Identity()" }

func newTreeNet() *treeNet {
	g := tensor.NewGenerator(1)
	return &treeNet{
		Features: Sequential{NewLinear(4, 8, WithGenerator(g)), ReLU{}},
		Head:     NewLinear(8, 2, WithGenerator(g)),
		mode:     &modeProbe{},
	}
}

func TestNamedModulesAndParameters(t *testing.T) {
	n := newTreeNet()
	var names []string
	for _, m := range NamedModules(n) {
		names = append(names, m.Name)
	}
	if want := []string{"", "features", "features.0", "features.1", "head", "probe"}; !slices.Equal(names, want) {
		t.Errorf("NamedModules %q, want %q", names, want)
	}
	names = names[:0]
	for _, p := range NamedParameters(n) {
		names = append(names, p.Name)
	}
	if want := []string{"features.0.weight", "features.0.bias", "head.weight", "head.bias"}; !slices.Equal(names, want) {
		t.Errorf("NamedParameters %q, want PyTorch's %q", names, want)
	}
	if len(n.Parameters()) != 4 {
		t.Errorf("Parameters has %d tensors, want 4", len(n.Parameters()))
	}
}

func TestTrainEvalApply(t *testing.T) {
	n := newTreeNet()
	Train(n)
	if !n.mode.Training() {
		t.Error("Train did not reach a grandchild")
	}
	Eval(n)
	if n.mode.Training() {
		t.Error("Eval did not reach a grandchild")
	}
	var order []string
	Apply(n, func(m Module) { order = append(order, typeName(m)) })
	if want := []string{"Linear", "ReLU", "Sequential", "Linear", "modeProbe", "treeNet"}; !slices.Equal(order, want) {
		t.Errorf("Apply visited %q, want children first %q", order, want)
	}
}

func TestZeroGradRequiresGrad(t *testing.T) {
	n := newTreeNet()
	n.Forward(tensor.Ones(3, 4)).Sum().Backward()
	if n.Head.Weight.Grad() == nil {
		t.Fatal("no gradient after Backward")
	}
	ZeroGrad(n)
	for _, p := range NamedParameters(n) {
		if p.Tensor.Grad() != nil {
			t.Errorf("%s: gradient after ZeroGrad", p.Name)
		}
	}
	RequiresGrad_(n, false)
	if y := n.Forward(tensor.Ones(3, 4)); y.RequiresGrad() {
		t.Error("a frozen model's output requires grad")
	}
}

// TestFormat compares with print(model) of the same model in PyTorch 1.13:
// class Net(nn.Module) with features = nn.Sequential(nn.Linear(4, 8), nn.ReLU()),
// head = nn.Linear(8, 2) and probe = nn.Identity().
func TestFormat(t *testing.T) {
	want := `treeNet(
  (features): Sequential(
    (0): Linear(in_features=4, out_features=8, bias=True)
    (1): ReLU()
  )
  (head): Linear(in_features=8, out_features=2, bias=True)
  (probe): Identity()
)`
	if got := Format(newTreeNet()); got != want {
		t.Errorf("Format:\n%s\nwant\n%s", got, want)
	}
	s := Summary(newTreeNet())
	for _, line := range []string{"features.0 (Linear)  40", "head (Linear)        18", "Total params: 58", "Trainable params: 58"} {
		if !strings.Contains(s, line) {
			t.Errorf("Summary lacks %q:\n%s", line, s)
		}
	}
	if commas(1234567) != "1,234,567" || commas(999) != "999" {
		t.Error("commas")
	}
}
