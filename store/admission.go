package store

import (
	"fmt"
	"math"
)

// MaxNonce is the largest nonce a store admits: nonces are kept in signed 64-bit columns and the
// next one (nonce+1) must fit too. A submission above it is ErrBadNonce. No signer gets near it
// (it is 9.2e18 orders), so the limit is one every store can honour rather than a policy.
const MaxNonce = math.MaxInt64 - 1

// IdempotencyKey names a recorded idempotency key: keys are scoped to their signer.
type IdempotencyKey struct {
	Signer, Key string
}

// KeyRecord is what a store remembers of an idempotency key: the hash of the request that first
// used it and the Seq that request was admitted as.
type KeyRecord struct {
	RequestHash [32]byte
	Seq         int64
}

// AdmissionPlan is a batch of submissions decided but not yet written. Every SignedStore decides
// with PlanAdmissions, so the memory and PostgreSQL stores answer a batch identically; a store
// only supplies the signers' current nonces and the recorded keys (read under its lock) and
// assigns the Seqs of the rows it inserts.
type AdmissionPlan struct {
	// Admissions answers each submission. Seq is set for replays of keys recorded before the
	// batch; SetSeqs fills in the rest.
	Admissions []Admission
	// Insert lists the indexes of the submissions to store, in slice order.
	Insert []int
	// Next is the new next nonce of every signer whose nonce moved.
	Next map[string]uint64
	// Keys are the idempotency keys to record, with the index of the submission that admitted
	// them (whose Admission carries the Seq once SetSeqs ran).
	Keys map[IdempotencyKey]int

	replays map[int]int // submission index -> index of the submission in this batch it repeats
}

// PlanAdmissions decides a batch in slice order, given each signer's next nonce before the batch
// (absent: 0) and the idempotency keys already recorded for the batch's (signer, key) pairs. A
// submission with a recorded key is a replay (same request hash: the first Seq, no nonce check)
// or ErrIdempotencyConflict (another hash); otherwise its nonce must be its signer's next, which
// then advances, so a batch may carry a signer's consecutive nonces. A key is recorded only when
// its submission is admitted: a refused one may be retried under the same key. An empty signer
// fails the whole batch (the caller verified a signature, so it is a bug, not a user error).
func PlanAdmissions(subs []Submission, next map[string]uint64, keys map[IdempotencyKey]KeyRecord) (*AdmissionPlan, error) {
	p := &AdmissionPlan{
		Admissions: make([]Admission, len(subs)),
		Insert:     make([]int, 0, len(subs)),
		Next:       map[string]uint64{},
		Keys:       map[IdempotencyKey]int{},
		replays:    map[int]int{},
	}
	for i := range subs {
		sub := &subs[i]
		if sub.Signer == "" {
			return nil, fmt.Errorf("store: submission %d has no signer", i)
		}
		if sub.IdempotencyKey != "" {
			k := IdempotencyKey{sub.Signer, sub.IdempotencyKey}
			if rec, ok := keys[k]; ok {
				if rec.RequestHash != sub.RequestHash {
					p.Admissions[i].Err = ErrIdempotencyConflict
				} else {
					p.Admissions[i] = Admission{Seq: rec.Seq, Replayed: true}
				}
				continue
			}
			if first, ok := p.Keys[k]; ok {
				if subs[first].RequestHash != sub.RequestHash {
					p.Admissions[i].Err = ErrIdempotencyConflict
				} else {
					p.Admissions[i].Replayed = true
					p.replays[i] = first
				}
				continue
			}
		}
		want, moved := p.Next[sub.Signer]
		if !moved {
			want = next[sub.Signer]
		}
		if sub.Nonce != want || sub.Nonce > MaxNonce {
			p.Admissions[i].Err = ErrBadNonce
			continue
		}
		p.Next[sub.Signer] = sub.Nonce + 1
		p.Insert = append(p.Insert, i)
		if sub.IdempotencyKey != "" {
			p.Keys[IdempotencyKey{sub.Signer, sub.IdempotencyKey}] = i
		}
	}
	return p, nil
}

// SetSeqs records the Seqs the store assigned: seqs[j] is that of submission Insert[j]. They
// must increase, as Seqs do in submission order; replays within the batch get their original's.
func (p *AdmissionPlan) SetSeqs(seqs []int64) error {
	if len(seqs) != len(p.Insert) {
		return fmt.Errorf("store: %d seqs for %d admitted submissions", len(seqs), len(p.Insert))
	}
	for j, i := range p.Insert {
		if j > 0 && seqs[j] <= seqs[j-1] {
			return fmt.Errorf("store: seq %d after %d: seqs must increase in submission order", seqs[j], seqs[j-1])
		}
		p.Admissions[i].Seq = seqs[j]
	}
	for i, first := range p.replays {
		p.Admissions[i].Seq = p.Admissions[first].Seq
	}
	return nil
}

// Signers returns the distinct signers of subs: the rows a store must lock (and read the next
// nonce of) before planning.
func Signers(subs []Submission) []string {
	seen := make(map[string]struct{}, len(subs))
	out := make([]string, 0, len(subs))
	for i := range subs {
		if _, ok := seen[subs[i].Signer]; !ok {
			seen[subs[i].Signer] = struct{}{}
			out = append(out, subs[i].Signer)
		}
	}
	return out
}
