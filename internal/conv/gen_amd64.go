//go:build ignore

// gen_amd64.go writes kernels_amd64.s: the AVX2+FMA tiles of package conv, one
// function per register tile. Run `go generate` after editing.
//
// fwdO<ob>V<nv> computes ob ≤ 6 output channels × nv ≤ 2 vectors of 8 outputs
// (at most 12 accumulators, Y0–Y11): per tap, one load of 8 inputs per vector, one
// broadcast weight per channel and ob·nv FMAs. dwO<ob>T<nt> accumulates the
// weight gradient of nt ≤ 2 taps × ob ≤ 6 channels over rows × vpr vectors
// of output positions of imgs images: per vector, nt input loads, ob loads of
// the output gradient and nt·ob FMAs. addTaps adds columns back into an image
// (col2im), one vector at a time.
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
)

var b bytes.Buffer

func ins(format string, args ...any) { fmt.Fprintf(&b, "\t"+format+"\n", args...) }

func acc(i int) string { return fmt.Sprintf("Y%d", i) }

// fwd: func(x0, x1 *float32, offs *int32, taps int, w, bias, y0, y1 *float32, ldy int)
func fwd(ob, nv int) {
	fmt.Fprintf(&b, "\n// func fwdO%dV%d(x0, x1 *float32, offs *int32, taps int, w, bias, y0, y1 *float32, ldy int)\n", ob, nv)
	fmt.Fprintf(&b, "TEXT ·fwdO%dV%d(SB), NOSPLIT, $0-72\n", ob, nv)
	ins("MOVQ x0+0(FP), SI")
	ins("MOVQ x1+8(FP), DI")
	ins("MOVQ offs+16(FP), R8")
	ins("MOVQ taps+24(FP), CX")
	ins("MOVQ w+32(FP), R9")
	ins("MOVQ bias+40(FP), R10")
	for o := range ob {
		ins("VBROADCASTSS %d(R10), %s", 4*o, acc(o*nv))
		for v := 1; v < nv; v++ {
			ins("VMOVAPS %s, %s", acc(o*nv), acc(o*nv+v))
		}
	}
	fmt.Fprintf(&b, "fwdO%dV%dloop:\n", ob, nv)
	ins("MOVLQSX (R8), AX")
	ins("VMOVUPS (SI)(AX*4), Y14")
	if nv == 2 {
		ins("VMOVUPS (DI)(AX*4), Y15")
	}
	for o := range ob {
		ins("VBROADCASTSS %d(R9), Y13", 4*o)
		ins("VFMADD231PS Y14, Y13, %s", acc(o*nv))
		if nv == 2 {
			ins("VFMADD231PS Y15, Y13, %s", acc(o*nv+1))
		}
	}
	ins("ADDQ $4, R8")
	ins("ADDQ $%d, R9", 4*ob)
	ins("DECQ CX")
	ins("JNZ fwdO%dV%dloop", ob, nv)
	ins("MOVQ y0+48(FP), SI")
	ins("MOVQ y1+56(FP), DI")
	ins("MOVQ ldy+64(FP), DX")
	ins("SHLQ $2, DX")
	for o := range ob {
		ins("VMOVUPS %s, (SI)", acc(o*nv))
		if nv == 2 {
			ins("VMOVUPS %s, (DI)", acc(o*nv+1))
		}
		if o < ob-1 {
			ins("ADDQ DX, SI")
			if nv == 2 {
				ins("ADDQ DX, DI")
			}
		}
	}
	ins("VZEROUPPER")
	ins("RET")
}

