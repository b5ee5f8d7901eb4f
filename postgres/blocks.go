package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/store"
)

const headerCols = `height, state_hash, parent_hash, emission, total_issuance, orders, produced_at, apply_ns`

func scanHeader(row pgx.Row) (*store.BlockHeader, error) {
	var h store.BlockHeader
	var height, applyNS int64
	var state, parent []byte
	var emission, issuance uint64
	err := row.Scan(&height, &state, &parent, &emission, &issuance, &h.Orders, &h.ProducedAt, &applyNS)
	if err != nil {
		return nil, err
	}
	h.Height, h.Emission, h.TotalIssuance = dtaod.Block(height), dtaod.TAO(emission), dtaod.TAO(issuance)
	copy(h.StateHash[:], state)
	copy(h.ParentHash[:], parent)
	h.ProducedAt, h.ApplyTime = h.ProducedAt.UTC(), time.Duration(applyNS)
	return &h, nil
}

// Head returns the latest block's header, or store.ErrNotFound before block 1.
func (s *Store) Head(ctx context.Context) (*store.BlockHeader, error) {
	h, err := scanHeader(s.pool.QueryRow(ctx, `SELECT `+headerCols+` FROM blocks ORDER BY height DESC LIMIT 1`))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: head: %w", store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: head: %w", err)
	}
	return h, nil
}

// height converts a block height for a BIGINT column; ok is false for heights no block can
// have (above 2^63-1).
func height(h dtaod.Block) (int64, bool) {
	return int64(h), uint64(h) <= math.MaxInt64
}

// Header returns block h's header, or store.ErrNotFound.
func (s *Store) Header(ctx context.Context, h dtaod.Block) (*store.BlockHeader, error) {
	hh, ok := height(h)
	if !ok {
		return nil, fmt.Errorf("postgres: block %d: %w", h, store.ErrNotFound)
	}
	hdr, err := scanHeader(s.pool.QueryRow(ctx, `SELECT `+headerCols+` FROM blocks WHERE height = $1`, hh))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: block %d: %w", h, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: block %d: %w", h, err)
	}
	return hdr, nil
}

// BlockOrders returns the orders block h included, in Index order; none for a block the store
// does not hold.
func (s *Store) BlockOrders(ctx context.Context, h dtaod.Block) ([]store.IncludedOrder, error) {
	hh, ok := height(h)
	if !ok {
		return nil, nil
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+orderCols+` FROM block_orders WHERE block = $1 ORDER BY idx`, hh)
	out, err := pgx.CollectRows(rows, scanIncluded)
	if err != nil {
		return nil, fmt.Errorf("postgres: orders of block %d: %w", h, err)
	}
	return out, nil
}

// Ledger returns block h's ledger entries in Seq order; none for a block the store does not
// hold.
func (s *Store) Ledger(ctx context.Context, h dtaod.Block) ([]store.LedgerEntry, error) {
	hh, ok := height(h)
	if !ok {
		return nil, nil
	}
	rows, _ := s.pool.Query(ctx, `SELECT seq, input, reason, unit, from_account, to_account, amount, coldkey
		FROM ledger WHERE block = $1 ORDER BY seq`, hh)
	var out []store.LedgerEntry
	var seq, input int32
	var reason, unit, from, to string
	var e store.LedgerEntry
	_, err := pgx.ForEachRow(rows, []any{&seq, &input, &reason, &unit, &from, &to, &e.Amount, &e.Coldkey}, func() error {
		var err error
		e.Block, e.Seq, e.Input = h, int(seq), input
		if e.Reason, err = parseReason(reason); err != nil {
			return err
		}
		if e.Unit, err = parseUnit(unit); err != nil {
			return err
		}
		if e.From, err = parseAccount(from); err != nil {
			return err
		}
		if e.To, err = parseAccount(to); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: ledger of block %d: %w", h, err)
	}
	return out, nil
}

// Snapshots returns the pool snapshots of block h by netuid; none for a block the store does
// not hold.
func (s *Store) Snapshots(ctx context.Context, h dtaod.Block) ([]store.PoolSnapshot, error) {
	hh, ok := height(h)
	if !ok {
		return nil, nil
	}
	rows, _ := s.pool.Query(ctx, `SELECT netuid, tao_in, alpha_in, alpha_out, price, moving_price,
		tao_in_emission, alpha_in_emission, alpha_out_emission, volume
		FROM pool_snapshots WHERE block = $1 ORDER BY netuid`, hh)
	var out []store.PoolSnapshot
	var netuid int32
	var a [6]uint64
	price, moving, volume := scaledNum(), scaledNum(), intNum()
	_, err := pgx.ForEachRow(rows, []any{&netuid, &a[0], &a[1], &a[2], &price, &moving, &a[3], &a[4], &a[5], &volume}, func() error {
		var c scanConv
		p := store.PoolSnapshot{Block: h, NetUID: dtaod.NetUID(c.u16("netuid", netuid)),
			TAOIn: dtaod.TAO(a[0]), AlphaIn: dtaod.Alpha(a[1]), AlphaOut: dtaod.Alpha(a[2]),
			Price: price.price(), MovingPrice: c.fixed("moving_price", &moving),
			TAOInEmission: dtaod.TAO(a[3]), AlphaInEmission: dtaod.Alpha(a[4]), AlphaOutEmission: dtaod.Alpha(a[5])}
		p.VolumeHi, p.VolumeLo = c.volume("volume", &volume)
		out = append(out, p)
		return c.err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: snapshots of block %d: %w", h, err)
	}
	return out, nil
}

// ledgerRow is a ledger entry as the ledger table's columns (see ledgerCols).
func ledgerRow(block int64, e *store.LedgerEntry) ([]any, error) {
	reason, err := reasonName(e.Reason)
	if err != nil {
		return nil, err
	}
	from, err := accountName(e.From)
	if err != nil {
		return nil, err
	}
	to, err := accountName(e.To)
	if err != nil {
		return nil, err
	}
	if e.Seq < 0 || e.Seq > math.MaxInt32 {
		return nil, fmt.Errorf("postgres: ledger seq %d out of range", e.Seq)
	}
	return []any{block, int32(e.Seq), e.Input, reason, e.Unit.String(), from, to, bigint(e.Amount), e.Coldkey}, nil
}

var ledgerCols = []string{"block", "seq", "input", "reason", "unit", "from_account", "to_account", "amount", "coldkey"}
