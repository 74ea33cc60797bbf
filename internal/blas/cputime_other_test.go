//go:build !unix

package blas

import "time"

// cpuTime is 0 where the process's CPU time is not read: the benchmarks then
// report wall-clock rates only.
func cpuTime() time.Duration { return 0 }
