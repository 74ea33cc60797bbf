// Package atomicfile writes files so that a crash or a kill at any moment leaves
// either the old file or the whole new one under the name, never a part. It is
// how gograd's savers (safetensors, pt, checkpoint) write.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// tempMarker separates a file's name from the process id and random suffix in
// the names of the temporary files: ".model.safetensors.tmp-1234-5678".
const tempMarker = ".tmp-"

// maxLinks bounds how many symbolic links Write follows from path.
const maxLinks = 40

// syncDirHook is syncDir, which a test replaces to see that Write calls it
// after the rename.
var syncDirHook = syncDir

// Write calls write with a buffered writer on a temporary file beside path,
// then flushes and fsyncs the file, renames it over path and fsyncs the
// directory, so path is either left as it was or holds the whole new file, also
// after a crash. If write or any step fails, the temporary file is removed and
// path is left as it was.
//
// The file gets the permission bits of the file it replaces, or else 0644 less
// the process's umask, as os.Create would give. When path is a symbolic link,
// Write writes through it: the file the link points to is replaced (and created
// if the link dangles), and the link stays.
//
// A process killed during Write leaves its temporary file, named
// ".<name>.tmp-<pid>-<random>" beside the target; the next Write to the same
// path removes those whose process no longer runs (on platforms other than
// Unix and Windows, it cannot tell, and leaves them).
func Write(path string, write func(io.Writer) error) (err error) {
	target, err := resolveLinks(path)
	if err != nil {
		return err
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	prefix := "." + base + tempMarker
	removeStale(dir, prefix)
	perm := fs.FileMode(0o644) // less the umask, which the kernel applies on creation
	keepMode := false
	if fi, err := os.Stat(target); err == nil {
		perm, keepMode = fi.Mode().Perm(), true
	}
	f, err := createTemp(dir, prefix+strconv.Itoa(os.Getpid())+"-", perm)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if keepMode {
		// Creation applied the umask; the replaced file's bits are kept exactly.
		if err := f.Chmod(perm); err != nil {
			return err
		}
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), target); err != nil {
		return err
	}
	return syncDirHook(dir)
}

// createTemp creates a new file in dir named prefix followed by a random number,
// with permission bits perm less the umask.
func createTemp(dir, prefix string, perm fs.FileMode) (*os.File, error) {
	for range 100 {
		name := filepath.Join(dir, prefix+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, fmt.Errorf("cannot create a temporary file in %s", dir)
}

// resolveLinks follows symbolic links from path (the last element only, as
// opening a file for writing does) and returns the path of the file they end at,
// which need not exist.
func resolveLinks(path string) (string, error) {
	for range maxLinks {
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) || err == nil && fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		link, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(path), link)
		}
		path = link
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", path)
}

// removeStale removes the temporary files in dir, named prefix followed by
// "<pid>-<random>", that processes which no longer run left behind. Errors are
// ignored: cleaning up is a courtesy, not part of saving.
func removeStale(dir, prefix string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid == os.Getpid() || processRuns(pid) {
			continue
		}
		os.Remove(filepath.Join(dir, e.Name()))
	}
}
