//go:build ignore

// gen_amd64.go writes kernels_amd64.s and kernels_amd64.go: the AVX-512 and
// AVX2+FMA kernels and their Go declarations. Run `go generate` after editing.
//
// Every kernel has the same shape: a main loop over U vectors at a time, a loop
// over single vectors, then one masked vector for the tail (AVX-512 opmask, or
// VMASKMOV with a mask from tailmask<> for AVX2), so no kernel touches memory
// outside its slices.
package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"strings"
)

type isa struct {
	name  string // suffix of kernel names: AVX512 or AVX2
	field string // kernels set name
	reg   string // vector register prefix
	width int    // vector bytes
	nregs int
	evex  bool
}

var (
	avx512 = isa{"AVX512", "avx512", "Z", 64, 32, true}
	avx2   = isa{"AVX2", "avx2", "Y", 32, 16, false}
)

type typ struct {
	name string // F32 or F64
	bits int
	size int    // bytes
	ps   string // PS or PD
	gt   string // Go type
}

var (
	f32 = typ{"F32", 32, 4, "PS", "float32"}
	f64 = typ{"F64", 64, 8, "PD", "float64"}
)

// kernel describes one generated function.
type kernel struct {
	name   string // Go name stem, e.g. add
	field  string // kernels struct field stem, e.g. add (32/64 appended)
	args   string // Go parameter list
	frame  int    // argument frame size for float32 / float64 differ; computed
	kind   string // binary, unary, scalar, axpy, sum, fused
	unroll int
	temps  int      // vector temporaries per unrolled slot
	consts []string // constants kept in registers (the rest are memory operands)
	body   func(g *gen, t func(int) string)

	// fused kernels: the Go names of the slice parameters (the first gives the
	// length) and of the scalar parameters, each broadcast to a register.
	slices, scalars []string
}

type gen struct {
	s     bytes.Buffer
	isa   isa
	t     typ
	creg  map[string]string // constant name -> register
	mask  string            // AVX2 tail mask register
	tail  bool              // emitting the masked tail
	base  map[string]string // fused kernels: slice name -> base register
	off   int               // byte offset of the current slot
	kslot int
	nt    bool // streaming form: full-vector stores to dst bypass the caches
}

func (g *gen) p(format string, a ...any) { fmt.Fprintf(&g.s, "\t"+format+"\n", a...) }
func (g *gen) label(l string)            { fmt.Fprintf(&g.s, "%s:\n", l) }

// op returns an instruction with the type suffix: op("VADD") -> VADDPS.
func (g *gen) op(stem string) string { return stem + g.t.ps }

// k returns the operand for constant name: a register or a memory operand.
func (g *gen) k(name string) string {
	if r, ok := g.creg[name]; ok {
		return r
	}
	return constSym(name, g.t) + "(SB)"
}

func constSym(name string, t typ) string { return fmt.Sprintf("%s%d<>", name, t.bits) }

func (g *gen) mem(base string) string {
	return fmt.Sprintf("%d(%s)(AX*%d)", g.off, base, g.t.size)
}

// ld loads from the slice whose base is in register base.
func (g *gen) ld(base, r string) {
	switch {
	case !g.tail:
		g.p("%s %s, %s", g.op("VMOVU"), g.mem(base), r)
	case g.isa.evex:
		g.p("%s.Z %s, K1, %s", g.op("VMOVU"), g.mem(base), r)
	default:
		g.p("%s %s, %s, %s", g.op("VMASKMOV"), g.mem(base), g.mask, r)
	}
}

// st stores r to dst.
func (g *gen) st(r string) { g.stTo("DI", r) }

// stTo stores r to the slice whose base is in register base.
func (g *gen) stTo(base, r string) {
	switch {
	case !g.tail && g.nt && base == "DI":
		g.p("%s %s, %s", g.op("VMOVNT"), r, g.mem(base))
	case !g.tail:
		g.p("%s %s, %s", g.op("VMOVU"), r, g.mem(base))
	case g.isa.evex:
		g.p("%s %s, K1, %s", g.op("VMOVU"), r, g.mem(base))
	default:
		g.p("%s %s, %s, %s", g.op("VMASKMOV"), r, g.mask, g.mem(base))
	}
}

// o3 emits the three-operand instruction stem+PS/PD: dst = b op a (Go operand
// order: sources first, destination last).
func (g *gen) o3(stem, a, b, dst string) { g.p("%s %s, %s, %s", g.op(stem), a, b, dst) }

// fmaOrMulAdd sets dst = x*y + dst: one VFMADD231 for float64, and for float32 a
// product then a sum (tmp holds the product), as optim's fmaC rounds.
func (g *gen) fmaOrMulAdd(x, y, dst, tmp string) {
	if g.t.bits == 64 {
		g.o3("VFMADD231", y, x, dst)
		return
	}
	g.o3("VMUL", y, x, tmp)
	g.o3("VADD", tmp, dst, dst)
}

// Bitwise operations: AVX-512F has only the integer forms for zmm.
func (g *gen) bit(op string) string {
	if g.isa.evex {
		return map[string]string{"AND": "VPANDD", "OR": "VPORD", "XOR": "VPXORD"}[op]
	}
	return "V" + op + g.t.ps
}

// sel sets dst = (cond(x, c)) ? src : dst, where pred is a VCMP predicate.
func (g *gen) sel(pred int, c, x, src, dst, tmp string) {
	if g.isa.evex {
		k := fmt.Sprintf("K%d", 2+g.kslot)
		g.p("%s $%d, %s, %s, %s", g.op("VCMP"), pred, c, x, k)
		g.p("%s %s, %s, %s", g.op("VMOVA"), src, k, dst)
		return
	}
	g.p("%s $%d, %s, %s, %s", g.op("VCMP"), pred, c, x, tmp)
	g.p("%s %s, %s, %s, %s", g.op("VBLENDV"), tmp, src, dst, dst)
}

