//go:build !amd64

package yuma

// useAVX2 and useAVX512 are false off amd64: the reference kernels run.
const useAVX2, useAVX512 = false, false

func clipAVX2(w *uint32, stk, vtk *uint64, n int, cons uint64, acc *[2][4]uint64) {
	panic("unreachable")
}

func emaAVX2(w *uint32, stk *uint64, b *uint16, m *uint64, n int, k *kconsts, acc *[3][4]uint64) {
	panic("unreachable")
}

func normStoreAVX2(m, divk *uint64, b, pm *uint16, n int, k *kconsts, acc *[4]uint64) {
	panic("unreachable")
}

func clipAVX512(w *uint32, stk, vtk *uint64, n int, cons uint64, acc *[2][8]uint64) {
	panic("unreachable")
}

func emaAVX512(w *uint32, stk *uint64, b *uint16, m *uint64, n int, k *kconsts, acc *[2][8]uint64) (zeros int) {
	panic("unreachable")
}

func normStoreAVX512(m, divk *uint64, b, pm *uint16, n int, k *kconsts, acc *[8]uint64) {
	panic("unreachable")
}
