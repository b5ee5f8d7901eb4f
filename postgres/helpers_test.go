package postgres

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/holiman/uint256"
	"github.com/jackc/pgx/v5"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
)

// envURL names the variable holding the test database's URL.
const envURL = "DTAOD_TEST_DATABASE_URL"

// baseURL is the test database's URL; without it the test is skipped.
func baseURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(envURL)
	if u == "" {
		t.Skip(envURL + " is not set: skipping PostgreSQL tests " +
			"(e.g. " + envURL + "=postgres://postgres@127.0.0.1:5432/dtaod_test?sslmode=disable)")
	}
	return u
}

func randName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// withQuery returns u with query parameter key set to value, or with the database path db.
func withQuery(t testing.TB, u, key, value string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatalf("%s must be a URL: %v", envURL, err)
	}
	if key == "" {
		p.Path = "/" + value
	} else {
		q := p.Query()
		q.Set(key, value)
		p.RawQuery = q.Encode()
	}
	return p.String()
}

// admin runs one statement on the test database outside any store.
func admin(t testing.TB, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, baseURL(t))
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// freshSchema creates an empty schema, dropped at cleanup, and returns the test URL with its
// search_path set to it.
func freshSchema(t testing.TB) string {
	t.Helper()
	base := baseURL(t)
	name := randName("t_")
	admin(t, "CREATE SCHEMA "+name)
	t.Cleanup(func() { admin(t, "DROP SCHEMA "+name+" CASCADE") })
	return withQuery(t, base, "search_path", name)
}

// migratedSchema is freshSchema with the migrations applied.
func migratedSchema(t testing.TB) string {
	t.Helper()
	u := freshSchema(t)
	if err := MigrateUp(u); err != nil {
		t.Fatalf("MigrateUp: %v", err)
	}
	return u
}

// freshDatabase creates an empty database, dropped at cleanup, and returns its URL.
func freshDatabase(t testing.TB) string {
	t.Helper()
	base := baseURL(t)
	name := randName("dtaod_mig_")
	admin(t, "CREATE DATABASE "+name)
	t.Cleanup(func() { admin(t, "DROP DATABASE "+name+" WITH (FORCE)") })
	return withQuery(t, base, "", name)
}

// openStore opens a store on url, closed at cleanup.
func openStore(t testing.TB, u string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), u, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// lease takes the producer role of s, released at cleanup.
func takeLease(t testing.TB, s *Store) store.Lease {
	t.Helper()
	l, ok, err := s.TryProducer(context.Background())
	if err != nil || !ok {
		t.Fatalf("TryProducer: ok %v, err %v", ok, err)
	}
	t.Cleanup(l.Release)
	return l
}

func hash(tag string, n uint64) [32]byte {
	var h [32]byte
	copy(h[:], fmt.Sprintf("%s-%d", tag, n))
	return h
}

// key is a 48-character SS58-like account name.
func key(kind string, i int) string {
	return fmt.Sprintf("5%s%046d", kind, i)[:48]
}

// testGenesis is a genesis of subnets subnets with neurons neurons each, accounts balances and
// stakes share rows.
func testGenesis(subnets, neurons, accounts int) (*store.Genesis, *pools.Snapshot) {
	st := &pools.Snapshot{Globals: pools.Globals{TotalIssuance: 1 << 50, RootTAO: 1 << 40, TAOOffset: *uint256.NewInt(3)}}
	for n := range subnets {
		st.Subnets = append(st.Subnets, pools.SubnetRow{NetUID: dtaod.NetUID(n), TAOIn: 1 << 40, AlphaIn: 1 << 41,
			AlphaOut: 1 << 39, MovingPrice: dtaod.FixedOne / 2, Tempo: 360, OwnerColdkey: key("C", n),
			OwnerHotkey: key("H", n), MaxAllowedUIDs: 256, MaxAllowedValidators: 64, VolumeHi: 1, VolumeLo: 2})
		for u := range neurons {
			ws := make([]pools.Weight, 16)
			for i := range ws {
				ws[i] = pools.Weight{UID: uint16(i), Value: uint16(1000 * i)}
			}
			st.Neurons = append(st.Neurons, pools.NeuronRow{NetUID: dtaod.NetUID(n), UID: uint16(u),
				Hotkey: key("H", n*1000+u), Coldkey: key("C", u), Weights: ws, Bonds: ws, Active: true})
		}
	}
	for i := range accounts {
		st.Balances = append(st.Balances, pools.BalanceRow{Coldkey: key("C", i), Free: dtaod.TAO(1e12 + i)})
		st.Pools = append(st.Pools, pools.PoolRow{NetUID: dtaod.NetUID(i % max(subnets, 1)), Hotkey: key("H", i),
			Value: uint64(i + 1), Denom: *uint256.NewInt(uint64(i+1) << 20)})
		st.Shares = append(st.Shares, pools.ShareRow{NetUID: dtaod.NetUID(i % max(subnets, 1)), Hotkey: key("H", i),
			Coldkey: key("C", i), Shares: *uint256.NewInt(uint64(i+1) << 20)})
	}
	sortSnap(st)
	return &store.Genesis{Document: []byte(`{"chain": "test"}`), StateHash: hash("genesis", 0), ChainID: "test"}, st
}

