package distributed

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/safetensors"
	"github.com/gograd/gograd/tensor"
)

func TestSaveOnRank0(t *testing.T) {
	dir := sharedDir(t)
	model := NewDDP(newNet(tensor.Float64, uint64(Rank())))
	path := filepath.Join(dir, "model.safetensors")
	calls := 0
	err := SaveOnRank0(func() error {
		calls++
		return safetensors.Save(path, nn.StateDict(model.Module()), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[bool]int{true: 1, false: 0}[Rank() == 0]; calls != want {
		t.Errorf("rank %d called save %d times, want %d", Rank(), calls, want)
	}
	// Every rank loads what rank 0 saved into a model initialised otherwise.
	sd, _, err := safetensors.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	loaded := newNet(tensor.Float64, 99)
	if err := nn.LoadStateDict(loaded, sd); err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(loaded.Parameters(), model.Parameters()); d != 0 {
		t.Errorf("loaded weights differ by %g", d)
	}
	Barrier() // rank 0 must not remove the directory while others read

	err = SaveOnRank0(func() error { return errors.New("disk full") })
	want := "disk full"
	if Rank() != 0 {
		want = "distributed: SaveOnRank0: rank 0: disk full"
	}
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	if got := BroadcastString(fmt.Sprint("from rank ", Rank()), WorldSize()-1); got != fmt.Sprint("from rank ", WorldSize()-1) {
		t.Errorf("BroadcastString: got %q", got)
	}
	if names := nn.NamedParameters(model); !slices.Equal([]string{names[0].Name, names[3].Name}, []string{"module.0.weight", "module.2.bias"}) {
		t.Errorf("DDP's parameter names: %v", names)
	}
}

func ExampleSaveOnRank0() {
	model := NewDDP(nn.NewLinear(3, 2))
	var dir string
	if Rank() == 0 {
		dir, _ = os.MkdirTemp("", "example")
	}
	dir = BroadcastString(dir, 0) // rank 0's directory, on every rank
	path := filepath.Join(dir, "model.safetensors")
	err := SaveOnRank0(func() error {
		return safetensors.Save(path, nn.StateDict(model.Module()), nil)
	})
	fmt.Println(err)
	sd, _, err := safetensors.Load(path) // any rank
	fmt.Println(len(sd), err)
	Barrier()
	if Rank() == 0 {
		os.RemoveAll(dir)
	}
	// Output:
	// <nil>
	// 2 <nil>
}
