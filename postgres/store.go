// Package postgres is the PostgreSQL implementation of store.Store, on pgx/v5 (the only package
// of the module that imports pgx). The schema lives in the migrations package; run MigrateUp
// before Open, which checks the schema version but never migrates.
//
// Layout: genesis, blocks and mempool are plain tables; block_orders, ledger and pool_snapshots
// are partitioned by block range (PartitionSpan blocks each, created on demand by CommitBlock);
// state_* hold the current state rows. state_globals doubles as the head pointer: CommitBlock
// locks its row, checks the head, and writes the whole block in that one transaction.
//
// A URL parameter search_path=<schema> puts the tables in a schema other than public, for the
// pool and for the migrations alike; the producer lock is per database and schema.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dtaod/dtaod/store"
)

// PartitionSpan is the number of blocks in one partition of block_orders, ledger and
// pool_snapshots: partition i holds blocks [i*PartitionSpan, (i+1)*PartitionSpan).
const PartitionSpan = 100_000

// producerLockClass is the first key of the producer's advisory lock (pg_try_advisory_lock(int,
// int)); the second is a hash of the schema, so chains in different schemas do not contend.
const producerLockClass int32 = 0x64_74_61_6f // "dtao"

// Store is a store.Store on PostgreSQL. Methods are safe for concurrent use.
type Store struct {
	pool    *pgxpool.Pool
	connCfg *pgx.ConnConfig // for the producer lease's dedicated connection
	schema  string          // current_schema() of the pool's connections
	lockKey int32           // second key of the producer lock
	opts    options

	partMu sync.Mutex
	parts  map[int64]bool // partition indexes known to exist (committed)

	leaseMu sync.Mutex
	leases  map[*lease]struct{} // live leases; nil once closed

	known knownSigners // signers whose nonces row exists (signed.go)
}

var _ store.Store = (*Store)(nil)

type options struct {
	fault        func(stage string) error
	pingInterval time.Duration
	span         int64
	maxConns     int32
	skipVersion  bool
}

// Option configures Open.
type Option func(*options)

// WithFault installs a hook CommitBlock calls at each stage of its transaction ("head", "lease",
// "partitions", "mempool", "orders", "ledger", "snapshots", "state", "header", "commit"); an
// error it returns aborts the block as a database failure would. For tests.
func WithFault(f func(stage string) error) Option { return func(o *options) { o.fault = f } }

// WithLeasePing sets how often a producer lease pings its connection (default 1s); a failed ping
// marks the lease lost.
func WithLeasePing(d time.Duration) Option { return func(o *options) { o.pingInterval = d } }

// WithMaxConns caps the connection pool (default: pgxpool's, or the URL's pool_max_conns).
func WithMaxConns(n int32) Option { return func(o *options) { o.maxConns = n } }

// WithoutVersionCheck lets Open skip checking that the schema is migrated to LatestVersion.
func WithoutVersionCheck() Option { return func(o *options) { o.skipVersion = true } }

// Open connects a pool to the database at url (postgres://... or key=value) and checks that the
// schema is at LatestVersion and clean. It does not migrate: see MigrateUp.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	o := options{pingInterval: time.Second, span: PartitionSpan}
	for _, f := range opts {
		f(&o)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse database url: %w", err)
	}
	if o.maxConns > 0 {
		cfg.MaxConns = o.maxConns
	}
	cfg.AfterConnect = registerNumeric
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open pool: %w", err)
	}
	s := &Store{pool: pool, connCfg: cfg.ConnConfig.Copy(), opts: o,
		parts: map[int64]bool{}, leases: map[*lease]struct{}{}}
	if err := s.init(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) init(ctx context.Context) error {
	var schema *string
	if err := s.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("postgres: connect: %w", err)
	}
	if schema == nil {
		return fmt.Errorf("postgres: no schema: the search_path names no existing schema")
	}
	s.schema = *schema
	h := fnv.New32a()
	h.Write([]byte(s.schema))
	s.lockKey = int32(h.Sum32())
	if s.opts.skipVersion {
		return nil
	}
	var version int64
	var dirty bool
	err := s.pool.QueryRow(ctx, `SELECT version, dirty FROM schema_migrations LIMIT 1`).Scan(&version, &dirty)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "42P01", errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("postgres: schema %q: %w", s.schema, ErrNotMigrated)
	case err != nil:
		return fmt.Errorf("postgres: read schema version: %w", err)
	case dirty:
		return fmt.Errorf("postgres: schema %q: %w", s.schema, &DirtyError{Version: int(version)})
	case version < int64(LatestVersion()):
		return fmt.Errorf("postgres: schema %q is at version %d, this build needs %d: %w",
			s.schema, version, LatestVersion(), ErrNotMigrated)
	case version > int64(LatestVersion()):
		return fmt.Errorf("postgres: schema %q is at version %d, newer than this build's %d",
			s.schema, version, LatestVersion())
	}
	return nil
}

// Pool is the store's connection pool, for callers that read the tables directly (dashboards).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Ping reports whether the database is reachable.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Close releases any producer lease the store holds and closes the pool.
// Calling it again does nothing.
func (s *Store) Close() {
	s.leaseMu.Lock()
	ls := make([]*lease, 0, len(s.leases))
	for l := range s.leases {
		ls = append(ls, l)
	}
	s.leases = nil
	s.leaseMu.Unlock()
	for _, l := range ls {
		l.Release()
	}
	s.pool.Close()
}

// sizedTables are the tables Sizes reports.
var sizedTables = []string{"genesis", "blocks", "mempool", "block_orders", "ledger",
	"pool_snapshots", "state_globals", "state_subnets", "state_balances", "state_pools",
	"state_shares", "state_neurons"}

// Sizes reports each table's on-disk size in bytes (pg_total_relation_size: heap, TOAST and
// indexes, summed over a partitioned table's partitions) and their sum under "total".
func (s *Store) Sizes(ctx context.Context) (map[string]int64, error) {
	out := make(map[string]int64, len(sizedTables)+1)
	for _, t := range sizedTables {
		var n int64
		err := s.pool.QueryRow(ctx, `SELECT CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(pg_total_relation_size(relid)), 0)
			FROM pg_partition_tree(c.oid)) ELSE pg_total_relation_size(c.oid) END::bigint
			FROM pg_class c WHERE c.oid = $1::regclass`, t).Scan(&n)
		if err != nil {
			return nil, fmt.Errorf("postgres: size of %s: %w", t, err)
		}
		out[t] = n
		out["total"] += n
	}
	return out, nil
}

// isUniqueViolation reports a unique/primary key violation.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// rollback ends a transaction that did not commit; its error is of no interest then.
func rollback(tx pgx.Tx) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = tx.Rollback(ctx)
}
