package emission

import (
	"math/big"
	"math/bits"

	"github.com/dtaod/dtaod"
	"github.com/holiman/uint256"
)

// MovingPrice is the EMA update of spec 9.2:
// floor18(a*min(T/A, 1) + (1-a)*mp), a = moving_price_alpha * b/(b+h) with the ramp (h > 0),
// b = blocks since the subnet started. T/A is 0 when A is 0.
func MovingPrice(p *dtaod.Params, mp dtaod.Fixed, t dtaod.TAO, a dtaod.Alpha, b uint64) dtaod.Fixed {
	var num, den uint64 = uint64(t), uint64(a) // the price as num/den, clamped to 1
	if a == 0 {
		num, den = 0, 1
	} else if num >= den {
		num, den = 1, 1
	}
	alpha := uint64(p.MovingPriceAlpha)
	if h := p.MovingPriceHalvingBlocks; h != 0 {
		return movingPriceRamp(alpha, uint64(mp), num, den, b, h)
	}
	// v*1e18 = alpha*num/den + (1e18-alpha)*mp/1e18 = (q2 + r2/den) + (q1 + r1/1e18).
	hi, lo := bits.Mul64(dtaod.FixedOne-alpha, uint64(mp))
	q1, r1 := bits.Div64(hi, lo, dtaod.FixedOne) // quotient <= mp
	hi, lo = bits.Mul64(alpha, num)
	q2, r2 := bits.Div64(hi, lo, den) // quotient <= alpha since num <= den
	v := q1 + q2
	// carry = 1 iff r1/1e18 + r2/den >= 1  <=>  r1*den + r2*1e18 >= 1e18*den (all < 2^126)
	ah, al := bits.Mul64(r1, den)
	bh, bl := bits.Mul64(r2, dtaod.FixedOne)
	sl, c := bits.Add64(al, bl, 0)
	sh := ah + bh + c
	th, tl := bits.Mul64(dtaod.FixedOne, den)
	if sh > th || sh == th && sl >= tl {
		v++
	}
	return dtaod.Fixed(v)
}

// movingPriceRamp is the same update with a = alpha*b/((b+h)*1e18), over one common
// denominator: [alpha*b*num*1e18 + ((b+h)*1e18 - alpha*b)*mp*den] / ((b+h)*1e18*den).
// Exact in math/big: the ramp is an option for studies, not the launch hot path.
func movingPriceRamp(alpha, mp, num, den, b, h uint64) dtaod.Fixed {
	one := bu(dtaod.FixedOne)
	ab := new(big.Int).Mul(bu(alpha), bu(b))
	bh := new(big.Int).Add(bu(b), bu(h))
	bh1 := new(big.Int).Mul(bh, one)
	n := new(big.Int).Mul(ab, bu(num))
	n.Mul(n, one)
	m := new(big.Int).Sub(bh1, ab)
	m.Mul(m, bu(mp))
	m.Mul(m, bu(den))
	n.Add(n, m)
	d := new(big.Int).Mul(bh1, bu(den))
	n.Quo(n, d)
	if !n.IsUint64() { // cannot happen: the result is a convex mix of values that fit
		return dtaod.Fixed(mp)
	}
	return dtaod.Fixed(n.Uint64())
}

func bu(v uint64) *big.Int { return new(big.Int).SetUint64(v) }

// mulDivWide returns floor(a*b/c) for 64-bit a and 128-bit b and c (hi:lo), with the quotient
// known to be at most a. It takes the single-word fast path when c fits in 64 bits.
func mulDivWide(a, bHi, bLo, cHi, cLo uint64) uint64 {
	if cHi == 0 && bHi == 0 {
		q, _ := dtaod.MulDiv(a, bLo, cLo)
		return q
	}
	var x, y, z uint256.Int
	x.SetUint64(a)
	y.SetUint64(bLo)
	y[1] = bHi
	z.SetUint64(cLo)
	z[1] = cHi
	x.Mul(&x, &y)
	x.Div(&x, &z)
	return x.Uint64()
}
