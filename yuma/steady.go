package yuma

import (
	"bytes"
	"slices"
	"unsafe"

	fp "github.com/dtaod/dtaod/fixedpoint"
)

// The steady path. A simulated subnet usually runs epoch after epoch with the same weights,
// registrations and permits while only stakes and bonds move, and what the epoch derives from
// the former alone is then the same every time: which rows and columns are live, the masked and
// row-normalised weights, and the order of every column's weights, which is all the stake-weighted
// median needs besides the stakes. steadyEpoch keeps those per Output, keyed on an exact copy of
// the inputs they depend on (weights of permitted validators, last updates, registration blocks,
// permits, n; the weights are compared unless Input.WeightsUnchanged promises them), and keeps
// the bonds it wrote as a dense column-major matrix, which is the next epoch's raw bonds matrix
// when the next input's bond rows are the rows it wrote (compared, or promised by
// Input.BondsUnchanged).
//
// It computes every value as the general path does (the same fixed-point operations in the same
// places; see the comments there), over its cached layout, and gives up (the general path runs)
// wherever it would need a case the general path handles and it does not: the first epoch of new
// weights (which only records the key, so that weights that change every epoch cost no sorting),
// more than 256 live rows, a bonds penalty other than 0 or 1, a bonds moving average of 0 or
// 1e6, a live validator with all the active stake, duplicate UIDs, or surviving bonds outside the
// weights' rows and columns (a validator that just lost its permit, a bond to a miner no weight
// points at).
type steady struct {
	// The key: the inputs the structure below depends on.
	keyN         int
	keyed, built bool // a key is recorded; the structure is built for it
	ok           bool // the structure supports the steady path
	keyLU        []uint64
	keyBAR       []uint64
	keyPerm      []bool
	keyOff       []int32 // row i's weights are keyW[keyOff[i]:keyOff[i+1]] (permitted rows only)
	keyW         []WeightEntry

	rows, rowOf []int32 // the live rows (UIDs with surviving weights), UID to row or -1
	cols, colOf []int32 // the live columns in UID order, UID to column or -1
	// Matrices are column-major with the rows padded to rp, a multiple of 8 (zero rows), so that
	// the kernels (kernels.go) take whole groups of 4 or 8 rows.
	rp     int
	w32    []uint32 // normalised weights when none is 1.0
	w64    []uint64 // the same when some weight is 1.0 (a row with one entry)
	wide   bool     // the weights are in w64
	ord    []uint8  // each column's rows by ascending weight (stride rp, R entries)
	b      []uint16 // raw bonds: this epoch's, then the ones it stores
	bsum   []uint32 // column sums of b
	bValid bool     // b and bsum are the bonds the last steady epoch wrote to Output.Bonds

	stk, vtk, divk  []uint64 // per row (rp): active stake, validator trust, dividends
	mst             [256]uint64
	incl            []bool   // per row: positive active stake (in the median)
	cons, pre, rank []uint64 // per column
	m, m2           []uint64 // two columns of the EMA (rp)
	dd, bd          []divq   // per column: division by the delta and the bonds sums
	kc              kconsts  // the kernels' constants
	clip            bool     // this epoch's bonds penalty is 1
	tk              []uint32 // the entries not kept, row<<16 | column, in column order
	tc, toff, fill  []int32  // the same by row: row k's columns are tc[toff[k]:toff[k+1]]
	pm              []uint16 // per row (rp): 0xffff when the row stores its bonds
	ms              []fp.I32F32
	acc             []uint8
	keys            []uint64
	dummy           []WeightEntry
	pmAll           []uint16 // 0xffff per row, for the kernel when every row stores
	// the median's state for this epoch (medianSetup)
	medNone, medSmallest, medAnyExtra, medEdge bool
	medExtra, medMino                          uint64
	noAsm                                      bool // tests: the reference kernels only
	noAVX512                                   bool // tests: AVX2 rather than AVX-512
}

// wElem is how the steady path stores normalised weights: 32 bits suffice unless a weight is
// exactly 1.0 (a row with one surviving entry; any other share u/U of a sum U < 2^31 is at most
// 2^32 - 3), and halve the memory the epoch reads.
type wElem interface{ ~uint32 | ~uint64 }

// sameEntries reports whether two rows hold the same entries, comparing their bytes.
func sameEntries(a, b []WeightEntry) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || &a[0] == &b[0] {
		return true
	}
	return bytes.Equal(entryBytes(a), entryBytes(b))
}

// WeightEntry is two uint16s: 4 bytes without padding (checked at compile time).
var _ = [1]struct{}{}[unsafe.Sizeof(WeightEntry{})-4]

func entryBytes(a []WeightEntry) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(a))), 4*len(a))
}

// entryWords views a row as 32-bit words: UID | Value<<16 each on a little-endian machine.
func entryWords(a []WeightEntry) []uint32 {
	return unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(a))), len(a))
}

