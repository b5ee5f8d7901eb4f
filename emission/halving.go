// Package emission is what the chain mints and pays every block: the halving schedule, the
// coinbase that splits TAO across subnets and injects it into their pools, the owner cut, the
// root dividends and their sale, the moving price, and the epoch that pays out what is pending.
// It is pure: state and parameters in, state out, and every rounding point is the one fixed by
// section 9 of the economics spec so two engines agree to the rao.
package emission

import (
	"math/bits"

	"github.com/dtaod/dtaod"
)

// BlockEmission is the emission for an issuance (TAO, or one subnet's alpha) under p: 0 at or
// past the cap, else block_emission >> k with k the largest integer such that 2^k*(cap-I) <= cap
// (spec 9.1), so emission halves as issuance crosses 1/2, 3/4, 7/8... of the supply.
func BlockEmission(p *dtaod.Params, issuance uint64) uint64 {
	c := uint64(p.TotalSupply)
	if issuance >= c {
		return 0
	}
	if p.Halving == dtaod.HalvingNone {
		return uint64(p.BlockEmission)
	}
	d := c - issuance
	k := bits.Len64(c) - bits.Len64(d) // d<<k has c's bit length, so it cannot overflow
	if d<<k > c {
		k--
	}
	if k >= 64 {
		return 0
	}
	return uint64(p.BlockEmission) >> k
}
