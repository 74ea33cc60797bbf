package distributed

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gograd/gograd/internal/mpitest"
)

// The tests of this package are written for a world of any size: each rank
// computes the values every rank contributes, so it can compute the result of
// a collective itself and compare. Run plainly (go test), they test the
// one-process world of the default build. TestMPI builds the same tests with
// -tags mpi and runs them under mpirun on 2 and 4 ranks.

func TestMain(m *testing.M) {
	if err := Init(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := Finalize(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// TestMPI runs this package's tests, built with -tags mpi, under mpirun on 2
// and 4 ranks (oversubscribed: this machine may have fewer cores), and on 2
// ranks built with the race detector too, which watches the communication
// goroutine and DDP's hooks against real MPI. It skips only when mpirun is
// missing outside CI; CI (CI set) installs Open MPI and must run it.
func TestMPI(t *testing.T) {
	if mpitest.UnderMPIRun() {
		t.Skip("this is a rank of the mpirun job")
	}
	bin := mpitest.Build(t, ".", "test", "-c")
	raceBin := mpitest.Build(t, ".", "test", "-c", "-race")
	for _, c := range []struct {
		name string
		np   int
		bin  string
	}{{"np=2", 2, bin}, {"np=4", 4, bin}, {"np=2/race", 2, raceBin}} {
		t.Run(c.name, func(t *testing.T) {
			out := mpitest.Run(t, c.np, c.bin, "-test.run=^Test", "-test.count=1", "-test.timeout=5m", fmt.Sprintf("-test.v=%v", testing.Verbose()))
			if n := countLines(out, "PASS"); n != c.np {
				t.Fatalf("expected a PASS from each of %d ranks:\n%s", c.np, out)
			}
			if testing.Verbose() {
				t.Log("\n" + out)
			}
		})
	}
}

// sharedDir returns a directory every rank of the job sees.
func sharedDir(t *testing.T) string {
	if !mpitest.UnderMPIRun() {
		return t.TempDir()
	}
	d := os.Getenv("GOGRAD_MPI_TESTDIR")
	if d == "" {
		t.Fatal("GOGRAD_MPI_TESTDIR is not set: run these tests through TestMPI, which sets it")
	}
	return d
}

// countLines returns how many lines of out are line.
func countLines(out, line string) int {
	n := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.TrimSpace(l) == line {
			n++
		}
	}
	return n
}
