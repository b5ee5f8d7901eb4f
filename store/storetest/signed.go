package storetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
)

// signedTests run on a store that implements store.SignedStore and are skipped on one that does
// not. What they pin down beyond signed.go:
//   - an admitted submission is an ordinary pending order too (Pending, PendingCount,
//     OrderStatus, CommitBlock), with its Seq in the same sequence as SubmitOrder's;
//   - a refused submission stores nothing and moves no nonce; a replay stores nothing either;
//   - Signed returns Payload, Signer, Nonce and Signature (not the idempotency key or hash) for
//     pending and included orders; ok false for an admin order; ErrNotFound for an unknown seq;
//   - nonces above store.MaxNonce are ErrBadNonce.
var signedTests = []test{
	{"NonceSequence", signed(testNonceSequence)},
	{"BadNonce", signed(testBadNonce)},
	{"BatchInOrder", signed(testBatchInOrder)},
	{"BatchOutOfOrder", signed(testBatchOutOfOrder)},
	{"IdempotentRetry", signed(testIdempotentRetry)},
	{"IdempotencyConflict", signed(testIdempotencyConflict)},
	{"SignedRoundTrip", signed(testSignedRoundTrip)},
	{"NextNonce", signed(testNextNonce)},
	{"NoSigner", signed(testNoSigner)},
	{"ConcurrentNonces", signed(func(t *testing.T, s store.SignedStore) { RaceSigned(t, s) })},
}

// signed adapts a test of a SignedStore to the suite, skipping stores without signed orders.
func signed(fn func(t *testing.T, s store.SignedStore)) func(t *testing.T, s store.Store) {
	return func(t *testing.T, s store.Store) {
		ss, ok := s.(store.SignedStore)
		if !ok {
			t.Skip("the store does not implement store.SignedStore")
		}
		fn(t, ss)
	}
}

// sub is a submission by signer with nonce, payload and signature unique to (signer, nonce, tag).
func sub(signer string, nonce uint64, tag string) store.Submission {
	p, _ := json.Marshal(map[string]any{"type": "transfer", "coldkey": signer, "nonce": nonce, "tag": tag})
	sig := sha256.Sum256(append([]byte(signer+"/"+tag+"/"), p...))
	return store.Submission{Payload: p, Signer: signer, Nonce: nonce, Signature: append(sig[:], sig[:]...)}
}

// keyed is s with an idempotency key and the hash of the request it stands for.
func keyed(s store.Submission, key, request string) store.Submission {
	s.IdempotencyKey, s.RequestHash = key, sha256.Sum256([]byte(request))
	return s
}

// submitSigned submits a batch and fails the test on a batch error or a wrong answer count.
func submitSigned(t testing.TB, s store.SignedStore, subs ...store.Submission) []store.Admission {
	t.Helper()
	adms, err := s.SubmitSigned(ctx(t), subs)
	must(t, err, "SubmitSigned")
	if len(adms) != len(subs) {
		t.Fatalf("SubmitSigned: %d admissions for %d submissions", len(adms), len(subs))
	}
	return adms
}

// admitted fails the test unless a admitted its submission as new (no error, not replayed, a seq
// after the previous one); it returns the seq.
func admitted(t testing.TB, a store.Admission, after int64, what string) int64 {
	t.Helper()
	if a.Err != nil || a.Replayed || a.Seq <= after {
		t.Fatalf("%s: admission %+v, want a new seq after %d", what, a, after)
	}
	return a.Seq
}

// nextNonce reads the signer's next nonce.
func nextNonce(t testing.TB, s store.SignedStore, signer string) uint64 {
	t.Helper()
	n, err := s.NextNonce(ctx(t), signer)
	must(t, err, "NextNonce")
	return n
}

// checkSigned fails the test unless Signed(seq) returns want's payload, signer, nonce and
// signature.
func checkSigned(t testing.TB, s store.SignedStore, seq int64, want store.Submission) {
	t.Helper()
	got, ok, err := s.Signed(ctx(t), seq)
	must(t, err, fmt.Sprintf("Signed(%d)", seq))
	if !ok {
		t.Fatalf("Signed(%d): ok = false for a signed order", seq)
	}
	want.IdempotencyKey, want.RequestHash = "", [32]byte{}
	equal(t, fmt.Sprintf("Signed(%d)", seq), got, want)
}

