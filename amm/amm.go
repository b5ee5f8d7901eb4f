// Package amm is the constant-product math of a subnet pool: swaps both ways, the flat fee, the
// minimum-liquidity rule, exact-out quotes and the exact fill at a limit price. It is pure integer
// arithmetic on two reserves (no state, no float64) so every other package, and every replica of
// the engine, computes the same rao.
//
// Rounding always favours the pool: an output is A - ceil(k/(T+x)), never more, so k = T*A can
// only grow. Every swap re-checks that, the way Uniswap v2's swap re-checks its invariant, because
// a k that shrinks means value leaking out of the pool.
package amm

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/dtaod/dtaod"
)

// Pool is a subnet's two reserves: TAO (tao_in) and alpha (alpha_in).
type Pool struct {
	TAO   dtaod.TAO
	Alpha dtaod.Alpha
}

// SpotPrice is T/A on the 18-decimal grid, rounded down; 0 when the alpha reserve is empty.
func (p Pool) SpotPrice() dtaod.Price {
	if p.Alpha == 0 {
		return dtaod.Price{}
	}
	return priceOf(uint64(p.TAO), uint64(p.Alpha))
}

// k returns T*A as a 128-bit (hi, lo) pair.
func (p Pool) k() (hi, lo uint64) { return bits.Mul64(uint64(p.TAO), uint64(p.Alpha)) }

// kGE reports whether q's k is at least p's.
func kGE(q, p Pool) bool {
	qh, ql := q.k()
	ph, pl := p.k()
	return qh > ph || (qh == ph && ql >= pl)
}

// ceilDivK returns ceil(T*A / d) for d > 0, and false when that quotient does not fit in 64 bits.
// On a swap d is at least one reserve, so the quotient is at most the other and always fits; on
// an exact-out quote d is what the reserve must fall to, smaller than the reserve, and the
// quotient can exceed 2^64 (bits.Div64 would panic): that is an amount no u64 can pay.
func ceilDivK(p Pool, d uint64) (uint64, bool) {
	hi, lo := p.k()
	if hi >= d {
		return 0, false
	}
	q, r := bits.Div64(hi, lo, d)
	if r != 0 {
		if q == math.MaxUint64 {
			return 0, false
		}
		q++
	}
	return q, true
}

// BuyAlpha swaps x TAO into the pool for alpha (exact in, no fee). The alpha reserve, the one
// that decreases, must stay at or above minLiquidity, else ErrInsufficientLiquidity.
func BuyAlpha(p Pool, x dtaod.TAO, minLiquidity dtaod.TAO) (dtaod.Alpha, Pool, error) {
	if p.TAO == 0 || p.Alpha == 0 {
		return 0, p, fmt.Errorf("%w: the pool is empty", dtaod.ErrInsufficientLiquidity)
	}
	t, ok := dtaod.AddTAO(p.TAO, x)
	if !ok {
		return 0, p, fmt.Errorf("%w: TAO reserve would exceed u64", dtaod.ErrOverflow)
	}
	a, _ := ceilDivK(p, uint64(t)) // fits: t >= T, so the quotient is at most A
	if a < uint64(minLiquidity) {
		return 0, p, fmt.Errorf("%w: alpha reserve %d < %d", dtaod.ErrInsufficientLiquidity, a, minLiquidity)
	}
	next := Pool{TAO: t, Alpha: dtaod.Alpha(a)}
	if !kGE(next, p) {
		panic("amm: k shrank on a buy") // unreachable: a >= k/t by construction
	}
	return p.Alpha - next.Alpha, next, nil
}

// SellAlpha swaps a alpha into the pool for TAO (exact in, no fee). The TAO reserve must stay at
// or above minLiquidity, else ErrInsufficientLiquidity.
func SellAlpha(p Pool, a dtaod.Alpha, minLiquidity dtaod.TAO) (dtaod.TAO, Pool, error) {
	if p.TAO == 0 || p.Alpha == 0 {
		return 0, p, fmt.Errorf("%w: the pool is empty", dtaod.ErrInsufficientLiquidity)
	}
	na, ok := dtaod.AddAlpha(p.Alpha, a)
	if !ok {
		return 0, p, fmt.Errorf("%w: alpha reserve would exceed u64", dtaod.ErrOverflow)
	}
	t, _ := ceilDivK(p, uint64(na)) // fits: na >= A, so the quotient is at most T
	if t < uint64(minLiquidity) {
		return 0, p, fmt.Errorf("%w: TAO reserve %d < %d", dtaod.ErrInsufficientLiquidity, t, minLiquidity)
	}
	next := Pool{TAO: dtaod.TAO(t), Alpha: na}
	if !kGE(next, p) {
		panic("amm: k shrank on a sell")
	}
	return p.TAO - next.TAO, next, nil
}

