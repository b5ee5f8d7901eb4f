package amm

import (
	"testing"

	"github.com/dtaod/dtaod"
)

var (
	sinkAlpha dtaod.Alpha
	sinkTAO   dtaod.TAO
	sinkPool  Pool
)

// A realistic pool (1M TAO against 5M alpha) and chain-sized orders; the amount varies with i
// so that the division is not hoisted.
var benchPool = pool(1_000_000_000_000_000, 5_000_000_000_000_000)

func BenchmarkBuyAlpha(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sinkAlpha, sinkPool, _ = BuyAlpha(benchPool, dtaod.TAO(tenE9+i&1023), minLiq)
	}
}

func BenchmarkSellAlpha(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sinkTAO, sinkPool, _ = SellAlpha(benchPool, dtaod.Alpha(tenE9+i&1023), minLiq)
	}
}

func BenchmarkMaxBuy(b *testing.B) {
	l := price("0.2001")
	b.ReportAllocs()
	for b.Loop() {
		sinkTAO = MaxBuy(benchPool, l)
	}
}
