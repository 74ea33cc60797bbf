package nninit

import (
	"testing"

	"github.com/gograd/gograd/tensor"
)

// TestOnParameter checks that the initialisers write into a leaf that requires
// grad (a parameter), as nn.init does under no_grad, leaving it a leaf.
func TestOnParameter(t *testing.T) {
	w := tensor.Zeros(4, 3).SetRequiresGrad(true)
	Orthogonal_(w, 1, nil)
	TruncNormal_(w, 0, 1, -2, 2, nil)
	Constant_(w, 0.5)
	if !w.RequiresGrad() || !w.IsLeaf() || w.Values()[0] != 0.5 {
		t.Error("an initialiser changed a parameter's leaf status or did not write it")
	}
}