// dw: func(dy *float32, ldy int, x0 *float32, d1, rows, vpr, xrs, imgs, xis, dyis int, acc0, acc1 *float32)
func dw(ob, nt int) {
	name := fmt.Sprintf("dwO%dT%d", ob, nt)
	fmt.Fprintf(&b, "\n// func %s(dy *float32, ldy int, x0 *float32, d1, rows, vpr, xrs, imgs, xis, dyis int, acc0, acc1 *float32)\n", name)
	fmt.Fprintf(&b, "TEXT ·%s(SB), NOSPLIT, $0-96\n", name)
	accs := func(load bool) {
		ins("MOVQ acc0+80(FP), AX")
		ins("MOVQ acc1+88(FP), DX")
		for t := range nt {
			p := []string{"AX", "DX"}[t]
			for o := range ob {
				if load {
					ins("VMOVUPS %d(%s), %s", 32*o, p, acc(t*ob+o))
				} else {
					ins("VMOVUPS %s, %d(%s)", acc(t*ob+o), 32*o, p)
				}
			}
		}
	}
	accs(true)
	ins("MOVQ dy+0(FP), R8")
	ins("MOVQ ldy+8(FP), R11")
	ins("SHLQ $2, R11")
	ins("MOVQ x0+16(FP), R10")
	ins("MOVQ d1+24(FP), DX")
	ins("SHLQ $2, DX")
	ins("MOVQ xrs+48(FP), R13")
	ins("SHLQ $2, R13")
	// DI: bytes from the end of one image's output gradient to the next's start.
	ins("MOVQ rows+32(FP), AX")
	ins("IMULQ vpr+40(FP), AX")
	ins("SHLQ $5, AX")
	ins("MOVQ dyis+72(FP), DI")
	ins("SHLQ $2, DI")
	ins("SUBQ AX, DI")
	ins("MOVQ imgs+56(FP), AX")
	fmt.Fprintf(&b, "%simg:\n", name)
	ins("MOVQ R10, R9")
	ins("MOVQ rows+32(FP), BX")
	fmt.Fprintf(&b, "%srow:\n", name)
	ins("MOVQ R9, SI")
	ins("MOVQ vpr+40(FP), CX")
	fmt.Fprintf(&b, "%svec:\n", name)
	ins("VMOVUPS (SI), Y14")
	if nt == 2 {
		ins("VMOVUPS (SI)(DX*1), Y15")
	}
	// Channel o's output gradient is at R8 + o·ldy: scaled-index addressing
	// from R8 for o < 3 and from R12 = R8 + 3·ldy for 3 ≤ o < 6, rather than a
	// pointer stepped once per channel (fewer instructions per FMA).
	if ob > 3 {
		ins("LEAQ (R8)(R11*2), R12")
		ins("ADDQ R11, R12")
	}
	for o := range ob {
		base, i := "R8", o
		if o >= 3 {
			base, i = "R12", o-3
		}
		addr := fmt.Sprintf("(%s)", base)
		if i > 0 {
			addr = fmt.Sprintf("(%s)(R11*%d)", base, i)
		}
		if nt == 1 {
			ins("VFMADD231PS %s, Y14, %s", addr, acc(o))
		} else {
			ins("VMOVUPS %s, Y13", addr)
			ins("VFMADD231PS Y13, Y14, %s", acc(o))
			ins("VFMADD231PS Y13, Y15, %s", acc(ob+o))
		}
	}
	ins("ADDQ $32, R8")
	ins("ADDQ $32, SI")
	ins("DECQ CX")
	ins("JNZ %svec", name)
	ins("ADDQ R13, R9")
	ins("DECQ BX")
	ins("JNZ %srow", name)
	ins("ADDQ DI, R8")
	ins("MOVQ xis+64(FP), CX")
	ins("SHLQ $2, CX")
	ins("ADDQ CX, R10")
	ins("DECQ AX")
	ins("JNZ %simg", name)
	accs(false)
	ins("VZEROUPPER")
	ins("RET")
}

