package storetest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
	"github.com/holiman/uint256"
)

// Extreme values the fixtures use so that a store which narrows a column fails.
var (
	// maxI64 is 2^63-1, the largest amount or block height a store holds.
	maxI64 = uint64(math.MaxInt64)
	// maxU64 is 2^64-1, for the uint64 fields that keep their whole range (VolumeLo, VolumeHi,
	// MovingPrice).
	maxU64 = uint64(math.MaxUint64)
	// maxU256 is 2^256-1, the largest uint256.Int.
	maxU256 = *new(uint256.Int).SetAllOne()
	// nearU255 is 2^255 + 12345: its top bit is set, so a signed 256-bit column loses it.
	nearU255 = *new(uint256.Int).Add(new(uint256.Int).Lsh(uint256.NewInt(1), 255), uint256.NewInt(12345))
	// price2e200 is (2^200 + 7) x 1e-18: a price far above what 64 or 128 bits hold.
	price2e200 = dtaod.PriceFromScaled(new(uint256.Int).Add(new(uint256.Int).Lsh(uint256.NewInt(1), 200), uint256.NewInt(7)))
	// priceTiny is 1e-18, the smallest non-zero price: it survives only with all 18 decimals.
	priceTiny = dtaod.PriceFromScaled(uint256.NewInt(1))
)

// mustPrice parses a decimal price or panics (fixtures only).
func mustPrice(s string) dtaod.Price {
	p, err := dtaod.ParsePrice(s)
	if err != nil {
		panic(err)
	}
	return p
}

// genesisDocument is a small genesis file. Its exact bytes (including the odd spacing) must round
// trip: a store keeps documents and payloads as opaque bytes, never re-encoded JSON.
const genesisDocument = `{"params": {"tempo":360},  "subnets":[1, 7], "note": "ünïcödé 'quoted'"}`

// genesisState is the state the suite stores at height 0. Keys use mixed case and non-ASCII so
// that a store which sorts rows with a locale collation instead of by bytes is caught.
func genesisState() *pools.Snapshot {
	s := &pools.Snapshot{
		Globals: pools.Globals{
			Height:               0,
			TotalIssuance:        dtaod.TAO(maxI64),
			RootTAO:              1 << 62,
			BurnShortfall:        3,
			UnnamedRoot:          4,
			NetworkLastLock:      1_000_000_000_000,
			NetworkLastLockBlock: 0,
			TAOOffset:            nearU255,
		},
		Subnets: []pools.SubnetRow{
			subnetRow(0, 1),
			subnetRow(1, 2),
			subnetRow(7, 3),
			subnetRow(math.MaxUint16, 4),
		},
		Balances: []pools.BalanceRow{
			{Coldkey: "Zed", Free: 5},
			{Coldkey: "alice", Free: 1_000_000_000},
			{Coldkey: "bob", Free: dtaod.TAO(maxI64)},
			{Coldkey: "émile 'o", Free: 1},
		},
		Pools: []pools.PoolRow{
			{NetUID: 0, Hotkey: "hk-a", Value: 500, Denom: *uint256.NewInt(500)},
			{NetUID: 1, Hotkey: "HK-Z", Value: maxI64, Denom: maxU256},
			{NetUID: 1, Hotkey: "hk-a", Value: 1 << 62, Denom: nearU255},
			{NetUID: 7, Hotkey: "hk-a", Value: 9, Denom: *uint256.NewInt(10)},
		},
		Shares: []pools.ShareRow{
			{NetUID: 0, Hotkey: "hk-a", Coldkey: "alice", Shares: *uint256.NewInt(500)},
			{NetUID: 1, Hotkey: "HK-Z", Coldkey: "bob", Shares: maxU256},
			{NetUID: 1, Hotkey: "hk-a", Coldkey: "Zed", Shares: *uint256.NewInt(1)},
			{NetUID: 1, Hotkey: "hk-a", Coldkey: "alice", Shares: nearU255},
			{NetUID: 7, Hotkey: "hk-a", Coldkey: "émile 'o", Shares: *uint256.NewInt(10)},
		},
		Neurons: []pools.NeuronRow{
			neuronRow(1, 0, "hk-a", []pools.Weight{{UID: 0, Value: 65535}, {UID: 1, Value: 3}}, []pools.Weight{{UID: 1, Value: 7}}),
			neuronRow(1, 1, "HK-Z", nil, nil),
			neuronRow(7, 0, "hk-a", []pools.Weight{{UID: 0, Value: 1}}, nil),
			neuronRow(7, math.MaxUint16, "hk-max", nil, []pools.Weight{{UID: math.MaxUint16, Value: math.MaxUint16}}),
		},
	}
	sortSnapshot(s)
	return s
}

