package storetest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/dtaod/dtaod/store"
)

// raceWin is an admitted submission of a race.
type raceWin struct {
	seq                int64
	payload, signature []byte
}

// RaceSigned races SubmitSigned from 8 goroutines spread over stores, which must all be fresh
// views of one empty chain (one store, or several Store objects on one database: the PostgreSQL
// tests pass two, as two processes would be). It fails the test unless every (signer, nonce) is
// admitted exactly once. Two rounds:
//
//   - racing nonces: every goroutine reads the next nonce of one new signer and submits it (with
//     its successor, in half the batches) until 200 are admitted; the losers get ErrBadNonce;
//   - racing retries: three new signers, each batch carrying two nonces of each signer, in a
//     shuffled signer order (a store that locks signers in slice order deadlocks here), every
//     submission keyed by its (signer, nonce) with a hash of it, so a loser is a replay of the
//     winner's seq and never ErrBadNonce.
//
// Afterwards each signer's admitted nonces are 0..next-1 with seqs increasing with the nonce,
// the mempool holds exactly the admitted orders with the winners' payloads, and Signed agrees.
func RaceSigned(t *testing.T, stores ...store.SignedStore) {
	t.Helper()
	if len(stores) == 0 {
		t.Fatal("RaceSigned needs a store")
	}
	const workers = 8
	var mu sync.Mutex
	wins := map[string]map[uint64]raceWin{} // signer -> nonce -> the admitted submission
	record := func(t *testing.T, sb store.Submission, a store.Admission) {
		mu.Lock()
		defer mu.Unlock()
		if wins[sb.Signer] == nil {
			wins[sb.Signer] = map[uint64]raceWin{}
		}
		w, seen := wins[sb.Signer][sb.Nonce]
		switch {
		case a.Err == nil && !a.Replayed && seen:
			t.Errorf("%s nonce %d admitted twice: seqs %d and %d", sb.Signer, sb.Nonce, w.seq, a.Seq)
		case a.Err == nil && !a.Replayed:
			wins[sb.Signer][sb.Nonce] = raceWin{a.Seq, sb.Payload, sb.Signature}
		}
	}

	// Round 1: one signer, racing nonces, no keys.
	const target = 200
	signer := "5Race'ü"
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := range workers {
		s := stores[g%len(stores)]
		wg.Go(func() {
			<-start
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for attempt := 0; ; attempt++ {
				n, err := s.NextNonce(ctx(t), signer)
				if err != nil {
					t.Errorf("worker %d: NextNonce: %v", g, err)
					return
				}
				if n >= target {
					return
				}
				batch := []store.Submission{sub(signer, n, fmt.Sprintf("w%d-%d", g, attempt))}
				if rng.IntN(2) == 0 {
					batch = append(batch, sub(signer, n+1, fmt.Sprintf("w%d-%d+", g, attempt)))
				}
				adms, err := s.SubmitSigned(ctx(t), batch)
				if err != nil {
					t.Errorf("worker %d: SubmitSigned: %v", g, err)
					return
				}
				for i, a := range adms {
					if a.Replayed || a.Err != nil && a.Err != store.ErrBadNonce {
						t.Errorf("worker %d: nonce %d: admission %+v, want admitted or ErrBadNonce", g, batch[i].Nonce, a)
					}
					record(t, batch[i], a)
				}
			}
		})
	}
	close(start)
	wg.Wait()

	// Round 2: three signers, keyed retries, shuffled signer order.
	signers := []string{"5Rb", "5Ra", "5Rc\x01"}
	keyedSub := func(sg string, n uint64, g int) store.Submission {
		return keyed(sub(sg, n, fmt.Sprintf("w%d", g)), fmt.Sprintf("n-%d", n), fmt.Sprintf("%s/%d", sg, n))
	}
	const target2 = 60
	start = make(chan struct{})
	for g := range workers {
		s := stores[(g+1)%len(stores)]
		wg.Go(func() {
			<-start
			rng := rand.New(rand.NewPCG(uint64(g), 2))
			order := slices.Clone(signers)
			for {
				rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
				var batch []store.Submission
				for _, sg := range order {
					n, err := s.NextNonce(ctx(t), sg)
					if err != nil {
						t.Errorf("worker %d: NextNonce: %v", g, err)
						return
					}
					if n < target2 {
						batch = append(batch, keyedSub(sg, n, g), keyedSub(sg, n+1, g))
					}
				}
				if len(batch) == 0 {
					return
				}
				adms, err := s.SubmitSigned(ctx(t), batch)
				if err != nil {
					t.Errorf("worker %d: SubmitSigned: %v", g, err)
					return
				}
				for i, a := range adms {
					if a.Err != nil {
						t.Errorf("worker %d: %s nonce %d: %v, want admitted or replayed", g, batch[i].Signer, batch[i].Nonce, a.Err)
					}
					record(t, batch[i], a)
					if a.Replayed {
						mu.Lock()
						w, ok := wins[batch[i].Signer][batch[i].Nonce]
						mu.Unlock()
						// The winner may be recorded by its own worker a moment later; check when known.
						if ok && w.seq != a.Seq {
							t.Errorf("worker %d: replay of %s nonce %d got seq %d, the order is %d", g, batch[i].Signer, batch[i].Nonce, a.Seq, w.seq)
						}
					}
				}
			}
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		return
	}
	checkRace(t, stores[0], wins)
}

// checkRace checks a raced store against the admissions the workers saw: per signer, nonces
// 0..next-1 each admitted once with seqs increasing with the nonce; the mempool holds exactly
// those orders with the winners' payloads; Signed agrees.
func checkRace(t *testing.T, s store.SignedStore, wins map[string]map[uint64]raceWin) {
	t.Helper()
	bySeq := map[int64]raceWin{}
	for signer, nonces := range wins {
		next := nextNonce(t, s, signer)
		if uint64(len(nonces)) != next {
			t.Errorf("%s: %d nonces admitted, NextNonce %d", signer, len(nonces), next)
		}
		last := int64(0)
		for n := range next {
			w, ok := nonces[n]
			if !ok {
				t.Errorf("%s: nonce %d below NextNonce %d was never admitted", signer, n, next)
				continue
			}
			if w.seq <= last {
				t.Errorf("%s: nonce %d has seq %d, not after the previous nonce's %d", signer, n, w.seq, last)
			}
			last = w.seq
			if _, dup := bySeq[w.seq]; dup {
				t.Errorf("seq %d admitted twice", w.seq)
			}
			bySeq[w.seq] = w
			checkSigned(t, s, w.seq, store.Submission{Payload: w.payload, Signer: signer, Nonce: n, Signature: w.signature})
		}
	}
	pend, err := s.Pending(ctx(t), 100_000)
	must(t, err, "Pending")
	if len(pend) != len(bySeq) {
		t.Errorf("Pending: %d orders, %d admitted", len(pend), len(bySeq))
	}
	for _, o := range pend {
		if w, ok := bySeq[o.Seq]; !ok || !bytes.Equal(o.Payload, w.payload) {
			t.Errorf("pending order %d (%s) is not the admitted one", o.Seq, o.Payload)
		}
	}
}
