package emission

import (
	"fmt"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
)

// benchState is a launch-like network: n subnets of varied reserves and prices, 3M TAO on root,
// two registered validators each.
func benchState(n int) *pools.State {
	st := pools.NewState()
	st.TotalIssuance = 8_000_000 * dtaod.RaoPerTAO
	st.RootTAO = 3_000_000 * dtaod.RaoPerTAO
	st.CreditStake("root-nominator", "rv", dtaod.Root, uint64(st.RootTAO))
	for i := 1; i <= n; i++ {
		s := &pools.Subnet{
			NetUID: dtaod.NetUID(i), TAOIn: dtaod.TAO(1_000+37*i) * dtaod.RaoPerTAO, AlphaIn: dtaod.Alpha(20_000+101*i) * dtaod.RaoPerTAO,
			AlphaOut: 10_000 * dtaod.RaoPerTAO, MovingPrice: dtaod.Fixed(uint64(i) * 1_000_000_000_000_000), Tempo: 360,
			RegistrationAllowed: true, OwnerColdkey: "owner", OwnerHotkey: fmt.Sprintf("owner-%d", i),
			Neurons: []pools.Neuron{{Hotkey: "v1", Coldkey: "c1"}, {Hotkey: "rv", Coldkey: "c2"}},
		}
		st.AddSubnet(s)
		st.CreditStake("c1", "v1", s.NetUID, 10_000*dtaod.RaoPerTAO)
	}
	st.Seal()
	return st
}

// BenchmarkCoinbase is one block's coinbase over 128 subnets (spec section 6): the split, the
// injections, owner cuts, root sales and moving prices.
func BenchmarkCoinbase(b *testing.B) {
	st := benchState(128)
	p := dtaod.DefaultParams()
	var sc Scratch
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Coinbase(st, &p, dtaod.Block(i+1), &sc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/128, "ns/subnet")
}

// BenchmarkEpochFallback is one subnet's fallback epoch with two validators.
func BenchmarkEpochFallback(b *testing.B) {
	st := benchState(1)
	p := dtaod.DefaultParams()
	var sc Scratch
	s := st.Subnets[0]
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sc.BeginBlock() // as the engine does every block: reset the epoch-result arena
		if _, err := Coinbase(st, &p, dtaod.Block(i+1), &sc); err != nil {
			b.Fatal(err)
		} // as the engine does every block: reset the epoch-result arena
		Epoch(st, &p, s, dtaod.Block(i+1), Fallback{}, &sc)
	}
}
