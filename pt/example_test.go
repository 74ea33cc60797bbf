package pt_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/pt"
	"github.com/gograd/gograd/tensor"
)

// Load a model PyTorch trained: torch.save(model.state_dict(), "digits_mlp.pt")
// of nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)).
func Example() {
	sd, err := pt.Load("testdata/digits_mlp.pt")
	if err != nil {
		panic(err)
	}
	model := nn.Sequential{nn.NewLinear(64, 32), nn.ReLU{}, nn.NewLinear(32, 10)}
	if err := nn.LoadStateDict(model, sd); err != nil {
		panic(err)
	}
	fmt.Println(sd["0.weight"].Shape(), sd["2.bias"].Shape())
	fmt.Println(model.Forward(tensor.Zeros(1, 64)).Shape())
	// Output:
	// [32 64] [10]
	// [1 10]
}

// Read a training checkpoint (a dict holding a state dict and more), as
// torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
// "epoch": 10}, path) writes it.
func ExampleLoadObject() {
	obj, err := pt.LoadObject("testdata/digits_checkpoint.pt")
	if err != nil {
		panic(err)
	}
	ck := obj.(map[string]any)
	sd, err := pt.StateDict(ck["model"])
	if err != nil {
		panic(err)
	}
	groups := ck["optimizer"].(map[string]any)["param_groups"].([]any)
	fmt.Println(len(sd), ck["epoch"], groups[0].(map[string]any)["lr"])
	// Output: 4 10 0.1
}

// Save weights for PyTorch: torch.load(path) returns an OrderedDict of tensors
// for model.load_state_dict.
func ExampleSave() {
	dir, err := os.MkdirTemp("", "gograd")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.pt")

	model := nn.Sequential{nn.NewLinear(3, 2)}
	if err := pt.Save(path, nn.StateDict(model)); err != nil {
		panic(err)
	}
	sd, err := pt.Load(path)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(sd), sd["0.weight"].Shape())
	// Output: 2 [2 3]
}
