package data_test

import (
	"bytes"
	"fmt"

	"github.com/gograd/gograd/data"
	"github.com/gograd/gograd/tensor"
)

// ExampleReadIDX reads a 2×3 IDX file of unsigned bytes, then the same file under
// an element limit it exceeds.
func ExampleReadIDX() {
	file := []byte{0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6}
	x, err := data.ReadIDX(bytes.NewReader(file), tensor.Float32)
	fmt.Println(x, err)
	_, err = data.ReadIDX(bytes.NewReader(file), tensor.Float32, data.IDXOptions{MaxElements: 4})
	fmt.Println(err)
	// Output:
	// tensor([[1., 2., 3.],
	//         [4., 5., 6.]]) <nil>
	// data: ReadIDX: shape [2 3] holds 6 elements, more than the limit of 4 (IDXOptions.MaxElements)
}
