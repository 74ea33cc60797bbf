package progress

import (
	"bytes"
	"testing"
	"time"
)

// TestNotATerminal checks that a loop writes nothing to an output that is not
// a terminal, and sums up its steps.
func TestNotATerminal(t *testing.T) {
	var out bytes.Buffer
	l := Start(&out, "epoch 1/1", 30, "img")
	for i := range 3 {
		l.Step(float64(i+1), 10)
	}
	s := l.Done()
	if out.Len() != 0 {
		t.Errorf("wrote %q to a buffer", out.String())
	}
	if s.Steps != 3 || s.Items != 30 || s.Loss != 2 || s.Elapsed <= 0 {
		t.Errorf("summary %+v, want 3 steps, 30 items, mean loss 2", s)
	}
	for d, want := range map[time.Duration]string{
		2 * time.Second:                "loss 2.0000, 2s (15 img/s)",
		12345 * time.Millisecond:       "loss 2.0000, 12.3s (2 img/s)",
		18*time.Millisecond + 600*1000: "loss 2.0000, 19ms (1613 img/s)",
	} {
		s.Elapsed = d
		if got := s.String(); got != want {
			t.Errorf("summary line %q, want %q", got, want)
		}
	}
}
