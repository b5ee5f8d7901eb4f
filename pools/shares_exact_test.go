package pools

import "testing"

// Regression tests for share-pool exactness (spec 9.11): both failed before the pools kept
// >= 2^64 share units per rao and made mints and burns exact.

// Spec 9.11 at ordinary magnitudes, through the operations: alice 3e9 and bob 1e9 alpha on
// (h1, netuid 1), then 4 rao of dividends (value 4e9+4, alice exactly 3e9+3, bob 1e9+1); alice
// unstakes 1e9 alpha. Exact shares leave her (3e9+3) - 1e9 = 2,000,000,003; the implementation
// once burned ceil(1e9 * D / V) shares and left her 2,000,000,002.
func TestSharesExactAfterUnstake(t *testing.T) {
	st, p := fixture()
	st.CreditStake("alice", "h7", 1, 3e9)
	st.CreditStake("bob", "h7", 1, 1e9)
	st.DistributeStake("h7", 1, 4)
	st.Subnet(1).AlphaOut += 4e9 + 4
	st.Seal()
	if a := st.StakeOf("alice", "h7", 1); a != 3_000_000_003 {
		t.Fatalf("alice %d before", a)
	}
	if _, err := st.Apply(p, &Order{Kind: RemoveStake, Coldkey: "alice", Hotkey: "h7", NetUID: 1, Amount: 1e9}); err != nil {
		t.Fatal(err)
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
	if a, b := st.StakeOf("alice", "h7", 1), st.StakeOf("bob", "h7", 1); a != 2_000_000_003 || b != 1_000_000_001 {
		t.Errorf("alice %d bob %d; want 2,000,000,003 and 1,000,000,001", a, b)
	}
}

// Spec 9.11: shares are exact (rationals, or integers wide enough to be exact). pools/shares.go
// scales shares by 2^64 and floors mints / ceils burns, which is not exact once value per share
// is large. The sequence is the chain's test_denom_high_precision (share-pool lib.rs); the chain
// expects 1,001e12 / 1e12 because of its precision guard, which our spec does not have. With exact
// rational shares, by hand:
//
//	+1, +1 (shares 1, 1; V = 2); +999,999,999,999,998 of dividends -> V = 1e15, 5e14 each.
//	key 1 removes 499,999,999,999,990: burns 0.99999999999998 shares; value per share stays 5e14,
//	so key 1 keeps exactly 2e-14 * 5e14 = 10. Same for key 2: V = 20, 10 each.
//	+999,999,999,999,980 of dividends -> V = 1e15, 5e14 each; +1e12 each -> 501e12 each.
//
// A fixed 2^64 scale left key 1 with 9 after its removal and ended with 500,999,322,371,348
// and 501,000,677,628,651: a 1.36 TAO difference between two holders who are owed the same.
func TestSharesExactAtHighValuePerShare(t *testing.T) {
	sp := newSharePool()
	sp.Add("1", 1)
	sp.Add("2", 1)
	sp.Distribute(999_999_999_999_998)
	sp.Remove("1", 499_999_999_999_990)
	if got := sp.StakeOf("1"); got != 10 {
		t.Errorf("after removing 499,999,999,999,990 of 5e14 key 1 holds %d, want 10", got)
	}
	sp.Remove("2", 499_999_999_999_990)
	sp.Distribute(999_999_999_999_980)
	sp.Add("1", 1_000_000_000_000)
	sp.Add("2", 1_000_000_000_000)
	if a, b := sp.StakeOf("1"), sp.StakeOf("2"); a != 501_000_000_000_000 || b != 501_000_000_000_000 {
		t.Errorf("stakes %d and %d, want 501,000,000,000,000 each", a, b)
	}
}
