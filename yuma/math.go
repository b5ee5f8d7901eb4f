package yuma

import (
	"math"
	"slices"

	fp "github.com/dtaod/dtaod/fixedpoint"
)

// The functions below port the math.rs functions the epoch calls, one step each, with the
// chain's names and its exact arithmetic (saturating products and sums, safe_div quotients), for
// any input. Matrices are flat, row-major slices with an explicit column count; a zero entry
// plays the part of a missing sparse entry, which gives the same bits because every sparse
// operation treats the two alike. Epoch runs the same steps fused over its live rows and columns.

// Sum is math.rs sum: the wrapping fold of `.iter().sum()`.
func Sum(x []fp.I32F32) fp.I32F32 {
	var s fp.I32F32
	for _, v := range x {
		s += v
	}
	return s
}

// IsZero is math.rs is_zero: whether the vector sums to zero.
func IsZero(x []fp.I32F32) bool { return Sum(x) == 0 }

// InplaceNormalize is math.rs inplace_normalize: divide by the sum unless it is zero.
func InplaceNormalize(x []fp.I32F32) {
	InplaceNormalizeUsingSum(x, Sum(x))
}

// InplaceNormalizeUsingSum is math.rs inplace_normalize_using_sum: divide every entry by sum
// (safe_div), or leave x alone when sum is zero. The epoch scales incentive and dividends by
// their joint sum with it.
func InplaceNormalizeUsingSum(x []fp.I32F32, sum fp.I32F32) {
	if sum == 0 {
		return
	}
	if sum < 0 {
		for i, v := range x {
			if v != 0 {
				x[i] = v.SafeDiv(sum)
			}
		}
		return
	}
	// For 0 < v < 1.0 the quotient floor(v * 2^32 / sum) needs no DIV: one reciprocal of the sum
	// gives it exactly (fast.go), and safe_div keeps it when it fits (it is 0 otherwise).
	rc := newRecip(uint64(sum))
	for i, v := range x {
		switch {
		case v == 0:
		case uint64(v) < 1<<32:
			q := rc.quo(uint64(v) << 32)
			if q > math.MaxInt64 {
				q = 0
			}
			x[i] = fp.I32F32(q)
		default:
			x[i] = v.SafeDiv(sum)
		}
	}
}

// InplaceNormalize64 is math.rs inplace_normalize_64, the I64F64 normalisation of the stake.
func InplaceNormalize64(x []fp.I64F64) {
	var s fp.I64F64
	for _, v := range x {
		s = s.Add(v)
	}
	if s.IsZero() {
		return
	}
	for i, v := range x {
		if !v.IsZero() {
			x[i] = v.SafeDiv(s)
		}
	}
}

// IsTopK is math.rs is_topk: out[i] is true when v[i] is among the k largest. The chain sorts
// indices ascending with a stable sort and clears the first n-k, so among equal values the lower
// UIDs lose; when n <= k every entry is true, zero stake included. idx is scratch of length n.
func IsTopK(v []fp.I32F32, k int, out []bool, idx []int32) {
	n := len(v)
	for i := range out[:n] {
		out[i] = true
	}
	if n <= k {
		return
	}
	idx = idx[:n]
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int { // (value, index) order = stable ascending sort
		switch {
		case v[a] < v[b]:
			return -1
		case v[a] > v[b]:
			return 1
		}
		return int(a - b)
	})
	for _, i := range idx[:n-k] {
		out[i] = false
	}
}

// isTopK is IsTopK that sorts packed (value, index) keys when the values are in [0, 2^47) and
// n <= 2^16 (the epoch's stakes), which orders them as the chain's stable sort does without a
// comparison function. keys is scratch of length n.
func isTopK(v []fp.I32F32, k int, out []bool, idx []int32, keys []uint64) {
	n := len(v)
	if n <= k || n > 1<<16 {
		IsTopK(v, k, out, idx)
		return
	}
	keys = keys[:n]
	var all uint64
	for i, x := range v {
		all |= uint64(x)
		keys[i] = uint64(x)<<16 | uint64(i)
	}
	if all >= 1<<47 {
		IsTopK(v, k, out, idx)
		return
	}
	slices.Sort(keys)
	for i := range out[:n] {
		out[i] = true
	}
	for _, key := range keys[:n-k] {
		out[key&(1<<16-1)] = false
	}
}

// InplaceMaskVector is math.rs inplace_mask_vector: zero v[i] where mask[i] is true.
func InplaceMaskVector(mask []bool, v []fp.I32F32) {
	for i, m := range mask {
		if m {
			v[i] = 0
		}
	}
}