// subnetRow is a subnet with every field set to a distinct value derived from k.
func subnetRow(n dtaod.NetUID, k uint64) pools.SubnetRow {
	return pools.SubnetRow{
		NetUID:               n,
		TAOIn:                dtaod.TAO(1_000_000_000*k + 1),
		AlphaIn:              dtaod.Alpha(2_000_000_000*k + 2),
		AlphaOut:             dtaod.Alpha(maxI64 - k),
		MovingPrice:          dtaod.Fixed(maxU64 - 2*k),
		Tempo:                uint16(360 + k),
		RegistrationAllowed:  k%2 == 0,
		OwnerColdkey:         fmt.Sprintf("owner-ck-%d", k),
		OwnerHotkey:          fmt.Sprintf("owner-hk-%d", k),
		RegisteredAt:         dtaod.Block(k),
		MaxAllowedUIDs:       math.MaxUint16,
		MaxAllowedValidators: uint16(64 + k),
		VolumeHi:             k,
		VolumeLo:             maxU64 - 3*k,
		PendingAlpha:         dtaod.Alpha(10 + k),
		PendingOwnerCut:      dtaod.Alpha(20 + k),
		PendingRootAlpha:     dtaod.Alpha(30 + k),
		PendingRootTAO:       dtaod.TAO(40 + k),
		LastTAOInEmission:    dtaod.TAO(50 + k),
		LastAlphaInEmission:  dtaod.Alpha(60 + k),
		LastAlphaOutEmission: dtaod.Alpha(70 + k),
		LastOwnerCut:         dtaod.Alpha(80 + k),
		LastRootDivsTAO:      dtaod.TAO(90 + k),
		UnnamedStake:         dtaod.Alpha(100 + k),
	}
}

// neuronRow is a neuron with every field set to a distinct value.
func neuronRow(n dtaod.NetUID, uid uint16, hotkey string, weights, bonds []pools.Weight) pools.NeuronRow {
	k := uint16(n)*7 + uid%1000
	return pools.NeuronRow{
		NetUID: n, UID: uid, Hotkey: hotkey, Coldkey: "ck-" + hotkey,
		RegisteredAt: dtaod.Block(k), LastUpdate: dtaod.Block(maxI64 - uint64(k)),
		ValidatorPermit: uid%2 == 0, Weights: weights, Bonds: bonds,
		Rank: k + 1, Trust: k + 2, Consensus: k + 3, Incentive: k + 4, Dividends: k + 5,
		ValidatorTrust: k + 6, PruningScore: math.MaxUint16, Active: uid%2 == 1,
		Emission: dtaod.Alpha(maxI64 - uint64(k)),
	}
}

// sortSnapshot orders the rows by their keys, byte-wise, as pools.Snapshot requires.
func sortSnapshot(s *pools.Snapshot) {
	slices.SortFunc(s.Subnets, func(a, b pools.SubnetRow) int { return cmp.Compare(a.NetUID, b.NetUID) })
	slices.SortFunc(s.Balances, func(a, b pools.BalanceRow) int { return cmp.Compare(a.Coldkey, b.Coldkey) })
	slices.SortFunc(s.Pools, func(a, b pools.PoolRow) int {
		return cmp.Or(cmp.Compare(a.NetUID, b.NetUID), cmp.Compare(a.Hotkey, b.Hotkey))
	})
	slices.SortFunc(s.Shares, func(a, b pools.ShareRow) int {
		return cmp.Or(cmp.Compare(a.NetUID, b.NetUID), cmp.Compare(a.Hotkey, b.Hotkey), cmp.Compare(a.Coldkey, b.Coldkey))
	})
	slices.SortFunc(s.Neurons, func(a, b pools.NeuronRow) int {
		return cmp.Or(cmp.Compare(a.NetUID, b.NetUID), cmp.Compare(a.UID, b.UID))
	})
}

// newGenesis is the suite's genesis for st.
func newGenesis(st *pools.Snapshot) *store.Genesis {
	return &store.Genesis{Document: []byte(genesisDocument), StateHash: st.Hash(), ChainID: "storetest-1"}
}

// chain drives a store through genesis and blocks and remembers what it should hold: the
// expected state at the head and every committed block.
type chain struct {
	t      *testing.T
	s      store.Store
	lease  store.Lease
	gen    *store.Genesis
	state  *pools.Snapshot // expected state at the head
	head   store.BlockHeader
	blocks []*store.Block // committed, index = height-1
}

// newChain initialises s with the suite's genesis and takes the producer lease.
func newChain(t *testing.T, s store.Store) *chain {
	t.Helper()
	st := genesisState()
	must(t, s.InitGenesis(ctx(t), newGenesis(st), st.Clone()), "InitGenesis")
	return attach(t, s)
}

