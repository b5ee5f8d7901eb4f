package yuma

import (
	"math/bits"

	fp "github.com/dtaod/dtaod/fixedpoint"
)

// Split is the end of the chain's epoch(netuid, rao_emission): it turns the normalised emission
// vectors of out into per-UID alpha amounts of the epoch's emission a. server[i] is the miner
// (incentive) part and validator[i] the dividend part, each floor(I96F32(normalised) * a) with
// the crate's I96F32 product, exactly as the chain returns them to the coinbase.
//
// Servers get incentive and validators dividends, both divided by their joint sum, so with
// weights each side is about a/2; in the fallback (Output.Fallback: no usable weights) all of a
// goes to validators by active stake, or by stake when no validator is active, and when the
// subnet has no stake at all nobody is paid. Flooring keeps the total at or below a; the
// difference is returned as dust (all of a in that last case), which the chain never pays: its
// pending emission is reset after the epoch.
func Split(out *Output, a uint64, server, validator []uint64) (dust uint64) {
	amount := fp.I96F32FromU64(a)
	paid := uint64(0)
	for i, s := range out.ServerEmissionFixed {
		server[i] = scaleAmount(s, a, amount)
		validator[i] = scaleAmount(out.ValidatorEmissionFixed[i], a, amount)
		paid += server[i] + validator[i]
	}
	return a - paid
}

// scaleAmount is I96F32(x).saturating_mul(I96F32(a)).saturating_to_num::<u64>(), amount being
// I96F32(a). For 0 <= x <= 1.0 the product of the bits, x * a*2^32, shifted back by 32 is x*a
// exactly, below 2^96: no rounding and no saturation, and its integer part is floor(x*a / 2^32).
func scaleAmount(x fp.I32F32, a uint64, amount fp.I96F32) uint64 {
	if unit(x) {
		hi, lo := bits.Mul64(uint64(x), a)
		return hi<<32 | lo>>32
	}
	return x.ToI96F32().SaturatingMul(amount).SaturatingToU64()
}

// CombinedEmission is the chain's Emission storage for the epoch: floor(I96F32(normalised
// combined emission) * a) per UID. It can differ from server+validator by a unit of rounding,
// because the chain normalises the combined vector separately.
func CombinedEmission(out *Output, a uint64, dst []uint64) {
	amount := fp.I96F32FromU64(a)
	for i, c := range out.CombinedEmissionFixed {
		dst[i] = c.ToI96F32().SaturatingMul(amount).SaturatingToU64()
	}
}
