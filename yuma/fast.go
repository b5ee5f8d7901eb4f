package yuma

import (
	"math"
	"math/bits"

	fp "github.com/dtaod/dtaod/fixedpoint"
)

// Inline forms of the crate's operations for the epoch's hot loops. Each is the crate's result
// under a precondition that the epoch's values meet (they are shares in [0, 1]); the call sites
// say why it holds. The general methods of package fixedpoint are not inlined by the compiler.

// mulU is saturating_mul for a, b >= 0 with one of them at most 1.0: the product is below 2^95,
// so it never saturates and is the crate's floor(a*b / 2^32).
func mulU(a, b fp.I32F32) fp.I32F32 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	return fp.I32F32(hi<<32 | lo>>32)
}

// divU is safe_div for 0 <= x <= y with y > 0 (a share of a sum of non-negative values): the
// quotient is at most 1.0, so checked_div cannot fail, and it truncates like the crate's.
func divU(x, y fp.I32F32) fp.I32F32 {
	q, _ := bits.Div64(uint64(x)>>32, uint64(x)<<32, uint64(y))
	return fp.I32F32(q)
}

// toU16 is fixed_proportion_to_u16 for 0 <= x <= 1.0: x*65535 cannot saturate and its floor is
// at most 65535.
// mulU(x, 65535.0) is the exact x*65535, below 2^48.
func toU16(x fp.I32F32) uint16 {
	return uint16(uint64(x) * 65535 >> 32)
}

// prop16 is fixed_proportion_to_u16, inline for proportions in [0, 1].
func prop16(x fp.I32F32) uint16 {
	if unit(x) {
		return toU16(x)
	}
	return fp.FixedProportionToU16(x)
}

// mulLt1 is mulU for 0 <= a < 1.0 and 0 <= b <= 1.0: the product is below 2^64, so a plain
// 64-bit multiplication gives it.
func mulLt1(a, b uint64) uint64 { return a * b >> 32 }

// unit reports whether 0 <= x <= 1.0.
func unit(x fp.I32F32) bool { return uint64(x) <= uint64(fp.I32F32One) }

// recip divides many numerators by one divisor d >= 1 without a hardware division each time:
// with r = floor(2^64/d) (2^64-1 for d = 1), floor(n*r / 2^64) is floor(n/d) or one less (the
// error n*(2^64/d - r) / 2^64 is below 1 for n < 2^64), and one comparison corrects it. The
// epoch normalises whole columns and rows by one sum, so this is exact and several times cheaper
// than DIV. A recip of d = 0 must not divide.
type recip struct{ d, r uint64 }

func newRecip(d uint64) recip {
	switch d {
	case 0:
		return recip{}
	case 1:
		return recip{1, math.MaxUint64}
	}
	r, _ := bits.Div64(1, 0, d)
	return recip{d, r}
}

// quo returns floor(n/d).
func (rc recip) quo(n uint64) uint64 {
	q, _ := bits.Mul64(n, rc.r)
	if n-q*rc.d >= rc.d { // rare for the epoch's numerators, far below 2^64: a predictable branch
		q++
	}
	return q
}

// share is safe_div(x, d) for a share 0 <= x <= min(1.0, d): floor(x * 2^32 / d). The only
// x >= 2^32 allowed is 1.0, where x * 2^32 = 2^64 and the quotient is r itself (d >= 1.0 > 1).
// d must not be zero (x <= d, and a zero x needs no division).
func (rc recip) share(x fp.I32F32) fp.I32F32 {
	if uint64(x) >= 1<<32 {
		return fp.I32F32(rc.r)
	}
	return fp.I32F32(rc.quo(uint64(x) << 32))
}

// intShare is safe_div(x, sum) for x and sum whole numbers (raw u16 weights and bonds and their
// sums, x <= sum): floor((x/2^32) * 2^32 / (sum/2^32)), with x/2^32 below 2^32.
func intShare(rc recip, x fp.I32F32) fp.I32F32 {
	return fp.I32F32(rc.quo(uint64(x)))
}
