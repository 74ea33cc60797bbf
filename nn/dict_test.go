package nn

import (
	"slices"
	"testing"

	"github.com/gograd/gograd/tensor"
)

// Holder is gen_modules.py's model of the containers: a ModuleDict, a
// ParameterList and a ParameterDict.
type Holder struct {
	Blocks *ModuleDict
	Scales ParameterList
	Extra  *ParameterDict
}

func (h *Holder) Forward(x *tensor.Tensor) *tensor.Tensor { return x }
func (h *Holder) Parameters() []*tensor.Tensor            { return Parameters(h) }
func (h *Holder) NamedChildren() []NamedModule {
	return []NamedModule{{"blocks", h.Blocks}, {"scales", h.Scales}, {"extra", h.Extra}}
}

// TestContainersGolden builds gen_modules.py's Holder and checks its state-dict
// keys (in PyTorch's order: "blocks.proj.weight", "scales.0", "extra.alpha"),
// that PyTorch's state dict loads into it, and its printed form, with the
// printed ParameterList and ParameterDict of one and two parameters.
func TestContainersGolden(t *testing.T) {
	var file modulesFile
	loadJSON(t, "testdata/modules.json", &file)
	c := file.Containers
	f64 := WithDType(tensor.Float64)
	h := &Holder{
		Blocks: NewModuleDict(NamedModule{"proj", NewLinear(3, 2, f64)}, NamedModule{"act", ReLU{}}, NamedModule{"norm", NewLayerNorm([]int{2}, f64)}),
		Scales: ParameterList{tensor.Float64.Zeros(2).SetRequiresGrad(true), tensor.Float64.Zeros(3, 2).SetRequiresGrad(true)},
		Extra: NewParameterDict(NamedParameter{"alpha", tensor.Float64.Zeros(1).SetRequiresGrad(true)},
			NamedParameter{"beta", tensor.Float64.Zeros(2, 2).SetRequiresGrad(true)}),
	}
	var keys []string
	for _, p := range state(h) {
		keys = append(keys, p.Name)
	}
	if !slices.Equal(keys, c.Keys) {
		t.Errorf("state dict keys %q, want PyTorch's %q", keys, c.Keys)
	}
	sd := c.StateDict.tensors()
	if err := LoadStateDict(h, sd); err != nil {
		t.Fatal(err)
	}
	for k, v := range StateDict(h) {
		if !slices.Equal(v.Values(), sd[k].Values()) {
			t.Errorf("%s = %v after loading, want %v", k, v.Values(), sd[k].Values())
		}
	}
	if s := Format(h); s != c.Repr {
		t.Errorf("printed\n%s\nwant\n%s", s, c.Repr)
	}
	pl := ParameterList{tensor.Zeros(3, 4), tensor.Float64.Zeros(2)}
	pd := NewParameterDict(NamedParameter{"a", tensor.Zeros(3, 4)}, NamedParameter{"b", tensor.Float64.Zeros(2)})
	one := NewParameterDict(NamedParameter{"a", tensor.Zeros(3, 4)})
	for _, r := range []struct{ got, want string }{{Format(pl), c.ParameterListRepr}, {Format(pd), c.ParameterDictRepr}, {Format(one), c.ParameterDictOneRepr}} {
		if r.got != r.want {
			t.Errorf("printed\n%s\nwant\n%s", r.got, r.want)
		}
	}
}

