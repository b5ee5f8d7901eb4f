package engine

import (
	"fmt"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
)

// TestSteadyStateBlocksDoNotAllocate: once warmed up, a block of coinbase and epochs (no orders)
// over 128 subnets allocates nothing, so month-long backtests run at memory-bandwidth speed.
func TestSteadyStateBlocksDoNotAllocate(t *testing.T) {
	st := pools.NewState()
	st.TotalIssuance = 8_000_000 * dtaod.RaoPerTAO
	st.RootTAO = 3_000_000 * dtaod.RaoPerTAO
	st.CreditStake("nominator", "rv", dtaod.Root, uint64(st.RootTAO))
	for i := 1; i <= 128; i++ {
		st.AddSubnet(&pools.Subnet{
			NetUID: dtaod.NetUID(i), TAOIn: dtaod.TAO(1000+i) * dtaod.RaoPerTAO, AlphaIn: 20_000 * dtaod.RaoPerTAO,
			AlphaOut: 10_000 * dtaod.RaoPerTAO, MovingPrice: 50_000_000_000_000_000, Tempo: 10, RegistrationAllowed: true,
			OwnerColdkey: "owner", OwnerHotkey: fmt.Sprint("owner-hk-", i),
			Neurons: []pools.Neuron{{Hotkey: "v1", Coldkey: "c1"}, {Hotkey: "rv", Coldkey: "c2"}},
		})
		st.CreditStake("c1", "v1", dtaod.NetUID(i), 10_000*dtaod.RaoPerTAO)
	}
	st.Seal()
	e := New(st, dtaod.DefaultParams(), 0, nil)
	var res BlockResult
	for range 50 { // warm up: every subnet has run an epoch and created its pools
		if err := e.Next(nil, &res); err != nil {
			t.Fatal(err)
		}
	}
	epochs := 0
	allocs := testing.AllocsPerRun(200, func() {
		if err := e.Next(nil, &res); err != nil {
			t.Fatal(err)
		}
		epochs += len(res.Epochs)
	})
	if epochs == 0 {
		t.Fatal("no epoch ran: the test would not cover the epoch path")
	}
	if allocs != 0 {
		t.Fatalf("a steady-state block allocates %.1f times, want 0", allocs)
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
}
