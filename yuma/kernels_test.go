package yuma

import (
	"math/bits"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// The AVX2 and AVX-512 kernels give the reference kernels' results, bit for bit, over inputs as the steady
// path makes them (stakes below 1.0, 32-bit weights, u16 bonds, column sums of the values
// divided) including the edges: zero rows and sums, a delta or bond alone in its column (a share
// of exactly 1.0), weights at the clipping threshold, the largest values.
func TestKernelsMatchReference(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 kernels on this machine")
	}
	rapid.Check(t, func(t *rapid.T) {
		n := 4 * rapid.IntRange(1, 20).Draw(t, "groups")
		small := rapid.Bool().Draw(t, "small") // few distinct values, many zeros
		u32 := func(label string) uint32 {
			if small {
				return rapid.SampledFrom([]uint32{0, 0, 1, 2, 1 << 31, 1<<32 - 1}).Draw(t, label)
			}
			return rapid.Uint32().Draw(t, label)
		}
		w := make([]uint32, n)
		stk := make([]uint64, n)
		b := make([]uint16, n)
		for k := range w {
			w[k] = u32("w")
			stk[k] = uint64(u32("s"))
			b[k] = uint16(rapid.OneOf(rapid.Just(uint16(0)), rapid.Uint16(), rapid.Just(uint16(65535))).Draw(t, "b"))
		}
		if rapid.IntRange(0, 4).Draw(t, "alone") == 0 { // one row alone in the column
			keep := rapid.IntRange(0, n-1).Draw(t, "keep")
			for k := range w {
				if k != keep {
					w[k], b[k] = 0, 0
				}
			}
		}
		cons := rapid.OneOf(rapid.Just(uint64(1<<32-1)), rapid.Uint64Range(0, 1<<32-1),
			rapid.Custom(func(t *rapid.T) uint64 { return uint64(w[rapid.IntRange(0, n-1).Draw(t, "at")]) })).Draw(t, "cons")

		// clip
		var st steady
		st.noAVX512 = rapid.Bool().Draw(t, "avx2") // the AVX2 kernels where AVX-512 is there too
		st.stk = stk
		st.vtk = make([]uint64, n)
		for k := range st.vtk {
			st.vtk[k] = rapid.Uint64Range(0, 1<<40).Draw(t, "vtk")
		}
		vtkRef := slices.Clone(st.vtk)
		pre, rank := st.clip32(w, cons)
		preRef, rankRef := clipCol(w, stk, vtkRef, cons)
		if pre != preRef || rank != rankRef || !slices.Equal(st.vtk, vtkRef) {
			t.Fatalf("clip: %d %d, reference %d %d", pre, rank, preRef, rankRef)
		}

		// ema, with the column sums the epoch divides by
		var dsum, bsum uint64
		for k := range w {
			dsum += stk[k] * min(uint64(w[k]), cons) >> 32
			bsum += uint64(b[k])
		}
		a := rapid.OneOf(rapid.Just(uint64(429496729)), rapid.Uint64Range(1, 1<<32-1)).Draw(t, "alpha")
		om := 1<<32 - a
		dd, bd := newDivq(dsum), newDivq(bsum)
		m, mRef := make([]uint64, n), make([]uint64, n)
		esum, mmax, zeros := st.ema32(w, b, m, cons, dd, bd, a, om)
		esumRef, mmaxRef, zerosRef := emaColumn(w, stk, b, mRef, cons, dd, bd, a, om)
		if esum != esumRef || mmax != mmaxRef || zeros != zerosRef || !slices.Equal(m, mRef) {
			t.Fatalf("ema: %d %d %d %v, reference %d %d %d %v", esum, mmax, zeros, m, esumRef, mmaxRef, zerosRef, mRef)
		}
		if esum == 0 {
			return
		}

		// normalisation, dividends and the stored bonds
		ed := newDivq(esum)
		vmax := ed.of(mmax)
		inc := rapid.OneOf(rapid.Uint64Range(0, 1<<32-1), rapid.Just(uint64(1<<32))).Draw(t, "inc")
		var pm []uint16
		if rapid.Bool().Draw(t, "masked") {
			pm = make([]uint16, n)
			for k := range pm {
				if rapid.Bool().Draw(t, "permit") {
					pm[k] = 0xffff
				}
			}
		}
		st.divk = make([]uint64, n)
		for k := range st.divk {
			st.divk[k] = rapid.Uint64Range(0, 1<<40).Draw(t, "divk")
		}
		divkRef := slices.Clone(st.divk)
		bRef := slices.Clone(b)
		usum := st.normStore(m, b, pm, ed, newDivq(vmax), vmax, inc, esum, mmax)
		usumRef := normStoreColumn(m, divkRef, bRef, pm, ed, newDivq(vmax), inc)
		if usum != usumRef || !slices.Equal(st.divk, divkRef) || !slices.Equal(b, bRef) {
			t.Fatalf("normStore: %d %v %v, reference %d %v %v", usum, st.divk, b, usumRef, divkRef, bRef)
		}
	})
}

// divq divides exactly for every divisor up to 2^32 and numerator below 2^32 or a share of its
// divisor: the epoch's shares of column sums and u16 bonds over their sums, powers of two and the
// divisors next to them included.
func TestDivqExact(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := rapid.OneOf(rapid.Uint64Range(0, 1<<16), rapid.Uint64Range(1, 1<<32), rapid.Uint64Range(1<<31, 1<<32),
			rapid.Custom(func(t *rapid.T) uint64 {
				p := uint64(1) << rapid.IntRange(0, 32).Draw(t, "p")
				return min(p+uint64(rapid.IntRange(-2, 2).Draw(t, "off")), 1<<32)
			})).Draw(t, "d")
		q := newDivq(d)
		if d != 0 { // m = ceil(2^96 / d) exactly
			hi, r := (1<<32)/d, (1<<32)%d
			lo, r2 := bits.Div64(r, 0, d)
			if r2 != 0 {
				var c uint64
				lo, c = bits.Add64(lo, 1, 0)
				hi += c
			}
			if q.lo != lo || q.hi != hi {
				t.Fatalf("newDivq(%d) = %d:%d, want %d:%d", d, q.hi, q.lo, hi, lo)
			}
		}
		xs := []uint64{0, 1, 1<<32 - 1, d, d - min(d, 1), d + 1, 65535, rapid.Uint64Range(0, 1<<32-1).Draw(t, "x"),
			rapid.Uint64Range(0, d).Draw(t, "share")}
		for _, x := range xs {
			if x > d && x >= 1<<32 {
				continue
			}
			var want uint64
			if d != 0 {
				want, _ = bits.Div64(x>>32, x<<32, d)
			}
			if got := q.of(x); got != want {
				t.Fatalf("floor(%d * 2^32 / %d) = %d, divq gives %d", x, d, want, got)
			}
		}
	})
}
