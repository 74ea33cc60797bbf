//go:build ignore

// gen_gelu_amd64.go writes gelu_amd64.s: the AVX2+FMA kernels of GeluErf32,
// GeluErfGrad32 and GeluErfWithGrad32, two 8-lane vectors per iteration whose
// code is interleaved (then one; gelu.go hands the ragged tail to the plain
// loop). Run `go generate` after editing. The exp code is
// gen_amd64.go's AVX2 exp (Cephes expf polynomial, Cody-Waite reduction, 2^n
// built in two halves), written again here so that the elementwise kernels'
// generated file stays this generator's business alone.
package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
)

var out bytes.Buffer

func p(format string, a ...any) { fmt.Fprintf(&out, "\t"+format+"\n", a...) }

// consts are the 8-lane float32 constants, by name; bits hold raw patterns.
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

func k(name string) string { return "gelu" + name + "<>(SB)" }

// lane names the seven vector registers one 8-value vector's code uses: x
// holds the input, the others the intermediates. Two lanes run interleaved in
// the main loop, so that the long dependency chains of one vector overlap with
// the other's; Y14 (lo) and Y15 (one) are shared constants.
type lane struct{ x, a, b, c, d, e, f string }

var lanes = [2]lane{
	{"Y0", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6"},
	{"Y7", "Y8", "Y9", "Y10", "Y11", "Y12", "Y13"},
}

// code collects one lane's instructions.
type code []string

func (c *code) p(format string, a ...any) { *c = append(*c, fmt.Sprintf(format, a...)) }

// exp sets l.e = exp(l.c) for l.c <= 0, clobbering l.c, l.d and l.f.
func (c *code) exp(l lane) {
	c.p("VMAXPS %s, Y14, %s", l.c, l.c) // NaN in l.c wins
	c.p("VMULPS %s, %s, %s", k("log2e"), l.c, l.d)
	c.p("VROUNDPS $0, %s, %s", l.d, l.d)
	c.p("VFMADD231PS %s, %s, %s", k("nln2hi"), l.d, l.c)
	c.p("VFMADD231PS %s, %s, %s", k("nln2lo"), l.d, l.c)
	c.p("VMOVUPS %s, %s", k("e0"), l.e)
	for i := 1; i <= 5; i++ {
		c.p("VFMADD213PS %s, %s, %s", k(fmt.Sprintf("e%d", i)), l.c, l.e)
	}
	c.p("VMULPS %s, %s, %s", l.c, l.c, l.f)
	c.p("VFMADD213PS %s, %s, %s", l.c, l.f, l.e)
	c.p("VADDPS Y15, %s, %s", l.e, l.e)
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
	c.p("VANDPS %s, %s, %s", k("abs"), l.x, l.a)
	c.p("VMULPS %s, %s, %s", k("invsqrt2"), l.a, l.a) // z = |x|/√2
	c.p("VMULPS %s, %s, %s", k("half"), l.a, l.b)
	c.p("VADDPS Y15, %s, %s", l.b, l.b)
	c.p("VDIVPS %s, Y15, %s", l.b, l.b) // t = 1/(1+z/2)
	c.p("VMOVUPS %s, %s", k("c0"), l.c)
	for i := 1; i <= 9; i++ {
		c.p("VFMADD213PS %s, %s, %s", k(fmt.Sprintf("c%d", i)), l.b, l.c)
	}
	c.p("VFNMADD231PS %s, %s, %s", l.a, l.a, l.c) // P(t) - z²
	c.exp(l)
	c.p("VMULPS %s, %s, %s", k("half"), l.b, l.b)
	c.p("VMULPS %s, %s, %s", l.e, l.b, l.b)              // erfc(z)/2 = Φ(-|x|)
	c.p("VSUBPS %s, Y15, %s", l.b, l.e)                  // 1 - Φ(-|x|) = Φ(|x|)
	c.p("VCMPPS $0x0e, %s, %s, %s", k("zero"), l.x, l.c) // x > 0 (GT_OS)
	c.p("VBLENDVPS %s, %s, %s, %s", l.c, l.e, l.b, l.a)
}

// The kernels: GELU, its derivative times g, or both GELU and its derivative.
const (
	fwd = iota
	grad
	both
)

// body returns the code of one vector at byte offset off of the slices (AX
// elements in): DI = dst, SI = x, DX = g (grad) or d (both).
func body(l lane, mode, off int) code {
	var c code
	c.p("VMOVUPS %d(SI)(AX*4), %s", off, l.x)
	c.cdf(l)
	if mode == fwd {
		c.p("VMULPS %s, %s, %s", l.a, l.x, l.a)
		c.p("VMOVUPS %s, %d(DI)(AX*4)", l.a, off)
		return c
	}
	if mode == both {
		c.p("VMULPS %s, %s, %s", l.a, l.x, l.b)
		c.p("VMOVUPS %s, %d(DI)(AX*4)", l.b, off) // x·Φ(x)
	}
	c.p("VMULPS %s, %s, %s", l.x, l.x, l.c)
	c.p("VMULPS %s, %s, %s", k("mhalf"), l.c, l.c)
	c.exp(l)
	c.p("VMULPS %s, %s, %s", k("invsqrt2pi"), l.e, l.e) // φ(x)
	c.p("VFMADD231PS %s, %s, %s", l.e, l.x, l.a)        // Φ(x) + x·φ(x)
	if mode == grad {
		c.p("VMULPS %d(DX)(AX*4), %s, %s", off, l.a, l.a)
		c.p("VMOVUPS %s, %d(DI)(AX*4)", l.a, off)
	} else {
		c.p("VMOVUPS %s, %d(DX)(AX*4)", l.a, off)
	}
	return c
}

// kernel writes one kernel: a main loop over 16 values, two lanes' code
// interleaved instruction by instruction, then at most one vector of 8.
func kernel(name string, mode int) {
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
	p("VMOVUPS %s, Y15", k("one"))
	p("VMOVUPS %s, Y14", k("lo"))
	p("XORQ AX, AX")
	p("MOVQ CX, BX")
	p("SUBQ $16, BX") // the last start of a whole pair of vectors
	out.WriteString("pairs:\n")
	p("CMPQ AX, BX")
	p("JGT single")
	c0, c1 := body(lanes[0], mode, 0), body(lanes[1], mode, 32)
	for i := range c0 {
		p("%s", c0[i])
		p("%s", c1[i])
	}
	p("ADDQ $16, AX")
	p("JMP pairs")
	out.WriteString("single:\n")
	p("CMPQ AX, CX")
	p("JAE done")
	for _, ins := range body(lanes[0], mode, 0) {
		p("%s", ins)
	}
	out.WriteString("done:\n")
	p("VZEROUPPER")
	p("RET")
}

func main() {
	out.WriteString("// Code generated by gen_gelu_amd64.go; DO NOT EDIT.\n\n//go:build !purego\n\n#include \"textflag.h\"\n\n")
	for _, c := range consts {
		b := c.bits
		if b == 0 {
			b = math.Float32bits(float32(c.v))
		}
		for i := range 8 {
			fmt.Fprintf(&out, "DATA gelu%s<>+%d(SB)/4, $0x%08x\n", c.name, 4*i, b)
		}
		fmt.Fprintf(&out, "GLOBL gelu%s<>(SB), RODATA|NOPTR, $32\n", c.name)
	}
	kernel("geluErfF32AVX2", fwd)
	kernel("geluErfGradF32AVX2", grad)
	kernel("geluErfBothF32AVX2", both)
	if err := os.WriteFile("gelu_amd64.s", out.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
