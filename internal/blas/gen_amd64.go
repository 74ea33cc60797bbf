//go:build ignore

// gen_amd64.go writes kernel_amd64.s: the AVX-512 and AVX2+FMA micro-kernels,
// whose Go declarations it writes to kernel_decl_amd64.go, and the packing
// routines declared in kernel_amd64.go (transpose16x16, which packs transposed
// float32 B for the AVX-512 kernel, and others). Run `go generate` in this
// directory (or `go run gen_amd64.go`) after editing.
//
// Every micro-kernel has the same shape: prefetch the tile of C; zero an mr×nr
// tile of accumulators; run k steps, four at a time and then one at a time,
// each loading one row of the B panel and adding it, times one broadcast
// element of A, to each row of the tile; then store alpha times the tile, plus beta times C unless flags has
// betaZero, or plus a row vector (a bias) when flags has addBias.
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
)

// isa is a vector instruction set a kernel is written for.
type isa struct {
	reg      string // vector register prefix
	vecBytes int
	zero     string // instruction that zeroes a register by XORing it with itself
}

var (
	// AVX-512F has no VXORPS on Z registers (that needs AVX512DQ); VPXORD does the same.
	avx512 = isa{reg: "Z", vecBytes: 64, zero: "VPXORD"}
	avx2   = isa{reg: "Y", vecBytes: 32, zero: "VXORPS"}
)

// precision is the element type of a kernel.
type precision struct {
	size   int    // bytes
	shift  int    // log2(size): scales an index to a byte offset
	packed string // suffix of packed instructions: PS or PD
	scalar string // suffix of scalar instructions: SS or SD
}

var (
	f32 = precision{size: 4, shift: 2, packed: "PS", scalar: "SS"}
	f64 = precision{size: 8, shift: 3, packed: "PD", scalar: "SD"}
)

// aRows are the operands of A's rows 0 to 11 at the current step: R8 points at
// row 0, R10 at row 3, R12 at row 6 and R13 at row 9, and R9 holds the byte
// stride between rows.
var aRows = [12]string{"(R8)", "(R8)(R9*1)", "(R8)(R9*2)", "(R10)", "(R10)(R9*1)", "(R10)(R9*2)",
	"(R12)", "(R12)(R9*1)", "(R12)(R9*2)", "(R13)", "(R13)(R9*1)", "(R13)(R9*2)"}

// aBases are the registers of aRows, one per three rows.
var aBases = [4]string{"R8", "R10", "R12", "R13"}

// kernel is one micro-kernel to generate.
type kernel struct {
	name string
	isa  isa
	prec precision
	mr   int // rows of the full kernel, which lays out the registers
	vecs int // vectors per row of the tile
	rows int // rows of the tile: mr, or fewer for a ragged strip
}

// kernels lists the micro-kernels: the full ones, each followed by its kernels
// of 1 to mr-1 rows (named with an r and their row count), which keep their
// rows' accumulators in the same registers as the full kernel. The 6×64
// float32 (6×32 float64) AVX-512 kernel takes wide products; the 12×32 one
// (sgemmKernelAVX512N) products 17 to 32 columns wide, which the wide one
// would half pad.
var kernels = func() []kernel {
	var ks []kernel
	for _, k := range []kernel{
		{"sgemmKernelAVX512", avx512, f32, 6, 4, 6},
		{"dgemmKernelAVX512", avx512, f64, 6, 4, 6},
		{"sgemmKernelAVX512N", avx512, f32, 12, 2, 12},
		{"sgemmKernelAVX2", avx2, f32, 6, 2, 6},
		{"dgemmKernelAVX2", avx2, f64, 6, 2, 6},
	} {
		ks = append(ks, k)
		for r := 1; r < k.mr; r++ {
			s := k
			s.name, s.rows = fmt.Sprintf("%sr%d", k.name, r), r
			ks = append(ks, s)
		}
	}
	return ks
}()

// nr returns the number of columns of k's tile: the values of B in one step.
func (k kernel) nr() int { return k.vecs * k.isa.vecBytes / k.prec.size }

