//go:build !purego

package conv

import "golang.org/x/sys/cpu"

//go:generate go run gen_amd64.go

// Fast reports whether the assembly tiles run (AVX2 and FMA); otherwise the
// plain loops do.
var Fast = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// setFast switches between the assembly tiles and the plain loops (tests).
func setFast(f bool) { Fast = f && cpu.X86.HasAVX2 && cpu.X86.HasFMA }
