//go:build ignore

// gen_gelu_amd64.go writes gelu_amd64.s: the AVX-512 and AVX2+FMA kernels of
// GeluErf32, GeluErfGrad32 and GeluErfWithGrad32; and rows_amd64.s, the
// AVX-512 row kernels of rows.go (softmax and its gradient, LayerNorm forward
// and backward). Run `go generate` after editing.
//
// AVX2: two 8-lane vectors per iteration whose code is interleaved (then one;
// gelu.go hands the ragged tail to the plain loop). AVX-512: three 16-lane
// vectors per iteration, then one, then one masked vector for the tail, so the
// kernel takes any length; 1/(1+z/2) is VRCP14PS with one Newton step (relative
// error near 2^-28) instead of a division, and exp scales by 2^n with VSCALEFPS.
// The exp code is gen_amd64.go's exp (Cephes expf polynomial, Cody-Waite
// reduction; on AVX2 2^n built in two halves), written again here so that the
// elementwise kernels' generated file stays this generator's business alone.
package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
)

var out bytes.Buffer

func p(format string, a ...any) { fmt.Fprintf(&out, "\t"+format+"\n", a...) }

// consts are the float32 constants, by name, 16 lanes each (the AVX2 kernels
// read the first 8); bits hold raw patterns.
var consts = []struct {
	name string
	v    float64
	bits uint32
}{
	{name: "one", v: 1}, {name: "half", v: 0.5}, {name: "mhalf", v: -0.5},
	{name: "lo", v: -104}, // exp(-104) < 2^-150 rounds to 0
	{name: "log2e", v: math.Log2E}, {name: "nln2hi", v: -0.693359375}, {name: "nln2lo", v: 2.12194440e-4},
	{name: "magic", v: 1<<23 + 127},
	{name: "e0", v: 1.9875691500e-4}, {name: "e1", v: 1.3981999507e-3}, {name: "e2", v: 8.3334519073e-3},
	{name: "e3", v: 4.1665795894e-2}, {name: "e4", v: 1.6666665459e-1}, {name: "e5", v: 5.0000001201e-1},
	{name: "invsqrt2", v: math.Sqrt2 / 2}, {name: "invsqrt2pi", v: 0.3989422804014327},
	{name: "abs", bits: 0x7fffffff}, {name: "zero", v: 0},
	// erfc(z) = t·exp(-z² + P(t)), highest degree first (gelu.go's erfcCoef)
	{name: "c0", v: 0.17087277}, {name: "c1", v: -0.82215223}, {name: "c2", v: 1.48851587},
	{name: "c3", v: -1.13520398}, {name: "c4", v: 0.27886807}, {name: "c5", v: -0.18628806},
	{name: "c6", v: 0.09678418}, {name: "c7", v: 0.37409196}, {name: "c8", v: 1.00002368},
	{name: "c9", v: -1.26551223},
}

// prefix starts the constants' symbols: they are private to their file, so
// each file gets its own copy.
var prefix = "gelu"

func k(name string) string { return prefix + name + "<>(SB)" }

// writeConsts writes the constants' DATA under the current prefix.
func writeConsts() {
	for _, c := range consts {
		b := c.bits
		if b == 0 {
			b = math.Float32bits(float32(c.v))
		}
		for i := range 16 {
			fmt.Fprintf(&out, "DATA %s%s<>+%d(SB)/4, $0x%08x\n", prefix, c.name, 4*i, b)
		}
		fmt.Fprintf(&out, "GLOBL %s%s<>(SB), RODATA|NOPTR, $64\n", prefix, c.name)
	}
}

// isa is one instruction set's shape: register prefix, lanes per vector, how
// many vectors' code the main loop interleaves, and whether it is AVX-512
// (opmasks, VRCP14PS, VSCALEFPS, 32 registers).
type isa struct {
	suffix string
	reg    string
	lanes  int
	ways   int
	evex   bool
}

var (
	avx2   = isa{"AVX2", "Y", 8, 2, false}
	avx512 = isa{"AVX512", "Z", 16, 3, true}
)

