package main

import (
	"bytes"
	"os"
	"testing"
)

// TestOutput checks that the example prints what its PyTorch original prints
// (want.txt, written by examples/testdata/gen_want.py).
func TestOutput(t *testing.T) {
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
