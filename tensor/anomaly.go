package tensor

import (
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"strings"
)

// DetectAnomaly calls f with anomaly detection on in the calling goroutine (the
// counterpart of `with torch.autograd.detect_anomaly():`). While it is on, every
// node of the graph records where it was made: the file and line of the first
// call outside package tensor (the user's). A backward pass started from f, in
// this goroutine, checks each gradient a node computes and panics with an *Error
// naming the node and that place when one holds NaN or ±Inf. Off (the default),
// it costs one atomic load per recorded op. The previous setting is restored when
// f returns or panics.
func DetectAnomaly(f func()) { anomalyModes.with(true, f) }

// IsAnomalyEnabled reports whether anomaly detection is on in this goroutine.
func IsAnomalyEnabled() bool { return anomalyModes.get() }

// CreatedAt returns where n was made, "file:line" of the user's call, when it was
// recorded under DetectAnomaly; "" otherwise.
func (n *Node) CreatedAt() string {
	if n.x == nil {
		return ""
	}
	return n.x.site
}

// tensorDir is the directory of package tensor's sources, which callerSite skips.
var tensorDir = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}()

// callerSite returns "file:line" of the innermost call outside package tensor's
// own (non-test) sources.
func callerSite() string {
	var pcs [32]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs[:])])
	for {
		fr, more := frames.Next()
		if filepath.Dir(fr.File) != tensorDir || strings.HasSuffix(fr.File, "_test.go") {
			return fmt.Sprintf("%s:%d", fr.File, fr.Line)
		}
		if !more {
			return "unknown"
		}
	}
}

// checkFinite panics, in anomaly mode, when gradient i that n computed holds NaN
// or ±Inf, with PyTorch's message and where n was made.
func checkFinite(op string, n *Node, outs []*Tensor) {
	for i, g := range outs {
		if g == nil || !g.dtype.IsFloat() {
			continue
		}
		for e := range numel(g.shape) {
			v := g.flat(e)
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				continue
			}
			what := "nan"
			if math.IsInf(v, 0) {
				what = "inf"
			}
			site := n.CreatedAt()
			if site == "" {
				site = "unknown (the node was made outside DetectAnomaly)"
			}
			fail(op, "Function '%s' returned %s values in its %dth output (anomaly mode: the node was created at %s)", n.name, what, i, site)
		}
	}
}
