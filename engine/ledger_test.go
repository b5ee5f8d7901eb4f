package engine

import (
	"math/big"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"pgregory.net/rapid"
)

// ledgerKey is one (unit, account) balance of the ledger.
type ledgerKey struct {
	unit pools.Unit
	acct pools.Account
}

// ledger sums entries into balances: it is what a reader of the stored ledger would compute.
type ledger map[ledgerKey]*big.Int

func (l ledger) post(e pools.Entry) {
	for _, side := range []struct {
		a    pools.Account
		sign int
	}{{e.From, -1}, {e.To, 1}} {
		k := ledgerKey{e.Unit, side.a}
		if l[k] == nil {
			l[k] = new(big.Int)
		}
		v := new(big.Int).SetUint64(e.Amount)
		if side.sign < 0 {
			v.Neg(v)
		}
		l[k].Add(l[k], v)
	}
}

func (l ledger) balance(u pools.Unit, a pools.Account) *big.Int {
	if v := l[ledgerKey{u, a}]; v != nil {
		return v
	}
	return new(big.Int)
}

// reconcile checks that the ledger's balance of every account the state holds equals the state,
// that no other account but issuance is negative, and that every unit sums to zero.
func reconcile(t *rapid.T, l ledger, st *pools.State, when string) {
	want := map[ledgerKey]uint64{}
	snap := st.Snapshot()
	for _, b := range snap.Balances {
		want[ledgerKey{pools.UnitTAO, pools.AccountFree(b.Coldkey)}] = uint64(b.Free)
	}
	for _, s := range snap.Subnets {
		n := s.NetUID
		want[ledgerKey{pools.UnitTAO, pools.AccountPool(n)}] = uint64(s.TAOIn)
		want[ledgerKey{pools.AlphaOf(n), pools.AccountPool(n)}] = uint64(s.AlphaIn)
		want[ledgerKey{pools.AlphaOf(n), pools.AccountPending(n)}] = uint64(s.PendingAlpha)
		want[ledgerKey{pools.AlphaOf(n), pools.AccountPendingOwner(n)}] = uint64(s.PendingOwnerCut)
		want[ledgerKey{pools.UnitTAO, pools.AccountPendingRoot(n)}] = uint64(s.PendingRootTAO)
		want[ledgerKey{pools.AlphaOf(n), pools.AccountUnnamed(n)}] = uint64(s.UnnamedStake)
	}
	for _, p := range snap.Pools {
		want[ledgerKey{pools.StakeUnit(p.NetUID), pools.AccountStake(p.Hotkey, p.NetUID)}] = p.Value
	}
	want[ledgerKey{pools.UnitTAO, pools.AccountUnnamed(dtaod.Root)}] = uint64(st.UnnamedRoot)
	for k, v := range want {
		if got := l.balance(k.unit, k.acct); got.Cmp(new(big.Int).SetUint64(v)) != 0 {
			t.Fatalf("%s: ledger %s %s = %s, state %d", when, k.acct, k.unit, got, v)
		}
	}
	sums := map[pools.Unit]*big.Int{}
	for k, v := range l {
		if _, held := want[k]; !held && v.Sign() != 0 && k.acct.Kind != pools.AcctIssuance && k.acct.Kind != pools.AcctBurn {
			t.Fatalf("%s: ledger account %s %s holds %s but the state has nothing there", when, k.acct, k.unit, v)
		}
		if sums[k.unit] == nil {
			sums[k.unit] = new(big.Int)
		}
		sums[k.unit].Add(sums[k.unit], v)
	}
	for u, s := range sums {
		if s.Sign() != 0 {
			t.Fatalf("%s: unit %s does not balance: %s", when, u, s)
		}
	}
}