// addTaps: func(dx *float32, offs *int32, taps int, col *float32, rows, vpr, drs int)
func addTaps() {
	b.WriteString("\n// func addTaps(dx *float32, offs *int32, taps int, col *float32, rows, vpr, drs int)\n")
	b.WriteString("TEXT ·addTaps(SB), NOSPLIT, $0-56\n")
	ins("MOVQ dx+0(FP), DI")
	ins("MOVQ offs+8(FP), R8")
	ins("MOVQ taps+16(FP), CX")
	ins("MOVQ col+24(FP), SI")
	ins("MOVQ drs+48(FP), R13")
	ins("SHLQ $2, R13")
	b.WriteString("addTapsTap:\n")
	ins("MOVLQSX (R8), AX")
	ins("LEAQ (DI)(AX*4), R9")
	ins("MOVQ rows+32(FP), BX")
	b.WriteString("addTapsRow:\n")
	ins("MOVQ R9, R10")
	ins("MOVQ vpr+40(FP), DX")
	b.WriteString("addTapsVec:\n")
	ins("VMOVUPS (R10), Y0")
	ins("VADDPS (SI), Y0, Y0")
	ins("VMOVUPS Y0, (R10)")
	ins("ADDQ $32, SI")
	ins("ADDQ $32, R10")
	ins("DECQ DX")
	ins("JNZ addTapsVec")
	ins("ADDQ R13, R9")
	ins("DECQ BX")
	ins("JNZ addTapsRow")
	ins("ADDQ $4, R8")
	ins("DECQ CX")
	ins("JNZ addTapsTap")
	ins("VZEROUPPER")
	ins("RET")
}

// windowSetup is the prologue maxPool2x2 and maxUnpool2x2 share: it loads
// their arguments (the first and fifth pointers named src and dst) and the
// index constants into registers.
func windowSetup(src, dst string) string {
	return "\tMOVQ " + src + `+0(FP), SI
	MOVQ SI, BX
	MOVQ w+8(FP), R8
	SHLQ $2, R8
	MOVQ vpr+16(FP), R9
	MOVQ R9, R10
	MOVQ R8, R11
	SHLQ $1, R11
	MOVQ R9, AX
	SHLQ $5, AX
	SUBQ AX, R11
	MOVQ n8+24(FP), CX
	MOVQ ` + dst + `+32(FP), DI
	MOVQ idx+40(FP), DX
	MOVL $1, AX
	VMOVD AX, X12
	VPBROADCASTD X12, Y12
	MOVQ w+8(FP), AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13
	INCQ AX
	VMOVD AX, X11
	VPBROADCASTD X11, Y11
	VMOVDQU ramp<>(SB), Y10
`
}

