package storetest

import (
	"strings"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
)

var rangeTests = []test{
	{"GenesisAtMax", testGenesisAtMax},
	{"GenesisOutOfRange", testGenesisOutOfRange},
	{"BlockAtMax", testBlockAtMax},
	{"BlockOutOfRange", testBlockOutOfRange},
}

// above is 2^63, the smallest amount or height a store cannot hold.
const above = uint64(1) << 63

// stateRows are the rows of a state, or of a block's Changes, that hold amounts or heights.
type stateRows struct {
	g    *pools.Globals
	sn   *pools.SubnetRow
	bal  *pools.BalanceRow
	pool *pools.PoolRow
	nr   *pools.NeuronRow
}

// snapshotRows are the first rows of st.
func snapshotRows(st *pools.Snapshot) stateRows {
	return stateRows{&st.Globals, &st.Subnets[0], &st.Balances[0], &st.Pools[0], &st.Neurons[0]}
}

// changeRows are the first rows of ch, which must have globals and a row of each kind.
func changeRows(ch *pools.Changes) stateRows {
	return stateRows{ch.Globals, &ch.Subnets[0], &ch.Balances[0], &ch.Pools[0], &ch.Neurons[0]}
}

// rangeField is an amount or a block height, which a store holds up to 2^63-1. name is the Go
// type and field ("pools.SubnetRow.PendingAlpha"); exactly one of state (a field of a state
// row) and block (a field of a block outside its Changes) sets it to v.
type rangeField struct {
	name  string
	state func(r stateRows, v uint64)
	block func(b *store.Block, v uint64)
}

// field is the field's own name ("PendingAlpha").
func (f rangeField) field() string { return f.name[strings.LastIndexByte(f.name, '.')+1:] }

// put sets the field in b: in its Changes for a state field.
func (f rangeField) put(b *store.Block, v uint64) {
	if f.block != nil {
		f.block(b, v)
		return
	}
	f.state(changeRows(b.Changes), v)
}

