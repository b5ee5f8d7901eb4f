package pools

import (
	"testing"

	"github.com/holiman/uint256"
	"pgregory.net/rapid"
)

// Share pool math (spec 5 and 9.11). Expected values are derived by hand in the comments; where a
// case is one of the chain's share-pool unit tests (primitives/share-pool/src/lib.rs) it is named.

func sharesSum(sp *SharePool) uint64 {
	var s uint64
	for ck := range sp.Shares {
		s += sp.StakeOf(ck)
	}
	return s
}

func checkPool(t *testing.T, sp *SharePool) {
	t.Helper()
	var sum uint256.Int
	for _, s := range sp.Shares {
		sum.Add(&sum, s)
	}
	if sum != sp.Denom {
		t.Fatalf("shares sum to %s, denominator %s", sum.Dec(), sp.Denom.Dec())
	}
	if got := sharesSum(sp); got > sp.Value {
		t.Fatalf("stakes sum to %d > value %d", got, sp.Value)
	}
}

func TestSharePoolEmpty(t *testing.T) {
	sp := newSharePool()
	if got := sp.StakeOf("a"); got != 0 {
		t.Fatalf("empty pool stake = %d, want 0", got)
	}
	if !sp.Remove("a", 0) {
		t.Fatal("removing 0 from an empty pool must succeed (no-op)")
	}
	if sp.Remove("a", 1) {
		t.Fatal("removing 1 from an empty pool must fail")
	}
	sp.Add("a", 0) // no-op
	if sp.Value != 0 || !sp.Denom.IsZero() || len(sp.Shares) != 0 {
		t.Fatalf("Add(0) changed the pool: %+v", sp)
	}
	// First staker into an empty pool: shares = denominator, stake = amount.
	sp.Add("a", 1000)
	if sp.Value != 1000 || sp.StakeOf("a") != 1000 || sp.Denom != *sp.Shares["a"] {
		t.Fatalf("first stake: value %d stake %d", sp.Value, sp.StakeOf("a"))
	}
	checkPool(t, sp)
}

// The chain's test_get_value: shares 3 and 7 of 10 on a value of 100 are worth 30 and 70.
func TestSharePoolGetValueChain(t *testing.T) {
	sp := &SharePool{Value: 100, Shares: map[string]*uint256.Int{"1": uint256.NewInt(3), "2": uint256.NewInt(7)}}
	sp.Denom.SetUint64(10)
	if a, b := sp.StakeOf("1"), sp.StakeOf("2"); a != 30 || b != 70 {
		t.Fatalf("got %d, %d; want 30, 70", a, b)
	}
	// Floors: value 101 -> floor(101*3/10) = 30, floor(101*7/10) = 70 (sum 100 <= 101).
	sp.Value = 101
	if a, b := sp.StakeOf("1"), sp.StakeOf("2"); a != 30 || b != 70 {
		t.Fatalf("got %d, %d; want 30, 70", a, b)
	}
}

// The chain's test_denom_precision: +1000, -990 for key 1, then the same for key 2: 10 and 10.
func TestSharePoolDenomPrecisionChain(t *testing.T) {
	sp := newSharePool()
	sp.Add("1", 1000)
	if !sp.Remove("1", 990) {
		t.Fatal("remove 990 failed")
	}
	sp.Add("2", 1000)
	if !sp.Remove("2", 990) {
		t.Fatal("remove 990 failed")
	}
	if a, b := sp.StakeOf("1"), sp.StakeOf("2"); a != 10 || b != 10 {
		t.Fatalf("got %d, %d; want 10, 10", a, b)
	}
	checkPool(t, sp)
}

