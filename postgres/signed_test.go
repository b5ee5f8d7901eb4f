package postgres

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/scenario"
	"github.com/dtaod/dtaod/store"
	"github.com/dtaod/dtaod/store/storetest"
)

// TestSignedTwoStores: two Store objects on one schema (two processes, as far as the database
// can tell) race signed batches; every (signer, nonce) is admitted exactly once, and the
// signer-ordered locking never deadlocks (no batch needed a retry).
func TestSignedTwoStores(t *testing.T) {
	u := migratedSchema(t)
	a, b := openStore(t, u), openStore(t, u)
	retries := submitRetries.Load()
	storetest.RaceSigned(t, a, b)
	if n := submitRetries.Load() - retries; n != 0 {
		t.Errorf("%d batches were retried after a deadlock or serialization failure", n)
	}
}

// TestSignedOverlappingBatches: many workers on two stores submit large batches over one shared
// set of new signers, each batch listing them in another order: the first-use inserts and row
// locks of overlapping batches never deadlock, and each signer ends with exactly the nonces
// admitted (a loser of a race is a replay, its key being the nonce's, or ErrBadNonce).
func TestSignedOverlappingBatches(t *testing.T) {
	u := migratedSchema(t)
	stores := []*Store{openStore(t, u), openStore(t, u)}
	const workers, rounds, signers = 6, 15, 200
	retries := submitRetries.Load()
	var mu sync.Mutex
	admitted := map[string]int{}
	var wg sync.WaitGroup
	for g := range workers {
		s := stores[g%2]
		wg.Go(func() {
			for r := range rounds {
				var batch []store.Submission
				for i := range signers {
					k := (i*(2*g+1) + r*7) % signers // a different order per worker and round
					sg := key("S", k)
					n, err := s.NextNonce(t.Context(), sg)
					if err != nil {
						t.Errorf("NextNonce: %v", err)
						return
					}
					batch = append(batch, benchSub(sg, n))
				}
				adms, err := s.SubmitSigned(t.Context(), batch)
				if err != nil {
					t.Errorf("worker %d round %d: %v", g, r, err)
					return
				}
				mu.Lock()
				for i, a := range adms {
					if a.Err == nil && !a.Replayed {
						admitted[batch[i].Signer]++
					} else if a.Err != nil && !errors.Is(a.Err, store.ErrBadNonce) {
						t.Errorf("admission %+v", a)
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if n := submitRetries.Load() - retries; n != 0 {
		t.Errorf("%d batches were retried after a deadlock or serialization failure", n)
	}
	total := 0
	for sg, n := range admitted {
		if next, err := stores[0].NextNonce(t.Context(), sg); err != nil || next != uint64(n) {
			t.Errorf("%s: NextNonce %d, %v; %d admitted", sg, next, err, n)
		}
		total += n
	}
	if c, err := stores[1].PendingCount(t.Context()); err != nil || c != total {
		t.Errorf("PendingCount %d, %v; %d admitted", c, err, total)
	}
}

// TestSignedColumnsInBlockOrders: the signed columns of an included order are in block_orders
// itself, NULL for an admin order, and the schema refuses a half-signed row.
func TestSignedColumnsInBlockOrders(t *testing.T) {
	s := openStore(t, migratedSchema(t))
	ctx := context.Background()
	g, st := testGenesis(1, 1, 1)
	if err := s.InitGenesis(ctx, g, st); err != nil {
		t.Fatal(err)
	}
	adms, err := s.SubmitSigned(ctx, []store.Submission{benchSub("5Sig", 0)})
	if err != nil || adms[0].Err != nil {
		t.Fatalf("SubmitSigned: %+v, %v", adms, err)
	}
	admin, err := s.SubmitOrder(ctx, []byte(`{"type":"faucet","coldkey":"x","amount":"1"}`))
	if err != nil {
		t.Fatal(err)
	}
	orders, err := s.Pending(ctx, 10)
	if err != nil || len(orders) != 2 {
		t.Fatalf("Pending: %v, %v", orders, err)
	}
	if err := s.CommitBlock(ctx, takeLease(t, s), blockOf(1, g.StateHash, orders, 0, 1)); err != nil {
		t.Fatal(err)
	}
	var signer *string
	var nonce *int64
	var sig []byte
	for _, c := range []struct {
		seq    int64
		signed bool
	}{{adms[0].Seq, true}, {admin, false}} {
		err := s.pool.QueryRow(ctx, `SELECT signer, nonce, signature FROM block_orders WHERE seq = $1`, c.seq).Scan(&signer, &nonce, &sig)
		if err != nil {
			t.Fatal(err)
		}
		if got := signer != nil && nonce != nil && sig != nil; got != c.signed || c.signed && (*signer != "5Sig" || *nonce != 0 || len(sig) != 64) {
			t.Errorf("order %d: signer %v nonce %v signature %x; want signed %v", c.seq, signer, nonce, sig, c.signed)
		}
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO mempool (payload, signer) VALUES ('{}', 'x')`)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23514" {
		t.Errorf("a half-signed mempool row: err = %v, want a check violation", err)
	}
}

// benchSub is a realistic signed submission: a canonical add_stake between 48-character
// addresses, a 64-byte signature, an idempotency key and its request hash.
func benchSub(signer string, nonce uint64) store.Submission {
	o := pools.Order{Kind: pools.AddStake, Coldkey: signer, Hotkey: key("H", int(nonce%64)), NetUID: 1,
		Amount: 1_000_000_000 + nonce}
	p := scenario.FormatOrder(&o)
	sig := sha256.Sum256(p)
	return store.Submission{Payload: p, Signer: signer, Nonce: nonce, Signature: append(sig[:], sig[:]...),
		IdempotencyKey: fmt.Sprintf("req-%d", nonce), RequestHash: sha256.Sum256(append(p, byte(nonce)))}
}

// BenchmarkSubmitSigned admits batches of 1000 signed orders (1000 distinct signers at their
// next nonce, each with an idempotency key) and reports admitted submissions per second. The
// sub-benchmarks run 1 and 4 submitters at once, on disjoint signers (as API processes would).
//
//	DTAOD_TEST_DATABASE_URL=... go test ./postgres -run '^$' -bench SubmitSigned -benchtime 200x
func BenchmarkSubmitSigned(b *testing.B) {
	const batch = 1000
	for _, par := range []int{1, 4} {
		b.Run(fmt.Sprintf("submitters=%d", par), func(b *testing.B) {
			s := openStore(b, migratedSchema(b))
			ctx := context.Background()
			batches := make([][][]store.Submission, par) // worker -> round -> batch
			rounds := (b.N + par - 1) / par
			for w := range par {
				batches[w] = make([][]store.Submission, rounds)
				for r := range rounds {
					for i := range batch {
						batches[w][r] = append(batches[w][r], benchSub(key(string(rune('K'+w)), i), uint64(r)))
					}
				}
			}
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for w := range par {
				wg.Go(func() {
					for r := range rounds {
						adms, err := s.SubmitSigned(ctx, batches[w][r])
						if err != nil {
							b.Errorf("SubmitSigned: %v", err)
							return
						}
						for _, a := range adms {
							if a.Err != nil || a.Replayed {
								b.Errorf("admission %+v", a)
								return
							}
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			n := par * rounds * batch
			b.ReportMetric(float64(n)/elapsed.Seconds(), "submissions/s")
			b.ReportMetric(float64(elapsed.Microseconds())/float64(par*rounds), "us/batch")
			var c int64
			if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM mempool`).Scan(&c); err != nil || c != int64(n) {
				b.Fatalf("mempool holds %d orders, %v; want %d", c, err, n)
			}
		})
	}
}
