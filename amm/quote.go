package amm

import (
	"github.com/dtaod/dtaod"
	"github.com/holiman/uint256"
)

// ExecutionPrice is the average price of a swap, tao/alpha TAO per alpha on the 18-decimal grid,
// rounded down; 0 when alpha is 0 (nothing was bought or sold, so there is no price). It is the
// number a user compares with the spot price to see what a trade really cost, and it is exact
// (no float64) so the API reports the same digits on every replica.
func ExecutionPrice(tao dtaod.TAO, alpha dtaod.Alpha) dtaod.Price {
	if alpha == 0 {
		return dtaod.Price{}
	}
	return priceOf(uint64(tao), uint64(alpha))
}

// Quote is the outcome of a stake or unstake computed without applying it: what goes in, what
// comes out, the fee, and the prices around the swap, so a client (the REST API's quote
// endpoints) can show a trade's cost before sending it. Amounts are typed by token rather than
// stored as a bare "in"/"out" pair, so TAO and alpha cannot be confused; AmountIn and AmountOut
// give the direction-neutral view.
type Quote struct {
	// Stake is true for a stake (TAO in, alpha out) and false for an unstake (alpha in, TAO out).
	Stake bool
	// TAO is the TAO side as the user sees it: the gross TAO paid, fee included, on a stake; the
	// net TAO received, fee deducted, on an unstake.
	TAO dtaod.TAO
	// Alpha is the alpha side: alpha received on a stake, alpha paid on an unstake.
	Alpha dtaod.Alpha
	// SwapTAO is the TAO that crossed the curve, fee excluded: gross - fee on a stake, the TAO
	// out before the fee on an unstake. It is the numerator of ExecutionPrice.
	SwapTAO dtaod.TAO
	// Fee is the flat fee charged; it stays in the pool's TAO reserve.
	Fee dtaod.TAO
	// SpotBefore is the pool's T/A before the trade.
	SpotBefore dtaod.Price
	// SpotAfter is T/A after the trade, with the fee already added back to the TAO reserve: the
	// price the next trader sees and the one a limit price bounds.
	SpotAfter dtaod.Price
	// ExecutionPrice is SwapTAO/Alpha (see ExecutionPrice): the swap's own average price, the fee
	// excluded so that it measures the curve's slippage alone.
	ExecutionPrice dtaod.Price
	// PriceImpact is |exec - spot_before| / spot_before as a fraction (0.01 = 1%), rounded down,
	// computed from the exact ratios SwapTAO/Alpha and T/A, not from the rounded prices above,
	// so it does not inherit their rounding. An exec price of 0 (nothing out) gives 1.0; 0 when
	// the spot price before is 0.
	PriceImpact dtaod.Price
	// After is the pool the trade would leave, fee included.
	After Pool
}

// AmountIn is what the user pays in base units: gross TAO on a stake, alpha on an unstake.
func (q Quote) AmountIn() uint64 {
	if q.Stake {
		return uint64(q.TAO)
	}
	return uint64(q.Alpha)
}

// AmountOut is what the user receives in base units: alpha on a stake, net TAO on an unstake.
func (q Quote) AmountOut() uint64 {
	if q.Stake {
		return uint64(q.Alpha)
	}
	return uint64(q.TAO)
}

// QuoteStake prices staking gross TAO (fee included) into p exactly as Stake would execute it,
// with the same errors, so a quote never promises what the trade cannot deliver.
func QuoteStake(p Pool, gross, fee, minLiquidity dtaod.TAO) (Quote, error) {
	out, next, err := Stake(p, gross, fee, minLiquidity)
	if err != nil {
		return Quote{}, err
	}
	swap := gross - fee // Stake succeeded, so gross >= fee
	return newQuote(true, p, next, gross, out, swap, fee), nil
}

// QuoteUnstake prices unstaking a alpha from p exactly as Unstake would execute it, with the same
// errors.
func QuoteUnstake(p Pool, a dtaod.Alpha, fee, minLiquidity dtaod.TAO) (Quote, error) {
	net, gross, next, err := Unstake(p, a, fee, minLiquidity)
	if err != nil {
		return Quote{}, err
	}
	return newQuote(false, p, next, net, a, gross, fee), nil
}

func newQuote(stake bool, before, after Pool, tao dtaod.TAO, alpha dtaod.Alpha, swap, fee dtaod.TAO) Quote {
	return Quote{
		Stake:          stake,
		TAO:            tao,
		Alpha:          alpha,
		SwapTAO:        swap,
		Fee:            fee,
		SpotBefore:     before.SpotPrice(),
		SpotAfter:      after.SpotPrice(),
		ExecutionPrice: ExecutionPrice(swap, alpha),
		PriceImpact:    priceImpact(before, swap, alpha),
		After:          after,
	}
}

// priceImpact returns floor(|x/y - T/A| / (T/A)) on the 18-digit grid, exactly:
// |x*A - T*y| * 1e18 / (T*y), with x/y taken as 0 when y is 0 (impact 1.0). 0 when T or A is 0.
func priceImpact(p Pool, x dtaod.TAO, y dtaod.Alpha) dtaod.Price {
	if p.TAO == 0 || p.Alpha == 0 {
		return dtaod.Price{}
	}
	if y == 0 {
		return dtaod.PriceFromFixed(dtaod.FixedOne)
	}
	var xa, ty, num uint256.Int
	xa.Mul(uint256.NewInt(uint64(x)), uint256.NewInt(uint64(p.Alpha))) // < 2^128
	ty.Mul(uint256.NewInt(uint64(p.TAO)), uint256.NewInt(uint64(y)))   // < 2^128, > 0
	if xa.Cmp(&ty) >= 0 {
		num.Sub(&xa, &ty)
	} else {
		num.Sub(&ty, &xa)
	}
	num.Mul(&num, fixedOne) // < 2^188
	num.Div(&num, &ty)
	return dtaod.PriceFromScaled(&num)
}
