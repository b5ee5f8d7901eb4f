package yuma

// This file holds the bonds half of the epoch: the EMA, column normalisations, dividends and the
// stored bond rows.

import (
	"slices"

	fp "github.com/dtaod/dtaod/fixedpoint"
)

// emaDividendsBonds does the rest of the bonds per column, in UID order: it column-normalises the
// bonds and the delta (inplace_col_normalize_sparse), takes mat_ema_sparse (alpha*delta +
// (1-alpha)*bonds, keeping the positive entries), column-normalises the EMA, adds each entry's
// part of matmul_transpose_sparse of the bonds and the incentive to its row's dividends, and
// writes the bond rows of live validators with a new permit: every entry the sparse EMA kept
// (even one normalised to zero), max-upscaled per column (inplace_col_max_upscale_sparse) and
// converted to u16.
func (out *Output) emaDividendsBonds(n, R int, alpha fp.I32F32) {
	ws := &out.ws
	C := len(ws.cols)
	oneMinus := fp.I32F32One.SaturatingSub(alpha)
	ws.divk = growClear(ws.divk, R)
	ws.permRows = ws.permRows[:0]
	for k, i := range ws.live {
		if out.ValidatorPermit[i] {
			ws.permRows = append(ws.permRows, int32(k))
		}
	}
	P := len(ws.permRows)
	ws.rowX = growClear(ws.rowX, P)
	ws.flat = grow(ws.flat, P*C)
	ws.jOf = grow(ws.jOf, R)
	for k := range ws.jOf {
		ws.jOf[k] = -1
	}
	for j, k := range ws.permRows {
		ws.jOf[k] = int32(j)
	}
	unitAlpha := unit(alpha)
	// full: every live row stores its bonds and every column so far kept every entry, so entry p
	// of each bond row is sorted column p and rowX is not kept up to date.
	full := P == R
	for p, c := range ws.sorted {
		col := ws.dT[int(c)*ws.cs : int(c)*ws.cs+R]
		brc := newRecip(uint64(ws.bsum[c]) >> 32) // raw bonds are whole numbers too
		drc := newRecip(uint64(ws.dsum[c]))
		var esum, mmax fp.I32F32
		if alpha > 0 && oneMinus > 0 { // bonds_moving_average in (0, 1e6): both factors below 1
			esum, mmax = emaColLt1(col, ws.b[c:], ws.rs, brc, drc, uint64(alpha), uint64(oneMinus))
		} else {
			esum = emaCol(col, ws.b[c:], ws.rs, brc, drc, alpha, oneMinus)
		}
		if esum == 0 { // nothing kept in this column
			if full {
				full = false
				for j := range ws.rowX {
					ws.rowX[j] = int32(p)
				}
			}
			continue
		}
		if unitAlpha && mmax > 0 {
			// Every EMA entry is a share of at most 1 of esum, and share is monotone, so the
			// column maximum of the normalised EMA is the share of the largest entry.
			erc := newRecip(uint64(esum))
			mrc := newRecip(uint64(erc.share(mmax)))
			if full && !slices.Contains(col, 0) {
				normStoreFullCol(col, ws.divk, ws.flat[p:], C, uint16(ws.cols[c]), erc, mrc, ws.inc[c])
				continue
			}
			if full {
				full = false
				for j := range ws.rowX {
					ws.rowX[j] = int32(p)
				}
			}
			normStoreCol(col, ws.divk, ws.jOf, ws.rowX, ws.flat, C, uint16(ws.cols[c]), erc, mrc, ws.inc[c])
			continue
		}
		if full {
			full = false
			for j := range ws.rowX {
				ws.rowX[j] = int32(p)
			}
		}
		emax := normColDividends(col, ws.divk, newRecip(uint64(esum)), esum, ws.inc[c])
		storeCol(col, ws.permRows, ws.rowX, ws.flat, C, uint16(ws.cols[c]), newRecip(uint64(emax)))
	}
	if full {
		for j := range ws.rowX {
			ws.rowX[j] = int32(C)
		}
	}
	for j, k := range ws.permRows {
		i := ws.live[k]
		out.Bonds[i] = append(out.Bonds[i][:0], ws.flat[j*C:j*C+int(ws.rowX[j])]...)
	}
}

