//go:build !unix

package atomicfile

import (
	"os"
	"runtime"
)

// syncDir does nothing: outside Unix, package os cannot open a directory for
// fsync, and the rename is as durable as the platform makes it.
func syncDir(string) error { return nil }

// processRuns reports whether a process with id pid may exist. On Windows,
// finding a process opens it, which fails once it has exited; elsewhere it
// cannot tell and says yes, so that no live process's file is removed.
func processRuns(pid int) bool {
	if runtime.GOOS != "windows" {
		return true
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
