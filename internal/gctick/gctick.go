// Package gctick calls functions once after each garbage collection cycle, so
// that gograd's caches can give back memory that went unused between collections:
// idleness is measured in collections, which come more often the more a program
// allocates, rather than in wall time.
package gctick

import (
	"runtime"
	"sync"
)

var (
	mu    sync.Mutex
	funcs []func()
	once  sync.Once
)

// tick's finalizer runs once per collection cycle (in the runtime's finalizer
// goroutine): it calls the registered functions and sets up the next tick.
type tick struct{ _ [16]byte } // not zero-sized, so that it has an address of its own

func arm() {
	runtime.SetFinalizer(&tick{}, func(*tick) {
		mu.Lock()
		fs := funcs
		mu.Unlock()
		for _, f := range fs {
			f()
		}
		arm()
	})
}

// Add registers f to run after every garbage collection cycle from now on, in the
// runtime's finalizer goroutine: f must be quick and must not block on anything a
// finalizer may wait for.
func Add(f func()) {
	mu.Lock()
	funcs = append(funcs[:len(funcs):len(funcs)], f) // a new slice: ticks in flight keep theirs
	mu.Unlock()
	once.Do(arm)
}