func TestSharePoolTable(t *testing.T) {
	type step struct {
		op     byte // 'a' add, 'r' remove, 'd' distribute
		ck     string
		amount uint64
		ok     bool // for 'r'
	}
	cases := []struct {
		name  string
		steps []step
		want  map[string]uint64
		value uint64
	}{
		{
			// 1e9 and 3e9, then 1e9 of dividends: each gains in proportion (1/4, 3/4).
			name:  "dividends raise every share",
			steps: []step{{'a', "a", 1e9, true}, {'a', "b", 3e9, true}, {'d', "", 1e9, true}},
			want:  map[string]uint64{"a": 1_250_000_000, "b": 3_750_000_000},
			value: 5e9,
		},
		{
			// After dividends value per share is 5/4: a new staker of 1e9 gets exactly 1e9 of stake
			// (minted = 1e9 * 4e9*2^64 / 5e9, an exact integer) and the others keep theirs.
			name:  "new staker after dividends",
			steps: []step{{'a', "a", 1e9, true}, {'a', "b", 3e9, true}, {'d', "", 1e9, true}, {'a', "c", 1e9, true}},
			want:  map[string]uint64{"a": 1_250_000_000, "b": 3_750_000_000, "c": 1e9},
			value: 6e9,
		},
		{
			name:  "remove all",
			steps: []step{{'a', "a", 777, true}, {'r', "a", 777, true}},
			want:  map[string]uint64{"a": 0},
			value: 0,
		},
		{
			// Leftover value waits for the next staker (spec 9.11; the chain's test_denom_high_precision:
			// "first to stake gets all accumulated emission if there are no other stakers").
			name:  "leftover value goes to the next staker",
			steps: []step{{'a', "a", 100, true}, {'r', "a", 100, true}, {'d', "", 50, true}, {'a', "b", 10, true}},
			want:  map[string]uint64{"a": 0, "b": 60},
			value: 60,
		},
		{
			// 1 + 2 rao then 1 rao of dividends: value 4 over shares 1:2 -> floor(4/3)=1, floor(8/3)=2
			// (sum 3 <= 4). a cannot take 2 (it owns 1); taking its 1 burns all its shares and the
			// rao of dust stays with the remaining holder: b = floor(3*2/2) = 3.
			name:  "rounding keeps the dust in the pool",
			steps: []step{{'a', "a", 1, true}, {'a', "b", 2, true}, {'d', "", 1, true}, {'r', "a", 2, false}, {'r', "a", 1, true}},
			want:  map[string]uint64{"a": 0, "b": 3},
			value: 3,
		},
		{
			// Remove more than owned fails and changes nothing.
			name:  "remove more than owned",
			steps: []step{{'a', "a", 500, true}, {'a', "b", 500, true}, {'r', "a", 501, false}},
			want:  map[string]uint64{"a": 500, "b": 500},
			value: 1000,
		},
		{
			// 1 rao into a pool worth 1e18+1 for a's shares. A fixed 2^64 scale would mint
			// floor(2^64/(1e18+1)) = 18 shares, worth 0: the deposit lost to rounding. The pool
			// keeps >= 2^64 share units per rao (exact power-of-two rescaling) and makes the mint
			// exact, so b holds exactly 1 and can withdraw it (spec 9.11), and a is untouched.
			name:  "tiny deposit at a high value per share",
			steps: []step{{'a', "a", 1, true}, {'d', "", 1e18, true}, {'a', "b", 1, true}, {'r', "b", 1, true}},
			want:  map[string]uint64{"a": 1e18 + 1, "b": 0},
			value: 1e18 + 1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sp := newSharePool()
			for i, s := range tc.steps {
				switch s.op {
				case 'a':
					sp.Add(s.ck, s.amount)
				case 'd':
					sp.Distribute(s.amount)
				case 'r':
					before := sp.clone()
					if ok := sp.Remove(s.ck, s.amount); ok != s.ok {
						t.Fatalf("step %d: Remove(%s, %d) = %v, want %v", i, s.ck, s.amount, ok, s.ok)
					} else if !ok && (before.Value != sp.Value || before.Denom != sp.Denom) {
						t.Fatalf("step %d: a failed remove changed the pool", i)
					}
				}
				checkPool(t, sp)
			}
			for ck, w := range tc.want {
				if got := sp.StakeOf(ck); got != w {
					t.Errorf("stake of %s = %d, want %d", ck, got, w)
				}
			}
			if sp.Value != tc.value {
				t.Errorf("value = %d, want %d", sp.Value, tc.value)
			}
			if len(sp.Shares) == 0 && !sp.Denom.IsZero() {
				t.Errorf("no shares but denominator %s", sp.Denom.Dec())
			}
		})
	}
}

