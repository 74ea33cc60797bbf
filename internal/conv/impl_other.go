//go:build !amd64 || purego

package conv

// Fast reports whether the assembly tiles run; in this build only the plain
// loops do.
const Fast = false

var (
	fwdAVX2 [3][maxOb + 1]fwdFunc
	dwAVX2  [3][maxOb + 1]dwFunc
)

// setFast does nothing here: only the plain loops exist (tests).
func setFast(bool) {}

// addTaps is never called in this build (Fast is false).
func addTaps(dx *float32, offs *int32, taps int, col *float32, rows, vpr, drs int) {
	addTapsGo(dx, offs, taps, col, rows, vpr, drs)
}

// maxPool2x2 is never called in this build (Fast is false).
func maxPool2x2(x *float32, w, vpr, n8 int, y *float32, idx *int32) (nan bool) {
	return maxPool2x2Go(x, w, vpr, n8, y, idx)
}

// maxUnpool2x2 is never called in this build (Fast is false).
func maxUnpool2x2(dx *float32, w, vpr, n8 int, dy *float32, idx *int32) {
	maxUnpool2x2Go(dx, w, vpr, n8, dy, idx)
}
