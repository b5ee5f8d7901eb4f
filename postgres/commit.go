package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/dtaod/dtaod/store"
)

// CommitBlock writes b in one transaction, all or nothing:
//
//  1. lock the state_globals row (the head pointer) FOR UPDATE and check that b extends the head
//     (height head+1, parent = the head's state hash, the genesis hash for block 1), else
//     store.ErrConflict; a rival committer waits on that lock and then sees the new head;
//  2. check inside the transaction that the lease's connection still holds the producer lock
//     (pg_locks), else store.ErrNotProducer;
//  3. create the history partitions of b's height if missing;
//  4. delete b's orders from the mempool; unless every one was pending, store.ErrConflict;
//  5. COPY block_orders, ledger and pool_snapshots;
//  6. apply b.Changes to the state tables (deletes, then upserts) and the globals;
//  7. insert the blocks row and move the head.
//
// The lease must come from TryProducer of a Store on the same database and schema (any such
// Store: the check is on the lock, not the object). A block with an amount or height above
// 2^63-1, which the BIGINT columns cannot hold, fails with store.ErrOutOfRange naming the field
// (store.CheckRange). A block that does not extend the head is ErrConflict even if it is
// otherwise invalid. If the connection breaks during COMMIT itself the
// outcome is unknown, as with any database: read Head to find out.
func (s *Store) CommitBlock(ctx context.Context, l store.Lease, b *store.Block) error {
	ls, ok := l.(*lease)
	if !ok || ls == nil || l.Lost() {
		return fmt.Errorf("postgres: commit block: %w", store.ErrNotProducer)
	}
	if ls.key != s.lockKey {
		return fmt.Errorf("postgres: commit block: the lease is for another schema: %w", store.ErrNotProducer)
	}
	if b == nil {
		return errors.New("postgres: commit block: nil block")
	}
	h, ok := height(b.Header.Height)
	if !ok || h == 0 {
		return fmt.Errorf("postgres: block %d: %w", b.Header.Height, store.ErrConflict)
	}
	w, invalid := s.prepare(h, b)
	err := s.commit(ctx, ls, h, b, w, invalid)
	if err != nil {
		return fmt.Errorf("postgres: commit block %d: %w", h, err)
	}
	return nil
}

// writes is a block converted to rows, before the transaction starts.
type writes struct {
	seqs      []int64
	orders    [][]any
	ledger    [][]any
	snapshots [][]any
	state     pgx.Batch
}

var (
	orderColNames = []string{"block", "idx", "seq", "payload", "submitted_at", "ok", "code", "message",
		"tao", "alpha", "fee", "uid", "netuid", "price_before", "price_after"}
	snapshotCols = []string{"block", "netuid", "tao_in", "alpha_in", "alpha_out", "price", "moving_price",
		"tao_in_emission", "alpha_in_emission", "alpha_out_emission", "volume"}
)

// prepare converts b to rows and checks what can be checked without the database. An invalid
// block is reported only once it is known to extend the head: a block that does not is a
// conflict first.
func (s *Store) prepare(h int64, b *store.Block) (*writes, error) {
	if err := store.CheckRange(b); err != nil {
		return nil, err
	}
	w := &writes{seqs: make([]int64, len(b.Orders)), orders: make([][]any, len(b.Orders))}
	for i := range b.Orders {
		o := &b.Orders[i]
		if o.Block != b.Header.Height || o.Index < 0 || o.Index > math.MaxInt32 {
			return nil, fmt.Errorf("order %d has block %d, index %d", o.Seq, o.Block, o.Index)
		}
		payload := o.Payload
		if payload == nil {
			payload = []byte{}
		}
		r := &o.Receipt
		w.seqs[i] = o.Seq
		w.orders[i] = []any{h, int32(o.Index), o.Seq, payload, o.SubmittedAt, r.OK, r.Code, r.Message,
			bigint(r.TAO), bigint(r.Alpha), bigint(r.Fee), int32(r.UID), int32(r.NetUID),
			numPrice(r.PriceBefore), numPrice(r.PriceAfter)}
	}
	w.ledger = make([][]any, len(b.Ledger))
	for i := range b.Ledger {
		e := &b.Ledger[i]
		if e.Block != b.Header.Height {
			return nil, fmt.Errorf("ledger entry %d has block %d", e.Seq, e.Block)
		}
		row, err := ledgerRow(h, e)
		if err != nil {
			return nil, fmt.Errorf("ledger entry %d: %w", e.Seq, err)
		}
		w.ledger[i] = row
	}
	w.snapshots = make([][]any, len(b.Snapshots))
	for i := range b.Snapshots {
		p := &b.Snapshots[i]
		if p.Block != b.Header.Height {
			return nil, fmt.Errorf("snapshot of netuid %d has block %d", p.NetUID, p.Block)
		}
		w.snapshots[i] = []any{h, int32(p.NetUID), bigint(p.TAOIn), bigint(p.AlphaIn), bigint(p.AlphaOut),
			numPrice(p.Price), numFixed(p.MovingPrice), bigint(p.TAOInEmission), bigint(p.AlphaInEmission),
			bigint(p.AlphaOutEmission), numVolume(p.VolumeHi, p.VolumeLo)}
	}
	if ch := b.Changes; ch != nil {
		stateBatch(&w.state, ch)
		if ch.Globals != nil {
			w.state.Queue(updateGlobals, globalsArgs(ch.Globals)...)
		}
		if ch.Params != nil {
			w.state.Queue(updateParams, paramsArg(ch.Params.To))
		}
	}
	return w, nil
}