// emaColLt1 is the EMA of one column (delta col, bonds b[k*stride]) for 0 < alpha < 1, where
// every product is of a factor below 1 and a share of at most 1 and fits 64 bits. It writes the
// EMA into col and returns its sum (shares of at most 1.0 over at most 32768 rows).
func emaColLt1(col []fp.I32F32, b []uint32, stride int, brc, drc recip, alpha, oneMinus uint64) (esum, mmax fp.I32F32) {
	var sum, mx uint64
	bi := 0
	for k, d := range col {
		var m uint64
		if d != 0 { // delta entries are shares in [0, 1] of their column sum
			m = mulLt1(alpha, uint64(drc.share(d)))
		}
		if bv := b[bi]; bv != 0 {
			m += mulLt1(oneMinus, brc.quo(uint64(bv)<<32)) // intShare of the raw bond
		}
		bi += stride
		col[k] = fp.I32F32(m)
		sum += m
		mx = max(mx, m)
	}
	return fp.I32F32(sum), fp.I32F32(mx)
}

// normStoreFullCol is normStoreCol for a column where every live row stores its bonds and every
// entry is kept: row k's entry goes to flat[k*C].
func normStoreFullCol(col, divk []fp.I32F32, flat []WeightEntry, C int, uid uint16, erc, mrc recip, inc fp.I32F32) {
	divk = divk[:len(col)]
	for k, m := range col {
		var u uint16
		if v := erc.share(m); v != 0 { // else kept, normalised to zero: stored as 0
			if inc < fp.I32F32One { // shares in [0, 1]: the sum stays below 2^15
				divk[k] += fp.I32F32(mulLt1(uint64(inc), uint64(v)))
			} else {
				divk[k] += mulU(inc, v)
			}
			u = toU16(mrc.share(v)) // a share in (0, 1], at most the column maximum
		}
		flat[k*C] = WeightEntry{UID: uid, Value: u}
	}
}

func normStoreCol(col, divk []fp.I32F32, jOf, x []int32, flat []WeightEntry, C int, uid uint16, erc, mrc recip, inc fp.I32F32) {
	divk, jOf = divk[:len(col)], jOf[:len(col)]
	for k, m := range col {
		if m == 0 { // not kept by the sparse EMA
			continue
		}
		var u uint16
		if v := erc.share(m); v != 0 { // else kept, normalised to zero: stored as 0
			if inc < fp.I32F32One { // shares in [0, 1]: the sum stays below 2^15
				divk[k] += fp.I32F32(mulLt1(uint64(inc), uint64(v)))
			} else {
				divk[k] += mulU(inc, v)
			}
			u = toU16(mrc.share(v)) // a share in (0, 1], at most the column maximum
		}
		if j := jOf[k]; j >= 0 {
			flat[int(j)*C+int(x[j])] = WeightEntry{UID: uid, Value: u}
			x[j]++
		}
	}
}

// emaCol is emaColLt1 for any alpha, with the crate's saturating operations; entries that are
// not positive are not kept (zero).
func emaCol(col []fp.I32F32, b []uint32, stride int, brc, drc recip, alpha, oneMinus fp.I32F32) fp.I32F32 {
	fast := unit(alpha) // bonds_moving_average <= 1e6: both factors in [0, 1]
	var esum fp.I32F32
	for k, d := range col {
		bv := fp.I32F32(uint64(b[k*stride]) << 32)
		if bv != 0 {
			bv = intShare(brc, bv)
		}
		if d != 0 {
			d = drc.share(d)
		}
		var m fp.I32F32
		if fast {
			if d != 0 {
				m = mulU(alpha, d)
			}
			if bv != 0 {
				m += mulU(oneMinus, bv) // two shares of at most 1: no overflow
			}
			esum += m
		} else {
			if d != 0 {
				m = alpha.SaturatingMul(d)
			}
			if bv != 0 {
				m = m.SaturatingAdd(oneMinus.SaturatingMul(bv))
			}
			if m <= 0 { // not kept by the sparse EMA
				m = 0
			}
			esum = esum.SaturatingAdd(m)
		}
		col[k] = m
	}
	return esum
}

