package nn_test

import (
	"fmt"

	"github.com/gograd/gograd/nn"
	"github.com/gograd/gograd/tensor"
)

// AttendWeights is PyTorch's forward with need_weights=True; WithBatchFirst(false)
// takes PyTorch's default sequence-first (L, N, E) inputs. A bool
// key_padding_mask marks with true the keys to ignore, as PyTorch's.
func ExampleMultiheadAttention_AttendWeights() {
	g := tensor.NewGenerator(1)
	mha := nn.NewMultiheadAttention(8, 2, 0, nn.WithBatchFirst(false), nn.WithGenerator(g))
	query, memory := g.Normal(tensor.Zeros(3, 1, 8), 0, 1), g.Normal(tensor.Zeros(4, 1, 8), 0, 1) // L=3, S=4, N=1
	pad := tensor.NewBool([]bool{false, false, false, true}, 1, 4)                                // the last key is padding
	o := &nn.AttendOptions{KeyPaddingMask: pad}
	out, w := mha.AttendWeights(query, memory, memory, o, true)
	fmt.Println(out.Shape(), w.Shape())
	fmt.Printf("weights on the padding key: %.1f; row sums: %.3f\n", w.Select(2, 3).Values(), w.Sum(2).Values())
	// Output:
	// [3 1 8] [1 3 4]
	// weights on the padding key: [0.0 0.0 0.0]; row sums: [1.000 1.000 1.000]
}
