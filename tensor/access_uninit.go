package tensor

import "github.com/gograd/gograd/internal/access"

func init() {
	access.Uninit = func(like any, shape []int) any {
		return uninit(like.(*Tensor).dtype, checkShape("Uninit", shape))
	}
}
