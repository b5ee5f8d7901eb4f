package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dtaod/dtaod/store"
)

var _ store.SignedStore = (*Store)(nil)

// blockOrderCols are block_orders' columns as CommitBlock copies them: the receipt columns, then
// the signer, nonce and signature takeOrders carries over from the mempool row.
var blockOrderCols = slices.Concat(orderColNames, []string{"signer", "nonce", "signature"})

// submitAttempts bounds how often SubmitSigned retries a batch the database aborted as a
// deadlock or serialization failure. Locking signers in order makes deadlocks impossible among
// batches; the retry covers anything else (another writer of the nonces table) without
// surfacing a transient failure as a lost batch.
const submitAttempts = 3

// submitRetries counts those retries, for tests (which expect none).
var submitRetries atomic.Int64

// maxKnownSigners bounds the known-signers cache; when full it starts over.
const maxKnownSigners = 1 << 20

// knownSigners remembers signers whose nonces row is committed. Rows are never deleted, so a
// batch need not insert them again: the insert-if-missing costs as much as the lock for each
// signer, and a busy API sees the same signers over and over.
type knownSigners struct {
	mu sync.Mutex
	m  map[string]struct{}
}

// missing returns the signers (sorted, kept sorted) not known to have a row.
func (k *knownSigners) missing(signers []string) []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for _, s := range signers {
		if _, ok := k.m[s]; !ok {
			out = append(out, s)
		}
	}
	return out
}

// add records signers whose rows a committed transaction saw or created.
func (k *knownSigners) add(signers []string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil || len(k.m)+len(signers) > maxKnownSigners {
		k.m = make(map[string]struct{}, len(signers))
	}
	for _, s := range signers {
		k.m[s] = struct{}{}
	}
}

// reset forgets every signer (a row the cache named was not found: the schema was reset).
func (k *knownSigners) reset() {
	k.mu.Lock()
	k.m = nil
	k.mu.Unlock()
}

// errSignersMissing: a signer's nonces row was neither found nor inserted, so the cache was stale.
var errSignersMissing = errors.New("a signer's nonces row is missing")

// SubmitSigned admits a batch in one transaction (READ COMMITTED):
//
//  1. insert the signers this Store has not seen committed into nonces (ON CONFLICT DO
//     NOTHING), then lock every signer's row with SELECT ... ORDER BY signer FOR UPDATE, both in
//     signer byte order (so two batches wait for each other in one order and never deadlock),
//     and read the batch's recorded idempotency keys (a fresh statement after the lock, so it
//     sees whatever a batch that held the lock before committed);
//  2. decide the batch in Go with store.PlanAdmissions;
//  3. insert the admitted rows into the mempool with one multi-row INSERT ... RETURNING seq and
//     record their idempotency keys in the same statement; advance the nonces; commit.
//
// Steps 1 and 3 are one round trip each (pipelined). The row locks make concurrent batches that
// share a signer run one after the other, whichever process or Store they come from, so a
// (signer, nonce) is admitted at most once; batches with disjoint signers run in parallel.
// A batch that admits nothing (all refused or replayed) writes nothing.
func (s *Store) SubmitSigned(ctx context.Context, subs []store.Submission) ([]store.Admission, error) {
	if len(subs) == 0 {
		return nil, nil
	}
	signers := store.Signers(subs)
	slices.Sort(signers) // byte order: what COLLATE "C" sorts by
	if signers[0] == "" {
		return nil, errors.New("postgres: submit signed: a submission has no signer")
	}
	var keySigners, keys []string
	seen := map[store.IdempotencyKey]bool{}
	for i := range subs {
		k := store.IdempotencyKey{Signer: subs[i].Signer, Key: subs[i].IdempotencyKey}
		if k.Key != "" && !seen[k] {
			seen[k] = true
			keySigners, keys = append(keySigners, k.Signer), append(keys, k.Key)
		}
	}
	var err error
	for attempt := range submitAttempts {
		var adms []store.Admission
		adms, err = s.submitSigned(ctx, subs, signers, keySigners, keys)
		if err == nil {
			return adms, nil
		}
		var pgErr *pgconn.PgError
		switch {
		case attempt == submitAttempts-1:
		case errors.Is(err, errSignersMissing):
			s.known.reset()
			continue
		case errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001"):
			submitRetries.Add(1)
			continue
		}
		break
	}
	return nil, fmt.Errorf("postgres: submit signed: %w", err)
}

