package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dtaod/dtaod/store"
)

// waitFor polls cond every 50ms for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// terminate kills the backend holding l's lock, as a crash or network cut would.
func terminate(t *testing.T, l store.Lease) {
	t.Helper()
	admin(t, `SELECT pg_terminate_backend($1)`, int64(l.(*lease).pid))
}

// TestLeaseTwoStores: two stores (two pools) on one database: while the first holds the role
// the second cannot take it; once the first store is closed the second gets it at once, and the
// first's lease is lost and cannot commit.
func TestLeaseTwoStores(t *testing.T) {
	u := migratedSchema(t)
	a, b := openStore(t, u), openStore(t, u)
	ctx := context.Background()
	g, st := testGenesis(1, 1, 1)
	if err := a.InitGenesis(ctx, g, st); err != nil {
		t.Fatal(err)
	}
	la := takeLease(t, a)
	var app string
	err := a.pool.QueryRow(ctx, `SELECT application_name FROM pg_stat_activity WHERE pid = $1`,
		int64(la.(*lease).pid)).Scan(&app)
	if err != nil || app != "dtaod-producer" {
		t.Errorf("the lease's session: application_name %q, err %v; want dtaod-producer", app, err)
	}
	for range 3 {
		if _, ok, err := b.TryProducer(ctx); ok || err != nil {
			t.Fatalf("second store's TryProducer while the first holds the role: ok %v, err %v", ok, err)
		}
	}
	if la.Lost() {
		t.Fatal("the first lease reports Lost")
	}
	a.Close()
	if !la.Lost() {
		t.Error("the first lease is not Lost after its store closed")
	}
	var lb store.Lease
	if !waitFor(5*time.Second, func() bool {
		l, ok, err := b.TryProducer(ctx)
		if err != nil {
			t.Fatalf("TryProducer: %v", err)
		}
		lb = l
		return ok
	}) {
		t.Fatal("the second store did not get the role within 5s of the first closing")
	}
	defer lb.Release()
	err = b.CommitBlock(ctx, la, blockOf(1, g.StateHash, nil, 0, 1))
	if !errors.Is(err, store.ErrNotProducer) {
		t.Errorf("CommitBlock with the closed store's lease: err = %v, want ErrNotProducer", err)
	}
	if err := b.CommitBlock(ctx, lb, blockOf(1, g.StateHash, nil, 0, 1)); err != nil {
		t.Errorf("CommitBlock with the new lease: %v", err)
	}
}

// TestLeaseLostOnBrokenConnection: when the lease's connection dies, the ping notices within
// about a second, the lease is Lost, it cannot commit, and another store takes the role.
func TestLeaseLostOnBrokenConnection(t *testing.T) {
	u := migratedSchema(t)
	a, b := openStore(t, u), openStore(t, u)
	ctx := context.Background()
	g, st := testGenesis(1, 1, 1)
	if err := a.InitGenesis(ctx, g, st); err != nil {
		t.Fatal(err)
	}
	la := takeLease(t, a)
	start := time.Now()
	terminate(t, la)
	if !waitFor(5*time.Second, la.Lost) {
		t.Fatal("the lease is not Lost 5s after its connection was killed")
	}
	t.Logf("lease lost %v after its connection died", time.Since(start).Round(time.Millisecond))
	err := a.CommitBlock(ctx, la, blockOf(1, g.StateHash, nil, 0, 1))
	if !errors.Is(err, store.ErrNotProducer) {
		t.Errorf("CommitBlock with a lost lease: err = %v, want ErrNotProducer", err)
	}
	lb, ok, err := b.TryProducer(ctx)
	if err != nil || !ok {
		t.Fatalf("TryProducer after the holder died: ok %v, err %v", ok, err)
	}
	defer lb.Release()
	la.Release() // harmless after loss
	if _, ok, _ := a.TryProducer(ctx); ok {
		t.Error("the first store took the role while the second holds it")
	}
}

// TestLeaseFence: CommitBlock checks the lock inside its transaction, so a lease whose
// connection died before any ping noticed still cannot commit.
func TestLeaseFence(t *testing.T) {
	u := migratedSchema(t)
	a := openStore(t, u, WithLeasePing(time.Hour))
	ctx := context.Background()
	g, st := testGenesis(1, 1, 1)
	if err := a.InitGenesis(ctx, g, st); err != nil {
		t.Fatal(err)
	}
	la := takeLease(t, a)
	terminate(t, la)
	time.Sleep(100 * time.Millisecond)
	if la.Lost() {
		t.Fatal("fixture: the lease noticed the loss without a ping")
	}
	before := look(t, a, 1)
	err := a.CommitBlock(ctx, la, blockOf(1, g.StateHash, submitN(t, a, 1), 1, 1))
	if !errors.Is(err, store.ErrNotProducer) {
		t.Fatalf("CommitBlock on a dead lease: err = %v, want ErrNotProducer", err)
	}
	if !la.Lost() {
		t.Error("the lease is not Lost after CommitBlock found its lock gone")
	}
	after := look(t, a, 1)
	if after.head != nil || after.orders != 0 || len(after.pending) != len(before.pending)+1 {
		t.Errorf("a refused block left traces: %+v", after)
	}
}

// TestLeasePerSchema: chains in different schemas of one database have separate roles, and a
// lease of one cannot commit to the other.
func TestLeasePerSchema(t *testing.T) {
	a, b := openStore(t, migratedSchema(t)), openStore(t, migratedSchema(t))
	ctx := context.Background()
	g, st := testGenesis(1, 1, 1)
	if err := b.InitGenesis(ctx, g, st); err != nil {
		t.Fatal(err)
	}
	la := takeLease(t, a)
	takeLease(t, b)
	if err := b.CommitBlock(ctx, la, blockOf(1, g.StateHash, nil, 0, 1)); !errors.Is(err, store.ErrNotProducer) {
		t.Errorf("CommitBlock with another schema's lease: err = %v, want ErrNotProducer", err)
	}
}