// maxPool2x2 is written out: one kernel, no variants. Per 8 outputs it loads
// 16 values of the window's top row and 16 of its bottom row (two vectors
// each, which may come from consecutive row pairs: the plane is walked in the
// outputs' order), splits them into the windows' four corners (VSHUFPS,
// VPERMPD), keeps the first maximum by strict comparisons and blends, and
// collects an "any NaN" mask.
var maxPool2x2 = `
DATA ramp<>+0(SB)/4, $0
DATA ramp<>+4(SB)/4, $2
DATA ramp<>+8(SB)/4, $4
DATA ramp<>+12(SB)/4, $6
DATA ramp<>+16(SB)/4, $0
DATA ramp<>+20(SB)/4, $2
DATA ramp<>+24(SB)/4, $4
DATA ramp<>+28(SB)/4, $6
GLOBL ramp<>(SB), RODATA|NOPTR, $32

// func maxPool2x2(x *float32, w, vpr, n8 int, y *float32, idx *int32) (nan bool)
TEXT ·maxPool2x2(SB), NOSPLIT, $0-49
` + windowSetup("x", "y") + `	VXORPS Y9, Y9, Y9
pool2x2loop:
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R8*1), Y2
	MOVQ SI, R12
	SUBQ BX, R12
	SHRQ $2, R12
	ADDQ $32, SI
	DECQ R10
	JNZ pool2x2next1
	ADDQ R11, SI
	MOVQ R9, R10
pool2x2next1:
	VMOVUPS (SI), Y1
	VMOVUPS (SI)(R8*1), Y3
	MOVQ SI, R13
	SUBQ BX, R13
	SHRQ $2, R13
	ADDQ $32, SI
	DECQ R10
	JNZ pool2x2next2
	ADDQ R11, SI
	MOVQ R9, R10
pool2x2next2:
	VCMPPS $3, Y0, Y0, Y14
	VORPS Y14, Y9, Y9
	VCMPPS $3, Y1, Y1, Y14
	VORPS Y14, Y9, Y9
	VCMPPS $3, Y2, Y2, Y14
	VORPS Y14, Y9, Y9
	VCMPPS $3, Y3, Y3, Y14
	VORPS Y14, Y9, Y9
	VSHUFPS $0x88, Y1, Y0, Y4
	VSHUFPS $0xDD, Y1, Y0, Y5
	VSHUFPS $0x88, Y3, Y2, Y6
	VSHUFPS $0xDD, Y3, Y2, Y7
	VPERMPD $0xD8, Y4, Y4
	VPERMPD $0xD8, Y5, Y5
	VPERMPD $0xD8, Y6, Y6
	VPERMPD $0xD8, Y7, Y7
	VMOVD R12, X15
	VPBROADCASTD X15, X15
	VMOVD R13, X14
	VPBROADCASTD X14, X14
	VINSERTI128 $1, X14, Y15, Y15
	VPADDD Y10, Y15, Y15
	VPXOR Y8, Y8, Y8
	VCMPPS $0x1E, Y4, Y5, Y14
	VBLENDVPS Y14, Y5, Y4, Y4
	VBLENDVPS Y14, Y12, Y8, Y8
	VCMPPS $0x1E, Y4, Y6, Y14
	VBLENDVPS Y14, Y6, Y4, Y4
	VBLENDVPS Y14, Y13, Y8, Y8
	VCMPPS $0x1E, Y4, Y7, Y14
	VBLENDVPS Y14, Y7, Y4, Y4
	VBLENDVPS Y14, Y11, Y8, Y8
	VPADDD Y8, Y15, Y15
	VMOVUPS Y4, (DI)
	VMOVDQU Y15, (DX)
	ADDQ $32, DI
	ADDQ $32, DX
	DECQ CX
	JNZ pool2x2loop
	VMOVMSKPS Y9, AX
	TESTL AX, AX
	SETNE nan+48(FP)
	VZEROUPPER
	RET
`

// maxUnpool2x2 is maxPool2x2's gradient: per 8 outputs it compares their
// indices with the windows' four corners, keeps the output gradient where they
// match (zero elsewhere), interleaves the corners back into two vectors of the
// top row and two of the bottom row, and stores them, walking the plane as
// maxPool2x2 does. It writes every element of every window.
var maxUnpool2x2 = `
// func maxUnpool2x2(dx *float32, w, vpr, n8 int, dy *float32, idx *int32)
TEXT ·maxUnpool2x2(SB), NOSPLIT, $0-48
` + windowSetup("dx", "dy") + `unpool2x2loop:
	MOVQ SI, R12
	ADDQ $32, SI
	DECQ R10
	JNZ unpool2x2next1
	ADDQ R11, SI
	MOVQ R9, R10
unpool2x2next1:
	MOVQ SI, R13
	ADDQ $32, SI
	DECQ R10
	JNZ unpool2x2next2
	ADDQ R11, SI
	MOVQ R9, R10
unpool2x2next2:
	MOVQ R12, AX
	SUBQ BX, AX
	SHRQ $2, AX
	VMOVD AX, X15
	VPBROADCASTD X15, X15
	MOVQ R13, AX
	SUBQ BX, AX
	SHRQ $2, AX
	VMOVD AX, X14
	VPBROADCASTD X14, X14
	VINSERTI128 $1, X14, Y15, Y15
	VPADDD Y10, Y15, Y15
	VMOVDQU (DX), Y0
	VMOVUPS (DI), Y1
	VPCMPEQD Y15, Y0, Y2
	VANDPS Y1, Y2, Y2
	VPADDD Y12, Y15, Y3
	VPCMPEQD Y3, Y0, Y3
	VANDPS Y1, Y3, Y3
	VPADDD Y13, Y15, Y4
	VPCMPEQD Y4, Y0, Y4
	VANDPS Y1, Y4, Y4
	VPADDD Y11, Y15, Y5
	VPCMPEQD Y5, Y0, Y5
	VANDPS Y1, Y5, Y5
	VUNPCKLPS Y3, Y2, Y6
	VUNPCKHPS Y3, Y2, Y7
	VPERM2F128 $0x20, Y7, Y6, Y8
	VPERM2F128 $0x31, Y7, Y6, Y9
	VMOVUPS Y8, (R12)
	VMOVUPS Y9, (R13)
	VUNPCKLPS Y5, Y4, Y6
	VUNPCKHPS Y5, Y4, Y7
	VPERM2F128 $0x20, Y7, Y6, Y8
	VPERM2F128 $0x31, Y7, Y6, Y9
	VMOVUPS Y8, (R12)(R8*1)
	VMOVUPS Y9, (R13)(R8*1)
	ADDQ $32, DI
	ADDQ $32, DX
	DECQ CX
	JNZ unpool2x2loop
	VZEROUPPER
	RET
`

