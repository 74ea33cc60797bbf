//go:build unix

package blas

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user and system) this process has used, for
// benchmarks on a shared machine, where wall time counts the time other
// processes held the core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
