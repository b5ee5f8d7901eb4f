package yuma

import fp "github.com/dtaod/dtaod/fixedpoint"

// WeightedMedian is math.rs weighted_median: the stake-weighted median of score over the indices
// in partition, by a binary search on a mid pivot (the chain picks the middle element rather than
// a random one so that it is deterministic). minority = stake sum - majority; [lo, hi] is the
// partition's segment of the stake integral. It returns the pivot whose lower stake is at most
// the minority and whose upper stake leaves more than the minority.
//
// The chain recurses on freshly collected lower and upper index lists; this loop keeps their
// order (which decides the next pivot) in two scratch buffers: partition is clobbered and tmp
// must have the same length.
func WeightedMedian(stake, score []fp.I32F32, partition, tmp []int32, minority, lo, hi fp.I32F32) fp.I32F32 {
	idx, other := partition, tmp[:len(partition)]
	for {
		n := len(idx)
		if n == 0 {
			return 0
		}
		if n == 1 {
			return score[idx[0]]
		}
		pivot := score[idx[n/2]]
		var loStake, hiStake fp.I32F32
		nl, nu := 0, 0
		for _, k := range idx {
			s := score[k]
			if s == pivot {
				continue
			}
			if s < pivot {
				loStake = loStake.SaturatingAdd(stake[k])
				other[nl] = k
				nl++
			} else { // upper indices compacted in place: nu never passes the read position
				hiStake = hiStake.SaturatingAdd(stake[k])
				idx[nu] = k
				nu++
			}
		}
		loEdge, hiEdge := lo.SaturatingAdd(loStake), hi.SaturatingSub(hiStake)
		switch {
		case loEdge <= minority && minority < hiEdge:
			return pivot
		case minority < loEdge && nl > 0:
			hi = loEdge
			idx, other = other[:nl], idx[:cap(idx)]
		case hiEdge <= minority && nu > 0:
			lo = hiEdge
			idx = idx[:nu]
		default:
			return pivot
		}
	}
}

// medianScratch holds the buffers of WeightedMedianCol so the epoch does not allocate.
type medianScratch struct {
	stake, score    []fp.I32F32
	rows            []int32
	idx, tmp        []int32
	pairs, tmpPairs []scoreStake
	keyStake        [keyRows]fp.I32F32
	keys, keysTmp   [keyRows]uint64
	hist            [keyRows]fp.I32F32
	bucket          [keyRows]uint8
}

// WeightedMedianCol is math.rs weighted_median_col_sparse, the consensus: for each of the cols
// columns of score (one row per entry of stake), the kappa-majority stake-weighted median over the
// rows with positive stake. Those stakes are renormalised once, minority = their sum - majority,
// and rows without an entry score zero.
func WeightedMedianCol(stake []fp.I32F32, score []fp.I32F32, cols int, majority fp.I32F32, out []fp.I32F32) {
	rowOf := make([]int32, len(stake))
	for i := range rowOf {
		rowOf[i] = int32(i)
	}
	var sc medianScratch
	weightedMedianCol(stake, rowOf, score, cols, 1, cols, majority, out, &sc)
}

// weightedMedianCol is WeightedMedianCol where row i of the stake vector is row rowOf[i] of the
// matrix, or has no entries when rowOf[i] < 0 (the epoch keeps only rows that can be non-zero).
// Entry (r, c) of the matrix is score[r*rowStride+c*colStride], so that the epoch can pass its
// column-major weights.
func weightedMedianCol(stake []fp.I32F32, rowOf []int32, score []fp.I32F32, rowStride, colStride, cols int, majority fp.I32F32, out []fp.I32F32, sc *medianScratch) {
	sc.stake, sc.rows = sc.stake[:0], sc.rows[:0]
	for i, s := range stake {
		if s > 0 {
			sc.stake = append(sc.stake, s)
			sc.rows = append(sc.rows, rowOf[i])
		}
	}
	InplaceNormalize(sc.stake)
	stakeSum := Sum(sc.stake)
	minority := stakeSum.SaturatingSub(majority)
	k := len(sc.stake)
	fast := k <= 1<<16
	for _, s := range sc.stake {
		fast = fast && s <= fp.I32F32One
	}
	keyed := fast && k <= keyRows
	identity := rowStride == 1 // stake row p is matrix row p, contiguous in each column
	if keyed {
		copy(sc.keyStake[:], sc.stake)
		for p, r := range sc.rows {
			identity = identity && int(r) == p
		}
	}
	sc.pairs, sc.tmpPairs = grow(sc.pairs, k), grow(sc.tmpPairs, k)
	sc.score, sc.idx, sc.tmp = grow(sc.score, k), grow(sc.idx, k), grow(sc.tmp, k)
	for c := 0; c < cols; c++ {
		base := c * colStride
		if keyed && identity {
			mn, mx, bad := gatherKeys(sc.keys[:k], score[base:base+k])
			if bad < 1<<(63-keyBits) { // scores in [0, 2^55): the keys order by score
				out[c] = sc.medianKeys(k, mn>>keyBits, mx>>keyBits, minority, stakeSum)
				continue
			}
		} else if keyed {
			keys := sc.keys[:k]
			var bad uint64
			mn, mx := ^uint64(0), uint64(0)
			for p, r := range sc.rows {
				v := fp.I32F32(0)
				if r >= 0 {
					v = score[int(r)*rowStride+base]
				}
				bad |= uint64(v)
				e := uint64(v)<<keyBits | uint64(p)
				keys[p] = e
				mn, mx = min(mn, e), max(mx, e)
			}
			if bad < 1<<(63-keyBits) { // scores in [0, 2^55): the keys order by score
				out[c] = sc.medianKeys(k, mn>>keyBits, mx>>keyBits, minority, stakeSum)
				continue
			}
		}
		if fast {
			for p, r := range sc.rows {
				v := fp.I32F32(0)
				if r >= 0 {
					v = score[int(r)*rowStride+base]
				}
				sc.pairs[p] = scoreStake{v, sc.stake[p]}
			}
			out[c] = weightedMedianPairs(sc.pairs, sc.tmpPairs, minority, stakeSum)
			continue
		}
		for p, r := range sc.rows {
			sc.score[p] = 0
			if r >= 0 {
				sc.score[p] = score[int(r)*rowStride+base]
			}
			sc.idx[p] = int32(p)
		}
		out[c] = WeightedMedian(sc.stake, sc.score, sc.idx, sc.tmp, minority, 0, stakeSum)
	}
}

