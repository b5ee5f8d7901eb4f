package yuma

import (
	fp "github.com/dtaod/dtaod/fixedpoint"
)

// medians sets cons to weightedMedianCol's consensus of every column (medianSetup, then
// median per column).
func (st *steady) medians(active []fp.I32F32, kappa fp.I32F32) {
	st.medianSetup(active, kappa)
	for c := range st.cols {
		st.cons[c] = st.median(c)
	}
}

// medianSetup prepares median: the median's stakes are the positive active stakes renormalised;
// rows outside the matrix score zero in every column, so their stake starts the walk up each
// column's order, and the first row where the running stake passes the minority holds the
// median: the unique score p with S(< p) <= minority < S(<= p) that the chain's search returns
// (see weightedMedianPairs) for 0 <= minority < total. The other cases return the smallest or
// largest score, or 0 with no stake at all.
func (st *steady) medianSetup(active []fp.I32F32, kappa fp.I32F32) {
	R := len(st.rows)
	ms := st.ms[:0]
	for _, s := range active {
		if s > 0 {
			ms = append(ms, s)
		}
	}
	st.ms = ms
	InplaceNormalize(ms)
	total := Sum(ms)
	minority := total.SaturatingSub(kappa)
	mst := &st.mst
	clear(mst[:R])
	st.incl = grow(st.incl, R)
	for k, i := range st.rows {
		st.incl[k] = active[i] > 0
	}
	var extra uint64 // stake outside the matrix: scores 0
	anyExtra := false
	p := 0
	for i, s := range active {
		if s > 0 {
			if k := st.rowOf[i]; k >= 0 {
				mst[k] = uint64(ms[p])
			} else {
				extra += uint64(ms[p])
				anyExtra = true
			}
			p++
		}
	}
	st.medNone, st.medSmallest, st.medAnyExtra = len(ms) == 0, minority < 0, anyExtra
	st.medEdge = len(ms) == 0 || minority < 0 || minority >= total
	st.medExtra, st.medMino = extra, uint64(minority)
}

// median returns the consensus of column c.
func (st *steady) median(c int) uint64 {
	if st.medEdge {
		return st.edgeMedian(c, st.medNone, st.medSmallest, st.medAnyExtra)
	}
	if st.medExtra > st.medMino {
		return 0
	}
	k := walkMedian(st.ord[c*st.rp:c*st.rp+len(st.rows)], &st.mst, st.medExtra, st.medMino)
	return st.wAt(c, int(k))
}

// walkMedian returns the first row of ord where the running stake passes mino.
func walkMedian(ord []uint8, mst *[256]uint64, cum, mino uint64) uint8 {
	for _, k := range ord {
		cum += mst[k]
		if cum > mino {
			return k
		}
	}
	return 0 // not reached: the stakes sum to more than the minority
}

// edgeMedian is the median of column c when there is no stake (0), the minority is negative (the
// smallest score in the median) or at least the total (the largest).
func (st *steady) edgeMedian(c int, none, smallest, anyExtra bool) uint64 {
	if none {
		return 0
	}
	R := len(st.rows)
	if smallest {
		if anyExtra {
			return 0
		}
		m := ^uint64(0)
		for k := 0; k < R; k++ {
			if st.incl[k] {
				m = min(m, st.wAt(c, k))
			}
		}
		return m
	}
	var m uint64
	for k := 0; k < R; k++ {
		if st.incl[k] {
			m = max(m, st.wAt(c, k))
		}
	}
	return m
}

// emaBonds is emaDividendsBonds on the steady layout: per column the bonds delta (the stake
// times the weight, or with a bonds penalty of 1 the clipped weight), its column normalisation,
// the bonds' column normalisation, the EMA, its column normalisation, the dividends and the bond
// entries of the rows with a new permit, max-upscaled to u16. Every quotient is
// floor(x * 2^32 / sum) of a share x of a column sum of at most 1.0 (or of u16 bonds), which divq
// gives exactly (the crate's safe_div, as recip.share in the general path).
//
// The stored values replace b (and its column sums) in place, as the next epoch reads them, and
// Output.Bonds is written from b: the row of a validator with a new permit holds (column, b) for
// every column but those the sparse EMA does not keep (zero), which are listed per row.