// testNonceSequence: a new signer's nonces 0, 1, 2 are admitted one by one with increasing
// seqs; each is a pending order with its payload; NextNonce follows.
func testNonceSequence(t *testing.T, s store.SignedStore) {
	const signer = "5Alice"
	if n := nextNonce(t, s, signer); n != 0 {
		t.Fatalf("NextNonce of a new signer = %d, want 0", n)
	}
	var last int64
	var subs []store.Submission
	for nonce := range uint64(3) {
		sb := sub(signer, nonce, "seq")
		last = admitted(t, submitSigned(t, s, sb)[0], last, fmt.Sprintf("nonce %d", nonce))
		subs = append(subs, sb)
		if n := nextNonce(t, s, signer); n != nonce+1 {
			t.Fatalf("NextNonce after nonce %d = %d, want %d", nonce, n, nonce+1)
		}
		st, err := s.OrderStatus(ctx(t), last)
		must(t, err, "OrderStatus")
		if !st.Pending || !bytes.Equal(st.Payload, sb.Payload) {
			t.Fatalf("OrderStatus(%d) = %+v, want pending with payload %s", last, st, sb.Payload)
		}
		checkSigned(t, s, last, sb)
	}
	pend, err := s.Pending(ctx(t), 10)
	must(t, err, "Pending")
	if len(pend) != 3 {
		t.Fatalf("Pending: %d orders, want 3", len(pend))
	}
	for i, o := range pend {
		if !bytes.Equal(o.Payload, subs[i].Payload) {
			t.Errorf("Pending[%d] payload %s, want %s", i, o.Payload, subs[i].Payload)
		}
	}
}

// testBadNonce: a replayed, a skipped and an out-of-range nonce are ErrBadNonce and store
// nothing; the right nonce is admitted afterwards.
func testBadNonce(t *testing.T, s store.SignedStore) {
	const signer = "5Bob"
	first := admitted(t, submitSigned(t, s, sub(signer, 0, "a"))[0], 0, "nonce 0")
	before := look(t, s, first, first+1, first+2)
	for _, tc := range []struct {
		name  string
		nonce uint64
	}{{"replayed", 0}, {"skipped", 2}, {"far ahead", 1 << 40}, {"above MaxNonce", store.MaxNonce + 1}, {"u64 max", math.MaxUint64}} {
		adms := submitSigned(t, s, sub(signer, tc.nonce, "bad"))
		if adms[0].Err != store.ErrBadNonce || adms[0].Replayed {
			t.Errorf("%s nonce %d: admission %+v, want ErrBadNonce", tc.name, tc.nonce, adms[0])
		}
	}
	unchanged(t, s, before, first, first+1, first+2)
	if n := nextNonce(t, s, signer); n != 1 {
		t.Fatalf("NextNonce after refusals = %d, want 1", n)
	}
	if n := nextNonce(t, s, "5Nobody"); n != 0 {
		t.Fatalf("NextNonce of a signer refused only = %d, want 0", n)
	}
	admitted(t, submitSigned(t, s, sub(signer, 1, "b"))[0], first, "nonce 1 after the refusals")
}

// testBatchInOrder: one batch carrying two signers' consecutive nonces, interleaved, is
// admitted whole, with seqs increasing in slice order, and Pending lists it in that order.
func testBatchInOrder(t *testing.T, s store.SignedStore) {
	subs := []store.Submission{sub("A", 0, "x"), sub("B", 0, "x"), sub("A", 1, "x"), sub("A", 2, "x"), sub("B", 1, "x")}
	adms := submitSigned(t, s, subs...)
	var last int64
	for i, a := range adms {
		last = admitted(t, a, last, fmt.Sprintf("submission %d", i))
	}
	if a, b := nextNonce(t, s, "A"), nextNonce(t, s, "B"); a != 3 || b != 2 {
		t.Fatalf("NextNonce A %d, B %d; want 3, 2", a, b)
	}
	pend, err := s.Pending(ctx(t), 10)
	must(t, err, "Pending")
	if len(pend) != len(subs) {
		t.Fatalf("Pending: %d orders, want %d", len(pend), len(subs))
	}
	for i, o := range pend {
		if o.Seq != adms[i].Seq || !bytes.Equal(o.Payload, subs[i].Payload) {
			t.Errorf("Pending[%d] = seq %d %s, want seq %d %s", i, o.Seq, o.Payload, adms[i].Seq, subs[i].Payload)
		}
		checkSigned(t, s, o.Seq, subs[i])
	}
}

