package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Tolerances of the AVX-512 row kernels against their plain forms: both
// compute the same formulas with float32 roundings, but the kernels add in 16
// lanes (and the softmax gradient's dot product with fused multiply-adds), so
// sums differ by a few ulps of their terms' magnitudes.
const (
	softmaxULP32 = 4    // one ulp or two of 1/Σ, the same exp bits
	rowRel32     = 2e-6 // LayerNorm and the softmax gradient: of the sum of the terms' magnitudes
)

// withRowAsm runs f with the plain forms and, where the CPU has them, the
// assembly kernels.
func withRowAsm(t *testing.T, f func(t *testing.T)) {
	forRowModes(func(name string) { t.Run(name, f) })
}

// forRowModes calls f with rowAsm off ("plain") and, where the CPU has the
// kernels, on ("asm").
func forRowModes(f func(name string)) {
	saved := rowAsm
	defer func() { rowAsm = saved }()
	for _, on := range []bool{false, true} {
		if on && !saved {
			continue
		}
		rowAsm = on
		name := "plain"
		if on {
			name = "asm"
		}
		f(name)
	}
}

// rowLengths covers every tail of a 16-lane vector, a model width and longer
// rows.
func rowLengths() []int {
	var ns []int
	for n := 1; n <= 70; n++ {
		ns = append(ns, n)
	}
	return append(ns, 96, 128, 200, 1000)
}

func randRow(r *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * scale)
	}
	return x
}

func ulp32(v float32) float64 {
	v = float32(math.Abs(float64(v)))
	return float64(math.Nextafter32(v, float32(math.Inf(1))) - v)
}

func TestSoftmaxRow(t *testing.T) {
	withRowAsm(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		for _, n := range rowLengths() {
			for _, scale := range []float64{1, 30} {
				x := randRow(r, n, scale)
				want := make([]float32, n)
				wm, ws := softmaxPlain(want, x)
				buf, got := window[float32](n)
				copy(got, x)
				SoftmaxRow(got)
				checkGuards(t, buf)
				for i := range want {
					if math.Abs(float64(got[i]-want[i])) > softmaxULP32*ulp32(want[i])+1e-44 {
						t.Fatalf("n=%d scale %g: softmax[%d] = %g, plain %g", n, scale, i, got[i], want[i])
					}
				}
				// SoftmaxInto: the same values into another slice, with m and s.
				got2 := make([]float32, n)
				m, s := SoftmaxInto(got2, x)
				if m != wm || math.Abs(float64(s-ws)) > softmaxULP32*ulp32(ws) {
					t.Fatalf("n=%d scale %g: SoftmaxInto's m, s = %g, %g; plain %g, %g", n, scale, m, s, wm, ws)
				}
				for i := range got2 {
					if got2[i] != got[i] {
						t.Fatalf("n=%d: SoftmaxInto[%d] = %g, SoftmaxRow %g", n, i, got2[i], got[i])
					}
				}
			}
		}
		for _, n := range []int{1, 17, 40} {
			x := randRow(r, n, 1)
			x[n/2] = float32(math.NaN())
			SoftmaxRow(x)
			for i, v := range x {
				if v == v {
					t.Fatalf("n=%d: a NaN in the row left element %d = %g", n, i, v)
				}
			}
		}
	})
}

func TestSoftmaxGrad(t *testing.T) {
	withRowAsm(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(7, 8))
		for _, n := range rowLengths() {
			p := randRow(r, n, 3)
			softmaxPlain(p, p)
			d := randRow(r, n, 1)
			const scale = 0.125
			want := append([]float32(nil), d...)
			softmaxGradPlain(want, p, scale)
			buf, got := window[float32](n)
			copy(got, d)
			SoftmaxGrad(got, p, scale)
			checkGuards(t, buf)
			var mag float64 // Σ|p·d|
			for i := range p {
				mag += math.Abs(float64(p[i] * d[i]))
			}
			for i := range want {
				tol := rowRel32*float64(p[i])*(math.Abs(float64(d[i]))+mag)*scale + 1e-37
				if math.Abs(float64(got[i]-want[i])) > tol {
					t.Fatalf("n=%d: grad[%d] = %g, plain %g", n, i, got[i], want[i])
				}
			}
		}
	})
}

func TestLayerNormRow(t *testing.T) {
	withRowAsm(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(9, 10))
		for _, n := range rowLengths() {
			x, w, b := randRow(r, n, 2), randRow(r, n, 1), randRow(r, n, 1)
			for i := range x {
				x[i] += 3 // a mean away from 0
			}
			for _, affine := range []bool{true, false} {
				ww, bb := w, b
				if !affine {
					ww, bb = nil, nil
				}
				want := make([]float32, n)
				wm, wi := layerNormRowPlain(want, x, ww, bb, 1e-5)
				buf, got := window[float32](n)
				m, is := LayerNormRow(got, x, ww, bb, 1e-5)
				checkGuards(t, buf)
				if math.Abs(float64(m-wm)) > rowRel32*(3+math.Abs(float64(wm))) || math.Abs(float64(is-wi)) > rowRel32*float64(wi) {
					t.Fatalf("n=%d: mean, invstd = %g, %g; plain %g, %g", n, m, is, wm, wi)
				}
				for i := range want {
					mag := math.Abs(float64((x[i]-wm)*wi)) + 1
					if affine {
						mag = mag*math.Abs(float64(w[i])) + math.Abs(float64(b[i]))
					}
					if math.Abs(float64(got[i]-want[i])) > rowRel32*mag {
						t.Fatalf("n=%d affine=%v: y[%d] = %g, plain %g", n, affine, i, got[i], want[i])
					}
				}
			}
		}
	})
}

