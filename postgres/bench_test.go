package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/holiman/uint256"
	"github.com/jackc/pgx/v5"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
)

// fillMempool puts n orders in the mempool in one COPY and returns them, lowest seq first.
func fillMempool(tb testing.TB, s *Store, n int) []store.Order {
	tb.Helper()
	ctx := context.Background()
	now := time.Now()
	_, err := s.pool.CopyFrom(ctx, pgx.Identifier{"mempool"}, []string{"payload", "submitted_at"},
		pgx.CopyFromSlice(n, func(i int) ([]any, error) {
			return []any{fmt.Appendf(nil, `{"op":"add_stake","hotkey":"%s","netuid":%d,"amount":"12.5"}`, key("H", i), i%128), now}, nil
		}))
	if err != nil {
		tb.Fatalf("fill mempool: %v", err)
	}
	orders, err := s.Pending(ctx, n)
	if err != nil || len(orders) != n {
		tb.Fatalf("Pending: %d orders, %v", len(orders), err)
	}
	return orders
}

// bigBlock is a block of 10,000 orders' worth of rows on a state of accounts accounts: 10k
// block_orders, 40k ledger entries, 128 snapshots and 20,128 state row changes (8k balances,
// 8k shares, 2k pools, 1k neurons with 16 weights and bonds, 128 subnets, 500 + 500 deletes).
func bigBlock(h dtaod.Block, parent [32]byte, orders []store.Order, st *pools.Snapshot, accounts int) *store.Block {
	b := blockOf(h, parent, orders, 4, 128)
	ch := b.Changes
	off := int(h) * 7919
	for i := range 8000 {
		k := (off + i) % accounts
		ch.Balances = append(ch.Balances, pools.BalanceRow{Coldkey: key("C", k), Free: dtaod.TAO(uint64(h)*1e9 + uint64(i))})
		ch.Shares = append(ch.Shares, pools.ShareRow{NetUID: dtaod.NetUID(k % 128), Hotkey: key("H", k), Coldkey: key("C", k),
			Shares: *uint256.NewInt(uint64(h)<<32 + uint64(i))})
	}
	for i := range 2000 {
		k := (off + i) % accounts
		ch.Pools = append(ch.Pools, pools.PoolRow{NetUID: dtaod.NetUID(k % 128), Hotkey: key("H", k), Value: uint64(h) + uint64(i),
			Denom: *uint256.NewInt(uint64(h)<<40 + uint64(i))})
	}
	for i := range 1000 {
		n := st.Neurons[(off+i)%len(st.Neurons)]
		n.LastUpdate, n.Emission = h, dtaod.Alpha(h)
		ch.Neurons = append(ch.Neurons, n)
	}
	for _, sn := range st.Subnets {
		sn.TAOIn += dtaod.TAO(h)
		ch.Subnets = append(ch.Subnets, sn)
	}
	for i := range 500 { // keys that may or may not exist: both cost a lookup
		k := (off + 8000 + i) % accounts
		ch.DeleteBalances = append(ch.DeleteBalances, key("C", k))
		ch.DeleteShares = append(ch.DeleteShares, pools.ShareKey{NetUID: dtaod.NetUID(k % 128), Hotkey: key("H", k), Coldkey: key("C", k)})
	}
	return b
}

func blockRows(b *store.Block) int {
	ch := b.Changes
	return 1 + len(b.Orders) + len(b.Ledger) + len(b.Snapshots) + len(ch.Subnets) + len(ch.Balances) +
		len(ch.DeleteBalances) + len(ch.Pools) + len(ch.DeletePools) + len(ch.Shares) + len(ch.DeleteShares) +
		len(ch.Neurons) + len(ch.DeleteNeurons)
}

func historyBytes(tb testing.TB, s *Store) int64 {
	sz, err := s.Sizes(context.Background())
	if err != nil {
		tb.Fatalf("Sizes: %v", err)
	}
	return sz["blocks"] + sz["block_orders"] + sz["ledger"] + sz["pool_snapshots"]
}

// BenchmarkCommitBlock10k commits blocks of 10,000 orders' worth of rows (see bigBlock) on a
// state of 128 subnets x 64 neurons and 50,000 accounts, and reports the time per block, the
// rows per block and the history bytes per block (extrapolated per 100,000 blocks in the log).
//
//	DTAOD_TEST_DATABASE_URL=... go test ./postgres -run '^$' -bench CommitBlock10k -benchtime 10x
func BenchmarkCommitBlock10k(b *testing.B) {
	const accounts = 50_000
	s := openStore(b, migratedSchema(b))
	ctx := context.Background()
	g, st := testGenesis(128, 64, accounts)
	if err := s.InitGenesis(ctx, g, st); err != nil {
		b.Fatalf("InitGenesis: %v", err)
	}
	l := takeLease(b, s)
	// Block 1 creates the partitions; it is not measured.
	first := bigBlock(1, g.StateHash, fillMempool(b, s, 10_000), st, accounts)
	if err := s.CommitBlock(ctx, l, first); err != nil {
		b.Fatalf("CommitBlock(1): %v", err)
	}
	parent, h := first.Header.StateHash, dtaod.Block(2)
	size0 := historyBytes(b, s)
	rows := 0
	var total time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		blk := bigBlock(h, parent, fillMempool(b, s, 10_000), st, accounts)
		rows = blockRows(blk)
		b.StartTimer()
		start := time.Now()
		if err := s.CommitBlock(ctx, l, blk); err != nil {
			b.Fatalf("CommitBlock(%d): %v", h, err)
		}
		total += time.Since(start)
		parent, h = blk.Header.StateHash, h+1
	}
	b.StopTimer()
	perBlock := float64(historyBytes(b, s)-size0) / float64(b.N)
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/block")
	b.ReportMetric(float64(rows), "rows/block")
	b.ReportMetric(perBlock, "history-B/block")
	b.Logf("%d blocks of %d rows: %.0f ms/block; history %.1f MB/block = %.1f TB per 100,000 such blocks",
		b.N, rows, float64(total.Milliseconds())/float64(b.N), perBlock/1e6, perBlock*1e5/1e12)
}

// TestSizes commits a few small blocks and checks that Sizes reports every table and their
// total; it logs the history bytes per block of this (tiny) load.
func TestSizes(t *testing.T) {
	s := openStore(t, migratedSchema(t))
	ctx := context.Background()
	g, st := testGenesis(4, 4, 100)
	if err := s.InitGenesis(ctx, g, st); err != nil {
		t.Fatal(err)
	}
	l := takeLease(t, s)
	size0 := historyBytes(t, s)
	parent := g.StateHash
	const n = 20
	for h := dtaod.Block(1); h <= n; h++ {
		blk := blockOf(h, parent, fillMempool(t, s, 50), 4, 4)
		if err := s.CommitBlock(ctx, l, blk); err != nil {
			t.Fatal(err)
		}
		parent = blk.Header.StateHash
	}
	sz, err := s.Sizes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, tb := range sizedTables {
		v, ok := sz[tb]
		if !ok || v <= 0 {
			t.Errorf("Sizes[%s] = %d, %v; want a positive size", tb, v, ok)
		}
		sum += v
	}
	if sz["total"] != sum {
		t.Errorf("Sizes total %d, want the sum %d", sz["total"], sum)
	}
	per := float64(historyBytes(t, s)-size0) / n
	t.Logf("sizes %v; history %.0f B/block (50 orders, 200 ledger entries) = %.2f GB per 100,000 blocks", sz, per, per*1e5/1e9)
}
