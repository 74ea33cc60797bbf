package tensor

import (
	"math"
	"math/bits"
	"os"
	"sync"
)

// The storage pool keeps float buffers known to be dead for the next tensors of the
// same size class, so that a training step reuses memory instead of asking the
// garbage collector, and the operating system, for fresh pages each time. Buffers
// are put back only where nothing else can hold them: by the engine, for
// gradients a backward pass consumed or added into another (run, accumulate); by
// SetGrad, for a gradient the engine made and never handed out; and through
// internal/access, for the tensors nn.Sequential passes between its own layers.
// Anything a caller may hold is left to the GC.
//
// Size classes are powers of two from 2^minPoolShift elements; each class keeps
// at most classBytes of buffers, and at least minPerClass.
const (
	minPoolShift = 8 // 256 elements
	maxPoolShift = 27
	classBytes   = 16 << 20
	minPerClass  = 4
)

// classCap returns how many buffers of class c with elements of size bytes the
// pool keeps.
func classCap(c, size int) int { return max(minPerClass, classBytes/(size<<c)) }

type storagePool struct {
	mu  sync.Mutex
	f32 [maxPoolShift + 1][][]float32
	f64 [maxPoolShift + 1][][]float64
}

var pool storagePool

// poisonReleased fills released buffers with NaN, so that a use after release
// shows up in any test; set by GOGRAD_DEBUG_POOL=poison (CI runs the suite so).
var poisonReleased = os.Getenv("GOGRAD_DEBUG_POOL") == "poison"

// poolClass returns the size class for n elements, or -1 if n is not pooled.
func poolClass(n int) int {
	if n < 1<<minPoolShift {
		return -1
	}
	c := bits.Len(uint(n - 1))
	if c > maxPoolShift {
		return -1
	}
	return c
}

// get32 returns a zeroed slice of n float32s, from the pool when it can.
func (p *storagePool) get32(n int) []float32 { return poolGet(&p.mu, &p.f32, n) }

// get64 is get32 for float64.
func (p *storagePool) get64(n int) []float64 { return poolGet(&p.mu, &p.f64, n) }

// poolGet takes a buffer for n elements from the class lists, or makes one with
// the class's capacity.
func poolGet[T float32 | float64](mu *sync.Mutex, classes *[maxPoolShift + 1][][]T, n int) []T {
	c := poolClass(n)
	if c < 0 {
		return make([]T, n)
	}
	mu.Lock()
	if k := len(classes[c]); k > 0 {
		b := classes[c][k-1]
		classes[c] = classes[c][:k-1]
		mu.Unlock()
		b = b[:n]
		clear(b)
		return b
	}
	mu.Unlock()
	return make([]T, n, 1<<c)
}

// poolPut puts b back in its class list, poisoned in debug mode, unless the list
// is full or b's capacity is not a class size.
func poolPut[T float32 | float64](mu *sync.Mutex, classes *[maxPoolShift + 1][][]T, b []T, size int) {
	c := poolClass(cap(b))
	if c < 0 || cap(b) != 1<<c {
		return
	}
	b = b[:cap(b)]
	if poisonReleased {
		nan := T(math.NaN())
		for i := range b {
			b[i] = nan
		}
	}
	mu.Lock()
	if len(classes[c]) < classCap(c, size) {
		classes[c] = append(classes[c], b)
	}
	mu.Unlock()
}

// put returns t's storage to the pool if it has a pooled capacity. The caller
// guarantees that nothing references the storage any more. Views never give their
// base's storage back.
func (p *storagePool) put(t *Tensor) {
	if t.stor != nil {
		return
	}
	switch t.dtype {
	case Float32:
		poolPut(&p.mu, &p.f32, t.f32, 4)
	case Float64:
		poolPut(&p.mu, &p.f64, t.f64, 8)
	}
	t.f32, t.f64 = nil, nil
}
