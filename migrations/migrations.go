// Package migrations holds the PostgreSQL schema of the live service as golang-migrate SQL
// files (NNNN_name.up.sql / NNNN_name.down.sql), embedded so the binary carries them. The
// postgres package runs them (postgres.MigrateUp and friends); nothing here talks to a database.
//
// Conventions the files follow:
//   - amounts and block heights are BIGINT with CHECK (col >= 0): TAO and alpha amounts
//     (balances, reserves, alpha_out, pending amounts, emissions, ledger amounts, receipts' tao,
//     alpha and fee, share-pool values, total_issuance, ...) can never reach 2^63 (all TAO ever
//     is 2.1e16 rao, and each subnet's alpha is capped the same way), and neither can a block
//     height (blocks.height, the history's block columns, registration and update blocks).
//     The store refuses a larger value with store.ErrOutOfRange, writing nothing (the Go
//     values are uint64; store.CheckRange is the rule); sequence numbers and durations are
//     BIGINT too;
//   - what can exceed 2^63 round-trips exactly over its whole Go range: 128-bit volumes are the
//     domain u128 (NUMERIC(39,0)), uint256 share counts, denominators and the TAO offset u256
//     (NUMERIC(78,0));
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
