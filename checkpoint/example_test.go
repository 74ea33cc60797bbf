package checkpoint_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/gograd/gograd/checkpoint"
	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/tensor"
)

// Save a model, its generator's state and the step; load them into a fresh
// model, which then draws the same random numbers the saved run would have.
// (Optimizers and schedulers with StateDict go in State.Optimizer and
// State.Scheduler.)
func Example() {
	dir, err := os.MkdirTemp("", "gograd")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "run.ckpt")

	g := tensor.NewGenerator(0)
	model := nn.Sequential{nn.NewLinear(3, 2, nn.WithGenerator(g))}
	if err := checkpoint.Save(path, checkpoint.State{Model: model, RNG: g, Step: 100}); err != nil {
		panic(err)
	}
	next := g.Intn(1000)

	g2 := tensor.NewGenerator(1)
	restored := checkpoint.State{Model: nn.Sequential{nn.NewLinear(3, 2, nn.WithGenerator(g2))}, RNG: g2}
	if err := checkpoint.Load(path, &restored); err != nil {
		panic(err)
	}
	x := tensor.Ones(1, 3)
	fmt.Println(restored.Step, g2.Intn(1000) == next)
	fmt.Println(slices.Equal(restored.Model.(nn.Sequential).Forward(x).Values(), model.Forward(x).Values()))
	// Output:
	// 100 true
	// true
}