// div sets dst = num / den. On AVX-512 it avoids VDIVPS (the bottleneck of
// sigmoid and tanh): q0 = num*rcp14(den), then one residual correction
// q = q0 + (num - den*q0)*rcp, which leaves a relative error near 2^-28 for
// float32 (float64 keeps VDIVPD). tmp is clobbered.
func (g *gen) div(num, den, dst, tmp string) {
	if !g.isa.evex || g.t.bits == 64 {
		g.p("%s %s, %s, %s", g.op("VDIV"), den, num, dst)
		return
	}
	g.p("VRCP14PS %s, %s", den, tmp)
	g.p("VMULPS %s, %s, %s", tmp, num, dst)       // q0
	g.p("VFNMADD231PS %s, %s, %s", dst, den, num) // num -= den*q0 (num is dead)
	g.p("VFMADD231PS %s, %s, %s", num, tmp, dst)  // q = q0 + r*rcp
}

const (
	cmpLT    = 0x01 // LT_OS
	cmpNLT   = 0x05 // NLT_US: greater or equal (-0 too), or unordered
	cmpGE    = 0x0d // GE_OS
	cmpUNORD = 0x03 // UNORD_Q: either is NaN
)

// exp sets y = exp(x), clobbering x, n and t.
//
// x is clamped to [lo, hi] (NaN kept), then x = n*ln2 + r with n = round(x/ln2)
// and |r| <= ln2/2 (Cody-Waite, two FMA steps); exp(r) = 1 + r + r^2*P(r);
// y = exp(r) * 2^n, with VSCALEF on AVX-512 or, on AVX2, two multiplications by
// 2^floor(n/2) and 2^(n-floor(n/2)) built in the exponent bits, so that
// subnormal results are rounded once and 2^128 (2^1024) never has to exist.
func (g *gen) exp(x, y, n, t string) {
	g.p("%s %s, %s, %s", g.op("VMAX"), x, g.k("lo"), x) // NaN in x wins
	g.p("%s %s, %s, %s", g.op("VMIN"), x, g.k("hi"), x)
	g.p("%s %s, %s, %s", g.op("VMUL"), g.k("log2e"), x, n)
	if g.isa.evex {
		g.p("%s $0, %s, %s", g.op("VRNDSCALE"), n, n)
	} else {
		g.p("%s $0, %s, %s", g.op("VROUND"), n, n)
	}
	g.p("%s %s, %s, %s", g.op("VFMADD231"), g.k("nln2hi"), n, x)
	g.p("%s %s, %s, %s", g.op("VFMADD231"), g.k("nln2lo"), n, x)
	nc := len(expPoly[g.t.bits])
	g.p("%s %s, %s", g.op("VMOVU"), g.k("e0"), y)
	for i := 1; i < nc; i++ {
		g.p("%s %s, %s, %s", g.op("VFMADD213"), g.k(fmt.Sprintf("e%d", i)), x, y)
	}
	g.p("%s %s, %s, %s", g.op("VMUL"), x, x, t)
	g.p("%s %s, %s, %s", g.op("VFMADD213"), x, t, y)
	g.p("%s %s, %s, %s", g.op("VADD"), g.k("one"), y, y)
	if g.isa.evex {
		g.p("%s %s, %s, %s", g.op("VSCALEF"), n, y, y)
		return
	}
	shift, sh := 23, "VPSLLD"
	if g.t.bits == 64 {
		shift, sh = 52, "VPSLLQ"
	}
	g.p("%s %s, %s, %s", g.op("VMUL"), g.k("half"), n, t)
	g.p("%s $1, %s, %s", g.op("VROUND"), t, t) // floor
	g.p("%s %s, %s, %s", g.op("VSUB"), t, n, n)
	g.p("%s %s, %s, %s", g.op("VADD"), g.k("magic"), t, t)
	g.p("%s $%d, %s, %s", sh, shift, t, t)
	g.p("%s %s, %s, %s", g.op("VADD"), g.k("magic"), n, n)
	g.p("%s $%d, %s, %s", sh, shift, n, n)
	g.p("%s %s, %s, %s", g.op("VMUL"), t, y, y)
	g.p("%s %s, %s, %s", g.op("VMUL"), n, y, y)
}

// expPoly holds P's coefficients, highest degree first: Cephes expf for
// float32 (|r| <= ln2/2, ~1 ulp); for float64 the Taylor terms 1/13! .. 1/2!
// (truncation error below 4e-18 for |r| <= ln2/2).
var expPoly = map[int][]float64{
	32: {1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1},
	64: taylor(13),
}

func taylor(deg int) []float64 {
	var c []float64
	for k := deg; k >= 2; k-- {
		f := 1.0
		for i := 2; i <= k; i++ {
			f *= float64(i)
		}
		c = append(c, 1/f)
	}
	return c
}

// tanhPoly is Cephes tanhf's odd polynomial for |x| < 0.625:
// tanh(x) = x + x*z*P(z), z = x^2 (relative error ~1.4e-7).
var tanhPoly = []float64{-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1}

// constants returns the value of each named constant for t.
func constants(t typ) map[string]float64 {
	m := map[string]float64{
		"one":    1,
		"half":   0.5,
		"zero":   0,
		"mtwo":   -2,
		"log2e":  math.Log2E,
		"thresh": 0.625,
	}
	if t.bits == 32 {
		m["lo"], m["hi"] = -104, 88.8 // exp(-104) < 2^-150 rounds to 0; exp(88.8) > MaxFloat32
		m["nln2hi"], m["nln2lo"] = -0.693359375, 2.12194440e-4
		m["magic"] = 1<<23 + 127
	} else {
		m["lo"], m["hi"] = -746, 710 // exp(-746) < 2^-1075; exp(710) > MaxFloat64
		m["nln2hi"], m["nln2lo"] = -6.93147180369123816490e-01, -1.90821492927058770002e-10
		m["magic"] = 1<<52 + 1023
	}
	for i, c := range expPoly[t.bits] {
		m[fmt.Sprintf("e%d", i)] = c
	}
	for i, c := range tanhPoly {
		m[fmt.Sprintf("t%d", i)] = c
	}
	return m
}

