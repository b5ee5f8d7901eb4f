package node

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dtaod/dtaod/store"
	"github.com/dtaod/dtaod/store/mem"
)

// gatedStore is a signed store whose SubmitSigned can be held at a gate (to queue callers
// behind a write in flight), made to fail, and slowed down; it records each write's size.
type gatedStore struct {
	store.SignedStore

	mu     sync.Mutex
	sizes  []int         // submissions per SubmitSigned call
	gate   chan struct{} // if set, the next write signals entered and waits for it to close
	enter  chan struct{}
	failIf func(subs []store.Submission) error
	delay  time.Duration

	all     chan struct{} // if set, every write waits for it to close
	entered atomic.Int32  // writes that reached the store
}

func (g *gatedStore) SubmitSigned(ctx context.Context, subs []store.Submission) ([]store.Admission, error) {
	g.mu.Lock()
	g.sizes = append(g.sizes, len(subs))
	gate, enter, fail, delay := g.gate, g.enter, g.failIf, g.delay
	g.gate = nil
	all := g.all
	g.mu.Unlock()
	g.entered.Add(1)
	if all != nil {
		<-all
	}
	if gate != nil {
		close(enter)
		<-gate
	}
	if delay > 0 {
		time.Sleep(delay)
	}
	if fail != nil {
		if err := fail(subs); err != nil {
			return nil, err
		}
	}
	return g.SignedStore.SubmitSigned(ctx, subs)
}

// hold makes the next write wait until the returned release is called; entered is closed once
// the write is in flight.
func (g *gatedStore) hold() (entered <-chan struct{}, release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gate, g.enter = make(chan struct{}), make(chan struct{})
	gate := g.gate
	return g.enter, sync.OnceFunc(func() { close(gate) })
}

func (g *gatedStore) writes() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]int(nil), g.sizes...)
}

func openGated(t *testing.T) (*Node, *gatedStore) {
	t.Helper()
	return openGatedOn(t, mem.New())
}

// writeLimit sets how many writes n's admitter runs at once: with one, the queueing tests see
// every call queue behind the write in flight, whatever its signer.
func writeLimit(t *testing.T, n *Node, k int) {
	t.Helper()
	a, err := n.signed.admitter(n)
	if err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	a.limit = k
	a.mu.Unlock()
}

func openGatedOn(t *testing.T, inner store.Store) (*Node, *gatedStore) {
	t.Helper()
	st := &gatedStore{SignedStore: inner.(store.SignedStore)}
	n, err := Open(context.Background(), st, devGen(t), Config{BlockTime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return n, st
}

func sub(signer string, nonce uint64) store.Submission {
	return store.Submission{Payload: []byte(fmt.Sprintf(`{"type":"transfer","coldkey":%q,"to_coldkey":"x","amount":"%d"}`, signer, nonce+1)),
		Signer: signer, Nonce: nonce, Signature: []byte{1}}
}

// queued waits until the admitter holds want calls in its queue.
func queued(t *testing.T, n *Node, want int) {
	t.Helper()
	a, err := n.signed.admitter(n)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, fmt.Sprintf("%d queued calls", want), func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return len(a.queue) == want
	})
}

type result struct {
	out []store.Admission
	err error
}

func goSubmit(ctx context.Context, n *Node, subs ...store.Submission) <-chan result {
	ch := make(chan result, 1)
	go func() {
		out, err := n.SubmitSigned(ctx, subs)
		ch <- result{out, err}
	}()
	return ch
}

// TestAdmitConcurrentCallers: many callers at once, each with its own signer and a few
// consecutive nonces per call; every caller gets exactly its own answers, in its order, the
// store holds what each was told, and the calls were coalesced into fewer writes. On the memory
// store (with writes slowed to a database's pace) and on PostgreSQL.
func TestAdmitConcurrentCallers(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) { admitConcurrentCallers(t, be) })
	}
}

