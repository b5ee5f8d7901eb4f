package postgres

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
)

var errInjected = errors.New("injected fault")

// commitStages are the stages CommitBlock passes to its fault hook, in order.
var commitStages = []string{"head", "lease", "partitions", "mempool", "orders", "ledger", "snapshots", "state", "header", "commit"}

// seen is what a reader sees of a store, for all-or-nothing checks.
type seen struct {
	head    *store.BlockHeader
	pending []store.Order
	state   *pools.Snapshot
	orders  int
	ledger  int
	snaps   int
	parts   []string
}

func look(t *testing.T, s *Store, h dtaod.Block) seen {
	t.Helper()
	ctx := context.Background()
	var v seen
	var err error
	if v.head, err = s.Head(ctx); err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Head: %v", err)
	}
	if v.pending, err = s.Pending(ctx, 1_000_000); err != nil {
		t.Fatalf("Pending: %v", err)
	}
	if v.state, err = s.State(ctx); err != nil {
		t.Fatalf("State: %v", err)
	}
	o, err1 := s.BlockOrders(ctx, h)
	l, err2 := s.Ledger(ctx, h)
	p, err3 := s.Snapshots(ctx, h)
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatalf("reading block %d: %v", h, err)
	}
	v.orders, v.ledger, v.snaps = len(o), len(l), len(p)
	rows, _ := s.pool.Query(ctx, `SELECT relname::text FROM pg_class WHERE relnamespace = current_schema()::regnamespace
		AND relispartition AND relkind = 'r' ORDER BY 1`)
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		v.parts = append(v.parts, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("list partitions: %v", err)
	}
	return v
}

// submitN submits n orders and returns them as Pending lists them.
func submitN(t testing.TB, s *Store, n int) []store.Order {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		if _, err := s.SubmitOrder(ctx, fmt.Appendf(nil, `{"op": "stake", "i": %d}`, i)); err != nil {
			t.Fatalf("SubmitOrder: %v", err)
		}
	}
	p, err := s.Pending(ctx, n)
	if err != nil {
		t.Fatalf("Pending: %v", err)
	}
	return p
}

// richBlock is block h with orders and changes to every state table.
func richBlock(h dtaod.Block, parent [32]byte, orders []store.Order, st *pools.Snapshot) *store.Block {
	b := blockOf(h, parent, orders, 4, len(st.Subnets))
	b.Changes.Subnets = []pools.SubnetRow{st.Subnets[0]}
	b.Changes.Subnets[0].TAOIn++
	b.Changes.Balances = []pools.BalanceRow{{Coldkey: "new", Free: 1}}
	b.Changes.DeleteBalances = []string{st.Balances[0].Coldkey}
	b.Changes.DeletePools = []pools.PoolKey{{NetUID: st.Pools[0].NetUID, Hotkey: st.Pools[0].Hotkey}}
	b.Changes.DeleteShares = []pools.ShareKey{{NetUID: st.Shares[0].NetUID, Hotkey: st.Shares[0].Hotkey, Coldkey: st.Shares[0].Coldkey}}
	b.Changes.Neurons = []pools.NeuronRow{st.Neurons[1]}
	b.Changes.Neurons[0].Weights = nil
	b.Changes.DeleteNeurons = []pools.NeuronKey{{NetUID: st.Neurons[0].NetUID, UID: st.Neurons[0].UID}}
	return b
}

// TestCommitAllOrNothing fails the first block at every stage of its transaction: each time,
// nothing of it is visible (head, history rows, state, partitions) and its orders are still
// pending; then it commits.
func TestCommitAllOrNothing(t *testing.T) {
	var failAt atomic.Value
	failAt.Store("")
	s := openStore(t, migratedSchema(t), WithFault(func(stage string) error {
		if stage == failAt.Load().(string) {
			return errInjected
		}
		return nil
	}))
	ctx := context.Background()
	g, st := testGenesis(3, 2, 5)
	if err := s.InitGenesis(ctx, g, st); err != nil {
		t.Fatalf("InitGenesis: %v", err)
	}
	l := takeLease(t, s)
	orders := submitN(t, s, 5)
	before := look(t, s, 1)
	if before.head != nil || len(before.parts) != 0 || len(before.pending) != 5 {
		t.Fatalf("before block 1: head %v, partitions %v, %d pending", before.head, before.parts, len(before.pending))
	}
	b := richBlock(1, g.StateHash, orders[:3], st)
	for _, stage := range commitStages {
		failAt.Store(stage)
		err := s.CommitBlock(ctx, l, b)
		if !errors.Is(err, errInjected) {
			t.Fatalf("fault at %s: CommitBlock err = %v, want the injected fault", stage, err)
		}
		if after := look(t, s, 1); !reflect.DeepEqual(after, before) {
			t.Fatalf("fault at %s: the store changed:\nbefore %+v\nafter  %+v", stage, before, after)
		}
	}
	failAt.Store("")
	if err := s.CommitBlock(ctx, l, b); err != nil {
		t.Fatalf("CommitBlock without fault: %v", err)
	}
	after := look(t, s, 1)
	if after.head == nil || after.head.Height != 1 || len(after.pending) != 2 || after.orders != 3 ||
		after.ledger != 12 || after.snaps != 3 || len(after.parts) != 3 {
		t.Fatalf("after block 1: %+v", after)
	}
	want := st
	if err := want.Apply(b.Changes); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(after.state, want) {
		t.Errorf("state after block 1 is not genesis + changes:\n got %+v\nwant %+v", after.state, want)
	}
}

