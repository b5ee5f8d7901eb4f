package pools

import (
	"math"
	"reflect"
	"testing"

	"github.com/dtaod/dtaod"
)

// TestTransferAndFaucet: free-TAO transfers and the faucet against the table fixture (alice 1e13
// free, carol 1e9, dave none): exact balances, issuance, receipts and ledger entries, and every
// refusal with its code changing nothing (apply checks conservation and no-change-on-error).
func TestTransferAndFaucet(t *testing.T) {
	const max = math.MaxUint64
	cases := []struct {
		name  string
		setup func(st *State) // before Seal: changes the fixture's balances or issuance
		o     Order
		code  string
		free  map[string]dtaod.TAO // balances after, for the coldkeys listed
		mint  dtaod.TAO            // issuance growth
		entry *Entry
	}{
		{name: "transfer to a new account", o: Order{Kind: Transfer, Coldkey: "alice", ToColdkey: "dave", Amount: 3 * e9},
			free:  map[string]dtaod.TAO{"alice": 1e13 - 3*e9, "dave": 3 * e9},
			entry: &Entry{Reason: ReasonTransfer, Unit: UnitTAO, From: AccountFree("alice"), To: AccountFree("dave"), Amount: 3 * e9, Coldkey: "alice"}},
		{name: "transfer everything drops the sender", o: Order{Kind: Transfer, Coldkey: "carol", ToColdkey: "alice", Amount: e9},
			free:  map[string]dtaod.TAO{"carol": 0, "alice": 1e13 + e9},
			entry: &Entry{Reason: ReasonTransfer, Unit: UnitTAO, From: AccountFree("carol"), To: AccountFree("alice"), Amount: e9, Coldkey: "carol"}},
		{name: "transfer of 1 rao", o: Order{Kind: Transfer, Coldkey: "carol", ToColdkey: "dave", Amount: 1},
			free:  map[string]dtaod.TAO{"carol": e9 - 1, "dave": 1},
			entry: &Entry{Reason: ReasonTransfer, Unit: UnitTAO, From: AccountFree("carol"), To: AccountFree("dave"), Amount: 1, Coldkey: "carol"}},
		{name: "transfer to oneself", o: Order{Kind: Transfer, Coldkey: "carol", ToColdkey: "carol", Amount: e9},
			free:  map[string]dtaod.TAO{"carol": e9},
			entry: &Entry{Reason: ReasonTransfer, Unit: UnitTAO, From: AccountFree("carol"), To: AccountFree("carol"), Amount: e9, Coldkey: "carol"}},
		{name: "transfer of 0", o: Order{Kind: Transfer, Coldkey: "alice", ToColdkey: "dave"}, code: "AMOUNT_TOO_LOW"},
		{name: "transfer above the balance", o: Order{Kind: Transfer, Coldkey: "carol", ToColdkey: "dave", Amount: e9 + 1}, code: "INSUFFICIENT_BALANCE"},
		{name: "transfer from nobody", o: Order{Kind: Transfer, Coldkey: "dave", ToColdkey: "alice", Amount: 1}, code: "INSUFFICIENT_BALANCE"},
		{name: "transfer to oneself above the balance", o: Order{Kind: Transfer, Coldkey: "carol", ToColdkey: "carol", Amount: e9 + 1}, code: "INSUFFICIENT_BALANCE"},
		{name: "transfer overflowing the recipient", setup: func(st *State) { st.Free["dave"] = max - 5 },
			o: Order{Kind: Transfer, Coldkey: "carol", ToColdkey: "dave", Amount: 6}, code: "OVERFLOW"},
		{name: "transfer filling the recipient to u64", setup: func(st *State) { st.Free["dave"] = max - 5 },
			o:     Order{Kind: Transfer, Coldkey: "carol", ToColdkey: "dave", Amount: 5},
			free:  map[string]dtaod.TAO{"carol": e9 - 5, "dave": max},
			entry: &Entry{Reason: ReasonTransfer, Unit: UnitTAO, From: AccountFree("carol"), To: AccountFree("dave"), Amount: 5, Coldkey: "carol"}},
		{name: "transfer without a recipient", o: Order{Kind: Transfer, Coldkey: "alice", Amount: 1}, code: "INVALID_ARGUMENT"},

		{name: "faucet to a new account", o: Order{Kind: Faucet, Coldkey: "dave", Amount: 7 * e9},
			free: map[string]dtaod.TAO{"dave": 7 * e9}, mint: 7 * e9,
			entry: &Entry{Reason: ReasonFaucet, Unit: UnitTAO, From: AccountIssuance, To: AccountFree("dave"), Amount: 7 * e9, Coldkey: "dave"}},
		{name: "faucet to a funded account", o: Order{Kind: Faucet, Coldkey: "carol", Amount: 1},
			free: map[string]dtaod.TAO{"carol": e9 + 1}, mint: 1,
			entry: &Entry{Reason: ReasonFaucet, Unit: UnitTAO, From: AccountIssuance, To: AccountFree("carol"), Amount: 1, Coldkey: "carol"}},
		{name: "faucet of 0", o: Order{Kind: Faucet, Coldkey: "dave"}, code: "AMOUNT_TOO_LOW"},
		{name: "faucet overflowing the balance", setup: func(st *State) { st.Free["dave"] = max - 1; st.TotalIssuance = 0 },
			o: Order{Kind: Faucet, Coldkey: "dave", Amount: 2}, code: "OVERFLOW"},
		{name: "faucet overflowing issuance", setup: func(st *State) { st.TotalIssuance = max - 1 },
			o: Order{Kind: Faucet, Coldkey: "dave", Amount: 2}, code: "OVERFLOW"},
		{name: "faucet filling issuance to u64", setup: func(st *State) { st.TotalIssuance = max - 2 },
			o: Order{Kind: Faucet, Coldkey: "dave", Amount: 2}, free: map[string]dtaod.TAO{"dave": 2}, mint: 2,
			entry: &Entry{Reason: ReasonFaucet, Unit: UnitTAO, From: AccountIssuance, To: AccountFree("dave"), Amount: 2, Coldkey: "dave"}},
		{name: "faucet without a coldkey", o: Order{Kind: Faucet, Amount: 1}, code: "INVALID_ARGUMENT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, p := fixture()
			if c.setup != nil {
				c.setup(st)
				st.Seal()
			}
			st.Journaling, st.JournalInput = true, 3
			issuance := st.TotalIssuance
			r, err := apply(t, st, p, &c.o)
			if got := code(err); got != c.code {
				t.Fatalf("code %q (%v), want %q", got, err, c.code)
			}
			if err != nil {
				if len(st.Journal) != 0 {
					t.Fatalf("a refused order journaled %+v", st.Journal)
				}
				return
			}
			if r != (Receipt{TAO: dtaod.TAO(c.o.Amount)}) {
				t.Fatalf("receipt %+v", r)
			}
			for ck, want := range c.free {
				if got, listed := st.Free[ck]; got != want || listed != (want != 0) {
					t.Errorf("free[%s] = %d (listed %v), want %d", ck, got, listed, want)
				}
			}
			if st.TotalIssuance != issuance+c.mint {
				t.Errorf("total issuance %d, want %d + %d", st.TotalIssuance, issuance, c.mint)
			}
			want := *c.entry
			want.Input = 3
			if !reflect.DeepEqual(st.Journal, []Entry{want}) {
				t.Errorf("journal %+v, want %+v", st.Journal, want)
			}
		})
	}
}

// TestTransferKindNames: the new kinds and the faucet reason have their contract names.
func TestTransferKindNames(t *testing.T) {
	if Transfer.String() != "transfer" || Faucet.String() != "faucet" || ReasonFaucet.String() != "faucet" {
		t.Fatalf("names %q %q %q", Transfer, Faucet, ReasonFaucet)
	}
}