// littleEndian reports whether WeightEntry{UID: 1} is the word 1 (and a uint64 holds four u16
// lowest first).
var littleEndian = func() bool {
	e := WeightEntry{UID: 1}
	return *(*uint32)(unsafe.Pointer(&e)) == 1
}()

// sameKey reports whether in has the recorded key.
func (st *steady) sameKey(in *Input) bool {
	n := in.N()
	if !st.keyed || st.keyN != n || !slices.Equal(st.keyLU, in.LastUpdate) ||
		!slices.Equal(st.keyBAR, in.BlockAtRegistration) || !slices.Equal(st.keyPerm, in.ValidatorPermit) {
		return false
	}
	if in.WeightsUnchanged {
		return true
	}
	for i := 0; i < n; i++ {
		if in.ValidatorPermit[i] && !sameEntries(in.Weights[i], st.keyW[st.keyOff[i]:st.keyOff[i+1]]) {
			return false
		}
	}
	return true
}

// setKey records in's key and forgets the structure.
func (st *steady) setKey(in *Input) {
	n := in.N()
	st.keyed, st.built, st.bValid, st.keyN = true, false, false, n
	st.keyLU = append(st.keyLU[:0], in.LastUpdate...)
	st.keyBAR = append(st.keyBAR[:0], in.BlockAtRegistration...)
	st.keyPerm = append(st.keyPerm[:0], in.ValidatorPermit...)
	st.keyOff = grow(st.keyOff, n+1)
	st.keyW = st.keyW[:0]
	for i := 0; i < n; i++ {
		st.keyOff[i] = int32(len(st.keyW))
		if in.ValidatorPermit[i] {
			st.keyW = append(st.keyW, in.Weights[i]...)
		}
	}
	st.keyOff[n] = int32(len(st.keyW))
}

// build derives the structure from in (whose key is recorded): the live rows and columns, the
// normalised weights (inplace_row_normalize_sparse after the permit, diagonal and outdated
// masks, as load does) and each column's order.
func (st *steady) build(in *Input) {
	n := in.N()
	st.built, st.ok, st.bValid = true, false, false
	st.rowOf, st.colOf = grow(st.rowOf, n), grow(st.colOf, n)
	for i := range st.rowOf {
		st.rowOf[i], st.colOf[i] = -1, -1
	}
	st.rows, st.cols = st.rows[:0], st.cols[:0]
	bar := in.BlockAtRegistration
	mark := growClear(st.acc, n)
	st.acc = mark
	for i := 0; i < n; i++ {
		if !in.ValidatorPermit[i] {
			continue
		}
		lu, live := in.LastUpdate[i], false
		for _, e := range in.Weights[i] {
			j := int(e.UID)
			if e.Value == 0 || j >= n || j == i || lu <= bar[j] {
				continue
			}
			if mark[j]&2 != 0 { // a duplicate UID: the general path adds them up first
				for j := range mark {
					mark[j] = 0
				}
				return
			}
			live = true
			mark[j] = 3 // 1: a column; 2: seen in this row
		}
		for _, e := range in.Weights[i] {
			if int(e.UID) < n {
				mark[e.UID] &^= 2
			}
		}
		if live {
			st.rowOf[i] = int32(len(st.rows))
			st.rows = append(st.rows, int32(i))
		}
	}
	for j, m := range mark {
		if m != 0 {
			st.colOf[j] = int32(len(st.cols))
			st.cols = append(st.cols, int32(j))
			mark[j] = 0
		}
	}
	R, C := len(st.rows), len(st.cols)
	if R == 0 || R > len(st.mst) {
		return
	}
	rp := (R + 7) &^ 7
	st.rp = rp
	st.w64 = growClear(st.w64, C*rp)
	for k, i := range st.rows {
		lu := in.LastUpdate[i]
		var sum uint64 // at most 32768 u16 values: below 2^31
		for _, e := range in.Weights[i] {
			if j := int(e.UID); e.Value != 0 && j < n && j != int(i) && lu > bar[j] {
				sum += uint64(e.Value)
			}
		}
		rc := newRecip(sum) // v / sum = floor(u * 2^32 / U), as normalizeRow
		for _, e := range in.Weights[i] {
			if j := int(e.UID); e.Value != 0 && j < n && j != int(i) && lu > bar[j] {
				st.w64[int(st.colOf[j])*rp+k] = rc.quo(uint64(e.Value) << 32)
			}
		}
	}
	st.wide = slices.Contains(st.w64[:C*rp], 1<<32)
	if !st.wide {
		st.w32 = grow(st.w32, C*rp)
		for x, v := range st.w64[:C*rp] {
			st.w32[x] = uint32(v)
		}
	}
	st.sortColumns()
	st.ok = true
}

// wAt returns the weight of row k in column c.
func (st *steady) wAt(c, k int) uint64 {
	if st.wide {
		return st.w64[c*st.rp+k]
	}
	return uint64(st.w32[c*st.rp+k])
}