// lane names the seven vector registers one vector's code uses: x holds the
// input, the others the intermediates. The main loop interleaves is.ways
// lanes, so that the long dependency chains of one vector overlap with the
// others'; lo and one are shared, in Y14 and Y15 (AVX2) or Z30 and Z31.
type lane struct{ x, a, b, c, d, e, f, k string } // k: AVX-512 opmask

func lanes(is isa) []lane {
	var ls []lane
	for i := range is.ways {
		r := func(j int) string { return fmt.Sprintf("%s%d", is.reg, 7*i+j) }
		ls = append(ls, lane{r(0), r(1), r(2), r(3), r(4), r(5), r(6), fmt.Sprintf("K%d", 2+i)})
	}
	return ls
}

// The shared constant registers.
func regLo(is isa) string  { return map[bool]string{false: "Y14", true: "Z30"}[is.evex] }
func regOne(is isa) string { return map[bool]string{false: "Y15", true: "Z31"}[is.evex] }

// code collects one lane's instructions.
type code struct {
	is   isa
	ins  []string
	tail bool // AVX-512 masked tail: loads and stores under K1
}

func (c *code) p(format string, a ...any) { c.ins = append(c.ins, fmt.Sprintf(format, a...)) }

// exp sets l.e = exp(l.c) for l.c <= 0, clobbering l.c, l.d and l.f.
func (c *code) exp(l lane) {
	lo, one := regLo(c.is), regOne(c.is)
	c.p("VMAXPS %s, %s, %s", l.c, lo, l.c) // NaN in l.c wins
	c.p("VMULPS %s, %s, %s", k("log2e"), l.c, l.d)
	if c.is.evex {
		c.p("VRNDSCALEPS $0, %s, %s", l.d, l.d)
	} else {
		c.p("VROUNDPS $0, %s, %s", l.d, l.d)
	}
	c.p("VFMADD231PS %s, %s, %s", k("nln2hi"), l.d, l.c)
	c.p("VFMADD231PS %s, %s, %s", k("nln2lo"), l.d, l.c)
	c.p("VMOVUPS %s, %s", k("e0"), l.e)
	for i := 1; i <= 5; i++ {
		c.p("VFMADD213PS %s, %s, %s", k(fmt.Sprintf("e%d", i)), l.c, l.e)
	}
	c.p("VMULPS %s, %s, %s", l.c, l.c, l.f)
	c.p("VFMADD213PS %s, %s, %s", l.c, l.f, l.e)
	c.p("VADDPS %s, %s, %s", one, l.e, l.e)
	if c.is.evex {
		c.p("VSCALEFPS %s, %s, %s", l.d, l.e, l.e)
		return
	}
	c.p("VMULPS %s, %s, %s", k("half"), l.d, l.f)
	c.p("VROUNDPS $1, %s, %s", l.f, l.f) // floor(n/2)
	c.p("VSUBPS %s, %s, %s", l.f, l.d, l.d)
	c.p("VADDPS %s, %s, %s", k("magic"), l.f, l.f)
	c.p("VPSLLD $23, %s, %s", l.f, l.f)
	c.p("VADDPS %s, %s, %s", k("magic"), l.d, l.d)
	c.p("VPSLLD $23, %s, %s", l.d, l.d)
	c.p("VMULPS %s, %s, %s", l.f, l.e, l.e)
	c.p("VMULPS %s, %s, %s", l.d, l.e, l.e)
}