// gatherKeys packs the scores col into keys (score<<keyBits | row) and returns the smallest and
// largest key and the OR of the scores.
func gatherKeys(keys []uint64, col []fp.I32F32) (mn, mx, bad uint64) {
	keys = keys[:len(col)]
	mn, mn1 := ^uint64(0), ^uint64(0)
	var mx1, bad1 uint64
	p := 0
	for ; p+1 < len(col); p += 2 { // two chains of min, max and or
		v, v1 := uint64(col[p]), uint64(col[p+1])
		bad, bad1 = bad|v, bad1|v1
		e, e1 := v<<keyBits|uint64(p), v1<<keyBits|uint64(p+1)
		keys[p], keys[p+1] = e, e1
		mn, mx = min(mn, e), max(mx, e)
		mn1, mx1 = min(mn1, e1), max(mx1, e1)
	}
	if p < len(col) {
		v := uint64(col[p])
		bad |= v
		e := v<<keyBits | uint64(p)
		keys[p] = e
		mn, mx = min(mn, e), max(mx, e)
	}
	return min(mn, mn1), max(mx, mx1), bad | bad1
}

// keyRows bounds the rows of weightedMedianKeys, whose keys hold the row in the low keyBits bits.
const (
	keyBits = 8
	keyRows = 1 << keyBits
)

// medianKeys is weightedMedianPairs over the n keys of sc.keys (stakes in sc.keyStake), whose
// scores range over [lo, hi]. It returns the value the chain's search does (see
// weightedMedianPairs): the smallest score for a negative minority, the largest for a minority
// of at least the total, and otherwise the unique score p with S(< p) <= minority < S(<= p). For
// the last it sums the stake in value buckets (the bucket of a score is monotone in it), finds the
// bucket where the stake integral passes the minority, and searches only that bucket's keys,
// whose scores are all those between two values, with the stake below the bucket as its lower
// edge.
func (sc *medianScratch) medianKeys(n int, lo, hi uint64, minority, total fp.I32F32) fp.I32F32 {
	switch {
	case n == 0:
		return 0
	case minority < 0 || lo == hi:
		return fp.I32F32(lo)
	case minority >= total:
		return fp.I32F32(hi)
	}
	nb := 1
	for nb < n {
		nb <<= 1
	}
	// bucket(v) = floor((v-lo) * m / 2^32) < nb; (v-lo)*m <= nb*2^32, no overflow.
	m := (uint64(nb) << 32) / (hi - lo + 1)
	hist := &sc.hist // nb <= keyRows = 256: a bucket fits a byte
	clear(hist[:nb])
	for p, e := range sc.keys[:n] {
		b := uint8(((e >> keyBits) - lo) * m >> 32)
		sc.bucket[uint8(p)] = b
		hist[b] += sc.keyStake[uint8(p)]
	}
	var below fp.I32F32
	b := 0
	for ; b < nb-1; b++ {
		if below+hist[uint8(b)] > minority {
			break
		}
		below += hist[uint8(b)]
	}
	in := 0
	for p, e := range sc.keys[:n] {
		sc.keysTmp[uint8(in)] = e
		in += b2i(sc.bucket[uint8(p)] == uint8(b))
	}
	return weightedMedianKeys(&sc.keysTmp, &sc.keys, in, &sc.keyStake, minority, below, below+hist[uint8(b)])
}

