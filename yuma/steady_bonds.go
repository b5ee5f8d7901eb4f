package yuma

import (
	"unsafe"

	fp "github.com/dtaod/dtaod/fixedpoint"
)

// bondsUnchanged reports whether in's bonds are those the last steady epoch left in b: the rows
// it stored hold exactly its entries, and every other row has no surviving entry (which the
// epoch before checked of the rows it kept). It reads only in and its own state, so a caller that
// edits Output.Bonds in place cannot make it wrong.
func (st *steady) bondsUnchanged(in *Input, n int) bool {
	R, C, rp := len(st.rows), len(st.cols), st.rp
	fast := littleEndian && uintptr(unsafe.Pointer(&st.b[0]))%8 == 0
	st.dummy = grow(st.dummy, C)
	for k0 := 0; k0 < R; k0 += 4 {
		// rows k0..k0+3 of b are one word per column (as in writeRows): rows without tombs
		// are compared together, with that word, and the others one by one
		var rows [4][]uint32
		var mask [4]uint32
		any := false
		for j := range rows {
			rows[j] = entryWords(st.dummy[:C])
			k := k0 + j
			if k >= R || st.pm[k] == 0 {
				continue
			}
			row := in.Bonds[st.rows[k]]
			if !fast || st.toff[k+1] > st.toff[k] {
				if !st.rowIs(row, k) {
					return false
				}
				continue
			}
			if len(row) != C {
				return false
			}
			rows[j], mask[j], any = entryWords(row), ^uint32(0), true
		}
		if !any {
			continue
		}
		b4 := unsafe.Slice((*uint64)(unsafe.Pointer(&st.b[k0])), (C-1)*(rp/4)+1)
		if diffGroup(b4, rp/4, st.cols[:C], rows[0][:C], rows[1][:C], rows[2][:C], rows[3][:C], &mask) != 0 {
			return false
		}
	}
	bar := in.BlockAtRegistration
	for i := 0; i < n; i++ {
		ents := in.Bonds[i]
		if len(ents) == 0 {
			continue
		}
		if k := st.rowOf[i]; k >= 0 && k < int32(R) && st.pm[k] != 0 {
			continue
		}
		lu := in.LastUpdate[i]
		for _, e := range ents {
			if j := int(e.UID); e.Value != 0 && j < n && lu > bar[j] {
				return false
			}
		}
	}
	return true
}

func (st *steady) emaBonds(out *Output, alpha fp.I32F32) {
	R, C, rp := len(st.rows), len(st.cols), st.rp
	a, om := uint64(alpha), uint64(fp.I32F32One-alpha)
	st.divk = growClear(st.divk, rp)
	st.pm, st.m = growClear(st.pm, rp), grow(st.m, rp)
	st.tk = st.tk[:0]
	allPerm := true
	for k, i := range st.rows {
		if out.ValidatorPermit[i] {
			st.pm[k] = 0xffff
		}
		allPerm = allPerm && st.pm[k] != 0
	}
	pm := st.pm
	if allPerm {
		pm = nil
	}
	st.m2 = grow(st.m2, rp)
	mbuf := [2][]uint64{st.m[:rp], st.m2[:rp]}
	// the divisions by the delta and bond column sums, all known: independent of each other
	st.dd, st.bd = grow(st.dd, C), grow(st.bd, C)
	for c := 0; c < C; c++ {
		dsum := st.pre[c]
		if st.clip {
			dsum = st.rank[c]
		}
		st.dd[c], st.bd[c] = newDivq(dsum), newDivq(uint64(st.bsum[c]))
	}
	// Software-pipelined: the EMA of column c and the divisions by its sums come before the
	// normalisation and store of column c-1, which does not wait for them, so that the
	// divisions' latency overlaps that work.
	type column struct {
		c, ok      int
		ed, ud     divq
		esum, mmax uint64
		vmax       uint64
	}
	var prev column
	for c := 0; c <= C; c++ {
		var cur column
		if c < C {
			mcol, bcol := mbuf[c&1], st.b[c*rp:c*rp+rp]
			cons := ^uint64(0) // the delta is stake times weight, or with a bonds penalty of 1 times the clipped weight
			if st.clip {
				cons = st.cons[c]
			}
			var esum, mmax uint64
			var zeros int
			if st.wide {
				esum, mmax, zeros = emaColumn(st.w64[c*rp:c*rp+rp], st.stk, bcol, mcol, cons, st.dd[c], st.bd[c], a, om)
			} else {
				esum, mmax, zeros = st.ema32(st.w32[c*rp:c*rp+rp], bcol, mcol, cons, st.dd[c], st.bd[c], a, om)
			}
			if zeros > rp-R { // the padding rows are zero; a live row's zero is not kept
				for k, m := range mcol[:R] {
					if m == 0 {
						st.tk = append(st.tk, uint32(k)<<16|uint32(c))
					}
				}
			}
			if esum == 0 { // nothing kept in this column
				clear(bcol)
				st.bsum[c] = 0
			} else {
				ed := newDivq(esum)
				vmax := ed.of(mmax) // the normalised EMA's maximum (the division is monotone)
				cur = column{c: c, ok: 1, ed: ed, ud: newDivq(vmax), esum: esum, mmax: mmax, vmax: vmax}
			}
		}
		if prev.ok != 0 {
			p := prev.c
			inc := uint64(out.IncentiveFixed[st.cols[p]])
			st.bsum[p] = uint32(st.normStore(mbuf[p&1], st.b[p*rp:p*rp+rp], pm, prev.ed, prev.ud, prev.vmax, inc, prev.esum, prev.mmax))
		}
		prev = cur
	}
	// tombs: row k's columns not kept, ascending, are tc[toff[k]:toff[k+1]]
	st.toff = growClear(st.toff, R+1)
	for _, t := range st.tk {
		st.toff[t>>16+1]++
	}
	for k := 0; k < R; k++ {
		st.toff[k+1] += st.toff[k]
	}
	st.tc = grow(st.tc, len(st.tk))
	fill := append(st.fill[:0], st.toff[:R]...)
	st.fill = fill
	for _, t := range st.tk { // in column order: each row's list comes out ascending
		k := t >> 16
		st.tc[fill[k]] = int32(t & 0xffff)
		fill[k]++
	}
	st.writeRows(out)
}

