package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
	"github.com/holiman/uint256"
)

var blockTests = []test{
	{"CommitAndRead", testCommitAndRead},
	{"StateChanges", testStateChanges},
	{"EmptyBlock", testEmptyBlock},
	{"History", testHistory},
	{"ReadMissing", testReadMissing},
}

// block1Changes is a rich first block: every table gets an update, an insert and (where the
// table has deletes) a delete; values sit at the ends of their ranges.
func block1Changes(c *chain) *pools.Changes {
	g := c.globalsAt(1)
	g.TAOOffset = maxU256
	s1 := subnetRow(1, 2)
	s1.TAOIn++
	s1.AlphaIn = dtaod.Alpha(maxI64)
	s1.MovingPrice = 0
	s1.RegistrationAllowed = !s1.RegistrationAllowed
	s1.OwnerHotkey = "owner-hk-new 'ü'"
	return &pools.Changes{
		Globals:        g,
		Subnets:        []pools.SubnetRow{s1, subnetRow(9, 9)},
		Balances:       []pools.BalanceRow{{Coldkey: "alice", Free: 999}, {Coldkey: "dave", Free: dtaod.TAO(maxI64)}},
		DeleteBalances: []string{"bob"},
		Pools: []pools.PoolRow{
			{NetUID: 1, Hotkey: "hk-a", Value: 1, Denom: maxU256},
			{NetUID: 9, Hotkey: "hk-new", Value: 5, Denom: nearU255},
		},
		DeletePools: []pools.PoolKey{{NetUID: 7, Hotkey: "hk-a"}},
		Shares: []pools.ShareRow{
			{NetUID: 1, Hotkey: "hk-a", Coldkey: "alice", Shares: *uint256.NewInt(1)},
			{NetUID: 9, Hotkey: "hk-new", Coldkey: "dave", Shares: nearU255},
		},
		DeleteShares: []pools.ShareKey{{NetUID: 7, Hotkey: "hk-a", Coldkey: "émile 'o"}, {NetUID: 1, Hotkey: "hk-a", Coldkey: "Zed"}},
		Neurons: []pools.NeuronRow{
			neuronRow(1, 0, "hk-a", []pools.Weight{{UID: 0, Value: 1}, {UID: 1, Value: 2}, {UID: 5, Value: 65535}}, nil),
			neuronRow(9, 0, "hk-new", []pools.Weight{{UID: 0, Value: 9}}, []pools.Weight{{UID: 0, Value: 8}}),
		},
		DeleteNeurons: []pools.NeuronKey{{NetUID: 7, UID: 0}},
	}
}

// block2Changes re-inserts a deleted balance, empties a neuron's weights and deletes what
// block 1 inserted.
func block2Changes(c *chain) *pools.Changes {
	return &pools.Changes{
		Globals:        c.globalsAt(2),
		Balances:       []pools.BalanceRow{{Coldkey: "bob", Free: 1}},
		DeleteBalances: []string{"Zed", "émile 'o"},
		DeletePools:    []pools.PoolKey{{NetUID: 9, Hotkey: "hk-new"}},
		DeleteShares:   []pools.ShareKey{{NetUID: 9, Hotkey: "hk-new", Coldkey: "dave"}},
		Neurons: []pools.NeuronRow{
			neuronRow(1, 0, "hk-a", []pools.Weight{}, []pools.Weight{{UID: 0, Value: 1}, {UID: 1, Value: 65535}}),
		},
		DeleteNeurons: []pools.NeuronKey{{NetUID: 7, UID: 65535}, {NetUID: 9, UID: 0}},
	}
}

// checkBlock fails the test unless s returns b exactly through Header, BlockOrders, Ledger and
// Snapshots (sorted by netuid).
func checkBlock(t *testing.T, s store.Store, b *store.Block) {
	t.Helper()
	h := b.Header.Height
	hdr, err := s.Header(ctx(t), h)
	must(t, err, fmt.Sprintf("Header(%d)", h))
	equal(t, fmt.Sprintf("Header(%d)", h), hdr, &b.Header)
	orders, err := s.BlockOrders(ctx(t), h)
	must(t, err, fmt.Sprintf("BlockOrders(%d)", h))
	equal(t, fmt.Sprintf("BlockOrders(%d)", h), orders, b.Orders)
	ledger, err := s.Ledger(ctx(t), h)
	must(t, err, fmt.Sprintf("Ledger(%d)", h))
	equal(t, fmt.Sprintf("Ledger(%d)", h), ledger, b.Ledger)
	snaps, err := s.Snapshots(ctx(t), h)
	must(t, err, fmt.Sprintf("Snapshots(%d)", h))
	equal(t, fmt.Sprintf("Snapshots(%d)", h), snaps, byNetUID(b.Snapshots))
}

// checkState fails the test unless s's state is want.
func checkState(t *testing.T, s store.Store, want *pools.Snapshot) *pools.Snapshot {
	t.Helper()
	got, err := s.State(ctx(t))
	must(t, err, "State")
	equal(t, fmt.Sprintf("State at height %d", want.Globals.Height), got, want)
	return got
}

