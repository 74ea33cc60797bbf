package distributed

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// underMPIRun reports whether this process was started by mpirun.
func underMPIRun() bool { return os.Getenv("OMPI_COMM_WORLD_SIZE") != "" }

// TestMPI runs this package's tests, built with -tags mpi, under mpirun on 2
// and 4 ranks (oversubscribed: this machine may have fewer cores). It skips only
// when mpirun is missing outside CI; CI (CI set) installs Open MPI and must run it.
func TestMPI(t *testing.T) {
	if underMPIRun() {
		t.Skip("this is a rank of the mpirun job")
	}
	bin := buildMPITest(t, ".")
	for _, np := range []int{2, 4} {
		t.Run(fmt.Sprintf("np=%d", np), func(t *testing.T) {
			out := runMPI(t, np, bin, "-test.run=^Test", "-test.count=1", "-test.timeout=5m", fmt.Sprintf("-test.v=%v", testing.Verbose()))
			if n := countLines(out, "PASS"); n != np {
				t.Fatalf("expected a PASS from each of %d ranks:\n%s", np, out)
			}
			if testing.Verbose() {
				t.Log("\n" + out)
			}
		})
	}
}

// buildMPITest compiles the tests of the package in dir with -tags mpi and
// returns the binary's path, skipping or failing as TestMPI says when mpirun is
// missing.
func buildMPITest(t *testing.T, dir string) string {
	t.Helper()
	if _, err := exec.LookPath("mpirun"); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev pkg-config); CI installs it")
		}
		t.Fatal("CI is set but mpirun is not installed:", err)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "mpi.test")
	build := exec.Command(goTool, "test", "-c", "-tags", "mpi", "-o", bin, ".")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go test -c -tags mpi: %v\n%s", err, out)
	}
	return bin
}

// runMPI runs bin with args on np ranks and returns their merged output,
// failing the test if the job fails or runs over 5 minutes.
func runMPI(t *testing.T, np int, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	argv := append([]string{"--allow-run-as-root", "--oversubscribe", "-np", fmt.Sprint(np), bin}, args...)
	cmd := exec.CommandContext(ctx, "mpirun", argv...)
	cmd.Env = append(os.Environ(), "GOGRAD_MPI_TESTDIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mpirun -np %d: %v\n%s", np, err, out)
	}
	return string(out)
}

// sharedDir returns a directory every rank of the job sees.
func sharedDir(t *testing.T) string {
	if !underMPIRun() {
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
