package yuma

import fp "github.com/dtaod/dtaod/fixedpoint"

// The steady path's per-column kernels. The functions here are the reference, written for any
// row count; on amd64 with AVX2 (AVX-512) the same computations run four (eight) rows at a time
// (kernels_amd64.s) when the values fit the vector instructions' 32-bit multiplications, which
// the dispatchers check per column. Either way every value is the same integer: the kernels
// compute exact integer expressions, only with other instructions.

// clipCol is one column of clipColLt1 without the delta: it adds the weights clipped at cons to
// the rows' validator trust and returns the column's preranks (stake times weight) and ranks
// (stake times clipped weight), every stake below 1.0 so that each product is a plain 64-bit one.
func clipCol[E wElem](wcol []E, stk, vtk []uint64, cons uint64) (pre, rank uint64) {
	stk, vtk = stk[:len(wcol)], vtk[:len(wcol)]
	for k, e := range wcol {
		w := uint64(e)
		cl := min(w, cons)
		vtk[k] += cl
		s := stk[k]
		pre += s * w >> 32
		rank += s * cl >> 32
	}
	return pre, rank
}

// emaColumn is mat_ema_sparse of one column with both terms column-normalised, into mcol: alpha
// times the delta's share of its column sum (dd) plus (1-alpha) times the raw bond's share of its
// column sum (bd). The delta is the stake times the weight clipped at cons (^0: not clipped), a
// share below 1.0 as in clipColLt1. It returns the EMA's sum, its maximum and how many entries
// are zero (not kept by the sparse EMA).
func emaColumn[E wElem](wcol []E, stk []uint64, bcol []uint16, mcol []uint64, cons uint64, dd, bd divq, a, om uint64) (esum, mmax uint64, zeros int) {
	stk, mcol = stk[:len(wcol)], mcol[:len(wcol)]
	for k, e := range wcol { // two loops: each keeps its values in registers
		d := stk[k] * min(uint64(e), cons) >> 32
		mcol[k] = a * dd.of(d) >> 32
	}
	bcol = bcol[:len(mcol)]
	for k, m := range mcol {
		m += om * bd.of(uint64(bcol[k])) >> 32
		mcol[k] = m
		esum += m
		mmax = max(mmax, m)
		zeros += b2i(m == 0)
	}
	return esum, mmax, zeros
}

// normStoreColumn column-normalises the EMA (ed divides by its sum), adds inc times each share to
// its row's dividends (mulU: inc and the shares are at most 1.0), max-upscales the shares to u16
// (ud divides by the column maximum) and replaces the column's raw bonds with the values stored,
// none for the rows whose pm is 0 (pm nil: every row stores), returning their sum.
func normStoreColumn(mcol, divk []uint64, bcol, pm []uint16, ed, ud divq, inc uint64) (usum uint64) {
	divk, bcol = divk[:len(mcol)], bcol[:len(mcol)]
	for k, m := range mcol {
		v := ed.of(m)
		if inc < 1<<32 {
			divk[k] += inc * v >> 32
		} else {
			divk[k] += uint64(mulU(fp.I32F32(inc), fp.I32F32(v)))
		}
		u := toU16(fp.I32F32(ud.of(v)))
		if pm != nil {
			u &= pm[k]
		}
		bcol[k] = u
		usum += uint64(u)
	}
	return usum
}

// clip32 is clipCol over 32-bit weights (every weight and cons below 2^32).
func (st *steady) clip32(wcol []uint32, cons uint64) (pre, rank uint64) {
	if useAVX512 && !st.noAsm && !st.noAVX512 && len(wcol)%8 == 0 {
		var acc [2][8]uint64
		clipAVX512(&wcol[0], &st.stk[0], &st.vtk[0], len(wcol), cons, &acc)
		return sum8(&acc[0]), sum8(&acc[1])
	}
	if useAVX2 && !st.noAsm {
		var acc [2][4]uint64
		clipAVX2(&wcol[0], &st.stk[0], &st.vtk[0], len(wcol), cons, &acc)
		return sum4(&acc[0]), sum4(&acc[1])
	}
	return clipCol(wcol, st.stk, st.vtk, cons)
}