// blockOf builds block h on parent over orders: per order a receipt and ledgerPer ledger
// entries, snapshots subnets' pool snapshots and a few state changes.
func blockOf(h dtaod.Block, parent [32]byte, orders []store.Order, ledgerPer, subnets int) *store.Block {
	b := &store.Block{
		Header: store.BlockHeader{Height: h, StateHash: hash("state", uint64(h)), ParentHash: parent,
			Emission: 1e9, TotalIssuance: dtaod.TAO(1e15 + uint64(h)), Orders: len(orders),
			ProducedAt: time.Now().UTC().Truncate(time.Microsecond), ApplyTime: 1234 * time.Microsecond},
		Changes: &pools.Changes{Globals: &pools.Globals{Height: h, TotalIssuance: dtaod.TAO(1e15 + uint64(h))}},
	}
	price := dtaod.PriceFromFixed(dtaod.FixedOne + 123)
	for i, o := range orders {
		b.Orders = append(b.Orders, store.IncludedOrder{Order: o, Block: h, Index: i, Receipt: store.Receipt{
			OK: true, TAO: 1e9, Alpha: 2e9, Fee: 50_000, NetUID: dtaod.NetUID(i % max(subnets, 1)),
			PriceBefore: price, PriceAfter: price}})
		for k := range ledgerPer {
			n := dtaod.NetUID(i % max(subnets, 1))
			from, to := pools.AccountFree(key("C", i)), pools.AccountPool(n)
			if k%2 == 1 {
				from, to = pools.AccountPool(n), pools.AccountStake(key("H", i), n)
			}
			b.Ledger = append(b.Ledger, store.LedgerEntry{Block: h, Seq: len(b.Ledger), Entry: pools.Entry{
				Reason: pools.ReasonStake, Unit: pools.AlphaOf(n), From: from, To: to,
				Amount: uint64(1e9 + k), Coldkey: key("C", i), Input: int32(i)}})
		}
	}
	for n := range subnets {
		b.Snapshots = append(b.Snapshots, store.PoolSnapshot{Block: h, NetUID: dtaod.NetUID(n), TAOIn: 1e12,
			AlphaIn: 2e12, AlphaOut: 1e12, Price: price, MovingPrice: dtaod.FixedOne / 3, VolumeLo: uint64(h)})
	}
	return b
}

// sortSnap sorts a snapshot's rows by key, as pools.Snapshot requires.
func sortSnap(st *pools.Snapshot) {
	slices.SortFunc(st.Subnets, func(a, b pools.SubnetRow) int { return cmp.Compare(a.NetUID, b.NetUID) })
	slices.SortFunc(st.Balances, func(a, b pools.BalanceRow) int { return cmp.Compare(a.Coldkey, b.Coldkey) })
	slices.SortFunc(st.Pools, func(a, b pools.PoolRow) int {
		return cmp.Or(cmp.Compare(a.NetUID, b.NetUID), cmp.Compare(a.Hotkey, b.Hotkey))
	})
	slices.SortFunc(st.Shares, func(a, b pools.ShareRow) int {
		return cmp.Or(cmp.Compare(a.NetUID, b.NetUID), cmp.Compare(a.Hotkey, b.Hotkey), cmp.Compare(a.Coldkey, b.Coldkey))
	})
	slices.SortFunc(st.Neurons, func(a, b pools.NeuronRow) int {
		return cmp.Or(cmp.Compare(a.NetUID, b.NetUID), cmp.Compare(a.UID, b.UID))
	})
}