// attach takes the producer lease of s and returns a chain at the suite's genesis, without
// storing it.
func attach(t *testing.T, s store.Store) *chain {
	t.Helper()
	st := genesisState()
	c := &chain{t: t, s: s, gen: newGenesis(st), state: st}
	c.head = store.BlockHeader{Height: 0, StateHash: c.gen.StateHash}
	lease, ok, err := s.TryProducer(ctx(t))
	must(t, err, "TryProducer")
	if !ok {
		t.Fatal("TryProducer: ok = false on a store nobody produces on")
	}
	c.lease = lease
	t.Cleanup(lease.Release)
	return c
}

// next builds the block after the head that includes orders (with made-up receipts) and applies
// ch, and returns it with the state it leads to. Nothing is committed.
func (c *chain) next(orders []store.Order, ch *pools.Changes) (*store.Block, *pools.Snapshot) {
	c.t.Helper()
	h := c.head.Height + 1
	want := c.state.Clone()
	if err := want.Apply(ch); err != nil {
		c.t.Fatalf("fixture: Snapshot.Apply of block %d: %v", h, err)
	}
	b := &store.Block{
		Header: store.BlockHeader{
			Height:        h,
			StateHash:     want.Hash(),
			ParentHash:    c.head.StateHash,
			Emission:      dtaod.TAO(1_000_000_000 + uint64(h)),
			TotalIssuance: dtaod.TAO(maxI64 - uint64(h)),
			Orders:        len(orders),
			// Whole microseconds, in a fixed non-UTC zone: what timestamptz keeps.
			ProducedAt: time.Date(2025, 2, 13, 12, 0, int(h), 123456000, time.FixedZone("X", 3600)),
			ApplyTime:  time.Duration(h)*time.Millisecond + 789*time.Microsecond,
		},
		Ledger:    ledgerFor(h, len(orders)),
		Snapshots: snapshotsFor(h, want),
		Changes:   ch,
	}
	for i, o := range orders {
		b.Orders = append(b.Orders, store.IncludedOrder{Order: o, Block: h, Index: i, Receipt: receiptFor(h, i)})
	}
	return b, want
}

// commit commits b, which must succeed, and advances the chain to it.
func (c *chain) commit(b *store.Block, want *pools.Snapshot) {
	c.t.Helper()
	must(c.t, c.s.CommitBlock(ctx(c.t), c.lease, b), fmt.Sprintf("CommitBlock(%d)", b.Header.Height))
	c.head, c.state = b.Header, want
	c.blocks = append(c.blocks, b)
}

// advance builds and commits the next block with the given orders and changes.
func (c *chain) advance(orders []store.Order, ch *pools.Changes) *store.Block {
	c.t.Helper()
	b, want := c.next(orders, ch)
	c.commit(b, want)
	return b
}

// globalsAt is the Changes.Globals of a block at height h: the expected globals with the height
// and a few amounts moved.
func (c *chain) globalsAt(h dtaod.Block) *pools.Globals {
	g := c.state.Globals
	g.Height = h
	g.TotalIssuance = dtaod.TAO(maxI64 - uint64(h))
	g.BurnShortfall += dtaod.TAO(h)
	g.NetworkLastLockBlock = h
	return &g
}

// receiptFor makes the receipt of order i of block h: even indexes succeed, odd ones fail, and
// every field differs between orders so a mixed-up row shows.
func receiptFor(h dtaod.Block, i int) store.Receipt {
	k := uint64(h)*100 + uint64(i)
	if i%2 == 1 {
		return store.Receipt{
			OK: false, Code: "INSUFFICIENT_BALANCE",
			Message: fmt.Sprintf("order %d of block %d: balance 'ünder' 1.000000001 TAO", i, h),
			NetUID:  dtaod.NetUID(k % 65536),
		}
	}
	r := store.Receipt{
		OK:          true,
		TAO:         dtaod.TAO(maxI64 - k),
		Alpha:       dtaod.Alpha(1<<62 + k),
		Fee:         dtaod.TAO(k + 1),
		UID:         uint16(math.MaxUint16 - i),
		NetUID:      dtaod.NetUID(65535 - i),
		PriceBefore: mustPrice(fmt.Sprintf("%d.000000000000000001", k)),
		PriceAfter:  mustPrice("123456789012345678901234567890.123456789012345678"),
	}
	switch i % 6 {
	case 2:
		r.PriceBefore, r.PriceAfter = priceTiny, price2e200
	case 4:
		r.PriceBefore, r.PriceAfter = dtaod.Price{}, dtaod.Price{} // no subnet touched
	}
	return r
}

