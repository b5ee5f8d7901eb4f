//go:build amd64

#include "textflag.h"

// AVX2 forms of the steady path's kernels (kernels.go), four rows per iteration in the four
// 64-bit lanes of a YMM register. Every product is VPMULUDQ, the exact 64-bit product of two
// 32-bit values (the low halves of the lanes), so every operand multiplied is below 2^32; the
// Go dispatchers check that of the per-column constants, and the row values are below 2^32 by
// construction (stakes below 1.0, 32-bit weights, deltas below their stake, u16 bonds). A
// division by a column sum, floor(x * 2^32 / d) = x*hi + floor(x*lo / 2^64) (divq), takes
// floor(x*lo / 2^64) = floor((x*lo_h + floor(x*lo_l / 2^32)) / 2^32) for lo = lo_h*2^32 + lo_l,
// which cannot overflow 64 bits for x < 2^32. Per-column constants come broadcast to four
// lanes in a kconsts block; each kernel leaves its per-lane sums in acc for Go to add up.

// func clipAVX2(w *uint32, stk, vtk *uint64, n int, cons uint64, acc *[2][4]uint64)
TEXT ·clipAVX2(SB), NOSPLIT, $0-48
	MOVQ w+0(FP), SI
	MOVQ stk+8(FP), DI
	MOVQ vtk+16(FP), DX
	MOVQ n+24(FP), CX
	VPBROADCASTQ cons+32(FP), Y7
	VPXOR Y5, Y5, Y5 // preranks
	VPXOR Y6, Y6, Y6 // ranks
	XORQ AX, AX
	TESTQ CX, CX
	JLE clipdone

cliploop:
	VPMOVZXDQ (SI)(AX*4), Y0      // w
	VPMINUD Y7, Y0, Y1            // clipped: min(w, cons) (the high halves are zero)
	VPADDQ (DX)(AX*8), Y1, Y2
	VMOVDQU Y2, (DX)(AX*8)        // validator trust += clipped
	VMOVDQU (DI)(AX*8), Y2        // stake
	VPMULUDQ Y2, Y0, Y3
	VPSRLQ $32, Y3, Y3
	VPADDQ Y3, Y5, Y5             // preranks += stake*w >> 32
	VPMULUDQ Y2, Y1, Y3
	VPSRLQ $32, Y3, Y3
	VPADDQ Y3, Y6, Y6             // ranks += stake*clipped >> 32
	ADDQ $4, AX
	CMPQ AX, CX
	JLT cliploop

clipdone:
	MOVQ acc+40(FP), BX
	VMOVDQU Y5, 0(BX)
	VMOVDQU Y6, 32(BX)
	VZEROUPPER
	RET

// func emaAVX2(w *uint32, stk *uint64, b *uint16, m *uint64, n int, k *kconsts, acc *[3][4]uint64)
//
// k: 0 cons, 32 dd.lo, 64 dd.lo>>32, 96 dd.hi, 128 bd.lo, 160 bd.lo>>32, 192 bd.hi, 224 alpha,
// 256 1-alpha. acc: the EMA's sum, maximum and count of zeros per lane.
TEXT ·emaAVX2(SB), NOSPLIT, $0-56
	MOVQ w+0(FP), SI
	MOVQ stk+8(FP), DI
	MOVQ b+16(FP), BX
	MOVQ m+24(FP), R8
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), R9
	VPXOR Y4, Y4, Y4 // sum
	VPXOR Y5, Y5, Y5 // maximum
	VPXOR Y6, Y6, Y6 // zeros
	VPXOR Y7, Y7, Y7 // 0
	XORQ AX, AX
	TESTQ CX, CX
	JLE emadone

