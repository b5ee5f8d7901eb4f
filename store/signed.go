package store

import (
	"context"
	"errors"
)

// Errors of signed-order admission.
var (
	// ErrBadNonce: the submission's nonce is not the signer's next one (a replay, a skip or a
	// reorder). Nothing was stored.
	ErrBadNonce = errors.New("nonce is not the signer's next")
	// ErrIdempotencyConflict: the idempotency key was used before with a different request.
	ErrIdempotencyConflict = errors.New("idempotency key reused with a different request")
)

// Submission is a verified signed order to admit to the mempool. The caller has checked the
// signature; the store checks and advances the signer's nonce atomically with the insert, so two
// processes can never admit the same nonce twice.
type Submission struct {
	Payload        []byte // the canonical order (scenario.FormatOrder)
	Signer         string // SS58 address
	Nonce          uint64
	Signature      []byte
	IdempotencyKey string   // "" for none; scoped to the signer
	RequestHash    [32]byte // hash of the request, to tell a retry from a reuse of the key
}

// Admission is the answer to one Submission. Err is nil, ErrBadNonce or ErrIdempotencyConflict;
// Replayed is true when an earlier submission with the same idempotency key and request was
// found, and Seq is then that submission's.
type Admission struct {
	Seq      int64
	Err      error
	Replayed bool
}

// SignedStore is a Store that admits signed orders.
type SignedStore interface {
	Store
	// SubmitSigned admits a batch in one durable write: each submission independently either gets
	// a Seq (its nonce was the signer's next; the next becomes nonce+1) or an Admission.Err, in
	// slice order (so a batch may carry a signer's consecutive nonces). The returned error is
	// for the batch as a whole (the store failed; nothing was admitted).
	SubmitSigned(ctx context.Context, subs []Submission) ([]Admission, error)
	// NextNonce is the nonce the signer's next order must carry (0 for a new signer).
	NextNonce(ctx context.Context, signer string) (uint64, error)
	// Signed returns the signer, nonce and signature an order was admitted with (ok false for an
	// unsigned, admin-submitted order).
	Signed(ctx context.Context, seq int64) (sub Submission, ok bool, err error)
}
