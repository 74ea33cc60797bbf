//go:build !purego

#include "textflag.h"

// func maskPositiveF32AVX2(dst, g, ref []float32)
// dst[i] = g[i] & (!(0 >= ref[i]) ? ^0 : 0), 32 then 8 values at a time: VCMPPS
// with predicate 0x19 (NGE_UQ) is all ones where ref[i] > 0 or ref[i] is NaN;
// len(dst) is a multiple of 8.
TEXT ·maskPositiveF32AVX2(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ ref_base+48(FP), DX
	VPXOR Y15, Y15, Y15
	SHRQ $3, CX
	JZ done
loop4:
	CMPQ CX, $4
	JB loop1
	VCMPPS $0x19, (DX), Y15, Y0
	VCMPPS $0x19, 32(DX), Y15, Y1
	VCMPPS $0x19, 64(DX), Y15, Y2
	VCMPPS $0x19, 96(DX), Y15, Y3
	VPAND (SI), Y0, Y0
	VPAND 32(SI), Y1, Y1
	VPAND 64(SI), Y2, Y2
	VPAND 96(SI), Y3, Y3
	VMOVDQU Y0, (DI)
	VMOVDQU Y1, 32(DI)
	VMOVDQU Y2, 64(DI)
	VMOVDQU Y3, 96(DI)
	ADDQ $128, DX
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $4, CX
	JMP loop4
loop1:
	TESTQ CX, CX
	JZ done
	VCMPPS $0x19, (DX), Y15, Y0
	VPAND (SI), Y0, Y0
	VMOVDQU Y0, (DI)
	ADDQ $32, DX
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JMP loop1
done:
	VZEROUPPER
	RET
