package conv

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// near reports whether got is want up to float32 rounding of a sum of n
// products of values of size ~scale: FMA and the order of summation change
// the last bits.
func near(got, want float32, scale float64) bool {
	return math.Abs(float64(got-want)) <= 1e-5*scale
}

// guard is the value around the regions the tiles may write; it must survive.
const guard = 12345.0

// TestTilesMatchPlainLoops runs every assembly tile against its plain loop on
// the same inputs, with guard values around and between the outputs.
func TestTilesMatchPlainLoops(t *testing.T) {
	if !Fast {
		t.Skip("no assembly tiles on this CPU or build: the plain loops are all that runs")
	}
	r := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 2; n++ {
		for ob := 1; ob <= maxOb; ob++ {
			const taps, ldy = 11, 24
			x := randSlice(r, 200)
			offs := make([]int32, taps)
			for i := range offs {
				offs[i] = int32(r.IntN(100))
			}
			w, bias := randSlice(r, taps*ob), randSlice(r, ob)
			run := func(f fwdFunc) []float32 {
				y := make([]float32, ldy*ob+16)
				for i := range y {
					y[i] = guard
				}
				f(&x[3], &x[50], &offs[0], taps, &w[0], &bias[0], &y[0], &y[8], ldy)
				return y
			}
			got := run(fwdAVX2[n][ob])
			want := run(func(x0, x1 *float32, offs *int32, taps int, w, bias, y0, y1 *float32, ldy int) {
				fwdGo(ob, n, x0, x1, offs, taps, w, bias, y0, y1, ldy)
			})
			for i := range got {
				if written := i%ldy < 8*n && i/ldy < ob; !written && got[i] != guard || !near(got[i], want[i], taps) {
					t.Fatalf("fwdO%dV%d: y[%d] = %v, plain loop %v", ob, n, i, got[i], want[i])
				}
			}

			const rows, vpr, xrs, l, imgs, xis = 3, 2, 20, 48, 2, 60
			dy := randSlice(r, (imgs-1)*ob*l+ob*l+5)
			runDW := func(f dwFunc) []float32 {
				acc := randSlice(rand.New(rand.NewPCG(3, 4)), 2*ob*8+8)
				acc[ob*8], acc[ob*8+1] = guard, guard // between the two taps' sums
				f(&dy[0], l, &x[5], 4, rows, vpr, xrs, imgs, xis, ob*l+5, &acc[0], &acc[ob*8+8])
				return acc
			}
			got = runDW(dwAVX2[n][ob])
			want = runDW(func(dy *float32, ldy int, x0 *float32, d1, rows, vpr, xrs, imgs, xis, dyis int, acc0, acc1 *float32) {
				dwGo(ob, n, dy, ldy, x0, d1, rows, vpr, xrs, imgs, xis, dyis, acc0, acc1)
			})
			for i := range got {
				if !near(got[i], want[i], imgs*rows*vpr) {
					t.Fatalf("dwO%dT%d: acc[%d] = %v, plain loop %v", ob, n, i, got[i], want[i])
				}
			}
			if n == 1 && got[ob*8+8] != want[ob*8+8] {
				t.Fatalf("dwO%dT1 wrote the second tap's sums", ob)
			}
		}
	}
	// addTaps: overlapping taps, rows apart by drs, guard values past the end.
	offs := []int32{0, 1, 7, 30}
	col := randSlice(r, len(offs)*2*16)
	runAdd := func(f func(dx *float32, offs *int32, taps int, col *float32, rows, vpr, drs int)) []float32 {
		dx := randSlice(rand.New(rand.NewPCG(7, 8)), 30+20+16+8)
		for i := 30 + 20 + 16; i < len(dx); i++ {
			dx[i] = guard
		}
		f(&dx[0], &offs[0], len(offs), &col[0], 2, 2, 20)
		return dx
	}
	got, want := runAdd(addTaps), runAdd(addTapsGo)
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("addTaps: dx[%d] = %v, plain loop %v", i, got[i], want[i])
		}
	}
}

// naive returns the convolution of one image x (C×H×W) with w (O×C×KH×KW) and
// bias, the weight gradient for output gradient dy, and col2im of columns col
// (added to x), as the definition's loops in float64.
func naive(g Geom, x, w, bias, dy, col []float32) (y, dw, dx []float64) {
	y = make([]float64, g.O*g.OH*g.OW)
	dw = make([]float64, len(w))
	dx = make([]float64, len(x))
	for i, v := range x {
		dx[i] = float64(v)
	}
	for c := range g.C {
		for i := range g.KH {
			for j := range g.KW {
				for oy := range g.OH {
					for ox := range g.OW {
						dx[(c*g.H+oy*g.SH+i*g.DH)*g.W+ox+j*g.DW] += float64(col[(((c*g.KH+i)*g.KW+j)*g.OH+oy)*g.OW+ox])
					}
				}
			}
		}
	}
	for o := range g.O {
		for oy := range g.OH {
			for ox := range g.OW {
				s := float64(bias[o])
				for c := range g.C {
					for i := range g.KH {
						for j := range g.KW {
							wi := ((o*g.C+c)*g.KH+i)*g.KW + j
							xv := float64(x[(c*g.H+oy*g.SH+i*g.DH)*g.W+ox+j*g.DW])
							s += float64(w[wi]) * xv
							dw[wi] += float64(dy[(o*g.OH+oy)*g.OW+ox]) * xv
						}
					}
				}
				y[(o*g.OH+oy)*g.OW+ox] = s
			}
		}
	}
	return y, dw, dx
}

