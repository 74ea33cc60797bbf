// Package distributed trains one model on several processes, on one machine or
// many: the counterpart of torch.distributed with its MPI backend, and of
// torch.nn.parallel.DistributedDataParallel (DDP).
//
// # Overview
//
// A program is started N times by mpirun; each copy (a rank) calls Init, trains
// the same model on its own share of the data, and averages gradients with the
// others after each backward pass:
//
//	if err := distributed.Init(); err != nil { ... }
//	defer distributed.Finalize()
//	model := distributed.NewDDP(net) // rank 0's weights everywhere
//	sampler := data.NewDistributedSampler(n, distributed.WorldSize(), distributed.Rank(),
//		data.DistributedSamplerOptions{Shuffle: true})
//	for epoch := range epochs {
//		for batch of sampler.Indices(epoch) {
//			loss := lossFn(model.Forward(x), y)
//			loss.Backward() // gradients are now averaged over all ranks
//			opt.Step()
//			opt.ZeroGrad()
//		}
//	}
//
// Run it with
//
//	mpirun -np 2 go run -tags mpi ./yourprogram
//
// # Two builds
//
// Built with -tags mpi, the package is a cgo binding to MPI (Open MPI through
// pkg-config's "ompi"; Debian: apt-get install openmpi-bin libopenmpi-dev
// pkg-config), and Init reads the rank and world size from mpirun. Built without
// it (the default, pure Go, no cgo) the package has the same API and a world of
// one process: Rank is 0, WorldSize is 1, collectives leave their tensors as a
// one-process world would (AllReduce changes nothing, AllGather copies), and DDP
// trains exactly as the wrapped model alone. A program written for several ranks
// therefore also runs, unchanged, as one.
//
// # Threads
//
// MPI ties its state to OS threads: at MPI_THREAD_FUNNELED, only the thread that
// called MPI_Init may call MPI. Go moves goroutines between OS threads at will,
// so a goroutine that calls MPI directly may find itself on another thread at its
// next call. This package therefore runs every MPI call on one goroutine that
// locks its OS thread (runtime.LockOSThread) before MPI_Init_thread and keeps it
// until MPI_Finalize; other goroutines hand it work through a channel and wait.
// It asks for MPI_THREAD_FUNNELED, which every MPI provides, rather than
// MPI_THREAD_MULTIPLE, which some builds lack and which makes every call pay for
// locks. The same goroutine gives the asynchronous collectives (AllReduceAsync)
// their overlap: it runs a blocking MPI_Allreduce while the caller goes on
// computing, and Open MPI's non-blocking collectives would make progress only
// inside later MPI calls anyway. The cost is a hand-off to that goroutine and
// back per collective, two thread wake-ups: BenchmarkHandOff measured 33 to
// 61 µs on a heavily loaded 2-core machine, small against the all-reduce of a
// gradient bucket, but a reason not to all-reduce scalars in a hot loop.
// Collectives run in the order they are submitted, from whatever goroutine; as
// in MPI, every rank must submit the same sequence.
//
// # Checked collectives
//
// Every rank must call each collective with tensors of the same dtype and shape
// (and the same root and reduction). MPI itself detects few mismatches: it may
// report a truncated message, sum unrelated elements, or wait forever. So, unless
// Options.SkipShapeCheck is set, each collective first exchanges a short
// description of its call between all ranks, and if they differ every rank
// panics with the same *tensor.Error naming each rank's op, dtype and shape. The
// check costs one small all-gather (tens of microseconds); DDP checks its
// parameters' shapes once, when it is made, and skips it per bucket.
//
// # Panics and errors
//
// Misuse (a collective before Init, a root out of range, an output of the wrong
// size, mismatched shapes across ranks) panics with a *tensor.Error whose Pkg is
// "distributed"; tensor.Maybe turns it into an error. Init and Finalize return
// errors from MPI. A rank that panics or exits without Finalize ends the whole
// job: mpirun stops the other ranks rather than letting them wait.
package distributed
