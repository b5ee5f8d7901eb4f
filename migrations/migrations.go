// Package migrations holds the PostgreSQL schema of the live service as golang-migrate SQL
// files (NNNN_name.up.sql / NNNN_name.down.sql), embedded so the binary carries them. The
// postgres package runs them (postgres.MigrateUp and friends); nothing here talks to a database.
//
// Conventions the files follow:
//   - every unsigned value round-trips exactly over its whole Go range: uint64 amounts and
//     heights held in rows (TAO, alpha, ledger amounts, registration blocks) are the domain u64
//     (NUMERIC(20,0), 0..2^64-1), 128-bit volumes u128, uint256 share counts, denominators and
//     the TAO offset u256 (NUMERIC(78,0)); block numbers that key the history (blocks.height,
//     the block columns) are BIGINT, as are sequence numbers and durations;
//   - prices (dtaod.Price, a uint256 scaled by 1e18) are the domain decimal18, NUMERIC(78,18)
//     holding the exact decimal value (1.5 is 1.500000000000000000), and moving prices
//     (dtaod.Fixed) fixed18, NUMERIC(20,18);
//   - the history tables block_orders, ledger and pool_snapshots are partitioned by range of
//     block; the store creates their partitions on demand;
//   - text keys (hotkeys, coldkeys) use COLLATE "C" so that index order is Go's byte order;
//   - documents and order payloads are kept byte for byte (bytea, json; never jsonb).
package migrations

import "embed"

// FS holds the migration files, named for golang-migrate's iofs source (path ".").
//
//go:embed *.sql
var FS embed.FS