// TestPlanMatchesDefinition checks Forward and WeightGrad against the
// convolution's definition, with the tiles this build runs and with the plain
// loops, on LeNet-5's two convolutions and geometries that exercise channel
// chunks, odd vector counts, height stride and dilation.
func TestPlanMatchesDefinition(t *testing.T) {
	geoms := []Geom{
		{C: 1, H: 28, W: 28, O: 6, KH: 5, KW: 5, SH: 1, DH: 1, DW: 1, OH: 24, OW: 24},
		{C: 6, H: 12, W: 12, O: 16, KH: 5, KW: 5, SH: 1, DH: 1, DW: 1, OH: 8, OW: 8},
		{C: 2, H: 9, W: 19, O: 13, KH: 3, KW: 2, SH: 2, DH: 1, DW: 3, OH: 4, OW: 16},
		{C: 3, H: 7, W: 10, O: 25, KH: 2, KW: 3, SH: 1, DH: 2, DW: 1, OH: 5, OW: 8},
		{C: 1, H: 3, W: 8, O: 1, KH: 1, KW: 1, SH: 1, DH: 1, DW: 1, OH: 3, OW: 8},
	}
	fast := Fast
	defer func() { setFast(fast) }()
	r := rand.New(rand.NewPCG(5, 6))
	for _, g := range geoms {
		if !g.Supported() {
			t.Fatalf("%+v not supported", g)
		}
		// Two images, the second's input and output gradient after the
		// first's and a gap.
		hw, l := g.C*g.H*g.W, g.O*g.OH*g.OW
		x := randSlice(r, 2*hw+3)
		w, bias := randSlice(r, g.O*g.C*g.KH*g.KW), randSlice(r, g.O)
		dy := randSlice(r, 2*l+5)
		col := randSlice(r, g.C*g.KH*g.KW*g.OH*g.OW)
		wantY, wantDW, wantDX := naive(g, x[:hw], w, bias, dy[:l], col)
		_, dw2, _ := naive(g, x[hw+3:], w, bias, dy[l+5:], col)
		for i, v := range dw2 {
			wantDW[i] += v
		}
		for _, f := range []bool{false, fast} {
			setFast(f)
			p := NewPlan(g, w, bias)
			y := make([]float32, len(wantY))
			p.Forward(y, x)
			acc := make([]float32, p.AccSize())
			p.WeightGrad(acc, dy, x, 2, hw+3, l+5)
			dw := make([]float32, len(wantDW))
			p.SumWeightGrad(dw, acc)
			dx := slices.Clone(x[:hw])
			p.Col2im(dx, col)
			for i := range dx {
				if !near(dx[i], float32(wantDX[i]), float64(g.KH*g.KW)) {
					t.Fatalf("%+v fast=%v: col2im dx[%d] = %v, want %v", g, f, i, dx[i], wantDX[i])
				}
			}
			scale := float64(g.C * g.KH * g.KW)
			for i := range y {
				if !near(y[i], float32(wantY[i]), scale) {
					t.Fatalf("%+v fast=%v: y[%d] = %v, want %v", g, f, i, y[i], wantY[i])
				}
			}
			for i := range dw {
				if !near(dw[i], float32(wantDW[i]), float64(2*g.OH*g.OW)) {
					t.Fatalf("%+v fast=%v: dw[%d] = %v, want %v", g, f, i, dw[i], wantDW[i])
				}
			}
		}
	}
}