// testBatchOutOfOrder: a batch whose nonces are out of order is judged submission by submission
// in slice order: [1, 0, 2, 1, 3] admits only the 0 and the second 1 (the first 1 comes before
// 0, the 2 before 1, and the 3 skips 2); only those are stored.
func testBatchOutOfOrder(t *testing.T, s store.SignedStore) {
	subs := []store.Submission{sub("C", 1, "o"), sub("C", 0, "o"), sub("C", 2, "o"), sub("C", 1, "o2"), sub("C", 3, "o")}
	adms := submitSigned(t, s, subs...)
	want := []error{store.ErrBadNonce, nil, store.ErrBadNonce, nil, store.ErrBadNonce}
	var seqs []int64
	for i, a := range adms {
		if a.Err != want[i] || a.Replayed {
			t.Fatalf("submission %d (nonce %d): admission %+v, want err %v", i, subs[i].Nonce, a, want[i])
		}
		if a.Err == nil {
			seqs = append(seqs, admitted(t, a, 0, fmt.Sprintf("submission %d", i)))
		}
	}
	if seqs[1] <= seqs[0] {
		t.Fatalf("seqs %v: want increasing in slice order", seqs)
	}
	if n := nextNonce(t, s, "C"); n != 2 {
		t.Fatalf("NextNonce = %d, want 2", n)
	}
	pend, err := s.Pending(ctx(t), 10)
	must(t, err, "Pending")
	equal(t, "Pending seqs", seqsOf(pend), seqs)
	checkSigned(t, s, seqs[0], subs[1])
	checkSigned(t, s, seqs[1], subs[3])
}

// testIdempotentRetry: a retry with the same key and request gets the first seq back, Replayed,
// whatever its nonce, and stores nothing; within one batch too. Keys are per signer.
func testIdempotentRetry(t *testing.T, s store.SignedStore) {
	first := keyed(sub("D", 0, "r"), "key-1", "request 1")
	seq := admitted(t, submitSigned(t, s, first)[0], 0, "first submission")
	before := look(t, s, seq, seq+1)
	for _, retry := range []store.Submission{first, keyed(sub("D", 5, "r"), "key-1", "request 1")} {
		a := submitSigned(t, s, retry)[0]
		if a != (store.Admission{Seq: seq, Replayed: true}) {
			t.Fatalf("retry with nonce %d: admission %+v, want a replay of %d", retry.Nonce, a, seq)
		}
	}
	unchanged(t, s, before, seq, seq+1)
	if n := nextNonce(t, s, "D"); n != 1 {
		t.Fatalf("NextNonce after retries = %d, want 1", n)
	}

	// In one batch: the first use admits, the repeat replays it, a fresh key admits the next nonce.
	again := keyed(sub("D", 1, "r"), "key-2", "request 2")
	adms := submitSigned(t, s, again, again, keyed(sub("D", 2, "r"), "key-3", "request 3"), first)
	s1 := admitted(t, adms[0], seq, "key-2")
	if adms[1] != (store.Admission{Seq: s1, Replayed: true}) {
		t.Fatalf("repeat in the batch: admission %+v, want a replay of %d", adms[1], s1)
	}
	admitted(t, adms[2], s1, "key-3")
	if adms[3] != (store.Admission{Seq: seq, Replayed: true}) {
		t.Fatalf("old key in the batch: admission %+v, want a replay of %d", adms[3], seq)
	}
	// Another signer's key of the same name is another key.
	admitted(t, submitSigned(t, s, keyed(sub("E", 0, "r"), "key-1", "request 1"))[0], adms[2].Seq, "signer E's key-1")
	n, err := s.PendingCount(ctx(t))
	must(t, err, "PendingCount")
	equal(t, "PendingCount", n, 4)
	// A refused submission records no key: the same key then admits the right nonce.
	if a := submitSigned(t, s, keyed(sub("F", 7, "r"), "key-f", "request f"))[0]; a.Err != store.ErrBadNonce {
		t.Fatalf("skipped nonce with a key: %+v, want ErrBadNonce", a)
	}
	admitted(t, submitSigned(t, s, keyed(sub("F", 0, "r"), "key-f", "request f"))[0], 0, "key-f after a refusal")
}

// testIdempotencyConflict: the key of an admitted order with another request is
// ErrIdempotencyConflict and stores nothing, even with the right next nonce; within a batch too.
func testIdempotencyConflict(t *testing.T, s store.SignedStore) {
	seq := admitted(t, submitSigned(t, s, keyed(sub("G", 0, "c"), "k", "one"))[0], 0, "first")
	before := look(t, s, seq, seq+1)
	a := submitSigned(t, s, keyed(sub("G", 1, "c"), "k", "two"))[0]
	if a.Err != store.ErrIdempotencyConflict || a.Replayed {
		t.Fatalf("key reuse: admission %+v, want ErrIdempotencyConflict", a)
	}
	unchanged(t, s, before, seq, seq+1)
	if n := nextNonce(t, s, "G"); n != 1 {
		t.Fatalf("NextNonce after a conflict = %d, want 1", n)
	}
	adms := submitSigned(t, s, keyed(sub("G", 1, "c"), "k2", "three"), keyed(sub("G", 2, "c"), "k2", "four"),
		keyed(sub("G", 2, "c"), "k3", "five"))
	s1 := admitted(t, adms[0], seq, "k2")
	if adms[1].Err != store.ErrIdempotencyConflict {
		t.Fatalf("key reuse in a batch: admission %+v, want ErrIdempotencyConflict", adms[1])
	}
	admitted(t, adms[2], s1, "k3 after the conflict")
}

