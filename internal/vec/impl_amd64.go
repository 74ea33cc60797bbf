//go:build !purego

package vec

import "golang.org/x/sys/cpu"

//go:generate go run gen_amd64.go

// impls lists the implementations this CPU can run, slowest first.
var impls = available()

func available() []*kernels {
	ks := []*kernels{&goKernels}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, avx2Kernels())
	}
	if cpu.X86.HasAVX512F {
		ks = append(ks, avx512Kernels())
	}
	return ks
}
