package tensor

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"
)

// TestDetectAnomaly: Sqrt at 0 behind Mul by 0 makes 0/0 in SqrtBackward0; under
// DetectAnomaly backward panics naming that node and this file's line that made it.
func TestDetectAnomaly(t *testing.T) {
	var line int
	build := func() *Tensor {
		x := Float64.Scalar(0).SetRequiresGrad(true)
		_, _, line, _ = runtime.Caller(0)
		s := x.Sqrt() // the line after the Caller: SqrtBackward0 is made here
		line++
		return s.Mul(Float64.Scalar(0))
	}
	var y *Tensor
	DetectAnomaly(func() {
		if !IsAnomalyEnabled() {
			t.Fatal("IsAnomalyEnabled is false inside DetectAnomaly")
		}
		y = build()
	})
	_, file, _, _ := runtime.Caller(0)
	if got, want := y.GradFn().NextFunctions()[0].CreatedAt(), fmt.Sprintf("%s:%d", file, line); got != want {
		t.Fatalf("CreatedAt %q, want %q", got, want)
	}
	var e *Error
	DetectAnomaly(func() { e = mustPanic(t, func() { y.Backward() }) })
	for _, want := range []string{"Function 'SqrtBackward0' returned nan values in its 0th output", fmt.Sprintf("anomaly_test.go:%d", line)} {
		if !strings.Contains(e.Msg, want) {
			t.Fatalf("message %q does not contain %q", e.Msg, want)
		}
	}

	// Off (the default, and in other goroutines), the NaN flows through as in
	// PyTorch, and nodes record nothing.
	if IsAnomalyEnabled() {
		t.Fatal("IsAnomalyEnabled is true outside DetectAnomaly")
	}
	y = build()
	y.Backward()
	if g := y.GradFn().NextFunctions()[0]; g.CreatedAt() != "" {
		t.Fatalf("CreatedAt %q with anomaly mode off", g.CreatedAt())
	}
	DetectAnomaly(func() {
		done := make(chan bool)
		go func() { done <- IsAnomalyEnabled() }()
		if <-done {
			t.Error("anomaly mode leaked into another goroutine")
		}
	})
	x := Float64.Scalar(0).SetRequiresGrad(true)
	x.Sqrt().Mul(Float64.Scalar(0)).Backward()
	if !math.IsNaN(x.Grad().Item()) {
		t.Fatalf("x.grad %v, want NaN (0/0 as PyTorch)", x.Grad())
	}
}

// BenchmarkRecordAnomaly measures recording a Mul node with anomaly mode off (the
// cost of the check: one atomic load) and on (a stack walk per node).
func BenchmarkRecordAnomaly(b *testing.B) {
	x := Float64.Scalar(2).SetRequiresGrad(true)
	b.Run("off", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			x.Mul(x)
		}
	})
	b.Run("on", func(b *testing.B) {
		b.ReportAllocs()
		DetectAnomaly(func() {
			for b.Loop() {
				x.Mul(x)
			}
		})
	})
}
