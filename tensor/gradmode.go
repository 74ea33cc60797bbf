package tensor

import (
	"sync"
	"sync/atomic"

	"github.com/gograd/gograd/internal/goroutine"
)

// goroutineFlag is a setting that belongs to a goroutine, as grad mode belongs to
// a thread in PyTorch: setting it in one goroutine never changes it in another.
// The values of goroutines that changed theirs live in a map keyed by goroutine;
// while no goroutine has, reading the flag costs one atomic load.
type goroutineFlag struct {
	sync.RWMutex
	changed atomic.Int32     // number of entries in m
	m       map[uintptr]bool // goroutine -> value
	def     bool             // the value of goroutines not in m
}

// get returns the calling goroutine's value.
func (f *goroutineFlag) get() bool {
	if f.changed.Load() == 0 {
		return f.def
	}
	id := goroutine.ID()
	f.RLock()
	on, ok := f.m[id]
	f.RUnlock()
	if !ok {
		return f.def
	}
	return on
}

// modeSets counts the calls of with, so that tests can check that backward
// passes and Apply leave the goroutines' modes alone.
var modeSets atomic.Uint64

// with calls fn with the calling goroutine's value set to on, restoring the
// previous value when fn returns or panics.
func (f *goroutineFlag) with(on bool, fn func()) {
	modeSets.Add(1)
	id := goroutine.ID()
	f.Lock()
	if f.m == nil {
		f.m = make(map[uintptr]bool)
	}
	prev, had := f.m[id]
	f.m[id] = on
	if !had {
		f.changed.Add(1)
	}
	f.Unlock()
	defer func() {
		f.Lock()
		if had {
			f.m[id] = prev
		} else {
			delete(f.m, id)
			f.changed.Add(-1)
		}
		f.Unlock()
	}()
	fn()
}

var (
	gradModes    = goroutineFlag{def: true}
	anomalyModes goroutineFlag
)

// IsGradEnabled reports whether ops called from this goroutine are recorded for
// autograd. It is true unless the goroutine is inside NoGrad.
func IsGradEnabled() bool { return gradModes.get() }

// NoGrad calls f with recording turned off in the calling goroutine (the
// counterpart of `with torch.no_grad():`): results computed in f do not require
// grad, even from inputs that do. Goroutines that f starts begin with recording on,
// as new threads do in PyTorch. The previous mode is restored when f returns or
// panics.
func NoGrad(f func()) { gradModes.with(false, f) }

// EnableGrad calls f with recording turned on in the calling goroutine, undoing an
// enclosing NoGrad for the duration of f.
func EnableGrad(f func()) { gradModes.with(true, f) }

func withGradMode(on bool, f func()) { gradModes.with(on, f) }