// vreg returns vector register i.
func (k kernel) vreg(i int) string { return fmt.Sprintf("%s%d", k.isa.reg, i) }

// acc returns the register that accumulates vector v of tile row r. The tile
// takes the first mr*vecs registers.
func (k kernel) acc(r, v int) string { return k.vreg(r*k.vecs + v) }

// bvec returns the register that holds vector v of the current row of B.
func (k kernel) bvec(v int) string { return k.vreg(k.mr*k.vecs + v) }

// bcast returns broadcast register i (0 or 1). The step alternates the two
// from one row of A to the next; the store puts alpha in the first and beta in
// the second.
func (k kernel) bcast(i int) string { return k.vreg(k.mr*k.vecs + k.vecs + i) }

// bases returns how many of aBases the kernel's rows use.
func (k kernel) bases() int { return (k.rows + 2) / 3 }

// frame returns the offsets of alpha, beta, flags, bias and bs in k's argument
// frame and the frame's size: seven 8-byte words (k, a, rs, ks, b, c, ldc) come
// first, and flags needs no padding after two float32s or two float64s.
func (k kernel) frame() (alpha, beta, flags, bias, bs, size int) {
	alpha = 7 * 8
	beta = alpha + k.prec.size
	flags = beta + k.prec.size
	bias = flags + 8
	bs = bias + 8
	return alpha, beta, flags, bias, bs, bs + 8
}

// gen accumulates the assembly text.
type gen struct{ bytes.Buffer }

// ins writes one instruction.
func (g *gen) ins(format string, args ...any) {
	fmt.Fprintf(g, "\t"+format+"\n", args...)
}

// label writes a label.
func (g *gen) label(name string) { fmt.Fprintf(g, "%s:\n", name) }

// header writes what precedes the functions.
func (g *gen) header() {
	g.WriteString(`// Code generated by gen_amd64.go; DO NOT EDIT.

//go:build !purego

#include "textflag.h"

// Each kernel computes an mr×nr tile of C = alpha*A·B + beta*C from k steps of A
// (row r, step p at a[r*rs+p*ks]) and a packed panel of B (nr values per step);
// see microKernel in gemm.go. R8 walks rows 0-2 of A, R10 rows 3-5, R12 rows
// 6-8 and R13 rows 9-11.

`)
}

// kernel writes micro-kernel k.
func (g *gen) kernel(k kernel) {
	_, _, _, _, _, size := k.frame()
	fmt.Fprintf(g, "// func %s(k int, a *T, rs, ks int, b *T, c *T, ldc int, alpha, beta T, flags int, bias *T, bs int)\n", k.name)
	fmt.Fprintf(g, "TEXT ·%s(SB), NOSPLIT, $0-%d\n", k.name, size)
	g.loadArgs(k)
	g.prefetchC(k)
	for r := 0; r < k.rows; r++ {
		for v := 0; v < k.vecs; v++ {
			x := k.acc(r, v)
			g.ins("%s %s, %s, %s", k.isa.zero, x, x, x)
		}
	}
	g.loops(k)
	g.store(k)
	g.WriteString("\n")
}

// loadArgs loads the arguments the loops use: the step count in CX, A's rows
// in aBases with the row stride in R9 and the step stride in R11, B in BX with
// its step stride in AX, C in DI and its row stride in SI (strides in bytes).
func (g *gen) loadArgs(k kernel) {
	shift := k.prec.shift
	g.ins("MOVQ k+0(FP), CX")
	g.ins("MOVQ a+8(FP), R8")
	g.ins("MOVQ rs+16(FP), R9")
	g.ins("SHLQ $%d, R9", shift)
	g.ins("MOVQ ks+24(FP), R11")
	g.ins("SHLQ $%d, R11", shift)
	if k.bases() > 1 {
		g.ins("LEAQ (R9)(R9*2), AX")
		for i := 1; i < k.bases(); i++ {
			g.ins("LEAQ (%s)(AX*1), %s", aBases[i-1], aBases[i])
		}
	}
	_, _, _, _, bs, _ := k.frame()
	g.ins("MOVQ bs+%d(FP), AX", bs)
	g.ins("SHLQ $%d, AX", shift)
	g.ins("MOVQ b+32(FP), BX")
	g.ins("MOVQ c+40(FP), DI")
	g.ins("MOVQ ldc+48(FP), SI")
	g.ins("SHLQ $%d, SI", shift)
}