func (s *Store) submitSigned(ctx context.Context, subs []store.Submission, signers, keySigners, keys []string) ([]store.Admission, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer rollback(tx)

	// 1. Lock the signers, read their nonces and the keys.
	var lock pgx.Batch
	if missing := s.known.missing(signers); len(missing) > 0 {
		lock.Queue(`INSERT INTO nonces (signer, next) SELECT s, 0 FROM unnest($1::text[]) WITH ORDINALITY AS u(s, i)
			ORDER BY i ON CONFLICT (signer) DO NOTHING`, missing)
	}
	next := make(map[string]uint64, len(signers))
	lock.Queue(`SELECT signer, next FROM nonces WHERE signer = ANY($1::text[]) ORDER BY signer FOR UPDATE`, signers).
		Query(func(rows pgx.Rows) error {
			var signer string
			var n int64
			_, err := pgx.ForEachRow(rows, []any{&signer, &n}, func() error {
				next[signer] = uint64(n)
				return nil
			})
			return err
		})
	recorded := map[store.IdempotencyKey]store.KeyRecord{}
	if len(keys) > 0 {
		lock.Queue(`SELECT i.signer, i.key, i.request_hash, i.seq FROM idempotency i
			JOIN unnest($1::text[], $2::text[]) AS k(signer, key) ON i.signer = k.signer AND i.key = k.key`, keySigners, keys).
			Query(func(rows pgx.Rows) error {
				var k store.IdempotencyKey
				var hash []byte
				var seq int64
				_, err := pgx.ForEachRow(rows, []any{&k.Signer, &k.Key, &hash, &seq}, func() error {
					rec := store.KeyRecord{Seq: seq}
					if copy(rec.RequestHash[:], hash) != len(rec.RequestHash) {
						return fmt.Errorf("idempotency key %q of %s has a %d-byte hash", k.Key, k.Signer, len(hash))
					}
					recorded[k] = rec
					return nil
				})
				return err
			})
	}
	if err := tx.SendBatch(ctx, &lock).Close(); err != nil {
		return nil, fmt.Errorf("lock signers: %w", err)
	}
	if len(next) != len(signers) {
		return nil, fmt.Errorf("locked %d of %d signers: %w", len(next), len(signers), errSignersMissing)
	}

	// 2. Decide.
	plan, err := store.PlanAdmissions(subs, next, recorded)
	if err != nil {
		return nil, err
	}
	if len(plan.Insert) == 0 {
		return plan.Admissions, nil // nothing to write; the rollback frees the locks
	}

	// 3. Write.
	n := len(plan.Insert)
	payloads, rowSigners, sigs := make([]string, n), make([]string, n), make([][]byte, n)
	nonces := make([]int64, n)
	var kSigners, kKeys []string
	var kNonces []int64
	var kHashes [][]byte
	for j, i := range plan.Insert {
		sub := &subs[i]
		payloads[j], rowSigners[j], nonces[j] = string(sub.Payload), sub.Signer, int64(sub.Nonce)
		sigs[j] = sub.Signature
		if sigs[j] == nil {
			sigs[j] = []byte{} // NULL is an unsigned order
		}
		if sub.IdempotencyKey != "" { // an admitted key is a first use: a repeat is a replay or a conflict
			kSigners, kKeys, kNonces = append(kSigners, sub.Signer), append(kKeys, sub.IdempotencyKey), append(kNonces, int64(sub.Nonce))
			kHashes = append(kHashes, sub.RequestHash[:])
		}
	}
	var write pgx.Batch
	seqs := make([]int64, 0, n)
	byRow := make(map[signedRow]int64, n)
	write.Queue(`WITH m AS (
			INSERT INTO mempool (payload, signer, nonce, signature)
			SELECT p::json, s, n, sig FROM unnest($1::text[], $2::text[], $3::int8[], $4::bytea[]) AS u(p, s, n, sig)
			RETURNING seq, signer, nonce),
		k AS (
			INSERT INTO idempotency (signer, key, request_hash, seq)
			SELECT k.signer, k.key, k.hash, m.seq FROM unnest($5::text[], $6::text[], $7::int8[], $8::bytea[]) AS k(signer, key, nonce, hash)
			JOIN m ON m.signer = k.signer AND m.nonce = k.nonce)
		SELECT seq, signer, nonce FROM m`, payloads, rowSigners, nonces, sigs, kSigners, kKeys, kNonces, kHashes).
		Query(func(rows pgx.Rows) error {
			var r signedRow
			var seq int64
			_, err := pgx.ForEachRow(rows, []any{&seq, &r.signer, &r.nonce}, func() error {
				byRow[r] = seq
				return nil
			})
			return err
		})
	upSigners, upNext := make([]string, 0, len(plan.Next)), make([]int64, 0, len(plan.Next))
	for _, sg := range signers {
		if v, ok := plan.Next[sg]; ok {
			upSigners, upNext = append(upSigners, sg), append(upNext, int64(v))
		}
	}
	write.Queue(`UPDATE nonces SET next = u.next FROM unnest($1::text[], $2::int8[]) AS u(signer, next)
		WHERE nonces.signer = u.signer`, upSigners, upNext)
	if err := tx.SendBatch(ctx, &write).Close(); err != nil {
		return nil, fmt.Errorf("insert orders: %w", err)
	}
	for j := range plan.Insert {
		seq, ok := byRow[signedRow{rowSigners[j], nonces[j]}]
		if !ok {
			return nil, fmt.Errorf("order of %s with nonce %d came back without a seq", rowSigners[j], nonces[j])
		}
		seqs = append(seqs, seq)
	}
	if err := plan.SetSeqs(seqs); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	s.known.add(signers)
	return plan.Admissions, nil
}

