package node

import (
	"context"
	"errors"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/scenario"
	"github.com/dtaod/dtaod/store"
	"github.com/dtaod/dtaod/store/mem"
)

// TestDevAccount: the dev genesis funds the dev keys' addresses.
func TestDevAccount(t *testing.T) {
	if got := DevAccount("alice"); got != "5Hej8ukUKdDtEoVCqNoPn1JkgKvySuqPcvvbVa7nQQULt4Kg" {
		t.Fatalf("alice is %s", got)
	}
	if got := DevAccount("bob"); got != "5Gqi1x7ZBxvQfenoH8hWH1beu2T6WMpMfhrWftSGyTUinhDu" {
		t.Fatalf("bob is %s", got)
	}
	g := devGen(t)
	free := map[string]dtaod.TAO{}
	for _, b := range g.Scenario.State.Balances {
		free[b.Coldkey] = b.Free
	}
	for name, want := range map[string]dtaod.TAO{"alice": 100_000 * dtaod.RaoPerTAO, "bob": 10_000 * dtaod.RaoPerTAO,
		"charlie": 1000 * dtaod.RaoPerTAO, "dave": 100 * dtaod.RaoPerTAO} {
		if free[DevAccount(name)] != want {
			t.Errorf("%s (%s) has %d, want %d", name, DevAccount(name), free[DevAccount(name)], want)
		}
	}
	if !g.Dev {
		t.Error("the dev genesis is not Dev")
	}
	if other, err := ParseGenesis(append(DevGenesis(), '\n'), "test"); err != nil || other.Dev {
		t.Errorf("another document is Dev: %v", err)
	}
}

// TestParamsChange: a set_params entry changes the params at its place in the block (the next
// order pays the new staking fee), a follower applies it and agrees on every hash, the changed
// params are stored with the state (a restart resumes with them, export writes them), a change
// back to the genesis values leaves no params in the state, and Replay rebuilds it all. On the
// memory store and on PostgreSQL.
func TestParamsChange(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) { paramsChange(t, be) })
	}
}