// InplaceRowNormalize is math.rs inplace_row_normalize(_sparse): each row with a positive sum is
// divided by it.
func InplaceRowNormalize(m []fp.I32F32, cols int) {
	for r := 0; r+cols <= len(m); r += cols {
		row := m[r : r+cols]
		if s := Sum(row); s > 0 {
			for j, v := range row {
				if v != 0 {
					row[j] = v.SafeDiv(s)
				}
			}
		}
	}
}

// ColSum is math.rs col_sum(_sparse): saturating column sums into out (len cols).
func ColSum(m []fp.I32F32, cols int, out []fp.I32F32) {
	clear(out[:cols])
	for r := 0; r+cols <= len(m); r += cols {
		for j, v := range m[r : r+cols] {
			out[j] = out[j].SaturatingAdd(v)
		}
	}
}

// InplaceColNormalize is math.rs inplace_col_normalize(_sparse): every column with a non-zero
// sum is divided by it. colSum is scratch of length cols.
func InplaceColNormalize(m []fp.I32F32, cols int, colSum []fp.I32F32) {
	ColSum(m, cols, colSum)
	for r := 0; r+cols <= len(m); r += cols {
		row := m[r : r+cols]
		for j, v := range row {
			if v != 0 && colSum[j] != 0 {
				row[j] = v.SafeDiv(colSum[j])
			}
		}
	}
}

// InplaceColMaxUpscale is math.rs inplace_col_max_upscale(_sparse): every column with a non-zero
// maximum is divided by it, so bonds are stored with the column maximum at 65535. colMax is
// scratch of length cols.
func InplaceColMaxUpscale(m []fp.I32F32, cols int, colMax []fp.I32F32) {
	clear(colMax[:cols])
	for r := 0; r+cols <= len(m); r += cols {
		for j, v := range m[r : r+cols] {
			if colMax[j] < v {
				colMax[j] = v
			}
		}
	}
	for r := 0; r+cols <= len(m); r += cols {
		row := m[r : r+cols]
		for j, v := range row {
			if v != 0 && colMax[j] != 0 {
				row[j] = v.SafeDiv(colMax[j])
			}
		}
	}
}

// MatMul is math.rs matmul(_sparse): out_j = SUM_i v_i * m_ij (ranks from weights and stake),
// with saturating products and sums. len(v) is the number of rows.
func MatMul(m []fp.I32F32, cols int, v []fp.I32F32, out []fp.I32F32) {
	clear(out[:cols])
	for i, s := range v {
		if s == 0 {
			continue // 0 * w = 0 exactly
		}
		for j, w := range m[i*cols : (i+1)*cols] {
			if w != 0 {
				out[j] = out[j].SaturatingAdd(s.SaturatingMul(w))
			}
		}
	}
}

// MatMulTranspose is math.rs matmul_transpose(_sparse): out_i = SUM_j v_j * m_ij (dividends from
// bonds and incentive). len(out) is the number of rows.
func MatMulTranspose(m []fp.I32F32, cols int, v []fp.I32F32, out []fp.I32F32) {
	for i := range out {
		var acc fp.I32F32
		for j, b := range m[i*cols : (i+1)*cols] {
			if b != 0 {
				acc = acc.SaturatingAdd(v[j].SaturatingMul(b))
			}
		}
		out[i] = acc
	}
}

// RowSum is math.rs row_sum(_sparse): the wrapping sum of each row (validator trust from the
// clipped weights).
func RowSum(m []fp.I32F32, cols int, out []fp.I32F32) {
	for i := range out {
		out[i] = Sum(m[i*cols : (i+1)*cols])
	}
}

// ColClip is math.rs inplace_col_clip / col_clip_sparse: m_ij = min(m_ij, threshold_j). The
// sparse version drops an entry clipped to a zero threshold, which is the same zero.
func ColClip(m []fp.I32F32, cols int, threshold []fp.I32F32) {
	for r := 0; r+cols <= len(m); r += cols {
		row := m[r : r+cols]
		for j, v := range row {
			if threshold[j] < v {
				row[j] = threshold[j]
			}
		}
	}
}

// VecDiv is math.rs vecdiv: out_i = x_i / y_i (safe_div), or 0 where y_i is zero (server trust
// = ranks after clipping over ranks before).
func VecDiv(x, y, out []fp.I32F32) {
	for i := range x {
		if y[i] != 0 {
			out[i] = x[i].SafeDiv(y[i])
		} else {
			out[i] = 0
		}
	}
}

