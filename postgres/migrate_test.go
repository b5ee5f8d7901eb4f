package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// objects lists the tables (with partitions), domains and sequences of the database at u's
// current schema, for checking what migrations leave behind.
func objects(t *testing.T, u string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	rows, _ := conn.Query(ctx, `SELECT c.relname || ':' || c.relkind::text FROM pg_class c
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'S', 'v', 'm')
		UNION ALL SELECT t.typname || ':domain' FROM pg_type t
		WHERE t.typnamespace = current_schema()::regnamespace AND t.typtype = 'd'
		ORDER BY 1`)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("list objects: %v", err)
	}
	return names
}

func checkVersion(t *testing.T, u string, want uint, wantDirty bool) {
	t.Helper()
	v, dirty, err := Version(u)
	if err != nil || v != want || dirty != wantDirty {
		t.Fatalf("Version = %d, dirty %v, err %v; want %d, dirty %v", v, dirty, err, want, wantDirty)
	}
}

// TestMigrateUpDownUp runs the migrations on a new, empty database: up, up again (no change),
// down (everything dropped, partitions included), up again; the store opens on the result.
func TestMigrateUpDownUp(t *testing.T) {
	u := freshDatabase(t)
	checkVersion(t, u, 0, false)
	if _, err := Open(context.Background(), u); !errors.Is(err, ErrNotMigrated) {
		t.Fatalf("Open on an empty database: err = %v, want ErrNotMigrated", err)
	}
	for range 2 {
		if err := MigrateUp(u); err != nil {
			t.Fatalf("MigrateUp: %v", err)
		}
		checkVersion(t, u, LatestVersion(), false)
	}
	if out, err := Migrate(u, "version"); err != nil || out != fmt.Sprint(LatestVersion()) {
		t.Fatalf(`Migrate("version") = %q, %v; want "%d"`, out, err, LatestVersion())
	}
	up := objects(t, u)
	for _, want := range []string{"blocks:r", "ledger:p", "block_orders:p", "pool_snapshots:p", "mempool:r",
		"state_neurons:r", "u128:domain", "u256:domain", "schema_migrations:r"} {
		if !slices.Contains(up, want) {
			t.Errorf("after MigrateUp, %s is missing from %v", want, up)
		}
	}

	// Commit a block so that partitions exist, then migrate down.
	s := openStore(t, u)
	g, st := testGenesis(2, 2, 4)
	ctx := context.Background()
	if err := s.InitGenesis(ctx, g, st); err != nil {
		t.Fatalf("InitGenesis: %v", err)
	}
	if err := s.CommitBlock(ctx, takeLease(t, s), blockOf(1, g.StateHash, nil, 0, 2)); err != nil {
		t.Fatalf("CommitBlock: %v", err)
	}
	if !slices.Contains(objects(t, u), "ledger_p0:r") {
		t.Fatalf("no partition ledger_p0 after block 1: %v", objects(t, u))
	}
	s.Close()

	if err := MigrateDown(u); err != nil {
		t.Fatalf("MigrateDown: %v", err)
	}
	checkVersion(t, u, 0, false)
	if left := objects(t, u); !slices.Equal(left, []string{"schema_migrations:r"}) {
		t.Errorf("after MigrateDown, left: %v; want only golang-migrate's schema_migrations", left)
	}
	if err := MigrateUp(u); err != nil {
		t.Fatalf("MigrateUp after down: %v", err)
	}
	checkVersion(t, u, LatestVersion(), false)
	if again := objects(t, u); !slices.Equal(again, up) {
		t.Errorf("up, down, up: objects %v, want %v", again, up)
	}
	s = openStore(t, u)
	if _, err := s.Genesis(ctx); err == nil {
		t.Errorf("Genesis after down and up: found one, want an empty store")
	}
}

// TestMigrateSearchPath: with search_path in the URL, golang-migrate creates the tables (and
// its version table) in that schema and leaves public alone.
func TestMigrateSearchPath(t *testing.T) {
	db := freshDatabase(t)
	admin2 := func(sql string) {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, db)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	admin2("CREATE SCHEMA chain_a")
	u := withQuery(t, db, "search_path", "chain_a")
	if err := MigrateUp(u); err != nil {
		t.Fatalf("MigrateUp: %v", err)
	}
	if got := objects(t, db); len(got) != 0 {
		t.Errorf("public holds %v after migrating chain_a; want nothing", got)
	}
	if got := objects(t, u); !slices.Contains(got, "ledger:p") || !slices.Contains(got, "schema_migrations:r") {
		t.Errorf("chain_a holds %v; want the tables and schema_migrations", got)
	}
	checkVersion(t, db, 0, false)
	checkVersion(t, u, LatestVersion(), false)
	openStore(t, u)
}

// TestMigrateDirty: a migration that fails half way leaves the schema dirty; MigrateUp, Open
// and Version report it clearly until it is forced.
func TestMigrateDirty(t *testing.T) {
	u := freshSchema(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	// A table in the way makes 0001 fail after golang-migrate marked version 1 dirty.
	if _, err := conn.Exec(ctx, `CREATE TABLE blocks (x int)`); err != nil {
		t.Fatal(err)
	}
	if err := MigrateUp(u); err == nil {
		t.Fatal("MigrateUp over a conflicting table succeeded")
	}
	checkVersion(t, u, 1, true)
	var dirty *DirtyError
	err = MigrateUp(u)
	if !errors.As(err, &dirty) || dirty.Version != 1 {
		t.Fatalf("MigrateUp on a dirty schema: err = %v, want a *DirtyError at version 1", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "dirty at version 1") || !strings.Contains(msg, "migrate force") {
		t.Errorf("dirty error %q does not say what to do", msg)
	}
	if err := MigrateDown(u); !errors.As(err, &dirty) {
		t.Errorf("MigrateDown on a dirty schema: err = %v, want a *DirtyError", err)
	}
	if _, err := Open(ctx, u); !errors.As(err, &dirty) {
		t.Errorf("Open on a dirty schema: err = %v, want a *DirtyError", err)
	}
	if out, err := Migrate(u, "version"); err != nil || out != "1 (dirty)" {
		t.Errorf(`Migrate("version") = %q, %v; want "1 (dirty)"`, out, err)
	}

	// The repair: remove the obstacle, force back to no version, migrate.
	if _, err := conn.Exec(ctx, `DROP TABLE blocks`); err != nil {
		t.Fatal(err)
	}
	if _, err := Migrate(u, "force -1"); err != nil {
		t.Fatalf(`Migrate("force -1"): %v`, err)
	}
	checkVersion(t, u, 0, false)
	if err := MigrateUp(u); err != nil {
		t.Fatalf("MigrateUp after the repair: %v", err)
	}
	openStore(t, u)
}

// TestOpenChecksVersion: Open refuses a schema that is not migrated or is too new.
func TestOpenChecksVersion(t *testing.T) {
	u := freshSchema(t)
	if _, err := Open(context.Background(), u); !errors.Is(err, ErrNotMigrated) {
		t.Errorf("Open on an empty schema: err = %v, want ErrNotMigrated", err)
	}
	s := openStore(t, u, WithoutVersionCheck())
	s.Close()
	if err := MigrateUp(u); err != nil {
		t.Fatal(err)
	}
	if err := Force(u, int(LatestVersion())+1); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), u); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open on a newer schema: err = %v, want a version error", err)
	}
	if _, err := Migrate(u, "sideways"); err == nil {
		t.Errorf("Migrate with an unknown command succeeded")
	}
}