// testSignedRoundTrip: Signed returns what an order was admitted with while pending and once a
// block included it (mixed with an admin order, which is not signed); OrderStatus and
// BlockOrders report the included signed orders like any other.
func testSignedRoundTrip(t *testing.T, s store.SignedStore) {
	c := newChain(t, s)
	subs := []store.Submission{sub("5H'ü", 0, "rt"), sub("5H'ü", 1, "rt"), sub("5I", 0, "rt")}
	subs[2].Signature = bytes.Repeat([]byte{0, 0xff}, 32) // NULs and high bytes
	adms := submitSigned(t, s, subs...)
	admin, err := s.SubmitOrder(ctx(t), payload(0, 0))
	must(t, err, "SubmitOrder")
	for i, a := range adms {
		admitted(t, a, 0, fmt.Sprintf("submission %d", i))
		checkSigned(t, s, a.Seq, subs[i])
	}
	if got, ok, err := s.Signed(ctx(t), admin); err != nil || ok {
		t.Fatalf("Signed of an admin order = %+v, %v, %v; want ok false", got, ok, err)
	}
	for _, seq := range []int64{0, -1, admin + 1000} {
		_, _, err := s.Signed(ctx(t), seq)
		wantErr(t, err, store.ErrNotFound, fmt.Sprintf("Signed(%d)", seq))
	}

	pend, err := s.Pending(ctx(t), 10)
	must(t, err, "Pending")
	// Include the second signed order, the admin order and the first, in that order; the third
	// stays pending.
	b := c.advance([]store.Order{pend[1], pend[3], pend[0]}, &pools.Changes{Globals: c.globalsAt(1)})
	checkSigned(t, s, adms[0].Seq, subs[0])
	checkSigned(t, s, adms[1].Seq, subs[1])
	checkSigned(t, s, adms[2].Seq, subs[2])
	if _, ok, err := s.Signed(ctx(t), admin); err != nil || ok {
		t.Fatalf("Signed of an included admin order: ok %v, err %v; want ok false", ok, err)
	}
	for _, io := range b.Orders {
		st, err := s.OrderStatus(ctx(t), io.Seq)
		must(t, err, "OrderStatus")
		equal(t, fmt.Sprintf("OrderStatus(%d)", io.Seq), st, &store.OrderStatus{Order: io.Order, Included: &io})
	}
	got, err := s.BlockOrders(ctx(t), 1)
	must(t, err, "BlockOrders")
	equal(t, "BlockOrders(1)", got, b.Orders)
	// Nonces are untouched by inclusion.
	if n := nextNonce(t, s, "5H'ü"); n != 2 {
		t.Fatalf("NextNonce after the block = %d, want 2", n)
	}
	admitted(t, submitSigned(t, s, sub("5H'ü", 2, "rt"))[0], adms[2].Seq, "nonce 2 after the block")
}

// testNextNonce: nonces are per signer, byte-exact (case, prefixes and non-ASCII are other
// signers), and advance by the number of orders admitted.
func testNextNonce(t *testing.T, s store.SignedStore) {
	signers := []string{"alice", "Alice", "alice2", "alicé", "al"}
	for i, sg := range signers {
		var batch []store.Submission
		for n := range uint64(i + 1) {
			batch = append(batch, sub(sg, n, "nn"))
		}
		for j, a := range submitSigned(t, s, batch...) {
			admitted(t, a, 0, fmt.Sprintf("%s nonce %d", sg, j))
		}
	}
	for i, sg := range signers {
		if n := nextNonce(t, s, sg); n != uint64(i+1) {
			t.Errorf("NextNonce(%q) = %d, want %d", sg, n, i+1)
		}
	}
	if n := nextNonce(t, s, "alic"); n != 0 {
		t.Errorf("NextNonce of a prefix = %d, want 0", n)
	}
	if adms, err := s.SubmitSigned(ctx(t), nil); err != nil || len(adms) != 0 {
		t.Errorf("SubmitSigned(nil) = %v, %v; want no admissions", adms, err)
	}
}

// testNoSigner: a submission without a signer fails the whole batch (the caller verified no
// signature), and none of the batch is stored.
func testNoSigner(t *testing.T, s store.SignedStore) {
	before := look(t, s, 1, 2)
	adms, err := s.SubmitSigned(ctx(t), []store.Submission{sub("J", 0, "ns"), sub("", 0, "ns")})
	if err == nil {
		t.Fatalf("SubmitSigned with an empty signer = %+v, want a batch error", adms)
	}
	unchanged(t, s, before, 1, 2)
	if n := nextNonce(t, s, "J"); n != 0 {
		t.Fatalf("NextNonce after a failed batch = %d, want 0", n)
	}
}
