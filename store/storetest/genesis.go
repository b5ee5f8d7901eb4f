package storetest

import (
	"testing"

	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
)

var genesisTests = []test{
	{"EmptyStore", testEmptyStore},
	{"InitGenesis", testInitGenesis},
	{"InitGenesisAgainIsNoop", testInitGenesisAgain},
	{"InitGenesisMismatch", testInitGenesisMismatch},
}

// testEmptyStore: a fresh store has no genesis, state, head or orders.
func testEmptyStore(t *testing.T, s store.Store) {
	_, err := s.Genesis(ctx(t))
	wantErr(t, err, store.ErrNotFound, "Genesis before InitGenesis")
	_, err = s.State(ctx(t))
	wantErr(t, err, store.ErrNotFound, "State before InitGenesis")
	_, err = s.Head(ctx(t))
	wantErr(t, err, store.ErrNotFound, "Head before InitGenesis")
	_, err = s.Header(ctx(t), 1)
	wantErr(t, err, store.ErrNotFound, "Header(1) before InitGenesis")
	n, err := s.PendingCount(ctx(t))
	must(t, err, "PendingCount")
	equal(t, "PendingCount of an empty store", n, 0)
	last, err := s.LastPendingSeq(ctx(t))
	must(t, err, "LastPendingSeq")
	equal(t, "LastPendingSeq of an empty store", last, int64(0))
	p, err := s.Pending(ctx(t), 10)
	must(t, err, "Pending")
	equal(t, "Pending of an empty store", p, []store.Order(nil))
}

// testInitGenesis: the genesis and its state are stored exactly, at height 0, with no head.
func testInitGenesis(t *testing.T, s store.Store) {
	st := genesisState()
	g := newGenesis(st)
	must(t, s.InitGenesis(ctx(t), g, st.Clone()), "InitGenesis")

	got, err := s.Genesis(ctx(t))
	must(t, err, "Genesis")
	equal(t, "Genesis", got, newGenesis(genesisState()))

	state, err := s.State(ctx(t))
	must(t, err, "State")
	equal(t, "State after InitGenesis", state, genesisState())
	if state.Globals.Height != 0 {
		t.Errorf("State height = %d, want 0", state.Globals.Height)
	}
	if state.Hash() != g.StateHash {
		t.Errorf("State().Hash() = %x, want the genesis StateHash %x", state.Hash(), g.StateHash)
	}
	_, err = s.Head(ctx(t))
	wantErr(t, err, store.ErrNotFound, "Head after InitGenesis")
	_, err = s.Header(ctx(t), 0)
	wantErr(t, err, store.ErrNotFound, "Header(0) (genesis is not a block)")
}

// testInitGenesisAgain: initialising with the same genesis (a restart) changes nothing, even
// after blocks moved the state on.
func testInitGenesisAgain(t *testing.T, s store.Store) {
	c := newChain(t, s)
	orders := submit(t, s, 2)
	c.advance(orders[:1], &pools.Changes{
		Globals:  c.globalsAt(1),
		Balances: []pools.BalanceRow{{Coldkey: "alice", Free: 7}},
	})
	before := look(t, s, seqsOf(orders)...)

	must(t, s.InitGenesis(ctx(t), newGenesis(genesisState()), genesisState()), "InitGenesis again")
	unchanged(t, s, before, seqsOf(orders)...)
	got, err := s.Genesis(ctx(t))
	must(t, err, "Genesis")
	equal(t, "Genesis after InitGenesis again", got, c.gen)
	equal(t, "State after InitGenesis again", before.state, c.state)
	equal(t, "Head after InitGenesis again", before.head, &c.head)
}

// testInitGenesisMismatch: a different document, state hash or chain id is refused and the
// stored genesis and state stay.
func testInitGenesisMismatch(t *testing.T, s store.Store) {
	c := newChain(t, s)
	before := look(t, s)

	other := genesisState()
	other.Balances[0].Free++
	cases := map[string]func(g *store.Genesis, st *pools.Snapshot){
		"Document":  func(g *store.Genesis, _ *pools.Snapshot) { g.Document = []byte(`{"params": {"tempo":361}}`) },
		"Spacing":   func(g *store.Genesis, _ *pools.Snapshot) { g.Document = append(g.Document, ' ') },
		"StateHash": func(g *store.Genesis, _ *pools.Snapshot) { g.StateHash[31] ^= 1 },
		"ChainID":   func(g *store.Genesis, _ *pools.Snapshot) { g.ChainID = "storetest-2" },
		"State": func(g *store.Genesis, st *pools.Snapshot) {
			*st = *other.Clone()
			g.StateHash = st.Hash()
		},
	}
	for name, mutate := range cases {
		st := genesisState()
		g := newGenesis(st)
		mutate(g, st)
		err := s.InitGenesis(ctx(t), g, st)
		wantErr(t, err, store.ErrGenesisMismatch, "InitGenesis with a different "+name)
	}
	unchanged(t, s, before)
	got, err := s.Genesis(ctx(t))
	must(t, err, "Genesis")
	equal(t, "Genesis after mismatches", got, c.gen)
}
