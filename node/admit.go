package node

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/store"
)

// Signed-order admission, the node's side: a group-commit admitter in front of the store's
// SubmitSigned, and a block notification for handlers that wait for an order's block.
//
// Why group commit: a durable write costs one transaction (on PostgreSQL a WAL flush, several
// milliseconds on a virtual disk) whatever it carries, so one write per HTTP request caps the
// node at a few hundred orders a second. The admitter keeps at most MaxWritesInFlight writes
// in flight; whatever callers queue while they run goes out together in the next ones (up to
// MaxAdmitBatch submissions each), so the write rate stays near the disk's flush rate while the
// order rate grows with the number of concurrent clients. (PostgreSQL runs writes of disjoint
// signers in parallel and flushes concurrent commits together, so where CPU is plentiful a few
// writes in flight carry more at the same latency.)
//
// Order: a signer's calls never run in two writes at once. A call whose signer is in a write in
// flight (or in a call queued before it that is held back) waits for the next write, so each
// signer's calls reach the store in arrival order, as if there were one write at a time, and a
// client may pipeline consecutive nonces.
//
// There is no background goroutine: a caller that finds a free slot writes the batch it
// forms, and whoever finishes a write forms the next batches and hands each to the first caller
// in it, which writes it. Everyone else just waits for its answers.

// ErrSignedUnsupported: the node's store does not admit signed orders (it is not a
// store.SignedStore), so SubmitSigned cannot work at all; the API answers 503.
var ErrSignedUnsupported = errors.New("node: the store does not admit signed orders (it is not a store.SignedStore)")

// MaxAdmitBatch is the most submissions one store write carries. A caller's submissions are
// never split across writes, so a single call larger than this goes out alone.
const MaxAdmitBatch = 4096

// MaxWritesInFlight is how many store writes the admitter runs at once. One is what measured
// best on the 2-core reference machine, where the CPU (the node's and PostgreSQL's) is what
// bounds the order rate and fewer, bigger writes cost less per order: with four, single-order
// POSTs from 128 connections were about 15% slower, and with two, from 64 connections, 3.3k/s
// against 5.4k/s (the two writes contend in PostgreSQL). More may pay off where the disk's flush
// latency, not the CPU, is the bound; the admitter keeps each signer's order either way.
const MaxWritesInFlight = 1

// admitWriteTimeout bounds one group write. The write is shared by every caller in it, so no
// single caller's cancellation may end it; this is what stops it hanging on a dead store.
const admitWriteTimeout = 30 * time.Second

// ChainID is the chain id a signed order's signature must cover (keys.SigningBytes): the
// genesis's, so a signature made for another chain is worthless here.
func (n *Node) ChainID() string { return n.gen.ChainID }

// SubmitSigned admits verified signed orders: each gets a Seq (its nonce was its signer's next)
// or an Admission.Err (store.ErrBadNonce, store.ErrIdempotencyConflict), in slice order, exactly
// as store.SignedStore.SubmitSigned answers them; the caller must have checked the signatures.
//
// Concurrent calls are coalesced into few store writes (see the comment at the top of this
// file): the answers are the ones each call's own submissions got, in its own order, and a
// call's submissions go out together and in order, so one call may carry a signer's
// consecutive nonces. A signer's calls reach the store in the order they arrived, so orders of
// one signer sent one after another keep their order.
//
// The returned error is for the whole write the call was in (the store failed; none of its
// submissions was admitted), ctx.Err() if ctx ended while the call was still queued (nothing of
// it was written), or ErrSignedUnsupported. Once a call's submissions are in a write, the call
// waits for that write's answer even if ctx ends, so an admitted order is never reported as
// failed.
func (n *Node) SubmitSigned(ctx context.Context, subs []store.Submission) ([]store.Admission, error) {
	if len(subs) == 0 {
		return nil, nil
	}
	a, err := n.signed.admitter(n)
	if err != nil {
		return nil, err
	}
	return a.submit(ctx, subs)
}

