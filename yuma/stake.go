package yuma

import (
	"math/bits"

	fp "github.com/dtaod/dtaod/fixedpoint"
)

// normalizeStake is the epoch's stake vector: inplace_normalize_64 of the I64F64 stake weights
// followed by vec_fixed64_to_fixed32, written into out. The I64F64 quotient x*2^64/S (S the sum)
// only matters through its floor by 2^32, and floor(floor(a)/2^32) = floor(a/2^32), so each entry
// is floor(x*2^32/S): at most 2^32 for 0 <= x <= S, found with one 128-by-64-bit division and an
// exact correction instead of the crate's 192-by-128-bit long division. Inputs outside that case
// (a negative weight or a sum that wraps) take the crate's operations. x is not modified.
func normalizeStake(x []fp.I64F64, out []fp.I32F32, tmp []fp.I64F64) {
	var sh, sl uint64 // the wrapping I64F64 sum, as the chain's .sum()
	neg := false
	for _, v := range x {
		h, l := v.Bits()
		neg = neg || h < 0
		var c uint64
		sl, c = bits.Add64(sl, l, 0)
		sh, _ = bits.Add64(sh, uint64(h), c)
	}
	if neg || int64(sh) < 0 { // not the epoch's case: the crate's operations
		copy(tmp, x)
		InplaceNormalize64(tmp)
		for i, v := range tmp {
			out[i] = v.SaturatingToI32F32()
		}
		return
	}
	if sh == 0 && sl == 0 { // inplace_normalize_64 leaves a zero sum alone: every entry is zero
		for i, v := range x {
			out[i] = v.SaturatingToI32F32()
		}
		return
	}
	if sh == 0 { // S < 2^64, so is every x <= S: floor(x*2^32 / S) with x>>32 < S
		for i, v := range x {
			_, l := v.Bits()
			q, _ := bits.Div64(l>>32, l<<32, sl)
			out[i] = fp.I32F32(q)
		}
		return
	}
	if sl == 0 { // whole-number sums (no fractional stake weight): S = sh * 2^64
		allWhole := true
		for _, v := range x {
			_, l := v.Bits()
			allWhole = allWhole && l == 0
		}
		if allWhole {
			for i, v := range x {
				h, _ := v.Bits()
				q, _ := bits.Div64(uint64(h)>>32, uint64(h)<<32, sh)
				out[i] = fp.I32F32(q)
			}
			return
		}
	}
	// S >= 2^64: normalise the divisor to D = S << s (top bit set), the numerator to
	// N = x << (32+s) (below 2^160 as x <= S), estimate the quotient from N's top two words and
	// D's top word (Knuth: at most 2 too large) and correct it with the exact 192-bit product.
	s := uint(bits.LeadingZeros64(sh))
	dh, dl := sh<<s|sl>>(64-s)&mask64(s), sl<<s
	for i, v := range x {
		h, l := v.Bits()
		ah, al := uint64(h)<<s|l>>(64-s)&mask64(s), l<<s // x << s, below 2^128
		n2, n1, n0 := ah>>32, ah<<32|al>>32, al<<32
		q, _ := bits.Div64(n2, n1, dh) // n2 < 2^32 <= dh
		for {
			// q*D as p2:p1:p0
			ph, p0 := bits.Mul64(q, dl)
			qh, ql := bits.Mul64(q, dh)
			p1, c := bits.Add64(ql, ph, 0)
			p2 := qh + c
			if p2 < n2 || p2 == n2 && (p1 < n1 || p1 == n1 && p0 <= n0) {
				break
			}
			q--
		}
		out[i] = fp.I32F32(q)
	}
}

// mask64 is all ones when s > 0: x>>(64-s) contributes nothing for a zero shift.
func mask64(s uint) uint64 {
	if s == 0 {
		return 0
	}
	return ^uint64(0)
}
