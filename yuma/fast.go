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

// divq computes floor(x * 2^32 / d) for a fixed divisor 1 <= d <= 2^32 and a share 0 <= x <= d
// (or any x < 2^32) with one 64x64-bit multiplication, one plain product and an addition, where
// recip needs a correction step. It is Granlund and Montgomery's division by invariant integers
// (1994, theorem 4.2) for the numerator n = x * 2^32 < 2^64 (N = 64) and l = 32 >= log2 d:
// with m = ceil(2^96 / d), m*d - 2^96 < d <= 2^32 = 2^l, so floor(n/d) = floor(m*n / 2^96) =
// floor(m*x / 2^64). m has up to 97 bits, split as hi*2^64 + lo: floor(m*x / 2^64) =
// x*hi + floor(x*lo / 2^64). The one x of 2^32 allowed, a share of d = 2^32, has m = 2^64 and the
// exact quotient x. Every divisor of the steady path is a column sum of shares below 1.0 or of
// u16 bonds, so at most 2^32.
type divq struct{ lo, hi uint64 }

// newDivq prepares the division by d <= 2^32; d = 0 gives a divq that returns 0 for every x (the
// epoch divides by a zero column sum only zeros).
func newDivq(d uint64) divq {
	switch d {
	case 0:
		return divq{}
	case 1:
		return divq{0, 1 << 32} // m = 2^96
	}
	// One division: 2^64 = q*d + r, so 2^96/d = 2^32*q + 2^32*r/d, and m = 2^32*q + t with
	// t = ceil(2^32*r / d) < 2^32. With q = (2^64 - r)/d, r*q / 2^32 = 2^32*r/d - r^2/(d*2^32)
	// and 0 <= r^2/(d*2^32) < 1 (r < d <= 2^32), so e = floor(r*q / 2^32) is floor(2^32*r/d)
	// or one less, which one product decides (e+1 <= 2^32 - 1 and d <= 2^32: no overflow), and
	// another whether the quotient is exact.
	q, r := bits.Div64(1, 0, d)
	if r == 0 {
		return divq{q << 32, q >> 32}
	}
	n := r << 32 // 2^32*r < 2^64
	e := r * q >> 32
	if (e+1)*d <= n {
		e++
	}
	if e*d != n {
		e++
	}
	return divq{q<<32 | e, q >> 32}
}

// of returns floor(x * 2^32 / d).
func (q divq) of(x uint64) uint64 {
	h, _ := bits.Mul64(x, q.lo)
	return h + x*q.hi
}