func admitConcurrentCallers(t *testing.T, be backend) {
	n, st := openGatedOn(t, be.open(t))
	if be.name == "mem" {
		st.delay = time.Millisecond // a write takes a while, as on a database: callers pile up
	}
	const callers, calls = 32, 20
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for c := range callers {
		wg.Go(func() {
			signer := fmt.Sprintf("signer%02d", c)
			next := uint64(0)
			for range calls {
				k := 1 + rand.IntN(3)
				subs := make([]store.Submission, k)
				for i := range subs {
					subs[i] = sub(signer, next+uint64(i))
				}
				out, err := n.SubmitSigned(context.Background(), subs)
				if err != nil {
					errs <- err
					return
				}
				if len(out) != k {
					errs <- fmt.Errorf("%s: %d answers for %d submissions", signer, len(out), k)
					return
				}
				for i, a := range out {
					if a.Err != nil || a.Seq <= 0 {
						errs <- fmt.Errorf("%s nonce %d: %+v", signer, next+uint64(i), a)
						return
					}
					got, ok, err := st.Signed(context.Background(), a.Seq)
					if err != nil || !ok || got.Signer != signer || got.Nonce != next+uint64(i) {
						errs <- fmt.Errorf("%s nonce %d got seq %d, which the store holds as %s nonce %d (%v)",
							signer, next+uint64(i), a.Seq, got.Signer, got.Nonce, err)
						return
					}
					if i > 0 && a.Seq <= out[i-1].Seq {
						errs <- fmt.Errorf("%s: seqs %d then %d: a call's order was not kept", signer, out[i-1].Seq, a.Seq)
						return
					}
				}
				next += uint64(k)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	ws := st.writes()
	total := 0
	for _, w := range ws {
		total += w
	}
	if len(ws) >= callers*calls {
		t.Fatalf("%d writes for %d calls: nothing was coalesced", len(ws), callers*calls)
	}
	t.Logf("%d submissions in %d calls went out in %d writes", total, callers*calls, len(ws))
}

// TestAdmitQueuedInOrder: calls queued behind a write in flight go out together in the next
// write, in arrival order, so consecutive nonces of one signer from separate calls all land;
// with free write slots too (a signer's calls never run in two writes at once).
func TestAdmitQueuedInOrder(t *testing.T) {
	n, st := openGated(t)
	writeLimit(t, n, 4)
	entered, release := st.hold()
	defer release()
	first := goSubmit(context.Background(), n, sub("alice", 0))
	<-entered
	var rest []<-chan result
	for i := 1; i <= 5; i++ {
		rest = append(rest, goSubmit(context.Background(), n, sub("alice", uint64(i))))
		queued(t, n, i) // arrival order is queue order
	}
	release()
	for i, ch := range append([]<-chan result{first}, rest...) {
		r := <-ch
		if r.err != nil || len(r.out) != 1 || r.out[0].Err != nil {
			t.Fatalf("nonce %d: %+v %v", i, r.out, r.err)
		}
	}
	if ws := st.writes(); len(ws) != 2 || ws[0] != 1 || ws[1] != 5 {
		t.Fatalf("writes %v, want [1 5]: the queued calls were not coalesced", ws)
	}
	if got, _ := st.NextNonce(context.Background(), "alice"); got != 6 {
		t.Fatalf("next nonce %d, want 6", got)
	}
}

// TestAdmitOneSignerRace: callers race with one signer's nonces in random order and retry the
// refused ones; every nonce is admitted exactly once and the refusals are BAD_NONCE only. With
// one write in flight and with several.
func TestAdmitOneSignerRace(t *testing.T) {
	for _, k := range []int{1, 4} {
		t.Run(fmt.Sprintf("%d writes", k), func(t *testing.T) { admitOneSignerRace(t, k) })
	}
}

func admitOneSignerRace(t *testing.T, writes int) {
	n, st := openGated(t)
	writeLimit(t, n, writes)
	const nonces = 40
	seqs := make([]int64, nonces)
	var wg sync.WaitGroup
	for _, nonce := range rand.Perm(nonces) {
		wg.Go(func() {
			for {
				out, err := n.SubmitSigned(context.Background(), []store.Submission{sub("bob", uint64(nonce))})
				if err != nil {
					t.Error(err)
					return
				}
				if out[0].Err == nil {
					seqs[nonce] = out[0].Seq
					return
				}
				if !errors.Is(out[0].Err, store.ErrBadNonce) {
					t.Errorf("nonce %d: %v", nonce, out[0].Err)
					return
				}
				time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
			}
		})
	}
	wg.Wait()
	for i := 1; i < nonces; i++ {
		if seqs[i] <= seqs[i-1] {
			t.Fatalf("nonce %d got seq %d after nonce %d's %d", i, seqs[i], i-1, seqs[i-1])
		}
	}
	if got, _ := st.NextNonce(context.Background(), "bob"); got != nonces {
		t.Fatalf("next nonce %d, want %d", got, nonces)
	}
}

// TestAdmitStoreFailure: a failed write fails its callers only; the callers queued behind it
// go out in the next write and succeed.
func TestAdmitStoreFailure(t *testing.T) {
	n, st := openGated(t)
	writeLimit(t, n, 1)
	down := errors.New("connection reset")
	st.failIf = func(subs []store.Submission) error {
		if subs[0].Signer == "doomed" {
			return down
		}
		return nil
	}
	entered, release := st.hold()
	defer release()
	failed := goSubmit(context.Background(), n, sub("doomed", 0), sub("doomed", 1))
	<-entered
	ok1 := goSubmit(context.Background(), n, sub("carol", 0))
	queued(t, n, 1)
	ok2 := goSubmit(context.Background(), n, sub("carol", 1))
	queued(t, n, 2)
	release()
	if r := <-failed; !errors.Is(r.err, down) || r.out != nil {
		t.Fatalf("the failed write's caller got %+v, %v; want the store's error", r.out, r.err)
	}
	for i, ch := range []<-chan result{ok1, ok2} {
		if r := <-ch; r.err != nil || r.out[0].Err != nil {
			t.Fatalf("caller %d behind the failed write: %+v %v", i, r.out, r.err)
		}
	}
	if got, _ := st.NextNonce(context.Background(), "doomed"); got != 0 {
		t.Fatalf("the failed write moved a nonce: %d", got)
	}
	if ws := st.writes(); len(ws) != 2 || ws[1] != 2 {
		t.Fatalf("writes %v, want [2 2]", ws)
	}
}

// TestAdmitCancelWhileQueued: a caller whose context ends while it is queued returns at once
// with ctx's error and its submissions are never written; a caller already in a write waits
// for the truth.
func TestAdmitCancelWhileQueued(t *testing.T) {
	n, st := openGated(t)
	writeLimit(t, n, 1)
	entered, release := st.hold()
	defer release()
	inFlightCtx, cancelInFlight := context.WithCancel(context.Background())
	inFlight := goSubmit(inFlightCtx, n, sub("dan", 0))
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	gone := goSubmit(ctx, n, sub("erin", 0))
	queued(t, n, 1)
	stays := goSubmit(context.Background(), n, sub("frank", 0))
	queued(t, n, 2)
	cancel()
	select {
	case r := <-gone:
		if !errors.Is(r.err, context.Canceled) {
			t.Fatalf("cancelled caller: %+v %v", r.out, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a cancelled caller still waits for the write in flight")
	}
	cancelInFlight() // its write is under way: it must still get the real answer
	release()
	if r := <-inFlight; r.err != nil || r.out[0].Err != nil || r.out[0].Seq <= 0 {
		t.Fatalf("caller cancelled during its write: %+v %v", r.out, r.err)
	}
	if r := <-stays; r.err != nil || r.out[0].Err != nil {
		t.Fatalf("the caller queued behind the cancelled one: %+v %v", r.out, r.err)
	}
	if got, _ := st.NextNonce(context.Background(), "erin"); got != 0 {
		t.Fatalf("the cancelled caller's order was written (next nonce %d)", got)
	}
	if ws := st.writes(); len(ws) != 2 || ws[1] != 1 {
		t.Fatalf("writes %v, want [1 1]", ws)
	}
	if _, err := n.SubmitSigned(ctx, []store.Submission{sub("erin", 0)}); !errors.Is(err, context.Canceled) {
		t.Fatalf("submit with a done context: %v", err)
	}
}

// TestAdmitBatchCap: what queued behind a write goes out in writes of at most MaxAdmitBatch
// submissions, whole calls each, in order; a call bigger than the cap goes alone.
func TestAdmitBatchCap(t *testing.T) {
	n, st := openGated(t)
	writeLimit(t, n, 1)
	entered, release := st.hold()
	defer release()
	first := goSubmit(context.Background(), n, sub("g0", 0))
	<-entered
	sizes := []int{2000, 2000, 2000, MaxAdmitBatch + 10, 5}
	var chans []<-chan result
	for i, size := range sizes {
		subs := make([]store.Submission, size)
		for j := range subs {
			subs[j] = sub(fmt.Sprintf("g%d", i+1), uint64(j))
		}
		chans = append(chans, goSubmit(context.Background(), n, subs...))
		queued(t, n, i+1)
	}
	release()
	<-first
	for i, ch := range chans {
		r := <-ch
		if r.err != nil || len(r.out) != sizes[i] {
			t.Fatalf("call %d: %d answers, %v", i, len(r.out), r.err)
		}
		for j, a := range r.out {
			if a.Err != nil {
				t.Fatalf("call %d nonce %d: %v", i, j, a.Err)
			}
		}
	}
	want := []int{1, 4000, 2000, MaxAdmitBatch + 10, 5}
	if ws := st.writes(); fmt.Sprint(ws) != fmt.Sprint(want) {
		t.Fatalf("writes %v, want %v", ws, want)
	}
}

// TestAdmitParallelWrites: with several writes allowed, calls of distinct signers run in up to
// that many writes at once; a call whose signer is in a write in flight waits for it even with
// slots free, and so does a later call of a signer held back, so each signer's calls keep
// their order.
func TestAdmitParallelWrites(t *testing.T) {
	const slots = 4
	n, st := openGated(t)
	writeLimit(t, n, slots)
	st.all = make(chan struct{})
	release := sync.OnceFunc(func() { close(st.all) })
	defer release()
	var chans []<-chan result
	chans = append(chans, goSubmit(context.Background(), n, sub("p0", 0)))
	waitFor(t, "the first write", func() bool { return st.entered.Load() == 1 })
	chans = append(chans, goSubmit(context.Background(), n, sub("p0", 1), sub("q", 0))) // p0 is busy: held
	queued(t, n, 1)
	chans = append(chans, goSubmit(context.Background(), n, sub("q", 1))) // behind the held call's q
	queued(t, n, 2)
	for i := 1; i < slots; i++ {
		chans = append(chans, goSubmit(context.Background(), n, sub(fmt.Sprintf("r%d", i), 0)))
	}
	waitFor(t, "all write slots busy", func() bool { return st.entered.Load() == slots })
	chans = append(chans, goSubmit(context.Background(), n, sub("s", 0))) // no slot left
	queued(t, n, 3)
	release()
	for i, ch := range chans {
		r := <-ch
		if r.err != nil {
			t.Fatalf("call %d: %v", i, r.err)
		}
		for j, a := range r.out {
			if a.Err != nil {
				t.Fatalf("call %d submission %d: %v", i, j, a.Err)
			}
		}
	}
	for signer, want := range map[string]uint64{"p0": 2, "q": 2, "s": 1, "r1": 1} {
		if got, _ := st.NextNonce(context.Background(), signer); got != want {
			t.Fatalf("%s's next nonce %d, want %d", signer, got, want)
		}
	}
}

// plainStore is a store that does not admit signed orders.
type plainStore struct{ store.Store }

func TestAdmitNeedsSignedStore(t *testing.T) {
	n, err := Open(context.Background(), plainStore{mem.New()}, devGen(t), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.SubmitSigned(context.Background(), []store.Submission{sub("a", 0)}); !errors.Is(err, ErrSignedUnsupported) {
		t.Fatalf("submit on a store without signed orders: %v", err)
	}
	if out, err := n.SubmitSigned(context.Background(), nil); out != nil || err != nil {
		t.Fatalf("an empty submit: %v %v", out, err)
	}
}

// TestWaitBlock: WaitBlock returns once a block above the height is applied, at once if it
// already is, and with ctx's error at the deadline.
func TestWaitBlock(t *testing.T) {
	n, cancel, done := startNode(t, mem.New(), devGen(t))
	defer func() { cancel(); <-done }()
	waitFor(t, "block 1", func() bool { return n.View().Header.Height >= 1 })
	h := n.View().Header.Height
	if err := n.WaitBlock(context.Background(), h-1); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			ctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
			defer stop()
			if err := n.WaitBlock(ctx, h+1); err != nil || n.View().Header.Height <= h+1 {
				t.Errorf("waiting for a block above %d: %v at %d", h+1, err, n.View().Header.Height)
			}
		})
	}
	wg.Wait()
	ctx, stop := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer stop()
	if err := n.WaitBlock(ctx, 1<<40); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting for a block that never comes: %v", err)
	}
	if n.ChainID() != "test" {
		t.Fatalf("chain id %q", n.ChainID())
	}
}