// normColDividends column-normalises one column of the EMA by its sum, marks kept entries that
// normalise to zero as presentZero, adds inc times each entry to its row's dividends and returns
// the column maximum.
func normColDividends(col, divk []fp.I32F32, erc recip, esum, inc fp.I32F32) fp.I32F32 {
	divk = divk[:len(col)]
	var emax fp.I32F32
	for k, v := range col {
		if v == 0 {
			continue
		}
		if uint64(v) <= 1<<32 { // a share in [0, 1] of its column sum
			v = erc.share(v)
		} else { // only with bonds_moving_average above 1e6
			v = v.SafeDiv(esum)
		}
		if v == 0 {
			col[k] = presentZero // kept by the sparse EMA, normalised to zero
			continue
		}
		col[k] = v
		emax = max(emax, v)
		divk[k] += mulU(inc, v) // shares in [0, 1]: mulU applies, the sum stays below 2^15
	}
	return emax
}

// storeCol appends one column's entries, max-upscaled by the column maximum (mrc) and converted to
// u16, to the bond rows of the live rows perm (row j at flat[j*C:], x[j] entries so far).
func storeCol(col []fp.I32F32, perm, x []int32, flat []WeightEntry, C int, uid uint16, mrc recip) {
	x = x[:len(perm)]
	for j, k := range perm {
		v := col[k]
		if v == 0 { // not kept by the sparse EMA
			continue
		}
		var u uint16
		if v != presentZero { // a share in (0, 1], at most the column maximum
			u = toU16(mrc.share(v))
		}
		flat[j*C+int(x[j])] = WeightEntry{UID: uid, Value: u}
		x[j]++
	}
}

// emissionScores normalises incentive and dividends by their joint sum (servers get incentive,
// validators dividends, so each half sums to 1/2 when both exist) and applies the chain's
// fallback: with a zero sum the validator share is the active stake, or the stake when no
// active stake is left.
func (out *Output) emissionScores(n int) {
	server, validator, combined := out.ServerEmissionFixed, out.ValidatorEmissionFixed, out.CombinedEmissionFixed
	var sum fp.I32F32
	for i := 0; i < n; i++ {
		combined[i] = out.IncentiveFixed[i].SaturatingAdd(out.DividendsFixed[i])
		sum += combined[i]
	}
	copy(server, out.IncentiveFixed)
	copy(validator, out.DividendsFixed)
	InplaceNormalizeUsingSum(server, sum)
	InplaceNormalizeUsingSum(validator, sum)
	InplaceNormalize(combined)
	out.Fallback = sum == 0
	if out.Fallback {
		src := out.ActiveStakeFixed
		if IsZero(src) {
			src = out.StakeFixed
		}
		copy(validator, src)
		copy(combined, src)
	}
}

// storeBonds writes the bond rows emaDividendsBonds did not: a UID holding a new permit without
// a live row gets an empty row, as does one that lost its permit; any other row is left as it was.
func (out *Output) storeBonds(in *Input, n int) {
	for i := 0; i < n; i++ {
		switch {
		case out.ValidatorPermit[i]: // live rows were written by emaDividendsBonds
			if out.ws.rowOf[i] < 0 {
				out.Bonds[i] = out.Bonds[i][:0]
			}
		case in.ValidatorPermit[i]:
			out.Bonds[i] = out.Bonds[i][:0]
		default:
			out.Bonds[i] = append(out.Bonds[i][:0], in.Bonds[i]...)
		}
	}
}