// TestPropLedgerReconciles: with journaling on, the genesis opening entries plus every block's
// entries give, per account, exactly the state's balances (free, reserves, pending, share pool
// values, unnamed stake), through coinbases, epochs, orders and failed orders; entries of an
// order point at it and a failed order has none.
func TestPropLedgerReconciles(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := drawDesc(t)
		st := build(d)
		e := New(st, d.params, d.height, nil)
		e.Journal(true)
		l := ledger{}
		for _, en := range st.OpeningEntries() {
			l.post(en)
		}
		reconcile(t, l, st, "genesis")
		var res BlockResult
		for range rapid.IntRange(1, 20).Draw(t, "blocks") {
			var inputs []Input
			for j, m := 0, rapid.IntRange(0, 4).Draw(t, "inputs"); j < m; j++ {
				inputs = append(inputs, Input{Order: ledgerOrder(t, st)})
			}
			if err := e.Next(inputs, &res); err != nil {
				t.Fatal(err)
			}
			if err := st.Check(); err != nil {
				t.Fatalf("block %d: %v", res.Block, err)
			}
			for _, en := range res.Ledger {
				if en.Amount == 0 {
					t.Fatalf("block %d: zero entry %+v", res.Block, en)
				}
				if en.Input >= 0 && (int(en.Input) >= len(inputs) || res.Outcomes[en.Input].Err != nil) {
					t.Fatalf("block %d: entry %+v for input %d that failed or does not exist", res.Block, en, en.Input)
				}
				l.post(en)
			}
			for i, out := range res.Outcomes {
				if o := inputs[i].Order; out.Err == nil && out.PriceAfter.IsZero() && tradesOnSubnet(o) && st.Exists(destinationOf(o)) {
					t.Fatalf("block %d: input %d has no price after", res.Block, i)
				}
			}
			reconcile(t, l, st, "block")
		}
	})
}

// ledgerOrder is a random order for the ledger's reconciliation: a stake order (order), or a
// free-TAO transfer or a faucet mint, whose amounts include 0, the whole balance and u64 values
// that overflow.
func ledgerOrder(t *rapid.T, st *pools.State) *pools.Order {
	switch rapid.IntRange(0, 5).Draw(t, "ledger order") {
	case 0:
		ck := rapid.SampledFrom(coldkeys).Draw(t, "transfer ck")
		return &pools.Order{Kind: pools.Transfer, Coldkey: ck, ToColdkey: rapid.SampledFrom(coldkeys).Draw(t, "transfer to"),
			Amount: amount(t, uint64(st.Free[ck]))}
	case 1:
		return &pools.Order{Kind: pools.Faucet, Coldkey: rapid.SampledFrom(coldkeys).Draw(t, "faucet ck"),
			Amount: amount(t, 1_000_000*dtaod.RaoPerTAO)}
	}
	return order(t, st)
}

// TestPropLedgerReconcilesYuma is the same reconciliation on a subnet running Yuma consensus
// (incentive, dividends, take, root dividends, owner cut) with registrations and weights.
func TestPropLedgerReconcilesYuma(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		st, nv := yumaNetwork(t, rapid.Bool().Draw(t, "owner"), 5, 8)
		st.Free["rich"] = 10_000 * dtaod.RaoPerTAO
		st.Seal()
		e := New(st, dtaod.DefaultParams(), 0, nil)
		e.Journal(true)
		l := ledger{}
		for _, en := range st.OpeningEntries() {
			l.post(en)
		}
		reconcile(t, l, st, "genesis")
		var res BlockResult
		for b := range rapid.IntRange(1, 30).Draw(t, "blocks") {
			var inputs []Input
			switch rapid.IntRange(0, 5).Draw(t, "input") {
			case 0:
				inputs = append(inputs, Input{Order: &pools.Order{Kind: pools.RegisterNeuron, Coldkey: "rich", Hotkey: "new" + string(rune('a'+b)), NetUID: 1}})
			case 1:
				inputs = append(inputs, Input{Order: &pools.Order{Kind: pools.RegisterSubnet, Coldkey: "rich", Hotkey: "sub" + string(rune('a'+b))}})
			case 2:
				inputs = append(inputs, Input{Order: &pools.Order{Kind: pools.AddStake, Coldkey: "rich", Hotkey: "v0", NetUID: 1, Amount: rapid.Uint64Range(1, 1e12).Draw(t, "stake")}})
			case 3:
				inputs = append(inputs, Input{Order: &pools.Order{Kind: pools.SetWeights, Hotkey: "v0", NetUID: 1,
					Weights: []pools.Weight{{UID: uint16(nv), Value: rapid.Uint16Range(1, 65535).Draw(t, "weight")}}}})
			}
			if err := e.Next(inputs, &res); err != nil {
				t.Fatal(err)
			}
			for _, en := range res.Ledger {
				l.post(en)
			}
			reconcile(t, l, st, "block")
		}
	})
}