func paramsChange(t *testing.T, be backend) {
	ctx := context.Background()
	st := be.open(t)
	g := devGen(t)
	genesisFee := g.Scenario.Params.StakingFee
	a, stopA, doneA := startNode(t, st, g)
	waitFor(t, "producer", a.Producer)
	b, stopB, doneB := startNode(t, be.open(t), g)

	stake := pools.Order{Kind: pools.AddStake, Coldkey: DevAccount("alice"), Hotkey: "val1-hk", NetUID: 1, Amount: 10 * dtaod.RaoPerTAO}
	included := func(n *Node, seq int64) store.Receipt {
		t.Helper()
		waitFor(t, "inclusion", func() bool {
			s, err := n.OrderStatus(ctx, seq)
			return err == nil && !s.Pending
		})
		s, _ := n.OrderStatus(ctx, seq)
		return s.Included.Receipt
	}
	submit := func(n *Node, o pools.Order) int64 {
		t.Helper()
		seq, err := n.Submit(ctx, &o)
		if err != nil {
			t.Fatal(err)
		}
		return seq
	}
	setFee := func(n *Node, fee dtaod.TAO) int64 {
		t.Helper()
		seq, err := n.SubmitParams(ctx, &dtaod.ParamsPatch{StakingFee: &fee})
		if err != nil {
			t.Fatal(err)
		}
		return seq
	}

	if r := included(a, submit(a, stake)); !r.OK || r.Fee != genesisFee {
		t.Fatalf("before the change: receipt %+v, want fee %d", r, genesisFee)
	}
	const fee = 123_456
	pseq := setFee(a, fee)
	oseq := submit(a, stake) // after the change in the mempool: same block or a later one
	if r := included(a, pseq); !r.OK || r.Fee != 0 {
		t.Fatalf("set_params receipt %+v", r)
	}
	if r := included(a, oseq); !r.OK || r.Fee != fee {
		t.Fatalf("after the change: receipt %+v, want fee %d", r, fee)
	}
	v := a.View()
	if v.Params.StakingFee != fee || v.Snapshot.Params == nil || *v.Snapshot.Params != v.Params {
		t.Fatalf("view params fee %d, state params %+v", v.Params.StakingFee, v.Snapshot.Params)
	}
	// A bad entry fails with a receipt and changes nothing.
	bad, err := st.SubmitOrder(ctx, []byte(`{"type":"set_params","params":{"staking_fee":"lots"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if r := included(a, bad); r.OK || r.Code != "INVALID_ARGUMENT" || a.View().Params.StakingFee != fee {
		t.Fatalf("bad set_params: receipt %+v, fee %d", r, a.View().Params.StakingFee)
	}
	// The follower applied the same change and agrees on the state.
	h := a.View().Header.Height
	waitFor(t, "follower", func() bool { return b.View().Header.Height >= h })
	hdr, err := st.Header(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	if bv := b.View(); bv.Params.StakingFee != fee {
		t.Fatalf("follower's fee %d", bv.Params.StakingFee)
	} else if bv.Header.Height == h && bv.Snapshot.Hash() != hdr.StateHash {
		t.Fatal("follower's state hash differs")
	}
	stopB()
	stopA()
	for _, done := range []chan error{doneA, doneB} {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}

	// The stored state carries the params: a restart resumes with them, a chain without them is
	// refused by the hash, and export writes them.
	head, err := st.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := st.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Params == nil || rows.Params.StakingFee != fee {
		t.Fatalf("stored params %+v", rows.Params)
	}
	rows.Params = nil
	if _, err := RestoreChain(g, rows, head.StateHash); !errors.Is(err, ErrInvariant) {
		t.Fatalf("state rows without the changed params restore: %v", err)
	}
	doc, err := Export(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if sc, err := scenario.Parse(doc, scenario.FormatJSON); err != nil || sc.Params.StakingFee != fee {
		t.Fatalf("export: %v", err)
	}
	c, stopC, doneC := startNode(t, be.open(t), g)
	if v := c.View(); v.Header.Height != head.Height || v.Snapshot.Hash() != head.StateHash || v.Params.StakingFee != fee {
		t.Fatalf("restart at %d (head %d) with fee %d", v.Header.Height, head.Height, v.Params.StakingFee)
	}
	waitFor(t, "producer after restart", c.Producer)
	if r := included(c, submit(c, stake)); !r.OK || r.Fee != fee {
		t.Fatalf("after the restart: receipt %+v, want fee %d", r, fee)
	}
	// Back to the genesis value: the state records no params again.
	if r := included(c, setFee(c, genesisFee)); !r.OK {
		t.Fatalf("reset receipt %+v", r)
	}
	if r := included(c, submit(c, stake)); !r.OK || r.Fee != genesisFee {
		t.Fatalf("after the reset: receipt %+v, want fee %d", r, genesisFee)
	}
	if v := c.View(); v.Snapshot.Params != nil || v.Params != g.Scenario.Params {
		t.Fatalf("after the reset the state holds params %+v", v.Snapshot.Params)
	}
	stopC()
	if err := <-doneC; err != nil {
		t.Fatal(err)
	}
	last, err := st.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Replay(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Blocks != last.Height || res.Hash != last.StateHash {
		t.Fatalf("replay %+v, head %d", res, last.Height)
	}
}

// TestReplayCatchesWrongParams: a stored block whose params change a replay does not make (here:
// the stored entry is swapped for an order) fails the block's hash.
func TestReplayCatchesWrongParams(t *testing.T) {
	st := mem.New()
	a, stop, done := startNode(t, st, devGen(t))
	fee := dtaod.TAO(7)
	seq, err := a.SubmitParams(context.Background(), &dtaod.ParamsPatch{StakingFee: &fee})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "inclusion", func() bool {
		s, err := a.OrderStatus(context.Background(), seq)
		return err == nil && !s.Pending
	})
	stop()
	<-done
	s, _ := a.OrderStatus(context.Background(), seq)
	_, err = Replay(context.Background(), noParams{st}, nil)
	var d *DivergenceError
	if !errors.As(err, &d) || d.Height != s.Included.Block {
		t.Fatalf("replay without the change: %v, want a divergence at block %d", err, s.Included.Block)
	}
}

// noParams is a store whose blocks lose their set_params entries.
type noParams struct{ store.Store }

func (s noParams) BlockOrders(ctx context.Context, h dtaod.Block) ([]store.IncludedOrder, error) {
	inc, err := s.Store.BlockOrders(ctx, h)
	out := inc[:0]
	for _, o := range inc {
		if !scenario.IsParamsChange(o.Payload) {
			out = append(out, o)
		}
	}
	return out, err
}