func main() {
	b.WriteString("// Code generated by gen_amd64.go; DO NOT EDIT.\n\n//go:build !purego\n\n#include \"textflag.h\"\n")
	for n := 1; n <= 2; n++ {
		for ob := 1; ob <= maxOb; ob++ {
			fwd(ob, n)
			dw(ob, n)
		}
	}
	addTaps()
	b.WriteString(maxPool2x2)
	b.WriteString(maxUnpool2x2)
	if err := os.WriteFile("kernels_amd64.s", b.Bytes(), 0o644); err != nil {
		panic(err)
	}
	var d bytes.Buffer
	d.WriteString("// Code generated by gen_amd64.go; DO NOT EDIT.\n\n//go:build !purego\n\npackage conv\n")
	var fwdTab, dwTab [3]string
	for v := 1; v <= 2; v++ {
		for ob := 1; ob <= maxOb; ob++ {
			fmt.Fprintf(&d, "\n//go:noescape\nfunc fwdO%dV%d(x0, x1 *float32, offs *int32, taps int, w, bias, y0, y1 *float32, ldy int)\n", ob, v)
			fmt.Fprintf(&d, "\n//go:noescape\nfunc dwO%dT%d(dy *float32, ldy int, x0 *float32, d1, rows, vpr, xrs, imgs, xis, dyis int, acc0, acc1 *float32)\n", ob, v)
			fwdTab[v] += fmt.Sprintf("fwdO%dV%d, ", ob, v)
			dwTab[v] += fmt.Sprintf("dwO%dT%d, ", ob, v)
		}
	}
	d.WriteString("\n//go:noescape\nfunc maxUnpool2x2(dx *float32, w, vpr, n8 int, dy *float32, idx *int32)\n")
	d.WriteString("\n//go:noescape\nfunc maxPool2x2(x *float32, w, vpr, n8 int, y *float32, idx *int32) (nan bool)\n")
	d.WriteString("\n//go:noescape\nfunc addTaps(dx *float32, offs *int32, taps int, col *float32, rows, vpr, drs int)\n")
	fmt.Fprintf(&d, "\n// fwdAVX2 and dwAVX2 are the tiles by vectors (or taps) and channels.\nvar (\n")
	fmt.Fprintf(&d, "\tfwdAVX2 = [3][maxOb + 1]fwdFunc{1: {nil, %s}, 2: {nil, %s}}\n", fwdTab[1], fwdTab[2])
	fmt.Fprintf(&d, "\tdwAVX2  = [3][maxOb + 1]dwFunc{1: {nil, %s}, 2: {nil, %s}}\n)\n", dwTab[1], dwTab[2])
	src, err := format.Source(d.Bytes())
	if err != nil {
		panic(err)
	}
	if err := os.WriteFile("kernels_amd64.go", src, 0o644); err != nil {
		panic(err)
	}
}

// maxOb is the most output channels of a tile: n·ob ≤ 12 accumulators for n =
// 2 vectors (or taps), Y0–Y11.
const maxOb = 6
