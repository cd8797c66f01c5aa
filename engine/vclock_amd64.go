package engine

// maxInto4 is maxInto over the first len(src)&^3 entries, in assembly
// (vclock_amd64.s); dst must be at least as long as src.
//
//go:noescape
func maxInto4(dst, src []uint32)

// cpuid is the CPUID instruction.
func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// hasSSE41 reports whether the CPU has SSE4.1's PMAXUD (CPUID leaf 1, ECX
// bit 19): nearly every x86-64 since 2008, but not the amd64 baseline Go
// builds for.
var hasSSE41 = func() bool {
	if max, _, _, _ := cpuid(0, 0); max < 1 {
		return false
	}
	_, _, ecx, _ := cpuid(1, 0)
	return ecx&(1<<19) != 0
}()

// maxInto makes dst the pointwise maximum of dst and src (len(dst) >=
// len(src)): with a thousand goroutines the vector-clock joins are nearly
// half of a run, and four lanes an instruction take a fraction of the
// scalar loop's time (BenchmarkThousandWorkers).
func maxInto(dst, src []uint32) {
	if !hasSSE41 {
		maxIntoGo(dst, src)
		return
	}
	n := len(src) &^ 3
	maxInto4(dst[:n], src[:n])
	maxIntoGo(dst[n:len(src)], src[n:])
}