// bit-pattern constants
var bitConsts = map[string][2]uint64{
	"sign": {0x80000000, 0x8000000000000000},
	"abs":  {0x7fffffff, 0x7fffffffffffffff},
}

var binops = []struct{ name, op string }{{"add", "VADD"}, {"sub", "VSUB"}, {"mul", "VMUL"}, {"div", "VDIV"}}

func kernelsFor(t typ) []kernel {
	var ks []kernel
	for _, b := range binops {
		b := b
		ks = append(ks, kernel{name: b.name, kind: "binary", unroll: 4, temps: 2,
			body: func(g *gen, r func(int) string) {
				g.ld("SI", r(0))
				g.ld("DX", r(1))
				g.p("%s %s, %s, %s", g.op(b.op), r(1), r(0), r(0))
				g.st(r(0))
			}})
	}
	for _, b := range []struct {
		name, op string
		rev      bool
	}{{"addScalar", "VADD", false}, {"mulScalar", "VMUL", false}, {"subScalarFrom", "VSUB", true}, {"divScalarBy", "VDIV", true}} {
		b := b
		ks = append(ks, kernel{name: b.name, kind: "scalar", unroll: 4, temps: 1,
			body: func(g *gen, r func(int) string) {
				g.ld("SI", r(0))
				if b.rev {
					g.p("%s %s, %s, %s", g.op(b.op), r(0), g.k("s"), r(0)) // s op x
				} else {
					g.p("%s %s, %s, %s", g.op(b.op), g.k("s"), r(0), r(0)) // x op s
				}
				g.st(r(0))
			}})
	}
	ks = append(ks, kernel{name: "axpy", kind: "axpy", unroll: 4, temps: 2,
		body: func(g *gen, r func(int) string) {
			g.ld("SI", r(0))
			g.ld("DI", r(1))
			g.p("%s %s, %s, %s", g.op("VMUL"), g.k("s"), r(0), r(0))
			g.p("%s %s, %s, %s", g.op("VADD"), r(0), r(1), r(1)) // dst + alpha*a, like the plain loop
			g.st(r(1))
		}})
	// relu keeps x unless x < 0 (so -0 and NaN pass, as PyTorch's clamp_min).
	ks = append(ks, kernel{name: "relu", kind: "unary", unroll: 4, temps: 2, consts: []string{"zero"},
		body: func(g *gen, r func(int) string) {
			g.ld("SI", r(0))
			if g.isa.evex {
				k := fmt.Sprintf("K%d", 2+g.kslot)
				g.p("%s $%d, %s, %s, %s", g.op("VCMP"), cmpNLT, g.k("zero"), r(0), k)
				g.p("%s.Z %s, %s, %s", g.op("VMOVA"), r(0), k, r(1))
			} else {
				g.p("%s $%d, %s, %s, %s", g.op("VCMP"), cmpNLT, g.k("zero"), r(0), r(1))
				g.p("%s %s, %s, %s", g.bit("AND"), r(0), r(1), r(1))
			}
			g.st(r(1))
		}})
	ks = append(ks, kernel{name: "exp", kind: "unary", unroll: 2, temps: 4, consts: []string{"lo", "hi", "one"},
		body: func(g *gen, r func(int) string) {
			g.ld("SI", r(0))
			g.exp(r(0), r(1), r(2), r(3))
			g.st(r(1))
		}})
	ks = append(ks, kernel{name: "sigmoid", kind: "unary", unroll: 2, temps: 5, consts: []string{"lo", "hi", "one"},
		body: func(g *gen, r func(int) string) {
			x, e, n, t, xo := r(0), r(1), r(2), r(3), r(4)
			g.ld("SI", xo)
			g.p("%s %s, %s, %s", g.bit("OR"), g.k("sign"), xo, x) // -|x|
			g.exp(x, e, n, t)
			g.p("%s %s, %s, %s", g.op("VADD"), g.k("one"), e, n) // 1 + e
			g.sel(cmpGE, g.k("zero"), xo, g.k("one"), e, t)      // x >= 0 ? 1 : e
			g.p("%s %s, %s, %s", g.op("VDIV"), n, e, e)
			g.st(e)
		}})
	if t.bits == 32 {
		ks = append(ks, kernel{name: "tanh", kind: "unary", unroll: 2, temps: 6, consts: []string{"lo", "hi", "one"},
			body: func(g *gen, r func(int) string) {
				x, e, n, t, xo, a := r(0), r(1), r(2), r(3), r(4), r(5)
				g.ld("SI", xo)
				g.p("%s %s, %s, %s", g.bit("AND"), g.k("abs"), xo, a)
				g.p("%s %s, %s, %s", g.op("VMUL"), g.k("mtwo"), a, x)
				g.exp(x, e, n, t)
				g.p("%s %s, %s, %s", g.op("VSUB"), e, g.k("one"), n) // 1 - e
				g.p("%s %s, %s, %s", g.op("VADD"), g.k("one"), e, e) // 1 + e
				g.div(n, e, x, t)
				g.p("%s %s, %s", g.op("VMOVA"), x, n)
				// Small |x|: a + a*z*P(z).
				g.p("%s %s, %s, %s", g.op("VMUL"), a, a, t)
				g.p("%s %s, %s", g.op("VMOVU"), g.k("t0"), e)
				for i := 1; i < len(tanhPoly); i++ {
					g.p("%s %s, %s, %s", g.op("VFMADD213"), g.k(fmt.Sprintf("t%d", i)), t, e)
				}
				g.p("%s %s, %s, %s", g.op("VMUL"), t, e, e)
				g.p("%s %s, %s, %s", g.op("VFMADD213"), a, a, e)
				g.sel(cmpLT, g.k("thresh"), a, e, n, t)
				g.p("%s %s, %s, %s", g.bit("AND"), g.k("sign"), xo, t)
				g.p("%s %s, %s, %s", g.bit("OR"), t, n, n)
				g.st(n)
			}})
	}
	ks = append(ks, kernel{name: "sum", kind: "sum", unroll: 4, temps: 2})
	return append(ks, optimKernels()...)
}

// optimKernels are the fused optimizer steps: each follows, operation for
// operation, the plain loop of the same name in plain.go (and so optim's loop).
// Their products and sums are rounded as optim's fmaC rounds: one VFMADD231 for
// float64, a product then a sum for float32 (see fmaOrMulAdd).
func optimKernels() []kernel {
	// firstMoment loads g and m, updates m as Adam does, stores it, and leaves
	// g and m in G and M.
	firstMoment := func(g *gen, G, M, T string) {
		g.ld(g.base["g"], G)
		g.ld(g.base["m"], M)
		g.o3("VMUL", g.k("b1"), M, M)
		g.fmaOrMulAdd(G, g.k("omb1"), M, T) // m = g*omb1 + m*b1
		g.stTo(g.base["m"], M)
	}
	adam := func(name string, decoupled bool) kernel {
		scalars := []string{"b1", "omb1", "b2", "omb2", "negStep", "bc2Sqrt", "eps"}
		if decoupled {
			scalars = append(scalars, "decay")
		}
		return kernel{name: name, kind: "fused", unroll: 4, temps: 4,
			slices: []string{"p", "g", "m", "v"}, scalars: scalars,
			body: func(g *gen, r func(int) string) {
				G, M, V, T := r(0), r(1), r(2), r(3)
				g.ld(g.base["g"], G)
				g.ld(g.base["m"], M)
				g.o3("VMUL", g.k("b1"), M, M)
				g.fmaOrMulAdd(G, g.k("omb1"), M, T) // m = g*(1-β1) + m*β1
				g.stTo(g.base["m"], M)
				g.ld(g.base["v"], V)
				g.o3("VMUL", g.k("b2"), V, V)
				g.o3("VMUL", g.k("omb2"), G, T)
				g.fmaOrMulAdd(T, G, V, T) // v = (g*(1-β2))*g + v*β2
				g.stTo(g.base["v"], V)
				g.p("%s %s, %s", g.op("VSQRT"), V, V)
				g.o3("VDIV", g.k("bc2Sqrt"), V, V)
				g.o3("VADD", g.k("eps"), V, V) // denom = sqrt(v)/bc2Sqrt + eps
				g.o3("VMUL", g.k("negStep"), M, M)
				g.o3("VDIV", V, M, M)
				g.ld(g.base["p"], T)
				if decoupled {
					g.o3("VMUL", g.k("decay"), T, T)
				}
				g.o3("VADD", M, T, T)
				g.stTo(g.base["p"], T)
			}}
	}
	momentum := func(name string, decay bool) kernel {
		scalars := []string{"damp", "mom", "negLR"}
		if decay {
			scalars = append([]string{"wd"}, scalars...)
		}
		return kernel{name: name, kind: "fused", unroll: 4, temps: 3,
			slices: []string{"p", "g", "buf"}, scalars: scalars,
			body: func(g *gen, r func(int) string) {
				G, B, P := r(0), r(1), r(2)
				g.ld(g.base["g"], G)
				if decay {
					g.ld(g.base["p"], P)
					g.fmaOrMulAdd(P, g.k("wd"), G, B) // d = p*wd + g
				}
				g.ld(g.base["buf"], B)
				g.o3("VMUL", g.k("mom"), B, B)
				g.fmaOrMulAdd(G, g.k("damp"), B, G) // b = d*damp + buf*mom
				g.stTo(g.base["buf"], B)
				if !decay {
					g.ld(g.base["p"], P)
				}
				g.fmaOrMulAdd(B, g.k("negLR"), P, B) // p = b*negLR + p
				g.stTo(g.base["p"], P)
			}}
	}
	// The other optimizers' default configurations (optim's loops with no
	// weight decay, maximize, momentum or centering).
	adagrad := kernel{name: "adagrad", kind: "fused", unroll: 4, temps: 3,
		slices: []string{"p", "g", "sum"}, scalars: []string{"negCLR", "eps"},
		body: func(g *gen, r func(int) string) {
			G, S, T := r(0), r(1), r(2)
			g.ld(g.base["g"], G)
			g.ld(g.base["sum"], S)
			g.fmaOrMulAdd(G, G, S, T) // sum = g*g + sum
			g.stTo(g.base["sum"], S)
			g.p("%s %s, %s", g.op("VSQRT"), S, S)
			g.o3("VADD", g.k("eps"), S, S)
			g.o3("VMUL", g.k("negCLR"), G, G)
			g.o3("VDIV", S, G, G) // (negCLR*g) / (sqrt(sum)+eps)
			g.ld(g.base["p"], T)
			g.o3("VADD", G, T, T)
			g.stTo(g.base["p"], T)
		}}
	rmsprop := kernel{name: "rmsprop", kind: "fused", unroll: 4, temps: 3,
		slices: []string{"p", "g", "v"}, scalars: []string{"alpha", "oma", "negLR", "eps"},
		body: func(g *gen, r func(int) string) {
			G, V, T := r(0), r(1), r(2)
			g.ld(g.base["g"], G)
			g.ld(g.base["v"], V)
			g.o3("VMUL", g.k("alpha"), V, V)
			g.o3("VMUL", g.k("oma"), G, T)
			g.fmaOrMulAdd(T, G, V, T) // v = (g*oma)*g + v*alpha
			g.stTo(g.base["v"], V)
			g.p("%s %s, %s", g.op("VSQRT"), V, V)
			g.o3("VADD", g.k("eps"), V, V)
			g.o3("VMUL", g.k("negLR"), G, G)
			g.o3("VDIV", V, G, G)
			g.ld(g.base["p"], T)
			g.o3("VADD", G, T, T)
			g.stTo(g.base["p"], T)
		}}
	adadelta := kernel{name: "adadelta", kind: "fused", unroll: 4, temps: 4,
		slices: []string{"p", "g", "v", "u"}, scalars: []string{"rho", "omr", "eps", "negLR"},
		body: func(g *gen, r func(int) string) {
			G, V, U, T := r(0), r(1), r(2), r(3)
			g.ld(g.base["g"], G)
			g.ld(g.base["v"], V)
			g.o3("VMUL", g.k("rho"), V, V)
			g.o3("VMUL", g.k("omr"), G, T)
			g.fmaOrMulAdd(T, G, V, T) // v = (g*omr)*g + v*rho
			g.stTo(g.base["v"], V)
			g.o3("VADD", g.k("eps"), V, V)
			g.p("%s %s, %s", g.op("VSQRT"), V, V) // std = sqrt(v+eps)
			g.ld(g.base["u"], U)
			g.o3("VADD", g.k("eps"), U, T)
			g.p("%s %s, %s", g.op("VSQRT"), T, T)
			g.o3("VDIV", V, T, T)
			g.o3("VMUL", T, G, G) // delta = sqrt(u+eps)/std * g
			g.o3("VMUL", g.k("rho"), U, U)
			g.o3("VMUL", g.k("omr"), G, T)
			g.fmaOrMulAdd(T, G, U, T) // u = (delta*omr)*delta + u*rho
			g.stTo(g.base["u"], U)
			g.ld(g.base["p"], T)
			g.fmaOrMulAdd(G, g.k("negLR"), T, V) // p = delta*negLR + p
			g.stTo(g.base["p"], T)
		}}
	asgd := func(name string, average bool) kernel {
		scalars := []string{"decay", "negEta"}
		if average {
			scalars = append(scalars, "mu")
		}
		return kernel{name: name, kind: "fused", unroll: 4, temps: 3,
			slices: []string{"p", "g", "ax"}, scalars: scalars,
			body: func(g *gen, r func(int) string) {
				G, P, A := r(0), r(1), r(2)
				g.ld(g.base["p"], P)
				g.o3("VMUL", g.k("decay"), P, P)
				g.ld(g.base["g"], G)
				g.fmaOrMulAdd(G, g.k("negEta"), P, A) // p = g*negEta + p*decay
				g.stTo(g.base["p"], P)
				if !average {
					g.stTo(g.base["ax"], P)
					return
				}
				g.ld(g.base["ax"], A)
				g.o3("VSUB", A, P, G)
				g.o3("VMUL", g.k("mu"), G, G)
				g.o3("VADD", G, A, A) // ax += (p-ax)*mu
				g.stTo(g.base["ax"], A)
			}}
	}
	// adamax's u is max(u*b2, |g|+eps) as Go's max gives it: VMAX returns its
	// second source where either is NaN, so a NaN u*b2 is put back.
	adamax := kernel{name: "adamax", kind: "fused", unroll: 4, temps: 4,
		slices: []string{"p", "g", "m", "u"}, scalars: []string{"b1", "omb1", "b2", "eps", "negCLR"},
		body: func(g *gen, r func(int) string) {
			G, M, U, T := r(0), r(1), r(2), r(3)
			firstMoment(g, G, M, T)
			g.ld(g.base["u"], U)
			g.o3("VMUL", g.k("b2"), U, U)
			g.p("%s %s, %s, %s", g.bit("AND"), g.k("abs"), G, G)
			g.o3("VADD", g.k("eps"), G, G) // |g| + eps
			g.o3("VMAX", G, U, T)          // u*b2 > |g|+eps ? u*b2 : |g|+eps
			g.sel(cmpUNORD, U, U, U, T, G) // u*b2 where it is NaN
			g.stTo(g.base["u"], T)
			g.o3("VMUL", g.k("negCLR"), M, M)
			g.o3("VDIV", T, M, M) // (negCLR*m)/u
			g.ld(g.base["p"], G)
			g.o3("VADD", M, G, G)
			g.stTo(g.base["p"], G)
		}}
	// moments loads g, updates m and v as Adam does (β2's product is
	// (g*omb2)*g), stores them, and leaves g, m and v in G, M and V.
	moments := func(g *gen, G, M, V, T string) {
		firstMoment(g, G, M, T)
		g.ld(g.base["v"], V)
		g.o3("VMUL", g.k("b2"), V, V)
		g.o3("VMUL", g.k("omb2"), G, T)
		g.fmaOrMulAdd(T, G, V, T) // v = (g*omb2)*g + v*b2
		g.stTo(g.base["v"], V)
	}
	nadam := kernel{name: "nadam", kind: "fused", unroll: 4, temps: 4,
		slices:  []string{"p", "g", "m", "v"},
		scalars: []string{"b1", "omb1", "b2", "omb2", "bc2", "eps", "gradC", "avgC"},
		body: func(g *gen, r func(int) string) {
			G, M, V, T := r(0), r(1), r(2), r(3)
			moments(g, G, M, V, T)
			g.o3("VDIV", g.k("bc2"), V, V)
			g.p("%s %s, %s", g.op("VSQRT"), V, V)
			g.o3("VADD", g.k("eps"), V, V) // d = sqrt(v/bc2) + eps
			g.o3("VMUL", g.k("gradC"), G, G)
			g.o3("VDIV", V, G, G)
			g.ld(g.base["p"], T)
			g.o3("VADD", G, T, T) // p += (gradC*g)/d
			g.o3("VMUL", g.k("avgC"), M, M)
			g.o3("VDIV", V, M, M)
			g.o3("VADD", M, T, T) // p += (avgC*m)/d
			g.stTo(g.base["p"], T)
		}}
	radam := func(name string, rect bool) kernel {
		scalars := []string{"b1", "omb1", "b2", "omb2", "bc1", "lr"}
		if rect {
			scalars = append(scalars, "one", "eps", "bc2Sqrt", "rect")
		}
		return kernel{name: name, kind: "fused", unroll: 4, temps: 4,
			slices: []string{"p", "g", "m", "v"}, scalars: scalars,
			body: func(g *gen, r func(int) string) {
				G, M, V, T := r(0), r(1), r(2), r(3)
				moments(g, G, M, V, T)
				g.o3("VDIV", g.k("bc1"), M, M)
				g.o3("VMUL", g.k("lr"), M, M) // u = m/bc1*lr
				if rect {
					g.p("%s %s, %s", g.op("VSQRT"), V, V)
					g.o3("VADD", g.k("eps"), V, V)
					g.o3("VDIV", V, g.k("one"), G)
					g.o3("VMUL", g.k("bc2Sqrt"), G, G) // adaptive = 1/(sqrt(v)+eps)*bc2Sqrt
					g.o3("VMUL", G, M, M)
					g.o3("VMUL", g.k("rect"), M, M) // u = u*adaptive*rect
				}
				g.ld(g.base["p"], T)
				g.o3("VSUB", M, T, T)
				g.stTo(g.base["p"], T)
			}}
	}
	return []kernel{
		adam("adam", false),
		adam("adamW", true),
		{name: "sgd", kind: "fused", unroll: 4, temps: 2,
			slices: []string{"p", "g"}, scalars: []string{"negLR"},
			body: func(g *gen, r func(int) string) {
				G, P := r(0), r(1)
				g.ld(g.base["g"], G)
				g.ld(g.base["p"], P)
				g.fmaOrMulAdd(G, g.k("negLR"), P, G) // p = g*negLR + p
				g.stTo(g.base["p"], P)
			}},
		momentum("sgdMomentum", false),
		momentum("sgdMomentumDecay", true),
		adagrad, rmsprop, adadelta, asgd("asgd", false), asgd("asgdAvg", true),
		nadam, radam("radam", false), radam("radamRect", true), adamax,
	}
}