// rangeFields are every amount and height of a block and of a state. The wide values
// (VolumeHi, VolumeLo, MovingPrice, prices, uint256s) keep their whole range and are not here;
// neither are the heights that must equal the block's (Header.Height, Block of orders, ledger
// entries and snapshots): a block with a wrong one is refused for that. TestRangeFields checks
// that the list names every uint64 field of those types.
var rangeFields = []rangeField{
	{name: "store.BlockHeader.Emission", block: func(b *store.Block, v uint64) { b.Header.Emission = dtaod.TAO(v) }},
	{name: "store.BlockHeader.TotalIssuance", block: func(b *store.Block, v uint64) { b.Header.TotalIssuance = dtaod.TAO(v) }},
	{name: "store.Receipt.TAO", block: func(b *store.Block, v uint64) { b.Orders[0].Receipt.TAO = dtaod.TAO(v) }},
	{name: "store.Receipt.Alpha", block: func(b *store.Block, v uint64) { b.Orders[0].Receipt.Alpha = dtaod.Alpha(v) }},
	{name: "store.Receipt.Fee", block: func(b *store.Block, v uint64) { b.Orders[len(b.Orders)-1].Receipt.Fee = dtaod.TAO(v) }},
	{name: "pools.Entry.Amount", block: func(b *store.Block, v uint64) { b.Ledger[len(b.Ledger)-1].Amount = v }},
	{name: "store.PoolSnapshot.TAOIn", block: func(b *store.Block, v uint64) { b.Snapshots[0].TAOIn = dtaod.TAO(v) }},
	{name: "store.PoolSnapshot.AlphaIn", block: func(b *store.Block, v uint64) { b.Snapshots[0].AlphaIn = dtaod.Alpha(v) }},
	{name: "store.PoolSnapshot.AlphaOut", block: func(b *store.Block, v uint64) { b.Snapshots[1].AlphaOut = dtaod.Alpha(v) }},
	{name: "store.PoolSnapshot.TAOInEmission", block: func(b *store.Block, v uint64) { b.Snapshots[0].TAOInEmission = dtaod.TAO(v) }},
	{name: "store.PoolSnapshot.AlphaInEmission", block: func(b *store.Block, v uint64) { b.Snapshots[0].AlphaInEmission = dtaod.Alpha(v) }},
	{name: "store.PoolSnapshot.AlphaOutEmission", block: func(b *store.Block, v uint64) { b.Snapshots[0].AlphaOutEmission = dtaod.Alpha(v) }},

	{name: "pools.Globals.Height", state: func(r stateRows, v uint64) { r.g.Height = dtaod.Block(v) }},
	{name: "pools.Globals.TotalIssuance", state: func(r stateRows, v uint64) { r.g.TotalIssuance = dtaod.TAO(v) }},
	{name: "pools.Globals.RootTAO", state: func(r stateRows, v uint64) { r.g.RootTAO = dtaod.TAO(v) }},
	{name: "pools.Globals.BurnShortfall", state: func(r stateRows, v uint64) { r.g.BurnShortfall = dtaod.TAO(v) }},
	{name: "pools.Globals.UnnamedRoot", state: func(r stateRows, v uint64) { r.g.UnnamedRoot = dtaod.TAO(v) }},
	{name: "pools.Globals.NetworkLastLock", state: func(r stateRows, v uint64) { r.g.NetworkLastLock = dtaod.TAO(v) }},
	{name: "pools.Globals.NetworkLastLockBlock", state: func(r stateRows, v uint64) { r.g.NetworkLastLockBlock = dtaod.Block(v) }},

	{name: "pools.SubnetRow.TAOIn", state: func(r stateRows, v uint64) { r.sn.TAOIn = dtaod.TAO(v) }},
	{name: "pools.SubnetRow.AlphaIn", state: func(r stateRows, v uint64) { r.sn.AlphaIn = dtaod.Alpha(v) }},
	{name: "pools.SubnetRow.AlphaOut", state: func(r stateRows, v uint64) { r.sn.AlphaOut = dtaod.Alpha(v) }},
	{name: "pools.SubnetRow.RegisteredAt", state: func(r stateRows, v uint64) { r.sn.RegisteredAt = dtaod.Block(v) }},
	{name: "pools.SubnetRow.PendingAlpha", state: func(r stateRows, v uint64) { r.sn.PendingAlpha = dtaod.Alpha(v) }},
	{name: "pools.SubnetRow.PendingOwnerCut", state: func(r stateRows, v uint64) { r.sn.PendingOwnerCut = dtaod.Alpha(v) }},
	{name: "pools.SubnetRow.PendingRootAlpha", state: func(r stateRows, v uint64) { r.sn.PendingRootAlpha = dtaod.Alpha(v) }},
	{name: "pools.SubnetRow.PendingRootTAO", state: func(r stateRows, v uint64) { r.sn.PendingRootTAO = dtaod.TAO(v) }},
	{name: "pools.SubnetRow.LastTAOInEmission", state: func(r stateRows, v uint64) { r.sn.LastTAOInEmission = dtaod.TAO(v) }},
	{name: "pools.SubnetRow.LastAlphaInEmission", state: func(r stateRows, v uint64) { r.sn.LastAlphaInEmission = dtaod.Alpha(v) }},
	{name: "pools.SubnetRow.LastAlphaOutEmission", state: func(r stateRows, v uint64) { r.sn.LastAlphaOutEmission = dtaod.Alpha(v) }},
	{name: "pools.SubnetRow.LastOwnerCut", state: func(r stateRows, v uint64) { r.sn.LastOwnerCut = dtaod.Alpha(v) }},
	{name: "pools.SubnetRow.LastRootDivsTAO", state: func(r stateRows, v uint64) { r.sn.LastRootDivsTAO = dtaod.TAO(v) }},
	{name: "pools.SubnetRow.UnnamedStake", state: func(r stateRows, v uint64) { r.sn.UnnamedStake = dtaod.Alpha(v) }},
	{name: "pools.BalanceRow.Free", state: func(r stateRows, v uint64) { r.bal.Free = dtaod.TAO(v) }},
	{name: "pools.PoolRow.Value", state: func(r stateRows, v uint64) { r.pool.Value = v }},
	{name: "pools.NeuronRow.RegisteredAt", state: func(r stateRows, v uint64) { r.nr.RegisteredAt = dtaod.Block(v) }},
	{name: "pools.NeuronRow.LastUpdate", state: func(r stateRows, v uint64) { r.nr.LastUpdate = dtaod.Block(v) }},
	{name: "pools.NeuronRow.Emission", state: func(r stateRows, v uint64) { r.nr.Emission = dtaod.Alpha(v) }},
}