// cdf sets l.a = Φ(l.x), clobbering l.b .. l.f.
func (c *code) cdf(l lane) {
	one := regOne(c.is)
	if c.is.evex {
		c.p("VPANDD %s, %s, %s", k("abs"), l.x, l.a)
	} else {
		c.p("VANDPS %s, %s, %s", k("abs"), l.x, l.a)
	}
	c.p("VMULPS %s, %s, %s", k("invsqrt2"), l.a, l.a) // z = |x|/√2
	c.p("VMULPS %s, %s, %s", k("half"), l.a, l.b)
	c.p("VADDPS %s, %s, %s", one, l.b, l.b)
	if c.is.evex { // t = 1/(1+z/2): rcp14, then t += t·(1 - b·t)
		c.p("VRCP14PS %s, %s", l.b, l.c)
		c.p("VFNMADD213PS %s, %s, %s", one, l.c, l.b) // 1 - b·t
		c.p("VFMADD132PS %s, %s, %s", l.c, l.c, l.b)  // t + t·(1 - b·t)
	} else {
		c.p("VDIVPS %s, %s, %s", l.b, one, l.b)
	}
	c.p("VMOVUPS %s, %s", k("c0"), l.c)
	for i := 1; i <= 9; i++ {
		c.p("VFMADD213PS %s, %s, %s", k(fmt.Sprintf("c%d", i)), l.b, l.c)
	}
	c.p("VFNMADD231PS %s, %s, %s", l.a, l.a, l.c) // P(t) - z²
	c.exp(l)
	c.p("VMULPS %s, %s, %s", k("half"), l.b, l.b)
	c.p("VMULPS %s, %s, %s", l.e, l.b, l.b) // erfc(z)/2 = Φ(-|x|)
	c.p("VSUBPS %s, %s, %s", l.b, one, l.e) // 1 - Φ(-|x|) = Φ(|x|)
	if c.is.evex {
		c.p("VCMPPS $0x0e, %s, %s, %s", k("zero"), l.x, l.k) // x > 0 (GT_OS)
		c.p("VBLENDMPS %s, %s, %s, %s", l.e, l.b, l.k, l.a)
		return
	}
	c.p("VCMPPS $0x0e, %s, %s, %s", k("zero"), l.x, l.c) // x > 0 (GT_OS)
	c.p("VBLENDVPS %s, %s, %s, %s", l.c, l.e, l.b, l.a)
}

// ld loads from memory operand m into r; st stores r to m.
func (c *code) ld(m, r string) {
	if c.tail {
		c.p("VMOVUPS.Z %s, K1, %s", m, r)
		return
	}
	c.p("VMOVUPS %s, %s", m, r)
}

func (c *code) st(r, m string) {
	if c.tail {
		c.p("VMOVUPS %s, K1, %s", r, m)
		return
	}
	c.p("VMOVUPS %s, %s", r, m)
}

// The kernels: GELU, its derivative times g, or both GELU and its derivative.
const (
	fwd = iota
	grad
	both
)

// body returns the code of one vector at byte offset off of the slices (AX
// elements in): DI = dst, SI = x, DX = g (grad) or d (both).
func body(is isa, l lane, mode, off int, tail bool) []string {
	c := &code{is: is, tail: tail}
	m := func(base string) string { return fmt.Sprintf("%d(%s)(AX*4)", off, base) }
	c.ld(m("SI"), l.x)
	c.cdf(l)
	if mode == fwd {
		c.p("VMULPS %s, %s, %s", l.a, l.x, l.a)
		c.st(l.a, m("DI"))
		return c.ins
	}
	if mode == both {
		c.p("VMULPS %s, %s, %s", l.a, l.x, l.b)
		c.st(l.b, m("DI")) // x·Φ(x)
	}
	c.p("VMULPS %s, %s, %s", l.x, l.x, l.c)
	c.p("VMULPS %s, %s, %s", k("mhalf"), l.c, l.c)
	c.exp(l)
	c.p("VMULPS %s, %s, %s", k("invsqrt2pi"), l.e, l.e) // φ(x)
	c.p("VFMADD231PS %s, %s, %s", l.e, l.x, l.a)        // Φ(x) + x·φ(x)
	if mode == grad {
		if tail {
			c.ld(m("DX"), l.b)
			c.p("VMULPS %s, %s, %s", l.b, l.a, l.a)
		} else {
			c.p("VMULPS %s, %s, %s", m("DX"), l.a, l.a)
		}
		c.st(l.a, m("DI"))
	} else {
		c.st(l.a, m("DX"))
	}
	return c.ins
}