// signedRow identifies an admitted row within a batch: a (signer, nonce) is admitted once.
type signedRow struct {
	signer string
	nonce  int64
}

// NextNonce is the nonce the signer's next order must carry: 0 for a signer never admitted.
func (s *Store) NextNonce(ctx context.Context, signer string) (uint64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT next FROM nonces WHERE signer = $1`, signer).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: next nonce of %s: %w", signer, err)
	}
	return uint64(n), nil
}

// Signed returns the payload, signer, nonce and signature order seq was admitted with, pending
// or included (one statement, so one snapshot: an order being included is found in exactly one
// table); ok is false for an unsigned order, store.ErrNotFound for an unknown seq. The
// idempotency key and request hash are not returned.
func (s *Store) Signed(ctx context.Context, seq int64) (store.Submission, bool, error) {
	var sub store.Submission
	var signer *string
	var nonce *int64
	err := s.pool.QueryRow(ctx, `SELECT payload, signer, nonce, signature FROM mempool WHERE seq = $1
		UNION ALL SELECT payload, signer, nonce, signature FROM block_orders WHERE seq = $1 LIMIT 1`, seq).
		Scan(&sub.Payload, &signer, &nonce, &sub.Signature)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Submission{}, false, fmt.Errorf("postgres: order %d: %w", seq, store.ErrNotFound)
	}
	if err != nil {
		return store.Submission{}, false, fmt.Errorf("postgres: signed order %d: %w", seq, err)
	}
	if signer == nil || nonce == nil {
		return store.Submission{}, false, nil
	}
	sub.Signer, sub.Nonce = *signer, uint64(*nonce)
	return sub, true, nil
}

// takeOrders deletes a block's orders from the mempool (inside CommitBlock's transaction) and
// extends each of w's block_orders rows with the signer, nonce and signature its mempool row
// held (NULLs for an admin order), in blockOrderCols' order. It returns how many rows it deleted:
// fewer than w.seqs means an order was not pending.
func takeOrders(ctx context.Context, tx pgx.Tx, w *writes) (int64, error) {
	type signedCols struct {
		signer *string
		nonce  *int64
		sig    []byte
	}
	rows, _ := tx.Query(ctx, `DELETE FROM mempool WHERE seq = ANY($1::int8[]) RETURNING seq, signer, nonce, signature`, w.seqs)
	got := make(map[int64]signedCols, len(w.seqs))
	var seq int64
	var c signedCols
	_, err := pgx.ForEachRow(rows, []any{&seq, &c.signer, &c.nonce, &c.sig}, func() error {
		got[seq] = c
		c = signedCols{}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for i, row := range w.orders {
		c := got[w.seqs[i]]
		w.orders[i] = append(row, c.signer, c.nonce, c.sig)
	}
	return int64(len(got)), nil
}
