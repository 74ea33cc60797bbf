package safetensors_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/safetensors"
	"github.com/gograd/gograd/tensor"
)

// Save a model's weights and load them into another model, as
// torch.save(model.state_dict(), path) and model.load_state_dict(torch.load(path))
// do in PyTorch.
func Example() {
	dir, err := os.MkdirTemp("", "gograd")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")

	model := nn.Sequential{nn.NewLinear(3, 2), nn.ReLU{}}
	if err := safetensors.Save(path, nn.StateDict(model), nil); err != nil {
		panic(err)
	}

	restored := nn.Sequential{nn.NewLinear(3, 2), nn.ReLU{}}
	sd, _, err := safetensors.Load(path)
	if err != nil {
		panic(err)
	}
	if err := nn.LoadStateDict(restored, sd); err != nil {
		panic(err)
	}
	fmt.Println(len(sd), sd["0.weight"].Shape())
	x := tensor.Ones(1, 3)
	fmt.Println(slices.Equal(restored.Forward(x).Values(), model.Forward(x).Values()))
	// Output:
	// 2 [2 3]
	// true
}
