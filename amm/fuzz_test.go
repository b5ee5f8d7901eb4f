package amm

import (
	"math/big"
	"testing"

	"github.com/dtaod/dtaod"
)

// fuzzEdges are the seed values the brief asks for: the ends of the u64 range and its middle.
var fuzzEdges = []uint64{0, 1, 1 << 63, maxU64}

// FuzzSwap drives one swap (buy or sell, bare and with the fee) on an arbitrary pool, checking no
// panic, k never shrinks, exact conservation and the math/big reference (checkBuy etc.), and the
// exact-out quotes, the round trip and the quotes on the same inputs.
func FuzzSwap(f *testing.F) {
	i := 0
	for _, t := range fuzzEdges {
		for _, a := range fuzzEdges {
			for _, x := range fuzzEdges {
				f.Add(t, a, x, i%2 == 0, uint64(fee)*uint64(i%3))
				i++
			}
		}
	}
	f.Add(uint64(chainTA), uint64(chainTA), uint64(tenE9), false, uint64(fee))
	f.Add(uint64(tenE12), uint64(tenE12), uint64(tenE9), true, uint64(fee))
	f.Add(uint64(15_372_286_728_091_293_013), uint64(6), uint64(1), false, uint64(0))
	f.Fuzz(func(t *testing.T, T, A, x uint64, sell bool, fuzzFee uint64) {
		p := pool(T, A)
		fe := dtaod.TAO(fuzzFee)
		for _, min := range []dtaod.TAO{0, minLiq} {
			if sell {
				checkSell(t, p, dtaod.Alpha(x), min)
				checkUnstake(t, p, dtaod.Alpha(x), fe, min)
				checkAlphaForTAO(t, p, dtaod.TAO(x), min)
			} else {
				checkBuy(t, p, dtaod.TAO(x), min)
				checkStake(t, p, dtaod.TAO(x), fe, min)
				checkTAOForAlpha(t, p, dtaod.Alpha(x), min)
			}
			checkRoundTrip(t, p, dtaod.TAO(x), fe, min)
			checkQuotes(t, p, x, fe, min)
		}
	})
}

// fuzzLimit builds a limit mant << (shift % 128), cut to the 191 bits ParsePrice allows.
func fuzzLimit(mant uint64, shift uint8) dtaod.Price {
	return scaled(new(big.Int).Lsh(bu(mant), uint(shift%128)))
}

// FuzzLimit checks MaxBuy, MaxSell and MaxMove against spec 9.8's defining inequalities and that
// executing the fill never crosses the limit (checkMaxBuy etc.).
func FuzzLimit(f *testing.F) {
	for _, t := range fuzzEdges {
		for _, a := range fuzzEdges {
			for _, m := range fuzzEdges {
				f.Add(t, a, a, t, m, uint8(0), uint64(fee))
				f.Add(t, a, t, a, m, uint8(64), uint64(0))
			}
		}
	}
	f.Add(uint64(chainTA), uint64(chainTA), uint64(chainTA), uint64(chainTA), uint64(121*e18/100), uint8(0), uint64(fee))
	f.Add(uint64(chainTA), uint64(chainTA), uint64(2*chainTA), uint64(chainTA), uint64(81*e18/100), uint8(0), uint64(0))
	f.Fuzz(func(t *testing.T, t1, a1, t2, a2, mant uint64, shift uint8, fuzzFee uint64) {
		o, d := pool(t1, a1), pool(t2, a2)
		l := fuzzLimit(mant, shift)
		checkMaxBuy(t, o, l, dtaod.TAO(fuzzFee), MaxBuy(o, l))
		checkMaxBuy(t, o, l, 0, MaxBuy(o, l))
		checkMaxSell(t, o, l, MaxSell(o, l))
		checkMaxMove(t, o, d, l, MaxMove(o, d, l))
	})
}