// TestPlanPanics checks that short slices and unsupported geometries panic
// rather than reach the assembly.
func TestPlanPanics(t *testing.T) {
	g := Geom{C: 1, H: 28, W: 28, O: 6, KH: 5, KW: 5, SH: 1, DH: 1, DW: 1, OH: 24, OW: 24}
	p := NewPlan(g, make([]float32, 150), nil)
	for name, f := range map[string]func(){
		"short x": func() { p.Forward(make([]float32, 6*576), make([]float32, 28*28-1)) },
		"short y": func() { p.Forward(make([]float32, 6*576-1), make([]float32, 28*28)) },
		"short acc": func() {
			p.WeightGrad(make([]float32, p.AccSize()-1), make([]float32, 6*576), make([]float32, 28*28), 1, 0, 0)
		},
		"short dy": func() {
			p.WeightGrad(make([]float32, p.AccSize()), make([]float32, 2*6*576-1), make([]float32, 2*28*28), 2, 28*28, 6*576)
		},
		"short col": func() { p.Col2im(make([]float32, 28*28), make([]float32, 25*576-1)) },
		"width 20": func() {
			NewPlan(Geom{C: 1, H: 8, W: 20, O: 1, KH: 1, KW: 1, SH: 1, DH: 1, DW: 1, OH: 8, OW: 20}, nil, nil)
		},
		"no weights": func() { NewPlan(g, nil, nil).Forward(make([]float32, 6*576), make([]float32, 28*28)) },
		"short bias": func() { NewPlan(g, make([]float32, 150), make([]float32, 5)) },
		"window past": func() {
			NewPlan(Geom{C: 1, H: 8, W: 8, O: 1, KH: 2, KW: 2, SH: 1, DH: 1, DW: 1, OH: 8, OW: 8}, nil, nil)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// TestMaxPool2x2 checks the pooling kernel against its plain loop and against
// the definition on LeNet-5's planes (24×24 and 8×8, the second's rows of 4
// windows read two row pairs per vector), a plane wider than its windows,
// ties, signed zeros, and NaN, which it must report.
func TestMaxPool2x2(t *testing.T) {
	fast := Fast
	defer func() { setFast(fast) }()
	r := rand.New(rand.NewPCG(9, 10))
	for _, c := range []struct{ oh, ow, w, h int }{{12, 12, 24, 24}, {4, 4, 8, 8}, {2, 8, 19, 5}, {6, 4, 9, 12}} {
		x := randSlice(r, c.h*c.w)
		for i := range x {
			switch r.IntN(6) {
			case 0:
				x[i] = 0
			case 1:
				x[i] = float32(math.Copysign(0, -1))
			case 2:
				x[i] = 1
			}
		}
		for _, f := range []bool{false, fast} {
			setFast(f)
			y, idx := make([]float32, c.oh*c.ow+1), make([]int32, c.oh*c.ow+1)
			y[c.oh*c.ow], idx[c.oh*c.ow] = guard, -7
			if !MaxPool2x2(y, idx, x, c.oh, c.ow, c.w) {
				t.Fatalf("%+v fast=%v: reported NaN or refused the shape", c, f)
			}
			if y[c.oh*c.ow] != guard || idx[c.oh*c.ow] != -7 {
				t.Fatalf("%+v fast=%v: wrote past the outputs", c, f)
			}
			for oy := range c.oh {
				for ox := range c.ow {
					p := 2*oy*c.w + 2*ox
					want := p
					for _, d := range []int{1, c.w, c.w + 1} {
						if x[p+d] > x[want] {
							want = p + d
						}
					}
					q := oy*c.ow + ox
					if int(idx[q]) != want || math.Float32bits(y[q]) != math.Float32bits(x[want]) {
						t.Fatalf("%+v fast=%v: output (%d, %d) = %v at %d, want %v at %d", c, f, oy, ox, y[q], idx[q], x[want], want)
					}
				}
			}
			x[c.w+3] = float32(math.NaN())
			if MaxPool2x2(y, idx, x, c.oh, c.ow, c.w) {
				t.Fatalf("%+v fast=%v: NaN not reported", c, f)
			}
			x[c.w+3] = 0
		}
	}
	if MaxPool2x2(make([]float32, 12), make([]int32, 12), make([]float32, 36), 2, 6, 12) {
		t.Error("a row of 6 windows was taken")
	}
}

// TestMaxUnpool2x2 checks the pooling gradient kernel, assembly and plain loop,
// against the definition: each window's element at its index gets the output
// gradient, the window's others zero, and elements outside every window keep
// their (guard) value.
func TestMaxUnpool2x2(t *testing.T) {
	fast := Fast
	defer func() { setFast(fast) }()
	r := rand.New(rand.NewPCG(11, 12))
	for _, c := range []struct{ oh, ow, w, h int }{{12, 12, 24, 24}, {4, 4, 8, 8}, {2, 8, 19, 5}, {6, 4, 9, 12}} {
		x := randSlice(r, c.h*c.w)
		y, idx := make([]float32, c.oh*c.ow), make([]int32, c.oh*c.ow)
		if !MaxPool2x2(y, idx, x, c.oh, c.ow, c.w) {
			t.Fatalf("%+v: MaxPool2x2 refused", c)
		}
		dy := randSlice(r, c.oh*c.ow)
		for _, f := range []bool{false, fast} {
			setFast(f)
			dx := make([]float32, c.h*c.w)
			for i := range dx {
				dx[i] = guard
			}
			if !MaxUnpool2x2(dx, dy, idx, c.oh, c.ow, c.w) {
				t.Fatalf("%+v fast=%v: refused the shape", c, f)
			}
			want := make([]float32, len(dx))
			for i := range want {
				want[i] = guard
			}
			for oy := range c.oh {
				for ox := range c.ow {
					p := 2*oy*c.w + 2*ox
					for _, d := range []int{0, 1, c.w, c.w + 1} {
						want[p+d] = 0
					}
					want[idx[oy*c.ow+ox]] = dy[oy*c.ow+ox]
				}
			}
			for i := range dx {
				if dx[i] != want[i] {
					t.Fatalf("%+v fast=%v: dx[%d] = %v, want %v", c, f, i, dx[i], want[i])
				}
			}
		}
	}
}
