package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
)

var concurrencyTests = []test{
	{"ConcurrentSubmit", testConcurrentSubmit},
	{"CommitRace", testCommitRace},
	{"SubmitWhileCommitting", testSubmitWhileCommitting},
}

// testConcurrentSubmit: 8 goroutines submitting 100 orders each get 800 distinct seqs,
// increasing within each goroutine, and every payload is stored under its seq.
func testConcurrentSubmit(t *testing.T, s store.Store) {
	const workers, each = 8, 100
	seqs := make([][]int64, workers)
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			for i := range each {
				seq, err := s.SubmitOrder(ctx(t), payload(g, i))
				if err != nil {
					t.Errorf("worker %d: SubmitOrder: %v", g, err)
					return
				}
				seqs[g] = append(seqs[g], seq)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	bySeq := map[int64][]byte{}
	for g, list := range seqs {
		if !slices.IsSorted(list) {
			t.Errorf("worker %d: seqs not increasing in submission order", g)
		}
		for i, seq := range list {
			if _, dup := bySeq[seq]; dup {
				t.Errorf("seq %d assigned twice", seq)
			}
			bySeq[seq] = payload(g, i)
		}
	}
	n, err := s.PendingCount(ctx(t))
	must(t, err, "PendingCount")
	equal(t, "PendingCount", n, workers*each)
	pend, err := s.Pending(ctx(t), 10_000)
	must(t, err, "Pending")
	if len(pend) != workers*each {
		t.Fatalf("Pending: %d orders, want %d", len(pend), workers*each)
	}
	for i, o := range pend {
		if i > 0 && o.Seq <= pend[i-1].Seq {
			t.Fatalf("Pending: seq %d after %d, want increasing", o.Seq, pend[i-1].Seq)
		}
		if want, ok := bySeq[o.Seq]; !ok || !bytes.Equal(o.Payload, want) {
			t.Fatalf("Pending: order %d has payload %q, want %q", o.Seq, o.Payload, want)
		}
	}
}

// testCommitRace: two rival blocks at the same height committed at once: exactly one wins, the
// other gets ErrConflict, and the store shows the winner only. Repeated a few rounds.
func testCommitRace(t *testing.T, s store.Store) {
	c := newChain(t, s)
	for round := range 5 {
		orders := submit(t, s, 2)
		h := c.head.Height + 1
		rival := func(k int) (*store.Block, *pools.Snapshot) {
			return c.next(orders[k:k+1], &pools.Changes{
				Globals:  c.globalsAt(h),
				Balances: []pools.BalanceRow{{Coldkey: fmt.Sprintf("rival-%d", k), Free: 1}},
			})
		}
		bA, wantA := rival(0)
		bB, wantB := rival(1)
		var errs [2]error
		var wg sync.WaitGroup
		start := make(chan struct{})
		for k, b := range []*store.Block{bA, bB} {
			wg.Go(func() {
				<-start
				errs[k] = s.CommitBlock(ctx(t), c.lease, b)
			})
		}
		close(start)
		wg.Wait()

		var win *store.Block
		var want *pools.Snapshot
		var lost store.Order
		switch {
		case errs[0] == nil && errors.Is(errs[1], store.ErrConflict):
			win, want, lost = bA, wantA, orders[1]
		case errs[1] == nil && errors.Is(errs[0], store.ErrConflict):
			win, want, lost = bB, wantB, orders[0]
		default:
			t.Fatalf("round %d: rival commits returned %v and %v, want one nil and one ErrConflict", round, errs[0], errs[1])
		}
		c.head, c.state = win.Header, want
		c.blocks = append(c.blocks, win)
		checkBlock(t, s, win)
		checkState(t, s, c.state)
		st, err := s.OrderStatus(ctx(t), lost.Seq)
		must(t, err, "OrderStatus")
		equal(t, "the losing block's order", st, &store.OrderStatus{Order: lost, Pending: true})
	}
	head, err := s.Head(ctx(t))
	must(t, err, "Head")
	equal(t, "Head after the races", head, &c.head)
}

// testSubmitWhileCommitting: orders arrive while the producer commits blocks of pending
// orders and readers watch; in the end every order is included exactly once and the head never
// moved backwards.
func testSubmitWhileCommitting(t *testing.T, s store.Store) {
	const workers, each = 4, 50
	c := newChain(t, s)
	var submitted atomic.Int64
	var done atomic.Bool
	var wg, readers sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			for i := range each {
				if _, err := s.SubmitOrder(ctx(t), payload(g, i)); err != nil {
					t.Errorf("SubmitOrder: %v", err)
					return
				}
				submitted.Add(1)
			}
		})
	}
	for range 2 {
		readers.Go(func() {
			var last uint64
			for !done.Load() {
				h, err := s.Head(ctx(t))
				switch {
				case errors.Is(err, store.ErrNotFound):
					continue
				case err != nil:
					t.Errorf("Head: %v", err)
					return
				case uint64(h.Height) < last:
					t.Errorf("Head went back from %d to %d", last, h.Height)
				}
				last = uint64(h.Height)
				if _, err := s.State(ctx(t)); err != nil {
					t.Errorf("State: %v", err)
				}
				if _, err := s.Pending(ctx(t), 5); err != nil {
					t.Errorf("Pending: %v", err)
				}
			}
		})
	}

	included := map[int64]bool{}
	for {
		finished := submitted.Load() == workers*each
		pend, err := s.Pending(ctx(t), 20)
		must(t, err, "Pending")
		if len(pend) == 0 {
			if finished {
				break
			}
			time.Sleep(time.Millisecond)
			continue
		}
		for _, o := range pend {
			if included[o.Seq] {
				t.Fatalf("order %d is pending again after it was included", o.Seq)
			}
			included[o.Seq] = true
		}
		c.advance(pend, &pools.Changes{Globals: c.globalsAt(c.head.Height + 1)})
		if c.head.Height > 10_000 {
			t.Fatal("too many blocks: orders never stop being pending")
		}
	}
	wg.Wait()
	done.Store(true)
	readers.Wait()

	equal(t, "orders included", len(included), workers*each)
	total := 0
	for _, b := range c.blocks {
		hdr, err := s.Header(ctx(t), b.Header.Height)
		must(t, err, "Header")
		total += hdr.Orders
		orders, err := s.BlockOrders(ctx(t), b.Header.Height)
		must(t, err, "BlockOrders")
		equal(t, fmt.Sprintf("BlockOrders(%d)", b.Header.Height), orders, b.Orders)
	}
	equal(t, "orders over all headers", total, workers*each)
	n, err := s.PendingCount(ctx(t))
	must(t, err, "PendingCount")
	equal(t, "PendingCount at the end", n, 0)
	checkState(t, s, c.state)
}