// kernel writes one kernel: a main loop over is.ways vectors, their code
// interleaved instruction by instruction, then single vectors (AVX2: at most
// one), then on AVX-512 one masked vector for the rest.
func kernel(is isa, stem string, mode int) {
	name := stem + is.suffix
	frame, args := 48, "dst, x"
	switch mode {
	case grad:
		frame, args = 72, "dst, x, g"
	case both:
		frame, args = 72, "dst, d, x"
	}
	fmt.Fprintf(&out, "\n// func %s(%s []float32)\nTEXT ·%s(SB), NOSPLIT, $0-%d\n", name, args, name, frame)
	p("MOVQ dst_base+0(FP), DI")
	p("MOVQ dst_len+8(FP), CX")
	switch mode {
	case fwd:
		p("MOVQ x_base+24(FP), SI")
	case grad:
		p("MOVQ x_base+24(FP), SI")
		p("MOVQ g_base+48(FP), DX")
	case both:
		p("MOVQ d_base+24(FP), DX")
		p("MOVQ x_base+48(FP), SI")
	}
	p("VMOVUPS %s, %s", k("one"), regOne(is))
	p("VMOVUPS %s, %s", k("lo"), regLo(is))
	p("XORQ AX, AX")
	p("MOVQ CX, BX")
	p("SUBQ $%d, BX", is.ways*is.lanes) // the last start of a whole group of vectors
	out.WriteString("group:\n")
	p("CMPQ AX, BX")
	p("JGT single")
	ls := lanes(is)
	var cs [][]string
	for i, l := range ls {
		cs = append(cs, body(is, l, mode, 4*is.lanes*i, false))
	}
	for j := range cs[0] {
		for i := range cs {
			p("%s", cs[i][j])
		}
	}
	p("ADDQ $%d, AX", is.ways*is.lanes)
	p("JMP group")
	out.WriteString("single:\n")
	p("MOVQ CX, BX")
	p("SUBQ $%d, BX", is.lanes)
	out.WriteString("single1:\n")
	p("CMPQ AX, BX")
	p("JGT tail")
	for _, ins := range body(is, ls[0], mode, 0, false) {
		p("%s", ins)
	}
	p("ADDQ $%d, AX", is.lanes)
	p("JMP single1")
	out.WriteString("tail:\n")
	if is.evex {
		p("CMPQ AX, CX")
		p("JAE done")
		p("SUBQ AX, CX") // remaining lanes, 1..15
		p("MOVL $1, BX")
		p("SHLL CX, BX")
		p("DECL BX")
		p("KMOVW BX, K1")
		for _, ins := range body(is, ls[0], mode, 0, true) {
			p("%s", ins)
		}
	}
	out.WriteString("done:\n")
	p("VZEROUPPER")
	p("RET")
}

func main() {
	out.WriteString("// Code generated by gen_gelu_amd64.go; DO NOT EDIT.\n\n//go:build !purego\n\n#include \"textflag.h\"\n\n")
	writeConsts()
	for _, is := range []isa{avx2, avx512} {
		kernel(is, "geluErfF32", fwd)
		kernel(is, "geluErfGradF32", grad)
		kernel(is, "geluErfBothF32", both)
	}
	write("gelu_amd64.s")
	out.Reset()
	out.WriteString("// Code generated by gen_gelu_amd64.go; DO NOT EDIT.\n\n//go:build !purego\n\n#include \"textflag.h\"\n\n")
	prefix = "row"
	writeConsts()
	rowKernels()
	write("rows_amd64.s")
}