// testCommitAndRead: a committed block reads back exactly, moves the head and the mempool, and
// the state is the previous one with the block's changes.
func testCommitAndRead(t *testing.T, s store.Store) {
	c := newChain(t, s)
	orders := submit(t, s, 4)
	b := c.advance(orders[:3], block1Changes(c))

	head, err := s.Head(ctx(t))
	must(t, err, "Head")
	equal(t, "Head", head, &b.Header)
	checkBlock(t, s, b)
	got := checkState(t, s, c.state)

	// Independent of Snapshot.Apply: the changes are visible in the rows.
	if got.Globals.Height != 1 || got.Globals.TAOOffset != maxU256 {
		t.Errorf("State globals: height %d, TAOOffset %s; want 1 and 2^256-1", got.Globals.Height, got.Globals.TAOOffset.Dec())
	}
	for _, r := range got.Balances {
		if r.Coldkey == "bob" {
			t.Errorf("State still holds the deleted balance of bob")
		}
		if r.Coldkey == "alice" && r.Free != 999 {
			t.Errorf("alice's balance = %d, want 999", r.Free)
		}
	}
	for _, p := range got.Pools {
		if p.NetUID == 7 && p.Hotkey == "hk-a" {
			t.Errorf("State still holds the deleted pool (7, hk-a)")
		}
	}
	for _, n := range got.Neurons {
		if n.NetUID == 7 && n.UID == 0 {
			t.Errorf("State still holds the deleted neuron (7, 0)")
		}
	}
	if len(got.Subnets) != 5 || got.Subnets[4].NetUID != dtaod.NetUID(65535) || got.Subnets[3].NetUID != 9 {
		t.Errorf("State subnets: %d rows, want 5 ending with netuids 9 and 65535", len(got.Subnets))
	}
	if got.Hash() != b.Header.StateHash {
		t.Errorf("State().Hash() = %x, want the block's StateHash %x", got.Hash(), b.Header.StateHash)
	}
	n, err := s.PendingCount(ctx(t))
	must(t, err, "PendingCount")
	equal(t, "PendingCount after the block", n, 1)
}

// testStateChanges: a series of blocks inserts, replaces and deletes rows of every table,
// including re-inserting a deleted key and emptying a neuron's weights; a block whose Changes
// leave the globals nil keeps them.
func testStateChanges(t *testing.T, s store.Store) {
	c := newChain(t, s)
	c.advance(nil, block1Changes(c))
	checkState(t, s, c.state)

	c.advance(nil, block2Changes(c))
	got := checkState(t, s, c.state)
	for _, r := range got.Neurons {
		if r.NetUID == 1 && r.UID == 0 && (len(r.Weights) != 0 || len(r.Bonds) != 2) {
			t.Errorf("neuron (1, 0): %d weights and %d bonds, want 0 and 2", len(r.Weights), len(r.Bonds))
		}
	}
	if len(got.Balances) != 3 || got.Balances[0].Coldkey != "alice" || got.Balances[1] != (pools.BalanceRow{Coldkey: "bob", Free: 1}) {
		t.Errorf("balances after block 2 = %+v, want alice, bob (re-inserted, 1) and dave", got.Balances)
	}

	c.advance(nil, &pools.Changes{})
	got = checkState(t, s, c.state)
	if got.Globals.Height != 2 {
		t.Errorf("after a block with nil Changes.Globals, the state height = %d, want 2 (unchanged)", got.Globals.Height)
	}

	g := c.globalsAt(4)
	g.TAOOffset = uint256.Int{}
	g.RootTAO = 0
	c.advance(nil, &pools.Changes{Globals: g, Subnets: []pools.SubnetRow{{NetUID: 1}}})
	checkState(t, s, c.state)
}

// testEmptyBlock: a block with no orders, ledger entries or snapshots commits and reads back
// as empty.
func testEmptyBlock(t *testing.T, s store.Store) {
	c := newChain(t, s)
	pending := submit(t, s, 2)
	b, want := c.next(nil, &pools.Changes{Globals: c.globalsAt(1)})
	b.Ledger, b.Snapshots = nil, nil
	c.commit(b, want)
	checkBlock(t, s, b)
	checkState(t, s, c.state)
	got, err := s.Pending(ctx(t), 10)
	must(t, err, "Pending")
	equal(t, "Pending after an empty block", got, pending)
}

// testHistory: every block of a chain stays readable exactly after later blocks.
func testHistory(t *testing.T, s store.Store) {
	c := newChain(t, s)
	orders := submit(t, s, 8)
	c.advance(orders[0:3], block1Changes(c))
	c.advance(orders[3:4], block2Changes(c))
	c.advance(orders[4:8], &pools.Changes{Globals: c.globalsAt(3)})
	for _, b := range c.blocks {
		checkBlock(t, s, b)
	}
	head, err := s.Head(ctx(t))
	must(t, err, "Head")
	equal(t, "Head after 3 blocks", head, &c.blocks[2].Header)
	checkState(t, s, c.state)
	n, err := s.PendingCount(ctx(t))
	must(t, err, "PendingCount")
	equal(t, "PendingCount after including everything", n, 0)
	last, err := s.LastPendingSeq(ctx(t))
	must(t, err, "LastPendingSeq")
	equal(t, "LastPendingSeq after including everything", last, int64(0))
}

// testReadMissing: blocks that do not exist are ErrNotFound (Header) or ErrNotFound / no rows
// (the per-block lists).
func testReadMissing(t *testing.T, s store.Store) {
	c := newChain(t, s)
	c.advance(submit(t, s, 1), &pools.Changes{Globals: c.globalsAt(1)})
	for _, h := range []dtaod.Block{0, 2, 3, 1 << 40} {
		_, err := s.Header(ctx(t), h)
		wantErr(t, err, store.ErrNotFound, fmt.Sprintf("Header(%d)", h))
		if !blockAbsent(t, s, h) {
			t.Errorf("block %d: the store returns rows for a block it does not hold", h)
		}
	}
	if blockAbsent(t, s, 1) {
		t.Errorf("block 1: the store returns no rows for a block it holds")
	}
}

// errIsAny reports whether err is one of targets.
func errIsAny(err error, targets ...error) bool {
	for _, target := range targets {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