// TestModuleDictOrder checks that ModuleDict and ParameterDict keep insertion
// order, replace in place, delete, and refuse bad names, as PyTorch's do.
func TestModuleDictOrder(t *testing.T) {
	d := &ModuleDict{}
	d.Set("b", ReLU{})
	d.Set("a", Tanh{})
	d.Set("b", Sigmoid{})
	if m, ok := d.Get("b"); !ok || m != (Sigmoid{}) || !slices.Equal(d.Keys(), []string{"b", "a"}) {
		t.Errorf("keys %v, b = %v; want [b a] and Sigmoid", d.Keys(), m)
	}
	d.Delete("b")
	if _, ok := d.Get("b"); ok || d.Len() != 1 {
		t.Errorf("after Delete: keys %v", d.Keys())
	}
	p := &ParameterDict{}
	x, y := tensor.Zeros(1), tensor.Ones(2)
	p.Set("x", x)
	p.Set("y", y)
	p.Set("x", y)
	if got, _ := p.Get("x"); got != y || !slices.Equal(p.Keys(), []string{"x", "y"}) {
		t.Errorf("keys %v", p.Keys())
	}
	p.Delete("x")
	if p.Len() != 1 || len(p.Parameters()) != 1 {
		t.Errorf("after Delete: keys %v", p.Keys())
	}
	for _, f := range []func(){
		func() { d.Set("a.b", ReLU{}) },
		func() { NewModuleDict(NamedModule{"a", ReLU{}}, NamedModule{"a", Tanh{}}) },
		func() { p.Set("", x) },
		func() { d.Forward(x) },
		func() { ParameterList{}.Forward(x) },
	} {
		if err := tensor.Maybe(f); err == nil {
			t.Error("no panic")
		}
	}
}

// TestEmbeddingFromPretrained checks that from_pretrained's counterparts use the
// given weights (shared, as PyTorch's Parameter(_weight)), frozen or trained,
// keep the padding row's values, and look rows up.
func TestEmbeddingFromPretrained(t *testing.T) {
	w := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 3, 2)
	e := EmbeddingFromPretrained(w, true, WithPaddingIdx(0))
	if e.Weight.RequiresGrad() || e.PaddingIdx != 0 || e.Weight.DType() != tensor.Float64 {
		t.Errorf("frozen %v, padding %d, dtype %v", !e.Weight.RequiresGrad(), e.PaddingIdx, e.Weight.DType())
	}
	if got := e.Forward(tensor.New([]int64{2, 0})).Values(); !slices.Equal(got, []float64{5, 6, 1, 2}) {
		t.Errorf("lookup %v", got)
	}
	tensor.NoGrad(func() { w.Fill_(0) })
	if e.Weight.Values()[0] != 0 {
		t.Error("the weight does not share the given tensor's storage")
	}
	b := EmbeddingBagFromPretrained(tensor.New([]float32{1, 2, 3, 4}, 2, 2), false, "sum")
	if !b.Weight.RequiresGrad() || b.String() != "EmbeddingBag(2, 2, mode=sum)" {
		t.Errorf("%v requires grad %v", b, b.Weight.RequiresGrad())
	}
	if got := b.Forward(tensor.New([]int64{0, 1}, 1, 2)).Values(); !slices.Equal(got, []float64{4, 6}) {
		t.Errorf("bag sum %v", got)
	}
	if err := tensor.Maybe(func() { EmbeddingFromPretrained(tensor.Zeros(3), true) }); err == nil {
		t.Error("a 1-d weight did not panic")
	}
}

// TestEmbeddingScaleGradByFreq checks the module's scale_grad_by_freq: each
// row's gradient divided by how often the input holds it (hand-derived: row 1
// looked up three times, row 2 once, a sum's upstream gradient of ones), and
// its printed form. The functional op's goldens are convs.json's
// embedding_freq cases.
func TestEmbeddingScaleGradByFreq(t *testing.T) {
	e := NewEmbedding(4, 2, WithGenerator(tensor.NewGenerator(1)))
	e.ScaleGradByFreq = true
	e.Forward(tensor.New([]int64{1, 2, 1, 1}, 2, 2)).Sum().Backward()
	checkClose(t, "weight gradient", e.Weight.Grad().Values(), []float64{0, 0, 1, 1, 1, 1, 0, 0}, 1e-7, 0)
	if got, want := e.String(), "Embedding(4, 2, scale_grad_by_freq=True)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