// fusedUnroll returns the largest unroll up to k.unroll whose temporaries fit
// in is's registers beside the tail mask and k's scalars. It halves k.unroll:
// the loop bound is rounded down with an AND, so the unroll must be a power of 2.
func fusedUnroll(k kernel, is isa) int {
	fixed := len(k.scalars)
	if !is.evex {
		fixed++
	}
	u := k.unroll
	for u > 1 && u*k.temps+fixed > is.nregs {
		u /= 2
	}
	return u
}

func (g *gen) kernel(k kernel) {
	t, is := g.t, g.isa
	lanes := is.width / t.size
	name := kernelName(k, t, is, g.nt)
	var frame int
	switch k.kind {
	case "binary":
		frame = 72
	case "unary":
		frame = 48
	case "scalar":
		frame = 48 + t.size
	case "axpy":
		frame = 56
	case "sum":
		frame = 24 + t.size
	case "fused":
		frame = 24*len(k.slices) + t.size*len(k.scalars)
		k.unroll = fusedUnroll(k, is)
	}
	fmt.Fprintf(&g.s, "\n// func %s%s\nTEXT ·%s(SB), NOSPLIT, $0-%d\n", name, goSig(k, t), name, frame)
	if k.kind == "fused" {
		g.base = map[string]string{}
		for i, s := range k.slices {
			r := []string{"DI", "SI", "DX", "R8", "R9", "R10"}[i]
			g.p("MOVQ %s_base+%d(FP), %s", s, 24*i, r)
			g.base[s] = r
		}
		g.p("MOVQ %s_len+8(FP), CX", k.slices[0])
	} else if k.kind == "axpy" {
		g.p("MOVQ dst_base+0(FP), DI")
		g.p("MOVQ dst_len+8(FP), CX")
		g.p("MOVQ a_base+32(FP), SI")
	} else if k.kind == "sum" {
		g.p("MOVQ a_base+0(FP), SI")
		g.p("MOVQ a_len+8(FP), CX")
	} else {
		g.p("MOVQ dst_base+0(FP), DI")
		g.p("MOVQ dst_len+8(FP), CX")
		g.p("MOVQ a_base+24(FP), SI")
	}
	if k.kind == "binary" {
		g.p("MOVQ b_base+48(FP), DX")
	}
	if g.nt {
		// Streaming stores need dst aligned to the vector width; otherwise
		// the call is the caching kernel's (same arguments, so a tail jump).
		g.p("TESTQ $%d, DI", is.width-1)
		g.p("JZ aligned")
		g.p("JMP ·%s(SB)", kernelName(k, t, is, false))
		g.label("aligned")
	}
	// Register plan: slot temporaries, the AVX2 tail mask, then constants.
	next := k.unroll * k.temps
	g.mask = fmt.Sprintf("%s%d", is.reg, next)
	if !is.evex {
		next++
	}
	g.creg = map[string]string{}
	cs := k.consts
	if k.kind == "scalar" || k.kind == "axpy" {
		r := fmt.Sprintf("%s%d", is.reg, next)
		next++
		g.creg["s"] = r
		bc := "VBROADCASTSS"
		if t.bits == 64 {
			bc = "VBROADCASTSD"
		}
		arg := "s+48(FP)"
		if k.kind == "axpy" {
			arg = "alpha+24(FP)"
		}
		g.p("%s %s, %s", bc, arg, r)
	}
	for i, s := range k.scalars {
		r := fmt.Sprintf("%s%d", is.reg, next)
		next++
		g.creg[s] = r
		bc := "VBROADCASTSS"
		if t.bits == 64 {
			bc = "VBROADCASTSD"
		}
		g.p("%s %s+%d(FP), %s", bc, s, 24*len(k.slices)+t.size*i, r)
	}
	if is.evex {
		// 32 registers: keep the kernel's constants in registers while they
		// last; the required ones (k.consts) come first in constOrder.
		cs = nil
		for _, c := range constOrder {
			if k.kind == "unary" && len(cs) < is.nregs-next && usesConst(k, c, g) {
				cs = append(cs, c)
			}
		}
	}
	for _, c := range cs {
		r := fmt.Sprintf("%s%d", is.reg, next)
		next++
		if next > is.nregs {
			panic(name + ": out of registers")
		}
		g.p("%s %s(SB), %s", g.op("VMOVU"), constSym(c, t), r)
		g.creg[c] = r
	}
	if next > is.nregs {
		panic(name + ": out of registers")
	}
	reg := func(slot int) func(int) string {
		return func(i int) string {
			if i >= k.temps {
				panic(name + ": temp out of range")
			}
			return fmt.Sprintf("%s%d", is.reg, slot*k.temps+i)
		}
	}
	if k.kind == "sum" {
		for s := 0; s < k.unroll; s++ {
			r := reg(s)(0)
			g.p("VXORPS %s, %s, %s", r, r, r)
		}
	}
	body := func(slot int) {
		g.off = slot * is.width
		g.kslot = slot
		if k.kind == "sum" {
			if g.tail {
				g.ld("SI", reg(0)(1))
				g.p("%s %s, %s, %s", g.op("VADD"), reg(0)(1), reg(0)(0), reg(0)(0))
			} else {
				g.p("%s %s, %s, %s", g.op("VADD"), g.mem("SI"), reg(slot)(0), reg(slot)(0))
			}
			return
		}
		k.body(g, reg(slot))
	}
	g.p("XORQ AX, AX")
	g.p("MOVQ CX, BX")
	g.p("ANDQ $-%d, BX", k.unroll*lanes)
	g.label("loop")
	g.p("CMPQ AX, BX")
	g.p("JAE single")
	for s := 0; s < k.unroll; s++ {
		body(s)
	}
	g.p("ADDQ $%d, AX", k.unroll*lanes)
	g.p("JMP loop")
	g.label("single")
	g.p("MOVQ CX, BX")
	g.p("ANDQ $-%d, BX", lanes)
	g.label("loop1")
	g.p("CMPQ AX, BX")
	g.p("JAE tail")
	body(0)
	g.p("ADDQ $%d, AX", lanes)
	g.p("JMP loop1")
	g.label("tail")
	g.p("CMPQ AX, CX")
	g.p("JAE done")
	g.p("SUBQ AX, CX") // remaining lanes, 1..lanes-1
	if is.evex {
		g.p("MOVL $1, BX")
		g.p("SHLL CX, BX")
		g.p("DECL BX")
		g.p("KMOVW BX, K1")
	} else {
		g.p("SHLQ $%d, CX", map[int]int{4: 2, 8: 3}[t.size])
		g.p("LEAQ tailmask<>+32(SB), BX")
		g.p("SUBQ CX, BX")
		g.p("VMOVDQU (BX), %s", g.mask)
	}
	g.tail = true
	body(0)
	g.tail = false
	g.label("done")
	if g.nt {
		// Order the streaming stores before whatever the caller does next
		// (another goroutine may read dst once this call returns).
		g.p("SFENCE")
	}
	if k.kind == "sum" {
		r := func(s int) string { return reg(s)(0) }
		g.p("%s %s, %s, %s", g.op("VADD"), r(1), r(0), r(0))
		g.p("%s %s, %s, %s", g.op("VADD"), r(3), r(2), r(2))
		g.p("%s %s, %s, %s", g.op("VADD"), r(2), r(0), r(0))
		if is.evex {
			g.p("VEXTRACTF64X4 $1, Z0, Y1")
			g.p("%s Y1, Y0, Y0", g.op("VADD"))
		}
		g.p("VEXTRACTF128 $1, Y0, X1")
		g.p("%s X1, X0, X0", g.op("VADD"))
		g.p("VMOVHLPS X0, X0, X1")
		if t.bits == 32 {
			g.p("VADDPS X1, X0, X0")
			g.p("VMOVSHDUP X0, X1")
			g.p("VADDSS X1, X0, X0")
			g.p("VMOVSS X0, ret+24(FP)")
		} else {
			g.p("VADDSD X1, X0, X0")
			g.p("VMOVSD X0, ret+24(FP)")
		}
	}
	g.p("VZEROUPPER")
	g.p("RET")
}

