//go:build amd64

package yuma

// The AVX2 and AVX-512 kernels of kernels_amd64.s, over n rows (a multiple of 4, of 8 for
// AVX-512); see kernels.go for what each computes and for the conditions on its inputs.

//go:noescape
func clipAVX2(w *uint32, stk, vtk *uint64, n int, cons uint64, acc *[2][4]uint64)

//go:noescape
func emaAVX2(w *uint32, stk *uint64, b *uint16, m *uint64, n int, k *kconsts, acc *[3][4]uint64)

//go:noescape
func normStoreAVX2(m, divk *uint64, b, pm *uint16, n int, k *kconsts, acc *[4]uint64)

//go:noescape
func clipAVX512(w *uint32, stk, vtk *uint64, n int, cons uint64, acc *[2][8]uint64)

//go:noescape
func emaAVX512(w *uint32, stk *uint64, b *uint16, m *uint64, n int, k *kconsts, acc *[2][8]uint64) (zeros int)

//go:noescape
func normStoreAVX512(m, divk *uint64, b, pm *uint16, n int, k *kconsts, acc *[8]uint64)

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

func xgetbv() (eax, edx uint32)

// useAVX2 reports whether the CPU and the OS support AVX2 (CPUID leaf 7 EBX bit 5, with AVX and
// OSXSAVE in leaf 1 ECX and the YMM state enabled in XCR0).
var useAVX2 = func() bool {
	if maxID, _, _, _ := cpuid(0, 0); maxID < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	if ecx1&(1<<27) == 0 || ecx1&(1<<28) == 0 { // OSXSAVE, AVX
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 { // XMM and YMM state
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<5) != 0
}()

// useAVX512 reports whether the CPU and the OS support AVX-512 F (CPUID leaf 7 EBX bit 16, with
// the opmask and ZMM state enabled in XCR0) besides AVX2.
var useAVX512 = func() bool {
	if !useAVX2 {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&0xe6 != 0xe6 { // XMM, YMM, opmask, ZMM_Hi256, Hi16_ZMM
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<16) != 0
}()
