package node

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/emission"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/postgres"
	"github.com/dtaod/dtaod/postgres/pgtest"
	"github.com/dtaod/dtaod/store"
	"github.com/dtaod/dtaod/store/mem"
)

func devGen(t *testing.T) *Genesis {
	t.Helper()
	g, err := ParseGenesis(DevGenesis(), "test")
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// waitFor polls cond until it holds or the test times out.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func startNode(t *testing.T, st store.Store, g *Genesis) (*Node, context.CancelFunc, chan error) {
	t.Helper()
	n, err := Open(context.Background(), st, g, Config{BlockTime: 20 * time.Millisecond, Poll: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	return n, cancel, done
}

var orders = []pools.Order{
	{Kind: pools.AddStake, Coldkey: DevAccount("alice"), Hotkey: "val1-hk", NetUID: 1, Amount: 100 * dtaod.RaoPerTAO},
	{Kind: pools.AddStake, Coldkey: DevAccount("bob"), Hotkey: "val2-hk", NetUID: 3, Amount: 10 * dtaod.RaoPerTAO},
	{Kind: pools.RemoveStake, Coldkey: "val1", Hotkey: "val1-hk", NetUID: 2, Amount: 1000 * dtaod.RaoPerTAO},
	{Kind: pools.AddStake, Coldkey: DevAccount("dave"), Hotkey: "val1-hk", NetUID: 1, Amount: 1e15}, // INSUFFICIENT_BALANCE
	{Kind: pools.MoveStake, Coldkey: "val2", FromHotkey: "val2-hk", ToHotkey: "val3-hk", FromNetUID: 4, ToNetUID: 5, Amount: 500 * dtaod.RaoPerTAO},
	{Kind: pools.RegisterNeuron, Coldkey: DevAccount("charlie"), Hotkey: "charlie-hk", NetUID: 6},
}

// backend opens stores on one database: each call a new store object, as another process would
// (the memory store is one object: one process).
type backend struct {
	name string
	open func(t *testing.T) store.Store
}

func backends(t *testing.T) []backend {
	m := mem.New()
	bs := []backend{{"mem", func(*testing.T) store.Store { return m }}}
	if os.Getenv(pgtest.Env) == "" {
		t.Log(pgtest.Env + " is not set: running on the memory store only")
		return bs
	}
	return append(bs, backend{"postgres", pgBackend(t)})
}

func pgBackend(t *testing.T) func(t *testing.T) store.Store {
	u := pgtest.Schema(t)
	if err := postgres.MigrateUp(u); err != nil {
		t.Fatal(err)
	}
	return func(t *testing.T) store.Store {
		s, err := postgres.Open(context.Background(), u, postgres.WithLeasePing(50*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
}

// TestProduceFollowReplay: a producer applies submitted orders in the next blocks with receipts;
// a second node (another process, on PostgreSQL) follows to the same state and never produces
// while the first holds the role; it takes over when the first stops; a restart resumes at the
// head with the same hash; Replay rebuilds every block. On the memory store and on PostgreSQL.
func TestProduceFollowReplay(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) { produceFollowReplay(t, be) })
	}
}

func produceFollowReplay(t *testing.T, be backend) {
	st := be.open(t)
	g := devGen(t)
	a, stopA, doneA := startNode(t, st, g)
	waitFor(t, "producer", a.Producer)
	b, stopB, doneB := startNode(t, be.open(t), g)
	ctx := context.Background()
	var seqs []int64
	for i := range orders {
		seq, err := a.Submit(ctx, &orders[i])
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	waitFor(t, "receipts", func() bool {
		s, err := a.OrderStatus(ctx, seqs[len(seqs)-1])
		return err == nil && !s.Pending
	})
	wantCodes := []string{"", "", "", "INSUFFICIENT_BALANCE", "", ""}
	for i, seq := range seqs {
		s, err := a.OrderStatus(ctx, seq)
		if err != nil || s.Included == nil {
			t.Fatalf("order %d: %+v %v", i, s, err)
		}
		r := s.Included.Receipt
		if r.Code != wantCodes[i] || r.OK != (wantCodes[i] == "") {
			t.Fatalf("order %d: receipt %+v, want code %q", i, r, wantCodes[i])
		}
		if r.OK && orders[i].Kind == pools.AddStake && (r.Alpha == 0 || r.PriceAfter.Cmp(r.PriceBefore) <= 0) {
			t.Fatalf("order %d: stake receipt %+v: no alpha or the price did not rise", i, r)
		}
	}
	h := a.View().Header.Height + 3
	waitFor(t, "follower", func() bool { return b.View().Header.Height >= h })
	if b.Producer() {
		t.Fatal("two producers on one store")
	}
	stopA()
	if err := <-doneA; err != nil {
		t.Fatal(err)
	}
	// The follower takes over and goes on producing.
	waitFor(t, "takeover", b.Producer)
	h = b.View().Header.Height + 2
	waitFor(t, "blocks after takeover", func() bool { return b.View().Header.Height >= h })
	stopB()
	if err := <-doneB; err != nil {
		t.Fatal(err)
	}
	last := b.View().Header
	// Restart: resumes at the head with the same state.
	st = be.open(t)
	c, err := Open(ctx, st, g, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if v := c.View(); v.Header.Height != last.Height || v.Snapshot.Hash() != last.StateHash {
		t.Fatalf("restart at %d, head %d", v.Header.Height, last.Height)
	}
	res, err := Replay(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Blocks != last.Height || res.Orders != len(orders) || res.Hash != last.StateHash {
		t.Fatalf("replay %+v, head %d", res, last.Height)
	}
}

// tampered returns a stored header with another state hash at one height.
type tampered struct {
	store.Store
	at dtaod.Block
}

func (s tampered) Header(ctx context.Context, h dtaod.Block) (*store.BlockHeader, error) {
	hdr, err := s.Store.Header(ctx, h)
	if err == nil && h == s.at {
		hdr.StateHash[0] ^= 1
	}
	return hdr, err
}

// TestReplayReportsFirstDivergence: replay names the first block whose stored hash differs.
func TestReplayReportsFirstDivergence(t *testing.T) {
	st := mem.New()
	a, stop, done := startNode(t, st, devGen(t))
	waitFor(t, "blocks", func() bool { return a.View().Header.Height >= 5 })
	stop()
	<-done
	_, err := Replay(context.Background(), tampered{st, 3}, nil)
	var d *DivergenceError
	if !errors.As(err, &d) || d.Height != 3 || !errors.Is(err, ErrInvariant) {
		t.Fatalf("replay of a tampered block 3: %v", err)
	}
}

// TestOpenRefusesAnotherGenesis: a store holding one chain is not silently reused for another.
func TestOpenRefusesAnotherGenesis(t *testing.T) {
	st := mem.New()
	if _, err := Open(context.Background(), st, devGen(t), Config{}); err != nil {
		t.Fatal(err)
	}
	other, err := ParseGenesis([]byte(`{"version":1,"state":{"subnets":[{"netuid":1,"tao_in":"1000000000000","alpha_in":"1000000000000"}]}}`), "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), st, other, Config{}); !errors.Is(err, store.ErrGenesisMismatch) {
		t.Fatalf("open with another genesis: %v", err)
	}
}

// minter is a broken consensus that creates TAO from nothing at every epoch.
type minter struct{ inner emission.Consensus }

func (m minter) Split(st *pools.State, p *dtaod.Params, s *pools.Subnet, w []emission.StakeWeight, a uint64, inc, div []uint64) string {
	st.Free["thief"]++
	return m.inner.Split(st, p, s, w, a, inc, div)
}

// TestInvariantStopsProduction: a block that breaks conservation is never written; production
// stops loudly (Run returns the error, Ready reports it) and the store keeps the last good head.
func TestInvariantStopsProduction(t *testing.T) {
	st := mem.New()
	n, err := Open(context.Background(), st, devGen(t), Config{BlockTime: time.Millisecond, Poll: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	n.chain.eng.Consensus = minter{n.chain.eng.Consensus}
	err = n.Run(context.Background())
	if !errors.Is(err, ErrInvariant) || n.Ready(context.Background()) == nil {
		t.Fatalf("run: %v; ready: %v", err, n.Ready(context.Background()))
	}
	head, herr := st.Head(context.Background())
	if herr != nil || head.Height != n.View().Header.Height {
		t.Fatalf("stored head %+v (%v), node at %d", head, herr, n.View().Header.Height)
	}
	if _, err := Replay(context.Background(), st, nil); err != nil {
		t.Fatalf("the stored history must still replay: %v", err)
	}
}

// TestBadPayloadGetsAFailedReceipt: a mempool payload the engine cannot read fails its order
// with INVALID_ARGUMENT; the chain goes on.
func TestBadPayloadGetsAFailedReceipt(t *testing.T) {
	st := mem.New()
	a, stop, done := startNode(t, st, devGen(t))
	defer func() { stop(); <-done }()
	seq, err := st.SubmitOrder(context.Background(), []byte(`{"type":"add_stake"}`))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "receipt", func() bool {
		s, err := a.OrderStatus(context.Background(), seq)
		return err == nil && !s.Pending
	})
	s, _ := a.OrderStatus(context.Background(), seq)
	if r := s.Included.Receipt; r.OK || r.Code != "INVALID_ARGUMENT" {
		t.Fatalf("receipt %+v", r)
	}
}

// TestReadyWhenBlocksStop: a node whose last block is older than three block times is not ready.
func TestReadyWhenBlocksStop(t *testing.T) {
	st := mem.New()
	a, stop, done := startNode(t, st, devGen(t))
	waitFor(t, "blocks", func() bool { return a.View().Header.Height >= 2 })
	if err := a.Ready(context.Background()); err != nil {
		t.Fatalf("a producing node: %v", err)
	}
	stop()
	<-done
	time.Sleep(70 * time.Millisecond) // > 3 x 20 ms
	if err := a.Ready(context.Background()); err == nil || !strings.Contains(err.Error(), "3 block times") {
		t.Fatalf("a node without blocks for 3 block times: %v", err)
	}
}

// TestAnyScenarioIsAGenesis: a backtest's file serves live, and its state hash is the
// backtest's starting state.
func TestAnyScenarioIsAGenesis(t *testing.T) {
	doc, err := os.ReadFile("../examples/basic.yaml")
	if err != nil {
		t.Fatal(err)
	}
	g, err := ParseGenesis(doc, "basic")
	if err != nil {
		t.Fatal(err)
	}
	a, stop, done := startNode(t, mem.New(), g)
	waitFor(t, "blocks", func() bool { return a.View().Header.Height >= 3 })
	stop()
	<-done
	if got := len(a.View().Snapshot.Subnets); got != 3 {
		t.Fatalf("%d subnets", got)
	}
}
