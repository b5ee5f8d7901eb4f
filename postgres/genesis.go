package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
)

// InitGenesis stores g and the state rows of st (the state at height 0) if the store holds no
// genesis; with the same genesis (document, state hash and chain id) it does nothing; with a
// different one it fails with store.ErrGenesisMismatch. A state with an amount or height above
// 2^63-1 fails first, with store.ErrOutOfRange naming the field (store.CheckSnapshotRange).
func (s *Store) InitGenesis(ctx context.Context, g *store.Genesis, st *pools.Snapshot) error {
	if g == nil || st == nil {
		return errors.New("postgres: InitGenesis needs a genesis and its state")
	}
	if err := store.CheckSnapshotRange(st); err != nil {
		return fmt.Errorf("postgres: genesis state: %w", err)
	}
	doc := g.Document
	if doc == nil {
		doc = []byte{}
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO state_globals (head_height, head_hash, height, total_issuance, root_tao,
		burn_shortfall, unnamed_root, network_last_lock, network_last_lock_block, tao_offset, params)
		VALUES (0, $9, $1, $2, $3, $4, $5, $6, $7, $8::numeric, $10::json)`,
		append(globalsArgs(&st.Globals), g.StateHash[:], paramsArg(st.Params))...)
	stateBatch(b, &pools.Changes{Subnets: st.Subnets, Balances: st.Balances, Pools: st.Pools,
		Shares: st.Shares, Neurons: st.Neurons})

	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: begin genesis: %w", err)
	}
	defer rollback(tx)
	// A concurrent InitGenesis waits here for the first one's transaction and then inserts
	// nothing.
	tag, err := tx.Exec(ctx, `INSERT INTO genesis (document, state_hash, chain_id) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO NOTHING`, doc, g.StateHash[:], g.ChainID)
	if err != nil {
		return fmt.Errorf("postgres: insert genesis: %w", err)
	}
	if tag.RowsAffected() == 0 {
		rollback(tx)
		have, err := s.Genesis(ctx)
		if err != nil {
			return err
		}
		if !bytes.Equal(have.Document, doc) || have.StateHash != g.StateHash || have.ChainID != g.ChainID {
			return fmt.Errorf("postgres: stored chain %q, state hash %x: %w", have.ChainID, have.StateHash[:8], store.ErrGenesisMismatch)
		}
		return nil
	}
	if err := runBatch(ctx, tx, b); err != nil {
		return fmt.Errorf("postgres: genesis state: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit genesis: %w", err)
	}
	return nil
}

// Genesis returns the stored genesis, or store.ErrNotFound.
func (s *Store) Genesis(ctx context.Context) (*store.Genesis, error) {
	var g store.Genesis
	var hash []byte
	err := s.pool.QueryRow(ctx, `SELECT document, state_hash, chain_id FROM genesis`).Scan(&g.Document, &hash, &g.ChainID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: genesis: %w", store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: read genesis: %w", err)
	}
	copy(g.StateHash[:], hash)
	return &g, nil
}

// State returns the current state rows (after the head, or genesis), read in one snapshot.
// Without a genesis it fails with store.ErrNotFound.
func (s *Store) State(ctx context.Context) (*pools.Snapshot, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("postgres: begin state read: %w", err)
	}
	defer rollback(tx)
	st, err := readState(ctx, tx)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: state: %w", store.ErrNotFound)
	}
	return st, err
}