// namesField reports whether an error message names field, as the Go field ("TAOInEmission")
// or as a column ("tao_in_emission"), in any case.
func namesField(msg, field string) bool {
	return strings.Contains(strings.ReplaceAll(strings.ToLower(msg), "_", ""), strings.ToLower(field))
}

// testGenesisAtMax: a genesis state with every amount and height at 2^63-1 is stored and reads
// back exactly.
func testGenesisAtMax(t *testing.T, s store.Store) {
	st := genesisState()
	for _, f := range rangeFields {
		if f.state != nil {
			f.state(snapshotRows(st), maxI64)
		}
	}
	g := newGenesis(st)
	must(t, s.InitGenesis(ctx(t), g, st.Clone()), "InitGenesis with every amount at 2^63-1")
	got := checkState(t, s, st)
	if got.Hash() != g.StateHash {
		t.Errorf("State().Hash() = %x, want the genesis StateHash %x", got.Hash(), g.StateHash)
	}
}

// testGenesisOutOfRange: a genesis state with any one amount or height at 2^63 is refused with
// ErrOutOfRange, naming the field, and nothing is stored: no genesis, no state, and the right
// genesis can then be stored.
func testGenesisOutOfRange(t *testing.T, s store.Store) {
	for _, f := range rangeFields {
		if f.state == nil {
			continue
		}
		st := genesisState()
		f.state(snapshotRows(st), above)
		err := s.InitGenesis(ctx(t), newGenesis(st), st)
		wantErr(t, err, store.ErrOutOfRange, "InitGenesis with "+f.name+" = 2^63")
		if err != nil && !namesField(err.Error(), f.field()) {
			t.Errorf("InitGenesis with %s = 2^63: the error %q does not name the field", f.name, err)
		}
		_, err = s.Genesis(ctx(t))
		wantErr(t, err, store.ErrNotFound, "Genesis after a refused InitGenesis ("+f.name+")")
		_, err = s.State(ctx(t))
		wantErr(t, err, store.ErrNotFound, "State after a refused InitGenesis ("+f.name+")")
		if t.Failed() {
			return
		}
	}
	st := genesisState()
	must(t, s.InitGenesis(ctx(t), newGenesis(st), st.Clone()), "InitGenesis after refused ones")
	checkState(t, s, st)
}

// testBlockAtMax: a block with every amount and height at 2^63-1, in its header, receipts,
// ledger, snapshots and state rows, commits and reads back exactly.
func testBlockAtMax(t *testing.T, s store.Store) {
	c := newChain(t, s)
	orders := submit(t, s, 3)
	ch := block1Changes(c)
	for _, f := range rangeFields {
		if f.state != nil {
			f.state(changeRows(ch), maxI64)
		}
	}
	b, want := c.next(orders, ch)
	for _, f := range rangeFields {
		if f.block != nil {
			f.block(b, maxI64)
		}
	}
	c.commit(b, want)
	checkBlock(t, s, b)
	checkState(t, s, c.state)
}

// testBlockOutOfRange: a block with any one amount or height at 2^63 fails with ErrOutOfRange,
// naming the field, and writes nothing (head, mempool, state, history rows); the same block in
// range then commits.
func testBlockOutOfRange(t *testing.T, s store.Store) {
	c := newChain(t, s)
	orders := submit(t, s, 3)
	seqs := seqsOf(orders)
	before := look(t, s, seqs...)
	for _, f := range rangeFields {
		b, _ := c.next(orders[:2], block1Changes(c))
		f.put(b, above)
		err := s.CommitBlock(ctx(t), c.lease, b)
		wantErr(t, err, store.ErrOutOfRange, "a block with "+f.name+" = 2^63")
		if err != nil && !namesField(err.Error(), f.field()) {
			t.Errorf("a block with %s = 2^63: the error %q does not name the field", f.name, err)
		}
		unchanged(t, s, before, seqs...)
		if t.Failed() {
			return
		}
	}
	b := c.advance(orders[:2], block1Changes(c))
	checkBlock(t, s, b)
	checkState(t, s, c.state)
}