// ema32 is emaCol over 32-bit weights. The vector kernel needs every multiplier below 2^32: the
// divisors' hi words are, for column sums of 0 or at least 2, and alpha and 1-alpha are below
// 1.0. (dn and bn may reach 2^32; the kernel multiplies their top bit separately.)
func (st *steady) ema32(wcol []uint32, bcol []uint16, mcol []uint64, cons uint64, dd, bd divq, a, om uint64) (esum, mmax uint64, zeros int) {
	if useAVX2 && !st.noAsm && dd.hi < 1<<32 && bd.hi < 1<<32 {
		k := &st.kc
		k.set(0, min(cons, 1<<32-1)) // every weight is below 2^32: the same minimum
		k.set(1, dd.lo)
		k.set(2, dd.lo>>32)
		k.set(3, dd.hi)
		k.set(4, bd.lo)
		k.set(5, bd.lo>>32)
		k.set(6, bd.hi)
		k.set(7, a)
		k.set(8, om)
		if useAVX512 && !st.noAVX512 && len(wcol)%8 == 0 {
			var acc [2][8]uint64
			zeros = emaAVX512(&wcol[0], &st.stk[0], &bcol[0], &mcol[0], len(wcol), k, &acc)
			return sum8(&acc[0]), max(acc[1][0], acc[1][1], acc[1][2], acc[1][3], acc[1][4], acc[1][5], acc[1][6], acc[1][7]), zeros
		}
		var acc [3][4]uint64
		emaAVX2(&wcol[0], &st.stk[0], &bcol[0], &mcol[0], len(wcol), k, &acc)
		mmax = max(acc[1][0], acc[1][1], acc[1][2], acc[1][3])
		return sum4(&acc[0]), mmax, int(sum4(&acc[2]))
	}
	return emaColumn(wcol, st.stk, bcol, mcol, cons, dd, bd, a, om)
}

// normStore is normStoreColumn of one column whose EMA sums to esum with maximum mmax, normalised
// maximum vmax (ed and ud divide by esum and vmax). The vector kernel needs the EMA values, the shares and the multipliers below
// 2^32: mmax and vmax below 2^32 (no entry alone in its column at 1.0), esum and vmax at least 2
// and inc below 1.0.
func (st *steady) normStore(mcol []uint64, bcol, pm []uint16, ed, ud divq, vmax, inc, esum, mmax uint64) uint64 {
	if useAVX2 && !st.noAsm && mmax < 1<<32 && vmax < 1<<32 && esum >= 2 && vmax >= 2 && inc < 1<<32 {
		k := &st.kc
		k.set(0, ed.lo)
		k.set(1, ed.lo>>32)
		k.set(2, ed.hi)
		k.set(3, ud.lo)
		k.set(4, ud.lo>>32)
		k.set(5, ud.hi)
		k.set(6, inc)
		if pm == nil {
			st.pmAll = grow(st.pmAll, len(mcol))
			if len(st.pmAll) > 0 && st.pmAll[0] == 0 {
				for k := range st.pmAll {
					st.pmAll[k] = 0xffff
				}
			}
			pm = st.pmAll
		}
		if useAVX512 && !st.noAVX512 && len(mcol)%8 == 0 {
			var acc [8]uint64
			normStoreAVX512(&mcol[0], &st.divk[0], &bcol[0], &pm[0], len(mcol), k, &acc)
			return sum8(&acc)
		}
		var acc [4]uint64
		normStoreAVX2(&mcol[0], &st.divk[0], &bcol[0], &pm[0], len(mcol), k, &acc)
		return sum4(&acc)
	}
	return normStoreColumn(mcol, st.divk, bcol, pm, ed, ud, inc)
}

// sum4 and sum8 add the lanes of a vector accumulator.
func sum4(v *[4]uint64) uint64 { return v[0] + v[1] + v[2] + v[3] }

func sum8(v *[8]uint64) uint64 { return v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7] }

// kconsts holds the kernels' per-column constants, each broadcast to four 64-bit lanes.
type kconsts [9][4]uint64

func (k *kconsts) set(i int, v uint64) { k[i] = [4]uint64{v, v, v, v} }