emaloop:
	VPMOVZXDQ (SI)(AX*4), Y0      // w
	VPMINUD 0(R9), Y0, Y0         // clipped at cons
	VPMULUDQ (DI)(AX*8), Y0, Y0
	VPSRLQ $32, Y0, Y0            // d = stake*w >> 32 (below 2^32)
	VPMULUDQ 32(R9), Y0, Y1
	VPSRLQ $32, Y1, Y1
	VPMULUDQ 64(R9), Y0, Y2
	VPADDQ Y2, Y1, Y1
	VPSRLQ $32, Y1, Y1            // floor(d*lo / 2^64)
	VPMULUDQ 96(R9), Y0, Y2
	VPADDQ Y2, Y1, Y1             // dn = d's share of the column sum (at most 2^32)
	VPMULUDQ 224(R9), Y1, Y0
	VPSRLQ $32, Y0, Y0
	VPSRLQ $32, Y1, Y1
	VPMULUDQ 224(R9), Y1, Y1
	VPADDQ Y1, Y0, Y0             // alpha*dn >> 32, with dn's bit 32 multiplied apart
	VPMOVZXWQ (BX)(AX*2), Y1      // raw bond
	VPMULUDQ 128(R9), Y1, Y2
	VPSRLQ $32, Y2, Y2
	VPMULUDQ 160(R9), Y1, Y3
	VPADDQ Y3, Y2, Y2
	VPSRLQ $32, Y2, Y2
	VPMULUDQ 192(R9), Y1, Y3
	VPADDQ Y3, Y2, Y2             // bn = the bond's share of the column sum (at most 2^32)
	VPMULUDQ 256(R9), Y2, Y1
	VPSRLQ $32, Y1, Y1
	VPSRLQ $32, Y2, Y2
	VPMULUDQ 256(R9), Y2, Y2
	VPADDQ Y2, Y1, Y1             // (1-alpha)*bn >> 32
	VPADDQ Y1, Y0, Y0             // the EMA
	VMOVDQU Y0, (R8)(AX*8)
	VPADDQ Y0, Y4, Y4
	VPCMPGTQ Y5, Y0, Y1
	VPBLENDVB Y1, Y0, Y5, Y5      // maximum (signed compare: values below 2^33)
	VPCMPEQQ Y7, Y0, Y1
	VPSUBQ Y1, Y6, Y6             // zeros: -(-1) per zero lane
	ADDQ $4, AX
	CMPQ AX, CX
	JLT emaloop

emadone:
	MOVQ acc+48(FP), BX
	VMOVDQU Y4, 0(BX)
	VMOVDQU Y5, 32(BX)
	VMOVDQU Y6, 64(BX)
	VZEROUPPER
	RET

// shufu16 gathers the low u16 of both 64-bit lanes of each 128-bit half into its first dword.
DATA shufu16<>+0(SB)/8, $0x8080808009080100
DATA shufu16<>+8(SB)/8, $0x8080808080808080
DATA shufu16<>+16(SB)/8, $0x8080808009080100
DATA shufu16<>+24(SB)/8, $0x8080808080808080
GLOBL shufu16<>(SB), RODATA|NOPTR, $32

// func normStoreAVX2(m, divk *uint64, b, pm *uint16, n int, k *kconsts, acc *[4]uint64)
//
// k: 0 ed.lo, 32 ed.lo>>32, 64 ed.hi, 96 ud.lo, 128 ud.lo>>32, 160 ud.hi, 192 inc. acc: the
// stored bonds' sum per lane.
TEXT ·normStoreAVX2(SB), NOSPLIT, $0-56
	MOVQ m+0(FP), SI
	MOVQ divk+8(FP), DI
	MOVQ b+16(FP), BX
	MOVQ pm+24(FP), DX
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), R9
	VMOVDQU shufu16<>(SB), Y7
	VPXOR Y4, Y4, Y4 // sum of the stored bonds
	XORQ AX, AX
	TESTQ CX, CX
	JLE nsdone

