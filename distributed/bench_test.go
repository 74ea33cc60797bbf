package distributed

import (
	"testing"

	"github.com/gograd/gograd/tensor"
)

// BenchmarkHandOff measures what a collective costs beyond MPI: in the
// default build's one-process world, AllReduce of one float is the hand-off to
// the communication goroutine and back.
func BenchmarkHandOff(b *testing.B) {
	x := tensor.Zeros(1)
	b.ReportAllocs()
	for b.Loop() {
		AllReduce(x, Sum)
	}
}
