package storetest

import (
	"fmt"
	"math"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
)

var conflictTests = []test{
	{"BeforeGenesis", testCommitBeforeGenesis},
	{"WrongParent", testWrongParent},
	{"WrongHeight", testWrongHeight},
	{"OrderNotPending", testOrderNotPending},
	{"BadChanges", testBadChanges},
}

// rejected commits b, which must fail with ErrConflict and write nothing.
func rejected(t *testing.T, c *chain, b *store.Block, what string) {
	t.Helper()
	seqs := make([]int64, 0, len(b.Orders))
	for _, o := range b.Orders {
		seqs = append(seqs, o.Seq)
	}
	before := look(t, c.s, seqs...)
	err := c.s.CommitBlock(ctx(t), c.lease, b)
	wantErr(t, err, store.ErrConflict, what)
	unchanged(t, c.s, before, seqs...)
}

// testCommitBeforeGenesis: with no genesis there is nothing to extend.
func testCommitBeforeGenesis(t *testing.T, s store.Store) {
	c := attach(t, s)
	orders := submit(t, s, 2)
	b, _ := c.next(orders, &pools.Changes{Globals: c.globalsAt(1)})
	before := look(t, s, seqsOf(orders)...)
	err := s.CommitBlock(ctx(t), c.lease, b)
	if !errIsAny(err, store.ErrConflict, store.ErrNotFound) {
		t.Errorf("CommitBlock before InitGenesis: err = %v, want ErrConflict or ErrNotFound", err)
	}
	unchanged(t, s, before, seqsOf(orders)...)
	_, err = s.Genesis(ctx(t))
	wantErr(t, err, store.ErrNotFound, "Genesis after a refused block")
}

// testWrongParent: block 1 must name the genesis state as its parent; a refused block leaves
// no rows behind, so the right block 1 then reads back with only its own rows.
func testWrongParent(t *testing.T, s store.Store) {
	c := newChain(t, s)
	orders := submit(t, s, 3)
	for _, tc := range []struct {
		name   string
		parent func(b *store.Block) [32]byte
	}{
		{"a zero parent", func(*store.Block) [32]byte { return [32]byte{} }},
		{"a parent one bit off", func(*store.Block) [32]byte { h := c.gen.StateHash; h[0] ^= 0x80; return h }},
		{"its own hash as parent", func(b *store.Block) [32]byte { return b.Header.StateHash }},
		{"an unrelated parent", func(*store.Block) [32]byte { return [32]byte{1, 2, 3, 4, 5, 6, 7, 8, 9} }},
	} {
		b, _ := c.next(orders[:2], block1Changes(c))
		b.Header.ParentHash = tc.parent(b)
		if b.Header.ParentHash == c.gen.StateHash {
			t.Fatalf("fixture: %s is the genesis hash", tc.name)
		}
		rejected(t, c, b, "block 1 with "+tc.name)
	}

	// The right block 1, with fewer ledger entries and snapshots than the refused ones.
	b, want := c.next(orders[1:2], &pools.Changes{Globals: c.globalsAt(1)})
	b.Ledger, b.Snapshots = b.Ledger[:2], b.Snapshots[:1]
	c.commit(b, want)
	checkBlock(t, s, b)
	checkState(t, s, c.state)
	for _, o := range []store.Order{orders[0], orders[2]} {
		st, err := s.OrderStatus(ctx(t), o.Seq)
		must(t, err, "OrderStatus")
		if !st.Pending || st.Included != nil {
			t.Errorf("order %d: pending %v, included %v; a refused block must not include it", o.Seq, st.Pending, st.Included != nil)
		}
	}
}

