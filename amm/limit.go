package amm

import (
	"math"
	"math/big"

	"github.com/dtaod/dtaod"
	"github.com/holiman/uint256"
)

var fixedOne = uint256.NewInt(dtaod.FixedOne)

// priceOf returns num/den on the 18-decimal grid, rounded down.
func priceOf(num, den uint64) dtaod.Price {
	var v uint256.Int
	v.Mul(uint256.NewInt(num), fixedOne)
	v.Div(&v, uint256.NewInt(den))
	return dtaod.PriceFromScaled(&v)
}

// kWide returns T*A as a uint256.
func (p Pool) kWide() uint256.Int {
	var k uint256.Int
	k.Mul(uint256.NewInt(uint64(p.TAO)), uint256.NewInt(uint64(p.Alpha)))
	return k
}

func clampU64(v *uint256.Int) uint64 {
	if !v.IsUint64() {
		return math.MaxUint64
	}
	return v.Uint64()
}

// MaxBuy is the most gross TAO (fee included) a buy can spend so that the pool's final price,
// with the fee added back, never exceeds limit: isqrt(floor(k*L)) - T (spec 9.8). 0 when the
// price is already at or above the limit.
func MaxBuy(p Pool, limit dtaod.Price) dtaod.TAO {
	k := p.kWide()
	l := limit.Scaled()
	var kl uint256.Int
	if _, of := kl.MulOverflow(&k, &l); of {
		return math.MaxUint64 // sqrt(k*L) >= 2^128: no u64 amount can reach the limit
	}
	kl.Div(&kl, fixedOne)
	kl.Sqrt(&kl)
	t := uint256.NewInt(uint64(p.TAO))
	if kl.Cmp(t) <= 0 {
		return 0
	}
	kl.Sub(&kl, t)
	return dtaod.TAO(clampU64(&kl))
}

// MaxSell is the most alpha a sell can put in so that the final price never falls below limit:
// isqrt(floor(k/L)) - A. A zero limit means no limit.
func MaxSell(p Pool, limit dtaod.Price) dtaod.Alpha {
	if limit.IsZero() {
		return math.MaxUint64
	}
	k := p.kWide()
	l := limit.Scaled()
	k.Mul(&k, fixedOne) // k < 2^128, so k*1e18 < 2^188
	k.Div(&k, &l)
	k.Sqrt(&k)
	a := uint256.NewInt(uint64(p.Alpha))
	if k.Cmp(a) <= 0 {
		return 0
	}
	k.Sub(&k, a)
	return dtaod.Alpha(clampU64(&k))
}

// MaxMove is the most alpha a move from pool o to pool d can sell so that the final ratio
// price(o)/price(d) stays at or above limit:
// floor((isqrt(floor(k_o*k_d/L)) - T_d*A_o) / (T_o + T_d)). A zero limit means no limit. The
// product of two k's needs 256 bits before the division, so this rare path uses math/big.
func MaxMove(o, d Pool, limit dtaod.Price) dtaod.Alpha {
	if limit.IsZero() {
		return math.MaxUint64
	}
	ko := new(big.Int).Mul(u(uint64(o.TAO)), u(uint64(o.Alpha)))
	kd := new(big.Int).Mul(u(uint64(d.TAO)), u(uint64(d.Alpha)))
	n := new(big.Int).Mul(ko, kd)
	n.Mul(n, u(dtaod.FixedOne))
	l := limit.Scaled()
	n.Quo(n, l.ToBig())
	n.Sqrt(n)
	n.Sub(n, new(big.Int).Mul(u(uint64(d.TAO)), u(uint64(o.Alpha))))
	if n.Sign() <= 0 {
		return 0
	}
	n.Quo(n, new(big.Int).Add(u(uint64(o.TAO)), u(uint64(d.TAO))))
	if !n.IsUint64() {
		return math.MaxUint64
	}
	return dtaod.Alpha(n.Uint64())
}

func u(v uint64) *big.Int { return new(big.Int).SetUint64(v) }