var constOrder = []string{"lo", "hi", "one", "zero", "log2e", "nln2hi", "nln2lo", "half", "magic",
	"e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9", "e10", "e11",
	"sign", "abs", "mtwo", "thresh", "t0", "t1", "t2", "t3", "t4"}

// usesConst reports whether k's body mentions constant c, by emitting it into a
// scratch generator.
func usesConst(k kernel, c string, g *gen) bool {
	s := &gen{isa: g.isa, t: g.t, creg: map[string]string{}, mask: "Y15"}
	k.body(s, func(i int) string { return fmt.Sprintf("%s%d", g.isa.reg, i) })
	return strings.Contains(s.s.String(), constSym(c, g.t)+"(SB)")
}

// kernelName is the Go name of k's form for t and is: stem, type, ISA, and
// "NT" for the streaming-store form.
func kernelName(k kernel, t typ, is isa, nt bool) string {
	name := k.name + t.name + is.name
	if nt {
		name += "NT"
	}
	return name
}

// streams reports whether k has a streaming-store form: the kernels that write
// a dst they do not read.
func streams(k kernel) bool {
	return k.kind == "binary" || k.kind == "unary" || k.kind == "scalar"
}

func goSig(k kernel, t typ) string {
	switch k.kind {
	case "fused":
		return fmt.Sprintf("(%s []%s, %s %s)", strings.Join(k.slices, ", "), t.gt, strings.Join(k.scalars, ", "), t.gt)
	case "binary":
		return fmt.Sprintf("(dst, a, b []%s)", t.gt)
	case "unary":
		return fmt.Sprintf("(dst, a []%s)", t.gt)
	case "scalar":
		return fmt.Sprintf("(dst, a []%s, s %s)", t.gt, t.gt)
	case "axpy":
		return fmt.Sprintf("(dst []%s, alpha %s, a []%s)", t.gt, t.gt, t.gt)
	}
	return fmt.Sprintf("(a []%s) %s", t.gt, t.gt)
}

