package storetest

import (
	"testing"

	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
)

var producerTests = []test{
	{"TryProducer", testTryProducer},
	{"ReleasedLeaseCannotCommit", testReleasedLease},
}

var lifecycleTests = []test{
	{"Ping", testPing},
	{"NoAliasing", testNoAliasing},
	{"Close", testClose},
}

// testTryProducer: one lease per store at a time; Release frees it (twice is harmless).
func testTryProducer(t *testing.T, s store.Store) {
	l1, ok, err := s.TryProducer(ctx(t))
	must(t, err, "TryProducer")
	if !ok || l1 == nil {
		t.Fatalf("first TryProducer: ok = %v, lease %v; want ok and a lease", ok, l1)
	}
	if l1.Lost() {
		t.Errorf("a fresh lease reports Lost")
	}
	_, ok, err = s.TryProducer(ctx(t))
	must(t, err, "second TryProducer")
	if ok {
		t.Errorf("second TryProducer while the first lease is held: ok = true, want false")
	}
	if l1.Lost() {
		t.Errorf("the held lease reports Lost after a refused TryProducer")
	}
	l1.Release()
	l1.Release()
	l2, ok, err := s.TryProducer(ctx(t))
	must(t, err, "TryProducer after Release")
	if !ok || l2 == nil {
		t.Fatalf("TryProducer after Release: ok = %v, want true", ok)
	}
	if l2.Lost() {
		t.Errorf("the new lease reports Lost")
	}
	l1.Release() // releasing a stale lease must not free the new one
	_, ok, err = s.TryProducer(ctx(t))
	must(t, err, "TryProducer")
	if ok {
		t.Errorf("TryProducer after releasing a stale lease: ok = true, want false (the new lease holds)")
	}
	l2.Release()
}

// testReleasedLease: a released lease cannot commit and nothing is written; a new lease can.
func testReleasedLease(t *testing.T, s store.Store) {
	c := newChain(t, s)
	orders := submit(t, s, 2)
	c.advance(orders[:1], &pools.Changes{Globals: c.globalsAt(1)})
	c.lease.Release()

	b, want := c.next(orders[1:], &pools.Changes{Globals: c.globalsAt(2), Balances: []pools.BalanceRow{{Coldkey: "alice", Free: 3}}})
	before := look(t, s, seqsOf(orders)...)
	err := s.CommitBlock(ctx(t), c.lease, b)
	wantErr(t, err, store.ErrNotProducer, "CommitBlock with a released lease")
	unchanged(t, s, before, seqsOf(orders)...)

	lease, ok, err := s.TryProducer(ctx(t))
	must(t, err, "TryProducer")
	if !ok {
		t.Fatal("TryProducer after Release: ok = false")
	}
	t.Cleanup(lease.Release)
	c.lease = lease
	c.commit(b, want)
	checkBlock(t, s, b)
	checkState(t, s, c.state)
}

// testPing: a working store answers.
func testPing(t *testing.T, s store.Store) {
	must(t, s.Ping(ctx(t)), "Ping")
}