// testWrongHeight: heights that are not head+1 are refused, whatever the parent.
func testWrongHeight(t *testing.T, s store.Store) {
	c := newChain(t, s)
	orders := submit(t, s, 3)
	for _, h := range []dtaod.Block{0, 2, 3, math.MaxUint32, 1 << 63} {
		b, _ := c.next(orders[:1], &pools.Changes{Globals: c.globalsAt(h)})
		b.Header.Height = h
		rejected(t, c, b, fmt.Sprintf("first block at height %d", h))
	}
	b1 := c.advance(orders[:1], &pools.Changes{Globals: c.globalsAt(1)})

	// Block 1 again, as written and as a rival extending genesis.
	again := *b1
	again.Orders = nil
	again.Header.Orders = 0
	rejected(t, c, &again, "block 1 committed twice")
	rival, _ := c.next(orders[1:2], &pools.Changes{Globals: c.globalsAt(1)})
	rival.Header.Height, rival.Header.ParentHash = 1, c.gen.StateHash
	rejected(t, c, rival, "a second block 1 extending genesis")

	for _, tc := range []struct {
		name   string
		height dtaod.Block
		parent [32]byte
	}{
		{"height 2 with the genesis parent", 2, c.gen.StateHash},
		{"height 3 with the head's parent", 3, b1.Header.StateHash},
		{"height 1 with the head's parent", 1, b1.Header.StateHash},
	} {
		b, _ := c.next(orders[1:2], &pools.Changes{Globals: c.globalsAt(2)})
		b.Header.Height, b.Header.ParentHash = tc.height, tc.parent
		rejected(t, c, b, tc.name)
	}
	b2 := c.advance(orders[1:3], &pools.Changes{Globals: c.globalsAt(2)})
	checkBlock(t, s, b1)
	checkBlock(t, s, b2)
	checkState(t, s, c.state)
}

// testOrderNotPending: a block including an unknown order, an included one or the same order
// twice is refused, even with other orders that are pending.
func testOrderNotPending(t *testing.T, s store.Store) {
	c := newChain(t, s)
	orders := submit(t, s, 4)
	b1 := c.advance(orders[:1], &pools.Changes{Globals: c.globalsAt(1)})
	included := b1.Orders[0].Order
	unknown := store.Order{Seq: orders[3].Seq + 1000, Payload: []byte(`{}`)}

	for _, tc := range []struct {
		name string
		in   []store.Order
	}{
		{"an unknown seq", []store.Order{orders[1], unknown}},
		{"an unknown seq first", []store.Order{unknown, orders[1], orders[2]}},
		{"an included order", []store.Order{orders[1], included}},
		{"the same order twice", []store.Order{orders[1], orders[2], orders[1]}},
	} {
		b, _ := c.next(tc.in, &pools.Changes{Globals: c.globalsAt(2)})
		rejected(t, c, b, "a block with "+tc.name)
	}
	st, err := s.OrderStatus(ctx(t), included.Seq)
	must(t, err, "OrderStatus")
	equal(t, "the included order after refused blocks", st, &store.OrderStatus{Order: included, Included: &b1.Orders[0]})
	_, err = s.OrderStatus(ctx(t), unknown.Seq)
	wantErr(t, err, store.ErrNotFound, "OrderStatus of the unknown seq after refused blocks")

	b2 := c.advance(orders[1:4], &pools.Changes{Globals: c.globalsAt(2)})
	checkBlock(t, s, b2)
	n, err := s.PendingCount(ctx(t))
	must(t, err, "PendingCount")
	equal(t, "PendingCount", n, 0)
}

// testBadChanges: a block whose Changes do not apply to the state (a delete of a row that does
// not exist, an upsert and a delete of one key). The interface does not say whether a store must
// detect this; if CommitBlock fails, it must have written nothing, and if it succeeds the block
// must be the head.
func testBadChanges(t *testing.T, s store.Store) {
	c := newChain(t, s)
	orders := submit(t, s, 2)
	for _, ch := range []*pools.Changes{
		{Globals: c.globalsAt(1), Balances: []pools.BalanceRow{{Coldkey: "alice", Free: 1}}, DeleteBalances: []string{"nobody"}},
		{Globals: c.globalsAt(1), Neurons: []pools.NeuronRow{neuronRow(1, 0, "x", nil, nil)}, DeleteNeurons: []pools.NeuronKey{{NetUID: 1, UID: 0}}},
	} {
		b := &store.Block{Header: store.BlockHeader{Height: 1, ParentHash: c.gen.StateHash, StateHash: [32]byte{1}, Orders: 2},
			Ledger: ledgerFor(1, 2), Snapshots: snapshotsFor(1, c.state), Changes: ch}
		for i, o := range orders {
			b.Orders = append(b.Orders, store.IncludedOrder{Order: o, Block: 1, Index: i, Receipt: receiptFor(1, i)})
		}
		before := look(t, s, seqsOf(orders)...)
		if err := s.CommitBlock(ctx(t), c.lease, b); err != nil {
			unchanged(t, s, before, seqsOf(orders)...)
			continue
		}
		t.Logf("the store accepted a block whose Changes do not apply")
		head, err := s.Head(ctx(t))
		must(t, err, "Head")
		equal(t, "Head after accepting bad changes", head, &b.Header)
		return
	}
}
