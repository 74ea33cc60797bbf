package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/gograd/gograd/distributed"
	"github.com/gograd/gograd/internal/mpitest"
)

func TestMain(m *testing.M) {
	if err := distributed.Init(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := distributed.Finalize(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// TestTrains checks that the network learns the digits (a plain Go MLP of the
// same size reaches 96 % here) and that the reloaded weights classify the test
// images as the trained ones do.
func TestTrains(t *testing.T) {
	var out bytes.Buffer
	acc, reloaded, err := run(&out)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	if acc < 0.93 {
		t.Errorf("test accuracy %.3f, want at least 0.93", acc)
	}
	if reloaded != acc {
		t.Errorf("the reloaded model's test accuracy is %.3f, the trained one's %.3f", reloaded, acc)
	}
}

// TestMPI runs the program on 2 and 4 processes with mpirun and checks that it
// reaches the accuracy of one process: each step averages the gradients of the
// same 32 images, split over the processes, so the two differ only by the
// order of float32 sums. It skips when mpirun is missing, unless CI is set.
func TestMPI(t *testing.T) {
	bin := mpitest.Build(t, ".", "build")
	var out bytes.Buffer
	one, _, err := run(&out)
	if err != nil {
		t.Fatal(err)
	}
	accuracy := regexp.MustCompile(`(?m)^test accuracy: ([0-9.]+) %$`)
	for _, np := range []int{2, 4} {
		got := mpitest.Run(t, np, bin)
		m := accuracy.FindAllStringSubmatch(got, -1)
		if len(m) != 1 {
			t.Fatalf("np=%d: want one accuracy line (from rank 0):\n%s", np, got)
		}
		acc, _ := strconv.ParseFloat(m[0][1], 64)
		t.Logf("np=%d: test accuracy %.1f %% (one process: %.1f %%)\n%s", np, acc, 100*one, got)
		// One image of the 359 held out is 0.3 %; allow two to change class.
		if d := acc/100 - one; d < -0.006 || d > 0.006 {
			t.Errorf("np=%d: test accuracy %.1f %%, one process %.1f %%", np, acc, 100*one)
		}
	}
}
