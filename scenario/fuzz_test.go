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
		"version: 1\nblocks: 5\nrecord: {bonds: true}\nparams: {consensus: yuma, kappa: 0.5}\n" +
			"state:\n  subnets: [{netuid: 1, max_allowed_uids: 2}]\n" +
			"  neurons: [{netuid: 1, hotkey: v, coldkey: c, validator_permit: true}, {netuid: 1, hotkey: m, coldkey: c}]\n" +
			"  weights: [{netuid: 1, hotkey: v, weights: {1: 65535, 0: \"5\"}}]\n" +
			"  bonds: [{netuid: 1, hotkey: v, bonds: {}}]\n  network_last_lock: 7\n" +
			"actions:\n  - {block: 2, type: set_weights, hotkey: v, netuid: 1, weights: {\"01\": 1, 2: 3}}\n" +
			"  - {block: 3, type: register_neuron, coldkey: c, hotkey: x, netuid: 1}\n" +
			"  - {block: 4, type: register_subnet, coldkey: c, hotkey: x}\n",
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
	for _, share := range []dtaod.Fixed{sc.Params.TAOWeight, sc.Params.MovingPriceAlpha, sc.Params.OwnerCut,
		sc.Params.ValidatorTake, sc.Params.Kappa, sc.Params.BondsMovingAverage} {
		if share > dtaod.FixedOne {
			t.Fatalf("share %v above 1", share)
		}
	}
	if sc.Params.NetworkLockReductionInterval < 1 || sc.Params.Consensus > dtaod.ConsensusAggregate {
		t.Fatalf("params %+v", sc.Params)
	}
	for _, r := range sc.Regimes {
		if q := r.Params.NetworkLockReductionInterval; q != nil && *q < 1 {
			t.Fatal("regime lock reduction interval 0")
		}
		if q := r.Params.Kappa; q != nil && *q > dtaod.FixedOne {
			t.Fatal("regime kappa above 1")
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
	count := map[dtaod.NetUID]int{}
	for _, n := range st.Neurons {
		if listed[n.NetUID] == nil || n.Hotkey == "" || n.Coldkey == "" || regs[reg{n.NetUID, n.Hotkey}] {
			t.Fatalf("bad neuron %+v", n)
		}
		regs[reg{n.NetUID, n.Hotkey}] = true
		count[n.NetUID]++
		if count[n.NetUID] > int(listed[n.NetUID].MaxAllowedUIDs) {
			t.Fatalf("subnet %d: more neurons than max_allowed_uids %d", n.NetUID, listed[n.NetUID].MaxAllowedUIDs)
		}
	}
	for _, rows := range [][]WeightRow{st.Weights, st.Bonds} {
		seenRow := map[reg]bool{}
		for _, r := range rows {
			k := reg{r.NetUID, r.Hotkey}
			if !regs[k] || seenRow[k] {
				t.Fatalf("bad row %+v", r)
			}
			seenRow[k] = true
			checkEntries(t, r.Entries, count[r.NetUID])
		}
	}
	first, last := uint64(sc.StartBlock)+1, uint64(sc.StartBlock)+sc.Blocks
	for i, a := range sc.Actions {
		if a.Index != i || uint64(a.Block) < first || uint64(a.Block) > last {
			t.Fatalf("action %d: index %d, block %d outside %d..%d", i, a.Index, a.Block, first, last)
		}
		switch a.Type {
		case ActionSetParams:
			if a.Name != "set_params" || !reflect.DeepEqual(a.Order, pools.Order{}) {
				t.Fatalf("set_params action %+v", a)
			}
		case ActionOrder:
			o := a.Order
			if o.Kind.String() != a.Name || (o.Coldkey == "") != (o.Kind == pools.SetWeights) ||
				(o.Weights != nil && o.Kind != pools.SetWeights) {
				t.Fatalf("order action %+v", a)
			}
			switch o.Kind {
			case pools.RegisterNeuron, pools.SetWeights, pools.RegisterSubnet:
				if o.Hotkey == "" || o.Amount != 0 || o.HasLimit || o.AllowPartial {
					t.Fatalf("order action %+v", a)
				}
			}
			checkEntries(t, o.Weights, math.MaxUint16+1)
		default:
			t.Fatalf("action type %d", a.Type)
		}
	}
}

// checkEntries checks that a weights or bonds row is sorted by uid, unique, and below limit.
func checkEntries(t *testing.T, entries []pools.Weight, limit int) {
	t.Helper()
	for i, e := range entries {
		if int(e.UID) >= limit || (i > 0 && entries[i-1].UID >= e.UID) {
			t.Fatalf("entries %v: unsorted, duplicate or uid >= %d", entries, limit)
		}
	}
}
