// Package storetest is the conformance suite every store.Store must pass. A store's own test
// calls Run with a function that opens a fresh, empty store:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return mem.New() })
//	}
//
// # What the suite requires beyond store.go
//
// The interface leaves a few things open; the suite pins them down as follows.
//
//   - Lifetime: open owns the store it returns (register t.Cleanup to close it and drop its
//     data). The suite calls Close itself only in the Close subtest, so Close must be
//     idempotent; after Close, methods may fail but must not panic.
//   - Values round trip exactly. Amounts and block heights (TAO and Alpha fields, ledger
//     amounts, share-pool values, the heights in state rows) up to 2^63-1 (math.MaxInt64):
//     neither can reach 2^63, and a store holds them as signed 64-bit integers. A block or a
//     genesis state carrying one above that fails CommitBlock or InitGenesis with
//     store.ErrOutOfRange and writes nothing (store.CheckRange and CheckSnapshotRange are the
//     rule, field by field; see range.go). The rest over the full range of their Go types:
//     VolumeHi, VolumeLo and MovingPrice up to 2^64-1, uint256 values up to 2^256-1 (pool
//     denominators, shares, TAOOffset), prices with all 18 decimals and up to 2^200 scaled.
//     Strings are valid UTF-8 without NUL and may hold quotes and non-ASCII.
//   - Bytes are opaque: Genesis.Document and order payloads come back byte for byte (the suite
//     uses JSON with unusual spacing; a jsonb column would re-encode it).
//   - Rows come back in the order the snapshot contract defines, comparing strings byte-wise
//     (Go's string order, PostgreSQL's COLLATE "C"), not by a locale collation.
//   - Times: the store assigns SubmittedAt (about now); ProducedAt and ApplyTime must keep at
//     least microsecond precision (the suite uses whole microseconds). Times are compared with
//     time.Time.Equal, so the location may change.
//   - No rows: a store may return a nil or an empty slice; the suite treats them as equal, for
//     result lists and for the slices inside rows (NeuronRow.Weights and Bonds). Stores need
//     not normalise either way.
//   - Missing things: Genesis and State fail with ErrNotFound before InitGenesis; Header and
//     OrderStatus with ErrNotFound for a height or seq the store does not hold. BlockOrders,
//     Ledger and Snapshots of a block the store does not hold may return ErrNotFound or no
//     rows (the interface does not say which).
//   - Blocks: CommitBlock before InitGenesis fails (ErrConflict or ErrNotFound) and writes
//     nothing. BlockOrders returns each order with the Seq, Payload and SubmittedAt it was
//     submitted with. Snapshots(h) is sorted by netuid whatever order the block listed them in.
//     Changes.Globals nil leaves the globals (and the state height) as they were.
//   - Changes that do not apply (a delete of a missing row, a key both upserted and deleted):
//     a store may refuse the block or write it, but a refused block writes nothing.
//   - Producer: one lease per Store object at a time. A second TryProducer on the same store
//     while a lease is held returns ok=false; after Release it succeeds again. Release is
//     idempotent, and releasing a stale lease does not free a newer one. CommitBlock with a
//     released lease fails with ErrNotProducer and writes nothing. Cross-process exclusivity is
//     the store's own test's business.
//   - Seqs are strictly increasing in submission order (not necessarily consecutive), also
//     under concurrent SubmitOrder calls. Run the suite with -race.
//   - Two rival blocks committed at once at the same height: one succeeds, the other fails
//     with ErrConflict.
//
// Not tested: Pending with limit <= 0, CommitBlock with nil Changes or a nil lease, whether
// Lost reports true after Release, and what a cancelled context does.
package storetest

import (
	"errors"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
)

// Run runs the conformance suite. open must return a fresh, empty store on every call; each
// subtest opens its own.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Genesis", genesisTests},
		{"Orders", orderTests},
		{"Blocks", blockTests},
		{"Range", rangeTests},
		{"Conflicts", conflictTests},
		{"Producer", producerTests},
		{"Concurrency", concurrencyTests},
		{"Lifecycle", lifecycleTests},
		{"Signed", signedTests}, // skipped unless the store is a store.SignedStore
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					s := open(t)
					if s == nil {
						t.Fatal("open returned a nil store")
					}
					tc.fn(t, s)
				})
			}
		})
	}
}

// test is one subtest: it gets a fresh, empty store.
type test struct {
	name string
	fn   func(t *testing.T, s store.Store)
}

// view is everything a reader can see of a store at one moment, for checking that a failed
// call wrote nothing.
type view struct {
	head      *store.BlockHeader // nil before block 1
	pending   []store.Order
	count     int
	state     *pools.Snapshot
	statuses  map[int64]*store.OrderStatus
	nextEmpty bool // the block after the head has no orders, ledger or snapshots
}

// look reads a view of s; seqs are the orders whose status it records.
func look(t *testing.T, s store.Store, seqs ...int64) view {
	t.Helper()
	var v view
	head, err := s.Head(ctx(t))
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		t.Fatalf("Head: %v", err)
	default:
		v.head = head
	}
	v.pending, err = s.Pending(ctx(t), 1_000_000)
	must(t, err, "Pending")
	v.count, err = s.PendingCount(ctx(t))
	must(t, err, "PendingCount")
	v.state, err = s.State(ctx(t))
	if !errors.Is(err, store.ErrNotFound) {
		must(t, err, "State")
	}
	v.statuses = map[int64]*store.OrderStatus{}
	for _, seq := range seqs {
		st, err := s.OrderStatus(ctx(t), seq)
		if !errors.Is(err, store.ErrNotFound) {
			must(t, err, "OrderStatus")
			v.statuses[seq] = st
		}
	}
	next := dtaod.Block(1)
	if v.head != nil {
		next = v.head.Height + 1
	}
	if _, err := s.Header(ctx(t), next); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Header(%d) after the head: err = %v, want ErrNotFound", next, err)
	}
	v.nextEmpty = blockAbsent(t, s, next)
	return v
}

// blockAbsent reports whether s holds no orders, ledger entries or snapshots for block h
// (ErrNotFound or no rows).
func blockAbsent(t *testing.T, s store.Store, h dtaod.Block) bool {
	t.Helper()
	absent := func(n int, err error, what string) bool {
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s(%d): unexpected error %v", what, h, err)
		}
		return err != nil || n == 0
	}
	o, err := s.BlockOrders(ctx(t), h)
	ok := absent(len(o), err, "BlockOrders")
	l, err := s.Ledger(ctx(t), h)
	ok = absent(len(l), err, "Ledger") && ok
	p, err := s.Snapshots(ctx(t), h)
	return absent(len(p), err, "Snapshots") && ok
}

// unchanged fails the test if s no longer shows view before.
func unchanged(t *testing.T, s store.Store, before view, seqs ...int64) {
	t.Helper()
	after := look(t, s, seqs...)
	equal(t, "Head after a failed call", after.head, before.head)
	equal(t, "Pending after a failed call", after.pending, before.pending)
	equal(t, "PendingCount after a failed call", after.count, before.count)
	equal(t, "State after a failed call", after.state, before.state)
	equal(t, "OrderStatus after a failed call", after.statuses, before.statuses)
	if before.nextEmpty && !after.nextEmpty {
		t.Errorf("a failed call left orders, ledger entries or snapshots for the next block")
	}
}

// seqsOf returns the Seqs of orders.
func seqsOf(orders []store.Order) []int64 {
	out := make([]int64, len(orders))
	for i, o := range orders {
		out[i] = o.Seq
	}
	return out
}
