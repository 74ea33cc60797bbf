//go:build mpi

package distributed

/*
#cgo pkg-config: ompi
#include <stdlib.h>
#include <mpi.h>

static MPI_Datatype gg_type(int t) {
	switch (t) {
	case 0: return MPI_FLOAT;
	case 1: return MPI_DOUBLE;
	default: return MPI_INT64_T;
	}
}

static MPI_Op gg_op(int op) {
	switch (op) {
	case 2: return MPI_MAX;
	case 3: return MPI_MIN;
	case 4: return MPI_PROD;
	default: return MPI_SUM; // Sum, and Avg before the division
	}
}

static int gg_init(int *rank, int *size, int *provided) {
	int flag = 0;
	MPI_Initialized(&flag);
	if (flag) return -1;
	int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, provided);
	if (rc != MPI_SUCCESS) return rc;
	MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
	MPI_Comm_rank(MPI_COMM_WORLD, rank);
	MPI_Comm_size(MPI_COMM_WORLD, size);
	return MPI_SUCCESS;
}

static int gg_funneled(void) { return MPI_THREAD_FUNNELED; }
static int gg_finalize(void) { return MPI_Finalize(); }
static int gg_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }

static int gg_allreduce(void *buf, int n, int t, int op) {
	return MPI_Allreduce(MPI_IN_PLACE, buf, n, gg_type(t), gg_op(op), MPI_COMM_WORLD);
}
static int gg_bcast(void *buf, int n, int t, int root) {
	return MPI_Bcast(buf, n, gg_type(t), root, MPI_COMM_WORLD);
}
static int gg_allgather(void *dst, void *src, int n, int t) {
	return MPI_Allgather(src, n, gg_type(t), dst, n, gg_type(t), MPI_COMM_WORLD);
}
static int gg_reduce_scatter(void *dst, void *src, int n, int t, int op) {
	return MPI_Reduce_scatter_block(src, dst, n, gg_type(t), gg_op(op), MPI_COMM_WORLD);
}
static int gg_gather(void *dst, void *src, int n, int t, int root) {
	return MPI_Gather(src, n, gg_type(t), dst, n, gg_type(t), root, MPI_COMM_WORLD);
}
static int gg_scatter(void *dst, void *src, int n, int t, int root) {
	return MPI_Scatter(src, n, gg_type(t), dst, n, gg_type(t), root, MPI_COMM_WORLD);
}
static void gg_error_string(int rc, char *buf) {
	int len = 0;
	if (MPI_Error_string(rc, buf, &len) != MPI_SUCCESS) len = 0;
	buf[len] = 0;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/gograd/gograd/tensor"
)

// The backend of the mpi build: Open MPI through cgo. Every function here runs
// on the communication goroutine's locked OS thread (see "Threads" in the
// package doc). Go memory handed to MPI holds no Go pointers and is not kept
// after the (blocking) call returns, as cgo's pointer rules ask.

// maxChunk is the most elements one MPI call moves: MPI counts are C ints.
const maxChunk = math.MaxInt32

func mpiError(rc C.int) error {
	if rc == C.MPI_SUCCESS {
		return nil
	}
	buf := (*C.char)(C.malloc(C.MPI_MAX_ERROR_STRING + 1))
	defer C.free(unsafe.Pointer(buf))
	C.gg_error_string(rc, buf)
	return fmt.Errorf("MPI error %d: %s", int(rc), C.GoString(buf))
}

func backendInit() (rank, size int, err error) {
	var r, s, provided C.int
	rc := C.gg_init(&r, &s, &provided)
	if rc == -1 {
		return 0, 0, errors.New("MPI was initialized outside this package")
	}
	if err := mpiError(rc); err != nil {
		return 0, 0, err
	}
	if provided < C.gg_funneled() {
		C.gg_finalize()
		return 0, 0, fmt.Errorf("MPI provides thread level %d, below MPI_THREAD_FUNNELED", int(provided))
	}
	return int(r), int(s), nil
}

func backendFinalize() error { return mpiError(C.gg_finalize()) }

func backendBarrier() error { return mpiError(C.gg_barrier()) }

// raw returns the address, element count and MPI type code of t's elements
// (t is contiguous), and a function to call after the MPI call. A one-element
// tensor keeps its value inside the Tensor struct, next to Go pointers, which
// cgo does not let C see; its value goes through C memory instead, and the
// function copies it back.
func raw(t *tensor.Tensor) (unsafe.Pointer, int, C.int, func()) {
	if t == nil {
		return nil, 0, 0, func() {}
	}
	var p unsafe.Pointer
	n := t.Numel()
	switch {
	case n == 0:
	case n == 1:
		c := (*float64)(C.malloc(8))
		*c = t.Item()
		if t.DType() == tensor.Float32 {
			*(*float32)(unsafe.Pointer(c)) = float32(*c)
		} else if t.DType() == tensor.Int64 {
			*(*int64)(unsafe.Pointer(c)) = t.Int64s()[0]
		}
		return unsafe.Pointer(c), 1, C.int(t.DType()), func() {
			switch t.DType() {
			case tensor.Float32:
				t.Float32s()[0] = *(*float32)(unsafe.Pointer(c))
			case tensor.Float64:
				t.Float64s()[0] = *c
			default:
				t.Int64s()[0] = *(*int64)(unsafe.Pointer(c))
			}
			C.free(unsafe.Pointer(c))
		}
	case t.DType() == tensor.Float32:
		p = unsafe.Pointer(unsafe.SliceData(t.Float32s()))
	case t.DType() == tensor.Float64:
		p = unsafe.Pointer(unsafe.SliceData(t.Float64s()))
	default:
		p = unsafe.Pointer(unsafe.SliceData(t.Int64s()))
	}
	return p, n, C.int(t.DType()), func() {}
}

func backendAllReduce(t *tensor.Tensor, op ReduceOp) error {
	p, n, dt, done := raw(t)
	defer done()
	return chunked(p, n, t.DType(), func(q unsafe.Pointer, m int) C.int {
		return C.gg_allreduce(q, C.int(m), dt, C.int(op))
	})
}

func backendBroadcast(t *tensor.Tensor, root int) error {
	p, n, dt, done := raw(t)
	defer done()
	return chunked(p, n, t.DType(), func(q unsafe.Pointer, m int) C.int {
		return C.gg_bcast(q, C.int(m), dt, C.int(root))
	})
}

// chunked calls f on successive pieces of at most maxChunk of the n elements
// at p, always at least once (every rank must make the call).
func chunked(p unsafe.Pointer, n int, d tensor.DType, f func(q unsafe.Pointer, m int) C.int) error {
	size := 4
	if d != tensor.Float32 {
		size = 8
	}
	for off := 0; ; off += maxChunk {
		m := min(n-off, maxChunk)
		q := p
		if q != nil {
			q = unsafe.Add(p, off*size)
		}
		if err := mpiError(f(q, m)); err != nil {
			return err
		}
		if off+m >= n {
			return nil
		}
	}
}

// perRank returns the element count of one rank's part, checking that it fits
// an MPI count.
func perRank(small *tensor.Tensor) (int, error) {
	n := small.Numel()
	if n > maxChunk {
		return 0, fmt.Errorf("%d elements per rank exceed MPI's count limit of %d", n, maxChunk)
	}
	return n, nil
}

// exchange makes an MPI call that moves small's element count per rank between
// dst and src, either of which may be nil on ranks that do not use it.
func exchange(dst, src, small *tensor.Tensor, call func(d, s unsafe.Pointer, n, dt C.int) C.int) error {
	n, err := perRank(small)
	if err != nil {
		return err
	}
	d, _, _, doneD := raw(dst)
	defer doneD()
	s, _, _, doneS := raw(src)
	defer doneS()
	return mpiError(call(d, s, C.int(n), C.int(small.DType())))
}

func backendAllGather(dst, src *tensor.Tensor) error {
	return exchange(dst, src, src, func(d, s unsafe.Pointer, n, dt C.int) C.int { return C.gg_allgather(d, s, n, dt) })
}

func backendReduceScatter(dst, src *tensor.Tensor, op ReduceOp) error {
	return exchange(dst, src, dst, func(d, s unsafe.Pointer, n, dt C.int) C.int {
		return C.gg_reduce_scatter(d, s, n, dt, C.int(op))
	})
}

func backendGather(dst, src *tensor.Tensor, root int) error {
	return exchange(dst, src, src, func(d, s unsafe.Pointer, n, dt C.int) C.int {
		return C.gg_gather(d, s, n, dt, C.int(root))
	})
}

func backendScatter(dst, src *tensor.Tensor, root int) error {
	return exchange(dst, src, dst, func(d, s unsafe.Pointer, n, dt C.int) C.int {
		return C.gg_scatter(d, s, n, dt, C.int(root))
	})
}
