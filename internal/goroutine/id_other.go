//go:build !amd64 || purego

package goroutine

import (
	"runtime"
	"strconv"
)

// id parses the goroutine number from the first line of runtime.Stack
// ("goroutine 17 [running]:"); slow, but only used where no assembly is built.
func id() uintptr {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = b[len("goroutine "):]
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	n, err := strconv.ParseUint(string(b[:i]), 10, 64)
	if err != nil {
		panic("goroutine: cannot parse runtime.Stack header")
	}
	return uintptr(n)
}