// prefetchC asks for the tile's lines of C before the k steps, so that a C
// not in the cache (a fresh result) arrives while they run instead of stalling
// the stores at the end. Measured on the 2-core AMD EPYC VM (2026-12-02, 4
// alternating runs each): a 64×64 float32 MatMul allocating its result ran at
// 103 → 121 GFLOP/s (medians) on 1 thread and 121 → 124 on 2; 256×256 into a
// preallocated C, 179 → 185 on 1 thread.
func (g *gen) prefetchC(k kernel) {
	g.ins("MOVQ DI, DX")
	for r := 0; r < k.rows; r++ {
		for off := 0; off < k.vecs*k.isa.vecBytes; off += 64 {
			g.ins("PREFETCHT0 %d(DX)", off)
		}
		g.ins("ADDQ SI, DX")
	}
}

// loops writes the k steps: k/4 times four steps in DX, then k%4 single steps
// in CX.
func (g *gen) loops(k kernel) {
	g.ins("MOVQ CX, DX")
	g.ins("SHRQ $2, DX")
	g.ins("JZ %s_tail", k.name)
	g.label(k.name + "_loop4")
	for i := 0; i < 4; i++ {
		g.step(k)
	}
	g.ins("DECQ DX")
	g.ins("JNZ %s_loop4", k.name)
	g.label(k.name + "_tail")
	g.ins("ANDQ $3, CX")
	g.ins("JZ %s_store", k.name)
	g.label(k.name + "_loop1")
	g.step(k)
	g.ins("DECQ CX")
	g.ins("JNZ %s_loop1", k.name)
}

// step writes one step: acc(r, ·) += A[r][p] * B[p][·] for each row r, then
// advances B to the next row of the panel and A to the next step.
func (g *gen) step(k kernel) {
	p := k.prec
	for v := 0; v < k.vecs; v++ {
		g.ins("VMOVU%s %d(BX), %s", p.packed, v*k.isa.vecBytes, k.bvec(v))
	}
	for r := 0; r < k.rows; r++ {
		b := k.bcast(r % 2)
		g.ins("VBROADCAST%s %s, %s", p.scalar, aRows[r], b)
		for v := 0; v < k.vecs; v++ {
			g.ins("VFMADD231%s %s, %s, %s", p.packed, k.bvec(v), b, k.acc(r, v))
		}
	}
	g.ins("ADDQ AX, BX")
	for i := 0; i < k.bases(); i++ {
		g.ins("ADDQ R11, %s", aBases[i])
	}
}

// store writes the tile to C: alpha*acc + beta*C, or alpha*acc alone when
// flags has betaZero (bit 0), or alpha*acc + bias[j] when it has addBias (bit
// 1; bias in DX).
func (g *gen) store(k kernel) {
	alpha, beta, flags, bias, _, _ := k.frame()
	g.label(k.name + "_store")
	g.ins("VBROADCAST%s alpha+%d(FP), %s", k.prec.scalar, alpha, k.bcast(0))
	g.ins("MOVQ flags+%d(FP), AX", flags)
	g.ins("TESTQ $2, AX")
	g.ins("JNZ %s_bias", k.name)
	g.ins("TESTQ $1, AX")
	g.ins("JNZ %s_nobeta", k.name)
	g.ins("VBROADCAST%s beta+%d(FP), %s", k.prec.scalar, beta, k.bcast(1))
	g.storeRows(k, addBeta)
	g.label(k.name + "_nobeta")
	g.storeRows(k, addNothing)
	g.label(k.name + "_bias")
	g.ins("MOVQ bias+%d(FP), DX", bias)
	g.storeRows(k, addBias)
}

// What storeRows adds to alpha times the tile.
const (
	addNothing = iota
	addBeta    // beta*C
	addBias    // the row vector at DX
)

