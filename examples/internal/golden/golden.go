// Package golden checks what an example program prints against the output of its
// PyTorch original, kept in the example's want.txt (written by
// examples/testdata/gen_want.py).
package golden

import (
	"bytes"
	"io"
	"os"
	"testing"
)

// Check runs run and fails t unless it prints exactly the contents of want.txt
// in the current directory.
func Check(t *testing.T, run func(io.Writer)) {
	t.Helper()
	want, err := os.ReadFile("want.txt")
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	run(&got)
	if got.String() != string(want) {
		t.Errorf("output differs from PyTorch's\n--- got\n%s--- want\n%s", got.String(), want)
	}
}
