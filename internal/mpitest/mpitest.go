// Package mpitest runs a package's code under mpirun from an ordinary go test:
// it builds a binary with -tags mpi and starts it on several ranks.
package mpitest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// UnderMPIRun reports whether this process is a rank of an mpirun job.
func UnderMPIRun() bool { return os.Getenv("OMPI_COMM_WORLD_SIZE") != "" }

// Build runs "go <goArgs...> -tags mpi -o BIN ." in dir (goArgs is "build" for
// a program, "test -c" for a package's tests) and returns BIN. It skips the
// test when mpirun is missing, unless the environment variable CI is set: CI
// installs Open MPI and must run these tests, so there it fails instead.
func Build(t *testing.T, dir string, goArgs ...string) string {
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
	bin := filepath.Join(t.TempDir(), "mpi.bin")
	args := append(append([]string{}, goArgs...), "-tags", "mpi", "-o", bin, ".")
	build := exec.Command(goTool, args...)
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go %v: %v\n%s", args, err, out)
	}
	return bin
}

// Run runs bin with args on np ranks (oversubscribed, as root if need be) and
// returns their merged output, failing the test if the job fails or runs over
// 5 minutes. The ranks get a directory they share in GOGRAD_MPI_TESTDIR.
func Run(t *testing.T, np int, bin string, args ...string) string {
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
