package nn

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gograd/gograd/safetensors"
	"github.com/gograd/gograd/tensor"
)

func stateModel(seed uint64) Sequential {
	g := tensor.NewGenerator(seed)
	return Sequential{NewLinear(4, 8, WithGenerator(g)), ReLU{}, NewLinear(8, 2, WithGenerator(g))}
}

// TestStateDictFile saves a model's weights to a file and loads them into a model
// initialised differently, which then computes the same outputs.
func TestStateDictFile(t *testing.T) {
	src, dst := stateModel(1), stateModel(2)
	sd := StateDict(src)
	keys := make([]string, 0, len(sd))
	for k := range sd {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"0.bias", "0.weight", "2.bias", "2.weight"}; !slices.Equal(keys, want) {
		t.Fatalf("state dict keys %v, want PyTorch's %v", keys, want)
	}
	path := filepath.Join(t.TempDir(), "mlp.safetensors")
	if err := safetensors.Save(path, sd, nil); err != nil {
		t.Fatal(err)
	}
	loaded, _, err := safetensors.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := LoadStateDict(dst, loaded); err != nil {
		t.Fatal(err)
	}
	x := tensor.NewGenerator(3).Normal(tensor.Zeros(5, 4), 0, 1)
	if a, b := src.Forward(x).Values(), dst.Forward(x).Values(); !slices.Equal(a, b) {
		t.Errorf("outputs after loading %v, want %v", b, a)
	}
	if p := dst[0].Parameters()[0]; !p.RequiresGrad() || !p.IsLeaf() {
		t.Error("a loaded weight is no longer a leaf that requires grad")
	}
}

// TestLoadStateDictErrors checks that a state dict that does not fit is an error
// naming the problem, and leaves the model unchanged.
func TestLoadStateDictErrors(t *testing.T) {
	good := StateDict(stateModel(1))
	for _, c := range []struct {
		name string
		edit func(sd map[string]*tensor.Tensor)
		want string
	}{
		{"missing", func(sd map[string]*tensor.Tensor) { delete(sd, "2.bias") }, `Missing key(s) in state_dict: "2.bias"`},
		{"unexpected", func(sd map[string]*tensor.Tensor) { sd["3.weight"] = tensor.Zeros(1) }, `Unexpected key(s) in state_dict: "3.weight"`},
		{"shape", func(sd map[string]*tensor.Tensor) { sd["0.weight"] = tensor.Zeros(4, 8) },
			"size mismatch for 0.weight: copying a param with shape [4 8] from checkpoint, the shape in current model is [8 4]"},
	} {
		sd := make(map[string]*tensor.Tensor)
		for k, v := range good {
			sd[k] = v
		}
		c.edit(sd)
		m := stateModel(2)
		before := m[0].Parameters()[0].Values()
		err := LoadStateDict(m, sd)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		if !slices.Equal(m[0].Parameters()[0].Values(), before) {
			t.Errorf("%s: a failed load changed the model", c.name)
		}
	}
}

// TestLoadStateDictNilModule: a nil module is the caller's mistake, reported as a
// *tensor.Error of kind ErrNil at LoadStateDict, not a nil dereference.
func TestLoadStateDictNilModule(t *testing.T) {
	var lin *Linear
	for _, m := range []Module{nil, lin} {
		err := tensor.Maybe(func() { LoadStateDict(m, map[string]*tensor.Tensor{}) })
		var e *tensor.Error
		if !errors.As(err, &e) || !errors.Is(err, tensor.ErrNil) || e.Op != "LoadStateDict" {
			t.Errorf("LoadStateDict(%#v): got %v", m, err)
		}
	}
	// An empty Sequential, even a nil one, is a module without parameters.
	if err := LoadStateDict(Sequential(nil), nil); err != nil {
		t.Errorf("nil Sequential: %v", err)
	}
}
