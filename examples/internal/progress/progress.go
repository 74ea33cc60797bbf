// Package progress reports the loops of the examples' training runs: while a
// loop runs, a progress bar with the loss, the throughput and the time left
// (github.com/schollz/progressbar/v3), shown only when the output is a
// terminal, so that logs and tests get no per-step lines; when it ends, a
// Summary of its mean loss, time and throughput for the epoch line.
package progress

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Loop tracks one loop over a known amount of work (an epoch of images, a run
// of steps): the steps taken, the items (images, characters) they processed
// and their losses.
type Loop struct {
	bar     *progressbar.ProgressBar // nil unless the output is a terminal
	desc    string
	unit    string
	start   time.Time
	steps   int
	items   int
	lossSum float64
}

// Start begins a loop named desc ("epoch 2/4") over total items of unit
// ("img", "char"), showing a bar on w if w is a terminal (an *os.File that
// is one) and nothing otherwise.
func Start(w io.Writer, desc string, total int, unit string) *Loop {
	l := &Loop{desc: desc, unit: unit, start: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		l.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(desc),
			progressbar.OptionSetWidth(24),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString(unit),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return l
}

// Step records a step that processed items items with the given loss, and
// moves the bar on, showing the loop's mean loss so far.
func (l *Loop) Step(loss float64, items int) {
	l.steps++
	l.items += items
	l.lossSum += loss
	if l.bar != nil {
		_ = l.bar.Add(items) // the bar's errors are its writes to a terminal
		l.bar.Describe(fmt.Sprintf("%s loss %.4f", l.desc, l.lossSum/float64(l.steps)))
	}
}

// Done ends the loop, clearing the bar, and returns its summary.
func (l *Loop) Done() Summary {
	if l.bar != nil {
		_ = l.bar.Finish()
		_ = l.bar.Clear()
	}
	s := Summary{Steps: l.steps, Items: l.items, Elapsed: time.Since(l.start), Unit: l.unit}
	if l.steps > 0 {
		s.Loss = l.lossSum / float64(l.steps)
	}
	return s
}

// Summary is what a loop did.
type Summary struct {
	Steps, Items int
	Loss         float64 // the mean of the steps' losses
	Elapsed      time.Duration
	Unit         string
}

// Rate returns the items processed per second.
func (s Summary) Rate() float64 { return float64(s.Items) / s.Elapsed.Seconds() }

// String returns the summary as an epoch line shows it: "loss 0.4321, 12.3s
// (4870 img/s)", the time to the millisecond under a second, to a tenth of a
// second above.
func (s Summary) String() string { return fmt.Sprintf("loss %.4f, %s", s.Loss, s.Timing()) }

// Timing returns the time and throughput part of String: "12.3s (4870
// img/s)".
func (s Summary) Timing() string {
	d := s.Elapsed.Round(100 * time.Millisecond)
	if s.Elapsed < time.Second {
		d = s.Elapsed.Round(time.Millisecond)
	}
	return fmt.Sprintf("%v (%.0f %s/s)", d, s.Rate(), s.Unit)
}
