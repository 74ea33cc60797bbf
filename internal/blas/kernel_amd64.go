//go:build !purego

package blas

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

//go:generate go run gen_amd64.go

// copyRows copies rows rows of w bytes, a positive multiple of 64, from src,
// rows lds bytes apart, to dst, rows w bytes apart (AVX).
//
//go:noescape
func copyRows(dst, src unsafe.Pointer, lds, rows, w uintptr)

// transpose16x16 sets dst[j*ldd+i] = src[i*lds+j] for i, j < 16 (AVX-512F).
//
//go:noescape
func transpose16x16(src *float32, lds int, dst *float32, ldd int)

// packA6T32 and packA6T64 pack transposed A into strips of 6 rows: for p < kc
// and s < strips, the 6 values at src+p*lda+s*6*size go to
// dst+s*sstride+p*6*size (strides in bytes; kc and strips positive; AVX).
//
//go:noescape
func packA6T32(dst, src unsafe.Pointer, lda, kc, strips, sstride uintptr)

//go:noescape
func packA6T64(dst, src unsafe.Pointer, lda, kc, strips, sstride uintptr)

// packA6T packs transposed A into strips of 6 rows with packA6T32 or packA6T64.
func packA6T[T float32 | float64](dst, a []T, lda, kc, strips int) {
	_ = a[(kc-1)*lda+6*strips-1] // bounds: kc stored rows of 6·strips values
	_ = dst[(strips-1)*6*kc+6*kc-1]
	size := unsafe.Sizeof(T(0))
	d, s := unsafe.Pointer(&dst[0]), unsafe.Pointer(&a[0])
	if size == 4 {
		packA6T32(d, s, uintptr(lda)*size, uintptr(kc), uintptr(strips), uintptr(6*kc)*size)
	} else {
		packA6T64(d, s, uintptr(lda)*size, uintptr(kc), uintptr(strips), uintptr(6*kc)*size)
	}
}

// transpose8x8 sets dst[j*ldd+i] = src[i*lds+j] for i, j < 8 (AVX).
//
//go:noescape
func transpose8x8(src *float32, lds int, dst *float32, ldd int)

// packBT32AVX512 is packB for transposed float32 B: full 16×16 blocks go through
// transpose16x16, the ragged rest through the Go loop.
func packBT32AVX512(dst []float32, b []float32, ldb, pc, kc, jc, nc, nr int) {
	packBTTiles(dst, b, ldb, pc, kc, jc, nc, nr, 16, transpose16x16)
}

// packBT32AVX2 is packB for transposed float32 B with 8×8 blocks through
// transpose8x8.
func packBT32AVX2(dst []float32, b []float32, ldb, pc, kc, jc, nc, nr int) {
	packBTTiles(dst, b, ldb, pc, kc, jc, nc, nr, 8, transpose8x8)
}

// packBTTiles is packB for transposed float32 B: full t×t blocks go through
// transpose (t divides nr), the ragged rest through the Go loop.
func packBTTiles(dst []float32, b []float32, ldb, pc, kc, jc, nc, nr, t int, transpose func(src *float32, lds int, dst *float32, ldd int)) {
	nt, kt := nc-nc%t, kc-kc%t
	if nt == 0 || kt == 0 {
		packB(dst, true, b, ldb, pc, kc, jc, nc, nr)
		return
	}
	for j := 0; j < nt; j += t {
		panel := dst[(j/nr)*nr*kc:]
		jj := j % nr
		for p := 0; p < kt; p += t {
			src := b[(jc+j)*ldb+pc+p:]
			_ = src[(t-1)*ldb+t-1] // bounds: the t×t block lies inside b
			d := panel[p*nr+jj:]
			_ = d[(t-1)*nr+t-1]
			transpose(&src[0], ldb, &d[0], nr)
		}
		if kt < kc {
			packBTScalar(dst, b, ldb, pc, kc, jc, j, j+t, kt, nr)
		}
	}
	packBTScalar(dst, b, ldb, pc, kc, jc, nt, nc, 0, nr)
	if rem := nc % nr; rem != 0 { // zero the padding columns of the last panel
		panel := dst[(nc/nr)*nr*kc:]
		for p := 0; p < kc; p++ {
			clear(panel[p*nr+rem : p*nr+nr])
		}
	}
}

// packBTScalar packs columns [j0, j1) and steps [p0, kc) of a transposed block of
// B like packB, one element at a time.
func packBTScalar(dst []float32, b []float32, ldb, pc, kc, jc, j0, j1, p0, nr int) {
	for j := j0; j < j1; j++ {
		panel := dst[(j/nr)*nr*kc:]
		jj := j % nr
		src := b[(jc+j)*ldb+pc : (jc+j)*ldb+pc+kc]
		for p := p0; p < kc; p++ {
			panel[p*nr+jj] = src[p]
		}
	}
}

