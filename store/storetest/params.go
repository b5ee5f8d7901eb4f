package storetest

import (
	"math"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
)

// The params cases join the Blocks group: they are state rows like the others.
func init() {
	blockTests = append(blockTests, test{"Params", testParams}, test{"GenesisParams", testGenesisParams})
}

// extremeParams has every parameter at the end of its range (u64 maxima, a full fraction, the
// last enum values), so a store that narrows a value shows.
func extremeParams() dtaod.Params {
	return dtaod.Params{
		BlockEmission: math.MaxUint64, TotalSupply: math.MaxUint64 - 1, Halving: dtaod.HalvingNone,
		EmissionShare: dtaod.ShareTAOReserve, TAOWeight: dtaod.FixedOne, MovingPriceAlpha: 1,
		MovingPriceHalvingBlocks: math.MaxUint64, OwnerCut: dtaod.FixedOne - 1, StakingFee: 1 << 63,
		MinStake: 0, MinPoolLiquidity: math.MaxUint64, DefaultTempo: math.MaxUint16,
		ValidatorTake: 0, Consensus: dtaod.ConsensusAggregate, RegistrationBurn: math.MaxUint64,
		MaxAllowedUIDs: math.MaxUint16, MaxAllowedValidators: 0, ImmunityPeriod: math.MaxUint64,
		ActivityCutoff: 0, WeightsRateLimit: math.MaxUint64 - 2, Kappa: 500_000_000_000_000_001,
		BondsMovingAverage: dtaod.FixedOne, NetworkMinLock: math.MaxUint64, NetworkLockReductionInterval: 1,
		SubnetLimit: math.MaxUint16,
	}
}

// testParams: Snapshot.Params round trip through blocks: set (every field at the end of its
// range), kept by a block that does not change them, changed, and back to none (the genesis
// params); the state hash covers them.
func testParams(t *testing.T, s store.Store) {
	c := newChain(t, s)
	got := checkState(t, s, c.state)
	if got.Params != nil {
		t.Fatalf("State of a genesis without params has params %+v", got.Params)
	}
	p := extremeParams()
	c.advance(nil, &pools.Changes{Globals: c.globalsAt(1), Params: &pools.ParamsChange{To: &p}})
	got = checkState(t, s, c.state)
	if got.Hash() != c.head.StateHash {
		t.Errorf("the state with params does not hash to the head's state hash")
	}

	c.advance(nil, &pools.Changes{Globals: c.globalsAt(2)}) // params unchanged
	checkState(t, s, c.state)

	q := dtaod.DefaultParams()
	q.StakingFee = 123_456
	c.advance(nil, &pools.Changes{Globals: c.globalsAt(3), Params: &pools.ParamsChange{To: &q}})
	got = checkState(t, s, c.state)
	if got.Params == nil || got.Params.StakingFee != 123_456 {
		t.Errorf("changed params read back as %+v", got.Params)
	}

	c.advance(nil, &pools.Changes{Globals: c.globalsAt(4), Params: &pools.ParamsChange{}}) // back to genesis
	got = checkState(t, s, c.state)
	if got.Params != nil {
		t.Errorf("params back to genesis read back as %+v", got.Params)
	}
}

// testGenesisParams: a genesis state that carries params stores and reads them back.
func testGenesisParams(t *testing.T, s store.Store) {
	st := genesisState()
	p := extremeParams()
	st.Params = &p
	must(t, s.InitGenesis(ctx(t), newGenesis(st), st.Clone()), "InitGenesis")
	got := checkState(t, s, st)
	if got.Hash() != st.Hash() {
		t.Errorf("the genesis state with params does not hash as stored")
	}
}
