package scenario

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
)

// FuzzParse checks that no input panics, that every failure is a message naming a path (or a
// line) and a reason, and that every success satisfies the invariants the engine relies on.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		fullJSON,
		fullYAML,
		`{"version":1,"blocks":1}`,
		"version: 1\nblocks: 3\nstate:\n  subnets: [{netuid: 1, tao_in: 100, alpha_in: \"100\"}]\n" +
			"  stakes: [{coldkey: a, hotkey: h, netuid: 1, alpha: 5}]\n" +
			"actions: [{block: 2, type: add_stake, coldkey: a, hotkey: h, netuid: 1, amount: 1e9}]\n",
		`{"version":1,"blocks":1,"blocks":2}`,
		"version: 2\nblocks: 0\nparams: {tao_weight: -1, emission_share: flow}\n",
		"a: &a [*a]\n",
		`{"version":1,"blocks":1,"regimes":[{"from_block":1,"params":{"owner_cut":"0.5"}}]} trailing`,
	} {
		for format := range uint8(3) {
			f.Add([]byte(seed), format)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		fm := Format(format % 3)
		sc, err := Parse(data, fm)
		if err != nil {
			if sc != nil {
				t.Fatal("scenario and error both returned")
			}
			msg := err.Error()
			if msg == "" || !strings.Contains(msg, ": ") {
				t.Fatalf("bad error message %q", msg)
			}
			return
		}
		checkInvariants(t, sc)
		again, err := Parse(data, fm)
		if err != nil || !reflect.DeepEqual(sc, again) {
			t.Fatalf("second parse differs: %v", err)
		}
	})
}

// checkInvariants re-validates a parsed scenario independently of the parser's code paths.
func checkInvariants(t *testing.T, sc *Scenario) {
	t.Helper()
	if sc.Version != 1 || sc.Blocks < 1 || sc.Record.Every < 1 {
		t.Fatalf("version %d, blocks %d, every %d", sc.Version, sc.Blocks, sc.Record.Every)
	}
	if uint64(sc.StartBlock) > math.MaxUint64-sc.Blocks {
		t.Fatal("start_block + blocks overflows")
	}
	for _, share := range []dtaod.Fixed{sc.Params.TAOWeight, sc.Params.MovingPriceAlpha, sc.Params.OwnerCut, sc.Params.ValidatorTake} {
		if share > dtaod.FixedOne {
			t.Fatalf("share %v above 1", share)
		}
	}
	for i := 1; i < len(sc.Regimes); i++ {
		if sc.Regimes[i-1].FromBlock > sc.Regimes[i].FromBlock {
			t.Fatal("regimes not sorted")
		}
	}
	st := sc.State
	listed := map[dtaod.NetUID]*Subnet{}
	for i := range st.Subnets {
		s := &st.Subnets[i]
		if s.NetUID == 0 || listed[s.NetUID] != nil || (i > 0 && st.Subnets[i-1].NetUID >= s.NetUID) {
			t.Fatalf("subnet netuid %d: zero, duplicate or out of order", s.NetUID)
		}
		listed[s.NetUID] = s
	}
	coldkeys := map[string]bool{}
	for _, b := range st.Balances {
		if b.Coldkey == "" || coldkeys[b.Coldkey] {
			t.Fatalf("balance coldkey %q empty or duplicate", b.Coldkey)
		}
		coldkeys[b.Coldkey] = true
	}
	sums := map[dtaod.NetUID]uint64{}
	seen := map[stakeKey]bool{}
	for _, s := range st.Stakes {
		k := stakeKey{s.Coldkey, s.Hotkey, s.NetUID}
		if s.Coldkey == "" || s.Hotkey == "" || seen[k] || (s.NetUID != 0 && listed[s.NetUID] == nil) {
			t.Fatalf("bad stake %+v", s)
		}
		seen[k] = true
		if sums[s.NetUID]+s.Alpha < s.Alpha {
			t.Fatal("stake sum overflows")
		}
		sums[s.NetUID] += s.Alpha
	}
	if uint64(st.RootTAO) < sums[0] {
		t.Fatalf("root_tao %d below root stakes %d", st.RootTAO, sums[0])
	}
	for _, s := range st.Subnets {
		if uint64(s.AlphaOut) < sums[s.NetUID] {
			t.Fatalf("subnet %d alpha_out below its stakes", s.NetUID)
		}
	}
	type reg struct {
		n dtaod.NetUID
		h string
	}
	regs := map[reg]bool{}
	for _, n := range st.Neurons {
		if listed[n.NetUID] == nil || n.Hotkey == "" || n.Coldkey == "" || regs[reg{n.NetUID, n.Hotkey}] {
			t.Fatalf("bad neuron %+v", n)
		}
		regs[reg{n.NetUID, n.Hotkey}] = true
	}
	first, last := uint64(sc.StartBlock)+1, uint64(sc.StartBlock)+sc.Blocks
	for i, a := range sc.Actions {
		if a.Index != i || uint64(a.Block) < first || uint64(a.Block) > last {
			t.Fatalf("action %d: index %d, block %d outside %d..%d", i, a.Index, a.Block, first, last)
		}
		switch a.Type {
		case ActionSetParams:
			if a.Name != "set_params" || a.Order != (pools.Order{}) {
				t.Fatalf("set_params action %+v", a)
			}
		case ActionOrder:
			if a.Order.Kind.String() != a.Name || a.Order.Coldkey == "" {
				t.Fatalf("order action %+v", a)
			}
		default:
			t.Fatalf("action type %d", a.Type)
		}
	}
}
