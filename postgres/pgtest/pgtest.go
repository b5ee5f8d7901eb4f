// Package pgtest gives tests outside the postgres package a scratch PostgreSQL schema. It is part
// of the storage layer (the only code that talks to pgx); tests elsewhere get a URL and pass it
// to postgres.Open or to the dtaod binary.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env names the variable holding the test database's URL; .ci/run always sets it.
const Env = "DTAOD_TEST_DATABASE_URL"

// URL returns the test database's URL, or skips the test with a message when it is unset.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(Env)
	if u == "" {
		t.Skip(Env + " is not set: skipping a PostgreSQL test (e.g. " + Env +
			"=postgres://postgres@127.0.0.1:5432/dtaod_test?sslmode=disable)")
	}
	return u
}

// Schema creates an empty schema, dropped when the test ends, and returns the test URL with its
// search_path set to it: a private database for one test, for the price of a schema.
func Schema(t testing.TB) string {
	t.Helper()
	base := URL(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	exec(t, base, "CREATE SCHEMA "+name)
	t.Cleanup(func() { exec(t, base, "DROP SCHEMA "+name+" CASCADE") })
	p, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s must be a URL: %v", Env, err)
	}
	q := p.Query()
	q.Set("search_path", name)
	p.RawQuery = q.Encode()
	return p.String()
}

func exec(t testing.TB, u, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