// storeRows writes the tile's rows to C, one row of C (SI bytes) apart, adding
// what add says, and returns.
func (g *gen) storeRows(k kernel, add int) {
	p := k.prec
	for r := 0; r < k.rows; r++ {
		for v := 0; v < k.vecs; v++ {
			x, c := k.acc(r, v), fmt.Sprintf("%d(DI)", v*k.isa.vecBytes)
			g.ins("VMUL%s %s, %s, %s", p.packed, k.bcast(0), x, x)
			switch add {
			case addBeta:
				g.ins("VFMADD231%s %s, %s, %s", p.packed, c, k.bcast(1), x)
			case addBias:
				g.ins("VADD%s %d(DX), %s, %s", p.packed, v*k.isa.vecBytes, x, x)
			}
			g.ins("VMOVU%s %s, %s", p.packed, x, c)
		}
		g.ins("ADDQ SI, DI")
	}
	g.ins("VZEROUPPER")
	g.ins("RET")
}

// transposeArgs loads a transpose's arguments: src in SI, dst in DI and their
// row strides in bytes in AX and BX.
func (g *gen) transposeArgs() {
	g.ins("MOVQ src+0(FP), SI")
	g.ins("MOVQ lds+8(FP), AX")
	g.ins("SHLQ $2, AX")
	g.ins("MOVQ dst+16(FP), DI")
	g.ins("MOVQ ldd+24(FP), BX")
	g.ins("SHLQ $2, BX")
}

// transpose16x16 writes transpose16x16: it loads sixteen rows into Z0-Z15,
// interleaves them in four rounds, alternating between Z0-Z15 and Z16-Z31
// (32-bit elements, then 64-bit pairs, then 128-bit lanes twice), and stores
// sixteen columns.
func (g *gen) transpose16x16() {
	g.WriteString(`// func transpose16x16(src *float32, lds int, dst *float32, ldd int)
// dst[j*ldd+i] = src[i*lds+j] for i, j < 16: sixteen rows in Z0-Z15, three
// rounds of unpack/shuffle through Z16-Z31, sixteen columns out.
TEXT ·transpose16x16(SB), NOSPLIT, $0-32
`)
	g.transposeArgs()
	r := func(i int) string { return fmt.Sprintf("Z%d", i) }
	t := func(i int) string { return fmt.Sprintf("Z%d", 16+i) }
	for i := 0; i < 16; i++ {
		g.ins("VMOVUPS (SI), %s", r(i))
		g.ins("ADDQ AX, SI")
	}
	// Go writes the operands of Intel's "op dst, a, b" as "op b, a, dst".
	for i := 0; i < 8; i++ { // interleave the elements of row pairs
		g.ins("VUNPCKLPS %s, %s, %s", r(2*i+1), r(2*i), t(2*i))
		g.ins("VUNPCKHPS %s, %s, %s", r(2*i+1), r(2*i), t(2*i+1))
	}
	for b := 0; b < 16; b += 4 { // interleave the element pairs of row quads
		g.ins("VUNPCKLPD %s, %s, %s", t(b+2), t(b), r(b))
		g.ins("VUNPCKHPD %s, %s, %s", t(b+2), t(b), r(b+1))
		g.ins("VUNPCKLPD %s, %s, %s", t(b+3), t(b+1), r(b+2))
		g.ins("VUNPCKHPD %s, %s, %s", t(b+3), t(b+1), r(b+3))
	}
	for b := 0; b < 16; b += 8 { // even and odd lanes of rows four apart
		for i := 0; i < 4; i++ {
			g.ins("VSHUFF32X4 $0x88, %s, %s, %s", r(b+4+i), r(b+i), t(b+i))
			g.ins("VSHUFF32X4 $0xdd, %s, %s, %s", r(b+4+i), r(b+i), t(b+4+i))
		}
	}
	for i := 0; i < 8; i++ { // even and odd lanes of rows eight apart
		g.ins("VSHUFF32X4 $0x88, %s, %s, %s", t(8+i), t(i), r(i))
		g.ins("VSHUFF32X4 $0xdd, %s, %s, %s", t(8+i), t(i), r(8+i))
	}
	for i := 0; i < 16; i++ {
		g.ins("VMOVUPS %s, (DI)", r(i))
		g.ins("ADDQ BX, DI")
	}
	g.ins("VZEROUPPER")
	g.ins("RET")
	g.WriteString("\n")
}