// testNoAliasing: the store neither keeps the caller's slices nor hands out its own: changing
// what was passed in or returned changes nothing stored.
func testNoAliasing(t *testing.T, s store.Store) {
	st := genesisState()
	g := newGenesis(st)
	must(t, s.InitGenesis(ctx(t), g, st), "InitGenesis")
	g.Document[0], g.StateHash[0], g.ChainID = 'X', g.StateHash[0]^1, "other"
	st.Balances[0].Free++
	st.Neurons[0].Weights[0].Value++
	st.Globals.Height = 99

	c := attach(t, s)
	p := payload(0, 0)
	seq, err := s.SubmitOrder(ctx(t), p)
	must(t, err, "SubmitOrder")
	p[2] = 'X'
	status, err := s.OrderStatus(ctx(t), seq)
	must(t, err, "OrderStatus")
	order := store.Order{Seq: seq, Payload: payload(0, 0), SubmittedAt: status.SubmittedAt}
	equal(t, "order after changing the submitted payload", status.Order, order)

	// Commit a block, keeping an identical copy built separately.
	savedOrder := order
	savedOrder.Payload = payload(0, 0)
	saved, savedState := c.next([]store.Order{savedOrder}, block1Changes(c))
	b, want := c.next([]store.Order{order}, block1Changes(c))
	c.commit(b, want)
	b.Header.Orders = 42
	b.Orders[0].Receipt.TAO++
	b.Orders[0].Payload[1] = 'X'
	b.Ledger[0].Amount++
	b.Ledger[1].From.Key = "changed"
	b.Snapshots[0].TAOIn++
	b.Changes.Globals.Height = 77
	b.Changes.Balances[0].Free++
	b.Changes.Neurons[0].Weights[0].Value++

	// Change everything the store returned.
	if gg, err := s.Genesis(ctx(t)); err == nil {
		gg.Document[0] = 'Y'
	}
	if ss, err := s.State(ctx(t)); err == nil {
		ss.Balances[0].Free++
		ss.Neurons[0].Weights[0].Value++
		ss.Subnets[0].TAOIn++
	}
	if h, err := s.Head(ctx(t)); err == nil {
		h.Orders++
	}
	if h, err := s.Header(ctx(t), 1); err == nil {
		h.Orders++
	}
	if o, err := s.BlockOrders(ctx(t), 1); err == nil && len(o) > 0 {
		o[0].Payload[1] = 'Y'
		o[0].Receipt.Code = "changed"
	}
	if st, err := s.OrderStatus(ctx(t), seq); err == nil && st.Included != nil {
		st.Payload[1] = 'Z'
		st.Included.Payload[1] = 'Z'
		st.Included.Receipt.Fee++
	}
	if l, err := s.Ledger(ctx(t), 1); err == nil && len(l) > 0 {
		l[0].Amount++
	}
	if sn, err := s.Snapshots(ctx(t), 1); err == nil && len(sn) > 0 {
		sn[0].AlphaIn++
	}
	seq2, err := s.SubmitOrder(ctx(t), payload(0, 1))
	must(t, err, "SubmitOrder")
	if pend, err := s.Pending(ctx(t), 10); err == nil && len(pend) > 0 {
		pend[0].Payload[1] = 'Y'
	}

	gg, err := s.Genesis(ctx(t))
	must(t, err, "Genesis")
	equal(t, "Genesis", gg, newGenesis(genesisState()))
	checkBlock(t, s, saved)
	checkState(t, s, savedState)
	head, err := s.Head(ctx(t))
	must(t, err, "Head")
	equal(t, "Head", head, &saved.Header)
	stat, err := s.OrderStatus(ctx(t), seq)
	must(t, err, "OrderStatus")
	equal(t, "OrderStatus of the included order", stat, &store.OrderStatus{Order: savedOrder, Included: &saved.Orders[0]})
	pend, err := s.Pending(ctx(t), 10)
	must(t, err, "Pending")
	if len(pend) != 1 || pend[0].Seq != seq2 || string(pend[0].Payload) != string(payload(0, 1)) {
		t.Errorf("Pending = %v, want order %d with its payload", pend, seq2)
	}
}

// testClose: Close is idempotent and nothing panics afterwards (calls may fail).
func testClose(t *testing.T, s store.Store) {
	c := newChain(t, s)
	orders := submit(t, s, 2)
	c.advance(orders[:1], &pools.Changes{Globals: c.globalsAt(1)})
	b, _ := c.next(orders[1:], &pools.Changes{Globals: c.globalsAt(2)})
	s.Close()
	s.Close()
	calls := map[string]func(){
		"Ping":         func() { _ = s.Ping(ctx(t)) },
		"Genesis":      func() { _, _ = s.Genesis(ctx(t)) },
		"InitGenesis":  func() { _ = s.InitGenesis(ctx(t), c.gen, genesisState()) },
		"SubmitOrder":  func() { _, _ = s.SubmitOrder(ctx(t), payload(1, 1)) },
		"Pending":      func() { _, _ = s.Pending(ctx(t), 10) },
		"PendingCount": func() { _, _ = s.PendingCount(ctx(t)) },
		"OrderStatus":  func() { _, _ = s.OrderStatus(ctx(t), orders[0].Seq) },
		"CommitBlock":  func() { _ = s.CommitBlock(ctx(t), c.lease, b) },
		"Head":         func() { _, _ = s.Head(ctx(t)) },
		"Header":       func() { _, _ = s.Header(ctx(t), 1) },
		"BlockOrders":  func() { _, _ = s.BlockOrders(ctx(t), 1) },
		"Ledger":       func() { _, _ = s.Ledger(ctx(t), 1) },
		"Snapshots":    func() { _, _ = s.Snapshots(ctx(t), 1) },
		"State":        func() { _, _ = s.State(ctx(t)) },
		"TryProducer": func() {
			if l, ok, err := s.TryProducer(ctx(t)); err == nil && ok {
				l.Release()
			}
		},
		"Lease.Lost":    func() { _ = c.lease.Lost() },
		"Lease.Release": func() { c.lease.Release() },
		"Close":         s.Close,
	}
	for name, call := range calls {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s after Close panicked: %v", name, r)
				}
			}()
			call()
		}()
	}
}
