package tensor

import (
	"sync"
	"sync/atomic"

	"github.com/gograd/gograd/internal/goroutine"
)

// Grad mode belongs to a goroutine, as it belongs to a thread in PyTorch: NoGrad in
// one goroutine never stops another from recording. The modes of goroutines that
// changed theirs live in a map keyed by goroutine; while no goroutine has, checking
// the mode costs one atomic load.
var gradModes struct {
	sync.RWMutex
	changed atomic.Int32     // number of entries in m
	m       map[uintptr]bool // goroutine -> grad enabled
}

// IsGradEnabled reports whether ops called from this goroutine are recorded for
// autograd. It is true unless the goroutine is inside NoGrad.
func IsGradEnabled() bool {
	if gradModes.changed.Load() == 0 {
		return true
	}
	id := goroutine.ID()
	gradModes.RLock()
	on, ok := gradModes.m[id]
	gradModes.RUnlock()
	return !ok || on
}

// NoGrad calls f with recording turned off in the calling goroutine (the
// counterpart of `with torch.no_grad():`): results computed in f do not require
// grad, even from inputs that do. Goroutines that f starts begin with recording on,
// as new threads do in PyTorch. The previous mode is restored when f returns or
// panics.
func NoGrad(f func()) { withGradMode(false, f) }

// EnableGrad calls f with recording turned on in the calling goroutine, undoing an
// enclosing NoGrad for the duration of f.
func EnableGrad(f func()) { withGradMode(true, f) }

func withGradMode(on bool, f func()) {
	id := goroutine.ID()
	gradModes.Lock()
	if gradModes.m == nil {
		gradModes.m = make(map[uintptr]bool)
	}
	prev, had := gradModes.m[id]
	gradModes.m[id] = on
	if !had {
		gradModes.changed.Add(1)
	}
	gradModes.Unlock()
	defer func() {
		gradModes.Lock()
		if had {
			gradModes.m[id] = prev
		} else {
			delete(gradModes.m, id)
			gradModes.changed.Add(-1)
		}
		gradModes.Unlock()
	}()
	f()
}