// weightedMedianKeys is weightedMedianPairs over packed keys score<<keyBits | p, where p indexes
// stake and scores are in [0, 2^55): comparing keys compares scores, and the partition moves one
// word per entry. cur holds the n keys and is clobbered, as is other. [lo, hi] is the keys'
// segment of the stake integral, as in WeightedMedian.
func weightedMedianKeys(cur, other *[keyRows]uint64, n int, stake *[keyRows]fp.I32F32, minority, lo, hi fp.I32F32) fp.I32F32 {
	for {
		if n <= 1 {
			if n <= 0 {
				return 0
			}
			return fp.I32F32(cur[0] >> keyBits)
		}
		pk := cur[(n/2)&(keyRows-1)]
		if n >= 3 { // median of the first, middle and last keys
			a, c := cur[0], cur[(n-1)&(keyRows-1)]
			if a > pk {
				a, pk = pk, a
			}
			pk = max(a, min(pk, c))
		}
		pk &^= keyRows - 1
		pkHi := pk | (keyRows - 1)
		var loStake, hiStake fp.I32F32
		nl, nu := 0, 0
		for _, e := range cur[:n] { // upper keys compact in place: nu never passes the read position
			lt, gt := b2i(e < pk), b2i(e > pkHi)
			other[nl&(keyRows-1)] = e
			cur[nu&(keyRows-1)] = e
			nl += lt
			nu += gt
			s := stake[e&(keyRows-1)]
			loStake += s & -fp.I32F32(lt)
			hiStake += s & -fp.I32F32(gt)
		}
		pivot := fp.I32F32(pk >> keyBits)
		loEdge, hiEdge := lo+loStake, hi-hiStake
		switch {
		case loEdge <= minority && minority < hiEdge:
			return pivot
		case minority < loEdge && nl > 0:
			hi = loEdge
			cur, other = other, cur
			n = nl
		case hiEdge <= minority && nu > 0:
			lo = hiEdge
			n = nu
		default:
			return pivot
		}
	}
}

// scoreStake is one row of a column for the median search.
type scoreStake struct{ score, stake fp.I32F32 }

// weightedMedianPairs computes WeightedMedian over (score, stake) pairs with branch-free
// three-way partitioning, plain sums and a median-of-three pivot, for stakes in [0, 1] (at most
// 2^16 of them, so no partial sum comes near 2^63 and the chain's saturating operations are
// plain ones).
//
// Its pivots differ from the chain's, yet the result is the same, because the chain's search
// always returns the one value its stopping rule allows. Every partition it searches holds all
// scores between two of its earlier pivots, so lo + lower stake and hi - upper stake are the
// global stake below and at-or-below the pivot, and the rule returns the value p with
// S(< p) <= minority < S(<= p). The intervals [S(< v), S(<= v)) of the distinct values v tile
// [0, total), so for 0 <= minority < total that value exists and is unique, and the search only
// ever descends to the side that holds it. For minority < 0 it descends to the smallest score and
// for minority >= total to the largest; with no rows it is 0. TestMedianPairsMatchesChain checks
// this against a literal transcription of the chain's recursion. part is clobbered; tmp must be
// as long.
func weightedMedianPairs(part, tmp []scoreStake, minority, hi fp.I32F32) fp.I32F32 {
	cur, other := part, tmp[:len(part)]
	var lo fp.I32F32
	for {
		n := len(cur)
		if n <= 1 {
			if n == 0 {
				return 0
			}
			return cur[0].score
		}
		pivot := cur[n/2].score
		if n >= 3 { // median of the first, middle and last scores
			a, b, c := cur[0].score, pivot, cur[n-1].score
			if a > b {
				a, b = b, a
			}
			if b > c {
				b = c
			}
			pivot = b.Max(a)
		}
		var loStake, hiStake fp.I32F32
		nl, nu := 0, 0
		for _, e := range cur { // upper pairs compact in place: nu never passes the read position
			lt, gt := b2i(e.score < pivot), b2i(e.score > pivot)
			other[nl] = e
			cur[nu] = e
			nl += lt
			nu += gt
			loStake += e.stake & -fp.I32F32(lt)
			hiStake += e.stake & -fp.I32F32(gt)
		}
		loEdge, hiEdge := lo+loStake, hi-hiStake
		switch {
		case loEdge <= minority && minority < hiEdge:
			return pivot
		case minority < loEdge && nl > 0:
			hi = loEdge
			cur, other = other[:nl], cur[:cap(cur)]
		case hiEdge <= minority && nu > 0:
			lo = hiEdge
			cur = cur[:nu]
		default:
			return pivot
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// grow returns s resized to n, reallocating only when its capacity is short.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
