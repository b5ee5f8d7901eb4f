package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
	"github.com/holiman/uint256"
)

func TestDiffRelaxations(t *testing.T) {
	now := time.Now()
	a := []store.Order{{Seq: 1, Payload: []byte("x"), SubmittedAt: now}}
	b := []store.Order{{Seq: 1, Payload: []byte("x"), SubmittedAt: now.In(time.FixedZone("Y", -7200)).Round(0)}}
	if d := diff(a, b); len(d) != 0 {
		t.Errorf("equal times in other zones differ: %v", d)
	}
	if d := diff(pools.NeuronRow{Weights: nil}, pools.NeuronRow{Weights: []pools.Weight{}}); len(d) != 0 {
		t.Errorf("nil and empty slices differ: %v", d)
	}
	if d := diff([]store.Order(nil), []store.Order{}); len(d) != 0 {
		t.Errorf("nil and empty results differ: %v", d)
	}
}

func TestDiffFinds(t *testing.T) {
	one := uint256.NewInt(1)
	cases := []struct {
		name      string
		got, want any
		path      string
	}{
		{"price", store.Receipt{PriceAfter: priceTiny}, store.Receipt{}, ".PriceAfter"},
		{"bare price", dtaod.PriceFromScaled(one), dtaod.Price{}, "got 0.000000000000000001"},
		{"u256", pools.ShareRow{Shares: maxU256}, pools.ShareRow{Shares: nearU255}, ".Shares"},
		{"hash", store.Genesis{StateHash: [32]byte{1}}, store.Genesis{}, ".StateHash"},
		{"bytes", store.Order{Payload: []byte("a")}, store.Order{Payload: []byte("b")}, ".Payload"},
		{"embedded", store.LedgerEntry{Entry: pools.Entry{Unit: pools.UnitTAO}}, store.LedgerEntry{}, ".Entry.Unit"},
		{"nil pointer", &store.OrderStatus{}, &store.OrderStatus{Included: &store.IncludedOrder{}}, ".Included"},
		{"length", []int{1, 2}, []int{1}, "(value)"},
		{"time", time.Unix(1, 0), time.Unix(1, 1000), "(value)"},
		{"map", map[int64]int{1: 1}, map[int64]int{2: 1}, "missing key"},
	}
	for _, tc := range cases {
		d := diff(tc.got, tc.want)
		if len(d) == 0 || !strings.Contains(strings.Join(d, "\n"), tc.path) {
			t.Errorf("%s: diff = %v, want a difference at %s", tc.name, d, tc.path)
		}
	}
}
