package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/store"
)

// SubmitOrder makes an order durable in the mempool and returns its sequence number. payload
// must be JSON (the column is json, which keeps it byte for byte).
func (s *Store) SubmitOrder(ctx context.Context, payload []byte) (int64, error) {
	var seq int64
	err := s.pool.QueryRow(ctx, `INSERT INTO mempool (payload) VALUES ($1) RETURNING seq`, payload).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("postgres: submit order: %w", err)
	}
	return seq, nil
}

// Pending returns up to limit pending orders, lowest Seq first (none if limit <= 0).
func (s *Store) Pending(ctx context.Context, limit int) ([]store.Order, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, _ := s.pool.Query(ctx, `SELECT seq, payload, submitted_at FROM mempool ORDER BY seq LIMIT $1`, limit)
	var out []store.Order
	var o store.Order
	_, err := pgx.ForEachRow(rows, []any{&o.Seq, &o.Payload, &o.SubmittedAt}, func() error {
		o.SubmittedAt = o.SubmittedAt.UTC()
		out = append(out, o)
		o.Payload = nil
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: pending orders: %w", err)
	}
	return out, nil
}

// PendingCount is the number of pending orders.
func (s *Store) PendingCount(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM mempool`).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: pending count: %w", err)
	}
	return n, nil
}

// LastPendingSeq is the highest pending Seq, 0 when the mempool is empty: a backward scan of
// the primary key, which stays cheap however many dead rows a busy mempool holds until it is
// vacuumed (count(*) reads them all).
func (s *Store) LastPendingSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM mempool`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("postgres: last pending seq: %w", err)
	}
	return seq, nil
}

// OrderStatus reports an order by Seq: pending, or included with its receipt; else
// store.ErrNotFound.
func (s *Store) OrderStatus(ctx context.Context, seq int64) (*store.OrderStatus, error) {
	// Read both tables in one snapshot so an order being included is seen in exactly one.
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("postgres: begin order status: %w", err)
	}
	defer rollback(tx)
	st := &store.OrderStatus{}
	err = tx.QueryRow(ctx, `SELECT seq, payload, submitted_at FROM mempool WHERE seq = $1`, seq).
		Scan(&st.Seq, &st.Payload, &st.SubmittedAt)
	if err == nil {
		st.Pending = true
		st.SubmittedAt = st.SubmittedAt.UTC()
		return st, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: order %d: %w", seq, err)
	}
	rows, _ := tx.Query(ctx, `SELECT `+orderCols+` FROM block_orders WHERE seq = $1`, seq)
	inc, err := pgx.CollectRows(rows, scanIncluded)
	if err != nil {
		return nil, fmt.Errorf("postgres: order %d: %w", seq, err)
	}
	if len(inc) == 0 {
		return nil, fmt.Errorf("postgres: order %d: %w", seq, store.ErrNotFound)
	}
	st.Order = inc[0].Order
	st.Included = &inc[0]
	return st, nil
}

// orderCols are block_orders' columns in scanIncluded's order.
const orderCols = `block, idx, seq, payload, submitted_at, ok, code, message, tao, alpha, fee, uid,
	netuid, price_before, price_after`

func scanIncluded(row pgx.CollectableRow) (store.IncludedOrder, error) {
	var o store.IncludedOrder
	var block int64
	var tao, alpha, fee uint64
	var idx, uid, netuid int32
	before, after := scaledNum(), scaledNum()
	err := row.Scan(&block, &idx, &o.Seq, &o.Payload, &o.SubmittedAt, &o.Receipt.OK, &o.Receipt.Code,
		&o.Receipt.Message, &tao, &alpha, &fee, &uid, &netuid, &before, &after)
	if err != nil {
		return o, err
	}
	var c scanConv
	o.Block, o.Index, o.SubmittedAt = dtaod.Block(block), int(idx), o.SubmittedAt.UTC()
	o.Receipt.TAO, o.Receipt.Alpha, o.Receipt.Fee = dtaod.TAO(tao), dtaod.Alpha(alpha), dtaod.TAO(fee)
	o.Receipt.UID, o.Receipt.NetUID = c.u16("uid", uid), dtaod.NetUID(c.u16("netuid", netuid))
	o.Receipt.PriceBefore, o.Receipt.PriceAfter = before.price(), after.price()
	return o, c.err
}
