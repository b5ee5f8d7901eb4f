package postgres

import (
	"math"
	"testing"

	"github.com/dtaod/dtaod/pools"
)

// TestLedgerNames: every reason, unit and well-formed account round-trips through its name; an
// account with a field its kind does not use is refused rather than stored inexactly.
func TestLedgerNames(t *testing.T) {
	for r := pools.ReasonGenesis; r <= pools.ReasonRegistration; r++ {
		name, err := reasonName(r)
		back, err2 := parseReason(name)
		if err != nil || err2 != nil || back != r {
			t.Errorf("reason %d: %q -> %d (%v, %v)", r, name, back, err, err2)
		}
	}
	if _, err := reasonName(0); err == nil {
		t.Error("reason 0 has a name")
	}
	for _, u := range []pools.Unit{pools.UnitTAO, 0, 1, math.MaxUint16, -7} {
		if back, err := parseUnit(u.String()); err != nil || back != u {
			t.Errorf("unit %d: %q -> %d, %v", u, u.String(), back, err)
		}
	}
	for _, s := range []string{"", "TAO", "alpha:", "alpha:x", "alpha:99999999999"} {
		if _, err := parseUnit(s); err == nil {
			t.Errorf("parseUnit(%q) succeeded", s)
		}
	}
	good := []pools.Account{pools.AccountIssuance, pools.AccountBurn, pools.AccountFree("5F:with:colons 'ü'"),
		pools.AccountFree(""), pools.AccountPool(0), pools.AccountPool(math.MaxUint16),
		pools.AccountStake("5H:x", 3), pools.AccountStake("", 0), pools.AccountPending(1),
		pools.AccountPendingOwner(2), pools.AccountPendingRoot(3), pools.AccountUnnamed(0)}
	for _, a := range good {
		name, err := accountName(a)
		if err != nil {
			t.Errorf("account %+v: %v", a, err)
			continue
		}
		if back, err := parseAccount(name); err != nil || back != a {
			t.Errorf("account %+v: %q -> %+v, %v", a, name, back, err)
		}
	}
	bad := []pools.Account{{Kind: pools.AcctIssuance, NetUID: 1}, {Kind: pools.AcctBurn, Key: "k"},
		{Kind: pools.AcctFree, NetUID: 2}, {Kind: pools.AcctPool, Key: "k"}, {Kind: 0}, {Kind: 200}}
	for _, a := range bad {
		if name, err := accountName(a); err == nil {
			t.Errorf("account %+v accepted as %q", a, name)
		}
	}
	for _, s := range []string{"", "nobody", "issuance:1", "free", "pool:x", "pool:70000", "stake:k", "stake:k:x"} {
		if a, err := parseAccount(s); err == nil {
			t.Errorf("parseAccount(%q) = %+v", s, a)
		}
	}
}

// TestWeightsEncoding: weights round-trip, and nil stays distinct from empty.
func TestWeightsEncoding(t *testing.T) {
	for _, ws := range [][]pools.Weight{nil, {}, {{UID: 0, Value: 0}}, {{UID: math.MaxUint16, Value: 1}, {UID: 7, Value: math.MaxUint16}}} {
		b := encodeWeights(ws)
		back, err := decodeWeights(b)
		if err != nil || len(back) != len(ws) || (ws == nil) != (back == nil) {
			t.Fatalf("%v -> %x -> %v, %v", ws, b, back, err)
		}
		for i := range ws {
			if back[i] != ws[i] {
				t.Fatalf("%v -> %v", ws, back)
			}
		}
	}
	if _, err := decodeWeights([]byte{1, 2, 3}); err == nil {
		t.Error("3 bytes decoded as weights")
	}
}