// Stake is the pool side of staking gross TAO: the flat fee comes off the TAO before the swap and
// is added to the TAO reserve after it (it stays in the pool), as the launch chain does.
func Stake(p Pool, gross, fee, minLiquidity dtaod.TAO) (dtaod.Alpha, Pool, error) {
	net, ok := dtaod.SubTAO(gross, fee)
	if !ok {
		return 0, p, fmt.Errorf("%w: %d rao does not cover the %d rao fee", dtaod.ErrAmountTooLow, gross, fee)
	}
	out, next, err := BuyAlpha(p, net, minLiquidity)
	if err != nil {
		return 0, p, err
	}
	if next.TAO, ok = dtaod.AddTAO(next.TAO, fee); !ok {
		return 0, p, fmt.Errorf("%w: TAO reserve would exceed u64", dtaod.ErrOverflow)
	}
	return out, next, nil
}

// Unstake is the pool side of unstaking: swap the alpha, then take the fee from the TAO out and
// add it to the reserve. It returns the net TAO and the gross swap output (the minimum-stake rule
// reads the gross).
func Unstake(p Pool, a dtaod.Alpha, fee, minLiquidity dtaod.TAO) (net, gross dtaod.TAO, next Pool, err error) {
	gross, next, err = SellAlpha(p, a, minLiquidity)
	if err != nil {
		return 0, 0, p, err
	}
	net, ok := dtaod.SubTAO(gross, fee)
	if !ok {
		return 0, gross, p, fmt.Errorf("%w: %d rao out does not cover the %d rao fee", dtaod.ErrAmountTooLow, gross, fee)
	}
	next.TAO += fee // cannot overflow: it was at least this large before the swap
	return net, gross, next, nil
}

// TAOForAlpha is the exact-out quote of a buy: the least TAO (no fee) whose swap yields at least
// want alpha, i.e. the least x with BuyAlpha(p, x) succeeding and returning >= want. It fails with
// ErrInsufficientLiquidity when no such x exists because the alpha reserve would fall below
// minLiquidity (ceil(k/(T+x)) can jump past A-want, so A-want >= minLiquidity is not enough), and
// with ErrOverflow when the TAO reserve would need more than 2^64-1 rao.
func TAOForAlpha(p Pool, want dtaod.Alpha, minLiquidity dtaod.TAO) (dtaod.TAO, error) {
	x, err := exactIn(p, uint64(p.TAO), uint64(p.Alpha), uint64(want), minLiquidity, "TAO", "alpha", "buying %d alpha")
	return dtaod.TAO(x), err
}

// AlphaForTAO is the exact-out quote of a sell: the least alpha whose swap yields at least want
// TAO (before any fee), i.e. the least a with SellAlpha(p, a) succeeding and returning >= want.
// Errors mirror TAOForAlpha's.
func AlphaForTAO(p Pool, want dtaod.TAO, minLiquidity dtaod.TAO) (dtaod.Alpha, error) {
	a, err := exactIn(p, uint64(p.Alpha), uint64(p.TAO), uint64(want), minLiquidity, "alpha", "TAO", "selling for %d TAO")
	return dtaod.Alpha(a), err
}

// exactIn is both exact-out quotes, which are one computation with the reserves' roles swapped (k
// is symmetric): the least amount into the in reserve whose swap takes at least want out of the
// out reserve. The names only word the errors.
func exactIn(p Pool, in, out, want uint64, minLiquidity dtaod.TAO, inName, outName, what string) (uint64, error) {
	if in == 0 || out == 0 {
		return 0, fmt.Errorf("%w: the pool is empty", dtaod.ErrInsufficientLiquidity)
	}
	if want >= out || out-want < uint64(minLiquidity) {
		return 0, fmt.Errorf("%w: the pool holds %d %s", dtaod.ErrInsufficientLiquidity, out, outName)
	}
	// ceil(k/(in+x)) <= out-want  <=>  in+x >= k/(out-want)  <=>  x >= ceil(k/(out-want)) - in.
	need, ok := ceilDivK(p, out-want)
	if !ok {
		return 0, fmt.Errorf("%w: "+what+" needs a %s reserve above u64", dtaod.ErrOverflow, want, inName)
	}
	// need >= in since out-want <= out. What is left, ceil(k/need), fits (need >= in) and is the
	// reserve the swap checks.
	if left, _ := ceilDivK(p, need); left < uint64(minLiquidity) {
		return 0, fmt.Errorf("%w: %s reserve %d < %d", dtaod.ErrInsufficientLiquidity, outName, left, minLiquidity)
	}
	return need - in, nil
}