// Interpolate is math.rs interpolate(_sparse) for one element: a + ratio*(b - a) with saturating
// operations; ratio 0 returns a and ratio 1 returns b exactly, and the sparse version keeps only
// positive results. The epoch blends weights and clipped weights by the bonds penalty with it.
func Interpolate(a, b, ratio fp.I32F32) fp.I32F32 {
	switch ratio {
	case 0:
		return a
	case fp.I32F32One:
		return b
	}
	r := a.SaturatingAdd(ratio.SaturatingMul(b.SaturatingSub(a)))
	if r <= 0 {
		return 0
	}
	return r
}

// RowHadamard is math.rs row_hadamard(_sparse) in place: m_ij = m_ij * v_i (bonds delta W∘S).
func RowHadamard(m []fp.I32F32, cols int, v []fp.I32F32) {
	for i, s := range v {
		row := m[i*cols : (i+1)*cols]
		for j, w := range row {
			if w != 0 {
				row[j] = w.SaturatingMul(s)
			}
		}
	}
}

// MatEMA is math.rs mat_ema(_sparse) into out: alpha*new + (1-alpha)*old per element, each
// product saturating and floored separately, the new term first.
func MatEMA(newM, old []fp.I32F32, alpha fp.I32F32, out []fp.I32F32) {
	oneMinus := fp.I32F32One.SaturatingSub(alpha)
	for i := range newM {
		var v fp.I32F32
		if newM[i] != 0 {
			v = alpha.SaturatingMul(newM[i])
		}
		if old[i] != 0 {
			v = v.SaturatingAdd(oneMinus.SaturatingMul(old[i]))
		}
		out[i] = v
	}
}

// VecMaxUpscaleToU16 is math.rs vec_max_upscale_to_u16, how the chain stores pruning scores: the
// vector scaled so its maximum becomes 65535, rounded (ties away from zero). For a maximum above
// 32768 it multiplies by 65535/max, otherwise it divides e*65535 by max; an all-zero vector maps
// to zeros.
func VecMaxUpscaleToU16(v []fp.I32F32, out []uint16) {
	if len(v) == 0 {
		return
	}
	maxV := slices.Max(v)
	threshold := fp.I32F32(32768 << 32)
	for i, e := range v {
		switch {
		case maxV == 0:
			out[i] = e.SaturatingMul(fp.U16Max).SaturatingToU16()
		case maxV > threshold:
			out[i] = e.SaturatingMul(fp.U16Max.SafeDiv(maxV)).Round().SaturatingToU16()
		default:
			out[i] = e.SaturatingMul(fp.U16Max).SafeDiv(maxV).Round().SaturatingToU16()
		}
	}
}

// isTopKWarm is isTopK that starts from the order of the previous call (order, n UIDs; any other
// length starts from UID order) and leaves this call's order there.
func isTopKWarm(v []fp.I32F32, k int, out []bool, idx []int32, keys []uint64, order *[]uint16) {
	n := len(v)
	if n <= k || n > 1<<16 {
		IsTopK(v, k, out, idx)
		return
	}
	keys = keys[:n]
	var all uint64
	if o := *order; len(o) == n {
		for p, i := range o {
			x := v[i]
			all |= uint64(x)
			keys[p] = uint64(x)<<16 | uint64(i)
		}
	} else {
		for i, x := range v {
			all |= uint64(x)
			keys[i] = uint64(x)<<16 | uint64(i)
		}
	}
	if all >= 1<<47 {
		IsTopK(v, k, out, idx)
		*order = (*order)[:0]
		return
	}
	sortKeys(keys)
	o := grow(*order, n)
	for p, key := range keys {
		o[p] = uint16(key)
	}
	*order = o
	for i := range out[:n] {
		out[i] = true
	}
	for _, key := range keys[:n-k] {
		out[key&(1<<16-1)] = false
	}
}

// sortKeys sorts keys ascending. The epoch's stakes change little from one epoch to the next, so
// the stake keys are usually sorted already or nearly: an insertion sort finishes those in about
// n steps, and hands anything it cannot finish in 8n moves to slices.Sort. The keys are distinct
// (their low bits are the index), so every sort gives the same order.
func sortKeys(keys []uint64) {
	moves := 0
	for p := 1; p < len(keys); p++ {
		x := keys[p]
		q := p
		for q > 0 && keys[q-1] > x {
			keys[q] = keys[q-1]
			q--
		}
		keys[q] = x
		if moves += p - q; moves > 8*len(keys) {
			slices.Sort(keys)
			return
		}
	}
}
