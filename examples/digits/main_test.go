package main

import (
	"bytes"
	"testing"
)

// TestTrains checks that the network learns the digits (a plain Go MLP of the
// same size reaches 96 % here) and that the reloaded weights classify the test
// images as the trained ones do.
func TestTrains(t *testing.T) {
	var out bytes.Buffer
	acc, reloaded, err := run(&out)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	if acc < 0.93 {
		t.Errorf("test accuracy %.3f, want at least 0.93", acc)
	}
	if reloaded != acc {
		t.Errorf("the reloaded model's test accuracy is %.3f, the trained one's %.3f", reloaded, acc)
	}
}
