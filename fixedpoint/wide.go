package fixedpoint

import "math/bits"

// i128 is a two's-complement signed 128-bit integer, the bit pattern of I64F64 and I96F32 (the
// crate stores them as Rust i128). Only the operations the fixed-point types need are here.
type i128 struct{ hi, lo uint64 }

func (a i128) isNeg() bool  { return int64(a.hi) < 0 }
func (a i128) isZero() bool { return a.hi == 0 && a.lo == 0 }

func (a i128) neg() i128 {
	lo, b := bits.Sub64(0, a.lo, 0)
	hi, _ := bits.Sub64(0, a.hi, b)
	return i128{hi, lo}
}

// abs returns |a| as an unsigned 128-bit magnitude (|min| = 2^127 fits).
func (a i128) abs() i128 {
	if a.isNeg() {
		return a.neg()
	}
	return a
}

func (a i128) cmp(b i128) int {
	if a.hi != b.hi {
		if int64(a.hi) < int64(b.hi) {
			return -1
		}
		return 1
	}
	switch {
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

// add returns a+b wrapped to 128 bits and whether the signed sum overflowed.
func (a i128) add(b i128) (i128, bool) {
	lo, c := bits.Add64(a.lo, b.lo, 0)
	hi, _ := bits.Add64(a.hi, b.hi, c)
	r := i128{hi, lo}
	return r, a.isNeg() == b.isNeg() && r.isNeg() != a.isNeg()
}

// sub returns a-b wrapped to 128 bits and whether the signed difference overflowed.
func (a i128) sub(b i128) (i128, bool) {
	lo, c := bits.Sub64(a.lo, b.lo, 0)
	hi, _ := bits.Sub64(a.hi, b.hi, c)
	r := i128{hi, lo}
	return r, a.isNeg() != b.isNeg() && r.isNeg() != a.isNeg()
}

var (
	i128Max = i128{1<<63 - 1, ^uint64(0)}
	i128Min = i128{1 << 63, 0}
)

// mulU128 is the full 256-bit product of two unsigned 128-bit magnitudes, little-endian limbs.
func mulU128(a, b i128) [4]uint64 {
	var r [4]uint64
	h, l := bits.Mul64(a.lo, b.lo)
	r[0] = l
	carry := h
	h1, l1 := bits.Mul64(a.hi, b.lo)
	h2, l2 := bits.Mul64(a.lo, b.hi)
	s, c1 := bits.Add64(carry, l1, 0)
	s, c2 := bits.Add64(s, l2, 0)
	r[1] = s
	h3, l3 := bits.Mul64(a.hi, b.hi)
	s, c3 := bits.Add64(h1, h2, 0)
	s, c4 := bits.Add64(s, l3, 0)
	s, c5 := bits.Add64(s, c1+c2, 0)
	r[2] = s
	r[3] = h3 + c3 + c4 + c5
	return r
}

// shr256 shifts a 256-bit magnitude right by s < 128 bits and reports whether any 1 bit fell off.
func shr256(x [4]uint64, s uint) ([4]uint64, bool) {
	if s == 0 {
		return x, false
	}
	var r [4]uint64
	w, b := s/64, s%64
	lost := false
	for i := uint(0); i < w; i++ {
		lost = lost || x[i] != 0
	}
	if b != 0 {
		lost = lost || x[w]<<(64-b) != 0
	}
	for i := uint(0); i+w < 4; i++ {
		v := x[i+w] >> b
		if b != 0 && i+w+1 < 4 {
			v |= x[i+w+1] << (64 - b)
		}
		r[i] = v
	}
	return r, lost
}

// signedFromMagnitude turns a 256-bit magnitude q and a sign into the wrapped 128-bit result and
// whether the true value -q or q lies outside the signed 128-bit range.
func signedFromMagnitude(q [4]uint64, neg bool) (i128, bool) {
	m := i128{q[1], q[0]}
	big := q[2] != 0 || q[3] != 0
	if !neg {
		return m, big || m.isNeg()
	}
	over := big || (m.isNeg() && m != i128Min)
	return m.neg(), over
}

// fixedMul is the crate's multiplication of two fixed-point bit patterns with frac fractional
// bits: floor(a*b / 2^frac) (rounds toward negative infinity), wrapped to 128 bits, with an
// overflow flag when the exact floor does not fit.
func fixedMul(a, b i128, frac uint) (i128, bool) {
	if !a.isNeg() && !b.isNeg() && (a.hi == 0 || b.hi == 0) && frac > 0 && frac <= 64 {
		// non-negative, one factor below 2^64 (a proportion times an amount): 192-bit product
		if a.hi != 0 {
			a, b = b, a
		}
		h1, l1 := bits.Mul64(a.lo, b.lo)
		h2, l2 := bits.Mul64(a.lo, b.hi)
		mid, c := bits.Add64(h1, l2, 0)
		top := h2 + c // product = top:mid:l1
		var q i128
		if frac == 64 {
			q = i128{top, mid}
		} else {
			q = i128{top<<(64-frac) | mid>>frac, mid<<(64-frac) | l1>>frac}
			if top>>frac != 0 {
				return q, true
			}
		}
		return q, q.isNeg()
	}
	neg := a.isNeg() != b.isNeg()
	m := mulU128(a.abs(), b.abs())
	q, lost := shr256(m, frac)
	if neg && lost { // floor of a negative quotient rounds the magnitude up
		var c uint64
		q[0], c = bits.Add64(q[0], 1, 0)
		q[1], c = bits.Add64(q[1], 0, c)
		q[2], c = bits.Add64(q[2], 0, c)
		q[3] += c
	}
	if q == ([4]uint64{}) {
		return i128{}, false
	}
	return signedFromMagnitude(q, neg)
}

// fixedDiv is the crate's division of two fixed-point bit patterns with frac fractional bits:
// trunc(a*2^frac / b) (rounds toward zero), wrapped to 128 bits, with an overflow flag. b must
// not be zero.
func fixedDiv(a, b i128, frac uint) (i128, bool) {
	neg := a.isNeg() != b.isNeg()
	ua, ub := a.abs(), b.abs()
	// numerator ua << frac as up to 4 limbs
	num := [4]uint64{ua.lo, ua.hi, 0, 0}
	if frac != 0 {
		num = shl256(num, frac)
	}
	var q [4]uint64
	if ub.hi == 0 {
		divBy1(&q, num, ub.lo)
	} else {
		divBy2(&q, num, ub)
	}
	if q == ([4]uint64{}) {
		return i128{}, false
	}
	return signedFromMagnitude(q, neg)
}

// shl256 shifts a 256-bit value left by s < 128 bits (bits above 256 are dropped; callers keep
// their numerators below 2^256).
func shl256(x [4]uint64, s uint) [4]uint64 {
	var r [4]uint64
	w, b := s/64, s%64
	for i := 3; i >= int(w); i-- {
		v := x[i-int(w)] << b
		if b != 0 && i-int(w)-1 >= 0 {
			v |= x[i-int(w)-1] >> (64 - b)
		}
		r[i] = v
	}
	return r
}

// divBy1 is schoolbook division of a 256-bit numerator by a nonzero 64-bit divisor.
func divBy1(q *[4]uint64, n [4]uint64, d uint64) {
	var r uint64
	for i := 3; i >= 0; i-- {
		q[i], r = bits.Div64(r, n[i], d)
	}
}

// divBy2 is Knuth's algorithm D for a 256-bit numerator and a divisor of exactly two limbs
// (d.hi != 0). The quotient fits in three limbs.
func divBy2(q *[4]uint64, n [4]uint64, d i128) {
	s := uint(bits.LeadingZeros64(d.hi))
	v1 := d.hi<<s | d.lo>>(64-s)&mask(s)
	v0 := d.lo << s
	var u [5]uint64
	u[4] = n[3] >> (64 - s) & mask(s)
	for i := 3; i >= 1; i-- {
		u[i] = n[i]<<s | n[i-1]>>(64-s)&mask(s)
	}
	u[0] = n[0] << s
	for j := 2; j >= 0; j-- {
		var qhat, rhat uint64
		overflowR := false
		if u[j+2] >= v1 {
			qhat = ^uint64(0)
			var c uint64
			rhat, c = bits.Add64(u[j+1], v1, 0)
			overflowR = c != 0
		} else {
			qhat, rhat = bits.Div64(u[j+2], u[j+1], v1)
		}
		for !overflowR {
			ph, pl := bits.Mul64(qhat, v0)
			if ph < rhat || (ph == rhat && pl <= u[j]) {
				break
			}
			qhat--
			var c uint64
			rhat, c = bits.Add64(rhat, v1, 0)
			overflowR = c != 0
		}
		// u[j..j+2] -= qhat * (v1:v0)
		ph0, pl0 := bits.Mul64(qhat, v0)
		ph1, pl1 := bits.Mul64(qhat, v1)
		m1, c := bits.Add64(pl1, ph0, 0)
		m2 := ph1 + c
		var b uint64
		u[j], b = bits.Sub64(u[j], pl0, 0)
		u[j+1], b = bits.Sub64(u[j+1], m1, b)
		u[j+2], b = bits.Sub64(u[j+2], m2, b)
		if b != 0 { // qhat was one too large: add the divisor back
			qhat--
			var c uint64
			u[j], c = bits.Add64(u[j], v0, 0)
			u[j+1], c = bits.Add64(u[j+1], v1, c)
			u[j+2] += c
		}
		q[j] = qhat
	}
	q[3] = 0
}

// mask is all ones when s > 0 and zero when s == 0, so that x>>(64-s) contributes nothing for a
// zero shift (Go defines x>>64 as 0 already; the mask keeps the intent explicit).
func mask(s uint) uint64 {
	if s == 0 {
		return 0
	}
	return ^uint64(0)
}