// WaitBlock returns once this node has applied a block above height after (produced it, or
// followed another process's), or with ctx.Err() when ctx ends first. It is how a handler waits
// for an order's block without querying the store: each published View carries a channel that
// the next publication closes.
func (n *Node) WaitBlock(ctx context.Context, after dtaod.Block) error {
	for {
		v := n.View()
		if v.Header.Height > after {
			return nil
		}
		select {
		case <-v.next: // the next view is published
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// signedState is a node's admitter, made on first use (a node whose store cannot admit signed
// orders still serves everything else).
type signedState struct {
	once sync.Once
	adm  *admitter
	err  error
}

func (s *signedState) admitter(n *Node) (*admitter, error) {
	s.once.Do(func() {
		ss, ok := n.store.(store.SignedStore)
		if !ok {
			s.err = fmt.Errorf("%w: %T", ErrSignedUnsupported, n.store)
			return
		}
		s.adm = &admitter{st: ss, limit: MaxWritesInFlight, busy: map[string]struct{}{}}
	})
	return s.adm, s.err
}

// admitter coalesces concurrent SubmitSigned calls into store writes, at most limit at a time,
// never two at once for one signer.
type admitter struct {
	st    store.SignedStore
	limit int // writes in flight at most (tests lower it)

	mu       sync.Mutex
	inflight int
	busy     map[string]struct{} // the signers of the writes in flight
	queue    []*admitCall        // calls waiting for a write, in arrival order
}

// admitCall is one SubmitSigned call. Its fields after wake are written by the caller that
// runs its write and read by its own caller after wake is closed.
type admitCall struct {
	subs    []store.Submission
	signers []string // distinct, in first-seen order
	taken   bool     // in a write (guarded by admitter.mu): cancellation no longer withdraws it
	wake    chan struct{}

	out   []store.Admission
	err   error
	batch *admitBatch // set when this call must run the write of batch (it is its first call)
}

// admitBatch is one store write: its calls in arrival order and their signers.
type admitBatch struct {
	calls   []*admitCall
	signers []string
}

func (a *admitter) submit(ctx context.Context, subs []store.Submission) ([]store.Admission, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := &admitCall{subs: subs, wake: make(chan struct{})}
	if len(subs) == 1 {
		c.signers = []string{subs[0].Signer}
	} else {
		c.signers = store.Signers(subs)
	}
	a.mu.Lock()
	a.queue = append(a.queue, c)
	ready := a.dispatch()
	a.mu.Unlock()
	if !a.start(ready, c) {
		select {
		case <-c.wake:
		case <-ctx.Done():
			a.mu.Lock()
			if !c.taken {
				a.withdraw(c)
				ready := a.dispatch() // calls held back behind it may go now
				a.mu.Unlock()
				a.start(ready, nil)
				return nil, ctx.Err()
			}
			a.mu.Unlock()
			<-c.wake // its write is under way (or handed to it): wait for the answer
		}
	}
	if c.batch != nil {
		a.write(ctx, c)
	}
	return c.out, c.err
}

// dispatch forms batches while a write slot is free and the queue has calls that may go.
// a.mu must be held.
func (a *admitter) dispatch() []*admitBatch {
	var ready []*admitBatch
	for a.inflight < a.limit {
		b := a.take()
		if b == nil {
			break
		}
		a.inflight++
		ready = append(ready, b)
	}
	return ready
}

// start hands each batch to its first call, which runs the write: the others' callers are
// woken, and a batch of self's is left for the caller, reporting true.
func (a *admitter) start(ready []*admitBatch, self *admitCall) (mine bool) {
	for _, b := range ready {
		first := b.calls[0]
		first.batch = b
		if first == self {
			mine = true
		} else {
			close(first.wake)
		}
	}
	return mine
}

// take removes the next batch from the queue: in arrival order, every call none of whose
// signers is in a write in flight or in a call held back before it, while the batch holds at
// most MaxAdmitBatch submissions (always at least one call). The rest stay queued in order.
// It returns nil when no queued call may go. a.mu must be held.
func (a *admitter) take() *admitBatch {
	var b *admitBatch
	var held map[string]struct{}
	total := 0
	kept := 0
	for i, c := range a.queue {
		blocked := false
		for _, s := range c.signers {
			_, inWrite := a.busy[s]
			_, behind := held[s]
			if inWrite || behind {
				blocked = true
				break
			}
		}
		full := b != nil && total+len(c.subs) > MaxAdmitBatch
		if full {
			kept += copy(a.queue[kept:], a.queue[i:])
			break
		}
		if blocked {
			if held == nil {
				held = map[string]struct{}{}
			}
			for _, s := range c.signers {
				held[s] = struct{}{}
			}
			a.queue[kept] = c
			kept++
			continue
		}
		if b == nil {
			b = &admitBatch{}
		}
		c.taken = true
		b.calls = append(b.calls, c)
		total += len(c.subs)
	}
	clear(a.queue[kept:])
	a.queue = a.queue[:kept]
	if b == nil {
		return nil
	}
	for _, c := range b.calls {
		for _, s := range c.signers {
			if _, ok := a.busy[s]; !ok {
				a.busy[s] = struct{}{}
				b.signers = append(b.signers, s)
			}
		}
	}
	return b
}

// withdraw removes a call that is still queued. a.mu must be held.
func (a *admitter) withdraw(c *admitCall) {
	for i, q := range a.queue {
		if q == c {
			copy(a.queue[i:], a.queue[i+1:])
			a.queue[len(a.queue)-1] = nil
			a.queue = a.queue[:len(a.queue)-1]
			return
		}
	}
}

// write runs one store write for self.batch on behalf of its calls (self is the caller running
// it), answers them, and starts the batches its end makes possible.
func (a *admitter) write(ctx context.Context, self *admitCall) {
	b := self.batch
	all := b.calls[0].subs
	if len(b.calls) > 1 {
		total := 0
		for _, c := range b.calls {
			total += len(c.subs)
		}
		all = make([]store.Submission, 0, total)
		for _, c := range b.calls {
			all = append(all, c.subs...)
		}
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), admitWriteTimeout)
	out, err := a.st.SubmitSigned(wctx, all)
	cancel()
	if err == nil && len(out) != len(all) {
		err = fmt.Errorf("the store answered %d admissions for %d submissions", len(out), len(all))
	}
	if err != nil {
		err = fmt.Errorf("node: admit %d signed orders: %w", len(all), err)
	}
	off := 0
	for _, c := range b.calls {
		if err != nil {
			c.err = err
		} else {
			c.out = out[off : off+len(c.subs) : off+len(c.subs)]
		}
		off += len(c.subs)
	}
	a.mu.Lock()
	a.inflight--
	for _, s := range b.signers {
		delete(a.busy, s)
	}
	ready := a.dispatch()
	a.mu.Unlock()
	for _, c := range b.calls {
		if c != self {
			close(c.wake)
		}
	}
	a.start(ready, nil)
}