nsloop:
	VMOVDQU (SI)(AX*8), Y0        // m (below 2^32)
	VPMULUDQ 0(R9), Y0, Y1
	VPSRLQ $32, Y1, Y1
	VPMULUDQ 32(R9), Y0, Y2
	VPADDQ Y2, Y1, Y1
	VPSRLQ $32, Y1, Y1
	VPMULUDQ 64(R9), Y0, Y2
	VPADDQ Y2, Y1, Y1             // v = m's share of the column sum (below 2^32)
	VPMULUDQ 192(R9), Y1, Y2
	VPSRLQ $32, Y2, Y2
	VPADDQ (DI)(AX*8), Y2, Y2
	VMOVDQU Y2, (DI)(AX*8)        // dividends += inc*v >> 32
	VPMULUDQ 96(R9), Y1, Y2
	VPSRLQ $32, Y2, Y2
	VPMULUDQ 128(R9), Y1, Y3
	VPADDQ Y3, Y2, Y2
	VPSRLQ $32, Y2, Y2
	VPMULUDQ 160(R9), Y1, Y3
	VPADDQ Y3, Y2, Y2             // q = v's share of the column maximum (at most 2^32)
	VPSLLQ $16, Y2, Y3
	VPSUBQ Y2, Y3, Y3
	VPSRLQ $32, Y3, Y3            // u = q*65535 >> 32
	VPMOVZXWQ (DX)(AX*2), Y0
	VPAND Y0, Y3, Y3              // none for rows without a new permit
	VPADDQ Y3, Y4, Y4
	VPSHUFB Y7, Y3, Y3
	VEXTRACTI128 $1, Y3, X0
	VPUNPCKLDQ X0, X3, X3
	VMOVQ X3, (BX)(AX*2)          // the four u16
	ADDQ $4, AX
	CMPQ AX, CX
	JLT nsloop

nsdone:
	MOVQ acc+48(FP), BX
	VMOVDQU Y4, 0(BX)
	VZEROUPPER
	RET

// The AVX-512 forms: the same computations eight rows at a time in ZMM registers, with the
// per-column constants broadcast from the first lane of each kconsts entry ({1to8}) and eight
// lanes of sums in acc.

// func clipAVX512(w *uint32, stk, vtk *uint64, n int, cons uint64, acc *[2][8]uint64)
TEXT ·clipAVX512(SB), NOSPLIT, $0-48
	MOVQ w+0(FP), SI
	MOVQ stk+8(FP), DI
	MOVQ vtk+16(FP), DX
	MOVQ n+24(FP), CX
	VPBROADCASTQ cons+32(FP), Z7
	VPXORQ Z5, Z5, Z5 // preranks
	VPXORQ Z6, Z6, Z6 // ranks
	XORQ AX, AX
	TESTQ CX, CX
	JLE clip5done

clip5loop:
	VPMOVZXDQ (SI)(AX*4), Z0      // w
	VPMINUD Z7, Z0, Z1            // clipped
	VPADDQ (DX)(AX*8), Z1, Z2
	VMOVDQU64 Z2, (DX)(AX*8)      // validator trust += clipped
	VMOVDQU64 (DI)(AX*8), Z2      // stake
	VPMULUDQ Z2, Z0, Z3
	VPSRLQ $32, Z3, Z3
	VPADDQ Z3, Z5, Z5
	VPMULUDQ Z2, Z1, Z3
	VPSRLQ $32, Z3, Z3
	VPADDQ Z3, Z6, Z6
	ADDQ $8, AX
	CMPQ AX, CX
	JLT clip5loop

clip5done:
	MOVQ acc+40(FP), BX
	VMOVDQU64 Z5, 0(BX)
	VMOVDQU64 Z6, 64(BX)
	VZEROUPPER
	RET

// func emaAVX512(w *uint32, stk *uint64, b *uint16, m *uint64, n int, k *kconsts, acc *[2][8]uint64) (zeros int)
//
// acc: the EMA's sum and maximum per lane; zeros counts the zero entries.
TEXT ·emaAVX512(SB), NOSPLIT, $0-64
	MOVQ w+0(FP), SI
	MOVQ stk+8(FP), DI
	MOVQ b+16(FP), BX
	MOVQ m+24(FP), R8
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), R9
	VPXORQ Z4, Z4, Z4 // sum
	VPXORQ Z5, Z5, Z5 // maximum
	XORQ R10, R10     // zeros
	XORQ AX, AX
	TESTQ CX, CX
	JLE ema5done

