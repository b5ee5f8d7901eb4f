package yuma

import (
	"math"
	"slices"

	fp "github.com/dtaod/dtaod/fixedpoint"
)

// workspace is the epoch's scratch space, kept in Output so that repeated epochs reuse it.
// Matrices hold only the live rows (UIDs with surviving weights or bonds) and the live columns
// (UIDs those entries point at); rowOf and colOf map a UID to its row or column, or -1. Every
// other entry of the chain's matrices is zero. The raw bonds are loaded row-major (stride rs, as
// columns appear while loading); the weights are normalised row by row as they are loaded into
// a column-major matrix wT (stride cs, a bound on the live rows fixed before loading), which then
// holds the bonds delta and the EMA (dT), so that the per-column steps (median, clipping, column
// normalisations, max-upscaling) run over contiguous memory with their column sums in
// registers.
type workspace struct {
	stake64                []fp.I64F64
	topKeys                []uint64
	sortIdx, live, rowOf   []int32
	cols, colOf, sorted    []int32       // sorted: the live columns in UID order
	liveStake              []fp.I32F32   // per live row
	b                      []uint32      // raw bonds (whole numbers), row-major, stride rs
	tmpRow                 []fp.I32F32   // raw weights of one row, by column
	wT, dT                 []fp.I32F32   // weights, then bonds delta and EMA (column-major, stride cs)
	vtk, divk              []fp.I32F32   // validator trust and dividends per live row
	pre, cons, rank, inc   []fp.I32F32   // per live column
	bsum, dsum             []fp.I32F32   // per live column
	preranks, ranks, trust []fp.I32F32   // per UID
	vtrust                 []fp.I32F32   // per UID
	permRows, rowX, jOf    []int32       // live rows storing bonds, entries per bond row, row to bond row
	flat                   []WeightEntry // the bond rows being written, stride C
	rs, cs                 int           // row stride of b, column stride of wT and dT
	med                    medianScratch

	topOrder []uint16 // the stakes' order at the last epoch (isTopKWarm)
	steady   steady   // the cache of the steady path (steady.go)
	noSteady bool     // tests: always take the general path
	steadyN  int      // tests: epochs the steady path ran
}

func (ws *workspace) resize(n int) {
	ws.stake64 = grow(ws.stake64, n)
	ws.sortIdx = grow(ws.sortIdx, n)
	ws.rowOf = grow(ws.rowOf, n)
	ws.colOf = grow(ws.colOf, n)
	ws.preranks = grow(ws.preranks, n)
	ws.ranks = grow(ws.ranks, n)
	ws.trust = grow(ws.trust, n)
	ws.vtrust = grow(ws.vtrust, n)
	ws.live, ws.cols = ws.live[:0], ws.cols[:0]
}

func (out *Output) resize(n int) {
	for _, p := range []*[]uint16{&out.Rank, &out.Trust, &out.Consensus, &out.Incentive, &out.Dividends, &out.ValidatorTrust, &out.PruningScores} {
		*p = grow(*p, n)
	}
	for _, p := range []*[]fp.I32F32{&out.StakeFixed, &out.ActiveStakeFixed, &out.ConsensusFixed, &out.IncentiveFixed, &out.DividendsFixed, &out.ServerEmissionFixed, &out.ValidatorEmissionFixed, &out.CombinedEmissionFixed} {
		*p = grow(*p, n)
	}
	out.Active = grow(out.Active, n)
	out.ValidatorPermit = grow(out.ValidatorPermit, n)
	out.Bonds = grow(out.Bonds, n)
}

// Epoch runs one Yuma epoch of one subnet as run_epoch.rs `epoch` does at f9254ea63 and writes
// everything the chain stores, plus the normalised emission vectors Split needs, into out. It is
// pure: it reads only in and writes only out. It panics if in fails Validate.
func Epoch(in *Input, out *Output) {
	if err := in.Validate(); err != nil {
		panic(err)
	}
	n := in.N()
	out.resize(n)
	ws := &out.ws
	ws.resize(n)

	// == Active & updated: inactive when last_update + activity_cutoff < current block.
	for i, u := range in.LastUpdate {
		end := u + in.ActivityCutoff
		if end < u {
			end = math.MaxUint64 // saturating_add
		}
		out.Active[i] = !(end < in.Block)
	}

	// == Stake: I64F64 normalisation, then truncated to I32F32 (vec_fixed64_to_fixed32).
	stake := out.StakeFixed
	normalizeStake(in.StakeWeight, stake, ws.stake64)

	// == Validator permits: new permits are the top-k stakes; this epoch uses the stored ones.
	ws.topKeys = grow(ws.topKeys, n)
	isTopKWarm(stake, int(in.MaxAllowedValidators), out.ValidatorPermit, ws.sortIdx, ws.topKeys, &ws.topOrder)

	// == Active stake: stake of active, permitted validators (masks inactive and forbidden),
	// renormalised.
	active := out.ActiveStakeFixed
	for i, s := range stake {
		if !out.Active[i] || !in.ValidatorPermit[i] {
			s = 0
		}
		active[i] = s
	}
	InplaceNormalize(active)

	// Epochs whose weights, masks and permits are those of the previous epoch reuse its
	// normalised weights, sorted columns and bonds (steady.go).
	if !ws.noSteady && out.steadyEpoch(in, n) {
		return
	}

	// == Weights: mask_rows_sparse (permits), mask_diag_sparse, vec_mask_sparse_matrix
	// (outdated) while loading; then inplace_row_normalize_sparse.
	ws.load(in, n, active)
	C := len(ws.cols)
	ws.liveStake = grow(ws.liveStake, len(ws.live))
	for k, i := range ws.live {
		ws.liveStake[k] = active[i]
	}
	R := len(ws.live)

	// == Consensus: weighted_median_col_sparse.
	kappa := fp.I32F32FromU16(in.Kappa).SafeDiv(fp.U16Max)
	ws.cons = grow(ws.cons, C)
	weightedMedianCol(active, ws.rowOf, ws.wT, 1, ws.cs, C, kappa, ws.cons, &ws.med)

	// == Clipping, validator trust, ranks and bonds delta in one pass over the weights.
	penalty := fp.I32F32FromU16(in.BondsPenalty).SafeDiv(fp.U16Max)
	ws.clipRanksDelta(R, C, penalty)

	// == Ranks, server trust (vecdiv), incentive (normalised ranks), scattered to UIDs.
	consensus, ranks := out.ConsensusFixed, ws.ranks
	clear(consensus)
	clear(ranks)
	clear(ws.preranks)
	for c, j := range ws.cols {
		consensus[j], ranks[j], ws.preranks[j] = ws.cons[c], ws.rank[c], ws.pre[c]
	}
	VecDiv(ranks, ws.preranks, ws.trust)
	InplaceNormalize(ranks)
	incentive := out.IncentiveFixed
	copy(incentive, ranks)

	// == Bonds: column-normalised bonds and delta, EMA, normalised again; dividends; the bond
	// rows of validators with a new permit.
	ws.inc = grow(ws.inc, C)
	for c, j := range ws.cols {
		ws.inc[c] = incentive[j]
	}
	out.emaDividendsBonds(n, R, emaAlpha(in.BondsMovingAverage))
	dividends := out.DividendsFixed
	clear(dividends)
	for k, i := range ws.live {
		dividends[i] = ws.divk[k]
	}
	InplaceNormalize(dividends)
	out.finish(in, n)
}

// finish is the end of the epoch once ranks, trust and validator trust (in the workspace) and
// consensus, incentive and dividends (in out) are known: the emission vectors, the stored u16
// vectors, pruning scores and the bond rows not written yet.
func (out *Output) finish(in *Input, n int) {
	ws := &out.ws
	out.emissionScores(n)
	ranks, vtrust := ws.ranks, ws.vtrust
	for i := 0; i < n; i++ {
		out.Rank[i] = prop16(ranks[i])
		out.Trust[i] = prop16(ws.trust[i])
		out.Consensus[i] = prop16(out.ConsensusFixed[i])
		out.Incentive[i] = prop16(out.IncentiveFixed[i])
		out.Dividends[i] = prop16(out.DividendsFixed[i])
		out.ValidatorTrust[i] = prop16(vtrust[i])
	}
	VecMaxUpscaleToU16(out.CombinedEmissionFixed, out.PruningScores)
	out.storeBonds(in, n)
}

// presentZero marks, in the normalised EMA bonds, an entry the chain's sparse EMA kept (its value
// was positive) but that normalised to zero: the chain still stores it, as (uid, 0).
const presentZero fp.I32F32 = -1

// emaAlpha is compute_ema_bonds_normal_sparse's alpha: 1 - I32F32(I64F64(bma) / I64F64(1e6)).
func emaAlpha(bma uint64) fp.I32F32 {
	m := fp.I64F64SaturatingFromU64(bma).SafeDiv(fp.I64F64SaturatingFromU64(1_000_000))
	return fp.I32F32One.SaturatingSub(m.SaturatingToI32F32())
}

// extendZero appends n zeros to s, growing its capacity geometrically so that repeated epochs
// stop allocating.
func extendZero[T any](s []T, n int) []T {
	l := len(s)
	if cap(s) < l+n {
		t := make([]T, l, 2*(l+n))
		copy(t, s)
		s = t
	}
	s = s[:l+n]
	clear(s[l:])
	return s
}

// growClear is grow followed by clear.
func growClear[T any](s []T, n int) []T {
	s = grow(s, n)
	clear(s)
	return s
}

// load fills the weights (I32F32 of the stored u16, only from permitted validators, without the
// diagonal and outdated entries), row-normalised as each row is complete (normalizeRow, which
// also takes the preranks), and the raw bonds (without outdated entries) in one pass, assigning
// live rows in UID order and live columns in order of first appearance, and sums the bond columns
// for their normalisation. Zero entries are skipped: the chain keeps them, but they add nothing to
// any sum or product. UIDs of n and above are ignored, as get_weights_sparse filters them. The
// bonds are row-major with stride rs >= n and wT gets a zeroed block per new column, so a column
// can appear after earlier rows were filled.
func (ws *workspace) load(in *Input, n int, active []fp.I32F32) {
	for i := range ws.rowOf {
		ws.rowOf[i], ws.colOf[i] = -1, -1
	}
	rmax := 0 // at least the live rows
	for i := 0; i < n; i++ {
		if (in.ValidatorPermit[i] && len(in.Weights[i]) > 0) || len(in.Bonds[i]) > 0 {
			rmax++
		}
	}
	ws.cs = padStride(rmax)
	ws.wT, ws.pre = ws.wT[:0], ws.pre[:0]
	ws.tmpRow = growClear(ws.tmpRow, n) // zero between rows
	ws.b = ws.b[:0]
	ws.rs = padStride(n)
	ws.bsum = growClear(ws.bsum, n)
	bar, colOf, bsum := in.BlockAtRegistration[:n], ws.colOf[:n], ws.bsum[:n]
	for i := 0; i < n; i++ {
		lu := in.LastUpdate[i] // outdated: lu <= bar[j]
		k := -1
		if in.ValidatorPermit[i] {
			wrow, ents := ws.tmpRow[:n], in.Weights[i]
			var sum fp.I32F32 // n <= 32768 entries of u16: no overflow
			for x := 0; x < len(ents); {
				y, s := scanWeights(ents[x:], i, lu, bar, colOf, wrow)
				x, sum = x+y, sum+s
				if x < len(ents) { // a valid entry in a new column
					v := fp.I32F32FromU16(ents[x].Value)
					wrow[ws.addCol(int(ents[x].UID))] += v
					sum += v
					x++
				}
			}
			if sum > 0 { // some entry survived
				k = ws.addRow(i)
				ws.normalizeRow(k, sum, active[i])
			}
		}
		if k >= 0 { // the usual case: a validator with weights, so its bond row exists
			brow, ents := ws.b[k*ws.rs:k*ws.rs+n], in.Bonds[i]
			for x := 0; x < len(ents); {
				x += scanBonds(ents[x:], lu, bar, colOf, brow, bsum)
				if x < len(ents) { // a valid entry in a new column
					c := ws.addCol(int(ents[x].UID))
					brow[c] += uint32(ents[x].Value)
					bsum[c] += fp.I32F32FromU16(ents[x].Value)
					x++
				}
			}
			continue
		}
		var brow []uint32
		for _, be := range in.Bonds[i] {
			j := int(be.UID)
			if be.Value == 0 || j >= n || lu <= bar[j] {
				continue
			}
			if brow == nil {
				if k < 0 {
					k = ws.addRow(i)
				}
				brow = ws.b[k*ws.rs : k*ws.rs+n]
			}
			c := colOf[j]
			if c < 0 {
				c = ws.addCol(j)
			}
			brow[c] += uint32(be.Value) // at most 32768 u16 values: below 2^31
			bsum[c] += fp.I32F32FromU16(be.Value)
		}
	}
	ws.sorted = grow(ws.sorted, len(ws.cols))
	for c := range ws.sorted {
		ws.sorted[c] = int32(c)
	}
	slices.SortFunc(ws.sorted, func(a, b int32) int { return int(ws.cols[a] - ws.cols[b]) })
}

// scanWeights adds the surviving weights of row i's entries (not zero, to a UID below n =
// len(bar), not to itself, not outdated) to row by column until an entry needs a new column. It
// returns that entry's index (len(entries) when there is none) and the sum it added. It calls
// nothing, so its loop keeps its values in registers.
func scanWeights(entries []WeightEntry, i int, lu uint64, bar []uint64, colOf []int32, row []fp.I32F32) (int, fp.I32F32) {
	var sum fp.I32F32
	for x, we := range entries {
		j := int(we.UID)
		if we.Value == 0 || j >= len(bar) || j == i || lu <= bar[j] {
			continue
		}
		c := colOf[j]
		if c < 0 {
			return x, sum
		}
		v := fp.I32F32FromU16(we.Value)
		row[c] += v
		sum += v
	}
	return len(entries), sum
}

// scanBonds is scanWeights for a row's bonds (the diagonal is kept): it adds them to brow and
// bsum by column.
func scanBonds(entries []WeightEntry, lu uint64, bar []uint64, colOf []int32, brow []uint32, bsum []fp.I32F32) int {
	for x, be := range entries {
		j := int(be.UID)
		if be.Value == 0 || j >= len(bar) || lu <= bar[j] {
			continue
		}
		c := colOf[j]
		if c < 0 {
			return x
		}
		brow[c] += uint32(be.Value) // at most 32768 u16 values: below 2^31
		bsum[c] += fp.I32F32FromU16(be.Value)
	}
	return len(entries)
}

// addRow makes UID i a live row with zeroed bonds and returns its index.
func (ws *workspace) addRow(i int) int {
	k := len(ws.live)
	ws.rowOf[i] = int32(k)
	ws.live = append(ws.live, int32(i))
	ws.b = extendZero(ws.b, ws.rs)
	return k
}

// addCol makes UID j a live column, with zero weights and preranks, and returns its index.
func (ws *workspace) addCol(j int) int32 {
	c := int32(len(ws.cols))
	ws.colOf[j] = c
	ws.cols = append(ws.cols, int32(j))
	ws.wT = extendZero(ws.wT, ws.cs)
	ws.pre = append(ws.pre, 0)
	return c
}

// normalizeRow is inplace_row_normalize_sparse of live row k, whose raw weights (summing to sum
// > 0) are in tmpRow by column, followed by its part of matmul_sparse of the weights and the
// active stake s (the preranks). It writes the normalised weights of the columns so far as row k
// of the column-major wT (later columns start zero) and zeroes tmpRow again.
func (ws *workspace) normalizeRow(k int, sum, s fp.I32F32) {
	C, S := len(ws.cols), ws.cs
	row, wT, pre := ws.tmpRow[:C], ws.wT[k:], ws.pre[:C]
	// Raw weights are whole numbers u<<32, so v / sum = floor(u * 2^32 / U) with U = sum>>32
	// (at most 32768 u16 weights: below 2^31, no wrap).
	rc := newRecip(uint64(sum) >> 32)
	if s < fp.I32F32One { // s and the shares below 1: plain 64-bit products
		normRowLt1(row, wT, pre, S, rc, uint64(s))
		return
	}
	for c, v := range row {
		if v != 0 {
			row[c] = 0
			v = intShare(rc, v)
			pre[c] += mulU(s, v) // shares in [0, 1]: mulU applies, column sums stay below 2^15
		}
		wT[c*S] = v
	}
}

// normRowLt1 is normalizeRow for a stake 0 <= s < 1.0: it writes the shares of the raw row to
// wT[c*S], adds s times each to pre and zeroes the row.
func normRowLt1(row, wT, pre []fp.I32F32, S int, rc recip, s uint64) {
	pre = pre[:len(row)]
	for c, v := range row {
		if v != 0 {
			row[c] = 0
			v = intShare(rc, v)
			pre[c] += fp.I32F32(mulLt1(s, uint64(v)))
		}
		wT[c*S] = v
	}
}

// padStride rounds a matrix stride up to a whole number of 64-byte lines, and to an odd number
// of them, so that walking across the other dimension (rows of b, columns of wT and dT)
// spreads over all the L1 cache sets instead of a few (a stride of 2^k lines maps to 64/2^k sets).
func padStride(x int) int {
	x = (x + 7) &^ 7
	if x&8 == 0 {
		x += 8
	}
	return x
}

// clipColLt1 is one column of clipRanksDelta for a bonds penalty of 0 (the delta is W∘S) or 1
// (the delta is the clipped W∘S) when every stake is below 1.0, where each product is a plain
// 64-bit one: zero weights and stakes give zero products without a branch. It overwrites col
// with the delta and returns the column's rank and delta sum.
func clipColLt1(col, stake, vtk []fp.I32F32, cons fp.I32F32, clipDelta bool) (rank, dsum fp.I32F32) {
	stake, vtk = stake[:len(col)], vtk[:len(col)]
	for k, v := range col {
		clipped := min(v, cons)
		vtk[k] += clipped
		s := uint64(stake[k])
		d, r := fp.I32F32(mulLt1(s, uint64(v))), fp.I32F32(mulLt1(s, uint64(clipped)))
		rank += r
		if clipDelta {
			d = r
		}
		col[k] = d
		dsum += d
	}
	return rank, dsum
}

// clipRanksDelta does, per weight: col_clip_sparse at the consensus, row_sum_sparse of the clipped
// weights (validator trust), matmul_sparse of the clipped weights and the active stake (ranks),
// interpolate_sparse by the bonds penalty (weights for bonds) and row_hadamard_sparse with the
// active stake (bonds delta, into dT), summing the delta columns for inplace_col_normalize_sparse.
func (ws *workspace) clipRanksDelta(R, C int, penalty fp.I32F32) {
	ws.rank, ws.dsum = grow(ws.rank, C), grow(ws.dsum, C)
	S := ws.cs
	ws.dT = ws.wT // the delta overwrites the weights, which nothing reads after this pass
	ws.vtk = growClear(ws.vtk, R)
	vtk := ws.vtk
	stake := ws.liveStake[:R]
	lt1 := penalty == 0 || penalty == fp.I32F32One
	for _, s := range stake {
		lt1 = lt1 && s < fp.I32F32One
	}
	for c := 0; c < C; c++ {
		col, dcol := ws.wT[c*S:c*S+R], ws.dT[c*S:c*S+R]
		cons := ws.cons[c]
		if lt1 {
			ws.rank[c], ws.dsum[c] = clipColLt1(col, stake, vtk, cons, penalty != 0)
			continue
		}
		var rank, dsum fp.I32F32
		for k, v := range col {
			if v == 0 {
				dcol[k] = 0
				continue
			}
			clipped := min(v, cons)
			vtk[k] += clipped
			s := stake[k]
			if s == 0 {
				dcol[k] = 0
				continue
			}
			// s and the weights are shares in [0, 1]: mulU applies, column sums stay below 2^15.
			rank += mulU(s, clipped)
			var d fp.I32F32
			switch penalty {
			case 0:
				d = mulU(v, s)
			case fp.I32F32One:
				d = mulU(clipped, s)
			default:
				d = Interpolate(v, clipped, penalty).SaturatingMul(s)
			}
			dcol[k] = d
			dsum += d
		}
		ws.rank[c], ws.dsum[c] = rank, dsum
	}
	clear(ws.vtrust)
	for k, i := range ws.live {
		ws.vtrust[i] = vtk[k]
	}
}