// transpose8x8 writes transpose8x8, the AVX2 counterpart of transpose16x16:
// eight rows in Y0-Y7, interleaved element by element into Y8-Y15, then pair
// by pair back into Y0-Y7, then lane by lane into the eight columns.
func (g *gen) transpose8x8() {
	g.WriteString(`// func transpose8x8(src *float32, lds int, dst *float32, ldd int)
// dst[j*ldd+i] = src[i*lds+j] for i, j < 8 (AVX).
TEXT ·transpose8x8(SB), NOSPLIT, $0-32
`)
	g.transposeArgs()
	y := func(i int) string { return fmt.Sprintf("Y%d", i) }
	for i := 0; i < 8; i++ {
		g.ins("VMOVUPS (SI), %s", y(i))
		g.ins("ADDQ AX, SI")
	}
	// Go writes the operands of Intel's "op dst, a, b" as "op b, a, dst".
	for i := 0; i < 8; i += 2 { // rows i, i+1 interleaved: elements 0,1,4,5 then 2,3,6,7
		g.ins("VUNPCKLPS %s, %s, %s", y(i+1), y(i), y(8+i))
		g.ins("VUNPCKHPS %s, %s, %s", y(i+1), y(i), y(9+i))
	}
	for b := 0; b < 8; b += 4 { // four rows' element j side by side, j and j+4 per lane
		g.ins("VSHUFPS $0x44, %s, %s, %s", y(10+b), y(8+b), y(b))
		g.ins("VSHUFPS $0xee, %s, %s, %s", y(10+b), y(8+b), y(b+1))
		g.ins("VSHUFPS $0x44, %s, %s, %s", y(11+b), y(9+b), y(b+2))
		g.ins("VSHUFPS $0xee, %s, %s, %s", y(11+b), y(9+b), y(b+3))
	}
	for i := 0; i < 4; i++ { // low lanes give columns 0-3, high lanes 4-7
		g.ins("VPERM2F128 $0x20, %s, %s, %s", y(4+i), y(i), y(8+i))
		g.ins("VPERM2F128 $0x31, %s, %s, %s", y(4+i), y(i), y(12+i))
	}
	for i := 0; i < 8; i++ {
		g.ins("VMOVUPS %s, (DI)", y(8+i))
		g.ins("ADDQ BX, DI")
	}
	g.ins("VZEROUPPER")
	g.ins("RET")
	g.WriteString("\n")
}

// packA6T writes packA6T32 and packA6T64: they pack transposed A into strips
// of 6 rows, copying each step's 6 adjacent values (24 or 48 bytes) of each
// strip from one stored row of A, a stored row at a time.
func (g *gen) packA6T(name string, p precision) {
	fmt.Fprintf(g, `// func %s(dst, src unsafe.Pointer, lda, kc, strips, sstride uintptr)
// For p < kc and s < strips: the 6 values at src+p*lda+s*6*size go to
// dst+s*sstride+p*6*size (strides in bytes; kc, strips > 0).
TEXT ·%s(SB), NOSPLIT, $0-48
`, name, name)
	g.ins("MOVQ dst+0(FP), DI")
	g.ins("MOVQ src+8(FP), SI")
	g.ins("MOVQ lda+16(FP), AX")
	g.ins("MOVQ kc+24(FP), CX")
	g.ins("MOVQ sstride+40(FP), DX")
	g.label(name + "_step")
	g.ins("MOVQ SI, R8")
	g.ins("MOVQ DI, R9")
	g.ins("MOVQ strips+32(FP), BX")
	g.label(name + "_strip")
	if p.size == 4 {
		g.ins("VMOVUPS (R8), X0")
		g.ins("MOVQ 16(R8), X1")
		g.ins("VMOVUPS X0, (R9)")
		g.ins("MOVQ X1, 16(R9)")
	} else {
		g.ins("VMOVUPD (R8), Y0")
		g.ins("VMOVUPD 32(R8), X1")
		g.ins("VMOVUPD Y0, (R9)")
		g.ins("VMOVUPD X1, 32(R9)")
	}
	g.ins("ADDQ $%d, R8", 6*p.size)
	g.ins("ADDQ DX, R9")
	g.ins("DECQ BX")
	g.ins("JNZ %s_strip", name)
	g.ins("ADDQ AX, SI")
	g.ins("ADDQ $%d, DI", 6*p.size)
	g.ins("DECQ CX")
	g.ins("JNZ %s_step", name)
	g.ins("VZEROUPPER")
	g.ins("RET")
	g.WriteString("\n")
}