// Rounding never lets a coldkey withdraw more than it owns: after any sequence of adds, removes
// and dividends, each coldkey's stake is at most what it put in plus its fair part of the
// dividends, a deposit of x raises the depositor's stake by at most x, a withdrawal of x lowers
// it by at least x, and other holders never lose.
func TestSharePoolRoundingProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		sp := newSharePool()
		cks := []string{"a", "b", "c"}
		n := rapid.IntRange(1, 40).Draw(t, "n")
		for i := 0; i < n; i++ {
			ck := rapid.SampledFrom(cks).Draw(t, "ck")
			amt := rapid.OneOf(rapid.Uint64Range(0, 10), rapid.Uint64Range(0, 1e12), rapid.Uint64Range(0, 1e15)).Draw(t, "amt")
			before := map[string]uint64{}
			for _, c := range cks {
				before[c] = sp.StakeOf(c)
			}
			switch rapid.IntRange(0, 2).Draw(t, "op") {
			case 0:
				orphan := uint64(0) // value nobody holds goes to the next staker (spec 9.11)
				if sp.Denom.IsZero() {
					orphan = sp.Value
				}
				sp.Add(ck, amt)
				if got := sp.StakeOf(ck); got > before[ck]+amt+orphan {
					t.Fatalf("add %d: stake %d -> %d gained more than deposited", amt, before[ck], got)
				}
			case 1:
				if amt > before[ck] {
					amt = before[ck] - amt%(before[ck]+1) // some amount we own
				}
				if !sp.Remove(ck, amt) {
					t.Fatalf("remove %d of owned %d failed", amt, before[ck])
				}
				if got := sp.StakeOf(ck); got+amt > before[ck] {
					t.Fatalf("remove %d: stake %d -> %d, withdrew more than owned", amt, before[ck], got)
				}
				if sp.Remove(ck, sp.StakeOf(ck)+1) {
					t.Fatal("removed more than owned")
				}
			case 2:
				sp.Distribute(amt)
			}
			for _, c := range cks {
				if c != ck && sp.StakeOf(c) < before[c] {
					t.Fatalf("holder %s lost stake: %d -> %d", c, before[c], sp.StakeOf(c))
				}
			}
			var sum uint256.Int
			for _, s := range sp.Shares {
				sum.Add(&sum, s)
			}
			if sum != sp.Denom {
				t.Fatal("shares do not sum to the denominator")
			}
			if s := sharesSum(sp); s > sp.Value {
				t.Fatalf("stakes %d exceed value %d", s, sp.Value)
			}
		}
	})
}

// TestMintFloorFastPath: the math/bits path of mintFloor equals the general uint256 product and
// division for every amount, denominator below 2^128 and non-zero value.
func TestMintFloorFastPath(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		amount, value := rapid.Uint64().Draw(t, "amount"), rapid.Uint64Min(1).Draw(t, "value")
		var d uint256.Int
		d[0], d[1] = rapid.Uint64().Draw(t, "d0"), rapid.Uint64().Draw(t, "d1")
		var got, want, v uint256.Int
		mintFloor(&got, amount, &d, value)
		v.SetUint64(value)
		want.SetUint64(amount)
		want.Mul(&want, &d)
		want.Div(&want, &v)
		if got != want {
			t.Fatalf("mintFloor(%d, %s, %d) = %s, want %s", amount, d.Dec(), value, got.Dec(), want.Dec())
		}
	})
}
