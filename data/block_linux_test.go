package data

import (
	"syscall"
	"time"
)

// blockFor blocks the calling thread in the kernel for about d (nanosleep(2)),
// as a read from a slow disk would, without using the CPU.
func blockFor(d time.Duration) {
	ts := syscall.NsecToTimespec(d.Nanoseconds())
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
}
