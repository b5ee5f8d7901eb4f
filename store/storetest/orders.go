package storetest

import (
	"bytes"
	"fmt"
	"math"
	"testing"

	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
)

var orderTests = []test{
	{"SubmitAndPending", testSubmitAndPending},
	{"PendingLimit", testPendingLimit},
	{"LargePayload", testLargePayload},
	{"OrderStatusPending", testOrderStatusPending},
	{"OrderStatusIncluded", testOrderStatusIncluded},
	{"OrderStatusUnknown", testOrderStatusUnknown},
}

// testSubmitAndPending: seqs increase, Pending lists every order lowest seq first with its
// payload byte for byte, PendingCount counts them, LastPendingSeq is the newest.
func testSubmitAndPending(t *testing.T, s store.Store) {
	newChain(t, s)
	orders := submit(t, s, 5)
	got, err := s.Pending(ctx(t), 100)
	must(t, err, "Pending")
	equal(t, "Pending(100)", got, orders)
	n, err := s.PendingCount(ctx(t))
	must(t, err, "PendingCount")
	equal(t, "PendingCount", n, 5)
	more := submit(t, s, 1)
	if more[0].Seq <= orders[4].Seq {
		t.Errorf("seq %d after %d, want increasing", more[0].Seq, orders[4].Seq)
	}
	n, err = s.PendingCount(ctx(t))
	must(t, err, "PendingCount")
	equal(t, "PendingCount after one more", n, 6)
	last, err := s.LastPendingSeq(ctx(t))
	must(t, err, "LastPendingSeq")
	equal(t, "LastPendingSeq", last, more[0].Seq)
}

// testPendingLimit: Pending returns at most limit orders, the lowest seqs.
func testPendingLimit(t *testing.T, s store.Store) {
	orders := submit(t, s, 6)
	for _, limit := range []int{1, 3, 6, 7} {
		got, err := s.Pending(ctx(t), limit)
		must(t, err, "Pending")
		equal(t, fmt.Sprintf("Pending(%d)", limit), got, orders[:min(limit, len(orders))])
	}
}

// testLargePayload: a 256 KiB payload with every kind of JSON string escape round trips.
func testLargePayload(t *testing.T, s store.Store) {
	var b bytes.Buffer
	b.WriteString(`{"op":"batch","items":[`)
	for i := range 4096 {
		if i > 0 {
			b.WriteString(" ,\n\t")
		}
		fmt.Fprintf(&b, `{"i":%d,"s":"\u00fc\\\"'\n%060d"}`, i, i)
	}
	b.WriteString("]}")
	p := b.Bytes()
	seq, err := s.SubmitOrder(ctx(t), p)
	must(t, err, "SubmitOrder")
	st, err := s.OrderStatus(ctx(t), seq)
	must(t, err, "OrderStatus")
	if !bytes.Equal(st.Payload, p) {
		t.Errorf("payload of %d bytes came back as %d bytes, different", len(p), len(st.Payload))
	}
}

// testOrderStatusPending: a pending order reports Pending, no inclusion, and itself.
func testOrderStatusPending(t *testing.T, s store.Store) {
	orders := submit(t, s, 3)
	for _, o := range orders {
		st, err := s.OrderStatus(ctx(t), o.Seq)
		must(t, err, "OrderStatus")
		equal(t, fmt.Sprintf("OrderStatus(%d)", o.Seq), st, &store.OrderStatus{Order: o, Pending: true})
	}
}

// testOrderStatusIncluded: included orders report their block, index and receipt exactly (ok
// and failed receipts, prices at both ends of the range); the others stay pending in order.
func testOrderStatusIncluded(t *testing.T, s store.Store) {
	c := newChain(t, s)
	orders := submit(t, s, 9)
	// Include 0, 2, 3, 4, 5, 7 and 8 in a different order than submitted: index order is the
	// block's, not the seqs'.
	in := []store.Order{orders[3], orders[0], orders[2], orders[8], orders[4], orders[5], orders[7]}
	b := c.advance(in, &pools.Changes{Globals: c.globalsAt(1)})

	for _, io := range b.Orders {
		st, err := s.OrderStatus(ctx(t), io.Seq)
		must(t, err, "OrderStatus")
		want := &store.OrderStatus{Order: io.Order, Pending: false, Included: &io}
		equal(t, fmt.Sprintf("OrderStatus(%d) of an included order", io.Seq), st, want)
	}
	rest := []store.Order{orders[1], orders[6]}
	for _, o := range rest {
		st, err := s.OrderStatus(ctx(t), o.Seq)
		must(t, err, "OrderStatus")
		equal(t, fmt.Sprintf("OrderStatus(%d) of a pending order", o.Seq), st, &store.OrderStatus{Order: o, Pending: true})
	}
	got, err := s.Pending(ctx(t), 100)
	must(t, err, "Pending")
	equal(t, "Pending after the block", got, rest)
	n, err := s.PendingCount(ctx(t))
	must(t, err, "PendingCount")
	equal(t, "PendingCount after the block", n, 2)

	// The receipts used cover what they should, so the round trip above means something.
	var failed, tiny, huge bool
	for _, io := range b.Orders {
		r := io.Receipt
		failed = failed || !r.OK && r.Code != "" && r.Message != ""
		tiny = tiny || r.PriceBefore.Cmp(priceTiny) == 0
		huge = huge || r.PriceAfter.Cmp(price2e200) == 0 && r.TAO > 1<<62 // near 2^63-1
	}
	if !failed || !tiny || !huge {
		t.Fatalf("fixture: receipts miss a case (failed %v, tiny price %v, huge price %v)", failed, tiny, huge)
	}
}

// testOrderStatusUnknown: seqs the store never assigned are ErrNotFound.
func testOrderStatusUnknown(t *testing.T, s store.Store) {
	orders := submit(t, s, 2)
	for _, seq := range []int64{-1, 0, orders[1].Seq + 1, orders[1].Seq + 1000, 1 << 40, math.MaxInt64} {
		if seq == orders[0].Seq {
			continue
		}
		_, err := s.OrderStatus(ctx(t), seq)
		wantErr(t, err, store.ErrNotFound, fmt.Sprintf("OrderStatus(%d)", seq))
	}
}