// stage runs the fault hook, if any.
func (s *Store) stage(name string) error {
	if s.opts.fault == nil {
		return nil
	}
	if err := s.opts.fault(name); err != nil {
		return fmt.Errorf("fault at %s: %w", name, err)
	}
	return nil
}

func (s *Store) commit(ctx context.Context, ls *lease, h int64, b *store.Block, w *writes, invalid error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer rollback(tx)

	// 1. The head, locked until commit: rival committers queue here.
	var headHeight int64
	var headHash []byte
	err = tx.QueryRow(ctx, `SELECT head_height, head_hash FROM state_globals FOR UPDATE`).Scan(&headHeight, &headHash)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("no genesis: %w", store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("lock head: %w", err)
	}
	if h != headHeight+1 || string(headHash) != string(b.Header.ParentHash[:]) {
		return fmt.Errorf("head is %d (%x), block is %d on parent %x: %w",
			headHeight, headHash[:4], h, b.Header.ParentHash[:4], store.ErrConflict)
	}
	if invalid != nil {
		return invalid
	}
	if err := s.stage("head"); err != nil {
		return err
	}

	// 2. The lease, checked where it counts: the lock is still held by the lease's session.
	var held bool
	err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND classid = $1 AND objid = $2 AND objsubid = 2 AND pid = $3 AND granted)`,
		int64(uint32(producerLockClass)), int64(uint32(ls.key)), int64(ls.pid)).Scan(&held)
	if err != nil {
		return fmt.Errorf("check lease: %w", err)
	}
	if !held {
		ls.markLost()
		return fmt.Errorf("the lease's session no longer holds the producer lock: %w", store.ErrNotProducer)
	}
	if err := s.stage("lease"); err != nil {
		return err
	}

	// 3. Partitions.
	part := h / s.opts.span
	created, err := s.ensurePartition(ctx, tx, part)
	if err != nil {
		return err
	}
	if err := s.stage("partitions"); err != nil {
		return err
	}

	// 4. The mempool: every included order must have been pending.
	if len(w.seqs) > 0 {
		if dup := hasDuplicate(w.seqs); dup {
			return fmt.Errorf("an order is included twice: %w", store.ErrConflict)
		}
		n, err := takeOrders(ctx, tx, w) // signed.go: also carries signer, nonce, signature over
		if err != nil {
			return fmt.Errorf("remove orders from the mempool: %w", err)
		}
		if n != int64(len(w.seqs)) {
			return fmt.Errorf("%d of the block's %d orders are not pending: %w", int64(len(w.seqs))-n, len(w.seqs), store.ErrConflict)
		}
	}
	if err := s.stage("mempool"); err != nil {
		return err
	}

	// 5. History.
	for _, c := range []struct {
		stage, table string
		cols         []string
		rows         [][]any
	}{
		{"orders", "block_orders", blockOrderCols, w.orders},
		{"ledger", "ledger", ledgerCols, w.ledger},
		{"snapshots", "pool_snapshots", snapshotCols, w.snapshots},
	} {
		if len(c.rows) > 0 {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
				return fmt.Errorf("copy %s: %w", c.table, err)
			}
		}
		if err := s.stage(c.stage); err != nil {
			return err
		}
	}

	// 6. State.
	if err := runBatch(ctx, tx, &w.state); err != nil {
		return err
	}
	if err := s.stage("state"); err != nil {
		return err
	}

	// 7. Header and head.
	hd := &b.Header
	_, err = tx.Exec(ctx, `INSERT INTO blocks (`+headerCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		h, hd.StateHash[:], hd.ParentHash[:], bigint(hd.Emission), bigint(hd.TotalIssuance), hd.Orders,
		hd.ProducedAt, int64(hd.ApplyTime))
	if isUniqueViolation(err) {
		return fmt.Errorf("block exists: %w", store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("insert header: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE state_globals SET head_height = $1, head_hash = $2`, h, hd.StateHash[:]); err != nil {
		return fmt.Errorf("move head: %w", err)
	}
	if err := s.stage("header"); err != nil {
		return err
	}
	if err := s.stage("commit"); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if created {
		s.partMu.Lock()
		s.parts[part] = true
		s.partMu.Unlock()
	}
	return nil
}

func hasDuplicate(seqs []int64) bool {
	sorted := slices.Clone(seqs)
	slices.Sort(sorted)
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			return true
		}
	}
	return false
}

// partitionedTables are the history tables, partitioned by block range.
var partitionedTables = []string{"block_orders", "ledger", "pool_snapshots"}

// ensurePartition creates partition part of every history table unless this store has already
// seen it committed. It runs inside the block's transaction, which holds the head lock, so two
// committers never create the same partition at once; the DDL commits or rolls back with the
// block. created reports whether the partition needs to be remembered after the commit.
func (s *Store) ensurePartition(ctx context.Context, tx pgx.Tx, part int64) (created bool, err error) {
	s.partMu.Lock()
	known := s.parts[part]
	s.partMu.Unlock()
	if known {
		return false, nil
	}
	from, to := part*s.opts.span, (part+1)*s.opts.span
	for _, t := range partitionedTables {
		sql := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s PARTITION OF %s FOR VALUES FROM (%d) TO (%d)`,
			pgx.Identifier{fmt.Sprintf("%s_p%d", t, part)}.Sanitize(), pgx.Identifier{t}.Sanitize(), from, to)
		if _, err := tx.Exec(ctx, sql); err != nil {
			return false, fmt.Errorf("create partition %d of %s: %w", part, t, err)
		}
	}
	return true, nil
}
