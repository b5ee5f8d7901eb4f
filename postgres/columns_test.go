package postgres

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestColumnTypes: amounts and block heights are BIGINT with a CHECK that they are not negative
// (> 0 for the history's block keys); NUMERIC is left to the values that can exceed 2^63, the
// domains u128, u256, decimal18 and fixed18; and a negative amount written behind the store's
// back is refused by the database.
func TestColumnTypes(t *testing.T) {
	u := migratedSchema(t)
	s := openStore(t, u)
	ctx := context.Background()
	rows, _ := s.pool.Query(ctx, `SELECT c.table_name::text, c.column_name::text, c.data_type::text,
			coalesce(c.domain_name::text, ''),
			EXISTS (SELECT 1 FROM pg_constraint k WHERE k.contype = 'c'
				AND k.conrelid = (quote_ident(c.table_name) || '')::regclass
				AND pg_get_constraintdef(k.oid) IN (format('CHECK ((%s >= 0))', c.column_name),
					format('CHECK ((%s > 0))', c.column_name)))
		FROM information_schema.columns c
		WHERE c.table_schema = current_schema() AND c.table_name = ANY($1)
		ORDER BY 1, 2`, sizedTables)
	type column struct {
		table, name, typ, domain string
		checked                  bool
	}
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (column, error) {
		var c column
		err := r.Scan(&c.table, &c.name, &c.typ, &c.domain, &c.checked)
		return c, err
	})
	if err != nil {
		t.Fatalf("list columns: %v", err)
	}
	// BIGINT columns that are not amounts or heights: sequence numbers and a duration.
	notAmounts := []string{"mempool.seq", "block_orders.seq", "blocks.apply_ns"}
	var bigints, numerics int
	for _, c := range cols {
		name := c.table + "." + c.name
		switch c.typ {
		case "bigint":
			bigints++
			if !c.checked && !slices.Contains(notAmounts, name) {
				t.Errorf("%s is bigint without CHECK (%s >= 0)", name, c.name)
			}
		case "numeric":
			numerics++
			if !slices.Contains([]string{"u128", "u256", "decimal18", "fixed18"}, c.domain) {
				t.Errorf("%s is numeric (domain %q): amounts and heights are bigint, numeric only for the wide domains", name, c.domain)
			}
		}
	}
	if bigints < 40 || numerics != 10 {
		t.Errorf("%d bigint and %d numeric columns; want 40 or more and 10 (the schema changed: update this test)", bigints, numerics)
	}

	// The CHECK is the last line: a negative (a wrapped uint64) never lands.
	g, st := testGenesis(1, 1, 1)
	if err := s.InitGenesis(ctx, g, st); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{`UPDATE state_globals SET total_issuance = -1`, `UPDATE state_balances SET free = -9223372036854775808`,
		`UPDATE state_subnets SET pending_alpha = -1`} {
		_, err := s.pool.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "23514" {
			t.Errorf("%s: err = %v, want a check violation (23514)", sql, err)
		}
	}
}