// sortColumns sets ord: each column's rows by ascending weight (ties in any order).
func (st *steady) sortColumns() {
	R, C := len(st.rows), len(st.cols)
	st.ord = grow(st.ord, C*st.rp)
	keys := grow(st.keys, R)
	st.keys = keys
	for c := 0; c < C; c++ {
		for k := 0; k < R; k++ {
			keys[k] = st.wAt(c, k)<<8 | uint64(k)
		}
		slices.Sort(keys)
		for p, key := range keys {
			st.ord[c*st.rp+p] = uint8(key)
		}
	}
}

// loadBonds reads the raw bonds of in into b (without outdated entries, as load does) and
// reports whether they all fall in the live rows and columns, without duplicates.
func (st *steady) loadBonds(in *Input) bool {
	n, C, rp := in.N(), len(st.cols), st.rp
	st.b, st.bsum = growClear(st.b, C*rp), growClear(st.bsum, C)
	b, bsum, bar := st.b, st.bsum, in.BlockAtRegistration
	for i := 0; i < n; i++ {
		ents := in.Bonds[i]
		if len(ents) == 0 {
			continue
		}
		lu, k := in.LastUpdate[i], int(st.rowOf[i])
		for _, e := range ents {
			j := int(e.UID)
			if e.Value == 0 || j >= n || lu <= bar[j] {
				continue
			}
			c := int(st.colOf[j])
			if k < 0 || c < 0 || b[c*rp+k] != 0 {
				return false
			}
			b[c*rp+k] = e.Value
			bsum[c] += uint32(e.Value) // at most 256 rows of u16
		}
	}
	return true
}

// steadyEpoch runs the rest of the epoch from the active stake on the steady path and reports
// true, or reports false, having changed nothing in out, when the general path must run it.
func (out *Output) steadyEpoch(in *Input, n int) bool {
	ws := &out.ws
	st := &ws.steady
	if !st.sameKey(in) {
		st.setKey(in)
		return false
	}
	alpha := emaAlpha(in.BondsMovingAverage)
	if (in.BondsPenalty != 0 && in.BondsPenalty != 65535) || alpha <= 0 || alpha >= fp.I32F32One {
		st.bValid = false
		return false
	}
	if !st.built {
		st.build(in)
	}
	if !st.ok {
		return false
	}
	C, rp := len(st.cols), st.rp
	active := out.ActiveStakeFixed
	st.stk = growClear(st.stk, rp)
	for k, i := range st.rows {
		s := active[i]
		if s >= fp.I32F32One { // shares below 1.0 keep every product in 64 bits
			st.bValid = false
			return false
		}
		st.stk[k] = uint64(s)
	}
	if !st.bValid || !(in.BondsUnchanged || st.bondsUnchanged(in, n)) {
		if !st.loadBonds(in) {
			st.bValid = false
			return false
		}
	}
	st.bValid = false // until the bonds are written
	ws.steadyN++

	// == Consensus (weighted_median_col_sparse) per column by walking its order, then clipping,
	// validator trust, ranks and preranks (clipColLt1).
	st.cons, st.pre, st.rank = grow(st.cons, C), grow(st.pre, C), grow(st.rank, C)
	st.medianSetup(active, fp.I32F32FromU16(in.Kappa).SafeDiv(fp.U16Max))
	st.vtk = growClear(st.vtk, rp)
	st.clip = in.BondsPenalty != 0
	for c := 0; c < C; c++ {
		st.cons[c] = st.median(c)
		if st.wide {
			st.pre[c], st.rank[c] = clipCol(st.w64[c*rp:c*rp+rp], st.stk, st.vtk, st.cons[c])
		} else {
			st.pre[c], st.rank[c] = st.clip32(st.w32[c*rp:c*rp+rp], st.cons[c])
		}
	}

	// == Ranks, server trust, incentive, as the general path.
	consensus, ranks := out.ConsensusFixed, ws.ranks
	clear(consensus)
	clear(ranks)
	clear(ws.preranks)
	for c, j := range st.cols {
		consensus[j], ranks[j], ws.preranks[j] = fp.I32F32(st.cons[c]), fp.I32F32(st.rank[c]), fp.I32F32(st.pre[c])
	}
	VecDiv(ranks, ws.preranks, ws.trust)
	InplaceNormalize(ranks)
	incentive := out.IncentiveFixed
	copy(incentive, ranks)

	// == Bonds and dividends (emaDividendsBonds), one column at a time in UID order.
	st.emaBonds(out, alpha)
	dividends := out.DividendsFixed
	clear(dividends)
	clear(ws.vtrust)
	for k, i := range st.rows {
		dividends[i] = fp.I32F32(st.divk[k])
		ws.vtrust[i] = fp.I32F32(st.vtk[k])
	}
	InplaceNormalize(dividends)
	copy(ws.rowOf, st.rowOf)
	out.finish(in, n)
	st.bValid = true
	return true
}