// avx2OnAVX512 lists kernels whose AVX2 form the avx512 set uses, because it
// measured faster than the AVX-512 form on an AVX-512 machine. sum: on the
// 2-core AMD EPYC Zen 5 VM (2026-12-03, BenchmarkSum, 1 thread, 3 alternating
// runs) 4M float32 (16 MiB, summed again and again from the cache) ran at 95-101
// GB/s against 84-89, 16K at 165 against 151-159; float64 at 4M was even
// (59-62 against 59-61). Unrolling the AVX-512 form 2 or 8 times instead of 4
// did not close it (82-88).
var avx2OnAVX512 = map[string]bool{"sum": true}

func main() {
	var asm, goFile bytes.Buffer
	asm.WriteString("// Code generated by gen_amd64.go; DO NOT EDIT.\n\n//go:build !purego\n\n#include \"textflag.h\"\n")
	goFile.WriteString("// Code generated by gen_amd64.go; DO NOT EDIT.\n\n//go:build !purego\n\npackage vec\n")
	// tailmask<>: 8 all-ones dwords then 8 zero dwords; loading a vector at
	// tailmask<>+32-rem*size gives a mask of rem leading lanes.
	for i := 0; i < 8; i++ {
		fmt.Fprintf(&asm, "DATA tailmask<>+%d(SB)/4, $0xffffffff\n", 4*i)
	}
	for i := 8; i < 16; i++ {
		fmt.Fprintf(&asm, "DATA tailmask<>+%d(SB)/4, $0\n", 4*i)
	}
	asm.WriteString("GLOBL tailmask<>(SB), RODATA|NOPTR, $64\n")
	for _, t := range []typ{f32, f64} {
		cs := constants(t)
		for _, name := range constOrder {
			var bits uint64
			if v, ok := cs[name]; ok {
				bits = math.Float64bits(v)
				if t.bits == 32 {
					bits = uint64(math.Float32bits(float32(v)))
				}
			} else if b, ok := bitConsts[name]; ok {
				bits = b[t.bits/64]
			} else {
				continue
			}
			sym := constSym(name, t)
			for off := 0; off < 64; off += t.size {
				fmt.Fprintf(&asm, "DATA %s+%d(SB)/%d, $0x%x\n", sym, off, t.size, bits)
			}
			fmt.Fprintf(&asm, "GLOBL %s(SB), RODATA|NOPTR, $64\n", sym)
		}
	}
	sets := map[string][]string{}
	streamSets := map[string][]string{}
	for _, is := range []isa{avx2, avx512} {
		for _, t := range []typ{f32, f64} {
			for _, k := range kernelsFor(t) {
				forms := []bool{false}
				if streams(k) {
					forms = append(forms, true)
				}
				for _, nt := range forms {
					g := &gen{isa: is, t: t, nt: nt}
					g.kernel(k)
					asm.Write(g.s.Bytes())
					fmt.Fprintf(&goFile, "\n//go:noescape\nfunc %s%s\n", kernelName(k, t, is, nt), goSig(k, t))
				}
				use := is
				if is == avx512 && avx2OnAVX512[k.name] {
					use = avx2
				}
				sets[is.field] = append(sets[is.field], fmt.Sprintf("k.%s%d = %s", k.name, t.bits, kernelName(k, t, use, false)))
				if streams(k) {
					streamSets[is.field] = append(streamSets[is.field], fmt.Sprintf("s.%s%d = %s", k.name, t.bits, kernelName(k, t, use, true)))
				}
			}
		}
	}
	for _, is := range []isa{avx2, avx512} {
		fmt.Fprintf(&goFile, "\nfunc %sKernels() *kernels {\n\tk := goKernels\n\tk.name = %q\n", is.field, is.field)
		for _, l := range sets[is.field] {
			fmt.Fprintf(&goFile, "\t%s\n", l)
		}
		fmt.Fprintf(&goFile, "\ts := k\n\ts.name = %q\n", is.field+"-stream")
		for _, l := range streamSets[is.field] {
			fmt.Fprintf(&goFile, "\t%s\n", l)
		}
		goFile.WriteString("\tk.stream = &s\n\treturn &k\n}\n")
	}
	must(os.WriteFile("kernels_amd64.s", asm.Bytes(), 0o644))
	must(os.WriteFile("kernels_amd64.go", goFile.Bytes(), 0o644))
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
