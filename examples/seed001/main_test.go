package main

import (
	"io"
	"testing"

	"github.com/gograd/gograd/examples/internal/golden"
)

// TestOutput checks that the example prints what its PyTorch original prints.
func TestOutput(t *testing.T) { golden.Check(t, func(w io.Writer) { run(w, nil) }) }