// TestPartitions commits across partition boundaries (span 3) with two stores taking turns,
// so each finds partitions the other created; every block reads back from its partition.
func TestPartitions(t *testing.T) {
	u := migratedSchema(t)
	a, b := openStore(t, u), openStore(t, u)
	a.opts.span, b.opts.span = 3, 3
	ctx := context.Background()
	g, st := testGenesis(2, 1, 2)
	if err := a.InitGenesis(ctx, g, st); err != nil {
		t.Fatal(err)
	}
	l := takeLease(t, a)
	parent := g.StateHash
	var blocks []*store.Block
	for h := dtaod.Block(1); h <= 10; h++ {
		s := []*Store{a, b}[h%2]
		blk := blockOf(h, parent, submitN(t, s, 2), 3, 2)
		if err := s.CommitBlock(ctx, l, blk); err != nil {
			t.Fatalf("CommitBlock(%d): %v", h, err)
		}
		blocks, parent = append(blocks, blk), blk.Header.StateHash
	}
	want := []string{}
	for _, tb := range partitionedTables {
		for p := range 4 {
			want = append(want, fmt.Sprintf("%s_p%d", tb, p))
		}
	}
	slices.Sort(want)
	if got := look(t, a, 1).parts; !slices.Equal(got, want) {
		t.Errorf("partitions %v, want %v", got, want)
	}
	for _, blk := range blocks {
		h := blk.Header.Height
		o, err1 := b.BlockOrders(ctx, h)
		l, err2 := b.Ledger(ctx, h)
		p, err3 := b.Snapshots(ctx, h)
		if err := errors.Join(err1, err2, err3); err != nil || len(o) != 2 || len(l) != 6 || len(p) != 2 {
			t.Errorf("block %d: %d orders, %d ledger entries, %d snapshots, err %v", h, len(o), len(l), len(p), err)
		}
		if len(l) == 6 && !reflect.DeepEqual(l, blk.Ledger) {
			t.Errorf("block %d: ledger differs", h)
		}
	}
}

// TestCommitRaceTwoStores: two stores (two pools) commit rival blocks at the same height at
// once, both with the one valid lease (as two producers that both believe they hold the role
// would): the head row lock serializes them, exactly one wins, the other gets ErrConflict.
func TestCommitRaceTwoStores(t *testing.T) {
	u := migratedSchema(t)
	a, b := openStore(t, u), openStore(t, u)
	ctx := context.Background()
	g, st := testGenesis(4, 1, 4)
	if err := a.InitGenesis(ctx, g, st); err != nil {
		t.Fatal(err)
	}
	l := takeLease(t, a)
	parent := g.StateHash
	for h := dtaod.Block(1); h <= 20; h++ {
		orders := submitN(t, a, 2)
		rivals := []*store.Block{blockOf(h, parent, orders[:1], 2, 4), blockOf(h, parent, orders[1:], 2, 4)}
		rivals[1].Header.StateHash[31] = 'B'
		var errs [2]error
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, s := range []*Store{a, b} {
			wg.Go(func() {
				<-start
				errs[i] = s.CommitBlock(ctx, l, rivals[i])
			})
		}
		close(start)
		wg.Wait()
		var win int
		switch {
		case errs[0] == nil && errors.Is(errs[1], store.ErrConflict):
			win = 0
		case errs[1] == nil && errors.Is(errs[0], store.ErrConflict):
			win = 1
		default:
			t.Fatalf("block %d: errors %v and %v, want one nil and one ErrConflict", h, errs[0], errs[1])
		}
		head, err := b.Head(ctx)
		if err != nil || head.StateHash != rivals[win].Header.StateHash {
			t.Fatalf("block %d: head %v (err %v), want the winner", h, head, err)
		}
		if n, _ := a.PendingCount(ctx); n != 1 {
			t.Fatalf("block %d: %d pending, want the loser's order only", h, n)
		}
		// The loser's order goes into the next round's block.
		parent = head.StateHash
		p, _ := a.Pending(ctx, 1)
		if err := a.CommitBlock(ctx, l, blockOf(h+1, parent, p, 1, 1)); err != nil {
			t.Fatal(err)
		}
		parent = hash("state", uint64(h+1))
		h++
	}
}