ema5loop:
	VPMOVZXDQ (SI)(AX*4), Z0
	VPMINUD.BCST 0(R9), Z0, Z0     // clipped at cons (a dword broadcast: the high halves stay 0)
	VPMULUDQ (DI)(AX*8), Z0, Z0
	VPSRLQ $32, Z0, Z0             // d
	VPMULUDQ.BCST 32(R9), Z0, Z1
	VPSRLQ $32, Z1, Z1
	VPMULUDQ.BCST 64(R9), Z0, Z2
	VPADDQ Z2, Z1, Z1
	VPSRLQ $32, Z1, Z1
	VPMULUDQ.BCST 96(R9), Z0, Z2
	VPADDQ Z2, Z1, Z1              // dn
	VPMULUDQ.BCST 224(R9), Z1, Z0
	VPSRLQ $32, Z0, Z0
	VPSRLQ $32, Z1, Z1
	VPMULUDQ.BCST 224(R9), Z1, Z1
	VPADDQ Z1, Z0, Z0              // alpha*dn >> 32
	VPMOVZXWQ (BX)(AX*2), Z1       // raw bond
	VPMULUDQ.BCST 128(R9), Z1, Z2
	VPSRLQ $32, Z2, Z2
	VPMULUDQ.BCST 160(R9), Z1, Z3
	VPADDQ Z3, Z2, Z2
	VPSRLQ $32, Z2, Z2
	VPMULUDQ.BCST 192(R9), Z1, Z3
	VPADDQ Z3, Z2, Z2              // bn
	VPMULUDQ.BCST 256(R9), Z2, Z1
	VPSRLQ $32, Z1, Z1
	VPSRLQ $32, Z2, Z2
	VPMULUDQ.BCST 256(R9), Z2, Z2
	VPADDQ Z2, Z1, Z1              // (1-alpha)*bn >> 32
	VPADDQ Z1, Z0, Z0              // the EMA
	VMOVDQU64 Z0, (R8)(AX*8)
	VPADDQ Z0, Z4, Z4
	VPMAXUQ Z0, Z5, Z5
	VPTESTNMQ Z0, Z0, K1           // lanes that are zero
	KMOVW K1, DX
	POPCNTL DX, DX
	ADDQ DX, R10
	ADDQ $8, AX
	CMPQ AX, CX
	JLT ema5loop

ema5done:
	MOVQ acc+48(FP), BX
	VMOVDQU64 Z4, 0(BX)
	VMOVDQU64 Z5, 64(BX)
	MOVQ R10, zeros+56(FP)
	VZEROUPPER
	RET

// func normStoreAVX512(m, divk *uint64, b, pm *uint16, n int, k *kconsts, acc *[8]uint64)
TEXT ·normStoreAVX512(SB), NOSPLIT, $0-56
	MOVQ m+0(FP), SI
	MOVQ divk+8(FP), DI
	MOVQ b+16(FP), BX
	MOVQ pm+24(FP), DX
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), R9
	VPXORQ Z4, Z4, Z4 // sum of the stored bonds
	XORQ AX, AX
	TESTQ CX, CX
	JLE ns5done

ns5loop:
	VMOVDQU64 (SI)(AX*8), Z0       // m
	VPMULUDQ.BCST 0(R9), Z0, Z1
	VPSRLQ $32, Z1, Z1
	VPMULUDQ.BCST 32(R9), Z0, Z2
	VPADDQ Z2, Z1, Z1
	VPSRLQ $32, Z1, Z1
	VPMULUDQ.BCST 64(R9), Z0, Z2
	VPADDQ Z2, Z1, Z1              // v
	VPMULUDQ.BCST 192(R9), Z1, Z2
	VPSRLQ $32, Z2, Z2
	VPADDQ (DI)(AX*8), Z2, Z2
	VMOVDQU64 Z2, (DI)(AX*8)       // dividends += inc*v >> 32
	VPMULUDQ.BCST 96(R9), Z1, Z2
	VPSRLQ $32, Z2, Z2
	VPMULUDQ.BCST 128(R9), Z1, Z3
	VPADDQ Z3, Z2, Z2
	VPSRLQ $32, Z2, Z2
	VPMULUDQ.BCST 160(R9), Z1, Z3
	VPADDQ Z3, Z2, Z2              // q
	VPSLLQ $16, Z2, Z3
	VPSUBQ Z2, Z3, Z3
	VPSRLQ $32, Z3, Z3             // u = q*65535 >> 32
	VPMOVZXWQ (DX)(AX*2), Z0
	VPANDQ Z0, Z3, Z3              // none for rows without a new permit
	VPADDQ Z3, Z4, Z4
	VPMOVQW Z3, (BX)(AX*2)         // the eight u16
	ADDQ $8, AX
	CMPQ AX, CX
	JLT ns5loop

ns5done:
	MOVQ acc+48(FP), BX
	VMOVDQU64 Z4, 0(BX)
	VZEROUPPER
	RET

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET
