//go:build !linux

package data

import "time"

// blockFor waits for about d without using the CPU (time.Sleep; on Linux,
// nanosleep(2), see block_linux_test.go).
func blockFor(d time.Duration) { time.Sleep(d) }