// The float32 AVX-512 kernels split products across goroutines from 2·100³
// flops and k = 64 (minParallelFlops and minParallelK suit the AVX2 kernels'
// half speed; the float64 AVX-512 kernel, as fast as AVX2's float32, keeps
// them). Measured on the 2-core Zen 5 VM, float32, 2 threads, 3 runs each
// (2026-12-02), µs a product split / on one goroutine: 64³ 3.6–4.2 / 2.8–3.1, 72³ 7.3–8.0 /
// 6.2–6.6, 96³ 8.9–10.0 / 8.8–9.9, 112³ 20.2–23.0 / 19.7–21.3, but 128³
// 16.1–18.7 / 21.2–21.6; with k = 32, 64×256×32 9.0–10.4 / 5.5–6.7 and
// 256×256×32 24.4–30.9 / 21.7–22.5; 64×256×64 11.5–14.7 / 10.9–11.7.
const avx512ParFlops, avx512ParK = 2 * 100 * 100 * 100, 64

// The AVX-512 kernels take products deeper than kc whose A is read as stored
// in blocks twice as deep and half as wide (kcA, ncA): C is then read and
// written half as often, for B blocks of about the same size. Measured on the
// 2-core Zen 5 VM (2026-12-03, medians of 7 alternating rounds, GFLOP/s, kc×nc
// against kcA×ncA), float32 on 1 thread: 1024³ 212.7 → 215.8, 2048³ 207.4 →
// 209.6, 512×256×784 210.1 → 217.5; on 2 threads: 512³ 390 → 430, 1024³ 378
// → 422, 2048³ 404 → 418, 512×256×784 333 → 395, 2048×256×1024 368 → 414.
// float64 (512×128 against 256×256), 1 thread: 2048³ 100.3 → 104.3; 2
// threads: 1024³ 203 → 210, 512×256×784 173 → 199. Blocks of 1024×128 ran
// about as fast; transposed A, which is packed per block and meets half as
// many panels in a narrower one, ran up to 25 % slower in them, so it keeps
// kc×nc, as do products no deeper than kc (nothing to gain).

var (
	avx512Kernel32 = &kernel[float32]{name: "avx512", mr: 6, nr: 64, kc: 256, nc: 512, mc: 144, kcA: 512, ncA: 256, fn: sgemmKernelAVX512, packBT: packBT32AVX512,
		short: sgemmKernelAVX512Short, parFlops: avx512ParFlops, parK: avx512ParK}
	avx512Kernel64 = &kernel[float64]{name: "avx512", mr: 6, nr: 32, kc: 256, nc: 256, mc: 72, kcA: 512, ncA: 128, fn: dgemmKernelAVX512,
		short: dgemmKernelAVX512Short}
	avx512Narrow32 = &kernel[float32]{name: "avx512n", mr: 12, nr: 32, kc: 256, nc: 512, mc: 144, fn: sgemmKernelAVX512N, packBT: packBT32AVX512,
		short: sgemmKernelAVX512NShort, upTo: 256, parFlops: avx512ParFlops, parK: avx512ParK}
	avx2Kernel32 = &kernel[float32]{name: "avx2", mr: 6, nr: 16, kc: 256, nc: 512, mc: 144, fn: sgemmKernelAVX2, packBT: packBT32AVX2,
		short: sgemmKernelAVX2Short}
	avx2Kernel64 = &kernel[float64]{name: "avx2", mr: 6, nr: 8, kc: 256, nc: 256, mc: 72, fn: dgemmKernelAVX2,
		short: dgemmKernelAVX2Short}
)

// kernel32 and kernel64 are the micro-kernels Gemm uses: the widest this CPU runs.
// kernels32 and kernels64 list every one it can run, for tests and benchmarks.
var kernel32, kernel64, kernels32, kernels64 = pickKernels()

// narrow32 and narrow64 list, narrowest first, the kernels that replace kernel32
// and kernel64 for products at most their nr columns wide: a 16-wide AVX2 tile
// at half the speed beats a 64-wide AVX-512 tile that is mostly padding (f32
// 64×256·256×10: 25 -> 42 GFLOP/s), and the 12×32 AVX-512 tile takes products
// of 17 to 32 columns (attention's P·V and its gradients, 64×32 by 64: 40 ->
// 150 GFLOP/s) and those up to 256 columns it pads less (the transformer's
// 96-column output layer: 117 -> 160).
var narrow32, narrow64 = pickNarrow()

func pickNarrow() ([]*kernel[float32], []*kernel[float64]) {
	if kernel32 == avx512Kernel32 {
		return []*kernel[float32]{avx2Kernel32, avx512Narrow32}, []*kernel[float64]{avx2Kernel64}
	}
	return nil, nil
}

func pickKernels() (*kernel[float32], *kernel[float64], []*kernel[float32], []*kernel[float64]) {
	k32 := []*kernel[float32]{goKernel32}
	k64 := []*kernel[float64]{goKernel64}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		k32 = append(k32, avx2Kernel32)
		k64 = append(k64, avx2Kernel64)
	}
	if cpu.X86.HasAVX512F {
		k32 = append(k32, avx512Narrow32, avx512Kernel32)
		k64 = append(k64, avx512Kernel64)
	}
	return k32[len(k32)-1], k64[len(k64)-1], k32, k64
}
