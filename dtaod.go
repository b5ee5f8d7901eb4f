// Package dtaod holds the domain vocabulary every other package shares: typed amounts in base
// units, subnet and block identifiers, fixed-point decimals and the error codes an operation can
// fail with. It has no behaviour of its own beyond checked arithmetic and formatting, so the pure
// core (amm, pools, emission) and the edges (backtest, api) agree on one meaning for each number.
package dtaod

import (
	"math/bits"
	"strconv"
)

// TAO is an amount of TAO in rao (1 TAO = 1e9 rao). A distinct type stops TAO and alpha from
// being added together by accident, the classic bug of a two-token ledger.
type TAO uint64

// Alpha is an amount of a subnet's alpha token in its 1e-9 base unit.
type Alpha uint64

// NetUID identifies a subnet; 0 is root.
type NetUID uint16

// Block is a block height.
type Block uint64

// RaoPerTAO is the number of base units in one whole token (TAO or alpha).
const RaoPerTAO = 1_000_000_000

// Root is the netuid of the root network, where stake is TAO held 1:1.
const Root NetUID = 0

// String prints whole tokens with nine decimals, the unit people read; ledgers keep rao.
func (t TAO) String() string { return formatUnits(uint64(t)) }

// String prints whole alpha with nine decimals.
func (a Alpha) String() string { return formatUnits(uint64(a)) }

func formatUnits(v uint64) string {
	frac := strconv.FormatUint(v%RaoPerTAO, 10)
	for len(frac) < 9 {
		frac = "0" + frac
	}
	return strconv.FormatUint(v/RaoPerTAO, 10) + "." + frac
}

// AddTAO adds two TAO amounts, reporting overflow instead of wrapping.
func AddTAO(a, b TAO) (TAO, bool) {
	s, c := bits.Add64(uint64(a), uint64(b), 0)
	return TAO(s), c == 0
}

// SubTAO subtracts b from a, reporting underflow instead of wrapping.
func SubTAO(a, b TAO) (TAO, bool) {
	d, br := bits.Sub64(uint64(a), uint64(b), 0)
	return TAO(d), br == 0
}

// AddAlpha adds two alpha amounts, reporting overflow instead of wrapping.
func AddAlpha(a, b Alpha) (Alpha, bool) {
	s, c := bits.Add64(uint64(a), uint64(b), 0)
	return Alpha(s), c == 0
}

// SubAlpha subtracts b from a, reporting underflow instead of wrapping.
func SubAlpha(a, b Alpha) (Alpha, bool) {
	d, br := bits.Sub64(uint64(a), uint64(b), 0)
	return Alpha(d), br == 0
}

// MulDiv returns floor(a*b/c) exactly through a 128-bit product, and false when c is zero or the
// quotient does not fit in 64 bits. It is the workhorse of every pro-rata split in the engine.
func MulDiv(a, b, c uint64) (uint64, bool) {
	if c == 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return 0, false
	}
	q, _ := bits.Div64(hi, lo, c)
	return q, true
}