// copyRows writes copyRows: rows rows of w bytes (a multiple of 64), src rows
// lds bytes apart, to consecutive rows at dst, 64 bytes per step in Y0 and Y1.
func (g *gen) copyRows() {
	g.WriteString(`// func copyRows(dst, src unsafe.Pointer, lds, rows, w uintptr)
// Copies rows rows of w bytes (w a positive multiple of 64, rows > 0) from src,
// rows lds bytes apart, to dst, rows w bytes apart.
TEXT ·copyRows(SB), NOSPLIT, $0-40
`)
	g.ins("MOVQ dst+0(FP), DI")
	g.ins("MOVQ src+8(FP), SI")
	g.ins("MOVQ lds+16(FP), AX")
	g.ins("MOVQ rows+24(FP), CX")
	g.ins("MOVQ w+32(FP), DX")
	g.label("copyRows_row")
	g.ins("XORQ BX, BX")
	g.label("copyRows_chunk")
	g.ins("VMOVUPS (SI)(BX*1), Y0")
	g.ins("VMOVUPS 32(SI)(BX*1), Y1")
	g.ins("VMOVUPS Y0, (DI)(BX*1)")
	g.ins("VMOVUPS Y1, 32(DI)(BX*1)")
	g.ins("ADDQ $64, BX")
	g.ins("CMPQ BX, DX")
	g.ins("JB copyRows_chunk")
	g.ins("ADDQ AX, SI")
	g.ins("ADDQ DX, DI")
	g.ins("DECQ CX")
	g.ins("JNZ copyRows_row")
	g.ins("VZEROUPPER")
	g.ins("RET")
	g.WriteString("\n")
}

// decls returns the Go declarations of the micro-kernels and, per full
// kernel, the list of its short kernels by row count (nil at 0) in a variable
// named for the kernel with Short appended.
func decls() []byte {
	var b bytes.Buffer
	b.WriteString(`// Code generated by gen_amd64.go; DO NOT EDIT.

//go:build !purego

package blas

// The assembly micro-kernels of kernel_amd64.s; each follows microKernel.
`)
	for _, k := range kernels {
		t := "float32"
		if k.prec.size == 8 {
			t = "float64"
		}
		fmt.Fprintf(&b, "\n//go:noescape\nfunc %s(k int, a *%s, rs, ks int, b *%s, c *%s, ldc int, alpha, beta %s, flags int, bias *%s, bs int)\n", k.name, t, t, t, t, t)
		if k.rows == k.mr-1 { // the last short kernel of its family
			full := k.name[:len(k.name)-len(fmt.Sprintf("r%d", k.rows))]
			fmt.Fprintf(&b, "\n// %sShort holds the kernels of 1 to %d rows of %s.\n", full, k.mr-1, full)
			fmt.Fprintf(&b, "var %sShort = []microKernel[%s]{nil", full, t)
			for r := 1; r < k.mr; r++ {
				fmt.Fprintf(&b, ", %sr%d", full, r)
			}
			b.WriteString("}\n")
		}
	}
	return b.Bytes()
}

func main() {
	if err := os.WriteFile("kernel_decl_amd64.go", decls(), 0o644); err != nil {
		log.Fatal(err)
	}
	var g gen
	g.header()
	for _, k := range kernels {
		g.kernel(k)
	}
	g.transpose16x16()
	g.transpose8x8()
	g.copyRows()
	g.packA6T("packA6T32", f32)
	g.packA6T("packA6T64", f64)
	if err := os.WriteFile("kernel_amd64.s", g.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
