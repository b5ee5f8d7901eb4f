package mem

import (
	"bytes"
	"context"
	"fmt"

	"github.com/dtaod/dtaod/store"
)

var _ store.SignedStore = (*Store)(nil)

// signedState is the memory store's part of store.SignedStore, guarded by Store.mu like the
// rest. Orders are never dropped from Store.orders, so the signer of an included order stays
// known without any work in CommitBlock.
type signedState struct {
	nonces map[string]uint64                        // next nonce by signer; absent = 0
	keys   map[store.IdempotencyKey]store.KeyRecord // recorded idempotency keys
	orders map[int64]store.Submission               // signer, nonce, signature by seq
}

// SubmitSigned admits a batch atomically under the store's lock, deciding it with
// store.PlanAdmissions exactly as the PostgreSQL store does. Admitted orders get consecutive
// seqs and join the mempool.
func (s *Store) SubmitSigned(_ context.Context, subs []store.Submission) ([]store.Admission, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if len(subs) == 0 {
		return nil, nil
	}
	ss := &s.signed
	if ss.nonces == nil {
		ss.nonces = map[string]uint64{}
		ss.keys = map[store.IdempotencyKey]store.KeyRecord{}
		ss.orders = map[int64]store.Submission{}
	}
	plan, err := store.PlanAdmissions(subs, ss.nonces, ss.keys)
	if err != nil {
		return nil, fmt.Errorf("mem: %w", err)
	}
	seqs := make([]int64, len(plan.Insert))
	now := s.now().UTC()
	for j, i := range plan.Insert {
		sub := &subs[i]
		seq := s.nextSeq
		s.nextSeq++
		seqs[j] = seq
		s.orders[seq] = &order{Order: store.Order{Seq: seq, Payload: bytes.Clone(sub.Payload), SubmittedAt: now}}
		s.pending = append(s.pending, seq)
		ss.orders[seq] = store.Submission{Signer: sub.Signer, Nonce: sub.Nonce, Signature: bytes.Clone(sub.Signature)}
	}
	if err := plan.SetSeqs(seqs); err != nil {
		return nil, fmt.Errorf("mem: %w", err) // cannot happen: seqs come from one counter
	}
	for signer, next := range plan.Next {
		ss.nonces[signer] = next
	}
	for k, i := range plan.Keys {
		ss.keys[k] = store.KeyRecord{RequestHash: subs[i].RequestHash, Seq: plan.Admissions[i].Seq}
	}
	return plan.Admissions, nil
}

// NextNonce is the nonce the signer's next order must carry: 0 for a signer never seen.
func (s *Store) NextNonce(_ context.Context, signer string) (uint64, error) {
	if err := s.lock(); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	return s.signed.nonces[signer], nil
}

// Signed returns the payload, signer, nonce and signature order seq was admitted with, pending or
// included; ok is false for an unsigned order and the error store.ErrNotFound for an unknown seq.
// IdempotencyKey and RequestHash are not kept per order and come back empty.
func (s *Store) Signed(_ context.Context, seq int64) (store.Submission, bool, error) {
	if err := s.lock(); err != nil {
		return store.Submission{}, false, err
	}
	defer s.mu.Unlock()
	o, ok := s.orders[seq]
	if !ok {
		return store.Submission{}, false, store.ErrNotFound
	}
	sub, ok := s.signed.orders[seq]
	if !ok {
		return store.Submission{}, false, nil
	}
	sub.Payload = bytes.Clone(o.Payload)
	sub.Signature = bytes.Clone(sub.Signature)
	return sub, true, nil
}
