#include "textflag.h"

// func maxInto4(dst, src []uint32)
// dst[i] = max(dst[i], src[i]) for i < len(src) rounded down to a multiple
// of 4, with SSE4.1's PMAXUD: four lanes an instruction, eight a loop.
TEXT ·maxInto4(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	SHRQ $2, CX
	JZ   done
	TESTQ $1, CX
	JZ   pairs
	MOVOU (DI), X0
	MOVOU (SI), X1
	PMAXUD X1, X0
	MOVOU X0, (DI)
	ADDQ $16, DI
	ADDQ $16, SI
	DECQ CX
	JZ   done
pairs:
	MOVOU (DI), X0
	MOVOU 16(DI), X2
	MOVOU (SI), X1
	MOVOU 16(SI), X3
	PMAXUD X1, X0
	PMAXUD X3, X2
	MOVOU X0, (DI)
	MOVOU X2, 16(DI)
	ADDQ $32, DI
	ADDQ $32, SI
	SUBQ $2, CX
	JNZ  pairs
done:
	RET

// func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL sub+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET
