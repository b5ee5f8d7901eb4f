package yuma

import (
	"math"
	"slices"

	fp "github.com/dtaod/dtaod/fixedpoint"
)

// workspace is the epoch's scratch space, kept in Output so that repeated epochs reuse it.
// Matrices hold only the live rows (UIDs with surviving weights or bonds) and the live columns
// (UIDs those entries point at), row-major; rowOf and colOf map a UID to its row or column, or -1.
// Every other entry of the chain's matrices is zero.
type workspace struct {
	stake64                []fp.I64F64
	sortIdx, live, rowOf   []int32
	cols, colOf, sorted    []int32     // sorted: the live columns in UID order
	liveStake, rowDivs     []fp.I32F32 // per live row
	wsum                   []fp.I32F32 // raw weight sum per live row
	w, b, e                []fp.I32F32 // weights, bonds, bonds delta then EMA bonds
	pre, cons, rank, inc   []fp.I32F32 // per live column
	bsum, dsum, esum, emax []fp.I32F32 // per live column
	preranks, ranks, trust []fp.I32F32 // per UID
	vtrust                 []fp.I32F32 // per UID
	brc, drc, erc, mrc     []recip     // reciprocals of the column sums and maxima
	sortedUID              []uint16    // UIDs of the sorted live columns
	rowCnt                 []int32     // EMA entries kept per live row
	med                    medianScratch
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
	copy(ws.stake64, in.StakeWeight)
	InplaceNormalize64(ws.stake64)
	stake := out.StakeFixed
	for i, s := range ws.stake64 {
		stake[i] = s.SaturatingToI32F32()
	}

	// == Validator permits: new permits are the top-k stakes; this epoch uses the stored ones.
	IsTopK(stake, int(in.MaxAllowedValidators), out.ValidatorPermit, ws.sortIdx)

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

	// == Weights: mask_rows_sparse (permits), mask_diag_sparse, vec_mask_sparse_matrix
	// (outdated) while loading; then inplace_row_normalize_sparse.
	ws.load(in, n)
	C := len(ws.cols)
	ws.liveStake = grow(ws.liveStake, len(ws.live))
	for k, i := range ws.live {
		ws.liveStake[k] = active[i]
	}
	ws.normalizeWeightsAndPreranks(n, C)

	// == Consensus: weighted_median_col_sparse.
	kappa := fp.I32F32FromU16(in.Kappa).SafeDiv(fp.U16Max)
	ws.cons = grow(ws.cons, C)
	weightedMedianCol(active, ws.rowOf, ws.w, n, 1, C, kappa, ws.cons, &ws.med)

	// == Clipping, validator trust, ranks and bonds delta in one pass over the weights.
	penalty := fp.I32F32FromU16(in.BondsPenalty).SafeDiv(fp.U16Max)
	ws.clipRanksDelta(n, C, penalty)

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

	// == Bonds: column-normalised bonds and delta, EMA, normalised again; dividends.
	ws.emaBonds(n, C, emaAlpha(in.BondsMovingAverage))
	ws.inc = grow(ws.inc, C)
	for c, j := range ws.cols {
		ws.inc[c] = incentive[j]
	}
	ws.normalizeEMAAndDividends(n, C)
	dividends := out.DividendsFixed
	clear(dividends)
	for k, i := range ws.live {
		dividends[i] = ws.rowDivs[k]
	}
	InplaceNormalize(dividends)

	out.emissionScores(n)
	vtrust := ws.vtrust
	for i := 0; i < n; i++ {
		out.Rank[i] = fp.FixedProportionToU16(ranks[i])
		out.Trust[i] = fp.FixedProportionToU16(ws.trust[i])
		out.Consensus[i] = fp.FixedProportionToU16(consensus[i])
		out.Incentive[i] = fp.FixedProportionToU16(incentive[i])
		out.Dividends[i] = fp.FixedProportionToU16(dividends[i])
		out.ValidatorTrust[i] = fp.FixedProportionToU16(vtrust[i])
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
func extendZero(s []fp.I32F32, n int) []fp.I32F32 {
	l := len(s)
	if cap(s) < l+n {
		t := make([]fp.I32F32, l, 2*(l+n))
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

// load fills the raw weights (I32F32 of the stored u16, only from permitted validators, without
// the diagonal and outdated entries) and raw bonds (without outdated entries) in one pass,
// assigning live rows in UID order and live columns in order of first appearance, and sums the
// bond columns for their normalisation. Zero entries are skipped: the chain keeps them, but they
// add nothing to any sum or product. UIDs of n and above are ignored, as get_weights_sparse
// filters them. Matrices have stride n, so a column can appear after earlier rows were filled.
func (ws *workspace) load(in *Input, n int) {
	for i := range ws.rowOf {
		ws.rowOf[i], ws.colOf[i] = -1, -1
	}
	ws.w, ws.b, ws.wsum = ws.w[:0], ws.b[:0], ws.wsum[:0]
	ws.bsum = growClear(ws.bsum, n)
	bar, colOf, bsum := in.BlockAtRegistration[:n], ws.colOf[:n], ws.bsum[:n]
	for i := 0; i < n; i++ {
		lu := in.LastUpdate[i] // outdated: lu <= bar[j]
		k := -1
		if in.ValidatorPermit[i] {
			var wrow []fp.I32F32
			var sum fp.I32F32
			for _, we := range in.Weights[i] {
				j := int(we.UID)
				if we.Value == 0 || j >= n || j == i || lu <= bar[j] {
					continue
				}
				if k < 0 {
					k = ws.addRow(i, n)
					wrow = ws.w[k*n : (k+1)*n]
				}
				c := colOf[j]
				if c < 0 {
					c = ws.addCol(j)
				}
				v := fp.I32F32FromU16(we.Value)
				wrow[c] += v // n <= 32768 entries of u16: no overflow
				sum += v
			}
			if k >= 0 {
				ws.wsum[k] = sum
			}
		}
		var brow []fp.I32F32
		for _, be := range in.Bonds[i] {
			j := int(be.UID)
			if be.Value == 0 || j >= n || lu <= bar[j] {
				continue
			}
			if brow == nil {
				if k < 0 {
					k = ws.addRow(i, n)
				}
				brow = ws.b[k*n : (k+1)*n]
			}
			c := colOf[j]
			if c < 0 {
				c = ws.addCol(j)
			}
			v := fp.I32F32FromU16(be.Value)
			brow[c] += v
			bsum[c] += v
		}
	}
	ws.e = grow(ws.e, len(ws.w))
	ws.sorted = grow(ws.sorted, len(ws.cols))
	for c := range ws.sorted {
		ws.sorted[c] = int32(c)
	}
	slices.SortFunc(ws.sorted, func(a, b int32) int { return int(ws.cols[a] - ws.cols[b]) })
}

// addRow makes UID i a live row with zeroed weights and bonds and returns its index.
func (ws *workspace) addRow(i, n int) int {
	k := len(ws.live)
	ws.rowOf[i] = int32(k)
	ws.live = append(ws.live, int32(i))
	ws.w, ws.b = extendZero(ws.w, n), extendZero(ws.b, n)
	ws.wsum = append(ws.wsum, 0)
	return k
}

// addCol makes UID j a live column and returns its index.
func (ws *workspace) addCol(j int) int32 {
	c := int32(len(ws.cols))
	ws.colOf[j] = c
	ws.cols = append(ws.cols, int32(j))
	return c
}

// normalizeWeightsAndPreranks is inplace_row_normalize_sparse (each row with a positive sum,
// summed while loading, is divided by it) followed by matmul_sparse of the weights and the active
// stake (the preranks).
func (ws *workspace) normalizeWeightsAndPreranks(n, C int) {
	ws.pre = growClear(ws.pre, C)
	for k := range ws.live {
		sum := ws.wsum[k] // at most 32767 u16 weights: below 2^31, no wrap
		if sum <= 0 {
			continue
		}
		row, s := ws.w[k*n:k*n+C], ws.liveStake[k]
		// Raw weights are whole numbers u<<32, so v / sum = floor(u * 2^32 / U) with U = sum>>32.
		rc := newRecip(uint64(sum) >> 32)
		for c, v := range row {
			if v != 0 {
				v = intShare(rc, v)
				row[c] = v
				if s != 0 { // shares in [0, 1]: mulU applies, column sums stay below 2^15
					ws.pre[c] += mulU(s, v)
				}
			}
		}
	}
}

// clipRanksDelta does, per weight: col_clip_sparse at the consensus, row_sum_sparse of the clipped
// weights (validator trust), matmul_sparse of the clipped weights and the active stake (ranks),
// interpolate_sparse by the bonds penalty (weights for bonds) and row_hadamard_sparse with the
// active stake (bonds delta), summing the delta columns for inplace_col_normalize_sparse.
func (ws *workspace) clipRanksDelta(n, C int, penalty fp.I32F32) {
	ws.rank, ws.dsum = growClear(ws.rank, C), growClear(ws.dsum, C)
	clear(ws.vtrust)
	for k, i := range ws.live {
		s := ws.liveStake[k]
		row, erow := ws.w[k*n:k*n+C], ws.e[k*n:k*n+C]
		var vt fp.I32F32
		for c, v := range row {
			if v == 0 {
				erow[c] = 0
				continue
			}
			clipped := v.Min(ws.cons[c])
			vt += clipped
			if s == 0 {
				erow[c] = 0
				continue
			}
			// s and the weights are shares in [0, 1]: mulU applies, column sums stay below 2^15.
			if clipped != 0 {
				ws.rank[c] += mulU(s, clipped)
			}
			var d fp.I32F32
			switch penalty {
			case 0:
				d = mulU(v, s)
			case fp.I32F32One:
				d = mulU(clipped, s)
			default:
				d = Interpolate(v, clipped, penalty).SaturatingMul(s)
			}
			erow[c] = d
			ws.dsum[c] += d
		}
		ws.vtrust[i] = vt
	}
}

// emaBonds column-normalises the bonds and the delta (inplace_col_normalize_sparse) and takes
// mat_ema_sparse: alpha*delta + (1-alpha)*bonds, keeping the positive entries. It sums the EMA
// columns for the next normalisation.
func (ws *workspace) emaBonds(n, C int, alpha fp.I32F32) {
	ws.esum = growClear(ws.esum, C)
	oneMinus := fp.I32F32One.SaturatingSub(alpha)
	fast := unit(alpha) // bonds_moving_average <= 1e6: both factors in [0, 1]
	ws.brc, ws.drc = grow(ws.brc, C), grow(ws.drc, C)
	for c := 0; c < C; c++ {
		ws.brc[c] = newRecip(uint64(ws.bsum[c]) >> 32) // raw bonds are whole numbers too
		ws.drc[c] = newRecip(uint64(ws.dsum[c]))
	}
	ws.rowCnt = grow(ws.rowCnt, len(ws.live))
	for k := range ws.live {
		brow, erow := ws.b[k*n:k*n+C], ws.e[k*n:k*n+C]
		cnt := int32(0)
		for c, d := range erow {
			b := brow[c]
			if b != 0 {
				b = intShare(ws.brc[c], b)
			}
			if d != 0 { // delta entries are shares in [0, 1] of their column sum
				d = ws.drc[c].share(d)
			}
			var m fp.I32F32
			if fast {
				if d != 0 {
					m = mulU(alpha, d)
				}
				if b != 0 {
					m += mulU(oneMinus, b) // two shares of at most 1: no overflow
				}
			} else {
				if d != 0 {
					m = alpha.SaturatingMul(d)
				}
				if b != 0 {
					m = m.SaturatingAdd(oneMinus.SaturatingMul(b))
				}
			}
			erow[c] = m
			if m > 0 {
				if fast { // shares of at most 1.0 over at most 32768 rows
					ws.esum[c] += m
				} else {
					ws.esum[c] = ws.esum[c].SaturatingAdd(m)
				}
				cnt++
			}
		}
		ws.rowCnt[k] = cnt
	}
}

// normalizeEMAAndDividends column-normalises the EMA bonds, records the column maxima for
// inplace_col_max_upscale_sparse, and takes matmul_transpose_sparse of the bonds and the incentive
// (each validator's dividends before normalisation).
func (ws *workspace) normalizeEMAAndDividends(n, C int) {
	ws.emax = growClear(ws.emax, C)
	ws.rowDivs = grow(ws.rowDivs, len(ws.live))
	ws.erc = grow(ws.erc, C)
	for c := 0; c < C; c++ {
		ws.erc[c] = newRecip(uint64(ws.esum[c]))
	}
	for k := range ws.live {
		row := ws.e[k*n : k*n+C]
		var acc fp.I32F32
		for c, v := range row {
			if v <= 0 {
				continue
			}
			if uint64(v) <= 1<<32 { // a share in [0, 1] of its column sum
				v = ws.erc[c].share(v)
			} else { // only with bonds_moving_average above 1e6
				v = v.SafeDiv(ws.esum[c])
			}
			if v == 0 {
				row[c] = presentZero // kept by the sparse EMA, normalised to zero
				continue
			}
			row[c] = v
			ws.emax[c] = ws.emax[c].Max(v)
			if ws.inc[c] != 0 { // shares in [0, 1]: mulU applies, the sum stays below 2^15
				acc += mulU(ws.inc[c], v)
			}
		}
		ws.rowDivs[k] = acc
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

// storeBonds writes the bond rows the chain inserts: a UID holding a new permit gets its EMA row
// max-upscaled per column and converted to u16 (every entry the sparse EMA kept, even one that
// rounds to 0); one that lost its permit gets an empty row; any other row is left as it was.
func (out *Output) storeBonds(in *Input, n int) {
	ws := &out.ws
	C := len(ws.cols)
	ws.mrc, ws.sortedUID = grow(ws.mrc, C), grow(ws.sortedUID, C)
	for p, c := range ws.sorted { // reciprocals of the column maxima, in UID order
		ws.mrc[p] = newRecip(uint64(ws.emax[c]))
		ws.sortedUID[p] = uint16(ws.cols[c])
	}
	for i := 0; i < n; i++ {
		row := out.Bonds[i][:0]
		switch {
		case out.ValidatorPermit[i]:
			if k := int(ws.rowOf[i]); k >= 0 {
				row = grow(row, int(ws.rowCnt[k]))
				e := ws.e[k*n : k*n+C]
				x := 0
				for p, c := range ws.sorted { // UID order, as the chain's EMA rows
					v := e[c]
					switch {
					case v == 0: // not kept by the sparse EMA
						continue
					case v == presentZero:
						v = 0
					case ws.mrc[p].d != 0: // v is a share in [0, 1], at most its column maximum
						v = ws.mrc[p].share(v)
					}
					row[x] = WeightEntry{UID: ws.sortedUID[p], Value: toU16(v)}
					x++
				}
			}
		case in.ValidatorPermit[i]:
		default:
			row = append(row, in.Bonds[i]...)
		}
		out.Bonds[i] = row
	}
}