func TestLayerNormGradRow(t *testing.T) {
	withRowAsm(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(11, 12))
		for _, n := range rowLengths() {
			x, w, g := randRow(r, n, 2), randRow(r, n, 1), randRow(r, n, 1)
			y := make([]float32, n)
			mean, invstd := layerNormRowPlain(y, x, w, make([]float32, n), 1e-5)
			for _, affine := range []bool{true, false} {
				ww := w
				if !affine {
					ww = nil
				}
				dw0, db0 := randRow(r, n, 1), randRow(r, n, 1) // sums so far
				want, wdw, wdb := make([]float32, n), append([]float32(nil), dw0...), append([]float32(nil), db0...)
				layerNormGradRowPlain(want, g, x, ww, wdw, wdb, make([]float32, 2*n), mean, invstd)
				buf, got := window[float32](n)
				dw, db := append([]float32(nil), dw0...), append([]float32(nil), db0...)
				LayerNormGradRow(got, g, x, ww, dw, db, make([]float32, 2*n), mean, invstd)
				checkGuards(t, buf)
				var mag float64 // Σ|ĝ|·(1 + |x̂|)
				for i := range g {
					gh := float64(g[i])
					if affine {
						gh *= float64(w[i])
					}
					mag += math.Abs(gh) * (1 + math.Abs(float64((x[i]-mean)*invstd)))
				}
				for i := range want {
					xh := math.Abs(float64((x[i] - mean) * invstd))
					if math.Abs(float64(got[i]-want[i])) > rowRel32*(mag/float64(n)*(1+xh)+math.Abs(float64(want[i])))*float64(invstd) {
						t.Fatalf("n=%d affine=%v: dx[%d] = %g, plain %g", n, affine, i, got[i], want[i])
					}
					if dw[i] != wdw[i] || db[i] != wdb[i] {
						t.Fatalf("n=%d: dw[%d], db[%d] = %g, %g; plain %g, %g", n, i, i, dw[i], db[i], wdw[i], wdb[i])
					}
				}
			}
		}
	})
}

// BenchmarkRows times the row kernels on one attention row (64) and one model
// row (128), with the plain forms and, where there are, the AVX-512 kernels.
func BenchmarkRows(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	forRowModes(func(name string) {
		x, d, p := randRow(r, 64, 2), randRow(r, 64, 1), randRow(r, 64, 1)
		softmaxPlain(p, p)
		y := make([]float32, 64)
		b.Run("softmax64/"+name, func(b *testing.B) {
			for b.Loop() {
				SoftmaxInto(y, x)
			}
		})
		b.Run("softmaxgrad64/"+name, func(b *testing.B) {
			for b.Loop() {
				SoftmaxGrad(d, p, 0.125)
			}
		})
		x, w, bb, g := randRow(r, 128, 2), randRow(r, 128, 1), randRow(r, 128, 1), randRow(r, 128, 1)
		y, dw, db, scratch := make([]float32, 128), make([]float32, 128), make([]float32, 128), make([]float32, 256)
		b.Run("layernorm128/"+name, func(b *testing.B) {
			for b.Loop() {
				LayerNormRow(y, x, w, bb, 1e-5)
			}
		})
		b.Run("layernormgrad128/"+name, func(b *testing.B) {
			for b.Loop() {
				LayerNormGradRow(y, g, x, w, dw, db, scratch, 0.1, 0.9)
			}
		})
	})
}

// TestPrefetch calls Prefetch on slices of every length up to 100 (both
// types, starting mid cache line) and on nil: it must neither fault nor change
// a value.
func TestPrefetch(t *testing.T) {
	x32, x64 := make([]float32, 200), make([]float64, 200)
	for i := range x32 {
		x32[i], x64[i] = float32(i), float64(i)
	}
	Prefetch[float32](nil)
	for off := range 3 {
		for n := range 101 {
			Prefetch(x32[off : off+n])
			Prefetch(x64[off : off+n])
		}
	}
	for i := range x32 {
		if x32[i] != float32(i) || x64[i] != float64(i) {
			t.Fatalf("element %d changed", i)
		}
	}
}

// BenchmarkSoftmaxGradHeads is attention's backward softmax-gradient loop (64
// causal heads of 64×64 weights) on weights evicted from the caches (64 MiB
// touched before each pass, outside the timer), as the backward pass finds
// them, without and with Prefetch of the next head's weights after each
// head's first row.
func BenchmarkSoftmaxGradHeads(b *testing.B) {
	const heads, l = 64, 64
	r := rand.New(rand.NewPCG(1, 2))
	p := randRow(r, heads*l*l, 1)
	ds := make([]float32, l*l)
	thrash := make([]byte, 64<<20)
	for _, pf := range []bool{false, true} {
		name := "cold"
		if pf {
			name = "cold-prefetch"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				for i := 0; i < len(thrash); i += 64 {
					thrash[i]++
				}
				b.StartTimer()
				for nh := range heads {
					pr := p[nh*l*l : (nh+1)*l*l]
					for i := range l {
						SoftmaxGrad(ds[i*l:i*l+i+1], pr[i*l:i*l+i+1], 0.125)
						if pf && i == 0 && nh+1 < heads {
							Prefetch(p[(nh+1)*l*l : (nh+2)*l*l])
						}
					}
				}
			}
		})
	}
}