// writeRows writes the bond rows of the rows with a new permit from b, four rows at a time (one
// read of b per column gives four entries), then takes the entries not kept out.
func (st *steady) writeRows(out *Output) {
	R, C, rp := len(st.rows), len(st.cols), st.rp
	var dst [4][]WeightEntry
	st.dummy = grow(st.dummy, C)
	for k0 := 0; k0 < R; k0 += 4 {
		for j := range dst {
			dst[j] = st.dummy
			if k := k0 + j; k < R && st.pm[k] != 0 {
				i := st.rows[k]
				out.Bonds[i] = grow(out.Bonds[i], C)
				dst[j] = out.Bonds[i]
			}
		}
		if littleEndian && uintptr(unsafe.Pointer(&st.b[0]))%8 == 0 {
			// rows k0..k0+3 of a column are one aligned 8-byte word of b, and an entry is the
			// word UID | Value<<16
			b4 := unsafe.Slice((*uint64)(unsafe.Pointer(&st.b[k0])), (C-1)*(rp/4)+1)
			writeGroup(b4, rp/4, st.cols[:C], entryWords(dst[0][:C]), entryWords(dst[1][:C]), entryWords(dst[2][:C]), entryWords(dst[3][:C]))
			continue
		}
		d0, d1, d2, d3 := dst[0][:C], dst[1][:C], dst[2][:C], dst[3][:C]
		b := st.b[k0:]
		for c, uid := range st.cols {
			p := c * rp
			u := uint16(uid)
			d0[c] = WeightEntry{UID: u, Value: b[p]}
			d1[c] = WeightEntry{UID: u, Value: b[p+1]}
			d2[c] = WeightEntry{UID: u, Value: b[p+2]}
			d3[c] = WeightEntry{UID: u, Value: b[p+3]}
		}
	}
	for k, i := range st.rows {
		tc := st.tc[st.toff[k]:st.toff[k+1]]
		if st.pm[k] == 0 || len(tc) == 0 {
			continue
		}
		row := out.Bonds[i]
		x, from := 0, 0
		for p := 0; p <= len(tc); p++ {
			to := C
			if p < len(tc) {
				to = int(tc[p])
			}
			x += copy(row[x:], row[from:to])
			from = to + 1
		}
		out.Bonds[i] = row[:x]
	}
}

// rowIs reports whether in holds row k's stored entries.
func (st *steady) rowIs(in []WeightEntry, k int) bool {
	C := len(st.cols)
	tc := st.tc[st.toff[k]:st.toff[k+1]]
	if len(in) != C-len(tc) {
		return false
	}
	x, p := 0, 0
	for c, uid := range st.cols {
		if p < len(tc) && int(tc[p]) == c {
			p++
			continue
		}
		if in[x] != (WeightEntry{UID: uint16(uid), Value: st.b[c*st.rp+k]}) {
			return false
		}
		x++
	}
	return true
}

// writeGroup writes the entries of four rows (d0..d3, as words) from their bonds, one word of
// four u16 per column in b4 (stride words apart).
//
//go:noinline
func writeGroup(b4 []uint64, stride int, cols []int32, d0, d1, d2, d3 []uint32) {
	d0, d1, d2, d3 = d0[:len(cols)], d1[:len(cols)], d2[:len(cols)], d3[:len(cols)]
	for c, x := 0, 0; c < len(cols); c, x = c+1, x+stride {
		w, u := b4[x], uint32(cols[c])
		d0[c], d1[c] = u|uint32(w)<<16, u|uint32(w>>16)<<16
		d2[c], d3[c] = u|uint32(w>>32)<<16, u|uint32(w>>48)<<16
	}
}

// diffGroup is nonzero when a row r_j with mask[j] set differs from what writeGroup would write.
//
//go:noinline
func diffGroup(b4 []uint64, stride int, cols []int32, r0, r1, r2, r3 []uint32, mask *[4]uint32) uint32 {
	r0, r1, r2, r3 = r0[:len(cols)], r1[:len(cols)], r2[:len(cols)], r3[:len(cols)]
	m0, m1, m2, m3 := mask[0], mask[1], mask[2], mask[3]
	var diff uint32
	for c, x := 0, 0; c < len(cols); c, x = c+1, x+stride {
		w, u := b4[x], uint32(cols[c])
		diff |= (r0[c]^(u|uint32(w)<<16))&m0 | (r1[c]^(u|uint32(w>>16)<<16))&m1 |
			(r2[c]^(u|uint32(w>>32)<<16))&m2 | (r3[c]^(u|uint32(w>>48)<<16))&m3
	}
	return diff
}