func write(name string) {
	if err := os.WriteFile(name, out.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// Row kernels (AVX-512 only): loops over 16-lane vectors, then one vector
// under the opmask K1 of the len%16 trailing lanes, which each kernel sets
// once at its start from CX (the length). AX is the element index.

// setTailMask sets K1 to the len%16 low lanes, keeping CX.
func setTailMask() {
	p("MOVQ CX, R12")
	p("ANDL $15, CX")
	p("MOVL $1, BX")
	p("SHLL CX, BX")
	p("DECL BX")
	p("KMOVW BX, K1")
	p("MOVQ R12, CX")
}

var labels int

// loop emits one pass over the vectors: body(tail) at AX, then the masked tail.
func loop(body func(c *code, tail bool)) {
	labels++
	l := fmt.Sprintf("l%d", labels)
	emit := func(tail bool) {
		c := &code{is: avx512, tail: tail}
		body(c, tail)
		for _, ins := range c.ins {
			p("%s", ins)
		}
	}
	p("XORQ AX, AX")
	p("MOVQ CX, BX")
	p("ANDQ $-16, BX")
	out.WriteString(l + ":\n")
	p("CMPQ AX, BX")
	p("JAE %stail", l)
	emit(false)
	p("ADDQ $16, AX")
	p("JMP %s", l)
	out.WriteString(l + "tail:\n")
	p("CMPQ AX, CX")
	p("JAE %sdone", l)
	emit(true)
	out.WriteString(l + "done:\n")
}

func at(base string) string { return fmt.Sprintf("(%s)(AX*4)", base) }

// hsum sets X0 to the sum of z's 16 lanes (clobbering Y0, Y1, z), as pairs:
// (lanes i and i+8), then i and i+4, i+2, i+1.
func hsum(z string) { horiz(z, "VADDPS") }

// hmax sets X0 to the largest of z's lanes.
func hmax(z string) { horiz(z, "VMAXPS") }

func horiz(z, op string) {
	if z != "Z0" {
		p("VMOVAPS %s, Z0", z)
	}
	p("VEXTRACTF64X4 $1, Z0, Y1")
	p("%s Y1, Y0, Y0", op)
	p("VEXTRACTF128 $1, Y0, X1")
	p("%s X1, X0, X0", op)
	p("VPERMILPS $0x4e, X0, X1")
	p("%s X1, X0, X0", op)
	p("VPERMILPS $0xb1, X0, X1")
	p("%s X1, X0, X0", op)
}

func header(name, args string, frame int) {
	fmt.Fprintf(&out, "\n// func %s%s\nTEXT ·%s(SB), NOSPLIT, $0-%d\n", name, args, name, frame)
}

func rowKernels() {
	// prefetchLines(a): PREFETCHT0 of every cache line a spans (it may start
	// mid-line; the last line is the one holding a's last byte).
	header("prefetchLines", "(a []byte)", 24)
	p("MOVQ a_base+0(FP), SI")
	p("MOVQ a_len+8(FP), CX")
	p("TESTQ CX, CX")
	p("JZ pfdone")
	p("LEAQ -1(SI)(CX*1), CX") // a's last byte
	p("ANDQ $-64, SI")
	out.WriteString("pf:\n")
	p("PREFETCHT0 (SI)")
	p("ADDQ $64, SI")
	p("CMPQ SI, CX")
	p("JLS pf")
	out.WriteString("pfdone:\n")
	p("RET")
	l := lanes(avx512)[0] // Z0..Z6
	// softmaxF32AVX512(dst, x) (m, s): m = max(x); dst = exp(x - m);
	// s = Σdst; dst *= 1/s. len(x) >= 1.
	header("softmaxF32AVX512", "(dst, x []float32) (m, s float32)", 56)
	p("MOVQ dst_base+0(FP), DI")
	p("MOVQ dst_len+8(FP), CX")
	p("MOVQ x_base+24(FP), SI")
	setTailMask()
	p("VMOVUPS %s, Z31", k("one"))
	p("VMOVUPS %s, Z30", k("lo"))
	p("VBROADCASTSS (SI), Z8")
	loop(func(c *code, tail bool) {
		if !tail {
			c.p("VMAXPS %s, Z8, Z8", at("SI"))
			return
		}
		c.p("VMOVAPS Z8, Z9")
		c.p("VMOVUPS %s, K1, Z9", at("SI"))
		c.p("VMAXPS Z9, Z8, Z8")
	})
	hmax("Z8")
	p("VMOVSS X0, m+48(FP)")
	p("VBROADCASTSS X0, Z29")
	p("VXORPS Z27, Z27, Z27")
	loop(func(c *code, tail bool) {
		c.ld(at("SI"), l.x)
		c.p("VSUBPS Z29, %s, %s", l.x, l.c)
		c.exp(l)
		c.st(l.e, at("DI"))
		if tail {
			c.p("VADDPS %s, Z27, K1, Z27", l.e)
		} else {
			c.p("VADDPS %s, Z27, Z27", l.e)
		}
	})
	hsum("Z27")
	p("VMOVSS X0, s+52(FP)")
	p("VMOVSS %s, X1", k("one"))
	p("VDIVSS X0, X1, X1")
	p("VBROADCASTSS X1, Z28") // 1/s
	loop(func(c *code, tail bool) {
		c.ld(at("DI"), "Z0")
		c.p("VMULPS Z28, Z0, Z0")
		c.st("Z0", at("DI"))
	})
	p("VZEROUPPER")
	p("RET")

	// softmaxGradF32AVX512(d, p, scale): dot = Σ p·d; d = p·(d - dot)·scale.
	header("softmaxGradF32AVX512", "(d, p []float32, scale float32)", 52)
	p("MOVQ d_base+0(FP), DI")
	p("MOVQ d_len+8(FP), CX")
	p("MOVQ p_base+24(FP), SI")
	setTailMask()
	p("VXORPS Z8, Z8, Z8")
	loop(func(c *code, tail bool) {
		c.ld(at("SI"), "Z0")
		if tail {
			c.ld(at("DI"), "Z1")
			c.p("VFMADD231PS Z1, Z0, Z8")
		} else {
			c.p("VFMADD231PS %s, Z0, Z8", at("DI"))
		}
	})
	hsum("Z8")
	p("VBROADCASTSS X0, Z29") // dot
	p("VBROADCASTSS scale+48(FP), Z28")
	loop(func(c *code, tail bool) {
		c.ld(at("DI"), "Z0")
		c.p("VSUBPS Z29, Z0, Z0")
		c.ld(at("SI"), "Z1")
		c.p("VMULPS Z1, Z0, Z0")
		c.p("VMULPS Z28, Z0, Z0")
		c.st("Z0", at("DI"))
	})
	p("VZEROUPPER")
	p("RET")

	// lnStatsF32AVX512(x, n) (mean, v): mean = Σx/n; v = Σ(x - mean)²/n.
	header("lnStatsF32AVX512", "(x []float32, n float32) (mean, v float32)", 40)
	p("MOVQ x_base+0(FP), SI")
	p("MOVQ x_len+8(FP), CX")
	setTailMask()
	p("VXORPS Z8, Z8, Z8")
	loop(func(c *code, tail bool) {
		if tail {
			c.ld(at("SI"), "Z1")
			c.p("VADDPS Z1, Z8, Z8")
		} else {
			c.p("VADDPS %s, Z8, Z8", at("SI"))
		}
	})
	hsum("Z8")
	p("VDIVSS n+24(FP), X0, X0")
	p("VMOVSS X0, mean+32(FP)")
	p("VBROADCASTSS X0, Z29")
	p("VXORPS Z8, Z8, Z8")
	loop(func(c *code, tail bool) {
		c.ld(at("SI"), "Z1")
		c.p("VSUBPS Z29, Z1, Z1")
		if tail { // the masked lanes' 0 - mean must not count
			c.p("VMULPS.Z Z1, Z1, K1, Z1")
		} else {
			c.p("VMULPS Z1, Z1, Z1")
		}
		c.p("VADDPS Z1, Z8, Z8")
	})
	hsum("Z8")
	p("VDIVSS n+24(FP), X0, X0")
	p("VMOVSS X0, v+36(FP)")
	p("VZEROUPPER")
	p("RET")

	// lnNormF32AVX512(y, x, w, b, mean, invstd): y = (x - mean)·invstd·w + b.
	header("lnNormF32AVX512", "(y, x, w, b []float32, mean, invstd float32)", 104)
	p("MOVQ y_base+0(FP), DI")
	p("MOVQ y_len+8(FP), CX")
	p("MOVQ x_base+24(FP), SI")
	p("MOVQ w_base+48(FP), DX")
	p("MOVQ b_base+72(FP), R8")
	setTailMask()
	p("VBROADCASTSS mean+96(FP), Z29")
	p("VBROADCASTSS invstd+100(FP), Z28")
	loop(func(c *code, tail bool) {
		c.ld(at("SI"), "Z0")
		c.ld(at("DX"), "Z1")
		c.ld(at("R8"), "Z2")
		c.p("VSUBPS Z29, Z0, Z0")
		c.p("VMULPS Z28, Z0, Z0")
		c.p("VMULPS Z1, Z0, Z0")
		c.p("VADDPS Z2, Z0, Z0")
		c.st("Z0", at("DI"))
	})
	p("VZEROUPPER")
	p("RET")

	// lnGradF32AVX512(dx, g, x, w, dw, db, mean, invstd, n): with x̂ = (x -
	// mean)·invstd and ĝ = g·w: db += g; dw += g·x̂; a = Σĝ/n; c = Σĝ·x̂/n;
	// dx = (ĝ - a + (-c)·x̂)·invstd.
	header("lnGradF32AVX512", "(dx, g, x, w, dw, db []float32, mean, invstd, n float32)", 156)
	p("MOVQ dx_base+0(FP), DI")
	p("MOVQ dx_len+8(FP), CX")
	p("MOVQ g_base+24(FP), SI")
	p("MOVQ x_base+48(FP), DX")
	p("MOVQ w_base+72(FP), R8")
	p("MOVQ dw_base+96(FP), R9")
	p("MOVQ db_base+120(FP), R10")
	setTailMask()
	p("VBROADCASTSS mean+144(FP), Z29")
	p("VBROADCASTSS invstd+148(FP), Z28")
	p("VXORPS Z8, Z8, Z8") // Σĝ
	p("VXORPS Z9, Z9, Z9") // Σĝ·x̂
	loop(func(c *code, tail bool) {
		c.ld(at("SI"), "Z0") // g
		c.ld(at("DX"), "Z1") // x
		c.p("VSUBPS Z29, Z1, Z1")
		if tail {
			c.p("VMULPS.Z Z28, Z1, K1, Z1") // x̂, 0 in the masked lanes
		} else {
			c.p("VMULPS Z28, Z1, Z1") // x̂
		}
		c.ld(at("R10"), "Z2")
		c.p("VADDPS Z0, Z2, Z2")
		c.st("Z2", at("R10")) // db += g
		c.ld(at("R9"), "Z3")
		c.p("VMULPS Z1, Z0, Z4")
		c.p("VADDPS Z4, Z3, Z3")
		c.st("Z3", at("R9")) // dw += g·x̂
		c.ld(at("R8"), "Z2")
		c.p("VMULPS Z2, Z0, Z0") // ĝ
		c.p("VADDPS Z0, Z8, Z8")
		c.p("VMULPS Z1, Z0, Z4")
		c.p("VADDPS Z4, Z9, Z9")
	})
	hsum("Z8")
	p("VDIVSS n+152(FP), X0, X0")
	p("VBROADCASTSS X0, Z27") // a
	hsum("Z9")
	p("VDIVSS n+152(FP), X0, X0")
	p("VBROADCASTSS X0, Z26")
	p("VXORPS Z25, Z25, Z25")
	p("VSUBPS Z26, Z25, Z26") // -c
	loop(func(c *code, tail bool) {
		c.ld(at("SI"), "Z0")
		c.ld(at("R8"), "Z2")
		c.p("VMULPS Z2, Z0, Z0") // ĝ
		c.ld(at("DX"), "Z1")
		c.p("VSUBPS Z29, Z1, Z1")
		c.p("VMULPS Z28, Z1, Z1") // x̂
		c.p("VSUBPS Z27, Z0, Z0")
		c.p("VMULPS Z26, Z1, Z1")
		c.p("VADDPS Z1, Z0, Z0")
		c.p("VMULPS Z28, Z0, Z0")
		c.st("Z0", at("DI"))
	})
	p("VZEROUPPER")
	p("RET")
}
