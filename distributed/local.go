//go:build !mpi

package distributed

import "github.com/gograd/gograd/tensor"

// The backend of the default build: a world of this process alone, in which
// each collective leaves its tensors as MPI would in a world of size 1.

func backendInit() (rank, size int, err error) { return 0, 1, nil }

func backendFinalize() error { return nil }

func backendBarrier() error { return nil }

func backendAllReduce(t *tensor.Tensor, op ReduceOp) error { return nil }

func backendBroadcast(t *tensor.Tensor, root int) error { return nil }

func backendAllGather(dst, src *tensor.Tensor) error { return copyInto(dst, src) }

func backendReduceScatter(dst, src *tensor.Tensor, op ReduceOp) error { return copyInto(dst, src) }

func backendGather(dst, src *tensor.Tensor, root int) error { return copyInto(dst, src) }

func backendScatter(dst, src *tensor.Tensor, root int) error { return copyInto(dst, src) }

func copyInto(dst, src *tensor.Tensor) error {
	tensor.NoGrad(func() { dst.Copy_(src) })
	return nil
}