// ledgerFor makes block h's ledger: one entry per reason and account kind, units including TAO
// and the alpha of netuid 0 and 65535, amounts up to 2^63-1, Input -1 or an order index.
func ledgerFor(h dtaod.Block, orders int) []store.LedgerEntry {
	units := []pools.Unit{pools.UnitTAO, pools.AlphaOf(0), pools.AlphaOf(1), pools.AlphaOf(math.MaxUint16)}
	amounts := []uint64{1, 1 << 62, maxI64, 0, uint64(h), maxI64 - 1}
	kinds := []pools.AccountKind{pools.AcctIssuance, pools.AcctBurn, pools.AcctFree, pools.AcctPool, pools.AcctStake,
		pools.AcctPending, pools.AcctPendingOwner, pools.AcctPendingRoot, pools.AcctUnnamed}
	account := func(i int) pools.Account {
		a := pools.Account{Kind: kinds[i%len(kinds)]}
		switch a.Kind {
		case pools.AcctFree:
			a.Key = fmt.Sprintf("ck-%d 'ü'", i)
		case pools.AcctStake:
			a.Key, a.NetUID = fmt.Sprintf("HK-%d", i), math.MaxUint16
		case pools.AcctPool, pools.AcctPending, pools.AcctPendingOwner, pools.AcctPendingRoot, pools.AcctUnnamed:
			a.NetUID = dtaod.NetUID(i)
		}
		return a
	}
	var out []store.LedgerEntry
	for i := range int(pools.ReasonRegistration) {
		in := int32(-1)
		if orders > 0 && i%3 == 2 {
			in = int32(i % orders)
		}
		out = append(out, store.LedgerEntry{Block: h, Seq: i, Entry: pools.Entry{
			Reason: pools.Reason(i + 1), Unit: units[i%len(units)],
			From: account(i), To: account(i + 4),
			Amount: amounts[(i+int(h))%len(amounts)], Coldkey: coldkeyAt(i), Input: in,
		}})
	}
	return out
}

func coldkeyAt(i int) string {
	if i%4 == 3 {
		return ""
	}
	return fmt.Sprintf("5Col%d'ä", i)
}

// snapshotsFor makes block h's pool snapshots from the subnets of the state after it, in
// descending netuid order (a store returns them by netuid).
func snapshotsFor(h dtaod.Block, st *pools.Snapshot) []store.PoolSnapshot {
	prices := []dtaod.Price{price2e200, priceTiny, mustPrice("0.123456789012345678"), {}}
	var out []store.PoolSnapshot
	for i, s := range slices.Backward(st.Subnets) {
		out = append(out, store.PoolSnapshot{
			Block: h, NetUID: s.NetUID, TAOIn: s.TAOIn, AlphaIn: s.AlphaIn, AlphaOut: s.AlphaOut,
			Price: prices[(i+int(h))%len(prices)], MovingPrice: s.MovingPrice,
			TAOInEmission: s.LastTAOInEmission ^ dtaod.TAO(h), AlphaInEmission: s.LastAlphaInEmission, // ^: stays below 2^63
			AlphaOutEmission: s.LastAlphaOutEmission, VolumeHi: s.VolumeHi, VolumeLo: s.VolumeLo,
		})
	}
	return out
}

// byNetUID returns snapshots sorted by netuid (a copy).
func byNetUID(s []store.PoolSnapshot) []store.PoolSnapshot {
	s = slices.Clone(s)
	slices.SortFunc(s, func(a, b store.PoolSnapshot) int { return cmp.Compare(a.NetUID, b.NetUID) })
	return s
}

// payload is a JSON order payload unique to (g, i).
func payload(g, i int) []byte {
	b, _ := json.Marshal(map[string]any{"op": "add_stake", "worker": g, "i": i, "note": "ü 'x'"})
	return b
}

// submit submits n orders and returns them as Pending should list them (SubmittedAt is read back
// through OrderStatus, since the store assigns it).
func submit(t *testing.T, s store.Store, n int) []store.Order {
	t.Helper()
	var out []store.Order
	for i := range n {
		p := payload(-1, i)
		before := time.Now()
		seq, err := s.SubmitOrder(ctx(t), p)
		must(t, err, "SubmitOrder")
		if len(out) > 0 && seq <= out[len(out)-1].Seq {
			t.Fatalf("SubmitOrder: seq %d after seq %d, want increasing", seq, out[len(out)-1].Seq)
		}
		st, err := s.OrderStatus(ctx(t), seq)
		must(t, err, "OrderStatus of a new order")
		if d := st.SubmittedAt.Sub(before); d < -time.Minute || d > time.Minute {
			t.Errorf("order %d: SubmittedAt %v is not about now (%v)", seq, st.SubmittedAt, before)
		}
		out = append(out, store.Order{Seq: seq, Payload: p, SubmittedAt: st.SubmittedAt})
	}
	return out
}

// ctx is the test's context.
func ctx(t testing.TB) context.Context { return t.Context() }

// must fails the test now if err is not nil.
func must(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantErr fails the test unless err is target.
func wantErr(t testing.TB, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: err = %v, want %v", what, err, target)
	}
}
