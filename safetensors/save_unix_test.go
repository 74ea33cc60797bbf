//go:build unix

package safetensors

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gograd/gograd/tensor"
)

func small() map[string]*tensor.Tensor { return map[string]*tensor.Tensor{"w": tensor.Ones(3)} }

// TestSaveFileMode: a saved file replaces another keeping its permission bits,
// and a new one gets 0644 less the umask, as os.Create gives (it was always 0600).
func TestSaveFileMode(t *testing.T) {
	dir := t.TempDir()
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	for _, mode := range []fs.FileMode{0o644, 0o640, 0o600, 0o666} {
		path := filepath.Join(dir, "m"+strconv.Itoa(int(mode)))
		os.WriteFile(path, nil, 0o600)
		os.Chmod(path, mode)
		if err := Save(path, small(), nil); err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != mode {
			t.Errorf("replacing a %v file left mode %v", mode, fi.Mode().Perm())
		}
	}
	for _, c := range []struct{ umask, want fs.FileMode }{{0o022, 0o644}, {0o077, 0o600}, {0o002, 0o644}} {
		syscall.Umask(int(c.umask))
		path := filepath.Join(dir, "new"+strconv.Itoa(int(c.umask)))
		if err := Save(path, small(), nil); err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != c.want {
			t.Errorf("umask %v: new file has mode %v, want %v", c.umask, fi.Mode().Perm(), c.want)
		}
	}
}

// TestSaveThroughSymlink: saving to a symbolic link replaces the file it points
// to and keeps the link (it used to replace the link with a regular file).
func TestSaveThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "store"), 0o755)
	target := filepath.Join(dir, "store", "model.safetensors")
	if err := Save(target, sample(), nil); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "latest")
	if err := os.Symlink("store/model.safetensors", link); err != nil {
		t.Fatal(err)
	}
	if err := Save(link, small(), nil); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("the link is gone: %v %v", fi.Mode(), err)
	}
	got, _, err := Load(target)
	if err != nil || len(got) != 1 || !equal(got["w"], small()["w"]) {
		t.Errorf("the target holds %v, %v", got, err)
	}
	// A dangling link: the file it names is created.
	dangling := filepath.Join(dir, "dangling")
	os.Symlink("store/new.safetensors", dangling)
	if err := Save(dangling, small(), nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(filepath.Join(dir, "store", "new.safetensors")); err != nil {
		t.Errorf("through a dangling link: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("%d entries beside the links, want 3 (store and two links)", len(entries))
	}
}

// deadPID returns the id of a process that has exited.
func deadPID(t *testing.T) int {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true(1) to make a dead process id with")
	}
	return cmd.Process.Pid
}

// TestSaveRemovesStaleTempFiles: temporary files of Saves whose process died are
// removed by the next Save to the same path; those of live processes are not.
func TestSaveRemovesStaleTempFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	stale := filepath.Join(dir, ".m.safetensors.tmp-"+strconv.Itoa(deadPID(t))+"-abc")
	live := filepath.Join(dir, ".m.safetensors.tmp-"+strconv.Itoa(os.Getppid())+"-abc")
	mine := filepath.Join(dir, ".m.safetensors.tmp-"+strconv.Itoa(os.Getpid())+"-abc")
	other := filepath.Join(dir, ".n.safetensors.tmp-"+strconv.Itoa(deadPID(t))+"-abc")
	for _, f := range []string{stale, live, mine, other} {
		os.WriteFile(f, []byte("partial"), 0o600)
	}
	if err := Save(path, small(), nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		kept bool
	}{{stale, false}, {live, true}, {mine, true}, {other, true}} {
		if _, err := os.Stat(c.path); (err == nil) != c.kept {
			t.Errorf("%s: kept %v, want %v", filepath.Base(c.path), err == nil, c.kept)
		}
	}
}

// TestSaveKilled kills a process in the middle of saving 256 MiB over an
// existing file (once its temporary file passes 1 MiB): the file keeps its old contents, the process's temporary file
// is left behind, and the next Save removes it.
func TestSaveKilled(t *testing.T) {
	if path := os.Getenv("GOGRAD_SAVE_HELPER"); path != "" {
		Save(path, map[string]*tensor.Tensor{"w": tensor.Ones(64 << 20)}, nil) // killed before it returns
		os.Exit(0)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	if err := Save(path, small(), nil); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	cmd := exec.Command(os.Args[0], "-test.run=^TestSaveKilled$")
	cmd.Env = append(os.Environ(), "GOGRAD_SAVE_HELPER="+path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	prefix := ".m.safetensors.tmp-" + strconv.Itoa(cmd.Process.Pid) + "-"
	var temp string
	for deadline := time.Now().Add(30 * time.Second); temp == "" && time.Now().Before(deadline); {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if fi, err := e.Info(); err == nil && strings.HasPrefix(e.Name(), prefix) && fi.Size() > 1<<20 {
				temp = filepath.Join(dir, e.Name())
			}
		}
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if temp == "" {
		t.Fatal("the helper wrote no temporary file within 30 s")
	}
	fi, err := os.Stat(temp)
	if err != nil {
		t.Fatalf("the killed Save left no temporary file: %v", err)
	}
	t.Logf("killed during Save: %d-byte temporary file left", fi.Size())
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("a killed Save changed the file")
	}
	if err := Save(path, small(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(temp); err == nil {
		t.Error("the next Save left the killed Save's temporary file")
	}
}
