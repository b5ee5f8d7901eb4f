package node

import (
	"context"
	"testing"
	"time"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store/mem"
)

// TestQuoteView: the quote view is the last block's state with the pending orders applied in
// arrival order; it is reused while neither the block nor the mempool changes, extended when
// orders arrive, and rebuilt when a block is produced.
func TestQuoteView(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	n, err := Open(ctx, st, devGen(t), Config{BlockTime: time.Hour, Poll: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	q0, err := n.QuoteView(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snap := n.View().Snapshot
	if q0.Height != 0 || q0.Pending != 0 || !q0.Exists(dtaod.Root) || q0.Exists(99) {
		t.Fatalf("genesis quote view: %+v", q0)
	}
	for _, r := range snap.Subnets {
		if p, ok := q0.Pool(r.NetUID); !ok || p.TAO != r.TAOIn || p.Alpha != r.AlphaIn {
			t.Fatalf("subnet %d: %+v", r.NetUID, p)
		}
	}
	if q, _ := n.QuoteView(ctx); q != q0 {
		t.Fatal("an unchanged chain and mempool rebuilt the quote view")
	}

	// Pending orders are applied in order on a copy; a failing one changes nothing.
	ref, err := pools.FromSnapshot(snap.Clone())
	if err != nil {
		t.Fatal(err)
	}
	params := n.View().Params
	submit := func(o pools.Order) {
		t.Helper()
		if _, err := n.Submit(ctx, &o); err != nil {
			t.Fatal(err)
		}
		_, _ = ref.Apply(&params, &o)
	}
	submit(pools.Order{Kind: pools.AddStake, Coldkey: DevAccount("alice"), Hotkey: "val1-hk", NetUID: 1, Amount: 1000 * dtaod.RaoPerTAO})
	submit(pools.Order{Kind: pools.AddStake, Coldkey: DevAccount("dave"), Hotkey: "val1-hk", NetUID: 2, Amount: 1e18}) // fails
	q1, err := n.QuoteView(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A pending sudo change applies to the orders after it, as the block will apply it.
	fee := dtaod.TAO(123_456_789)
	if _, err := n.SubmitParams(ctx, &dtaod.ParamsPatch{StakingFee: &fee}); err != nil {
		t.Fatal(err)
	}
	params.StakingFee = fee
	submit(pools.Order{Kind: pools.RemoveStake, Coldkey: "val1", Hotkey: "val1-hk", NetUID: 1, Amount: 500 * dtaod.RaoPerTAO})
	q2, err := n.QuoteView(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if q1.Pending != 2 || q2.Pending != 4 || q1 == q2 {
		t.Fatalf("pending %d then %d", q1.Pending, q2.Pending)
	}
	if q1.Params.StakingFee == fee || q2.Params.StakingFee != fee {
		t.Fatalf("staking fee %d then %d, want the pending change %d after it", q1.Params.StakingFee, q2.Params.StakingFee, fee)
	}
	for _, s := range ref.Subnets {
		if p, _ := q2.Pool(s.NetUID); p != s.Pool() {
			t.Fatalf("subnet %d with the mempool: %+v, want %+v", s.NetUID, p, s.Pool())
		}
	}
	if p, _ := q0.Pool(1); p.TAO != snap.Subnets[0].TAOIn {
		t.Fatal("a published quote view changed")
	}

	// A block includes the orders: the view starts again from its state.
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = n.Run(runCtx); close(done) }()
	waitFor(t, "block 1", func() bool { return n.View().Header.Height == 1 })
	cancel()
	<-done
	q3, err := n.QuoteView(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v := n.View()
	if q3.Height != 1 || q3.Pending != 0 {
		t.Fatalf("after block 1: %+v", q3)
	}
	for _, r := range v.Snapshot.Subnets {
		if p, _ := q3.Pool(r.NetUID); p.TAO != r.TAOIn || p.Alpha != r.AlphaIn {
			t.Fatalf("subnet %d after block 1: %+v", r.NetUID, p)
		}
	}
}
